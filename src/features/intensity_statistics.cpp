// IBSI 1 section 3.3: intensity-based statistical features, plus the shared order-statistics and
// deterministic-summation helpers used by the other intensity families.
#include <algorithm>
#include <cmath>
#include <vector>

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_sort.h>

#include "intensity_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/features/intensity.hpp"

namespace radhpc::features {
namespace detail {

double percentile_sorted(std::span<const double> sorted, double q_percent) {
    if (sorted.empty()) throw Error(ErrorKind::empty_roi, "percentile of an empty set");
    return percentile_linear(sorted.size(), q_percent, [&](std::size_t i) { return sorted[i]; });
}

double median_sorted(std::span<const double> sorted) {
    const std::size_t n = sorted.size();
    if (n == 0) throw Error(ErrorKind::empty_roi, "median of an empty set");
    // numpy.median: mean of the one or two middle order statistics.
    if (n % 2 == 1) return sorted[n / 2];
    return (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

std::vector<double> sorted_copy(std::span<const double> values) {
    std::vector<double> out(values.begin(), values.end());
    // The ascending order of doubles is unique (NaN is rejected by the pipeline's quality checks),
    // so a parallel sort gives the same array for any thread count.
    if (out.size() > 65536)
        tbb::parallel_sort(out.begin(), out.end());
    else
        std::sort(out.begin(), out.end());
    return out;
}

double sum(std::span<const double> v) {
    return block_sum(v.size(), [&](std::size_t i) { return v[i]; });
}

CentralMoments central_moments(std::span<const double> v) {
    CentralMoments m;
    const double n = double(v.size());
    m.mean = sum(v) / n;
    const double mu = m.mean;
    // mean((x - mu)^k), the biased (population) moments used by IBSI and PyRadiomics alike.
    m.m2 = block_sum(v.size(), [&](std::size_t i) { const double d = v[i] - mu; return d * d; }) / n;
    m.m3 = block_sum(v.size(), [&](std::size_t i) { const double d = v[i] - mu; return d * d * d; }) / n;
    m.m4 = block_sum(v.size(), [&](std::size_t i) { const double d = v[i] - mu; const double d2 = d * d; return d2 * d2; }) / n;
    return m;
}

double mean_abs_deviation(std::span<const double> v, double centre) {
    return block_sum(v.size(), [&](std::size_t i) { return std::abs(v[i] - centre); }) / double(v.size());
}

double robust_mean_abs_deviation_sorted(std::span<const double> sorted, double p10, double p90) {
    // {x : P10 <= x <= P90} is a contiguous run of the sorted array.
    const auto lo = std::lower_bound(sorted.begin(), sorted.end(), p10);
    const auto hi = std::upper_bound(sorted.begin(), sorted.end(), p90);
    const std::span<const double> central(lo, hi);
    if (central.empty()) return 0.0;
    const double centre = sum(central) / double(central.size());
    return mean_abs_deviation(central, centre);
}

}  // namespace detail

FeatureValues intensity_statistics(std::span<const double> values) {
    if (values.empty()) throw Error(ErrorKind::empty_roi, "intensity statistics: ROI intensity mask is empty");
    using namespace detail;
    const std::vector<double> sorted = sorted_copy(values);
    const double n = double(values.size());

    const CentralMoments m = central_moments(values);
    const double p10 = percentile_sorted(sorted, 10), p25 = percentile_sorted(sorted, 25);
    const double p75 = percentile_sorted(sorted, 75), p90 = percentile_sorted(sorted, 90);
    const double median = median_sorted(sorted);
    const double minimum = sorted.front(), maximum = sorted.back();
    const double energy = block_sum(values.size(), [&](std::size_t i) { return values[i] * values[i]; });

    FeatureValues out;
    out.reserve(18);
    out.push_back({"stat_mean", m.mean});                       // mu = sum(X) / N
    out.push_back({"stat_var", m.m2});                          // mean((X - mu)^2)
    out.push_back({"stat_skew", m.m2 == 0 ? 0.0 : m.m3 / std::pow(m.m2, 1.5)});  // m3 / m2^1.5
    out.push_back({"stat_kurt", m.m2 == 0 ? 0.0 : m.m4 / (m.m2 * m.m2) - 3.0});  // m4 / m2^2 - 3
    out.push_back({"stat_median", median});
    out.push_back({"stat_min", minimum});
    out.push_back({"stat_p10", p10});
    out.push_back({"stat_p90", p90});
    out.push_back({"stat_max", maximum});
    out.push_back({"stat_iqr", p75 - p25});                     // P75 - P25
    out.push_back({"stat_range", maximum - minimum});
    out.push_back({"stat_mad", mean_abs_deviation(values, m.mean)});          // mean|X - mu|
    out.push_back({"stat_rmad", robust_mean_abs_deviation_sorted(sorted, p10, p90)});  // on P10<=X<=P90
    out.push_back({"stat_medad", mean_abs_deviation(values, median)});        // mean|X - median|
    out.push_back({"stat_cov", std::sqrt(m.m2) / m.mean});      // sigma / mu
    out.push_back({"stat_qcod", (p75 - p25) / (p75 + p25)});    // (P75 - P25) / (P75 + P25)
    out.push_back({"stat_energy", energy});                     // sum X^2
    out.push_back({"stat_rms", std::sqrt(energy / n)});         // sqrt(sum X^2 / N)
    return out;
}

}  // namespace radhpc::features
