// IBSI 1 section 3.3: intensity-based statistical features, plus the shared order-statistics and
// moment helpers used by the other intensity families (intensity_internal.hpp).
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>


#include "intensity_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/intensity.hpp"

namespace radhpc::features {
namespace detail {

namespace {

// Order statistics at the ascending `ranks` by bucket selection: values are counted into buckets
// by (v - lo) * scale, a monotone map, so bucket order is value order; each wanted rank is then
// selected among the values of its bucket only. Returns false (nothing done) when that does not
// apply: few values, a constant or non-finite range, NaN, or a -0.0 (equal to +0.0 for the
// selection, so which of the two a rank returns would depend on the algorithm).
bool bucket_select(std::span<const double> values, const std::vector<std::size_t>& ranks, std::vector<double>& at_rank) {
    const std::size_t n = values.size();
    constexpr std::size_t kMinValues = 4096;
    if (n < kMinValues) return false;
    double lo = values[0], hi = values[0];
    for (double v : values) {
        if (!(v == v) || (v == 0 && std::signbit(v))) return false;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (!(lo < hi) || !std::isfinite(hi - lo)) return false;
    const std::size_t buckets = std::max<std::size_t>(16, n / 8);
    const double scale = double(buckets) / (hi - lo);
    auto bucket_of = [&](double v) { return std::min(buckets - 1, std::size_t((v - lo) * scale)); };
    std::vector<std::uint32_t> count(buckets, 0);
    for (double v : values) ++count[bucket_of(v)];
    // bucket of each wanted rank and the rank within it
    std::vector<std::size_t> bucket_of_rank(ranks.size()), rank_in_bucket(ranks.size());
    std::vector<std::int32_t> slot(buckets, -1);  // wanted bucket -> index into `members`
    std::vector<std::vector<double>> members;
    {
        std::size_t b = 0, below = 0;
        for (std::size_t k = 0; k < ranks.size(); ++k) {
            while (below + count[b] <= ranks[k]) below += count[b++];
            bucket_of_rank[k] = b;
            rank_in_bucket[k] = ranks[k] - below;
            if (slot[b] < 0) {
                slot[b] = std::int32_t(members.size());
                members.emplace_back();
                members.back().reserve(count[b]);
            }
        }
    }
    for (double v : values) {
        const std::int32_t s = slot[bucket_of(v)];
        if (s >= 0) members[std::size_t(s)].push_back(v);
    }
    for (std::size_t k = 0; k < ranks.size(); ++k) {
        auto& m = members[std::size_t(slot[bucket_of_rank[k]])];
        const auto nth = m.begin() + std::ptrdiff_t(rank_in_bucket[k]);
        std::nth_element(m.begin(), nth, m.end());
        at_rank[k] = *nth;
    }
    return true;
}

}  // namespace

OrderSummary order_summary(std::span<const double> values) {
    const std::size_t n = values.size();
    if (n == 0) throw Error(ErrorKind::empty_roi, "order statistics of an empty set");
    // Ranks read by numpy.percentile('linear') for q, by numpy.median, and the extremes.
    std::vector<std::size_t> ranks = {0, n - 1, (n - 1) / 2, n / 2};
    for (double q : {10.0, 25.0, 75.0, 90.0})
        percentile_linear(n, q, [&](std::size_t i) { ranks.push_back(i); return 0.0; });
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());

    std::vector<double> at_rank(ranks.size());
    // Integer values over a modest range (CT in HU, also after PyRadiomics' cast back to the integer
    // pixel type): the ranks by counting, O(N + range). The value of a rank is lo + bin, the very
    // double of the input. A -0.0 would come back as +0.0, so it takes the selection path.
    double lo = values[0], hi = values[0];
    bool integral = true;
    for (double v : values) {
        if (!(v == std::trunc(v)) || (v == 0 && std::signbit(v))) {  // also false for NaN
            integral = false;
            break;
        }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    if (integral && std::isfinite(lo) && std::isfinite(hi) && hi - lo <= double(std::max<std::size_t>(n, 1u << 16))) {
        std::vector<std::size_t> count(std::size_t(hi - lo) + 1, 0);
        for (double v : values) ++count[std::size_t(v - lo)];
        std::size_t bin = 0, below = 0;  // below: values in bins < bin
        for (std::size_t k = 0; k < ranks.size(); ++k) {
            while (below + count[bin] <= ranks[k]) below += count[bin++];
            at_rank[k] = lo + double(bin);
        }
    } else if (!bucket_select(values, ranks, at_rank)) {
        // Successive selections: after nth_element at rank r everything right of r is >= work[r], so
        // the next (larger) rank is selected within the right part only.
        std::vector<double> work(values.begin(), values.end());
        auto from = work.begin();
        for (std::size_t k = 0; k < ranks.size(); ++k) {
            const auto nth = work.begin() + std::ptrdiff_t(ranks[k]);
            std::nth_element(from, nth, work.end());
            at_rank[k] = *nth;
            from = nth + 1;
        }
    }
    auto order_statistic = [&](std::size_t r) {
        return at_rank[std::size_t(std::lower_bound(ranks.begin(), ranks.end(), r) - ranks.begin())];
    };
    OrderSummary s;
    s.minimum = order_statistic(0);
    s.maximum = order_statistic(n - 1);
    // numpy.median: mean of the one or two middle order statistics.
    s.median = n % 2 ? order_statistic(n / 2) : (order_statistic(n / 2 - 1) + order_statistic(n / 2)) / 2.0;
    s.p10 = percentile_linear(n, 10, order_statistic);
    s.p25 = percentile_linear(n, 25, order_statistic);
    s.p75 = percentile_linear(n, 75, order_statistic);
    s.p90 = percentile_linear(n, 90, order_statistic);
    return s;
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

double robust_mean_abs_deviation(std::span<const double> v, double p10, double p90) {
    // X_10-90 = {x : P10 <= x <= P90}; mean |x - mean(X_10-90)| over that set (original voxel order).
    // Outside terms are +0.0 by a bit mask (no branch on the unpredictable test): the same terms, so
    // the same sums; the count is an integer (exact, as the sum of 1.0s was).
    auto inside = [&](std::size_t i) { return v[i] >= p10 && v[i] <= p90; };
    auto masked = [&](std::size_t i, double x) {
        const std::uint64_t keep = std::uint64_t(0) - std::uint64_t(inside(i));
        return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) & keep);
    };
    const auto inside_count = std::count_if(v.begin(), v.end(), [&](double x) { return x >= p10 && x <= p90; });
    const double count = double(inside_count);
    if (count == 0) return 0.0;
    const double centre = block_sum(v.size(), [&](std::size_t i) { return masked(i, v[i]); }) / count;
    return block_sum(v.size(), [&](std::size_t i) { return masked(i, std::abs(v[i] - centre)); }) / count;
}

}  // namespace detail

// ---- the features of this family, in output order; the formulas below fill their slots ----
namespace {

// IBSI 1 section 3.3, intensity-based statistics.
enum StatValue {
    stat_mean, stat_var, stat_skew, stat_kurt, stat_median, stat_min, stat_p10, stat_p90, stat_max,
    stat_iqr, stat_range, stat_mad, stat_rmad, stat_medad, stat_cov, stat_qcod, stat_energy, stat_rms,
    stat_value_count
};
constexpr IbsiFeature kStat[] = {
    {"stat_mean", "Q4LE", "I", "Mean", stat_mean},
    {"stat_var", "ECT3", "I^2", "Variance", stat_var},
    {"stat_skew", "KE2A", "", "Skewness", stat_skew},
    {"stat_kurt", "IPH6", "", "(Excess) kurtosis", stat_kurt},
    {"stat_median", "Y12H", "I", "Median", stat_median},
    {"stat_min", "1GSF", "I", "Minimum", stat_min},
    {"stat_p10", "QG58", "I", "10th percentile", stat_p10},
    {"stat_p90", "8DWT", "I", "90th percentile", stat_p90},
    {"stat_max", "84IY", "I", "Maximum", stat_max},
    {"stat_iqr", "SALO", "I", "Interquartile range", stat_iqr},
    {"stat_range", "2OJQ", "I", "Range", stat_range},
    {"stat_mad", "4FUA", "I", "Mean absolute deviation", stat_mad},
    {"stat_rmad", "1128", "I", "Robust mean absolute deviation", stat_rmad},
    {"stat_medad", "N72L", "I", "Median absolute deviation", stat_medad},
    {"stat_cov", "7TET", "", "Coefficient of variation", stat_cov},
    {"stat_qcod", "9S40", "", "Quartile coefficient of dispersion", stat_qcod},
    {"stat_energy", "N8CA", "I^2", "Energy", stat_energy},
    {"stat_rms", "5ZWQ", "I", "Root mean square", stat_rms},
};

}  // namespace

constexpr FamilyDecl kStatFamily{"stat", kNoVariant, kStat, {}};

FeatureValues intensity_statistics(std::span<const double> values) {
    if (values.empty()) throw Error(ErrorKind::empty_roi, "intensity statistics: ROI intensity mask is empty");
    using namespace detail;
    const double n = double(values.size());

    const CentralMoments m = central_moments(values);
    const OrderSummary o = order_summary(values);
    const double p10 = o.p10, p25 = o.p25, p75 = o.p75, p90 = o.p90, median = o.median;
    const double minimum = o.minimum, maximum = o.maximum;
    const double energy = block_sum(values.size(), [&](std::size_t i) { return values[i] * values[i]; });

    std::array<double, stat_value_count> v{};
    v[stat_mean] = m.mean;                       // mu = sum(X) / N
    v[stat_var] = m.m2;                          // mean((X - mu)^2)
    // Zero variance -> skewness and kurtosis 0 (IBSI). min == max catches flat ROIs whose computed mean
    // is off by rounding (e.g. 0.1 repeated), where m2 would be tiny instead of 0.
    const bool flat = m.m2 == 0 || minimum == maximum;
    v[stat_skew] = flat ? 0.0 : m.m3 / std::pow(m.m2, 1.5);  // m3 / m2^1.5
    v[stat_kurt] = flat ? 0.0 : m.m4 / (m.m2 * m.m2) - 3.0;  // m4 / m2^2 - 3
    v[stat_median] = median;
    v[stat_min] = minimum;
    v[stat_p10] = p10;
    v[stat_p90] = p90;
    v[stat_max] = maximum;
    v[stat_iqr] = p75 - p25;                     // P75 - P25
    v[stat_range] = maximum - minimum;
    v[stat_mad] = mean_abs_deviation(values, m.mean);          // mean|X - mu|
    v[stat_rmad] = robust_mean_abs_deviation(values, p10, p90);  // on P10<=X<=P90
    v[stat_medad] = mean_abs_deviation(values, median);        // mean|X - median|
    v[stat_cov] = std::sqrt(m.m2) / m.mean;      // sigma / mu
    v[stat_qcod] = (p75 - p25) / (p75 + p25);    // (P75 - P25) / (P75 + P25)
    v[stat_energy] = energy;                     // sum X^2
    v[stat_rms] = std::sqrt(energy / n);         // sqrt(sum X^2 / N)
    return emitted(kStatFamily, v);
}

}  // namespace radhpc::features
