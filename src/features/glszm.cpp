// Zone labelling (shared by GLSZM and GLDZM) and the GLSZM builder (IBSI 3.8 / PyRadiomics calculate_glszm).
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <climits>
#include <cstdlib>
#include <cstring>
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
namespace {

// The raster-earlier neighbours of the zone scan, most-connected first, and for each the earlier
// neighbours it touches under the connectivity itself (bit i = earlier[i], its own bit included).
// When earlier[i] has v's level, every neighbour it touches that also has v's level is already in
// its zone (joined when the later of the two was scanned), so those are skipped without a lookup.
struct ZoneScanNeighbours {
    std::vector<std::int64_t> strides;
    std::vector<std::uint32_t> covers;
    int reach = 0;  // largest |dz|
};

ZoneScanNeighbours zone_scan_neighbours(const TextureRoi& roi, const std::vector<Offset3>& connectivity) {
    std::vector<Offset3> earlier;
    for (const auto& o : connectivity)
        if (roi.stride(o) < 0) earlier.push_back(o);
    auto touches = [&](const Offset3& a, const Offset3& b) {
        const Offset3 d{a[0] - b[0], a[1] - b[1], a[2] - b[2]};
        const Offset3 e{-d[0], -d[1], -d[2]};
        return std::find(connectivity.begin(), connectivity.end(), d) != connectivity.end() ||
               std::find(connectivity.begin(), connectivity.end(), e) != connectivity.end();
    };
    auto degree = [&](const Offset3& a) {
        int d = 0;
        for (const auto& b : earlier) d += touches(a, b) ? 1 : 0;
        return d;
    };
    std::stable_sort(earlier.begin(), earlier.end(), [&](const Offset3& a, const Offset3& b) { return degree(a) > degree(b); });
    if (earlier.size() > 32) throw Error(ErrorKind::internal, "label_zones: connectivity too large");
    ZoneScanNeighbours out;
    for (std::size_t i = 0; i < earlier.size(); ++i) {
        out.strides.push_back(roi.stride(earlier[i]));
        std::uint32_t c = std::uint32_t(1) << i;
        for (std::size_t j = 0; j < earlier.size(); ++j)
            if (touches(earlier[i], earlier[j])) c |= std::uint32_t(1) << j;
        out.covers.push_back(c);
        out.reach = std::max(out.reach, std::abs(earlier[i][2]));
    }
    return out;
}

namespace glszm_base {
#include "glszm_rows.inc"
}  // namespace glszm_base

#pragma GCC push_options
#pragma GCC target("avx2")
namespace glszm_avx2 {
#include "glszm_rows.inc"
}  // namespace glszm_avx2
#pragma GCC pop_options

auto zone_mask_kernel() { return texture_use_avx2() ? &glszm_avx2::same_level_masks : &glszm_base::same_level_masks; }

// Voxels [begin, end) of a slab, vox[begin] its first ROI voxel: the same-level earlier
// neighbours of a box row segment's voxels as bit masks (vector kernel), then, voxel by voxel, only the
// uncovered ones are joined. First pass (border false): the neighbours inside the slab. Second pass
// (border true, the slab's first slices): those in earlier slabs; a covered neighbour is skipped either
// way, as its edge is replaced by the covering one's edges (both passes together hold them all).
void label_zone_slab(const TextureRoi& roi, const ZoneScanNeighbours& nb, std::int32_t* parent, std::size_t begin,
                     std::size_t end, bool border) {
    const std::uint32_t* __restrict const cover = nb.covers.data();
    const std::int64_t* __restrict const st = nb.strides.data();
    const std::int32_t* __restrict const idx = roi.index.data();
    const std::int64_t* __restrict const vox = roi.voxels.data();
    const std::int64_t slab_first = vox[begin];  // earlier box indices lie in earlier slabs
    const auto masks_of_row = zone_mask_kernel();
    std::vector<std::uint32_t> masks(std::size_t(roi.nx));
    auto find = [parent](std::int32_t a) {
        while (parent[a] != a) {
            parent[a] = parent[parent[a]];  // path halving
            a = parent[a];
        }
        return a;
    };
    for (std::size_t k = begin; k < end;) {
        const std::int64_t row_end = (vox[k] / roi.nx + 1) * roi.nx, seg = vox[k];
        std::size_t k1 = k + 1;
        while (k1 < end && vox[k1] < row_end) ++k1;
        masks_of_row(idx + seg, st, nb.strides.size(), masks.data(), std::size_t(vox[k1 - 1] - seg + 1));
        for (; border && k < k1; ++k) {
            const std::int64_t v = vox[k];
            std::uint32_t same = masks[std::size_t(v - seg)];
            while (same != 0) {
                const int i = std::countr_zero(same);
                same &= ~cover[i];
                const std::int64_t w = v + st[i];
                if (w >= slab_first) continue;  // same slab: joined in the first pass
                std::int32_t a = find(std::int32_t(v)), b = find(std::int32_t(w));
                if (a == b) continue;
                if (a < b) std::swap(a, b);
                parent[a] = b;  // larger root under the smaller one
            }
        }
        for (; k < k1; ++k) {
            const std::int64_t v = vox[k];
            std::uint32_t same = masks[std::size_t(v - seg)];
            // v starts as its own root `cur`; each joined neighbour's root merges with it (the smaller
            // index becomes the root), without re-finding v every time.
            auto cur = std::int32_t(v);
            parent[v] = cur;
            while (same != 0) {
                const int i = std::countr_zero(same);
                same &= ~cover[i];
                const std::int64_t w = v + st[i];
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
            parent[v] = cur;
        }
    }
}

}  // namespace

// Connected components of equal grey level under the given connectivity (8 in-plane, 26 in 3D), by
// union-find over a raster scan: each ROI voxel is joined with its raster-earlier neighbours of the same
// level, always linking the larger root under the smaller one, so every component's root is its first
// voxel whatever the order of the unions. The scan runs in parallel over fixed slabs of slices (unions
// stay inside a slab), then the slab borders are joined in order; the zone list is identical for every
// thread count and ordered by first voxel. Skipping covered neighbours drops only edges whose ends are
// already joined through earlier edges, so the components (and their roots) are unchanged.
std::vector<Zone> label_zones(const TextureRoi& roi, const std::vector<Offset3>& connectivity,
                              const std::vector<std::int32_t>& distance_map) {
    const std::size_t n = roi.voxels.size();
    const ZoneScanNeighbours nb = zone_scan_neighbours(roi, connectivity);
    const int reach = nb.reach;
    // Union-find over box indices: roi.voxels is in raster order, so "smaller box index" is "earlier
    // voxel" and the root (the smallest index) is the zone's first voxel, as with ranks, without a
    // box-sized rank table and its lookup per neighbour. Entries of non-ROI box voxels are never read.
    if (roi.index.size() > std::size_t(INT32_MAX)) throw Error(ErrorKind::internal, "label_zones: texture box too large");
    const std::unique_ptr<std::int32_t[]> parent_storage(new std::int32_t[roi.index.size()]);
    std::int32_t* const parent = parent_storage.get();
    const std::int32_t* idx = roi.index.data();
    // Slabs of slices; a voxel's earlier neighbour in a previous slab is joined in the second pass.
    constexpr std::int64_t slab = 8;
    const std::int64_t n_slabs = (roi.nz + slab - 1) / slab;
    auto slab_first_rank = [&](std::int64_t s) { return roi.slice_begin[std::size_t(std::min(roi.nz, s * slab))]; };
    tbb::parallel_for(std::int64_t(0), n_slabs, [&](std::int64_t s) {
        const std::size_t begin = slab_first_rank(s), end = slab_first_rank(s + 1);
        if (begin == end) return;
        label_zone_slab(roi, nb, parent, begin, end, false);
    });
    for (std::int64_t s = 1; s < n_slabs; ++s) {
        const std::size_t begin = slab_first_rank(s);
        const std::size_t end = roi.slice_begin[std::size_t(std::min(roi.nz, s * slab + reach))];
        if (begin < end) label_zone_slab(roi, nb, parent, begin, end, true);
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
