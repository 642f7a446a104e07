#include "radhpc/core/roi.hpp"

#include <algorithm>
#include <cstring>

namespace radhpc {

namespace {
// First non-zero byte in [p, p + n), or p + n: eight bytes per step (a CT-sized mask is ~80 MB of
// mostly zeros, scanned once per lesion).
const std::uint8_t* first_nonzero(const std::uint8_t* p, std::size_t n) {
    const std::uint8_t* end = p + n;
    for (; p + 8 <= end; p += 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        if (w) break;
    }
    while (p < end && *p == 0) ++p;
    return p;
}
}  // namespace

std::optional<BoundingBox> bounding_box(const Mask& mask) {
    BoundingBox box;
    box.lo = {INT64_MAX, INT64_MAX, INT64_MAX};
    box.hi = {-1, -1, -1};
    bool any = false;
    const std::size_t nx = mask.nx();
    // Row by row: only the first and last set voxel of a row can move the x bounds.
    for (std::size_t z = 0; z < mask.nz(); ++z)
        for (std::size_t y = 0; y < mask.ny(); ++y) {
            const std::uint8_t* row = &mask.data[mask.index(0, y, z)];
            const std::uint8_t* first = first_nonzero(row, nx);
            if (first == row + nx) continue;
            std::size_t last = nx - 1;
            while (row[last] == 0) --last;
            any = true;
            const std::int64_t lo[3] = {std::int64_t(first - row), std::int64_t(y), std::int64_t(z)};
            const std::int64_t hi[3] = {std::int64_t(last), std::int64_t(y), std::int64_t(z)};
            for (int a = 0; a < 3; ++a) {
                box.lo[a] = std::min(box.lo[a], lo[a]);
                box.hi[a] = std::max(box.hi[a], hi[a]);
            }
        }
    if (!any) return std::nullopt;
    return box;
}

template <class T>
std::map<int, std::optional<BoundingBox>> label_boxes(const Volume<T>& labels, const std::vector<int>& wanted) {
    std::map<int, BoundingBox> found;
    for (int label : wanted) found[label] = BoundingBox{{INT64_MAX, INT64_MAX, INT64_MAX}, {-1, -1, -1}};
    const bool zero_wanted = found.count(0) > 0;
    std::size_t i = 0;
    for (std::int64_t z = 0; z < std::int64_t(labels.nz()); ++z)
        for (std::int64_t y = 0; y < std::int64_t(labels.ny()); ++y)
            for (std::int64_t x = 0; x < std::int64_t(labels.nx()); ++x, ++i) {
                if (labels.data[i] == 0 && !zero_wanted) continue;  // background: most of a study
                const auto it = found.find(labels.data[i]);
                if (it == found.end()) continue;
                const std::int64_t p[3] = {x, y, z};
                for (int a = 0; a < 3; ++a) {
                    it->second.lo[a] = std::min(it->second.lo[a], p[a]);
                    it->second.hi[a] = std::max(it->second.hi[a], p[a]);
                }
            }
    std::map<int, std::optional<BoundingBox>> out;
    for (const auto& [label, box] : found) out[label] = box.hi[0] < 0 ? std::nullopt : std::optional<BoundingBox>(box);
    return out;
}
template std::map<int, std::optional<BoundingBox>> label_boxes(const Volume<std::uint8_t>&, const std::vector<int>&);
template std::map<int, std::optional<BoundingBox>> label_boxes(const Volume<std::int16_t>&, const std::vector<int>&);

std::size_t count_voxels(const Mask& mask) {
    return std::size_t(std::count_if(mask.data.begin(), mask.data.end(), [](auto v) { return v != 0; }));
}

template <class T>
Volume<T> crop(const Volume<T>& volume, const BoundingBox& box, std::int64_t pad, bool clamp, T fill) {
    Index3 lo, hi;
    for (int a = 0; a < 3; ++a) {
        lo[a] = box.lo[a] - pad;
        hi[a] = box.hi[a] + pad;
        if (clamp) {
            lo[a] = std::max<std::int64_t>(lo[a], 0);
            hi[a] = std::min<std::int64_t>(hi[a], std::int64_t(volume.geometry.size[a]) - 1);
        }
    }
    Geometry g = volume.geometry;
    for (int a = 0; a < 3; ++a) g.size[a] = std::size_t(hi[a] - lo[a] + 1);
    g.origin = volume.geometry.index_to_point({double(lo[0]), double(lo[1]), double(lo[2])});
    Volume<T> out(g, fill);
    // the part of each row inside the volume is one contiguous copy
    const std::int64_t x0 = std::max<std::int64_t>(lo[0], 0);
    const std::int64_t x1 = std::min<std::int64_t>(hi[0], std::int64_t(volume.geometry.size[0]) - 1);
    if (x0 > x1) return out;
    for (std::int64_t z = lo[2]; z <= hi[2]; ++z)
        for (std::int64_t y = lo[1]; y <= hi[1]; ++y) {
            if (!volume.contains(x0, y, z)) continue;
            const T* src = &volume.data[volume.index(std::size_t(x0), std::size_t(y), std::size_t(z))];
            std::copy(src, src + (x1 - x0 + 1), &out.data[out.index(std::size_t(x0 - lo[0]), std::size_t(y - lo[1]), std::size_t(z - lo[2]))]);
        }
    return out;
}

template Volume<std::int16_t> crop(const Volume<std::int16_t>&, const BoundingBox&, std::int64_t, bool, std::int16_t);
template Volume<double> crop(const Volume<double>&, const BoundingBox&, std::int64_t, bool, double);
template Volume<float> crop(const Volume<float>&, const BoundingBox&, std::int64_t, bool, float);
template Volume<std::uint8_t> crop(const Volume<std::uint8_t>&, const BoundingBox&, std::int64_t, bool,
                                   std::uint8_t);
template Volume<std::int32_t> crop(const Volume<std::int32_t>&, const BoundingBox&, std::int64_t, bool,
                                   std::int32_t);

}  // namespace radhpc
