// NGTDM builder (IBSI 3.10 / PyRadiomics calculate_ngtdm).
#include <cmath>
#include <vector>

#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// For each ROI voxel of level i: s_i += |i - mean level of its neighbours in the ROI|.
// IBSI counts only voxels with at least one neighbour in the ROI; PyRadiomics counts every voxel (a voxel
// without neighbours adds a difference of 0). Both counts are returned. The difference is formed as
// |i * count - sum| / count from exact integers, then accumulated in ascending voxel order.
NgtdmMatrix ngtdm_matrix(const TextureRoi& roi, const std::vector<Offset3>& neighbourhood, int slice) {
    const int n = roi.n_present();
    NgtdmMatrix m;
    m.n_with_neighbours.assign(std::size_t(n), 0);
    m.n_all.assign(std::size_t(n), 0);
    m.s.assign(std::size_t(n), 0.0);
    std::vector<std::int64_t> steps;
    for (const auto& o : neighbourhood) steps.push_back(roi.stride(o));
    const std::size_t begin = slice < 0 ? 0 : roi.slice_begin[std::size_t(slice)];
    const std::size_t end = slice < 0 ? roi.voxels.size() : roi.slice_begin[std::size_t(slice) + 1];
    const std::int32_t* idx = roi.index.data();
    // value_of[j + 1] = grey level of compact index j, value_of[0] = 0 for outside the ROI: neighbour
    // count and sum accumulate without a branch.
    std::vector<std::int64_t> value_of(std::size_t(n) + 1, 0);
    for (int j = 0; j < n; ++j) value_of[std::size_t(j) + 1] = roi.level_values[std::size_t(j)];
    const std::int64_t* val = value_of.data() + 1;
    for (std::size_t k = begin; k < end; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t g = idx[v];
        std::int64_t count = 0, sum = 0;
        for (std::int64_t s : steps) {
            const std::int32_t j = idx[v + s];
            count += std::int64_t(j >= 0);
            sum += val[j];
        }
        ++m.n_all[std::size_t(g)];
        if (count == 0) continue;
        ++m.n_with_neighbours[std::size_t(g)];
        m.s[std::size_t(g)] += std::fabs(double(val[g]) - double(sum) / double(count));
    }
    return m;
}

}  // namespace radhpc::features
