#include "radhpc/core/roi.hpp"

#include <algorithm>

namespace radhpc {

std::optional<BoundingBox> bounding_box(const Mask& mask) {
    BoundingBox box;
    box.lo = {INT64_MAX, INT64_MAX, INT64_MAX};
    box.hi = {-1, -1, -1};
    bool any = false;
    for (std::size_t z = 0; z < mask.nz(); ++z)
        for (std::size_t y = 0; y < mask.ny(); ++y)
            for (std::size_t x = 0; x < mask.nx(); ++x) {
                if (!mask.at(x, y, z)) continue;
                any = true;
                const std::int64_t p[3] = {std::int64_t(x), std::int64_t(y), std::int64_t(z)};
                for (int a = 0; a < 3; ++a) {
                    box.lo[a] = std::min(box.lo[a], p[a]);
                    box.hi[a] = std::max(box.hi[a], p[a]);
                }
            }
    if (!any) return std::nullopt;
    return box;
}

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
    for (std::int64_t z = lo[2]; z <= hi[2]; ++z)
        for (std::int64_t y = lo[1]; y <= hi[1]; ++y)
            for (std::int64_t x = lo[0]; x <= hi[0]; ++x)
                if (volume.contains(x, y, z))
                    out.at(x - lo[0], y - lo[1], z - lo[2]) = volume.at(x, y, z);
    return out;
}

template Volume<double> crop(const Volume<double>&, const BoundingBox&, std::int64_t, bool, double);
template Volume<float> crop(const Volume<float>&, const BoundingBox&, std::int64_t, bool, float);
template Volume<std::uint8_t> crop(const Volume<std::uint8_t>&, const BoundingBox&, std::int64_t, bool,
                                   std::uint8_t);
template Volume<std::int32_t> crop(const Volume<std::int32_t>&, const BoundingBox&, std::int64_t, bool,
                                   std::int32_t);

}  // namespace radhpc
