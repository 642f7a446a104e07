// RTSTRUCT -> Mask: contours rasterised on a voxel grid (rule documented in dicom.hpp).
#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

#include "dicom_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"

namespace radhpc::io {

using namespace dicom_detail;

namespace {

struct Contour {
    std::string type;
    std::vector<double> xyz;  // x0 y0 z0 x1 y1 z1 ...
};

struct RoiContours {
    int number = 0;
    std::string name, frame_of_reference_uid;
    std::vector<Contour> contours;
};

void require_rtstruct(DcmDataset& ds, const std::string& path) {
    const std::string sop = get_string(ds, DCM_SOPClassUID);
    if (sop != UID_RTStructureSetStorage)
        throw Error(ErrorKind::invalid_input, path + ": not an RT Structure Set (Modality '" + get_string(ds, DCM_Modality) + "')");
}

std::vector<RoiContours> read_rois(DcmDataset& ds, bool with_points) {
    std::map<int, RoiContours> by_number;
    std::vector<int> order;
    DcmItem* item = nullptr;
    for (unsigned long i = 0; ds.findAndGetSequenceItem(DCM_StructureSetROISequence, item, long(i)).good() && item; ++i) {
        RoiContours r;
        r.number = int(get_int(*item, DCM_ROINumber).value_or(-1));
        r.name = get_string(*item, DCM_ROIName);
        r.frame_of_reference_uid = get_string(*item, DCM_ReferencedFrameOfReferenceUID);
        if (!by_number.count(r.number)) order.push_back(r.number);
        by_number[r.number] = r;
    }
    for (unsigned long i = 0; ds.findAndGetSequenceItem(DCM_ROIContourSequence, item, long(i)).good() && item; ++i) {
        const int ref = int(get_int(*item, DCM_ReferencedROINumber).value_or(-1));
        auto it = by_number.find(ref);
        if (it == by_number.end()) continue;  // contours of an undeclared ROI: not addressable by name
        DcmItem* c = nullptr;
        for (unsigned long j = 0; item->findAndGetSequenceItem(DCM_ContourSequence, c, long(j)).good() && c; ++j) {
            Contour contour;
            contour.type = get_string(*c, DCM_ContourGeometricType);
            if (with_points) contour.xyz = get_doubles(*c, DCM_ContourData);
            it->second.contours.push_back(std::move(contour));
        }
    }
    std::vector<RoiContours> out;
    for (int n : order) out.push_back(std::move(by_number[n]));
    return out;
}

std::string roi_list(const std::vector<RoiContours>& rois) {
    std::string s;
    for (const auto& r : rois) s += (s.empty() ? "'" : ", '") + r.name + "'";
    return s.empty() ? "none" : s;
}

}  // namespace

namespace {

RtStructInfo info_of(DcmDataset& ds, const std::vector<RoiContours>& rois) {
    RtStructInfo info;
    DcmItem* fr = nullptr;
    if (ds.findAndGetSequenceItem(DCM_ReferencedFrameOfReferenceSequence, fr, 0).good() && fr) {
        info.referenced_frame_of_reference_uid = get_string(*fr, DCM_FrameOfReferenceUID);
        DcmItem* st = nullptr;
        for (unsigned long i = 0; fr->findAndGetSequenceItem(DCM_RTReferencedStudySequence, st, long(i)).good() && st; ++i) {
            DcmItem* se = nullptr;
            for (unsigned long j = 0; st->findAndGetSequenceItem(DCM_RTReferencedSeriesSequence, se, long(j)).good() && se; ++j)
                info.referenced_series_uids.push_back(get_string(*se, DCM_SeriesInstanceUID));
        }
    }
    for (const auto& r : rois) {
        RtRoi roi;
        roi.number = r.number;
        roi.name = r.name;
        for (const auto& c : r.contours) (c.type == "CLOSED_PLANAR" ? roi.closed_contours : roi.other_contours)++;
        info.rois.push_back(roi);
    }
    return info;
}

}  // namespace

RtStructInfo read_rtstruct_info(const std::string& path) {
    DcmFileFormat file;
    load(file, path, false);
    DcmDataset& ds = *file.getDataset();
    require_rtstruct(ds, path);
    return info_of(ds, read_rois(ds, false));  // without the points: cheaper than ParsedRtStruct
}

struct ParsedRtStruct::Impl {
    std::string path;
    RtStructInfo info;
    std::vector<RoiContours> rois;
};

ParsedRtStruct::ParsedRtStruct(const std::string& path) {
    auto impl = std::make_shared<Impl>();
    impl->path = path;
    DcmFileFormat file;
    load(file, path, false);
    DcmDataset& ds = *file.getDataset();
    require_rtstruct(ds, path);
    impl->rois = read_rois(ds, true);
    impl->info = info_of(ds, impl->rois);
    impl_ = std::move(impl);
}

const RtStructInfo& ParsedRtStruct::info() const { return impl_->info; }

// Rasterises one ROI's CLOSED_PLANAR contours on `grid` (rule in dicom.hpp).
static Mask rasterise(const std::string& path, const RoiContours& roi, const Geometry& grid, bool allow_outside,
                      RasterReport* report_out) {
    RasterReport rep;
    Mask mask(grid, 0);
    const std::int64_t nx = std::int64_t(grid.size[0]), ny = std::int64_t(grid.size[1]), nz = std::int64_t(grid.size[2]);
    // polygon edges per slice, in continuous index coordinates (x, y)
    struct Edge {
        double x0, y0, x1, y1;
    };
    std::map<std::int64_t, std::vector<Edge>> edges_by_slice;
    for (std::size_t ci = 0; ci < roi.contours.size(); ++ci) {
        const Contour& c = roi.contours[ci];
        if (c.type != "CLOSED_PLANAR") {
            ++rep.skipped_contours;
            continue;
        }
        const std::size_t n = c.xyz.size() / 3;
        if (n < 3 || c.xyz.size() % 3 != 0)
            throw Error(ErrorKind::invalid_input, path + ": ROI '" + roi.name + "' contour " + std::to_string(ci + 1) +
                                                      ": ContourData is not a list of at least 3 points");
        ++rep.contours;
        std::vector<Vec3> idx(n);
        double zsum = 0;
        for (std::size_t p = 0; p < n; ++p) {
            idx[p] = grid.point_to_index({c.xyz[3 * p], c.xyz[3 * p + 1], c.xyz[3 * p + 2]});
            // NaN would pass as "outside the grid"; points ~1e300 away overflow the scanline arithmetic
            // and the integer conversions below. Neither is a contour that belongs to this image.
            for (int a = 0; a < 3; ++a) {
                if (!std::isfinite(idx[p][a]))
                    throw Error(ErrorKind::invalid_input, path + ": ROI '" + roi.name + "' contour " + std::to_string(ci + 1) +
                                                              ": ContourData holds a non-finite coordinate (NaN or infinity)");
                if (std::abs(idx[p][a]) > 1e6)
                    throw Error(ErrorKind::invalid_input, path + ": ROI '" + roi.name + "' contour " + std::to_string(ci + 1) +
                                                              ": a point lies more than 10^6 voxels from the image grid");
            }
            zsum += idx[p][2];
        }
        const double zmean = zsum / double(n);
        const std::int64_t k = std::int64_t(std::llround(zmean));
        double zdev = 0;
        for (const auto& q : idx) zdev = std::max(zdev, std::abs(q[2] - double(k)));
        if (zdev > 0.01) ++rep.off_slice_contours;  // not on a slice centre: goes to the nearest slice
        std::size_t outside = 0;
        for (const auto& q : idx)
            if (q[0] < -0.5 || q[1] < -0.5 || q[0] > double(nx) - 0.5 || q[1] > double(ny) - 0.5 || k < 0 || k >= nz) ++outside;
        rep.points_outside += outside;
        if (outside && !allow_outside)
            throw Error(ErrorKind::invalid_input,
                        path + ": ROI '" + roi.name + "' contour " + std::to_string(ci + 1) + ": " + std::to_string(outside) + " of " +
                            std::to_string(n) + " points lie outside the image grid" +
                            (k < 0 || k >= nz ? " (the contour's plane is beyond the first/last slice)" : std::string()));
        if (k < 0 || k >= nz) continue;
        auto& edges = edges_by_slice[k];
        for (std::size_t p = 0; p < n; ++p) {
            const Vec3& a = idx[p];
            const Vec3& b = idx[(p + 1) % n];  // closed: last point joins the first
            edges.push_back({a[0], a[1], b[0], b[1]});
        }
    }
    // Even-odd scanline fill at voxel centres. Crossing x positions along row y = j, edges half-open in
    // y ([lower, upper)); sorted crossings pair up as [x_2m, x_2m+1): centre i is inside when x_2m <= i < x_2m+1.
    std::vector<double> xs;
    for (const auto& [k, edges] : edges_by_slice) {
        for (std::int64_t j = 0; j < ny; ++j) {
            const double y = double(j);
            xs.clear();
            for (const Edge& e : edges) {
                const bool crosses = (e.y0 <= y && y < e.y1) || (e.y1 <= y && y < e.y0);
                if (crosses) xs.push_back(e.x0 + (y - e.y0) * (e.x1 - e.x0) / (e.y1 - e.y0));
            }
            std::sort(xs.begin(), xs.end());
            for (std::size_t m = 0; m + 1 < xs.size(); m += 2) {
                const std::int64_t from = std::max<std::int64_t>(0, std::int64_t(std::ceil(xs[m])));
                const std::int64_t to = std::min<std::int64_t>(nx, std::int64_t(std::ceil(xs[m + 1])));  // exclusive
                for (std::int64_t i = from; i < to; ++i) {
                    std::uint8_t& v = mask.at(std::size_t(i), std::size_t(j), std::size_t(k));
                    if (!v) ++rep.voxels;
                    v = 1;
                }
            }
        }
    }
    if (report_out) *report_out = rep;
    return mask;
}

Mask read_rtstruct_mask(const std::string& path, const Geometry& grid, const RtStructOptions& options, RasterReport* report_out) {
    return ParsedRtStruct(path).mask(grid, options, report_out);
}

Mask ParsedRtStruct::mask(const Geometry& grid, const RtStructOptions& options, RasterReport* report_out) const {
    const std::string& path = impl_->path;
    const auto& rois = impl_->rois;

    // choose the ROI: exact name, or a pattern that matches the whole name; exactly one must qualify
    std::vector<const RoiContours*> hits;
    if (options.roi.empty()) {
        if (rois.size() == 1) hits.push_back(&rois[0]);
        else
            throw Error(ErrorKind::settings, path + ": " + std::to_string(rois.size()) + " ROIs (" + roi_list(rois) +
                                                 "); choose one with --roi / dicom.roi");
    } else {
        std::regex re;
        if (options.roi_is_pattern) {
            try {
                re = std::regex(options.roi, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
                throw Error(ErrorKind::settings, "ROI pattern '" + options.roi + "' is not a valid regular expression");
            }
        }
        for (const auto& r : rois)
            if (options.roi_is_pattern ? std::regex_match(r.name, re) : r.name == options.roi) hits.push_back(&r);
    }
    if (hits.size() != 1)
        throw Error(ErrorKind::invalid_input, path + ": " + (hits.empty() ? std::string("no ROI") : std::to_string(hits.size()) + " ROIs") +
                                                  (options.roi_is_pattern ? " match the pattern '" : " named '") + options.roi +
                                                  "' (ROIs: " + roi_list(rois) + ")");
    return rasterise(path, *hits[0], grid, options.allow_outside, report_out);
}

std::vector<std::pair<std::string, Mask>> read_rtstruct_masks(const std::string& path, const Geometry& grid, const std::string& pattern,
                                                              bool allow_outside) {
    return ParsedRtStruct(path).masks(grid, pattern, allow_outside);
}

std::vector<std::pair<std::string, Mask>> ParsedRtStruct::masks(const Geometry& grid, const std::string& pattern, bool allow_outside) const {
    const std::string& path = impl_->path;
    std::regex re;
    try {
        re = std::regex(pattern.empty() ? std::string(".*") : pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        throw Error(ErrorKind::settings, "ROI pattern '" + pattern + "' is not a valid regular expression");
    }
    std::vector<std::pair<std::string, Mask>> out;
    for (const auto& roi : impl_->rois)
        if (std::regex_match(roi.name, re)) out.emplace_back(roi.name, rasterise(path, roi, grid, allow_outside, nullptr));
    return out;
}

}  // namespace radhpc::io
