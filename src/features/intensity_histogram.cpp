// IBSI 1 section 3.4: intensity histogram features of the discretised grey levels X_d.
// Everything is computed from the integer histogram n_i (i = 1..Ng), which is exact and O(N + Ng);
// order statistics are read from the cumulative counts instead of sorting the voxels.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "intensity_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/intensity.hpp"

namespace radhpc::features {

// ---- the features of this family, in output order; the formulas below fill their slots ----
namespace {

// IBSI 1 section 3.4, intensity histogram (discretised grey levels).
enum IhValue {
    ih_mean, ih_var, ih_skew, ih_kurt, ih_median, ih_min, ih_p10, ih_p90, ih_max, ih_mode, ih_iqr, ih_range,
    ih_mad, ih_rmad, ih_medad, ih_cov, ih_qcod, ih_entropy, ih_uniformity, ih_max_grad, ih_max_grad_g,
    ih_min_grad, ih_min_grad_g, ih_value_count
};
constexpr IbsiFeature kIh[] = {
    {"ih_mean", "X6K6", "", "Mean", ih_mean},
    {"ih_var", "CH89", "", "Variance", ih_var},
    {"ih_skew", "88K1", "", "Skewness", ih_skew},
    {"ih_kurt", "C3I7", "", "(Excess) kurtosis", ih_kurt},
    {"ih_median", "WIFQ", "", "Median", ih_median},
    {"ih_min", "1PR8", "", "Minimum", ih_min},
    {"ih_p10", "1PR8", "", "10th percentile", ih_p10},
    {"ih_p90", "GPMT", "", "90th percentile", ih_p90},
    {"ih_max", "3NCY", "", "Maximum", ih_max},
    {"ih_mode", "AMMC", "", "Mode", ih_mode},
    {"ih_iqr", "WR0O", "", "Interquartile range", ih_iqr},
    {"ih_range", "5Z3W", "", "Range", ih_range},
    {"ih_mad", "D2ZX", "", "Mean absolute deviation", ih_mad},
    {"ih_rmad", "WRZB", "", "Robust mean absolute deviation", ih_rmad},
    {"ih_medad", "4RNL", "", "Median absolute deviation", ih_medad},
    {"ih_cov", "CWYJ", "", "Coefficient of variation", ih_cov},
    {"ih_qcod", "SLWD", "", "Quartile coefficient of dispersion", ih_qcod},
    {"ih_entropy", "TLU2", "", "Entropy", ih_entropy},
    {"ih_uniformity", "BJ5W", "", "Uniformity", ih_uniformity},
    {"ih_max_grad", "12CE", "", "Maximum histogram gradient", ih_max_grad},
    {"ih_max_grad_g", "8E6O", "", "Maximum histogram gradient intensity", ih_max_grad_g},
    {"ih_min_grad", "VQB3", "", "Minimum histogram gradient", ih_min_grad},
    {"ih_min_grad_g", "RHQZ", "", "Minimum histogram gradient intensity", ih_min_grad_g},
};

// Histogram gradient H'_i: n_2 - n_1 at i=1, (n_{i+1} - n_{i-1})/2 inside, n_Ng - n_{Ng-1} at i=Ng.
// With a single bin the gradient is 0. The first extreme (lowest grey level) wins ties.
struct GradientExtremes {
    double max_grad, min_grad;
    int max_grad_level, min_grad_level;
};
GradientExtremes gradient_extremes(const std::vector<std::int64_t>& count, int ng) {
    auto gradient = [&](int i) -> double {
        if (ng == 1) return 0.0;
        if (i == 1) return double(count[2] - count[1]);
        if (i == ng) return double(count[ng] - count[ng - 1]);
        return double(count[i + 1] - count[i - 1]) / 2.0;
    };
    int max_grad_level = 1, min_grad_level = 1;
    double max_grad = gradient(1), min_grad = max_grad;
    for (int i = 2; i <= ng; ++i) {
        const double g = gradient(i);
        if (g > max_grad) { max_grad = g; max_grad_level = i; }
        if (g < min_grad) { min_grad = g; min_grad_level = i; }
    }
    return {max_grad, min_grad, max_grad_level, min_grad_level};
}

}  // namespace

constexpr FamilyDecl kIhFamily{"ih", kNoVariant, kIh, {}};

FeatureValues intensity_histogram(std::span<const std::int32_t> levels, int n_levels) {
    if (levels.empty()) throw Error(ErrorKind::empty_roi, "intensity histogram: ROI intensity mask is empty");
    const auto [lo_it, hi_it] = std::minmax_element(levels.begin(), levels.end());
    if (*lo_it < 1)
        throw Error(ErrorKind::invalid_input,
                    "intensity histogram: grey level " + std::to_string(*lo_it) + " < 1 (discretisation bounds?)");
    const int level_min = *lo_it, level_max = *hi_it;
    // Non-sparse histogram over 1..Ng; Ng is the discretised range, which may exceed the levels present.
    const int ng = std::max(n_levels, level_max);
    std::vector<std::int64_t> count(std::size_t(ng) + 1, 0);  // count[i], i = 1..ng
    for (std::int32_t g : levels) ++count[std::size_t(g)];

    const auto n_int = std::int64_t(levels.size());
    const double n = double(n_int);
    std::int64_t level_sum = 0;
    for (int i = 1; i <= ng; ++i) level_sum += std::int64_t(i) * count[i];
    const double mean = double(level_sum) / n;  // mu = sum_i i n_i / N

    // Population central moments from the histogram: m_k = sum_i n_i (i - mu)^k / N.
    double s2 = 0, s3 = 0, s4 = 0, abs_from_mean = 0;
    for (int i = 1; i <= ng; ++i) {
        if (!count[i]) continue;
        const double d = double(i) - mean, c = double(count[i]);
        s2 += c * d * d;
        s3 += c * d * d * d;
        s4 += c * d * d * d * d;
        abs_from_mean += c * std::abs(d);
    }
    const double var = s2 / n, m3 = s3 / n, m4 = s4 / n;

    // Order statistic k (0-based) of X_d: smallest i whose cumulative count exceeds k.
    std::vector<std::int64_t> cumulative(std::size_t(ng) + 1, 0);
    for (int i = 1; i <= ng; ++i) cumulative[i] = cumulative[i - 1] + count[i];
    auto order_statistic = [&](std::size_t k) {
        return double(std::upper_bound(cumulative.begin() + 1, cumulative.end(), std::int64_t(k)) -
                      cumulative.begin());
    };
    const std::size_t nv = levels.size();
    const double p10 = detail::percentile_linear(nv, 10, order_statistic);
    const double p25 = detail::percentile_linear(nv, 25, order_statistic);
    const double p75 = detail::percentile_linear(nv, 75, order_statistic);
    const double p90 = detail::percentile_linear(nv, 90, order_statistic);
    const double median = nv % 2 ? order_statistic(nv / 2)
                                 : (order_statistic(nv / 2 - 1) + order_statistic(nv / 2)) / 2.0;

    // Mode: most frequent level; ties -> closest to the mean; equidistant -> the lower level.
    int mode = level_min;
    for (int i = level_min + 1; i <= level_max; ++i) {
        if (count[i] > count[mode]) mode = i;
        else if (count[i] == count[mode] && std::abs(i - mean) < std::abs(mode - mean)) mode = i;
    }

    double abs_from_median = 0;
    for (int i = 1; i <= ng; ++i)
        if (count[i]) abs_from_median += double(count[i]) * std::abs(double(i) - median);

    // Robust MAD over X_d in [P10, P90].
    std::int64_t central_n = 0, central_sum = 0;
    for (int i = 1; i <= ng; ++i)
        if (count[i] && i >= p10 && i <= p90) {
            central_n += count[i];
            central_sum += std::int64_t(i) * count[i];
        }
    double rmad = 0;
    if (central_n) {
        const double central_mean = double(central_sum) / double(central_n);
        double s = 0;
        for (int i = 1; i <= ng; ++i)
            if (count[i] && i >= p10 && i <= p90) s += double(count[i]) * std::abs(double(i) - central_mean);
        rmad = s / double(central_n);
    }

    // Entropy -sum p log2 p over occupied bins; uniformity sum p^2.
    double entropy = 0, uniformity = 0;
    for (int i = 1; i <= ng; ++i) {
        if (!count[i]) continue;
        const double p = double(count[i]) / n;
        entropy -= p * std::log2(p);
        uniformity += p * p;
    }

    const GradientExtremes grad = gradient_extremes(count, ng);

    std::array<double, ih_value_count> v{};
    v[ih_mean] = mean;
    v[ih_var] = var;
    v[ih_skew] = var == 0 ? 0.0 : m3 / std::pow(var, 1.5);    // m3 / m2^1.5
    v[ih_kurt] = var == 0 ? 0.0 : m4 / (var * var) - 3.0;     // m4 / m2^2 - 3
    v[ih_median] = median;
    v[ih_min] = double(level_min);
    v[ih_p10] = p10;
    v[ih_p90] = p90;
    v[ih_max] = double(level_max);
    v[ih_mode] = double(mode);
    v[ih_iqr] = p75 - p25;
    v[ih_range] = double(level_max - level_min);
    v[ih_mad] = abs_from_mean / n;
    v[ih_rmad] = rmad;
    v[ih_medad] = abs_from_median / n;
    v[ih_cov] = std::sqrt(var) / mean;
    v[ih_qcod] = (p75 - p25) / (p75 + p25);
    v[ih_entropy] = entropy;
    v[ih_uniformity] = uniformity;
    v[ih_max_grad] = grad.max_grad;
    v[ih_max_grad_g] = double(grad.max_grad_level);
    v[ih_min_grad] = grad.min_grad;
    v[ih_min_grad_g] = double(grad.min_grad_level);
    return emitted(kIhFamily, v);
}

}  // namespace radhpc::features
