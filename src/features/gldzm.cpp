// GLDZM builder (IBSI 3.9): distance map on the morphological mask and zone-distance counts.
#include <algorithm>
#include <limits>

#include "radhpc/core/error.hpp"
#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// City-block distance transform by two raster passes (exact for the 4/6-neighbour metric): voxels outside
// the mask are 0, and the grid border behaves as if surrounded by outside voxels, so border voxels get 1.
std::vector<std::int32_t> zone_distance_map(const TextureRoi& roi, const Mask& morph, bool in_plane) {
    // Work on the mask's bounding box grown by one voxel: everything outside is 0 anyway.
    const std::int64_t gx = std::int64_t(morph.nx()), gy = std::int64_t(morph.ny()), gz = std::int64_t(morph.nz());
    Index3 lo{gx, gy, gz}, hi{-1, -1, -1};
    for (std::int64_t z = 0; z < gz; ++z)
        for (std::int64_t y = 0; y < gy; ++y)
            for (std::int64_t x = 0; x < gx; ++x)
                if (morph.data[std::size_t(x + gx * (y + gy * z))]) {
                    lo = {std::min(lo[0], x), std::min(lo[1], y), std::min(lo[2], z)};
                    hi = {std::max(hi[0], x), std::max(hi[1], y), std::max(hi[2], z)};
                }
    if (hi[0] < 0) return std::vector<std::int32_t>(roi.index.size(), 0);
    for (int a = 0; a < 3; ++a) {
        lo[std::size_t(a)] -= 1;
        hi[std::size_t(a)] += 1;
    }
    const std::int64_t sx = hi[0] - lo[0] + 1, sy = hi[1] - lo[1] + 1, sz = hi[2] - lo[2] + 1;
    const std::int32_t inf = std::numeric_limits<std::int32_t>::max() / 2;
    std::vector<std::int32_t> d(std::size_t(sx * sy * sz), 0);
    for (std::int64_t z = 0; z < sz; ++z)
        for (std::int64_t y = 0; y < sy; ++y)
            for (std::int64_t x = 0; x < sx; ++x) {
                const std::int64_t ix = x + lo[0], iy = y + lo[1], iz = z + lo[2];
                const bool inside = ix >= 0 && iy >= 0 && iz >= 0 && ix < gx && iy < gy && iz < gz &&
                                    morph.data[std::size_t(ix + gx * (iy + gy * iz))];
                d[std::size_t(x + sx * (y + sy * z))] = inside ? inf : 0;
            }
    // `at` in input-grid coordinates: 0 outside the (grown) box.
    auto at = [&](std::int64_t x, std::int64_t y, std::int64_t z) -> std::int32_t {
        x -= lo[0];
        y -= lo[1];
        z -= lo[2];
        if (x < 0 || y < 0 || z < 0 || x >= sx || y >= sy || z >= sz) return 0;
        return d[std::size_t(x + sx * (y + sy * z))];
    };
    // Two raster passes. Mask voxels lie strictly inside the grown box, so their 6 neighbours are in `d`.
    const std::int64_t sxy = sx * sy;
    for (std::int64_t i = 0; i < sx * sy * sz; ++i) {
        std::int32_t& v = d[std::size_t(i)];
        if (!v) continue;
        std::int32_t m = std::min(d[std::size_t(i - 1)], d[std::size_t(i - sx)]);
        if (!in_plane) m = std::min(m, d[std::size_t(i - sxy)]);
        v = std::min(v, m + 1);
    }
    for (std::int64_t i = sx * sy * sz - 1; i >= 0; --i) {
        std::int32_t& v = d[std::size_t(i)];
        if (!v) continue;
        std::int32_t m = std::min(d[std::size_t(i + 1)], d[std::size_t(i + sx)]);
        if (!in_plane) m = std::min(m, d[std::size_t(i + sxy)]);
        v = std::min(v, m + 1);
    }
    // Copy onto the texture box; only ROI voxels are ever read (zones), so only they are filled.
    std::vector<std::int32_t> box(roi.index.size(), 0);
    const std::int64_t plane = roi.nx * roi.ny;
    for (std::int64_t v : roi.voxels) {
        const std::int64_t bz = v / plane, by = (v % plane) / roi.nx, bx = v % roi.nx;
        box[std::size_t(v)] = at(bx - roi.pad + roi.box_lo[0], by - roi.pad + roi.box_lo[1], bz - roi.pad + roi.box_lo[2]);
    }
    return box;
}

// D(i, d) = number of zones of level i whose smallest voxel distance is d.
CountMatrix gldzm_matrix(const TextureRoi& roi, const std::vector<Zone>& zones, int slice) {
    int largest = 1;
    for (const auto& z : zones)
        if (slice < 0 || z.slice == slice) largest = std::max(largest, z.distance);
    CountMatrix m(roi.n_present(), largest);
    for (const auto& z : zones) {
        if (slice >= 0 && z.slice != slice) continue;
        if (z.distance < 1)
            throw Error(ErrorKind::invalid_input, "GLDZM: ROI voxel outside the morphological mask");
        ++m.at(z.level, z.distance - 1);
    }
    return m;
}

}  // namespace radhpc::features
