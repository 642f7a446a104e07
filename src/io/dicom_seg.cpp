// DICOM SEG (binary and fractional) -> Mask on a given grid.
#include <algorithm>
#include <cmath>
#include <regex>

#include "dicom_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"

namespace radhpc::io {

using namespace dicom_detail;

namespace {

void require_seg(DcmDataset& ds, const std::string& path) {
    if (get_string(ds, DCM_SOPClassUID) != UID_SegmentationStorage)
        throw Error(ErrorKind::invalid_input, path + ": not a DICOM Segmentation (Modality '" + get_string(ds, DCM_Modality) + "')");
}

// A functional-group attribute of frame `f`: the per-frame item wins over the shared one.
DcmItem* functional_group(DcmDataset& ds, unsigned long frame, const DcmTagKey& group) {
    DcmItem* pf = nullptr;
    DcmItem* g = nullptr;
    if (ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, pf, long(frame)).good() && pf &&
        pf->findAndGetSequenceItem(group, g, 0).good() && g)
        return g;
    DcmItem* shared = nullptr;
    if (ds.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() && shared &&
        shared->findAndGetSequenceItem(group, g, 0).good() && g)
        return g;
    return nullptr;
}

}  // namespace

SegInfo read_seg_info(const std::string& path) {
    DcmFileFormat file;
    load(file, path, true);
    DcmDataset& ds = *file.getDataset();
    require_seg(ds, path);
    SegInfo info;
    info.type = get_string(ds, DCM_SegmentationType);
    info.frame_of_reference_uid = get_string(ds, DCM_FrameOfReferenceUID);
    DcmItem* item = nullptr;
    for (unsigned long i = 0; ds.findAndGetSequenceItem(DCM_SegmentSequence, item, long(i)).good() && item; ++i)
        info.segments.push_back({int(get_int(*item, DCM_SegmentNumber).value_or(-1)), get_string(*item, DCM_SegmentLabel)});
    return info;
}

Mask read_seg_mask(const std::string& path, const Geometry& grid, const SegOptions& options) {
    DcmFileFormat file;
    load(file, path, false);
    DcmDataset& ds = *file.getDataset();
    require_seg(ds, path);
    const SegInfo info = [&] {
        SegInfo i;
        i.type = get_string(ds, DCM_SegmentationType);
        DcmItem* item = nullptr;
        for (unsigned long k = 0; ds.findAndGetSequenceItem(DCM_SegmentSequence, item, long(k)).good() && item; ++k)
            i.segments.push_back({int(get_int(*item, DCM_SegmentNumber).value_or(-1)), get_string(*item, DCM_SegmentLabel)});
        return i;
    }();
    if (info.type != "BINARY" && info.type != "FRACTIONAL")
        throw Error(ErrorKind::invalid_input, path + ": SegmentationType '" + info.type + "' (expected BINARY or FRACTIONAL)");

    // choose the segment
    std::string names;
    for (const auto& s : info.segments) names += (names.empty() ? "" : ", ") + std::to_string(s.number) + " '" + s.label + "'";
    std::vector<int> hits;
    if (options.segment.empty()) {
        if (info.segments.size() == 1) hits.push_back(info.segments[0].number);
    } else {
        std::regex re;
        if (options.segment_is_pattern) {
            try {
                re = std::regex(options.segment, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
                throw Error(ErrorKind::settings, "segment pattern '" + options.segment + "' is not a valid regular expression");
            }
        }
        for (const auto& s : info.segments) {
            const bool by_label = options.segment_is_pattern ? std::regex_match(s.label, re) : s.label == options.segment;
            if (by_label || (!options.segment_is_pattern && options.segment == std::to_string(s.number))) hits.push_back(s.number);
        }
    }
    if (hits.size() != 1)
        throw Error(ErrorKind::invalid_input, path + ": " + std::string(hits.empty() ? "no segment" : "several segments") +
                                                  " match '" + options.segment + "' (segments: " + (names.empty() ? "none" : names) + ")");
    const int segment = hits[0];

    const long rows = get_int(ds, DCM_Rows).value_or(0), cols = get_int(ds, DCM_Columns).value_or(0);
    const long frames = get_int(ds, DCM_NumberOfFrames).value_or(1);
    const long bits = get_int(ds, DCM_BitsAllocated).value_or(0);
    if (rows <= 0 || cols <= 0 || frames <= 0) throw Error(ErrorKind::invalid_input, path + ": Rows/Columns/NumberOfFrames missing");
    if ((info.type == "BINARY" && bits != 1) || (info.type == "FRACTIONAL" && bits != 8))
        throw Error(ErrorKind::invalid_input, path + ": BitsAllocated " + std::to_string(bits) + " does not fit SegmentationType " + info.type);
    const double max_fraction = get_double(ds, DCM_MaximumFractionalValue).value_or(255.0);

    const E_TransferSyntax xfer = ds.getOriginalXfer();
    if (DcmXfer(xfer).isEncapsulated() &&
        (ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).bad() || !ds.canWriteXfer(EXS_LittleEndianExplicit)))
        throw Error(ErrorKind::io, path + ": SEG pixel data in transfer syntax '" + std::string(DcmXfer(xfer).getXferName()) +
                                       "' cannot be decoded");
    const Uint8* pixels = nullptr;
    unsigned long byte_count = 0;
    if (ds.findAndGetUint8Array(DCM_PixelData, pixels, &byte_count).bad() || !pixels)
        throw Error(ErrorKind::io, path + ": no readable PixelData");
    const std::size_t frame_pixels = std::size_t(rows) * std::size_t(cols);
    const std::size_t needed = bits == 1 ? (frame_pixels * std::size_t(frames) + 7) / 8 : frame_pixels * std::size_t(frames);
    if (byte_count < needed)
        throw Error(ErrorKind::io, path + ": PixelData shorter than " + std::to_string(frames) + " frames (truncated file?)");

    Mask mask(grid, 0);
    // in-plane axes of the grid, to compare with the frames' orientation
    const Vec3 gx{grid.direction[0], grid.direction[3], grid.direction[6]};
    const Vec3 gy{grid.direction[1], grid.direction[4], grid.direction[7]};
    for (long f = 0; f < frames; ++f) {
        DcmItem* seg_id = functional_group(ds, std::size_t(f), DCM_SegmentIdentificationSequence);
        if (!seg_id) throw Error(ErrorKind::invalid_input, path + ": frame " + std::to_string(f + 1) + " has no SegmentIdentificationSequence");
        if (get_int(*seg_id, DCM_ReferencedSegmentNumber).value_or(-1) != segment) continue;
        DcmItem* pos = functional_group(ds, std::size_t(f), DCM_PlanePositionSequence);
        DcmItem* ori = functional_group(ds, std::size_t(f), DCM_PlaneOrientationSequence);
        DcmItem* meas = functional_group(ds, std::size_t(f), DCM_PixelMeasuresSequence);
        const auto ipp = pos ? get_doubles(*pos, DCM_ImagePositionPatient) : std::vector<double>{};
        const auto iop = ori ? get_doubles(*ori, DCM_ImageOrientationPatient) : std::vector<double>{};
        const auto ps = meas ? get_doubles(*meas, DCM_PixelSpacing) : std::vector<double>{};
        if (ipp.size() != 3 || iop.size() != 6 || ps.size() != 2)
            throw Error(ErrorKind::invalid_input, path + ": frame " + std::to_string(f + 1) + " lacks position, orientation or pixel spacing");
        // the frame must lie on the grid: same in-plane axes and spacing, origin on a voxel centre
        const Vec3 fx{iop[0], iop[1], iop[2]}, fy{iop[3], iop[4], iop[5]};
        if (dot(fx, gx) < 1 - 1e-4 || dot(fy, gy) < 1 - 1e-4 || std::abs(ps[1] - grid.spacing[0]) > 1e-4 * grid.spacing[0] ||
            std::abs(ps[0] - grid.spacing[1]) > 1e-4 * grid.spacing[1])
            throw Error(ErrorKind::geometry_mismatch, path + ": frame " + std::to_string(f + 1) +
                                                          " is not on the image grid (orientation or pixel spacing differ)");
        const Vec3 o = grid.point_to_index({ipp[0], ipp[1], ipp[2]});
        const double ox = std::round(o[0]), oy = std::round(o[1]), oz = std::round(o[2]);
        if (std::abs(o[0] - ox) > 0.01 || std::abs(o[1] - oy) > 0.01 || std::abs(o[2] - oz) > 0.01)
            throw Error(ErrorKind::geometry_mismatch, path + ": frame " + std::to_string(f + 1) + " is not aligned with the image voxels");
        const std::int64_t z = std::int64_t(oz);
        if (z < 0 || z >= std::int64_t(grid.size[2]))
            throw Error(ErrorKind::invalid_input, path + ": frame " + std::to_string(f + 1) + " lies outside the image's slices");
        const std::size_t base = std::size_t(f) * frame_pixels;
        for (long r = 0; r < rows; ++r)
            for (long c = 0; c < cols; ++c) {
                const std::size_t k = base + std::size_t(r) * std::size_t(cols) + std::size_t(c);
                bool inside;
                if (bits == 1) inside = (pixels[k / 8] >> (k % 8)) & 1;  // frames are bit-packed back to back, LSB first
                else inside = double(pixels[k]) >= options.fraction_threshold * max_fraction;
                if (!inside) continue;
                const std::int64_t x = std::int64_t(ox) + c, y = std::int64_t(oy) + r;
                if (x < 0 || y < 0 || x >= std::int64_t(grid.size[0]) || y >= std::int64_t(grid.size[1]))
                    throw Error(ErrorKind::invalid_input, path + ": segment voxels outside the image grid");
                mask.at(std::size_t(x), std::size_t(y), std::size_t(z)) = 1;
            }
    }
    return mask;
}

}  // namespace radhpc::io
