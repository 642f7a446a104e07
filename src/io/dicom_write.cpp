// Synthetic DICOM studies (radhpc synth --format dicom): a CT series, one slice per file, and an RT
// Structure Set drawn from a label map. Written with DCMTK's dcmdata directly (a handful of tags; the
// readers in dicom_series.cpp / dicom_rtstruct.cpp are what the round-trip tests hold them to).
#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include "dicom_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"

namespace radhpc::io {

using namespace dicom_detail;

namespace {

// DS values hold at most 16 characters: the most precise representation that fits.
std::string ds(double v) {
    if (v == 0) return "0";  // also turns -0 into 0
    char buf[64];
    for (int precision = 16; precision > 0; --precision) {
        std::snprintf(buf, sizeof buf, "%.*g", precision, v);
        if (std::strlen(buf) <= 16) return buf;
    }
    return "0";
}

void check(const OFCondition& c, const std::string& path, const std::string& what) {
    if (c.bad()) throw Error(ErrorKind::io, path + ": cannot write DICOM (" + what + ": " + c.text() + ")");
}

void put(DcmItem& item, const DcmTagKey& tag, const std::string& value, const std::string& path) {
    check(item.putAndInsertString(tag, value.c_str()), path, DcmTag(tag).getTagName());
}

std::string ds_list(std::initializer_list<double> values) {
    std::string s;
    for (double v : values) s += (s.empty() ? "" : "\\") + ds(v);
    return s;
}

}  // namespace

std::string derived_uid(const std::string& uid_key, const std::string& role) {
    // 2.25.<integer>: the UUID-derived UID form (PS3.5 B.2), here with the integer taken from a hash.
    const std::string h = sha256_hex(uid_key + "|" + role).substr(0, 32);
    unsigned __int128 v = 0;
    for (char c : h) v = (v << 4) | unsigned(c <= '9' ? c - '0' : c - 'a' + 10);
    if (v == 0) v = 1;  // "2.25.0" is legal, but keep every UID distinct from a trivial one
    std::string digits;
    while (v) {
        digits += char('0' + int(v % 10));
        v /= 10;
    }
    std::reverse(digits.begin(), digits.end());
    return "2.25." + digits;  // at most 44 characters (UIDs: 64)
}

std::vector<std::string> write_ct_series(const Volume<std::int16_t>& hu, const std::string& folder, const SyntheticStudyIds& ids) {
    namespace fs = std::filesystem;
    ensure_dcmtk_ready();
    const Geometry& g = hu.geometry;
    if (g.size[0] == 0 || g.size[1] == 0 || g.size[2] == 0 || g.size[0] > 65535 || g.size[1] > 65535)
        throw Error(ErrorKind::invalid_input, folder + ": image size does not fit DICOM rows/columns");
    for (std::int16_t v : hu.data)
        if (v < -1024 || v > 3071)
            throw Error(ErrorKind::invalid_input, folder + ": HU value " + std::to_string(v) + " outside [-1024, 3071] (12-bit stored values)");
    if (ids.study_id.size() > 16) throw Error(ErrorKind::invalid_input, "StudyID '" + ids.study_id + "' longer than 16 characters");
    fs::create_directories(folder);
    const std::string study_uid = derived_uid(ids.uid_key, "study");
    const std::string series_uid = derived_uid(ids.uid_key, "ct-series");
    const std::string for_uid = derived_uid(ids.uid_key, "frame-of-reference");
    const Mat3& d = g.direction;
    const std::string orientation = ds_list({d[0], d[3], d[6], d[1], d[4], d[7]});
    const std::size_t plane = g.size[0] * g.size[1];
    std::vector<Uint16> stored(plane);
    std::vector<std::string> files;
    for (std::size_t z = 0; z < g.size[2]; ++z) {
        char name[32];
        std::snprintf(name, sizeof name, "CT%05zu.dcm", z + 1);
        const std::string path = (fs::path(folder) / name).string();
        DcmFileFormat file;
        DcmDataset& ds_ = *file.getDataset();
        put(ds_, DCM_ImageType, "ORIGINAL\\PRIMARY\\AXIAL", path);
        put(ds_, DCM_SOPClassUID, UID_CTImageStorage, path);
        put(ds_, DCM_SOPInstanceUID, derived_uid(ids.uid_key, "ct-slice-" + std::to_string(z)), path);
        // Type 2 attributes present and empty: no date, time or name that could look like a real one.
        for (const DcmTagKey& tag : {DCM_StudyDate, DCM_StudyTime, DCM_AccessionNumber, DCM_ReferringPhysicianName, DCM_PatientName,
                                     DCM_PatientBirthDate, DCM_PatientSex, DCM_PositionReferenceIndicator})
            put(ds_, tag, "", path);
        put(ds_, DCM_Modality, "CT", path);
        put(ds_, DCM_Manufacturer, "radhpc synth", path);
        put(ds_, DCM_SeriesDescription, "synthetic CT", path);
        put(ds_, DCM_PatientID, ids.patient_id, path);
        put(ds_, DCM_SliceThickness, ds(g.spacing[2]), path);
        put(ds_, DCM_KVP, "120", path);
        if (!ids.kernel.empty()) put(ds_, DCM_ConvolutionKernel, ids.kernel, path);
        put(ds_, DCM_PatientPosition, "HFS", path);
        put(ds_, DCM_StudyInstanceUID, study_uid, path);
        put(ds_, DCM_SeriesInstanceUID, series_uid, path);
        put(ds_, DCM_StudyID, ids.study_id, path);
        put(ds_, DCM_SeriesNumber, "1", path);
        put(ds_, DCM_InstanceNumber, std::to_string(z + 1), path);
        const Vec3 p = g.index_to_point({0.0, 0.0, double(z)});
        put(ds_, DCM_ImagePositionPatient, ds_list({p[0], p[1], p[2]}), path);
        put(ds_, DCM_ImageOrientationPatient, orientation, path);
        put(ds_, DCM_FrameOfReferenceUID, for_uid, path);
        put(ds_, DCM_SliceLocation, ds(p[2]), path);
        check(ds_.putAndInsertUint16(DCM_SamplesPerPixel, 1), path, "SamplesPerPixel");
        put(ds_, DCM_PhotometricInterpretation, "MONOCHROME2", path);
        check(ds_.putAndInsertUint16(DCM_Rows, Uint16(g.size[1])), path, "Rows");
        check(ds_.putAndInsertUint16(DCM_Columns, Uint16(g.size[0])), path, "Columns");
        put(ds_, DCM_PixelSpacing, ds_list({g.spacing[1], g.spacing[0]}), path);  // row spacing (y) \ column spacing (x)
        check(ds_.putAndInsertUint16(DCM_BitsAllocated, 16), path, "BitsAllocated");
        check(ds_.putAndInsertUint16(DCM_BitsStored, 12), path, "BitsStored");
        check(ds_.putAndInsertUint16(DCM_HighBit, 11), path, "HighBit");
        check(ds_.putAndInsertUint16(DCM_PixelRepresentation, 0), path, "PixelRepresentation");
        put(ds_, DCM_WindowCenter, "40", path);
        put(ds_, DCM_WindowWidth, "400", path);
        put(ds_, DCM_RescaleIntercept, "-1024", path);
        put(ds_, DCM_RescaleSlope, "1", path);
        put(ds_, DCM_RescaleType, "HU", path);
        const std::int16_t* src = hu.data.data() + z * plane;
        for (std::size_t i = 0; i < plane; ++i) stored[i] = Uint16(src[i] + 1024);
        check(ds_.putAndInsertUint16Array(DCM_PixelData, stored.data(), static_cast<unsigned long>(plane)), path, "PixelData");
        check(file.saveFile(path.c_str(), EXS_LittleEndianExplicit), path, "save");
        files.push_back(path);
    }
    return files;
}

namespace {

// Closed polygons (continuous index coordinates x, y of one slice) around the 4-connected regions of
// `inside` (w x h, row-major) and their holes: marching squares at level 0.5 with every crossing at the
// midpoint between a voxel centre inside and one outside. Saddle cells keep the two inside corners
// apart (4-connectivity), so each crossing has exactly one segment leaving it and one entering it and
// the segments link into simple loops. Orientation: inside on the left (counter-clockwise outlines,
// clockwise holes, in x-right / y-up axes).
std::vector<std::vector<std::array<double, 2>>> contours_of(const std::vector<std::uint8_t>& inside, std::int64_t w, std::int64_t h) {
    // Cells (i, j) span centres i..i+1, j..j+1 for i in [-1, w-1], j in [-1, h-1] (a ring of outside
    // centres around the slice closes regions that touch its border). Crossing keys: horizontal edge
    // between centres (i, j) and (i+1, j): 2 * id(i, j); vertical edge between (i, j) and (i, j+1): 2 * id + 1.
    const std::int64_t W = w + 2, H = h + 2;  // centres -1..w, -1..h
    auto id = [&](std::int64_t i, std::int64_t j) { return (j + 1) * W + (i + 1); };
    auto in = [&](std::int64_t i, std::int64_t j) { return i >= 0 && j >= 0 && i < w && j < h && inside[std::size_t(j * w + i)]; };
    std::vector<std::int64_t> next(std::size_t(2 * W * H), -1);
    std::vector<std::int64_t> starts;
    for (std::int64_t j = -1; j < h; ++j)
        for (std::int64_t i = -1; i < w; ++i) {
            // corners counter-clockwise: c0 (i, j), c1 (i+1, j), c2 (i+1, j+1), c3 (i, j+1); edge k joins c_k and c_k+1
            const bool c[4] = {in(i, j), in(i + 1, j), in(i + 1, j + 1), in(i, j + 1)};
            if (c[0] == c[1] && c[1] == c[2] && c[2] == c[3]) continue;
            const std::int64_t e[4] = {2 * id(i, j), 2 * id(i + 1, j) + 1, 2 * id(i, j + 1), 2 * id(i, j) + 1};
            // a crossing on edge k "leaves" the inside when c_k is in and c_k+1 out; a segment runs from a
            // leaving crossing to an entering one (inside on its left)
            auto link = [&](int from, int to) {
                next[std::size_t(e[from])] = e[to];
                starts.push_back(e[from]);
            };
            if (c[0] && c[2] && !c[1] && !c[3]) {  // saddle: c0 and c2 stay apart
                link(0, 3);
                link(2, 1);
            } else if (c[1] && c[3] && !c[0] && !c[2]) {  // saddle: c1 and c3 stay apart
                link(1, 0);
                link(3, 2);
            } else {
                int leave = -1, enter = -1;
                for (int k = 0; k < 4; ++k) {
                    if (c[k] && !c[(k + 1) % 4]) leave = k;
                    if (!c[k] && c[(k + 1) % 4]) enter = k;
                }
                link(leave, enter);
            }
        }
    auto point = [&](std::int64_t key) -> std::array<double, 2> {
        const std::int64_t cell = key / 2, i = cell % W - 1, j = cell / W - 1;
        return key % 2 == 0 ? std::array<double, 2>{double(i) + 0.5, double(j)} : std::array<double, 2>{double(i), double(j) + 0.5};
    };
    std::vector<std::vector<std::array<double, 2>>> out;
    for (std::int64_t s : starts) {
        if (next[std::size_t(s)] < 0) continue;  // already part of a loop
        std::vector<std::array<double, 2>> loop;
        for (std::int64_t k = s; next[std::size_t(k)] >= 0;) {
            loop.push_back(point(k));
            const std::int64_t n = next[std::size_t(k)];
            next[std::size_t(k)] = -1;
            k = n;
        }
        // drop points on a straight line between their neighbours (exact: coordinates are multiples of 0.5)
        std::vector<std::array<double, 2>> reduced;
        const std::size_t n = loop.size();
        for (std::size_t q = 0; q < n; ++q) {
            const auto& a = loop[(q + n - 1) % n];
            const auto& b = loop[q];
            const auto& c = loop[(q + 1) % n];
            if ((b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]) != 0) reduced.push_back(b);
        }
        out.push_back(std::move(reduced));
    }
    return out;
}

struct CtSliceRef {
    std::string sop_class, sop_instance;
};

}  // namespace

void write_rtstruct(const Mask& labels, const std::vector<RoiToWrite>& rois, const std::vector<std::string>& ct_files,
                    const std::string& path) {
    ensure_dcmtk_ready();
    const Geometry& g = labels.geometry;
    if (ct_files.empty()) throw Error(ErrorKind::invalid_input, path + ": no CT file to reference");
    // Patient, study and frame of reference from the series; each file's slice found from its position.
    std::vector<CtSliceRef> slices(g.size[2]);
    std::string study_uid, series_uid, for_uid, patient_id, study_id;
    for (const std::string& f : ct_files) {
        DcmFileFormat file;
        load(file, f, true);
        DcmDataset& d = *file.getDataset();
        if (study_uid.empty()) {
            study_uid = get_string(d, DCM_StudyInstanceUID);
            series_uid = get_string(d, DCM_SeriesInstanceUID);
            for_uid = get_string(d, DCM_FrameOfReferenceUID);
            patient_id = get_string(d, DCM_PatientID);
            study_id = get_string(d, DCM_StudyID);
        }
        const auto ipp = get_doubles(d, DCM_ImagePositionPatient);
        if (ipp.size() != 3) throw Error(ErrorKind::invalid_input, f + ": no ImagePositionPatient");
        const Vec3 idx = g.point_to_index({ipp[0], ipp[1], ipp[2]});
        const double k = std::round(idx[2]);
        if (std::abs(idx[0]) > 1e-3 || std::abs(idx[1]) > 1e-3 || std::abs(idx[2] - k) > 1e-3 || k < 0 || k >= double(g.size[2]))
            throw Error(ErrorKind::invalid_input, f + ": slice position is not on the label map's grid");
        slices[std::size_t(k)] = {get_string(d, DCM_SOPClassUID), get_string(d, DCM_SOPInstanceUID)};
    }
    for (std::size_t z = 0; z < slices.size(); ++z)
        if (slices[z].sop_instance.empty())
            throw Error(ErrorKind::invalid_input, path + ": no CT file for slice " + std::to_string(z) + " of the label map");

    DcmFileFormat file;
    DcmDataset& ds_ = *file.getDataset();
    put(ds_, DCM_SOPClassUID, UID_RTStructureSetStorage, path);
    put(ds_, DCM_SOPInstanceUID, derived_uid(study_uid, "rtstruct-instance"), path);
    for (const DcmTagKey& tag : {DCM_StudyDate, DCM_StudyTime, DCM_AccessionNumber, DCM_ReferringPhysicianName, DCM_PatientName,
                                 DCM_PatientBirthDate, DCM_PatientSex, DCM_StructureSetDate, DCM_StructureSetTime, DCM_OperatorsName})
        put(ds_, tag, "", path);
    put(ds_, DCM_Modality, "RTSTRUCT", path);
    put(ds_, DCM_Manufacturer, "radhpc synth", path);
    put(ds_, DCM_SeriesDescription, "synthetic lesions", path);
    put(ds_, DCM_PatientID, patient_id, path);
    put(ds_, DCM_StudyInstanceUID, study_uid, path);
    put(ds_, DCM_SeriesInstanceUID, derived_uid(study_uid, "rtstruct-series"), path);
    put(ds_, DCM_StudyID, study_id, path);
    put(ds_, DCM_SeriesNumber, "2", path);
    put(ds_, DCM_InstanceNumber, "1", path);
    put(ds_, DCM_StructureSetLabel, "radhpc synth", path);

    auto add_item = [&](DcmItem& parent, const DcmTagKey& seq) {
        DcmItem* item = nullptr;
        check(parent.findOrCreateSequenceItem(seq, item, -2), path, DcmTag(seq).getTagName());  // -2: append
        return item;
    };
    DcmItem* fr = add_item(ds_, DCM_ReferencedFrameOfReferenceSequence);
    put(*fr, DCM_FrameOfReferenceUID, for_uid, path);
    DcmItem* st = add_item(*fr, DCM_RTReferencedStudySequence);
    put(*st, DCM_ReferencedSOPClassUID, "1.2.840.10008.3.1.2.3.1", path);  // Detached Study Management (retired; what RT systems write)
    put(*st, DCM_ReferencedSOPInstanceUID, study_uid, path);
    DcmItem* se = add_item(*st, DCM_RTReferencedSeriesSequence);
    put(*se, DCM_SeriesInstanceUID, series_uid, path);
    for (const CtSliceRef& s : slices) {
        DcmItem* ci = add_item(*se, DCM_ContourImageSequence);
        put(*ci, DCM_ReferencedSOPClassUID, s.sop_class, path);
        put(*ci, DCM_ReferencedSOPInstanceUID, s.sop_instance, path);
    }

    const std::int64_t w = std::int64_t(g.size[0]), h = std::int64_t(g.size[1]);
    const std::size_t plane = g.size[0] * g.size[1];
    // Each ROI's slice box, found in one pass over the map, so contouring costs the ROIs' boxes only.
    struct Box {
        std::int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = -1, y1 = -1;
    };
    std::map<int, std::vector<Box>> boxes;
    for (const RoiToWrite& r : rois) {
        if (r.label <= 0 || r.label > 255) throw Error(ErrorKind::invalid_input, path + ": ROI label out of 1..255");
        boxes[r.label].assign(g.size[2], Box{});
    }
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::int64_t y = 0; y < h; ++y)
            for (std::int64_t x = 0; x < w; ++x) {
                const int v = labels.data[z * plane + std::size_t(y * w + x)];
                if (!v) continue;
                const auto it = boxes.find(v);
                if (it == boxes.end()) continue;
                Box& b = it->second[z];
                b.x0 = std::min(b.x0, x), b.y0 = std::min(b.y0, y), b.x1 = std::max(b.x1, x), b.y1 = std::max(b.y1, y);
            }

    int number = 0;
    for (const RoiToWrite& r : rois) {
        ++number;
        DcmItem* ss = add_item(ds_, DCM_StructureSetROISequence);
        put(*ss, DCM_ROINumber, std::to_string(number), path);
        put(*ss, DCM_ReferencedFrameOfReferenceUID, for_uid, path);
        put(*ss, DCM_ROIName, r.name, path);
        put(*ss, DCM_ROIGenerationAlgorithm, "AUTOMATIC", path);

        DcmItem* rc = add_item(ds_, DCM_ROIContourSequence);
        put(*rc, DCM_ROIDisplayColor, number % 2 ? "255\\0\\0" : "0\\255\\0", path);
        std::size_t contours = 0;
        const std::vector<Box>& bz = boxes[r.label];
        std::vector<std::uint8_t> inside;
        for (std::size_t z = 0; z < g.size[2]; ++z) {
            const Box& b = bz[z];
            if (b.x1 < 0) continue;
            const std::int64_t bw = b.x1 - b.x0 + 1, bh = b.y1 - b.y0 + 1;
            inside.assign(std::size_t(bw * bh), 0);
            for (std::int64_t y = 0; y < bh; ++y)
                for (std::int64_t x = 0; x < bw; ++x)
                    inside[std::size_t(y * bw + x)] = labels.data[z * plane + std::size_t((y + b.y0) * w + x + b.x0)] == r.label;
            for (const auto& loop : contours_of(inside, bw, bh)) {
                std::string data;
                data.reserve(loop.size() * 36);
                for (const auto& q : loop) {
                    // Crossings half a voxel outside the slice's first/last column or row sit exactly on the
                    // reader's grid limit; pulled in by 1e-3 voxel (the rasterised voxels do not change).
                    const double xi = std::clamp(q[0] + double(b.x0), -0.499, double(w) - 0.501);
                    const double yi = std::clamp(q[1] + double(b.y0), -0.499, double(h) - 0.501);
                    const Vec3 p = g.index_to_point({xi, yi, double(z)});
                    for (double c : p) data += (data.empty() ? "" : "\\") + ds(c);
                }
                DcmItem* c = add_item(*rc, DCM_ContourSequence);
                DcmItem* ci = add_item(*c, DCM_ContourImageSequence);
                put(*ci, DCM_ReferencedSOPClassUID, slices[z].sop_class, path);
                put(*ci, DCM_ReferencedSOPInstanceUID, slices[z].sop_instance, path);
                put(*c, DCM_ContourGeometricType, "CLOSED_PLANAR", path);
                put(*c, DCM_NumberOfContourPoints, std::to_string(loop.size()), path);
                put(*c, DCM_ContourData, data, path);
                ++contours;
            }
        }
        if (contours == 0) throw Error(ErrorKind::empty_roi, path + ": ROI '" + r.name + "' (label " + std::to_string(r.label) + ") is empty");
        put(*rc, DCM_ReferencedROINumber, std::to_string(number), path);

        DcmItem* ob = add_item(ds_, DCM_RTROIObservationsSequence);
        put(*ob, DCM_ObservationNumber, std::to_string(number), path);
        put(*ob, DCM_ReferencedROINumber, std::to_string(number), path);
        put(*ob, DCM_RTROIInterpretedType, r.interpreted_type, path);
        put(*ob, DCM_ROIInterpreter, "", path);
    }
    check(file.saveFile(path.c_str(), EXS_LittleEndianExplicit), path, "save");
}

}  // namespace radhpc::io
