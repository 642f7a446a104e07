// GLCM builder (IBSI 3.6.1 / PyRadiomics cmatrices calculate_glcm): integer co-occurrence counts.
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

}  // namespace radhpc::features
