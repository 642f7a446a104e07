// NGLDM builder (IBSI 3.11) = PyRadiomics GLDM matrix (calculate_gldm).
#include <cmath>
#include <vector>

#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// For each ROI voxel of level i: k = number of neighbours in the ROI with |level difference| <= alpha;
// N(i, k) += 1. IBSI's dependence count is k + 1 (the column index + 1), as is PyRadiomics' j.
CountMatrix ngldm_matrix(const TextureRoi& roi, const std::vector<Offset3>& neighbourhood, double alpha, int slice) {
    const int n = roi.n_present();
    CountMatrix m(n, int(neighbourhood.size()) + 1);
    std::vector<std::int64_t> steps;
    for (const auto& o : neighbourhood) steps.push_back(roi.stride(o));
    const std::size_t begin = slice < 0 ? 0 : roi.slice_begin[std::size_t(slice)];
    const std::size_t end = slice < 0 ? roi.voxels.size() : roi.slice_begin[std::size_t(slice) + 1];
    const std::int32_t* idx = roi.index.data();
    // value_of[j + 1] = grey level of compact index j; value_of[0] (outside the ROI) is far from every
    // level, so "neighbour in the ROI and dependent" is one comparison without a branch.
    std::vector<double> value_of(std::size_t(n) + 1);
    value_of[0] = -1e300;
    for (int j = 0; j < n; ++j) value_of[std::size_t(j) + 1] = roi.level_values[std::size_t(j)];
    const double* val = value_of.data() + 1;
    for (std::size_t k = begin; k < end; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t g = idx[v];
        const double vg = val[g];
        int dependent = 0;
        for (std::int64_t s : steps) dependent += int(std::fabs(val[idx[v + s]] - vg) <= alpha);
        ++m.at(g, dependent);
    }
    return m;
}

}  // namespace radhpc::features
