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

// Both neighbourhood matrices in one pass (the neighbour loads are shared).
std::pair<NgtdmMatrix, CountMatrix> ngtdm_ngldm_matrices(const TextureRoi& roi,
                                                         const std::vector<Offset3>& neighbourhood, double alpha,
                                                         int slice) {
    const int n = roi.n_present();
    NgtdmMatrix t;
    t.n_with_neighbours.assign(std::size_t(n), 0);
    t.n_all.assign(std::size_t(n), 0);
    t.s.assign(std::size_t(n), 0.0);
    CountMatrix d(n, int(neighbourhood.size()) + 1);
    std::vector<std::int64_t> steps;
    for (const auto& o : neighbourhood) steps.push_back(roi.stride(o));
    const std::size_t begin = slice < 0 ? 0 : roi.slice_begin[std::size_t(slice)];
    const std::size_t end = slice < 0 ? roi.voxels.size() : roi.slice_begin[std::size_t(slice) + 1];
    const std::int32_t* idx = roi.index.data();
    // sentinel tables as in the single builders: outside the ROI = value 0 for sums, far value for dependence
    std::vector<std::int64_t> sum_value(std::size_t(n) + 1, 0);
    std::vector<double> dep_value(std::size_t(n) + 1, -1e300);
    for (int j = 0; j < n; ++j) {
        sum_value[std::size_t(j) + 1] = roi.level_values[std::size_t(j)];
        dep_value[std::size_t(j) + 1] = roi.level_values[std::size_t(j)];
    }
    const std::int64_t* sval = sum_value.data() + 1;
    const double* dval = dep_value.data() + 1;
    for (std::size_t k = begin; k < end; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t g = idx[v];
        const double vg = dval[g];
        std::int64_t count = 0, sum = 0;
        int dependent = 0;
        for (std::int64_t s : steps) {
            const std::int32_t j = idx[v + s];
            count += std::int64_t(j >= 0);
            sum += sval[j];
            dependent += int(std::fabs(dval[j] - vg) <= alpha);
        }
        ++d.at(g, dependent);
        ++t.n_all[std::size_t(g)];
        if (count == 0) continue;
        ++t.n_with_neighbours[std::size_t(g)];
        t.s[std::size_t(g)] += std::fabs(double(sval[g]) - double(sum) / double(count));
    }
    return {std::move(t), std::move(d)};
}

}  // namespace radhpc::features
