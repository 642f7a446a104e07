// GLCM builder (IBSI 3.6.1 / PyRadiomics cmatrices calculate_glcm): integer co-occurrence counts.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstdint>
#include <cstring>

#include "radhpc/core/error.hpp"
#include "radhpc/features/texture.hpp"
#include "count_bumps.hpp"

namespace radhpc::features {

// P(i, j) += 1 for every ROI voxel v of level i whose neighbour v + offset is in the ROI with level j.
// The box padding (>= |offset|) keeps v + offset inside the box, so there is no bounds check.
CountMatrix glcm_matrix(const TextureRoi& roi, const Offset3& offset, int slice) {
    const int n = roi.n_present();
    CountMatrix m(n, n);
    const std::int64_t step = roi.stride(offset);
    const std::size_t begin = slice < 0 ? 0 : roi.slice_begin[std::size_t(slice)];
    const std::size_t end = slice < 0 ? roi.voxels.size() : roi.slice_begin[std::size_t(slice) + 1];
    const std::int32_t* idx = roi.index.data();
    std::uint64_t* c = m.counts.data();
    for (std::size_t k = begin; k < end; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t j = idx[v + step];
        if (j >= 0) ++c[std::size_t(idx[v]) * std::size_t(n) + std::size_t(j)];
    }
    return m;
}

// Slabs of whole slices for the fused builders: about 32 slices each (the run-length builder counts back
// across a slab border, so thin slabs cost), at most 8, fewer when the per-slab matrices would be large.
std::vector<std::size_t> texture_slab_bounds(const TextureRoi& roi, std::size_t bytes_per_slab) {
    const std::size_t budget = std::size_t(64) << 20;
    const std::size_t by_memory = std::max<std::size_t>(1, budget / std::max<std::size_t>(1, bytes_per_slab));
    const std::size_t slices = std::size_t(roi.nz);
    const std::size_t slabs = std::max<std::size_t>(1, std::min({std::size_t(8), by_memory, slices / 32}));
    std::vector<std::size_t> bounds;
    for (std::size_t s = 0; s <= slabs; ++s) bounds.push_back(roi.slice_begin[slices * s / slabs]);
    return bounds;
}

namespace {

namespace glcm_base {
#include "glcm_rows.inc"
}  // namespace glcm_base

#pragma GCC push_options
#pragma GCC target("avx2")
namespace glcm_avx2 {
#include "glcm_rows.inc"
}  // namespace glcm_avx2
#pragma GCC pop_options

std::atomic<bool> texture_avx2_allowed{true};

auto glcm_row_kernel() { return texture_use_avx2() ? &glcm_avx2::glcm_row : &glcm_base::glcm_row; }

}  // namespace

void texture_allow_avx2(bool allowed) { texture_avx2_allowed.store(allowed, std::memory_order_relaxed); }
bool texture_use_avx2() {
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    return has_avx2 && texture_avx2_allowed.load(std::memory_order_relaxed);
}

// Per box row segment (first to last ROI voxel), a vector kernel gives each voxel's count cell for every
// offset (a spare cell when either end is outside the ROI); the cells are then bumped with the offsets
// interleaved. Integer counts: the order of the bumps does not matter.
std::vector<CountMatrix> glcm_matrices(const TextureRoi& roi, const std::vector<Offset3>& offsets, int slice) {
    const int n = roi.n_present();
    const std::size_t na = offsets.size(), cells = std::size_t(n) * std::size_t(n);
    if ((cells + 1) * na >= std::size_t(INT32_MAX)) throw Error(ErrorKind::internal, "glcm: matrix too large");
    std::vector<std::int64_t> steps;
    for (const auto& o : offsets) steps.push_back(roi.stride(o));
    std::vector<std::size_t> bounds;
    if (slice < 0) bounds = texture_slab_bounds(roi, cells * na * sizeof(std::uint64_t));
    else bounds = {roi.slice_begin[std::size_t(slice)], roi.slice_begin[std::size_t(slice) + 1]};
    const std::size_t slabs = bounds.size() - 1;
    // per slab: na matrices n x n, laid out [angle][i][j], then one spare cell per angle
    std::vector<std::vector<std::uint64_t>> partial(slabs);
    const std::int32_t* idx = roi.index.data();
    const auto row_kernel = glcm_row_kernel();
    const std::int64_t nx = roi.nx;
    auto count = [&](std::size_t s) {
        auto& c = partial[s];
        c.assign(na * (cells + 1), 0);
        std::uint64_t* __restrict const cp = c.data();
        std::vector<std::int32_t> keys(na * std::size_t(nx));
        std::int32_t* __restrict const kx = keys.data();
        const std::size_t kstride = std::size_t(nx);
        const std::int64_t* vox = roi.voxels.data();
        for (std::size_t k = bounds[s], kend = bounds[s + 1]; k < kend;) {
            const std::int64_t row_end = (vox[k] / nx + 1) * nx;
            std::size_t k1 = k + 1;
            while (k1 < kend && vox[k1] < row_end) ++k1;
            const std::size_t len = std::size_t(vox[k1 - 1] - vox[k] + 1);
            const std::int32_t* I = idx + vox[k];
            for (std::size_t a = 0; a < na; ++a)
                row_kernel(I, I + steps[a], kx + a * kstride, len, std::int32_t(n), std::int32_t(a * cells),
                           std::int32_t(na * cells + a));
            detail::bump_cells(cp, kx, kstride, len, na);
            k = k1;
        }
    };
    if (slabs == 1) count(0);
    else tbb::parallel_for(std::size_t(0), slabs, count);
    std::vector<CountMatrix> out(na, CountMatrix(n, n));
    for (std::size_t a = 0; a < na; ++a)
        for (std::size_t s = 0; s < slabs; ++s)
            for (std::size_t e = 0; e < cells; ++e) out[a].counts[e] += partial[s][a * cells + e];
    return out;
}

}  // namespace radhpc::features
