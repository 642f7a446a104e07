// GLRLM builder (IBSI 3.7 / PyRadiomics cmatrices calculate_glrlm): integer run-length counts.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <tbb/parallel_for.h>

#include "radhpc/core/error.hpp"
#include "radhpc/features/texture.hpp"
#include "count_bumps.hpp"

namespace radhpc::features {

// A run starts at an ROI voxel whose predecessor (v - direction) is not of the same level (or outside the
// ROI); it extends while the next voxel has the same level. Every voxel is visited once per direction.
CountMatrix glrlm_matrix(const TextureRoi& roi, const Offset3& direction, int slice) {
    const int n = roi.n_present();
    const std::int64_t step = roi.stride(direction);
    const std::size_t begin = slice < 0 ? 0 : roi.slice_begin[std::size_t(slice)];
    const std::size_t end = slice < 0 ? roi.voxels.size() : roi.slice_begin[std::size_t(slice) + 1];
    const std::int32_t* idx = roi.index.data();
    const int max_len = int(std::max({roi.nx, roi.ny, roi.nz}));
    CountMatrix m(n, max_len);
    int longest = 0;
    for (std::size_t k = begin; k < end; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t g = idx[v];
        if (idx[v - step] == g) continue;  // not a run start
        int len = 1;
        for (std::int64_t w = v + step; idx[w] == g; w += step) ++len;
        ++m.at(g, len - 1);
        longest = std::max(longest, len);
    }
    // Keep only columns up to the longest run.
    CountMatrix trimmed(n, std::max(longest, 1));
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < trimmed.cols; ++c) trimmed.at(r, c) = m.at(r, c);
    return trimmed;
}

std::vector<std::size_t> texture_slab_bounds(const TextureRoi& roi, std::size_t bytes_per_slab);  // glcm.cpp

namespace {

namespace glrlm_base {
#include "glrlm_rows.inc"
}  // namespace glrlm_base

#pragma GCC push_options
#pragma GCC target("avx2")
namespace glrlm_avx2 {
#include "glrlm_rows.inc"
}  // namespace glrlm_avx2
#pragma GCC pop_options

using GlrlmRowKernel = decltype(&glrlm_base::glrlm_row);
GlrlmRowKernel glrlm_row_kernel() { return texture_use_avx2() ? &glrlm_avx2::glrlm_row : &glrlm_base::glrlm_row; }

// A run direction normalised to a positive box stride: its stride, its x step and how many box rows
// back its predecessor v - step lies (0 only for offsets along x: dx = 1, 2, ...).
struct RunDirection {
    std::int64_t step = 0;
    int dx = 0;
    std::int64_t rows_back = 0;
};

}  // namespace

// Fused builder: one pass over the ROI's rows for all directions. For direction step s > 0 (a run
// direction and its reverse give the same runs), the length of the run ending at v is L(v) = L(v - s) + 1
// when v - s has the same level, else 1; the run is counted where it ends (v + s differs). Per row
// segment (first to last ROI voxel of a box row) and direction, a vector kernel computes L and the count
// cell of every voxel; L lives in a ring of box rows reaching back to the farthest predecessor row. The
// cells are then bumped voxel by voxel, all directions interleaved (independent addresses). Counts are
// integers, so the order of the bumps does not matter.
std::vector<CountMatrix> glrlm_matrices(const TextureRoi& roi, const std::vector<Offset3>& directions, int slice) {
    const int n = roi.n_present();
    const std::size_t na = directions.size();
    const int max_len = int(std::max({roi.nx, roi.ny, roi.nz}));
    const std::int64_t nx = roi.nx, ny = roi.ny;
    std::vector<RunDirection> dirs;
    std::int64_t farthest = 1;
    for (const auto& o : directions) {
        const bool flip = roi.stride(o) < 0;
        const Offset3 p = flip ? Offset3{-o[0], -o[1], -o[2]} : o;
        const RunDirection d{roi.stride(p), p[0], p[1] + ny * p[2]};
        dirs.push_back(d);
        farthest = std::max(farthest, d.rows_back);
    }
    const std::size_t ring_rows = std::size_t(farthest) + 1;
    const std::size_t cells = std::size_t(n) * std::size_t(max_len);
    // keys are int32: (level, length, direction) cells plus one spare cell per direction
    if ((cells + 1) * na >= std::size_t(INT32_MAX)) throw Error(ErrorKind::internal, "glrlm: matrix too large");
    const std::size_t slices = std::size_t(roi.nz);
    std::vector<std::size_t> slab_slices;  // slab s covers box slices [slab_slices[s], slab_slices[s + 1])
    if (slice < 0) {
        const std::size_t slabs = texture_slab_bounds(roi, na * cells * sizeof(std::uint64_t)).size() - 1;
        for (std::size_t s = 0; s <= slabs; ++s) slab_slices.push_back(slices * s / slabs);
    } else {
        slab_slices = {std::size_t(slice), std::size_t(slice) + 1};
    }
    const std::size_t slabs = slab_slices.size() - 1;
    std::vector<std::vector<std::uint64_t>> partial(slabs);
    const std::int32_t* idx = roi.index.data();
    const GlrlmRowKernel row_kernel = glrlm_row_kernel();
    auto count = [&](std::size_t s) {
        partial[s].assign((cells + 1) * na, 0);
        std::uint64_t* __restrict const c = partial[s].data();
        std::vector<std::int32_t> ring(na * ring_rows * std::size_t(nx), 0), keys(na * std::size_t(nx));
        const std::int64_t* vox = roi.voxels.data();
        const std::int64_t first_row = std::int64_t(slab_slices[s]) * ny;
        const std::int32_t level_mul = std::int32_t(std::size_t(max_len) * na), nd = std::int32_t(na);
        const std::int32_t spare = std::int32_t(cells * na);
        std::size_t k = roi.slice_begin[slab_slices[s]];
        const std::size_t kend = roi.slice_begin[slab_slices[s + 1]];
        while (k < kend) {
            // the row's segment: its first to its last ROI voxel
            const std::int64_t row = vox[k] / nx, row_end = (row + 1) * nx;
            const std::int64_t x0 = vox[k] - row * nx;
            std::size_t k1 = k + 1;
            while (k1 < kend && vox[k1] < row_end) ++k1;
            const std::int64_t x1 = vox[k1 - 1] - row * nx + 1;
            const std::size_t len = std::size_t(x1 - x0);
            const std::int32_t* I = idx + row * nx + x0;
            for (std::size_t a = 0; a < na; ++a) {
                const RunDirection& d = dirs[a];
                std::int32_t* Lc = ring.data() + (a * ring_rows + std::size_t(row) % ring_rows) * std::size_t(nx) + x0;
                std::int32_t* key = keys.data() + a * std::size_t(nx);
                const std::int32_t ai = std::int32_t(a);
                if (d.rows_back > 0 && row - d.rows_back >= first_row) {
                    const std::size_t prow = std::size_t(row - d.rows_back) % ring_rows;
                    const std::int32_t* Lp = ring.data() + (a * ring_rows + prow) * std::size_t(nx) + x0 - d.dx;
                    row_kernel(I, I - d.step, I + d.step, Lp, Lc, key, len, level_mul, nd, ai, spare + ai);
                    continue;
                }
                // along x (same row), or the predecessor row lies before the slab: scalar, counting back
                for (std::size_t x = 0; x < len; ++x) {
                    const std::int32_t g = I[x];
                    std::int32_t l = 1;
                    if (g >= 0 && I[std::int64_t(x) - d.step] == g) {
                        if (d.rows_back == 0) l = Lc[std::int64_t(x) - d.step] + 1;  // x direction: step = dx
                        else
                            for (const std::int32_t* w = I + std::int64_t(x) - d.step; *w == g; w -= d.step) ++l;
                    }
                    Lc[x] = l;
                    key[x] = g >= 0 && I[std::int64_t(x) + d.step] != g ? g * level_mul + (l - 1) * nd + ai : spare + ai;
                }
            }
            detail::bump_cells(c, keys.data(), std::size_t(nx), len, na);
            k = k1;
        }
    };
    if (slabs == 1) count(0);
    else tbb::parallel_for(std::size_t(0), slabs, count);
    std::vector<CountMatrix> out;
    for (std::size_t a = 0; a < na; ++a) {
        // the longest run: the last length with a count (every run is counted once, at its end)
        int cols = 1;
        for (std::size_t s = 0; s < slabs; ++s)
            for (int r = 0; r < n; ++r)
                for (int l = max_len - 1; l >= cols; --l)
                    if (partial[s][(std::size_t(r) * std::size_t(max_len) + std::size_t(l)) * na + a]) {
                        cols = l + 1;
                        break;
                    }
        CountMatrix m(n, cols);
        for (std::size_t s = 0; s < slabs; ++s)
            for (int r = 0; r < n; ++r)
                for (int l = 0; l < cols; ++l)
                    m.at(r, l) += partial[s][(std::size_t(r) * std::size_t(max_len) + std::size_t(l)) * na + a];
        out.push_back(std::move(m));
    }
    return out;
}

bool glrlm_angle_has_multiple_elements(const TextureRoi& roi, const Offset3& direction) {
    const std::int64_t step = roi.stride(direction);
    const std::int32_t* idx = roi.index.data();
    // Fast path: any two adjacent ROI voxels along the direction.
    for (std::int64_t v : roi.voxels)
        if (idx[v + step] >= 0) return true;
    // Otherwise look further along each line (ROI voxels separated by gaps), within the box.
    for (std::int64_t v : roi.voxels) {
        std::int64_t x = v % roi.nx, y = (v / roi.nx) % roi.ny, z = v / (roi.nx * roi.ny);
        for (;;) {
            x += direction[0];
            y += direction[1];
            z += direction[2];
            if (x < 0 || y < 0 || z < 0 || x >= roi.nx || y >= roi.ny || z >= roi.nz) break;
            if (roi.index[std::size_t(roi.box_index(x, y, z))] >= 0) return true;
        }
    }
    return false;
}

}  // namespace radhpc::features
