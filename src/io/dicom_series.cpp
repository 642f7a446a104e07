// DICOM series discovery and CT series -> Image (DCMTK).
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <dcmtk/dcmdata/dcistrmf.h>
#include <dcmtk/oflog/oflog.h>
#include <fcntl.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <regex>
#include <sstream>

#include "dicom_internal.hpp"
#include "huge_pages.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"

namespace fs = std::filesystem;

namespace radhpc::io {
namespace {
std::atomic<std::uint64_t> g_parses{0}, g_pixel_reads{0};
}  // namespace

DicomIoCounters dicom_io_counters() { return {g_parses.load(), g_pixel_reads.load()}; }

namespace dicom_detail {

void ensure_dcmtk_ready() {
    static std::once_flag once;
    std::call_once(once, [] {
        // RADHPC_DCMTK_LOG=1 turns DCMTK's warnings back on for debugging (they may quote tag values)
        const char* debug = std::getenv("RADHPC_DCMTK_LOG");
        OFLog::configure(debug && *debug == '1' ? OFLogger::WARN_LOG_LEVEL : OFLogger::OFF_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

void load(DcmFileFormat& file, const std::string& path, bool header_only) {
    ensure_dcmtk_ready();
    ++g_parses;
    const OFCondition status =
        header_only ? file.loadFileUntilTag(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect,
                                            DCM_PixelData)
                    : file.loadFile(path.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    if (status.bad()) throw Error(ErrorKind::io, path + ": not a readable DICOM file (" + status.text() + ")");
}

static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && s[b] == ' ') ++b;
    return s.substr(b);
}

std::string get_string(DcmItem& item, const DcmTagKey& tag) {
    OFString v;
    if (item.findAndGetOFString(tag, v).bad()) return {};
    return trim(v.c_str());
}

std::string get_all_strings(DcmItem& item, const DcmTagKey& tag) {
    OFString v;
    if (item.findAndGetOFStringArray(tag, v).bad()) return {};
    return trim(v.c_str());
}

std::optional<double> get_double(DcmItem& item, const DcmTagKey& tag, unsigned long pos) {
    Float64 v = 0;
    if (item.findAndGetFloat64(tag, v, pos).bad()) return std::nullopt;
    return double(v);
}

std::vector<double> get_doubles(DcmItem& item, const DcmTagKey& tag) {
    // one pass over the backslash-separated text (DCMTK's per-index access rescans the string: quadratic
    // for contours with thousands of coordinates)
    std::vector<double> out;
    DcmElement* el = nullptr;
    if (item.findAndGetElement(tag, el).bad() || !el) return out;
    if (el->ident() == EVR_DS || el->ident() == EVR_IS) {
        // the raw value (getOFStringArray goes value by value, each time re-counting the values)
        char* raw = nullptr;
        Uint32 length = 0;
        if (el->getString(raw, length).bad()) return {};
        const std::string text = raw ? std::string(raw, length) : std::string();
        const char* p = text.c_str();
        while (*p) {
            char* end = nullptr;
            const double v = std::strtod(p, &end);
            if (end == p) return {};
            out.push_back(v);
            p = end;
            while (*p == ' ') ++p;
            if (*p == '\\') ++p;
            else if (*p) return {};
        }
        return out;
    }
    const unsigned long n = el->getVM();
    for (unsigned long i = 0; i < n; ++i) {
        Float64 v = 0;
        if (el->getFloat64(v, i).bad()) return {};
        out.push_back(v);
    }
    return out;
}

std::optional<long> get_int(DcmItem& item, const DcmTagKey& tag) {
    Sint32 s = 0;
    if (item.findAndGetSint32(tag, s).good()) return long(s);
    Uint16 u = 0;
    if (item.findAndGetUint16(tag, u).good()) return long(u);
    // IS values are strings
    OFString str;
    if (item.findAndGetOFString(tag, str).good() && !str.empty()) {
        try {
            return std::stol(str.c_str());
        } catch (...) {
        }
    }
    return std::nullopt;
}

Vec3 cross(const Vec3& a, const Vec3& b) {
    return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
double norm(const Vec3& a) { return std::sqrt(dot(a, a)); }

}  // namespace dicom_detail

using namespace dicom_detail;

namespace {

bool has_dicm_preamble(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char buf[132];
    if (!in.read(buf, 132)) return false;
    return std::memcmp(buf + 128, "DICM", 4) == 0;
}

// A file without the DICOM preamble is still tried as a bare dataset (old archives), but only when it
// starts like one: a group 0x0002 or 0x0008 tag in little endian. Everything else (NIfTI, text,
// archives) is rejected without asking DCMTK to parse it.
bool looks_like_bare_dataset(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) return false;
    return (b[0] == 0x08 || b[0] == 0x02) && b[1] == 0x00;
}

bool is_non_image_modality(const std::string& m) {
    return m == "SEG" || m == "RTSTRUCT" || m == "RTDOSE" || m == "RTPLAN" || m == "SR" || m == "PR" || m == "KO" ||
           m == "REG" || m == "RTRECORD";
}

// One file's header parse: what discovery groups and selects by, and (`scan`, image objects) the
// DicomFileScan that QC and reading take instead of parsing the file again.
struct ObjectParse {
    DicomObject object;
    std::string description;  // SeriesDescription
    bool localizer = false, no_geometry = false;
    std::shared_ptr<const DicomFileScan> scan;
};

std::shared_ptr<const DicomFileScan> scan_loaded(DcmFileFormat& file, const std::string& path);
std::shared_ptr<const DicomFileScan> scan_failed(const std::string& path, std::exception_ptr error);

// `scan`: the whole file is loaded (large values such as PixelData stay on disk, their lengths and
// offsets known), as reading loads it; when that fails the header alone is loaded, as discovery always
// did (the file is still an object of its series, and reading it reports the failure).
ObjectParse read_object(const std::string& path, bool scan) {
    if (!has_dicm_preamble(path) && !looks_like_bare_dataset(path))
        throw Error(ErrorKind::io, path + ": not a DICOM file (no DICM preamble)");
    auto file = std::make_unique<DcmFileFormat>();
    std::exception_ptr full_error;
    bool full = false;
    if (scan) {
        try {
            load(*file, path, false);
            full = true;
        } catch (const Error&) {
            full_error = std::current_exception();
            file = std::make_unique<DcmFileFormat>();  // nothing half-read carries over
        }
    }
    if (!full) load(*file, path, true);
    DcmDataset& ds = *file->getDataset();
    ObjectParse parse;
    DicomObject& o = parse.object;
    o.path = path;
    o.sop_class_uid = get_string(ds, DCM_SOPClassUID);
    o.sop_instance_uid = get_string(ds, DCM_SOPInstanceUID);
    if (o.sop_class_uid.empty()) o.sop_class_uid = get_string(*file->getMetaInfo(), DCM_MediaStorageSOPClassUID);
    if (o.sop_class_uid.empty() && !has_dicm_preamble(path))
        throw Error(ErrorKind::io, path + ": not a DICOM file (no preamble, no SOPClassUID)");
    o.modality = get_string(ds, DCM_Modality);
    o.study_uid = get_string(ds, DCM_StudyInstanceUID);
    o.series_uid = get_string(ds, DCM_SeriesInstanceUID);
    o.frame_of_reference_uid = get_string(ds, DCM_FrameOfReferenceUID);
    if (o.series_uid.empty()) {
        // anonymisers may blank SeriesInstanceUID: such slices group by what else identifies a series
        // (study, frame of reference, orientation, pixel spacing, rows/columns); see discover_dicom
        std::ostringstream key;
        key.precision(6);
        key << o.study_uid << '|' << o.frame_of_reference_uid << '|' << get_string(ds, DCM_Modality);
        for (double v : get_doubles(ds, DCM_ImageOrientationPatient)) key << '|' << (std::abs(v) < 5e-7 ? 0.0 : v);
        for (double v : get_doubles(ds, DCM_PixelSpacing)) key << '|' << v;
        key << '|' << get_int(ds, DCM_Rows).value_or(0) << 'x' << get_int(ds, DCM_Columns).value_or(0);
        o.grouping_key = key.str();
    }
    o.is_image = dcmIsImageStorageSOPClassUID(o.sop_class_uid.c_str()) && o.sop_class_uid != UID_SegmentationStorage &&
                 !is_non_image_modality(o.modality) && get_int(ds, DCM_Rows).has_value();
    if (scan && o.is_image) {
        parse.description = get_string(ds, DCM_SeriesDescription);
        parse.localizer = get_all_strings(ds, DCM_ImageType).find("LOCALIZER") != std::string::npos;
        parse.no_geometry = !ds.tagExists(DCM_ImagePositionPatient) && !ds.tagExists(DCM_PerFrameFunctionalGroupsSequence);
        parse.scan = full ? scan_loaded(*file, path) : scan_failed(path, full_error);
    }
    return parse;
}

DicomObject read_object_header(const std::string& path) { return read_object(path, false).object; }

}  // namespace

bool is_dicom_file(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    if (has_dicm_preamble(path)) return true;
    if (!looks_like_bare_dataset(path)) return false;
    try {
        return !read_object_header(path).sop_class_uid.empty();
    } catch (const Error&) {
        return false;
    }
}

DicomFileKind dicom_file_kind(const std::string& path) {
    const DicomObject o = read_object_header(path);
    return {o.modality, o.sop_class_uid};
}

DicomSeries select_series(const DiscoveryResult& found, const SeriesSelection& rules, const std::string& folder) {
    std::vector<const DicomSeries*> hits;
    std::regex pattern;
    if (!rules.description_pattern.empty()) {
        try {
            pattern = std::regex(rules.description_pattern, std::regex::ECMAScript);
        } catch (const std::regex_error&) {
            throw Error(ErrorKind::settings, "dicom.series_description: not a valid regular expression");
        }
    }
    for (const auto& s : found.image_series) {
        if (!rules.modalities.empty() &&
            std::find(rules.modalities.begin(), rules.modalities.end(), s.modality) == rules.modalities.end())
            continue;
        if (!rules.description_pattern.empty() && !std::regex_search(s.description, pattern)) continue;
        if (!rules.series_uid.empty() && s.series_uid != rules.series_uid) continue;
        if (rules.series_uid.empty() && (s.no_geometry || (s.localizer && !rules.include_localizers))) continue;
        hits.push_back(&s);
    }
    auto describe = [](const DicomSeries& s) {
        return s.modality + (s.localizer ? " localizer" : "") + (s.no_geometry ? " (no slice positions)" : "") + " series " + pseudonym(s.series_uid) + " (" +
               std::to_string(s.files.size()) + " images)";
    };
    if (hits.size() == 1) return *hits[0];
    std::string msg = folder + ": ";
    if (hits.empty()) {
        msg += "no image series matches the selection";
        if (found.image_series.empty()) msg += " (no DICOM image objects found";
        else msg += " (found:";
        for (const auto& s : found.image_series) msg += " " + describe(s) + ";";
        msg += ")";
    } else {
        msg += std::to_string(hits.size()) + " image series match the selection; narrow it (dicom.modality, "
               "dicom.series_description, dicom.series_uid):";
        for (const auto* s : hits) msg += " " + describe(*s) + ";";
    }
    throw Error(ErrorKind::invalid_input, msg);
}

namespace {

// What one slice's header says (no pixel data).
struct SliceHeader {
    std::string path, sop_instance_uid;
    Vec3 position{0, 0, 0};
    std::array<double, 6> orientation{};
    long rows = 0, cols = 0;
    double spacing_row = 0, spacing_col = 0;  // PixelSpacing[0] (between rows), [1] (between columns)
    std::optional<double> slope, intercept;
    long frames = 1;
    long frame = 0;         // frame index within the file (multi-frame objects)
    std::optional<double> thickness;  // SliceThickness (top level or PixelMeasuresSequence)
    bool pixel_signed = false;        // PixelRepresentation 1
    double projection = 0;  // position on the slice normal
    bool ct = false;        // Modality CT: rescale tags required (unless allowed)
    std::size_t file = 0;   // index of the file in the series (DicomSeries::files)
};

// Non-finite geometry on any slice would pass the orientation and spacing comparisons (NaN compares
// false): refused here, naming the file and tag.
void require_finite(const std::vector<double>& v, const std::string& where, const char* tag) {
    for (double x : v)
        if (!std::isfinite(x)) throw Error(ErrorKind::invalid_input, where + ": " + tag + " holds a non-finite value");
}

SliceHeader read_slice_header(DcmDataset& ds, const std::string& path) {
    SliceHeader h;
    h.path = path;
    h.sop_instance_uid = get_string(ds, DCM_SOPInstanceUID);
    const auto ipp = get_doubles(ds, DCM_ImagePositionPatient);
    const auto iop = get_doubles(ds, DCM_ImageOrientationPatient);
    const auto ps = get_doubles(ds, DCM_PixelSpacing);
    if (ipp.size() != 3) throw Error(ErrorKind::invalid_input, path + ": ImagePositionPatient missing or not 3 values");
    if (iop.size() != 6) throw Error(ErrorKind::invalid_input, path + ": ImageOrientationPatient missing or not 6 values");
    require_finite(ipp, path, "ImagePositionPatient (0020,0032)");
    require_finite(iop, path, "ImageOrientationPatient (0020,0037)");
    require_finite(ps, path, "PixelSpacing (0028,0030)");
    if (ps.size() != 2 || !(ps[0] > 0) || !(ps[1] > 0))
        throw Error(ErrorKind::invalid_input, path + ": PixelSpacing missing or not 2 positive values");
    h.ct = get_string(ds, DCM_Modality) == "CT";
    h.position = {ipp[0], ipp[1], ipp[2]};
    std::copy(iop.begin(), iop.end(), h.orientation.begin());
    h.spacing_row = ps[0];
    h.spacing_col = ps[1];
    h.rows = get_int(ds, DCM_Rows).value_or(0);
    h.cols = get_int(ds, DCM_Columns).value_or(0);
    if (h.rows <= 0 || h.cols <= 0) throw Error(ErrorKind::invalid_input, path + ": Rows/Columns missing");
    h.frames = get_int(ds, DCM_NumberOfFrames).value_or(1);
    h.slope = get_double(ds, DCM_RescaleSlope);
    h.intercept = get_double(ds, DCM_RescaleIntercept);
    h.thickness = get_double(ds, DCM_SliceThickness);
    h.pixel_signed = get_int(ds, DCM_PixelRepresentation).value_or(0) == 1;
    return h;
}

// A functional-group item of frame `frame` (per-frame item first, then the shared one), or null.
DcmItem* frame_group(DcmDataset& ds, long frame, const DcmTagKey& group) {
    DcmItem* item = nullptr;
    DcmItem* g = nullptr;
    if (ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, item, frame).good() && item &&
        item->findAndGetSequenceItem(group, g, 0).good() && g)
        return g;
    if (ds.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, item, 0).good() && item &&
        item->findAndGetSequenceItem(group, g, 0).good() && g)
        return g;
    return nullptr;
}

// Single-frame objects give one header; multi-frame (enhanced) objects one per frame, with position,
// orientation, pixel spacing and rescale taken from the functional groups.
std::vector<SliceHeader> read_frame_headers(DcmDataset& ds, const std::string& path) {
    const long frames = get_int(ds, DCM_NumberOfFrames).value_or(1);
    if (frames <= 1 && !ds.tagExists(DCM_PerFrameFunctionalGroupsSequence)) return {read_slice_header(ds, path)};
    std::vector<SliceHeader> out;
    for (long f = 0; f < frames; ++f) {
        SliceHeader h;
        h.path = path;
        h.frame = f;
        h.frames = frames;
        h.sop_instance_uid = get_string(ds, DCM_SOPInstanceUID);
        const std::string where = path + " frame " + std::to_string(f + 1);
        DcmItem* pos = frame_group(ds, f, DCM_PlanePositionSequence);
        DcmItem* ori = frame_group(ds, f, DCM_PlaneOrientationSequence);
        DcmItem* meas = frame_group(ds, f, DCM_PixelMeasuresSequence);
        const auto ipp = pos ? get_doubles(*pos, DCM_ImagePositionPatient) : std::vector<double>{};
        const auto iop = ori ? get_doubles(*ori, DCM_ImageOrientationPatient) : std::vector<double>{};
        const auto ps = meas ? get_doubles(*meas, DCM_PixelSpacing) : std::vector<double>{};
        if (ipp.size() != 3) throw Error(ErrorKind::invalid_input, where + ": no ImagePositionPatient in PlanePositionSequence");
        if (iop.size() != 6) throw Error(ErrorKind::invalid_input, where + ": no ImageOrientationPatient in PlaneOrientationSequence");
        require_finite(ipp, where, "ImagePositionPatient (0020,0032)");
        require_finite(iop, where, "ImageOrientationPatient (0020,0037)");
        require_finite(ps, where, "PixelSpacing (0028,0030)");
        if (ps.size() != 2 || !(ps[0] > 0) || !(ps[1] > 0))
            throw Error(ErrorKind::invalid_input, where + ": no PixelSpacing in PixelMeasuresSequence");
        h.ct = get_string(ds, DCM_Modality) == "CT";
        h.position = {ipp[0], ipp[1], ipp[2]};
        std::copy(iop.begin(), iop.end(), h.orientation.begin());
        h.spacing_row = ps[0];
        h.spacing_col = ps[1];
        h.thickness = get_double(*meas, DCM_SliceThickness);
        h.pixel_signed = get_int(ds, DCM_PixelRepresentation).value_or(0) == 1;
        h.rows = get_int(ds, DCM_Rows).value_or(0);
        h.cols = get_int(ds, DCM_Columns).value_or(0);
        if (h.rows <= 0 || h.cols <= 0) throw Error(ErrorKind::invalid_input, path + ": Rows/Columns missing");
        if (DcmItem* px = frame_group(ds, f, DCM_PixelValueTransformationSequence)) {
            h.slope = get_double(*px, DCM_RescaleSlope);
            h.intercept = get_double(*px, DCM_RescaleIntercept);
        } else {
            h.slope = get_double(ds, DCM_RescaleSlope);
            h.intercept = get_double(ds, DCM_RescaleIntercept);
        }
        out.push_back(h);
    }
    return out;
}

std::optional<double> positive(std::optional<double> v) {
    if (v && *v > 0) return v;
    return std::nullopt;
}

DicomMetadata read_metadata(DcmFileFormat& file) {
    DcmDataset& ds = *file.getDataset();
    // Enhanced (multi-frame) objects keep acquisition attributes inside functional-group sequences:
    // when a tag is absent at the top level, the first occurrence in a sequence is taken.
    auto get_string = [&](const DcmTagKey& tag) {
        std::string v = dicom_detail::get_string(ds, tag);
        OFString deep;
        if (v.empty() && ds.findAndGetOFString(tag, deep, 0, OFTrue).good()) v = deep.c_str();
        return v;
    };
    auto get_all_strings = [&](DcmItem&, const DcmTagKey& tag) {
        std::string v = dicom_detail::get_all_strings(ds, tag);
        OFString deep;
        if (v.empty() && ds.findAndGetOFStringArray(tag, deep, OFTrue).good()) v = deep.c_str();
        return v;
    };
    auto get_double = [&](DcmItem&, const DcmTagKey& tag, unsigned long pos = 0) -> std::optional<double> {
        if (auto v = dicom_detail::get_double(ds, tag, pos)) return v;
        Float64 deep = 0;
        if (ds.findAndGetFloat64(tag, deep, pos, OFTrue).good()) return double(deep);
        return std::nullopt;
    };
    DicomMetadata m;
    m.modality = get_string(DCM_Modality);
    m.manufacturer = get_string(DCM_Manufacturer);
    m.model = get_string(DCM_ManufacturerModelName);
    m.convolution_kernel = get_all_strings(ds, DCM_ConvolutionKernel);
    m.acquisition_date = get_string(DCM_AcquisitionDate);
    m.kvp = positive(get_double(ds, DCM_KVP));
    m.tube_current_ma = get_double(ds, DCM_XRayTubeCurrent);
    if (!m.tube_current_ma) m.tube_current_ma = get_double(ds, DCM_XRayTubeCurrentInmA);  // enhanced CT
    m.exposure_mas = get_double(ds, DCM_Exposure);
    if (!m.exposure_mas) m.exposure_mas = get_double(ds, DCM_ExposureInmAs);
    m.slice_thickness_mm = positive(get_double(ds, DCM_SliceThickness));
    m.pixel_spacing_row_mm = get_double(ds, DCM_PixelSpacing, 0);
    m.pixel_spacing_col_mm = get_double(ds, DCM_PixelSpacing, 1);
    if (ds.tagExists(DCM_ContrastBolusAgent)) m.contrast_agent = get_string(DCM_ContrastBolusAgent);
    m.rescale_slope = get_double(ds, DCM_RescaleSlope).value_or(1.0);
    m.rescale_intercept = get_double(ds, DCM_RescaleIntercept).value_or(0.0);
    m.bits_stored = int(get_int(ds, DCM_BitsStored).value_or(get_int(ds, DCM_BitsAllocated).value_or(16)));
    m.transfer_syntax = DcmXfer(ds.getOriginalXfer()).getXferName();
    return m;
}

// The smallest integer type GDCM/ITK would choose for the rescaled range (float when the rescale
// is not integral): PyRadiomics casts resampled values back to it.
PixelType rescaled_pixel_type(int bits_stored, bool is_signed, double slope, double intercept) {
    PixelType t;
    if (slope != std::round(slope) || intercept != std::round(intercept)) return t;
    const double lo_raw = is_signed ? -std::ldexp(1.0, bits_stored - 1) : 0.0;
    const double hi_raw = is_signed ? std::ldexp(1.0, bits_stored - 1) - 1 : std::ldexp(1.0, bits_stored) - 1;
    const double a = slope * lo_raw + intercept, b = slope * hi_raw + intercept;
    const double lo = std::min(a, b), hi = std::max(a, b);
    const std::pair<double, double> types[] = {{-128, 127},   {0, 255}, {-32768, 32767}, {0, 65535}, {-2147483648.0, 2147483647.0},
                                               {0, 4294967295.0}};
    for (const auto& [tmin, tmax] : types)
        if (lo >= tmin && hi <= tmax) {
            t.integer = true;
            t.min = tmin;
            t.max = tmax;
            return t;
        }
    return t;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string fmt(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}

// The image pixel module as decoding needs it (defaults as DCMTK-less readers assume them).
struct PixelModule {
    long samples = 1;
    std::string photometric;
    long bits_allocated = 0, bits_stored = 0, high_bit = 0;
    bool is_signed = false;
};

PixelModule pixel_module(DcmDataset& ds) {
    PixelModule p;
    p.samples = get_int(ds, DCM_SamplesPerPixel).value_or(1);
    p.photometric = get_string(ds, DCM_PhotometricInterpretation);
    p.bits_allocated = get_int(ds, DCM_BitsAllocated).value_or(0);
    p.bits_stored = get_int(ds, DCM_BitsStored).value_or(p.bits_allocated);
    p.high_bit = get_int(ds, DCM_HighBit).value_or(p.bits_stored - 1);
    p.is_signed = get_int(ds, DCM_PixelRepresentation).value_or(0) == 1;
    return p;
}

void check_pixel_module(const PixelModule& p, const SliceHeader& h) {
    if (p.samples != 1 || (p.photometric != "MONOCHROME2" && p.photometric != "MONOCHROME1"))
        throw Error(ErrorKind::invalid_input,
                    h.path + ": not a monochrome image (SamplesPerPixel " + std::to_string(p.samples) + ", " + p.photometric + ")");
    if (!(p.bits_allocated == 8 || p.bits_allocated == 16 || p.bits_allocated == 32) || p.bits_stored < 1 ||
        p.bits_stored > p.bits_allocated || p.high_bit >= p.bits_allocated || p.high_bit + 1 < p.bits_stored)
        throw Error(ErrorKind::invalid_input, h.path + ": unsupported pixel layout (BitsAllocated " +
                                                  std::to_string(p.bits_allocated) + ", BitsStored " + std::to_string(p.bits_stored) + ")");
}

}  // namespace

// What one parse of an image file gives: its frames' headers, the findings reading would refuse it
// for (in the order reading checks them), the acquisition metadata, and where its native pixel data
// lies, so that QC, the exclusion rule and reading never parse the file again (DicomSeries::scans).
struct DicomFileScan {
    std::string path;
    std::exception_ptr error;       // the file's load, frame headers or pixel data length refused it (reading and QC)
    std::exception_ptr size_error;  // pixel data larger than the file allows (reading only)
    std::vector<SliceHeader> headers;
    DicomMetadata metadata;
    PixelModule pixels;
    // Native little-endian pixel data read without a parse: `pixel_length` bytes at `pixel_offset` of
    // the file, or held in `small_value` (values DCMTK loaded with the header). Otherwise decoding
    // loads the file through DCMTK (encapsulated, big endian, deflated, unusual layouts).
    bool raw = false;
    std::uint64_t pixel_offset = 0, pixel_length = 0;
    std::optional<std::vector<std::uint8_t>> small_value;
};

namespace {

// Where the raw path may read `s`'s pixel data; leaves s.raw false when only DCMTK can.
void locate_pixels(DcmDataset& ds, DicomFileScan& s) {
    if (gLocalByteOrder != EBO_LittleEndian) return;
    const E_TransferSyntax xfer = ds.getOriginalXfer();
    if (xfer != EXS_LittleEndianImplicit && xfer != EXS_LittleEndianExplicit) return;
    const long bits = s.pixels.bits_allocated;
    if (bits != 8 && bits != 16 && bits != 32) return;
    DcmElement* el = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, el).bad() || !el) return;
    if (const DcmInputStreamFactory* f = el->getInputStream()) {  // left on disk by the lazy load
        if (f->ident() != DFT_DcmInputFileStreamFactory) return;
        s.pixel_offset = std::uint64_t(static_cast<const DcmInputFileStreamFactory*>(f)->getOffset());
        s.pixel_length = el->getLength();
        s.raw = true;
        return;
    }
    // a small value already in memory: the bytes DCMTK's accessors give decoding
    if (bits == 8) {
        const Uint8* p = nullptr;
        unsigned long count = 0;
        if (ds.findAndGetUint8Array(DCM_PixelData, p, &count).bad() || !p) return;
        s.small_value.emplace(p, p + count);
    } else {
        const Uint16* p = nullptr;
        unsigned long count = 0;
        if (ds.findAndGetUint16Array(DCM_PixelData, p, &count).bad() || !p) return;
        s.small_value.emplace(reinterpret_cast<const std::uint8_t*>(p), reinterpret_cast<const std::uint8_t*>(p + count));
    }
    s.pixel_length = s.small_value->size();
    s.raw = true;
}

void check_pixel_length(DcmDataset& ds, const std::string& path, const SliceHeader& h);
void check_pixel_data_size(DcmDataset& ds, const std::string& path, const std::vector<SliceHeader>& frames);

std::shared_ptr<const DicomFileScan> scan_loaded(DcmFileFormat& file, const std::string& path) {
    auto s = std::make_shared<DicomFileScan>();
    s->path = path;
    DcmDataset& ds = *file.getDataset();
    try {
        s->headers = read_frame_headers(ds, path);
        if (s->headers.empty())
            throw Error(ErrorKind::invalid_input, path + ": NumberOfFrames (0028,0008) is " +
                                                      std::to_string(get_int(ds, DCM_NumberOfFrames).value_or(0)) + " (no frame to read)");
        check_pixel_length(ds, path, s->headers.front());  // native: exact length
    } catch (...) {
        s->error = std::current_exception();
        return s;
    }
    try {
        check_pixel_data_size(ds, path, s->headers);  // encapsulated: against the file size
    } catch (...) {
        s->size_error = std::current_exception();
    }
    s->metadata = read_metadata(file);
    s->pixels = pixel_module(ds);
    locate_pixels(ds, *s);
    return s;
}

std::shared_ptr<const DicomFileScan> scan_failed(const std::string& path, std::exception_ptr error) {
    auto s = std::make_shared<DicomFileScan>();
    s->path = path;
    s->error = std::move(error);
    return s;
}

std::shared_ptr<const DicomFileScan> scan_file(const std::string& path) {
    DcmFileFormat f;
    try {
        load(f, path, false);  // large values (PixelData) stay on disk: their lengths are known, not read
    } catch (...) {
        return scan_failed(path, std::current_exception());
    }
    return scan_loaded(f, path);
}

// The scan of every file of `series`: discovery's when it made them (same paths), else one parse per
// file, in parallel.
std::vector<std::shared_ptr<const DicomFileScan>> series_scans(const DicomSeries& series) {
    std::vector<std::shared_ptr<const DicomFileScan>> out(series.files.size());
    tbb::parallel_for(std::size_t(0), series.files.size(), [&](std::size_t i) {
        const bool known = series.scans.size() == series.files.size() && series.scans[i] && series.scans[i]->path == series.files[i];
        out[i] = known ? series.scans[i] : scan_file(series.files[i]);
    });
    return out;
}

// The file last opened through DCMTK for decoding: a multi-frame object is loaded (and decompressed)
// once for all its frames, which the position sort keeps consecutive.
struct OpenFile {
    std::string path;
    std::unique_ptr<DcmFileFormat> file;
    std::vector<std::vector<std::uint8_t>> j2k_frames;  // the file's JPEG 2000 codestreams, split once
};

// DCMTK 3.6.7's JPEG decoder first walks the markers of the first fragment for the frame header
// (DJCodecDecoder::scanJpegDataForBitDepth) and never advances past a TEM marker (FF01): an endless
// loop on a malformed stream (found by fuzz_dicom_ct; fixed in later DCMTK). The same walk is made
// here first, and such a stream is refused before DCMTK sees it.
void refuse_dcmtk_jpeg_hang(DcmDataset& ds, const std::string& path) {
    const std::string uid = DcmXfer(ds.getOriginalXfer()).getXferID();
    const bool dcmjpeg = uid.rfind("1.2.840.10008.1.2.4.5", 0) == 0 || uid.rfind("1.2.840.10008.1.2.4.6", 0) == 0 ||
                         uid == "1.2.840.10008.1.2.4.70";
    if (!dcmjpeg) return;
    DcmElement* el = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, el).bad() || !el) return;
    DcmPixelSequence* seq = nullptr;
    if (static_cast<DcmPixelData*>(el)->getEncapsulatedRepresentation(ds.getOriginalXfer(), nullptr, seq).bad() || !seq) return;
    DcmPixelItem* item = nullptr;
    Uint8* data = nullptr;
    if (seq->getItem(item, 1).bad() || !item || item->getUint8Array(data).bad() || !data) return;
    const std::uint64_t n = item->getLength();
    auto u16 = [&](std::uint64_t o) { return unsigned(data[o]) << 8 | data[o + 1]; };
    for (std::uint64_t o = 0; o + 4 < n;) {
        const unsigned m = u16(o);
        if (m == 0xff01)
            throw Error(ErrorKind::invalid_input, path + ": JPEG pixel data with a TEM marker before its frame header (malformed stream)");
        if ((m >= 0xffc0 && m <= 0xffcf && m != 0xffc4 && m != 0xffc8 && m != 0xffcc)) return;  // SOF: DCMTK stops here
        if ((m >= 0xffd0 && m <= 0xffd9)) o += 2;
        else if (m == 0xffff) o += 1;
        else if (m >= 0xffc4) o += u16(o + 2) + 2;
        else if (data[o] == 0xff && data[o + 1] > 2 && data[o + 1] <= 0xbf) o += 2;
        else return;  // DCMTK reports the invalid marker itself
    }
}

// A rescaled value into the output volume: doubles as they are; int16 only when the value is an
// integer in int16's range (false otherwise), the rule of core's make_source_image.
inline bool store(double v, double* out) {
    *out = v;
    return true;
}
inline bool store(double v, std::int16_t* out) {
    if (!(v >= -32768.0 && v <= 32767.0 && v == double(std::int16_t(v)))) return false;
    *out = std::int16_t(v);
    return true;
}

// One frame of native stored values (`bytes`: BitsAllocated/8 bytes per value, host order) rescaled
// into `out`; false when a value does not fit T.
template <class T>
bool convert_native(const PixelModule& p, const SliceHeader& h, const std::uint8_t* bytes, std::size_t n, T* out) {
    const double slope = h.slope.value_or(1.0), intercept = h.intercept.value_or(0.0);
    const int shift = int(p.high_bit + 1 - p.bits_stored);
    const long bits_stored = p.bits_stored;
    const std::uint64_t value_mask = bits_stored >= 64 ? ~0ull : ((1ull << bits_stored) - 1);
    const std::uint64_t sign_bit = 1ull << (bits_stored - 1);
    const bool is_signed = p.is_signed;
    auto convert = [&](std::uint64_t raw) {
        std::uint64_t v = (raw >> shift) & value_mask;
        std::int64_t s = std::int64_t(v);
        if (is_signed && (v & sign_bit)) s -= std::int64_t(1ull << bits_stored);
        return slope * double(s) + intercept;
    };
    auto word = [&](std::size_t k) {
        std::uint16_t w;
        std::memcpy(&w, bytes + 2 * k, 2);
        return std::uint64_t(w);
    };
    bool fits = true;
    if (p.bits_allocated == 8)
        for (std::size_t i = 0; i < n; ++i) fits &= store(convert(bytes[i]), out + i);
    else if (p.bits_allocated == 16)
        for (std::size_t i = 0; i < n; ++i) fits &= store(convert(word(i)), out + i);
    else  // 32-bit values as pairs of 16-bit words in the host's (little-endian) order
        for (std::size_t i = 0; i < n; ++i) fits &= store(convert(word(2 * i) | (word(2 * i + 1) << 16)), out + i);
    return fits;
}

// Bytes [begin, begin + count) of `s`'s pixel value into `buf`; false when they are not all there
// (a file truncated or changed since its scan): DCMTK then decides, with its messages.
bool read_pixel_bytes(const DicomFileScan& s, std::uint64_t begin, std::size_t count, std::vector<std::uint8_t>& buf) {
    if (begin + count > s.pixel_length) return false;
    buf.resize(count);
    if (s.small_value) {
        std::memcpy(buf.data(), s.small_value->data() + begin, count);
        return true;
    }
    const int fd = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ++g_pixel_reads;
    std::size_t got = 0;
    while (got < count) {
        const ssize_t r = ::pread(fd, buf.data() + got, count - got, off_t(s.pixel_offset + begin + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += std::size_t(r);
    }
    ::close(fd);
    return got == count;
}

// Decodes one slice's pixel data into `out` (rows*cols values, x fastest), rescaled; false when a
// value does not fit T. Native little-endian data comes straight from the file (no parse); anything
// else through DCMTK (and OpenJPEG), `cache` keeping the file last loaded.
template <class T>
bool decode_slice(const SliceHeader& h, const DicomFileScan& scan, T* out, OpenFile& cache, std::vector<std::uint8_t>& buf) {
    const std::size_t n = std::size_t(h.rows) * std::size_t(h.cols);
    const std::size_t first = std::size_t(h.frame) * n;  // first value of this frame
    if (scan.raw) {
        check_pixel_module(scan.pixels, h);
        const std::size_t value_bytes = std::size_t(scan.pixels.bits_allocated / 8);
        if (read_pixel_bytes(scan, std::uint64_t(first) * value_bytes, n * value_bytes, buf))
            return convert_native(scan.pixels, h, buf.data(), n, out);
    }
    const bool reuse = cache.file && cache.path == h.path;
    if (!reuse) {
        cache.file.reset();  // a failed load must not leave a half-read file cached
        cache.j2k_frames.clear();
        auto f = std::make_unique<DcmFileFormat>();
        load(*f, h.path, false);
        cache.file = std::move(f);
        cache.path = h.path;
    }
    DcmFileFormat& file = *cache.file;
    DcmDataset& ds = *file.getDataset();
    const E_TransferSyntax xfer = ds.getOriginalXfer();
    const std::string xfer_name = DcmXfer(xfer).getXferName();
    const bool j2k = is_jpeg2000(xfer);  // OpenJPEG on the fragments (DCMTK's free codecs have no JPEG 2000)
    if (!reuse && DcmXfer(xfer).isEncapsulated() && !j2k) {
        refuse_dcmtk_jpeg_hang(ds, h.path);
        const OFCondition st = ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (st.bad() || !ds.canWriteXfer(EXS_LittleEndianExplicit))
            throw Error(ErrorKind::io, h.path + ": pixel data in transfer syntax '" + xfer_name +
                                           "' cannot be decoded (radhpc decodes uncompressed, deflated, RLE, JPEG "
                                           "baseline/extended/lossless, JPEG-LS and JPEG 2000; not video)");
    }
    const PixelModule pm = pixel_module(ds);  // after decompression (a codec may update the module)
    check_pixel_module(pm, h);
    const long bits_allocated = pm.bits_allocated;
    const bool is_signed = pm.is_signed;
    const double slope = h.slope.value_or(1.0), intercept = h.intercept.value_or(0.0);
    auto too_short = [&](unsigned long have) {
        return Error(ErrorKind::io, h.path + ": pixel data shorter than Rows x Columns x frames (" + std::to_string(have) + " of " +
                                        std::to_string(first + n) + " values; truncated file?)");
    };
    if (j2k) {
        const std::string where = h.path + (h.frames > 1 ? " frame " + std::to_string(h.frame + 1) : std::string());
        if (cache.j2k_frames.empty()) cache.j2k_frames = encapsulated_frames(ds, h.frames, h.path);
        const J2kFrame f = decode_jpeg2000(cache.j2k_frames.at(std::size_t(h.frame)), where);
        if (long(f.width) != h.cols || long(f.height) != h.rows)
            throw Error(ErrorKind::invalid_input, where + ": JPEG 2000 frame of " + std::to_string(f.width) + "x" + std::to_string(f.height) +
                                                      " pixels, Rows (0028,0010) x Columns (0028,0011) say " + std::to_string(h.rows) +
                                                      "x" + std::to_string(h.cols));
        if (f.precision > bits_allocated)
            throw Error(ErrorKind::invalid_input, where + ": JPEG 2000 precision " + std::to_string(f.precision) +
                                                      " bits exceeds BitsAllocated (0028,0100) " + std::to_string(bits_allocated));
        // The decoded samples are the stored values at the codestream's precision, which may exceed
        // BitsStored (GDCM writes 16-bit codestreams for 12-bit CT; a lossy decode can then leave
        // BitsStored's range): taken as decoded, as GDCM does, not masked to BitsStored. Signed pixel
        // data in an unsigned codestream (an encoder quirk) is read as two's complement.
        const std::int64_t wrap = std::int64_t(1) << f.precision;
        bool fits = true;
        for (std::size_t i = 0; i < n; ++i) {
            std::int64_t sv = f.values[i];
            if (is_signed && !f.is_signed && sv >= wrap / 2) sv -= wrap;
            fits &= store(slope * double(sv) + intercept, out + i);
        }
        return fits;
    }
    OFCondition st;
    if (bits_allocated == 8) {
        const Uint8* p = nullptr;
        unsigned long count = 0;
        st = ds.findAndGetUint8Array(DCM_PixelData, p, &count);
        if (st.bad() || !p) throw Error(ErrorKind::io, h.path + ": no readable PixelData (" + std::string(st.text()) + ")");
        if (count < first + n) throw too_short(count);
        return convert_native(pm, h, p + first, n, out);
    }
    const Uint16* p = nullptr;
    unsigned long count = 0;
    st = ds.findAndGetUint16Array(DCM_PixelData, p, &count);
    if (st.bad() || !p) throw Error(ErrorKind::io, h.path + ": no readable PixelData (" + std::string(st.text()) + ")");
    const std::size_t words_per_value = bits_allocated == 16 ? 1 : 2;
    if (count < (first + n) * words_per_value) throw too_short(count / words_per_value);
    return convert_native(pm, h, reinterpret_cast<const std::uint8_t*>(p + first * words_per_value), n, out);
}

// Native pixel data must hold Rows x Columns x NumberOfFrames values (+1 byte of padding): checked on
// the element's length before any volume is allocated, so a header claiming 65535 x 65535 fails here
// instead of allocating gigabytes (encapsulated frames are checked against Rows/Columns when decoded).
void check_pixel_length(DcmDataset& ds, const std::string& path, const SliceHeader& h) {
    if (DcmXfer(ds.getOriginalXfer()).isEncapsulated()) return;
    DcmElement* el = nullptr;
    if (ds.findAndGetElement(DCM_PixelData, el).bad() || !el) return;  // decoding reports it
    const long bits = get_int(ds, DCM_BitsAllocated).value_or(0);
    if (bits != 8 && bits != 16 && bits != 32) return;  // decoding refuses the layout with its reason
    const std::uint64_t expected = std::uint64_t(h.rows) * std::uint64_t(h.cols) * std::uint64_t(std::max(1L, h.frames)) *
                                   std::uint64_t(bits / 8);
    const std::uint64_t stored = el->getLength();
    if (stored != expected && stored != expected + (expected % 2))
        throw Error(ErrorKind::invalid_input, path + ": PixelData (7FE0,0010) holds " + std::to_string(stored) + " bytes; Rows (0028,0010) " +
                                                  std::to_string(h.rows) + " x Columns (0028,0011) " + std::to_string(h.cols) +
                                                  (h.frames > 1 ? " x NumberOfFrames (0028,0008) " + std::to_string(h.frames) : std::string()) +
                                                  " x " + std::to_string(bits / 8) + " bytes need " + std::to_string(expected));
}

struct SeriesLayout {
    std::vector<SliceHeader> slices;  // sorted, duplicates removed
    Geometry geometry;
    SliceReport report;
    std::vector<std::shared_ptr<const DicomFileScan>> scans;  // by file index (SliceHeader::file)
};

// Before the volume is allocated: the pixel data Rows x Columns x frames x BitsAllocated promise must
// fit in the file (exactly when uncompressed; within 4096:1 when encapsulated -- RLE, JPEG, JPEG-LS of
// a real CT slice stay far below that). A few bytes claiming 65535 x 65535 must not allocate 32 GB.
void check_pixel_data_size(DcmDataset& ds, const std::string& path, const std::vector<SliceHeader>& frames) {
    if (frames.empty()) return;
    const SliceHeader& h = frames.front();
    if (h.rows <= 0 || h.cols <= 0 || h.rows > 65535 || h.cols > 65535)
        throw Error(ErrorKind::invalid_input, path + ": Rows/Columns missing or out of range");
    const long bits = get_int(ds, DCM_BitsAllocated).value_or(16);
    const std::uint64_t need =
        std::uint64_t(h.rows) * std::uint64_t(h.cols) * std::uint64_t(frames.size()) * std::uint64_t(std::clamp(bits, 1L, 64L)) / 8;
    std::error_code ec;
    const std::uint64_t have = std::filesystem::file_size(path, ec);
    if (ec) throw Error(ErrorKind::io, path + ": cannot read the file size");
    const bool encapsulated = DcmXfer(ds.getOriginalXfer()).isEncapsulated();
    const std::uint64_t limit = encapsulated ? have * 4096 : have;
    if (need > limit)
        throw Error(ErrorKind::io, path + ": Rows x Columns x frames (" + std::to_string(h.rows) + " x " + std::to_string(h.cols) + " x " +
                                       std::to_string(frames.size()) + ") needs " + std::to_string(need) +
                                       " bytes of pixel data; the file has " + std::to_string(have) + " bytes (truncated or corrupt header)");
}

SeriesLayout analyse(const DicomSeries& series, const DicomReadOptions& opt, bool check_pixel_data = false) {
    if (series.files.empty()) throw Error(ErrorKind::invalid_input, "empty DICOM series");
    SeriesLayout L;
    L.scans = series_scans(series);
    std::vector<SliceHeader> all;
    for (std::size_t i = 0; i < L.scans.size(); ++i) {  // each file's findings in file order, as a sequential read meets them
        const DicomFileScan& scan = *L.scans[i];
        if (scan.error) std::rethrow_exception(scan.error);
        if (check_pixel_data && scan.size_error) std::rethrow_exception(scan.size_error);
        for (const auto& h : scan.headers) {
            all.push_back(h);
            all.back().file = i;
        }
    }
    SliceReport& rep = L.report;
    rep.slices = all.size();
    const SliceHeader& first = all.front();
    for (const auto& h : all) {
        if (h.rows != first.rows || h.cols != first.cols)
            throw Error(ErrorKind::invalid_input, h.path + ": Rows/Columns differ from the rest of the series");
        if (std::abs(h.spacing_row - first.spacing_row) > 1e-4 * first.spacing_row ||
            std::abs(h.spacing_col - first.spacing_col) > 1e-4 * first.spacing_col)
            throw Error(ErrorKind::invalid_input, h.path + ": PixelSpacing differs from the rest of the series");
        for (int i = 0; i < 6; ++i)
            if (std::abs(h.orientation[i] - first.orientation[i]) > 1e-4) rep.mixed_orientation = true;
        if (!h.slope || !h.intercept) rep.missing_rescale = true;
        if (h.slope.value_or(1) != first.slope.value_or(1) || h.intercept.value_or(0) != first.intercept.value_or(0))
            rep.mixed_rescale = true;
    }
    if (rep.mixed_orientation)
        throw Error(ErrorKind::invalid_input, "DICOM series " + pseudonym(series.series_uid) +
                                                  ": ImageOrientationPatient differs between slices (mixed orientations; "
                                                  "cannot be stacked into one volume)");
    if (rep.missing_rescale) {
        rep.warnings.push_back("RescaleSlope/RescaleIntercept missing on some slices (slope 1, intercept 0 used)");
        // a CT without them would be read as stored values, shifted from HU (e.g. +1024): refused
        // unless dicom.allow_missing_rescale says the stored values are what the job wants
        if (!opt.allow_missing_rescale)
            for (const auto& h : all)
                if (h.ct && (!h.slope || !h.intercept))
                    throw Error(ErrorKind::invalid_input,
                                h.path + ": RescaleSlope/RescaleIntercept missing or not a number (" +
                                    (h.intercept ? "RescaleSlope (0028,1053)" : "RescaleIntercept (0028,1052)") +
                                    "; values would not be HU; set dicom.allow_missing_rescale to read stored values)");
    }
    for (const auto& h : all) {
        // a zero slope makes every voxel the intercept: a constant image whose features mean nothing
        if (h.slope && (*h.slope == 0 || !std::isfinite(*h.slope)))
            throw Error(ErrorKind::invalid_input, h.path + ": RescaleSlope (0028,1053) is " + fmt(*h.slope));
        if (h.intercept && !std::isfinite(*h.intercept))
            throw Error(ErrorKind::invalid_input, h.path + ": RescaleIntercept (0028,1052) is not finite");
    }
    const Vec3 row{first.orientation[0], first.orientation[1], first.orientation[2]};
    const Vec3 col{first.orientation[3], first.orientation[4], first.orientation[5]};
    Vec3 normal = cross(row, col);
    const double nn = norm(normal);
    if (!(nn > 0.5)) throw Error(ErrorKind::invalid_input, first.path + ": ImageOrientationPatient is degenerate");
    for (auto& c : normal) c /= nn;
    for (auto& h : all) h.projection = dot(h.position, normal);
    // stable: slices at equal positions keep file (path) order, so "first kept" is deterministic
    std::stable_sort(all.begin(), all.end(), [](const SliceHeader& a, const SliceHeader& b) { return a.projection < b.projection; });

    // neighbour distances; duplicates are neighbours (almost) at the same position
    std::vector<double> d;
    for (std::size_t i = 1; i < all.size(); ++i) d.push_back(all[i].projection - all[i - 1].projection);
    std::vector<double> positive_d;
    for (double x : d)
        if (x > 1e-6) positive_d.push_back(x);
    const double rough = median(positive_d);
    const double dup_limit = std::max(1e-3, 0.1 * rough);
    L.slices.push_back(all.front());
    std::vector<double> kept_d;
    for (std::size_t i = 1; i < all.size(); ++i) {
        const double dist = all[i].projection - L.slices.back().projection;
        if (dist < dup_limit) {
            ++rep.duplicate_positions;
            continue;
        }
        kept_d.push_back(dist);
        L.slices.push_back(all[i]);
    }
    if (rep.duplicate_positions) {
        rep.warnings.push_back(std::to_string(rep.duplicate_positions) + " slices duplicate another slice's position");
        if (!opt.allow_duplicates)
            throw Error(ErrorKind::invalid_input, "DICOM series " + pseudonym(series.series_uid) + ": " +
                                                      std::to_string(rep.duplicate_positions) +
                                                      " duplicated slice positions (the same slice stored twice?)");
    }
    double nominal = median(kept_d);
    if (L.slices.size() == 1) nominal = 0;
    if (!kept_d.empty()) {
        rep.spacing_min = *std::min_element(kept_d.begin(), kept_d.end());
        rep.spacing_max = *std::max_element(kept_d.begin(), kept_d.end());
        rep.spacing_median = nominal;
        for (double x : kept_d) {
            if (std::abs(x - nominal) > opt.spacing_tolerance * nominal) rep.uneven_spacing = true;
            const double k = std::round(x / nominal);
            if (k >= 2 && std::abs(x - k * nominal) <= opt.spacing_tolerance * nominal * k) rep.missing_slices += std::size_t(k) - 1;
        }
    }
    // slices thicker than their spacing overlap (overlapping reconstruction)
    {
        const auto thickness = positive(L.slices.front().thickness);
        if (thickness)
            for (double x : kept_d)
                if (x < *thickness * (1 - opt.spacing_tolerance)) ++rep.overlapping_slices;
        if (rep.overlapping_slices)
            rep.warnings.push_back(std::to_string(rep.overlapping_slices) + " slice pairs closer than the slice thickness " +
                                   fmt(*thickness) + " mm");
    }
    if (rep.missing_slices)
        rep.warnings.push_back("about " + std::to_string(rep.missing_slices) + " slices missing (gap of " + fmt(rep.spacing_max) +
                               " mm, spacing " + fmt(nominal) + " mm)");
    if (rep.uneven_spacing) {
        rep.warnings.push_back("uneven slice spacing: " + fmt(rep.spacing_min) + " to " + fmt(rep.spacing_max) + " mm");
        if (!opt.allow_uneven_spacing)
            throw Error(ErrorKind::invalid_input,
                        "DICOM series " + pseudonym(series.series_uid) + ": uneven slice spacing (" + fmt(rep.spacing_min) + " to " +
                            fmt(rep.spacing_max) + " mm" +
                            (rep.missing_slices ? ", about " + std::to_string(rep.missing_slices) + " slices missing" : std::string()) +
                            ")");
    }
    // gantry tilt: slice positions move along a direction that is not the slice normal
    Vec3 stack_dir = normal;
    if (L.slices.size() >= 2) {
        const Vec3& a = L.slices.front().position;
        const Vec3& b = L.slices.back().position;
        Vec3 v{b[0] - a[0], b[1] - a[1], b[2] - a[2]};
        const double len = norm(v);
        for (auto& c : v) c /= len;
        rep.gantry_tilt_deg = std::acos(std::clamp(dot(v, normal), -1.0, 1.0)) * 180.0 / M_PI;
        if (rep.gantry_tilt_deg > opt.gantry_tilt_tolerance_deg) {
            rep.warnings.push_back("gantry tilt " + fmt(rep.gantry_tilt_deg) + " degrees");
            if (!opt.allow_gantry_tilt)
                throw Error(ErrorKind::invalid_input, "DICOM series " + pseudonym(series.series_uid) + ": gantry tilt of " +
                                                          fmt(rep.gantry_tilt_deg) +
                                                          " degrees (slices are sheared; not read unless allowed)");
            stack_dir = v;  // sheared grid: the third axis follows the slice positions
        }
    }
    Geometry& g = L.geometry;
    g.size = {std::size_t(first.cols), std::size_t(first.rows), L.slices.size()};
    // along the stacking direction the spacing is the distance between positions, not along the normal
    const double z_spacing = L.slices.size() >= 2 ? nominal / std::max(1e-12, dot(stack_dir, normal)) : 1.0;
    g.spacing = {first.spacing_col, first.spacing_row, z_spacing > 0 ? z_spacing : 1.0};
    g.origin = L.slices.front().position;
    g.direction = {row[0], col[0], stack_dir[0], row[1], col[1], stack_dir[1], row[2], col[2], stack_dir[2]};
    return L;
}

// Everything of a CtSeries but the voxels (read: with the pixel type the voxels are kept in).
CtSeries series_header(const SeriesLayout& L, const DicomSeries& series, bool with_pixel_type) {
    CtSeries out;
    out.image.geometry = L.geometry;
    out.report = L.report;
    out.study_uid = series.study_uid;
    out.series_uid = series.series_uid;
    out.frame_of_reference_uid = series.frame_of_reference_uid;
    for (const auto& s : L.slices) out.slice_sop_instance_uids.push_back(s.sop_instance_uid);
    out.metadata = L.scans.at(L.slices.front().file)->metadata;  // the first slice's
    if (with_pixel_type && !L.report.mixed_rescale)  // per-slice rescale: no single stored type
        out.pixel_type = rescaled_pixel_type(out.metadata.bits_stored, L.slices.front().pixel_signed, out.metadata.rescale_slope,
                                             out.metadata.rescale_intercept);
    return out;
}

// A zeroed volume on `g`, on transparent huge pages where the kernel gives them (huge_pages.hpp: the
// page faults of a fresh whole-volume buffer otherwise cost more than decoding it).
template <class T>
void allocate(Volume<T>& v, const Geometry& g) {
    v.geometry = g;
    detail::reserve_huge(v.data, g.voxel_count());
    v.data.resize(g.voxel_count());
}

// Every slice of L into `data` (a preallocated volume on L.geometry), slices decoded in parallel in
// the task arena in effect, each into its own plane: the volume does not depend on the number of
// threads. Slices of one file are decoded by one task in z order (a multi-frame object is loaded
// once). A failure is the one of the lowest slice, as a sequential read reports it; false when a
// value does not fit T (and no lower slice failed).
template <class T>
bool decode_volume(const SeriesLayout& L, T* data) {
    const std::size_t plane = L.geometry.size[0] * L.geometry.size[1];
    std::vector<std::pair<std::size_t, std::size_t>> runs;  // [begin, end) slices of one file
    for (std::size_t z = 0; z < L.slices.size(); ++z)
        if (runs.empty() || L.slices[z].file != L.slices[runs.back().first].file) runs.push_back({z, z + 1});
        else runs.back().second = z + 1;
    std::mutex m;
    std::size_t failed_at = L.slices.size();  // lowest slice that threw or did not fit T
    std::exception_ptr failure;               // null: a value did not fit
    std::atomic<std::size_t> stop{L.slices.size()};
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, runs.size()), [&](const tbb::blocked_range<std::size_t>& r) {
        OpenFile cache;
        std::vector<std::uint8_t> buf;
        for (std::size_t k = r.begin(); k != r.end(); ++k)
            for (std::size_t z = runs[k].first; z < runs[k].second; ++z) {
                if (z > stop.load()) return;  // a lower slice already failed
                std::exception_ptr e;
                try {
                    const SliceHeader& h = L.slices[z];
                    if (decode_slice(h, *L.scans[h.file], data + z * plane, cache, buf)) continue;
                } catch (...) {
                    e = std::current_exception();
                }
                std::lock_guard lock(m);
                if (z < failed_at) {
                    failed_at = z;
                    failure = e;
                    stop = z;
                }
                return;
            }
    });
    if (failure) std::rethrow_exception(failure);
    return failed_at == L.slices.size();
}

}  // namespace

DiscoveryResult discover_dicom(const std::string& folder) {
    std::vector<std::string> paths;
    std::error_code ec;
    if (fs::is_regular_file(folder, ec)) {
        paths.push_back(folder);
    } else if (fs::is_directory(folder, ec)) {
        for (auto it = fs::recursive_directory_iterator(folder, fs::directory_options::skip_permission_denied, ec);
             it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (ec) break;
            if (it->is_regular_file(ec)) paths.push_back(it->path().string());
        }
    } else {
        throw Error(ErrorKind::io, folder + ": no such file or folder");
    }
    std::sort(paths.begin(), paths.end());  // deterministic order regardless of the file system

    // every file parsed once, in parallel; its image scan is kept with its series for QC and reading
    struct Parsed {
        ObjectParse parse;
        std::string unreadable;
        std::exception_ptr other;  // anything but Error propagates, the first in path order
    };
    std::vector<Parsed> parsed(paths.size());
    tbb::parallel_for(std::size_t(0), paths.size(), [&](std::size_t i) {
        try {
            parsed[i].parse = read_object(paths[i], true);
        } catch (const Error& e) {
            parsed[i].unreadable = e.what();
        } catch (...) {
            parsed[i].other = std::current_exception();
        }
    });
    DiscoveryResult result;
    std::map<std::pair<std::string, std::string>, DicomSeries> series;
    for (auto& p : parsed) {
        if (p.other) std::rethrow_exception(p.other);
        if (!p.unreadable.empty()) {
            result.unreadable.push_back(std::move(p.unreadable));
            continue;
        }
        DicomObject& o = p.parse.object;
        if (!o.is_image) {
            result.non_image.push_back(std::move(o));
            continue;
        }
        auto& s = series[{o.study_uid, o.series_uid.empty() ? "\x01" + o.grouping_key : o.series_uid}];
        if (s.files.empty()) {
            s.study_uid = o.study_uid;
            s.series_uid = o.series_uid;
            s.frame_of_reference_uid = o.frame_of_reference_uid;
            s.modality = o.modality;
            s.description = p.parse.description;
            s.localizer = p.parse.localizer;
            s.no_geometry = p.parse.no_geometry;
        }
        s.files.push_back(o.path);
        s.scans.push_back(std::move(p.parse.scan));
    }
    for (auto& [key, s] : series) result.image_series.push_back(std::move(s));
    return result;
}

CtSeries inspect_dicom_series(const DicomSeries& series, const DicomReadOptions& options) {
    // inspection never refuses: it reports what reading would refuse
    DicomReadOptions lenient = options;
    lenient.allow_uneven_spacing = lenient.allow_duplicates = lenient.allow_gantry_tilt = lenient.allow_missing_rescale = true;
    return series_header(analyse(series, lenient), series, false);
}

CtSeries read_dicom_series(const DicomSeries& series, const DicomReadOptions& options) {
    const SeriesLayout L = analyse(series, options, true);
    CtSeries out = series_header(L, series, true);
    allocate(out.image, L.geometry);
    decode_volume(L, out.image.data.data());
    return out;
}

SourceImage read_dicom_source(const DicomSeries& series, const DicomReadOptions& options, CtSeries* info) {
    const SeriesLayout L = analyse(series, options, true);
    CtSeries header = series_header(L, series, true);
    SourceImage source;
    if (header.pixel_type.integer) {  // straight into int16 when every value fits, else as doubles
        auto i16 = std::make_shared<Volume<std::int16_t>>();
        allocate(*i16, L.geometry);
        if (decode_volume(L, i16->data.data())) source.i16 = std::move(i16);
    }
    if (!source.i16) {
        auto f64 = std::make_shared<Image>();
        allocate(*f64, L.geometry);
        decode_volume(L, f64->data.data());
        source.f64 = std::move(f64);
    }
    if (info) *info = std::move(header);
    return source;
}

CtSeries read_dicom_folder(const std::string& folder, const SeriesSelection& rules, const DicomReadOptions& options) {
    const DiscoveryResult found = discover_dicom(folder);
    return read_dicom_series(select_series(found, rules, folder), options);
}

}  // namespace radhpc::io
