// Zone labelling (shared by GLSZM and GLDZM) and the GLSZM builder (IBSI 3.8 / PyRadiomics calculate_glszm).
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cstdlib>

#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// Connected components of equal grey level under the given connectivity (8 in-plane, 26 in 3D), by
// union-find over a raster scan: each ROI voxel is joined with its raster-earlier neighbours of the same
// level, always linking the larger root under the smaller one, so every component's root is its first
// voxel whatever the order of the unions. The scan runs in parallel over fixed slabs of slices (unions
// stay inside a slab), then the slab borders are joined in order; the zone list is identical for every
// thread count and ordered by first voxel.
namespace {

std::vector<Zone> label_zones_voxels(const TextureRoi& roi, const std::vector<Offset3>& connectivity,
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
    // rank of each box voxel in roi.voxels (-1 outside the ROI)
    std::vector<std::int32_t> rank(roi.index.size(), -1);
    for (std::size_t k = 0; k < n; ++k) rank[std::size_t(roi.voxels[k])] = std::int32_t(k);
    std::vector<std::int32_t> parent(n);
    const std::int32_t* idx = roi.index.data();
    auto find = [&](std::int32_t a) {
        while (parent[std::size_t(a)] != a) {
            parent[std::size_t(a)] = parent[std::size_t(parent[std::size_t(a)])];  // path halving
            a = parent[std::size_t(a)];
        }
        return a;
    };
    auto unite = [&](std::int32_t a, std::int32_t b) {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (a < b) std::swap(a, b);
        parent[std::size_t(a)] = b;  // larger root under the smaller one
    };
    // Slabs of slices; a voxel's earlier neighbour in a previous slab is joined in the second pass.
    constexpr std::int64_t slab = 8;
    const std::int64_t n_slabs = (roi.nz + slab - 1) / slab;
    auto slab_first_rank = [&](std::int64_t s) { return roi.slice_begin[std::size_t(std::min(roi.nz, s * slab))]; };
    tbb::parallel_for(std::int64_t(0), n_slabs, [&](std::int64_t s) {
        const std::size_t begin = slab_first_rank(s), end = slab_first_rank(s + 1);
        for (std::size_t k = begin; k < end; ++k) {
            // k starts as its own root `cur`; each same-level earlier neighbour's root joins it (the smaller
            // index becomes the root), without re-finding k every time.
            std::int32_t cur = std::int32_t(k);
            parent[k] = cur;
            const std::int64_t v = roi.voxels[k];
            const std::int32_t g = idx[v];
            const bool follows_x = has_x_predecessor && idx[v - 1] == g;  // v - 1 is then voxel k - 1
            if (follows_x) {
                cur = find(std::int32_t(k) - 1);
                parent[k] = cur;
            }
            for (std::int64_t st : follows_x ? ahead_x : earlier) {
                const std::int64_t w = v + st;
                if (idx[w] != g) continue;
                const std::int32_t r0 = rank[std::size_t(w)];
                if (std::size_t(r0) < begin) continue;  // other slab: joined in the second pass
                const std::int32_t r = find(r0);
                if (r == cur) continue;
                if (r < cur) {
                    parent[std::size_t(cur)] = r;
                    cur = r;
                } else {
                    parent[std::size_t(r)] = cur;
                }
            }
        }
    });
    for (std::int64_t s = 1; s < n_slabs; ++s) {
        const std::size_t begin = slab_first_rank(s);
        const std::size_t end = roi.slice_begin[std::size_t(std::min(roi.nz, s * slab + reach))];
        for (std::size_t k = begin; k < end; ++k) {
            const std::int64_t v = roi.voxels[k];
            const std::int32_t g = idx[v];
            for (std::int64_t st : earlier) {
                const std::int64_t w = v + st;
                if (idx[w] != g) continue;
                const std::int32_t r = rank[std::size_t(w)];
                if (std::size_t(r) < begin) unite(std::int32_t(k), r);
            }
        }
    }
    // parent[k] < k for every non-root, so one ascending pass resolves the roots.
    std::vector<std::int32_t> zone_of(n);
    std::vector<Zone> zones;
    const bool with_distance = !distance_map.empty();
    for (std::size_t k = 0; k < n; ++k) {
        const std::int32_t p = parent[k];
        if (p == std::int32_t(k)) {
            zone_of[k] = std::int32_t(zones.size());
            Zone z;
            z.level = idx[roi.voxels[k]];
            z.slice = int(roi.voxels[k] / (roi.nx * roi.ny));
            z.distance = with_distance ? distance_map[std::size_t(roi.voxels[k])] : 0;
            zones.push_back(z);
        } else {
            zone_of[k] = zone_of[std::size_t(p)];
        }
        Zone& z = zones[std::size_t(zone_of[k])];
        ++z.size;
        if (with_distance) z.distance = std::min(z.distance, distance_map[std::size_t(roi.voxels[k])]);
    }
    return zones;
}

// Run-based labelling for the standard connectivities (26 in 3D, 8 in axial planes): the ROI is cut into
// x-runs of equal level, and union-find joins runs instead of voxels. A run [a, b] of row (y, z) touches
// the runs of the raster-earlier adjacent rows that overlap [a - 1, b + 1] (diagonal contact included).
// Roots are the smallest run index, i.e. the zone's first voxel, so the zone list equals the voxel-based
// one. Rows are processed in parallel by slabs of slices, borders joined afterwards in order.
struct Run {
    std::int64_t start;  // box index of the first voxel
    std::int32_t x0, x1;  // first and last x (kept to avoid divisions in the overlap tests)
    std::int32_t level;
    std::int32_t row;     // y + ny * z
};

std::vector<Zone> label_zones_runs(const TextureRoi& roi, bool in_plane, const std::vector<std::int32_t>& distance_map) {
    const std::int32_t* idx = roi.index.data();
    std::vector<Run> runs;
    runs.reserve(roi.voxels.size() / 2 + 1);
    const std::int64_t rows = roi.ny * roi.nz;
    std::vector<std::int32_t> row_begin(std::size_t(rows) + 1, 0);
    {
        std::int64_t row = -1, row_start = 0;  // current row and its first box index
        for (std::int64_t v : roi.voxels) {
            if (v >= row_start + roi.nx || row < 0) {  // entered a new row
                const std::int64_t new_row = v / roi.nx;
                for (std::int64_t r = row + 1; r <= new_row; ++r) row_begin[std::size_t(r)] = std::int32_t(runs.size());
                row = new_row;
                row_start = row * roi.nx;
            } else {
                Run& last = runs.back();
                if (last.start + (last.x1 - last.x0 + 1) == v && last.level == idx[v]) {
                    ++last.x1;
                    continue;
                }
            }
            const std::int32_t x = std::int32_t(v - row_start);
            runs.push_back({v, x, x, idx[v], std::int32_t(row)});
        }
        for (std::int64_t r = row + 1; r <= rows; ++r) row_begin[std::size_t(r)] = std::int32_t(runs.size());
    }
    // Raster-earlier adjacent rows as (dy, dz).
    std::vector<std::pair<int, int>> adjacent_rows = {{-1, 0}};
    if (!in_plane) adjacent_rows.insert(adjacent_rows.end(), {{-1, -1}, {0, -1}, {1, -1}});

    std::vector<std::int32_t> parent(runs.size());
    auto find = [&](std::int32_t a) {
        while (parent[std::size_t(a)] != a) {
            parent[std::size_t(a)] = parent[std::size_t(parent[std::size_t(a)])];  // path halving
            a = parent[std::size_t(a)];
        }
        return a;
    };
    auto unite = [&](std::int32_t a, std::int32_t b) {
        a = find(a);
        b = find(b);
        if (a == b) return;
        if (a < b) std::swap(a, b);
        parent[std::size_t(a)] = b;
    };
    // Join the runs of `row` with those of its earlier adjacent rows; `cross` selects the pairs whose
    // partner row lies before `first_run` (other slab) or after it (same slab).
    auto join_row = [&](std::int64_t row, std::int32_t first_run, bool cross) {
        const std::int64_t y = row % roi.ny, z = row / roi.ny;  // once per row
        const std::int32_t rb = row_begin[std::size_t(row)], re = row_begin[std::size_t(row) + 1];
        if (rb == re) return;
        for (const auto& [dy, dz] : adjacent_rows) {
            const std::int64_t other = (y + dy) + roi.ny * (z + dz);
            std::int32_t q = row_begin[std::size_t(other)];
            const std::int32_t qe = row_begin[std::size_t(other) + 1];
            if (q == qe || (q < first_run) != cross) continue;
            for (std::int32_t r = rb; r < re; ++r) {
                const Run& run = runs[std::size_t(r)];
                while (q < qe && runs[std::size_t(q)].x1 < run.x0 - 1) ++q;
                for (std::int32_t t = q; t < qe && runs[std::size_t(t)].x0 <= run.x1 + 1; ++t)
                    if (runs[std::size_t(t)].level == run.level) unite(r, t);
            }
        }
    };
    constexpr std::int64_t slab = 8;
    const std::int64_t n_slabs = (roi.nz + slab - 1) / slab;
    tbb::parallel_for(std::int64_t(0), n_slabs, [&](std::int64_t s) {
        const std::int64_t z0 = s * slab, z1 = std::min(roi.nz, z0 + slab);
        const std::int32_t first_run = row_begin[std::size_t(roi.ny * z0)];
        for (std::int32_t r = first_run; r < row_begin[std::size_t(roi.ny * z1)]; ++r) parent[std::size_t(r)] = r;
        for (std::int64_t row = roi.ny * z0; row < roi.ny * z1; ++row) join_row(row, first_run, false);
    });
    if (!in_plane)
        for (std::int64_t s = 1; s < n_slabs; ++s) {
            const std::int64_t z0 = s * slab;
            const std::int32_t first_run = row_begin[std::size_t(roi.ny * z0)];
            for (std::int64_t row = roi.ny * z0; row < roi.ny * (z0 + 1) && z0 < roi.nz; ++row) join_row(row, first_run, true);
        }
    // parent[r] < r for every non-root: one ascending pass resolves the zones.
    std::vector<std::int32_t> zone_of(runs.size());
    std::vector<Zone> zones;
    const bool with_distance = !distance_map.empty();
    for (std::size_t r = 0; r < runs.size(); ++r) {
        const Run& run = runs[r];
        const std::int32_t p = parent[r];
        if (p == std::int32_t(r)) {
            zone_of[r] = std::int32_t(zones.size());
            Zone z;
            z.level = run.level;
            z.slice = int(run.row / roi.ny);
            z.distance = with_distance ? distance_map[std::size_t(run.start)] : 0;
            zones.push_back(z);
        } else {
            zone_of[r] = zone_of[std::size_t(p)];
        }
        Zone& z = zones[std::size_t(zone_of[r])];
        const std::int32_t length = run.x1 - run.x0 + 1;
        z.size += length;
        if (with_distance)
            for (std::int64_t v = run.start; v < run.start + length; ++v)
                z.distance = std::min(z.distance, distance_map[std::size_t(v)]);
    }
    return zones;
}

}  // namespace

std::vector<Zone> label_zones(const TextureRoi& roi, const std::vector<Offset3>& connectivity,
                              const std::vector<std::int32_t>& distance_map) {
    if (connectivity == chebyshev_offsets({1}, false, false)) return label_zones_runs(roi, false, distance_map);
    if (connectivity == chebyshev_offsets({1}, true, false)) return label_zones_runs(roi, true, distance_map);
    return label_zones_voxels(roi, connectivity, distance_map);
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
