// Shared texture ROI: compact grey-level index in a padded bounding box, neighbour offsets, count matrices.
#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "radhpc/core/error.hpp"
#include "radhpc/features/texture.hpp"

namespace radhpc::features {

TextureRoi::TextureRoi(const GreyLevels& levels, const Mask& intensity_mask, int pad_voxels) : pad(pad_voxels) {
    if (!same_grid(levels.geometry, intensity_mask.geometry, 1e-6))
        throw Error(ErrorKind::geometry_mismatch, "texture: grey levels and intensity mask grids differ");
    if (pad < 1) pad = 1;
    const std::int64_t sx = std::int64_t(levels.nx()), sy = std::int64_t(levels.ny()), sz = std::int64_t(levels.nz());
    Index3 lo{sx, sy, sz}, hi{-1, -1, -1};
    std::vector<std::uint8_t> present(1, 0);  // present[g]: level g occurs in the ROI
    std::size_t n_roi = 0;
    // Raw pointers and locals: stores through `present` would otherwise make the compiler reload every
    // vector's data pointer on each voxel.
    const std::uint8_t* const mask_data = intensity_mask.data.data();
    const int* const level_data = levels.data.data();
    std::uint8_t* seen = present.data();
    std::size_t n_seen = present.size();
    std::int64_t lo_x = sx, hi_x = -1;
    for (std::int64_t z = 0; z < sz; ++z)
        for (std::int64_t y = 0; y < sy; ++y) {
            const std::size_t row = levels.index(0, std::size_t(y), std::size_t(z));
            const std::uint8_t* const m = mask_data + row;
            const int* const l = level_data + row;
            std::size_t in_row = 0;
            for (std::int64_t x = 0; x < sx; ++x) {
                if (!m[x]) continue;
                const int g = l[x];
                if (g < 1) throw Error(ErrorKind::invalid_input, "texture: grey level < 1 inside the ROI");
                if (std::size_t(g) >= n_seen) {
                    present.resize(std::size_t(g) + 1, 0);
                    seen = present.data();
                    n_seen = present.size();
                }
                seen[std::size_t(g)] = 1;
                ++in_row;
                lo_x = std::min(lo_x, x);
                hi_x = std::max(hi_x, x);
            }
            if (in_row) {
                n_roi += in_row;
                lo = {lo_x, std::min(lo[1], y), std::min(lo[2], z)};
                hi = {hi_x, std::max(hi[1], y), std::max(hi[2], z)};
            }
        }
    if (hi[0] < 0) throw Error(ErrorKind::empty_roi, "texture: ROI is empty");
    box_lo = lo;
    nx = hi[0] - lo[0] + 1 + 2 * pad;
    ny = hi[1] - lo[1] + 1 + 2 * pad;
    nz = hi[2] - lo[2] + 1 + 2 * pad;

    // Compact grey-level index: only levels present in the ROI get a row.
    std::vector<std::int32_t> compact(present.size(), -1);
    for (std::size_t g = 1; g < present.size(); ++g)
        if (present[g]) {
            compact[g] = std::int32_t(level_values.size());
            level_values.push_back(int(g));
        }

    index.assign(std::size_t(nx * ny * nz), -1);
    voxels.resize(n_roi);
    slice_begin.assign(std::size_t(nz) + 1, 0);
    std::int32_t* const box = index.data();
    std::int64_t* const out = voxels.data();
    const std::int32_t* const compact_of = compact.data();
    std::size_t k = 0;
    for (std::int64_t z = lo[2]; z <= hi[2]; ++z) {
        const std::int64_t bz = z - lo[2] + pad;
        slice_begin[std::size_t(bz)] = k;
        for (std::int64_t y = lo[1]; y <= hi[1]; ++y) {
            const std::size_t row = levels.index(0, std::size_t(y), std::size_t(z));
            const std::uint8_t* const m = mask_data + row;
            const int* const l = level_data + row;
            const std::int64_t box_row = box_index(pad - lo[0], y - lo[1] + pad, bz);  // + x: box index of x
            for (std::int64_t x = lo[0]; x <= hi[0]; ++x) {
                if (!m[x]) continue;
                box[box_row + x] = compact_of[l[x]];
                out[k++] = box_row + x;
            }
        }
    }
    // Slices without ROI voxels (padding) get empty ranges.
    std::size_t next = voxels.size();
    slice_begin[std::size_t(nz)] = next;
    for (std::int64_t bz = nz - 1; bz >= 0; --bz) {
        const bool in_box = bz >= pad && bz < nz - pad;
        if (!in_box) slice_begin[std::size_t(bz)] = next;
        next = slice_begin[std::size_t(bz)];
    }
}

int TextureRoi::box_slice(std::int64_t input_z) const {
    const std::int64_t bz = input_z - box_lo[2] + pad;
    return (bz >= pad && bz < nz - pad) ? int(bz) : -1;
}

std::vector<Offset3> chebyshev_offsets(const std::set<int>& distances, bool in_plane, bool half) {
    return chebyshev_offsets_fixed(distances, in_plane ? 2 : -1, half);
}

std::vector<Offset3> chebyshev_offsets_fixed(const std::set<int>& distances, int fixed_axis, bool half) {
    int dmax = 0;
    for (int d : distances) dmax = std::max(dmax, d);
    std::vector<Offset3> out;
    // Order as PyRadiomics' build_angles on (z, y, x): offsets counted down from +dmax; `half` keeps the
    // first of each +- pair, which is the one that comes first in this order.
    for (int dz = dmax; dz >= -dmax; --dz)
        for (int dy = dmax; dy >= -dmax; --dy)
            for (int dx = dmax; dx >= -dmax; --dx) {
                const Offset3 o{dx, dy, dz};
                if (fixed_axis >= 0 && o[std::size_t(fixed_axis)] != 0) continue;
                const int norm = std::max({std::abs(dx), std::abs(dy), std::abs(dz)});
                if (norm == 0 || !distances.count(norm)) continue;
                if (half) {
                    // keep o if it is lexicographically positive on (z, y, x)
                    const bool positive = dz > 0 || (dz == 0 && (dy > 0 || (dy == 0 && dx > 0)));
                    if (!positive) continue;
                }
                out.push_back({dx, dy, dz});
            }
    return out;
}

std::vector<Offset3> directions_3d() { return chebyshev_offsets({1}, false, true); }
std::vector<Offset3> directions_2d() { return chebyshev_offsets({1}, true, true); }

std::uint64_t CountMatrix::total() const {
    std::uint64_t t = 0;
    for (auto c : counts) t += c;
    return t;
}

void CountMatrix::add(const CountMatrix& other) {
    if (other.rows == 0) return;
    if (rows == 0) {
        *this = other;
        return;
    }
    if (other.rows != rows) throw Error(ErrorKind::internal, "CountMatrix::add: row mismatch");
    if (other.cols > cols) {
        CountMatrix grown(rows, other.cols);
        for (int r = 0; r < rows; ++r)
            for (int c = 0; c < cols; ++c) grown.at(r, c) = at(r, c);
        *this = std::move(grown);
    }
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < other.cols; ++c) at(r, c) += other.at(r, c);
}

CountMatrix CountMatrix::transposed() const {
    CountMatrix t(cols, rows);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) t.at(c, r) = at(r, c);
    return t;
}

}  // namespace radhpc::features
