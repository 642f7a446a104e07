// NGLDM builder (IBSI 3.11) = PyRadiomics GLDM matrix (calculate_gldm).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
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

namespace {

// Whether the neighbourhood is the 26 offsets of the unit cube, alpha makes "dependent" mean "same
// level" (levels are distinct integers), and 27 levels sum below 2^26 (neighbour_box_sums' packing).
bool unit_cube_fast_path(const TextureRoi& roi, const std::vector<Offset3>& neighbourhood, double alpha) {
    if (!(alpha >= 0 && alpha < 1) || neighbourhood.size() != 26 || roi.pad < 1) return false;
    std::set<Offset3> seen;
    for (const auto& o : neighbourhood) {
        if (std::abs(o[0]) > 1 || std::abs(o[1]) > 1 || std::abs(o[2]) > 1 || o == Offset3{0, 0, 0}) return false;
        seen.insert(o);
    }
    if (seen.size() != 26) return false;
    const int max_level = roi.level_values.empty() ? 0 : roi.level_values.back();
    return max_level >= 0 && std::int64_t(max_level) * 27 < (std::int64_t(1) << 26);
}

// Per box voxel, over the 3 x 3 (x, y) square around it: (number of ROI voxels << 26) + sum of their
// levels, outside the box counting as outside the ROI. The z sum of three of these is the 3 x 3 x 3
// cube's. Separable passes in place (x, then y with two saved rows).
std::vector<std::uint32_t> neighbour_box_sums(const TextureRoi& roi) {
    const std::size_t nx = std::size_t(roi.nx), ny = std::size_t(roi.ny), nz = std::size_t(roi.nz);
    std::vector<std::uint32_t> b(nx * ny * nz);
    const std::int32_t* idx = roi.index.data();
    for (std::size_t i = 0; i < b.size(); ++i) {
        const std::int32_t j = idx[i];
        b[i] = j >= 0 ? (std::uint32_t(1) << 26) + std::uint32_t(roi.level_values[std::size_t(j)]) : 0u;
    }
    for (std::size_t r = 0; r < ny * nz; ++r) {
        std::uint32_t* row = b.data() + r * nx;
        std::uint32_t prev = 0;
        for (std::size_t x = 0; x < nx; ++x) {
            const std::uint32_t cur = row[x];
            row[x] = prev + cur + (x + 1 < nx ? row[x + 1] : 0u);
            prev = cur;
        }
    }
    std::vector<std::uint32_t> prev(nx), cur(nx);
    for (std::size_t z = 0; z < nz; ++z) {
        std::fill(prev.begin(), prev.end(), 0u);
        for (std::size_t y = 0; y < ny; ++y) {
            std::uint32_t* row = b.data() + nx * (y + ny * z);
            const std::uint32_t* next = y + 1 < ny ? row + nx : nullptr;
            std::copy(row, row + nx, cur.begin());
            for (std::size_t x = 0; x < nx; ++x) row[x] = prev[x] + cur[x] + (next ? next[x] : 0u);
            std::swap(prev, cur);
        }
    }
    return b;
}

namespace ngldm_base {
#include "ngldm_rows.inc"
}  // namespace ngldm_base

#pragma GCC push_options
#pragma GCC target("avx2")
namespace ngldm_avx2 {
#include "ngldm_rows.inc"
}  // namespace ngldm_avx2
#pragma GCC pop_options

auto ngldm_same_level_kernel() {
    return texture_use_avx2() ? &ngldm_avx2::same_level_neighbours : &ngldm_base::same_level_neighbours;
}

}  // namespace

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
    if (slice < 0 && unit_cube_fast_path(roi, neighbourhood, alpha)) {
        // The 26-neighbourhood over the whole ROI with alpha < 1 (PyRadiomics' GLDM default 0, and IBSI
        // 3D): count and sum of the neighbours' levels are integer box sums, made separably over the
        // texture box (one uint32 per voxel: the count in bits 26-31, the level sum below); a neighbour
        // is dependent exactly when it has the voxel's level (distinct integer levels, |diff| <= alpha < 1).
        // The same integers as the loop below, the same per-voxel arithmetic and order: the same bits.
        const std::vector<std::uint32_t> sums = neighbour_box_sums(roi);
        const std::int64_t nxy = roi.nx * roi.ny;
        std::int64_t st[26];
        for (std::size_t a = 0; a < 26; ++a) st[a] = steps[a];
        constexpr std::uint32_t kSumMask = (std::uint32_t(1) << 26) - 1;
        // The dependence counts of a box row's segment (first to last ROI voxel) by a vector kernel,
        // then the voxels in order, as before.
        const auto same_level_row = ngldm_same_level_kernel();
        std::vector<std::int32_t> dependence(std::size_t(roi.nx));
        for (std::size_t k = begin; k < end;) {
            const std::int64_t row = roi.voxels[k] / roi.nx, row_begin = row * roi.nx;
            std::size_t k1 = k + 1;
            while (k1 < end && roi.voxels[k1] < row_begin + roi.nx) ++k1;
            const std::int64_t x0 = roi.voxels[k] - row_begin;
            same_level_row(idx + roi.voxels[k], st, dependence.data(), std::size_t(roi.voxels[k1 - 1] - roi.voxels[k] + 1));
            for (; k < k1; ++k) {
                const std::int64_t v = roi.voxels[k];
                const std::int32_t g = idx[v];
                const std::uint32_t around = sums[std::size_t(v - nxy)] + sums[std::size_t(v)] + sums[std::size_t(v + nxy)] -
                                             ((std::uint32_t(1) << 26) + std::uint32_t(sval[g]));
                const std::int64_t count = std::int64_t(around >> 26), sum = std::int64_t(around & kSumMask);
                ++d.at(g, dependence[std::size_t(v - row_begin - x0)]);
                ++t.n_all[std::size_t(g)];
                if (count == 0) continue;
                ++t.n_with_neighbours[std::size_t(g)];
                t.s[std::size_t(g)] += std::fabs(double(sval[g]) - double(sum) / double(count));
            }
        }
        return {std::move(t), std::move(d)};
    }
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
