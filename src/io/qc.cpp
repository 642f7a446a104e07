// Quality checks and metadata harvest for DICOM studies.
#include "radhpc/io/qc.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/io/dicom_input.hpp"

namespace fs = std::filesystem;

namespace radhpc::io {
namespace {

std::string num(double v) {
    std::ostringstream s;
    s.precision(6);
    s << v;
    return s.str();
}
std::string num(const std::optional<double>& v) { return v ? num(*v) : std::string(); }

std::string range_text(const std::optional<double>& lo, const std::optional<double>& hi, const std::string& unit) {
    if (!lo && !hi) return "";
    return "[" + (lo ? num(*lo) : std::string("-inf")) + ", " + (hi ? num(*hi) : std::string("inf")) + "]" + unit;
}

bool in_range(double v, const std::optional<double>& lo, const std::optional<double>& hi) {
    return (!lo || v >= *lo) && (!hi || v <= *hi);
}

DicomReadOptions lenient_options(const DicomSettings& d) {
    DicomReadOptions o;
    o.spacing_tolerance = d.spacing_tolerance;
    o.allow_uneven_spacing = o.allow_duplicates = o.allow_gantry_tilt = o.allow_missing_rescale = true;
    return o;
}

void add(StudyQc& q, const std::string& check, bool pass, const std::string& observed, const std::string& expected) {
    q.checks.push_back({check, pass ? "pass" : "fail", observed, expected});
}
void info(StudyQc& q, const std::string& check, const std::string& observed) { q.checks.push_back({check, "info", observed, ""}); }

void run_checks(StudyQc& q, const Settings& settings) {
    const QcSettings& c = settings.qc;
    const DicomMetadata& m = q.metadata;
    const SliceReport& r = q.report;
    {
        std::string allowed;
        for (const auto& x : c.modalities) allowed += (allowed.empty() ? "" : "|") + x;
        const bool ok = c.modalities.empty() || std::find(c.modalities.begin(), c.modalities.end(), m.modality) != c.modalities.end();
        add(q, "modality", ok, m.modality.empty() ? "(absent)" : m.modality, allowed);
    }
    add(q, "min_slices", r.slices >= c.min_slices, std::to_string(r.slices), ">= " + std::to_string(c.min_slices));
    if (c.slice_thickness_min || c.slice_thickness_max)
        add(q, "slice_thickness", m.slice_thickness_mm && in_range(*m.slice_thickness_mm, c.slice_thickness_min, c.slice_thickness_max),
            m.slice_thickness_mm ? num(*m.slice_thickness_mm) + " mm" : "(absent)",
            range_text(c.slice_thickness_min, c.slice_thickness_max, " mm"));
    else
        info(q, "slice_thickness", m.slice_thickness_mm ? num(*m.slice_thickness_mm) + " mm" : "(absent)");
    {
        const bool have = m.pixel_spacing_row_mm && m.pixel_spacing_col_mm;
        const std::string obs = have ? num(*m.pixel_spacing_row_mm) + " x " + num(*m.pixel_spacing_col_mm) + " mm" : "(absent)";
        if (c.pixel_spacing_min || c.pixel_spacing_max)
            add(q, "pixel_spacing",
                have && in_range(*m.pixel_spacing_row_mm, c.pixel_spacing_min, c.pixel_spacing_max) &&
                    in_range(*m.pixel_spacing_col_mm, c.pixel_spacing_min, c.pixel_spacing_max),
                obs, range_text(c.pixel_spacing_min, c.pixel_spacing_max, " mm"));
        else
            info(q, "pixel_spacing", obs);
    }
    {
        const std::string obs = r.slices < 2 ? "(single slice)"
                                             : num(r.spacing_min) + " to " + num(r.spacing_max) + " mm (median " + num(r.spacing_median) + ")";
        if (c.require_even_spacing)
            add(q, "even_slice_spacing", !r.uneven_spacing, obs, "within " + num(100 * settings.dicom.spacing_tolerance) + "%");
        else
            info(q, "even_slice_spacing", obs);
    }
    if (c.forbid_missing_slices) add(q, "missing_slices", r.missing_slices == 0, std::to_string(r.missing_slices), "0");
    else info(q, "missing_slices", std::to_string(r.missing_slices));
    if (c.forbid_duplicate_slices) add(q, "duplicate_slices", r.duplicate_positions == 0, std::to_string(r.duplicate_positions), "0");
    else info(q, "duplicate_slices", std::to_string(r.duplicate_positions));
    if (c.forbid_overlapping_slices) add(q, "overlapping_slices", r.overlapping_slices == 0, std::to_string(r.overlapping_slices), "0");
    else info(q, "overlapping_slices", std::to_string(r.overlapping_slices));
    if (settings.dicom.allow_gantry_tilt) info(q, "gantry_tilt", num(r.gantry_tilt_deg) + " deg");
    else add(q, "gantry_tilt", r.gantry_tilt_deg <= 0.01, num(r.gantry_tilt_deg) + " deg", "<= 0.01 deg");
    {
        const std::string obs = m.convolution_kernel.empty() ? "(absent)" : m.convolution_kernel;
        if (!c.kernels.empty()) {
            std::string allowed;
            for (const auto& k : c.kernels) allowed += (allowed.empty() ? "" : "|") + k;
            add(q, "convolution_kernel",
                !m.convolution_kernel.empty() && std::find(c.kernels.begin(), c.kernels.end(), m.convolution_kernel) != c.kernels.end(),
                obs, allowed);
        } else {
            info(q, "convolution_kernel", obs);
        }
    }
    if (c.kvp_min || c.kvp_max)
        add(q, "kvp", m.kvp && in_range(*m.kvp, c.kvp_min, c.kvp_max), m.kvp ? num(*m.kvp) : "(absent)", range_text(c.kvp_min, c.kvp_max, " kV"));
    else
        info(q, "kvp", m.kvp ? num(*m.kvp) : "(absent)");
    if (c.require_rescale) add(q, "rescale_tags", !r.missing_rescale, r.missing_rescale ? "missing" : "present", "present");
    else info(q, "rescale_tags", r.missing_rescale ? "missing" : "present");
    {
        const std::string obs = m.contrast_agent ? "present" + (m.contrast_agent->empty() ? std::string() : ": " + *m.contrast_agent) : "absent";
        if (c.contrast) add(q, "contrast_agent", m.contrast_agent.has_value() == *c.contrast, obs, *c.contrast ? "present" : "absent");
        else info(q, "contrast_agent", obs);
    }
}

using text::csv_cell;

std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char ch = line[i];
        if (ch == '"') {
            if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else {
                quoted = !quoted;
            }
        } else if (ch == ',' && !quoted) {
            out.push_back(cur);
            cur.clear();
        } else if (ch != '\r') {
            cur += ch;
        }
    }
    out.push_back(cur);
    return out;
}

}  // namespace

bool StudyQc::passed() const {
    if (!readable) return false;
    return std::none_of(checks.begin(), checks.end(), [](const QcCheck& c) { return c.status == "fail"; });
}

StudyQc qc_series(const DicomSeries& series, const Settings& settings, const std::string& study_id, bool decode_pixels) {
    StudyQc q;
    q.study_id = study_id.empty() ? pseudonym(series.study_uid) : study_id;
    q.series_id = pseudonym(series.series_uid);
    q.source = series.files.empty() ? "" : fs::path(series.files.front()).parent_path().string();
    const DicomReadOptions opt = lenient_options(settings.dicom);
    try {
        const CtSeries ct = inspect_dicom_series(series, opt);  // headers: geometry findings and metadata
        q.metadata = ct.metadata;
        q.report = ct.report;
        q.grid = ct.image.geometry;
        q.readable = true;
    } catch (const Error& e) {
        q.error = e.what();
    }
    if (q.readable) {
        run_checks(q, settings);
        if (decode_pixels) {
            // every slice's pixel data: truncated files and undecodable transfer syntaxes show up here
            try {
                read_dicom_source(series, opt);  // as reading keeps it (int16 for a CT: a quarter of the memory of doubles)
                add(q, "pixel_data", true, "decoded (" + q.metadata.transfer_syntax + ")", "decodable");
            } catch (const Error& e) {
                add(q, "pixel_data", false, e.what(), "decodable");
            }
        }
    }
    q.excluded = !q.readable || (settings.qc.exclude_failed && !q.passed());
    return q;
}

void qc_mask(StudyQc& q, const DicomSeries& series, const std::string& mask_path, const std::string& roi, const Settings& settings) {
    MaskInputReader once;
    qc_mask(q, series, mask_path, roi, settings, once);
}

void qc_mask(StudyQc& q, const DicomSeries& series, const std::string& mask_path, const std::string& roi, const Settings& settings,
             MaskInputReader& reader) {
    if (!q.readable) return;
    std::string kind;
    try {
        kind = reader.modality(mask_path);
    } catch (const Error&) {
    }
    if (kind != "RTSTRUCT" && kind != "SEG") {
        info(q, "mask_format", "not a DICOM RTSTRUCT/SEG (checked at extraction)");
        return;
    }
    try {
        Mask mask;
        if (kind == "RTSTRUCT") {
            const ParsedRtStruct& parsed = *reader.rtstruct(mask_path);
            const RtStructInfo& rs = parsed.info();
            add(q, "frame_of_reference",
                rs.referenced_frame_of_reference_uid.empty() || series.frame_of_reference_uid.empty() ||
                    rs.referenced_frame_of_reference_uid == series.frame_of_reference_uid,
                rs.referenced_frame_of_reference_uid == series.frame_of_reference_uid ? "same as the image" : "differs from the image",
                "same as the image");
            RtStructOptions opt;
            opt.roi = roi;
            opt.roi_is_pattern = settings.dicom.roi_is_pattern;
            opt.allow_outside = true;  // counted, not fatal, so that the check can report it
            RasterReport rep;
            mask = parsed.mask(q.grid, opt, &rep);
            add(q, "roi_found", true, roi.empty() ? "(the only ROI)" : roi, "present");
            add(q, "contour_outside", rep.points_outside == 0 || settings.dicom.allow_contour_outside,
                std::to_string(rep.points_outside) + " points", "0 points");
            if (rep.off_slice_contours) info(q, "off_slice_contours", std::to_string(rep.off_slice_contours));
        } else {
            SegOptions opt;
            opt.segment = roi;
            opt.segment_is_pattern = settings.dicom.roi_is_pattern;
            mask = reader.seg(mask_path)->mask(q.grid, opt);
            add(q, "roi_found", true, roi.empty() ? "(the only segment)" : roi, "present");
        }
        std::size_t voxels = 0;
        for (auto v : mask.data) voxels += v != 0;
        add(q, "roi_voxels", voxels > 0, std::to_string(voxels), "> 0");
    } catch (const Error& e) {
        add(q, "roi_found", false, e.what(), roi.empty() ? "one ROI" : roi);
    }
    if (settings.qc.exclude_failed && !q.passed()) q.excluded = true;
}

std::vector<StudyQc> qc_folder(const std::string& folder, const Settings& settings, bool decode_pixels) {
    std::vector<StudyQc> out;
    const DiscoveryResult found = discover_dicom(folder);
    std::vector<DicomSeries> volumes;  // localizers (scouts) and position-less captures are not volumes: not checked
    for (const auto& s : found.image_series)
        if (s.volume_candidate()) volumes.push_back(s);
    for (const auto& s : volumes) out.push_back(qc_series(s, settings, "", decode_pixels));
    // RTSTRUCT / SEG objects found next to the images are checked against the series they refer to
    // (RTSTRUCT: referenced series UID; SEG: frame of reference)
    for (const auto& obj : found.non_image) {
        if (obj.modality != "RTSTRUCT" && obj.modality != "SEG") continue;
        std::vector<std::string> referenced;
        try {
            if (obj.modality == "RTSTRUCT") {
                const RtStructInfo rs = read_rtstruct_info(obj.path);
                referenced = rs.referenced_series_uids;
                if (settings.dicom.roi.empty() && rs.rois.size() != 1) {
                    for (std::size_t i = 0; i < volumes.size(); ++i)
                        if (std::find(referenced.begin(), referenced.end(), volumes[i].series_uid) != referenced.end())
                            info(out[i], "rtstruct_rois", std::to_string(rs.rois.size()) + " ROIs (set dicom.roi to check one)");
                    continue;
                }
            }
        } catch (const Error&) {
        }
        for (std::size_t i = 0; i < volumes.size(); ++i) {
            const DicomSeries& series = volumes[i];
            const bool refers = obj.modality == "RTSTRUCT"
                                    ? std::find(referenced.begin(), referenced.end(), series.series_uid) != referenced.end()
                                    : !obj.frame_of_reference_uid.empty() && obj.frame_of_reference_uid == series.frame_of_reference_uid;
            if (refers) qc_mask(out[i], series, obj.path, settings.dicom.roi, settings);
        }
    }
    for (const auto& bad : found.unreadable) {
        StudyQc q;
        q.study_id = "(unreadable file)";
        q.source = folder;
        q.error = bad;
        q.excluded = true;
        out.push_back(q);
    }
    if (volumes.empty() && found.unreadable.empty()) {
        StudyQc q;
        q.source = folder;
        q.error = folder + ": no DICOM image series found";
        q.excluded = true;
        out.push_back(q);
    }
    return out;
}

std::vector<StudyQc> qc_manifest(const std::string& manifest_csv, const Settings& settings, bool decode_pixels) {
    std::ifstream in(manifest_csv);
    if (!in) throw Error(ErrorKind::io, manifest_csv + ": cannot open");
    std::string line;
    if (!std::getline(in, line)) throw Error(ErrorKind::invalid_input, manifest_csv + ": empty manifest");
    text::strip_bom(line);
    const auto header = split_csv_line(line);
    auto column = [&](std::initializer_list<const char*> names) -> int {
        for (const char* n : names)
            for (std::size_t i = 0; i < header.size(); ++i)
                if (header[i] == n) return int(i);
        return -1;
    };
    const int id_col = column({"study_id", "id"}), image_col = column({"image"}), mask_col = column({"mask"}),
              roi_col = column({"roi"});
    if (image_col < 0) throw Error(ErrorKind::invalid_input, manifest_csv + ": no 'image' column");
    const fs::path base = fs::path(manifest_csv).parent_path();
    std::vector<StudyQc> out;
    std::size_t row = 1;
    while (std::getline(in, line)) {
        ++row;
        if (line.empty() || line == "\r") continue;
        const auto cells = split_csv_line(line);
        const std::string id = id_col >= 0 && std::size_t(id_col) < cells.size() ? cells[std::size_t(id_col)] : "row " + std::to_string(row);
        std::string image = std::size_t(image_col) < cells.size() ? cells[std::size_t(image_col)] : "";
        if (!image.empty() && fs::path(image).is_relative()) image = (base / image).string();
        std::error_code ec;
        if (!fs::is_directory(image, ec)) {
            StudyQc q;
            q.study_id = id;
            q.source = image;
            if (fs::is_regular_file(image, ec)) {
                q.readable = true;
                info(q, "format", "NIfTI/NRRD file (no DICOM metadata to check)");
            } else {
                q.error = image + ": no such file or folder";
                q.excluded = true;
            }
            out.push_back(q);
            continue;
        }
        try {
            SeriesSelection rules;
            rules.modalities = settings.dicom.modalities;
            rules.description_pattern = settings.dicom.series_description;
            const DiscoveryResult found = discover_dicom(image);
            const DicomSeries series = select_series(found, rules, image);
            StudyQc q = qc_series(series, settings, id, decode_pixels);
            q.source = image;
            auto cell = [&](int col) { return col >= 0 && std::size_t(col) < cells.size() ? cells[std::size_t(col)] : std::string(); };
            std::string mask = cell(mask_col);
            if (!mask.empty()) {
                if (fs::path(mask).is_relative()) mask = (base / mask).string();
                const std::string roi = cell(roi_col).empty() ? settings.dicom.roi : cell(roi_col);
                qc_mask(q, series, mask, roi, settings);
            }
            out.push_back(q);
        } catch (const Error& e) {
            StudyQc q;
            q.study_id = id;
            q.source = image;
            q.error = e.what();
            q.excluded = true;
            out.push_back(q);
        }
    }
    return out;
}

void enforce_qc(const std::string& image_path, const Settings& settings) {
    if (!settings.qc.exclude_failed || !is_dicom_image_input(image_path)) return;
    enforce_qc(qc_series(find_image_series(image_path, settings.dicom), settings, "", false), image_path, settings);
}

void enforce_qc(const StudyQc& q, const std::string& image_path, const Settings& settings) {
    if (!settings.qc.exclude_failed) return;
    if (!q.readable) throw Error(ErrorKind::invalid_input, "QC excluded the study: " + q.error);
    std::string failed;
    for (const auto& c : q.checks)
        if (c.status == "fail")
            failed += (failed.empty() ? "" : "; ") + c.check + " failed (observed " + c.observed + ", expected " + c.expected + ")";
    if (!failed.empty()) throw Error(ErrorKind::invalid_input, image_path + ": QC excluded the study: " + failed);
}

std::vector<QcRow> qc_rows(const std::vector<StudyQc>& studies) {
    std::vector<QcRow> rows;
    for (const auto& s : studies) {
        rows.push_back({s.study_id, s.series_id, "readable", s.readable ? "pass" : "fail", s.readable ? "yes" : s.error, "yes"});
        for (const auto& c : s.checks) rows.push_back({s.study_id, s.series_id, c.check, c.status, c.observed, c.expected});
        rows.push_back({s.study_id, s.series_id, "study", s.excluded ? "excluded" : (s.passed() ? "pass" : "flagged"),
                        s.excluded ? "excluded from the batch" : (s.passed() ? "all checks passed" : "failed checks flagged"), ""});
    }
    return rows;
}

std::vector<MetadataRow> metadata_rows(const std::vector<StudyQc>& studies) {
    std::vector<MetadataRow> rows;
    for (const auto& s : studies) {
        if (!s.readable || s.report.slices == 0) continue;
        const DicomMetadata& m = s.metadata;
        MetadataRow r;
        r.study_id = s.study_id;
        r.series_id = s.series_id;
        r.modality = m.modality;
        r.manufacturer = m.manufacturer;
        r.model = m.model;
        r.convolution_kernel = m.convolution_kernel;
        r.acquisition_date = m.acquisition_date;
        r.transfer_syntax = m.transfer_syntax;
        r.contrast_agent = m.contrast_agent.value_or("");
        r.kvp = num(m.kvp);
        r.tube_current_ma = num(m.tube_current_ma);
        r.exposure_mas = num(m.exposure_mas);
        r.slice_thickness_mm = num(m.slice_thickness_mm);
        if (m.pixel_spacing_row_mm && m.pixel_spacing_col_mm)
            r.pixel_spacing_mm = num(*m.pixel_spacing_row_mm) + "x" + num(*m.pixel_spacing_col_mm);
        r.slice_spacing_mm = s.report.slices >= 2 ? num(s.report.spacing_median) : "";
        r.slices = std::to_string(s.report.slices);
        rows.push_back(r);
    }
    return rows;
}

void write_qc_csv(std::ostream& out, const std::vector<StudyQc>& studies) {
    out << "study_id,series_id,check,status,observed,expected\n";
    for (const auto& r : qc_rows(studies))
        out << csv_cell(r.study_id) << "," << csv_cell(r.series_id) << "," << csv_cell(r.check) << "," << csv_cell(r.status) << ","
            << csv_cell(r.observed) << "," << csv_cell(r.expected) << "\n";
}

void write_metadata_csv(std::ostream& out, const std::vector<StudyQc>& studies) {
    out << "study_id,series_id,modality,manufacturer,model,convolution_kernel,kvp,tube_current_ma,exposure_mas,slice_thickness_mm,"
           "pixel_spacing_mm,slice_spacing_mm,slices,acquisition_date,contrast_agent,transfer_syntax\n";
    for (const auto& r : metadata_rows(studies))
        out << csv_cell(r.study_id) << "," << csv_cell(r.series_id) << "," << csv_cell(r.modality) << "," << csv_cell(r.manufacturer)
            << "," << csv_cell(r.model) << "," << csv_cell(r.convolution_kernel) << "," << r.kvp << "," << r.tube_current_ma << ","
            << r.exposure_mas << "," << r.slice_thickness_mm << "," << r.pixel_spacing_mm << "," << r.slice_spacing_mm << "," << r.slices
            << "," << csv_cell(r.acquisition_date) << "," << csv_cell(r.contrast_agent) << "," << csv_cell(r.transfer_syntax) << "\n";
}

}  // namespace radhpc::io
