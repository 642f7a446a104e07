// GLDZM builder (IBSI 3.9): distance map on the morphological mask and zone-distance counts.
#include <algorithm>
#include <limits>

#include "radhpc/core/error.hpp"
#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// City-block distance transform by two raster passes (exact for the 4/6-neighbour metric): voxels outside
// the mask are 0, and the grid border behaves as if surrounded by outside voxels, so border voxels get 1.
std::vector<std::int32_t> zone_distance_map(const TextureRoi& roi, const Mask& morph, bool in_plane) {
    const std::int64_t sx = std::int64_t(morph.nx()), sy = std::int64_t(morph.ny()), sz = std::int64_t(morph.nz());
    const std::int32_t inf = std::numeric_limits<std::int32_t>::max() / 2;
    std::vector<std::int32_t> d(morph.data.size());
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = morph.data[i] ? inf : 0;
    auto at = [&](std::int64_t x, std::int64_t y, std::int64_t z) -> std::int32_t {
        if (x < 0 || y < 0 || z < 0 || x >= sx || y >= sy || z >= sz) return 0;
        return d[std::size_t(x + sx * (y + sy * z))];
    };
    for (std::int64_t z = 0; z < sz; ++z)
        for (std::int64_t y = 0; y < sy; ++y)
            for (std::int64_t x = 0; x < sx; ++x) {
                auto& v = d[std::size_t(x + sx * (y + sy * z))];
                if (!v) continue;
                std::int32_t m = std::min(at(x - 1, y, z), at(x, y - 1, z));
                if (!in_plane) m = std::min(m, at(x, y, z - 1));
                v = std::min(v, m + 1);
            }
    for (std::int64_t z = sz - 1; z >= 0; --z)
        for (std::int64_t y = sy - 1; y >= 0; --y)
            for (std::int64_t x = sx - 1; x >= 0; --x) {
                auto& v = d[std::size_t(x + sx * (y + sy * z))];
                if (!v) continue;
                std::int32_t m = std::min(at(x + 1, y, z), at(x, y + 1, z));
                if (!in_plane) m = std::min(m, at(x, y, z + 1));
                v = std::min(v, m + 1);
            }
    // Copy onto the texture box.
    std::vector<std::int32_t> box(roi.index.size(), 0);
    for (std::int64_t bz = 0; bz < roi.nz; ++bz)
        for (std::int64_t by = 0; by < roi.ny; ++by)
            for (std::int64_t bx = 0; bx < roi.nx; ++bx) {
                const std::int64_t x = bx - roi.pad + roi.box_lo[0], y = by - roi.pad + roi.box_lo[1],
                                   z = bz - roi.pad + roi.box_lo[2];
                box[std::size_t(roi.box_index(bx, by, bz))] = at(x, y, z);
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
