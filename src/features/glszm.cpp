// Zone labelling (shared by GLSZM and GLDZM) and the GLSZM builder (IBSI 3.8 / PyRadiomics calculate_glszm).
#include <tbb/parallel_for.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <memory>

#include "radhpc/core/error.hpp"

#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// Connected components of equal grey level under the given connectivity (8 in-plane, 26 in 3D), by
// union-find over a raster scan: each ROI voxel is joined with its raster-earlier neighbours of the same
// level, always linking the larger root under the smaller one, so every component's root is its first
// voxel whatever the order of the unions. The scan runs in parallel over fixed slabs of slices (unions
// stay inside a slab), then the slab borders are joined in order; the zone list is identical for every
// thread count and ordered by first voxel.
std::vector<Zone> label_zones(const TextureRoi& roi, const std::vector<Offset3>& connectivity,
                              const std::vector<std::int32_t>& distance_map) {
    const std::size_t n = roi.voxels.size();
    std::vector<std::int64_t> earlier;  // strides of raster-earlier neighbours
    std::vector<std::int64_t> ahead_x;  // those with dx = +1: not neighbours of v - 1
    bool has_x_predecessor = false;     // (-1, 0, 0) is in the connectivity
    int reach = 0;                      // largest |dz| of the connectivity
    for (const auto& o : connectivity)
        if (roi.stride(o) < 0) {
            earlier.push_back(roi.stride(o));
            if (o[0] == 1) ahead_x.push_back(roi.stride(o));
            if (o == Offset3{-1, 0, 0}) has_x_predecessor = true;
            reach = std::max(reach, std::abs(o[2]));
        }
    // Chebyshev connectivity only (every offset within distance 1): then an earlier neighbour u of v with
    // dx <= 0 is also a neighbour of v - 1, so when v - 1 has v's level, u is already in v - 1's zone.
    bool unit_connectivity = true;
    for (const auto& o : connectivity)
        unit_connectivity = unit_connectivity && std::abs(o[0]) <= 1 && std::abs(o[1]) <= 1 && std::abs(o[2]) <= 1;
    has_x_predecessor = has_x_predecessor && unit_connectivity;
    // Union-find over box indices: roi.voxels is in raster order, so "smaller box index" is "earlier
    // voxel" and the root (the smallest index) is the zone's first voxel, as with ranks, without a
    // box-sized rank table and its lookup per neighbour. Entries of non-ROI box voxels are never read.
    if (roi.index.size() > std::size_t(INT32_MAX)) throw Error(ErrorKind::internal, "label_zones: texture box too large");
    const std::unique_ptr<std::int32_t[]> parent_storage(new std::int32_t[roi.index.size()]);
    std::int32_t* const parent = parent_storage.get();
    const std::int32_t* idx = roi.index.data();
    auto find = [parent](std::int32_t a) {
        while (parent[a] != a) {
            parent[a] = parent[parent[a]];  // path halving
            a = parent[a];
        }
        return a;
    };
    auto unite = [&](std::int32_t a, std::int32_t b) {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (a < b) std::swap(a, b);
        parent[a] = b;  // larger root under the smaller one
    };
    // Slabs of slices; a voxel's earlier neighbour in a previous slab is joined in the second pass.
    constexpr std::int64_t slab = 8;
    const std::int64_t n_slabs = (roi.nz + slab - 1) / slab;
    auto slab_first_rank = [&](std::int64_t s) { return roi.slice_begin[std::size_t(std::min(roi.nz, s * slab))]; };
    tbb::parallel_for(std::int64_t(0), n_slabs, [&](std::int64_t s) {
        const std::size_t begin = slab_first_rank(s), end = slab_first_rank(s + 1);
        if (begin == end) return;
        const std::int64_t slab_first = roi.voxels[begin];  // earlier box indices lie in earlier slabs
        for (std::size_t k = begin; k < end; ++k) {
            // v starts as its own root `cur`; each same-level earlier neighbour's root joins it (the smaller
            // index becomes the root), without re-finding v every time.
            const std::int64_t v = roi.voxels[k];
            auto cur = std::int32_t(v);
            parent[v] = cur;
            const std::int32_t g = idx[v];
            const bool follows_x = has_x_predecessor && idx[v - 1] == g;  // v - 1 is then the previous voxel
            if (follows_x) {
                cur = find(std::int32_t(v - 1));
                parent[v] = cur;
            }
            for (std::int64_t st : follows_x ? ahead_x : earlier) {
                const std::int64_t w = v + st;
                if (idx[w] != g) continue;
                if (w < slab_first) continue;  // other slab: joined in the second pass
                const std::int32_t r = find(std::int32_t(w));
                if (r == cur) continue;
                if (r < cur) {
                    parent[cur] = r;
                    cur = r;
                } else {
                    parent[r] = cur;
                }
            }
        }
    });
    for (std::int64_t s = 1; s < n_slabs; ++s) {
        const std::size_t begin = slab_first_rank(s);
        const std::size_t end = roi.slice_begin[std::size_t(std::min(roi.nz, s * slab + reach))];
        if (begin >= end) continue;
        const std::int64_t slab_first = roi.voxels[begin];
        for (std::size_t k = begin; k < end; ++k) {
            const std::int64_t v = roi.voxels[k];
            const std::int32_t g = idx[v];
            for (std::int64_t st : earlier) {
                const std::int64_t w = v + st;
                if (idx[w] != g) continue;
                if (w < slab_first) unite(std::int32_t(v), std::int32_t(w));
            }
        }
    }
    // parent[v] < v for every non-root, so one ascending pass resolves the roots; each resolved entry
    // is overwritten with -(zone + 1), which later voxels pointing at it read.
    std::vector<Zone> zones;
    const bool with_distance = !distance_map.empty();
    for (std::size_t k = 0; k < n; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t p = parent[v];
        std::int32_t zone;
        if (p == std::int32_t(v)) {
            zone = std::int32_t(zones.size());
            Zone z;
            z.level = idx[v];
            z.slice = int(v / (roi.nx * roi.ny));
            z.distance = with_distance ? distance_map[std::size_t(v)] : 0;
            zones.push_back(z);
        } else {
            zone = -parent[p] - 1;
        }
        parent[v] = -zone - 1;
        Zone& z = zones[std::size_t(zone)];
        ++z.size;
        if (with_distance) z.distance = std::min(z.distance, distance_map[std::size_t(v)]);
    }
    return zones;
}

// S(i, s) = number of zones of level i and size s.
CountMatrix glszm_matrix(const TextureRoi& roi, const std::vector<Zone>& zones, int slice) {
    int largest = 1;
    for (const auto& z : zones)
        if (slice < 0 || z.slice == slice) largest = std::max(largest, z.size);
    CountMatrix m(roi.n_present(), largest);
    for (const auto& z : zones)
        if (slice < 0 || z.slice == slice) ++m.at(z.level, z.size - 1);
    return m;
}

}  // namespace radhpc::features
