// Input-format dispatch (DICOM through DCMTK, the rest through ITK).
#include "radhpc/io/dicom_input.hpp"

#include <filesystem>
#include <optional>

#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"

namespace fs = std::filesystem;

namespace radhpc::io {
namespace {

bool has_itk_extension(const std::string& path) {
    auto ends = [&](const std::string& e) { return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0; };
    for (const char* e : {".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd", ".NII", ".NII.GZ", ".NRRD"})
        if (ends(e)) return true;
    return false;
}

DicomReadOptions read_options(const DicomSettings& d) {
    DicomReadOptions o;
    o.spacing_tolerance = d.spacing_tolerance;
    o.allow_uneven_spacing = d.allow_uneven_spacing;
    o.allow_duplicates = d.allow_duplicate_slices;
    o.allow_gantry_tilt = d.allow_gantry_tilt;
    o.allow_missing_rescale = d.allow_missing_rescale;
    return o;
}

}  // namespace

DicomSeries find_image_series(const std::string& path, const DicomSettings& d) {
    SeriesSelection rules;
    rules.modalities = d.modalities;
    rules.description_pattern = d.series_description;
    std::error_code ec;
    if (fs::is_directory(path, ec)) return select_series(discover_dicom(path), rules, path);
    const std::string folder = fs::path(path).parent_path().string();
    auto found = discover_dicom(folder.empty() ? "." : folder);
    for (auto& s : found.image_series)
        for (const auto& f : s.files)
            if (fs::equivalent(f, path, ec)) {
                // the series holding the file (by identity: its UID may be empty), through the rules
                rules.series_uid = s.series_uid;
                DiscoveryResult one;
                one.image_series.push_back(std::move(s));
                rules.include_localizers = true;  // named explicitly by the file
                return select_series(one, rules, path);
            }
    throw Error(ErrorKind::invalid_input, path + ": not a DICOM image object");
}

namespace {

CtSeries read_dicom_image(const std::string& path, const DicomSettings& d) {
    return read_dicom_series(find_image_series(path, d), read_options(d));
}

}  // namespace

bool is_dicom_image_input(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return true;
    return !has_itk_extension(path) && is_dicom_file(path);
}

Image read_image_input(const std::string& path, const DicomSettings& dicom, PixelType* pixel_type, std::string* frame_of_reference) {
    if (frame_of_reference) frame_of_reference->clear();
    if (!is_dicom_image_input(path)) return read_image(path, pixel_type);
    CtSeries ct = read_dicom_image(path, dicom);
    if (pixel_type) *pixel_type = ct.pixel_type;
    if (frame_of_reference) *frame_of_reference = ct.frame_of_reference_uid;
    return std::move(ct.image);
}

SourceImage read_source_input(const std::string& path, const DicomSettings& dicom, PixelType* pixel_type, std::string* frame_of_reference) {
    if (frame_of_reference) frame_of_reference->clear();
    if (!is_dicom_image_input(path)) return read_image_source(path, pixel_type);
    return read_source_input(find_image_series(path, dicom), dicom, pixel_type, frame_of_reference);
}

SourceImage read_source_input(const DicomSeries& series, const DicomSettings& dicom, PixelType* pixel_type,
                              std::string* frame_of_reference) {
    CtSeries info;
    SourceImage image = read_dicom_source(series, read_options(dicom), &info);
    if (pixel_type) *pixel_type = info.pixel_type;
    if (frame_of_reference) *frame_of_reference = info.frame_of_reference_uid;
    return image;
}

void split_mask_path(const std::string& mask_path, std::string& file, std::string& roi) {
    file = mask_path;
    std::error_code ec;
    if (const auto hash = mask_path.rfind('#'); hash != std::string::npos && !fs::exists(mask_path, ec)) {
        file = mask_path.substr(0, hash);
        roi = mask_path.substr(hash + 1);
    }
}

bool is_dicom_mask_input(const std::string& mask_path) {
    std::string file, roi;
    split_mask_path(mask_path, file, roi);
    if (has_itk_extension(file) || !is_dicom_file(file)) return false;
    const auto m = dicom_file_kind(file).modality;
    return m == "RTSTRUCT" || m == "SEG";
}

struct MaskInputReader::Parsed {
    bool dicom = false;
    std::string modality;
    std::optional<ParsedRtStruct> rtstruct;
    std::optional<ParsedSeg> seg;
    std::optional<SlicerSegmentation> slicer;
};

MaskInputReader::Parsed& MaskInputReader::entry(const std::string& file) {
    auto it = parsed_.find(file);
    if (it == parsed_.end()) {
        auto p = std::make_shared<Parsed>();
        p->dicom = !has_itk_extension(file) && is_dicom_file(file);
        if (p->dicom) p->modality = dicom_file_kind(file).modality;
        it = parsed_.emplace(file, std::move(p)).first;
    }
    return *it->second;
}

std::string MaskInputReader::modality(const std::string& file) { return entry(file).modality; }

const ParsedRtStruct* MaskInputReader::rtstruct(const std::string& file) {
    Parsed& p = entry(file);
    if (p.modality != "RTSTRUCT") return nullptr;
    if (!p.rtstruct) p.rtstruct.emplace(file);
    return &*p.rtstruct;
}

const ParsedSeg* MaskInputReader::seg(const std::string& file) {
    Parsed& p = entry(file);
    if (p.modality != "SEG") return nullptr;
    if (!p.seg) p.seg.emplace(file);
    return &*p.seg;
}

const SlicerSegmentation& MaskInputReader::slicer(const std::string& file) {
    Parsed& p = entry(file);
    if (!p.slicer) p.slicer.emplace(file);
    return *p.slicer;
}

Mask MaskInputReader::read(const std::string& mask_path, const Geometry& grid, int label, const DicomSettings& dicom,
                           const std::string& frame_of_reference, bool label_given) {
    std::string file, roi = dicom.roi;
    split_mask_path(mask_path, file, roi);
    if (is_slicer_segmentation(file)) {  // on its own grid: the caller's geometry check applies
        const SlicerSegmentation& s = slicer(file);
        return s.mask(s.select(roi, dicom.roi_is_pattern, label_given ? std::optional<int>(label) : std::nullopt));
    }
    if (!entry(file).dicom) return read_label_mask(mask_path, label);
    auto same_frame = [&](const std::string& uid, const char* what) {
        if (!frame_of_reference.empty() && !uid.empty() && uid != frame_of_reference)
            throw Error(ErrorKind::geometry_mismatch, file + ": the " + what + " refers to another frame of reference than the image series");
    };
    if (const ParsedRtStruct* rs = rtstruct(file)) {
        same_frame(rs->info().referenced_frame_of_reference_uid, "RTSTRUCT");
        RtStructOptions opt;
        opt.roi = roi;
        opt.roi_is_pattern = dicom.roi_is_pattern;
        opt.allow_outside = dicom.allow_contour_outside;
        return rs->mask(grid, opt);
    }
    if (const ParsedSeg* sg = seg(file)) {
        // FrameOfReferenceUID (0020,0052) of the SEG must be the image's, as for an RTSTRUCT
        same_frame(sg->info().frame_of_reference_uid, "SEG (FrameOfReferenceUID (0020,0052))");
        SegOptions opt;
        opt.segment = roi;
        opt.segment_is_pattern = dicom.roi_is_pattern;
        return sg->mask(grid, opt);
    }
    throw Error(ErrorKind::invalid_input, file + ": a DICOM mask must be an RTSTRUCT or SEG object (Modality '" + modality(file) + "')");
}

Mask read_mask_input(const std::string& mask_path, const Geometry& grid, int label, const DicomSettings& dicom,
                     const std::string& frame_of_reference, bool label_given) {
    return MaskInputReader().read(mask_path, grid, label, dicom, frame_of_reference, label_given);
}

Image read_image_input(const DicomSeries& series, const DicomSettings& dicom, PixelType* pixel_type, std::string* frame_of_reference) {
    CtSeries ct = read_dicom_series(series, read_options(dicom));
    if (pixel_type) *pixel_type = ct.pixel_type;
    if (frame_of_reference) *frame_of_reference = ct.frame_of_reference_uid;
    return std::move(ct.image);
}

}  // namespace radhpc::io
