// Loading one lesion's inputs (the place where input formats are dispatched).
//   image: NIfTI/NRRD file (ITK), or a DICOM folder / one file of a DICOM series (DCMTK)
//   mask:  label image file (ITK), or a DICOM RTSTRUCT (ROI settings.dicom.roi) or SEG file,
//          rasterised on the image's grid. "FILE#NAME" names the ROI / segment in the path itself
//          (overriding settings.dicom.roi), so a manifest's mask column can say "rs.dcm#GTV-1;rs.dcm#GTV-2"
//          wherever a mask path is accepted.
#include <filesystem>

#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/extract.hpp"

namespace fs = std::filesystem;

namespace radhpc::pipeline {
namespace {

bool has_itk_extension(const std::string& path) {
    auto ends = [&](const std::string& e) { return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0; };
    for (const char* e : {".nii", ".nii.gz", ".nrrd", ".nhdr", ".mha", ".mhd", ".NII", ".NII.GZ", ".NRRD"})
        if (ends(e)) return true;
    return false;
}

bool is_dicom_input(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return true;
    return !has_itk_extension(path) && io::is_dicom_file(path);
}

io::DicomReadOptions read_options(const DicomSettings& d) {
    io::DicomReadOptions o;
    o.spacing_tolerance = d.spacing_tolerance;
    o.allow_uneven_spacing = d.allow_uneven_spacing;
    o.allow_duplicates = d.allow_duplicate_slices;
    o.allow_gantry_tilt = d.allow_gantry_tilt;
    o.allow_missing_rescale = d.allow_missing_rescale;
    return o;
}

io::CtSeries read_dicom_image(const std::string& path, const DicomSettings& d) {
    io::SeriesSelection rules;
    rules.modalities = d.modalities;
    rules.description_pattern = d.series_description;
    std::error_code ec;
    if (fs::is_directory(path, ec)) return io::read_dicom_folder(path, rules, read_options(d));
    // one file of a series: the series it belongs to, from the files next to it
    const std::string folder = fs::path(path).parent_path().string();
    const auto found = io::discover_dicom(folder.empty() ? "." : folder);
    for (const auto& s : found.image_series)
        for (const auto& f : s.files)
            if (fs::equivalent(f, path, ec)) {
                rules.series_uid = s.series_uid;
                return io::read_dicom_series(io::select_series(found, rules, path), read_options(d));
            }
    throw Error(ErrorKind::invalid_input, path + ": not a DICOM image object");
}

}  // namespace

LesionInput load(const std::string& image_path, const std::string& mask_path, const Settings& settings) {
    LesionInput in;
    in.image_path = image_path;
    in.mask_path = mask_path;
    std::string frame_of_reference;
    if (is_dicom_input(image_path)) {
        io::CtSeries ct = read_dicom_image(image_path, settings.dicom);
        in.image = std::move(ct.image);
        in.pixel_type = ct.pixel_type;
        frame_of_reference = ct.frame_of_reference_uid;
    } else {
        in.image = io::read_image(image_path, &in.pixel_type);
    }
    // "FILE#ROI": the ROI named in the path (only when FILE#ROI is not itself an existing file)
    std::string mask_file = mask_path, roi = settings.dicom.roi;
    std::error_code ec;
    if (const auto hash = mask_path.rfind('#'); hash != std::string::npos && !fs::exists(mask_path, ec)) {
        mask_file = mask_path.substr(0, hash);
        roi = mask_path.substr(hash + 1);
    }
    if (!has_itk_extension(mask_file) && io::is_dicom_file(mask_file)) {
        const auto kind = io::dicom_file_kind(mask_file);
        if (kind.modality == "RTSTRUCT") {
            const auto info = io::read_rtstruct_info(mask_file);
            if (!frame_of_reference.empty() && !info.referenced_frame_of_reference_uid.empty() &&
                info.referenced_frame_of_reference_uid != frame_of_reference)
                throw Error(ErrorKind::geometry_mismatch,
                            mask_file + ": the RTSTRUCT refers to another frame of reference than the image series " + image_path);
            io::RtStructOptions opt;
            opt.roi = roi;
            opt.roi_is_pattern = settings.dicom.roi_is_pattern;
            opt.allow_outside = settings.dicom.allow_contour_outside;
            in.mask = io::read_rtstruct_mask(mask_file, in.image.geometry, opt);
        } else if (kind.modality == "SEG") {
            io::SegOptions opt;
            opt.segment = roi;
            opt.segment_is_pattern = settings.dicom.roi_is_pattern;
            in.mask = io::read_seg_mask(mask_file, in.image.geometry, opt);
        } else {
            throw Error(ErrorKind::invalid_input,
                        mask_file + ": a DICOM mask must be an RTSTRUCT or SEG object (Modality '" + kind.modality + "')");
        }
    } else {
        in.mask = io::read_label_mask(mask_path, settings.label);
    }
    return in;
}

}  // namespace radhpc::pipeline
