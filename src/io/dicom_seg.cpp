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

// Decoded once: frame f's pixel k is bit (bit_offset[f] + k) of `bits` (BINARY, LSB first) or byte
// (byte_offset[f] + k) of `bytes` (FRACTIONAL).
struct ParsedSeg::Impl {
    std::string path;
    SegInfo info;
    long rows = 0, cols = 0, bits = 0;
    double max_fraction = 255;
    struct Frame {
        int segment = 0;
        std::vector<double> ipp, iop, ps;
        std::size_t offset = 0;  // in bits (BINARY) or bytes (FRACTIONAL)
    };
    std::vector<Frame> frames;
    std::vector<std::uint8_t> data;
    bool pixel(const Frame& f, std::size_t k, double threshold) const {
        if (bits == 1) {
            const std::size_t b = f.offset + k;
            return (data[b / 8] >> (b % 8)) & 1;
        }
        return double(data[f.offset + k]) >= threshold * max_fraction;
    }
};

ParsedSeg::ParsedSeg(const std::string& path) {
    auto impl = std::make_shared<Impl>();
    Impl& P = *impl;
    P.path = path;
    DcmFileFormat file;
    load(file, path, false);
    DcmDataset& ds = *file.getDataset();
    require_seg(ds, path);
    P.info.type = get_string(ds, DCM_SegmentationType);
    P.info.frame_of_reference_uid = get_string(ds, DCM_FrameOfReferenceUID);
    DcmItem* item = nullptr;
    for (unsigned long k = 0; ds.findAndGetSequenceItem(DCM_SegmentSequence, item, long(k)).good() && item; ++k)
        P.info.segments.push_back({int(get_int(*item, DCM_SegmentNumber).value_or(-1)), get_string(*item, DCM_SegmentLabel)});
    if (P.info.type != "BINARY" && P.info.type != "FRACTIONAL")
        throw Error(ErrorKind::invalid_input, path + ": SegmentationType '" + P.info.type + "' (expected BINARY or FRACTIONAL)");
    P.rows = get_int(ds, DCM_Rows).value_or(0);
    P.cols = get_int(ds, DCM_Columns).value_or(0);
    const auto frames_tag = get_int(ds, DCM_NumberOfFrames);
    const long frames = frames_tag.value_or(0);
    P.bits = get_int(ds, DCM_BitsAllocated).value_or(0);
    if (P.rows <= 0 || P.cols <= 0 || frames <= 0)
        throw Error(ErrorKind::invalid_input, path + ": Rows (0028,0010), Columns (0028,0011) or NumberOfFrames (0028,0008) missing");
    if ((P.info.type == "BINARY" && P.bits != 1) || (P.info.type == "FRACTIONAL" && P.bits != 8))
        throw Error(ErrorKind::invalid_input, path + ": BitsAllocated " + std::to_string(P.bits) + " does not fit SegmentationType " + P.info.type);
    P.max_fraction = get_double(ds, DCM_MaximumFractionalValue).value_or(255.0);

    // every frame has its per-frame item; more or fewer items than NumberOfFrames means frames would be
    // dropped or read from the wrong place
    DcmSequenceOfItems* per_frame = nullptr;
    if (ds.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per_frame).bad() || !per_frame)
        throw Error(ErrorKind::invalid_input, path + ": no PerFrameFunctionalGroupsSequence (5200,9230)");
    if (long(per_frame->card()) != frames)
        throw Error(ErrorKind::invalid_input, path + ": PerFrameFunctionalGroupsSequence (5200,9230) has " + std::to_string(per_frame->card()) +
                                                  " items, NumberOfFrames (0028,0008) says " + std::to_string(frames));
    for (long f = 0; f < frames; ++f) {
        const std::string where = path + ": frame " + std::to_string(f + 1);
        Impl::Frame fr;
        DcmItem* seg_id = functional_group(ds, std::size_t(f), DCM_SegmentIdentificationSequence);
        const auto ref = seg_id ? get_int(*seg_id, DCM_ReferencedSegmentNumber) : std::nullopt;
        if (!ref) throw Error(ErrorKind::invalid_input, where + " has no ReferencedSegmentNumber (0062,000B)");
        fr.segment = int(*ref);
        DcmItem* pos = functional_group(ds, std::size_t(f), DCM_PlanePositionSequence);
        DcmItem* ori = functional_group(ds, std::size_t(f), DCM_PlaneOrientationSequence);
        DcmItem* meas = functional_group(ds, std::size_t(f), DCM_PixelMeasuresSequence);
        fr.ipp = pos ? get_doubles(*pos, DCM_ImagePositionPatient) : std::vector<double>{};
        fr.iop = ori ? get_doubles(*ori, DCM_ImageOrientationPatient) : std::vector<double>{};
        fr.ps = meas ? get_doubles(*meas, DCM_PixelSpacing) : std::vector<double>{};
        if (fr.ipp.size() != 3 || fr.iop.size() != 6 || fr.ps.size() != 2)
            throw Error(ErrorKind::invalid_input, where + " lacks position, orientation or pixel spacing");
        for (const auto* v : {&fr.ipp, &fr.iop, &fr.ps})
            for (double x : *v)
                if (!std::isfinite(x))
                    throw Error(ErrorKind::invalid_input, where + ": ImagePositionPatient (0020,0032), ImageOrientationPatient (0020,0037) "
                                                                  "or PixelSpacing (0028,0030) holds a non-finite value");
        P.frames.push_back(std::move(fr));
    }

    const std::size_t frame_pixels = std::size_t(P.rows) * std::size_t(P.cols);
    const std::size_t frame_bytes = P.bits == 1 ? (frame_pixels + 7) / 8 : frame_pixels;
    const E_TransferSyntax xfer = ds.getOriginalXfer();
    auto read_native = [&] {
        // native: frames back to back (BINARY: bit-packed across frame boundaries), padded to even length
        DcmElement* el = nullptr;
        if (ds.findAndGetElement(DCM_PixelData, el).bad() || !el) throw Error(ErrorKind::io, path + ": no PixelData (7FE0,0010)");
        const std::size_t stored = el->getLength();  // checked before the value is loaded
        const std::size_t needed = P.bits == 1 ? (frame_pixels * std::size_t(frames) + 7) / 8 : frame_pixels * std::size_t(frames);
        if (stored != needed && stored != needed + (needed % 2))
            throw Error(ErrorKind::invalid_input, path + ": PixelData (7FE0,0010) holds " + std::to_string(stored) + " bytes; " +
                                                      std::to_string(frames) + " frames (NumberOfFrames (0028,0008)) of Rows x Columns " +
                                                      std::to_string(P.rows) + "x" + std::to_string(P.cols) + " need " + std::to_string(needed));
        const Uint8* pixels = nullptr;
        unsigned long count = 0;
        if (ds.findAndGetUint8Array(DCM_PixelData, pixels, &count).bad() || !pixels || count < needed)
            throw Error(ErrorKind::io, path + ": no readable PixelData (truncated file?)");
        P.data.assign(pixels, pixels + needed);
        for (std::size_t f = 0; f < P.frames.size(); ++f) P.frames[f].offset = f * frame_pixels;
    };
    if (!DcmXfer(xfer).isEncapsulated()) {
        read_native();
    } else if (xfer == EXS_RLELossless || is_jpeg2000(xfer)) {
        // one compressed frame each; BINARY frames start on a byte boundary once decoded (PS3.5 8.2)
        const auto code = encapsulated_frames(ds, frames, path);
        P.data.reserve(frame_bytes * code.size());
        for (std::size_t f = 0; f < code.size(); ++f) {
            const std::string where = path + " frame " + std::to_string(f + 1);
            P.frames[f].offset = P.bits == 1 ? 8 * P.data.size() : P.data.size();
            if (xfer == EXS_RLELossless) {
                const auto bytes = decode_rle(code[f], 1, frame_bytes, where);
                P.data.insert(P.data.end(), bytes.begin(), bytes.end());
                continue;
            }
            const J2kFrame j = decode_jpeg2000(code[f], where);
            if (long(j.width) != P.cols || long(j.height) != P.rows)
                throw Error(ErrorKind::invalid_input, where + ": JPEG 2000 frame of " + std::to_string(j.width) + "x" +
                                                          std::to_string(j.height) + " pixels, Rows x Columns say " +
                                                          std::to_string(P.rows) + "x" + std::to_string(P.cols));
            const std::size_t at = P.data.size();
            P.data.resize(at + frame_bytes, 0);
            for (std::size_t k = 0; k < frame_pixels; ++k) {
                const std::int32_t v = j.values[k];
                if (P.bits == 1) {
                    if (v != 0 && v != 1)
                        throw Error(ErrorKind::invalid_input, where + ": BINARY frame holds the value " + std::to_string(v));
                    if (v) P.data[at + k / 8] |= std::uint8_t(1u << (k % 8));
                } else {
                    if (v < 0 || v > 255) throw Error(ErrorKind::invalid_input, where + ": FRACTIONAL frame holds the value " + std::to_string(v));
                    P.data[at + k] = std::uint8_t(v);
                }
            }
        }
    } else if (ds.chooseRepresentation(EXS_LittleEndianExplicit, nullptr).good() && ds.canWriteXfer(EXS_LittleEndianExplicit)) {
        read_native();  // what DCMTK's codecs decode (JPEG, JPEG-LS of 8-bit FRACTIONAL frames)
    } else {
        throw Error(ErrorKind::io, path + ": SEG pixel data in transfer syntax '" + std::string(DcmXfer(xfer).getXferName()) +
                                       "' cannot be decoded (radhpc decodes native, RLE Lossless and JPEG 2000 SEG)");
    }
    impl_ = std::move(impl);
}

const SegInfo& ParsedSeg::info() const { return impl_->info; }

Mask read_seg_mask(const std::string& path, const Geometry& grid, const SegOptions& options) {
    return ParsedSeg(path).mask(grid, options);
}

Mask ParsedSeg::mask(const Geometry& grid, const SegOptions& options) const {
    const Impl& P = *impl_;
    const std::string& path = P.path;
    const SegInfo& info = P.info;
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
    const long rows = P.rows, cols = P.cols;

    Mask mask(grid, 0);
    // in-plane axes of the grid, to compare with the frames' orientation
    const Vec3 gx{grid.direction[0], grid.direction[3], grid.direction[6]};
    const Vec3 gy{grid.direction[1], grid.direction[4], grid.direction[7]};
    for (std::size_t f = 0; f < P.frames.size(); ++f) {
        const Impl::Frame& fr = P.frames[f];
        if (fr.segment != segment) continue;
        const auto& ipp = fr.ipp;
        const auto& iop = fr.iop;
        const auto& ps = fr.ps;
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
        for (long r = 0; r < rows; ++r)
            for (long c = 0; c < cols; ++c) {
                const std::size_t k = std::size_t(r) * std::size_t(cols) + std::size_t(c);
                if (!P.pixel(fr, k, options.fraction_threshold)) continue;
                const std::int64_t x = std::int64_t(ox) + c, y = std::int64_t(oy) + r;
                if (x < 0 || y < 0 || x >= std::int64_t(grid.size[0]) || y >= std::int64_t(grid.size[1]))
                    throw Error(ErrorKind::invalid_input, path + ": segment voxels outside the image grid");
                mask.at(std::size_t(x), std::size_t(y), std::size_t(z)) = 1;
            }
    }
    return mask;
}

}  // namespace radhpc::io
