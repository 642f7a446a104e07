// Private helpers shared by the intensity feature files (intensity_*.cpp, local_intensity.cpp,
// firstorder_pyradiomics.cpp). Not part of the public API.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include <oneapi/tbb/parallel_for.h>

namespace radhpc::features::detail {

// Deterministic sum of term(0) + ... + term(n-1): fixed blocks of kSumBlock terms are summed left to
// right, then the block partials (computed in parallel) are summed left to right. The grouping
// depends only on n, never on the number of threads; accuracy is close to numpy's pairwise sum.
inline constexpr std::size_t kSumBlock = 4096;

template <class Term>
double block_sum(std::size_t n, Term term) {
    const std::size_t blocks = (n + kSumBlock - 1) / kSumBlock;
    auto block = [&](std::size_t b) {
        double s = 0.0;
        const std::size_t end = std::min(n, (b + 1) * kSumBlock);
        for (std::size_t i = b * kSumBlock; i < end; ++i) s += term(i);
        return s;
    };
    if (blocks <= 1) return n ? block(0) : 0.0;
    std::vector<double> partial(blocks);
    // Four whole blocks at a time: their sums are independent add chains, so one core overlaps their
    // latencies; each block is still summed left to right, so the result is the same bits.
    constexpr std::size_t lanes = 4;
    auto group = [&](std::size_t gi) {
        const std::size_t b0 = gi * lanes;
        if ((b0 + lanes) * kSumBlock > n) {
            for (std::size_t b = b0; b < std::min(blocks, b0 + lanes); ++b) partial[b] = block(b);
            return;
        }
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        const std::size_t i0 = b0 * kSumBlock;
        for (std::size_t i = i0; i < i0 + kSumBlock; ++i) {
            s0 += term(i);
            s1 += term(i + kSumBlock);
            s2 += term(i + 2 * kSumBlock);
            s3 += term(i + 3 * kSumBlock);
        }
        partial[b0] = s0;
        partial[b0 + 1] = s1;
        partial[b0 + 2] = s2;
        partial[b0 + 3] = s3;
    };
    const std::size_t groups = (blocks + lanes - 1) / lanes;
    if (blocks >= 8)
        tbb::parallel_for(std::size_t(0), groups, group);
    else
        for (std::size_t gi = 0; gi < groups; ++gi) group(gi);
    double s = 0.0;
    for (double p : partial) s += p;
    return s;
}

double sum(std::span<const double> v);

struct CentralMoments {
    double mean = 0, m2 = 0, m3 = 0, m4 = 0;  // m_k = mean((x - mean)^k)
};
CentralMoments central_moments(std::span<const double> v);

// mean |x - centre|
double mean_abs_deviation(std::span<const double> v, double centre);

// Mean absolute deviation from their own mean of the values in [p10, p90] (IBSI / PyRadiomics rMAD).
double robust_mean_abs_deviation(std::span<const double> v, double p10, double p90);

// numpy.percentile(a, q) with the default 'linear' method (numpy >= 1.22, Hyndman-Fan type 7) for a
// sorted sequence of n values given by order_statistic(i), i = 0..n-1.
template <class OrderStatistic>
double percentile_linear(std::size_t n, double q_percent, OrderStatistic order_statistic) {
    // virtual index n*q + (1 - q) - 1 == (n-1)*q, written as numpy evaluates it (same floor()).
    const double q = q_percent / 100.0;
    const double virtual_index = double(n) * q + (1.0 + q * (1.0 - 1.0 - 1.0)) - 1.0;
    if (virtual_index <= 0) return order_statistic(0);
    if (virtual_index >= double(n - 1)) return order_statistic(n - 1);
    const double below = std::floor(virtual_index);
    const auto i = std::size_t(below);
    const double t = virtual_index - below;
    const double a = order_statistic(i), b = order_statistic(i + 1);
    // numpy._lerp: a + (b-a) t, or b - (b-a)(1-t) when t >= 0.5.
    const double diff = b - a;
    return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// The order statistics the intensity families need, by multi-selection (std::nth_element on the needed
// ranks in ascending order, O(N) expected) instead of a full sort. Percentiles follow numpy.percentile
// ('linear'), the median numpy.median.
struct OrderSummary {
    double minimum = 0, maximum = 0, median = 0, p10 = 0, p25 = 0, p75 = 0, p90 = 0;
};
OrderSummary order_summary(std::span<const double> values);

}  // namespace radhpc::features::detail
