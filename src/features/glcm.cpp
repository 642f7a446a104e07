// GLCM builder (IBSI 3.6.1 / PyRadiomics cmatrices calculate_glcm): integer co-occurrence counts.
#include <tbb/parallel_for.h>

#include <algorithm>

#include "radhpc/features/texture.hpp"

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

std::vector<CountMatrix> glcm_matrices(const TextureRoi& roi, const std::vector<Offset3>& offsets, int slice) {
    const int n = roi.n_present();
    const std::size_t na = offsets.size(), cells = std::size_t(n) * std::size_t(n);
    std::vector<std::int64_t> steps;
    for (const auto& o : offsets) steps.push_back(roi.stride(o));
    std::vector<std::size_t> bounds;
    if (slice < 0) bounds = texture_slab_bounds(roi, cells * na * sizeof(std::uint64_t));
    else bounds = {roi.slice_begin[std::size_t(slice)], roi.slice_begin[std::size_t(slice) + 1]};
    const std::size_t slabs = bounds.size() - 1;
    // per slab: na matrices n x n, laid out [angle][i][j]
    std::vector<std::vector<std::uint64_t>> partial(slabs);
    const std::int32_t* idx = roi.index.data();
    auto count = [&](std::size_t s) {
        auto& c = partial[s];
        c.assign(na * cells, 0);
        for (std::size_t k = bounds[s]; k < bounds[s + 1]; ++k) {
            const std::int64_t v = roi.voxels[k];
            const std::size_t row = std::size_t(idx[v]) * std::size_t(n);
            for (std::size_t a = 0; a < na; ++a) {
                const std::int32_t j = idx[v + steps[a]];
                if (j >= 0) ++c[a * cells + row + std::size_t(j)];
            }
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
