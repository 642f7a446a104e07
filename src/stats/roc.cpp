#include "radhpc/stats/roc.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"

namespace radhpc::stats {
namespace {

void split_groups(std::span<const double> scores, std::span<const int> outcome, std::vector<double>& cases,
                  std::vector<double>& controls) {
    if (scores.size() != outcome.size())
        throw Error(ErrorKind::invalid_input, "roc: scores and outcome differ in length");
    cases.clear();
    controls.clear();
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (std::isnan(scores[i])) throw Error(ErrorKind::invalid_input, "roc: NaN score");
        if (outcome[i] == 1) cases.push_back(scores[i]);
        else if (outcome[i] == 0) controls.push_back(scores[i]);
        else throw Error(ErrorKind::invalid_input, "roc: outcome must be 0 or 1");
    }
    if (cases.empty() || controls.empty())
        throw Error(ErrorKind::invalid_input, "roc: need at least one case and one control");
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

std::vector<double> midranks(std::span<const double> values) {
    const std::size_t n = values.size();
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(n);
    for (std::size_t i = 0; i < n;) {
        std::size_t j = i;
        while (j + 1 < n && values[order[j + 1]] == values[order[i]]) ++j;
        const double mid = 0.5 * double(i + 1 + j + 1);  // average of ranks i+1 .. j+1
        for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = mid;
        i = j + 1;
    }
    return ranks;
}

Direction resolve_direction(std::span<const double> scores, std::span<const int> outcome, Direction d) {
    if (d != Direction::automatic) return d;
    std::vector<double> cases, controls;
    split_groups(scores, outcome, cases, controls);
    return median_of(controls) > median_of(cases) ? Direction::controls_higher : Direction::controls_lower;
}

RocCurve roc_curve(std::span<const double> scores, std::span<const int> outcome, Direction direction) {
    std::vector<double> cases, controls;
    split_groups(scores, outcome, cases, controls);
    RocCurve curve;
    curve.direction = resolve_direction(scores, outcome, direction);
    curve.n_cases = std::int64_t(cases.size());
    curve.n_controls = std::int64_t(controls.size());
    std::vector<double> unique(scores.begin(), scores.end());
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    const double inf = std::numeric_limits<double>::infinity();
    // Thresholds between consecutive distinct scores: (a+b)/2, or a/2+b/2 where the sum would
    // overflow (pROC's roc.utils.thresholds). A midpoint that rounds onto a score is moved to the
    // side that keeps the classification pROC intends.
    curve.thresholds.reserve(unique.size() + 1);
    for (std::size_t k = 0; k <= unique.size(); ++k) {
        const double lo = k == 0 ? -inf : unique[k - 1];
        const double hi = k == unique.size() ? inf : unique[k];
        double t = (lo + hi) / 2;
        if (std::fabs(t) > 1e100 || std::isnan(t)) t = lo / 2 + hi / 2;
        if (k > 0 && k < unique.size()) {
            if (curve.direction == Direction::controls_lower && t == lo) t = hi;
            if (curve.direction == Direction::controls_higher && t == hi) t = lo;
        }
        curve.thresholds.push_back(t);
    }
    // Counting with sorted groups: "<" positive when score >= t, ">" positive when score <= t.
    std::sort(cases.begin(), cases.end());
    std::sort(controls.begin(), controls.end());
    const double nc = double(cases.size()), nk = double(controls.size());
    for (double t : curve.thresholds) {
        const double cases_below = double(std::lower_bound(cases.begin(), cases.end(), t) - cases.begin());
        const double controls_below = double(std::lower_bound(controls.begin(), controls.end(), t) - controls.begin());
        if (curve.direction == Direction::controls_lower) {
            curve.sensitivities.push_back((nc - cases_below) / nc);
            curve.specificities.push_back(controls_below / nk);
        } else {
            const double cases_at_or_below = double(std::upper_bound(cases.begin(), cases.end(), t) - cases.begin());
            const double controls_at_or_below =
                double(std::upper_bound(controls.begin(), controls.end(), t) - controls.begin());
            curve.sensitivities.push_back(cases_at_or_below / nc);
            curve.specificities.push_back((nk - controls_at_or_below) / nk);
        }
    }
    return curve;
}

DelongPlacements delong_placements(std::span<const double> scores, std::span<const int> outcome,
                                   Direction direction) {
    std::vector<double> cases, controls;
    split_groups(scores, outcome, cases, controls);
    if (resolve_direction(scores, outcome, direction) == Direction::controls_higher) {
        for (auto& v : cases) v = -v;
        for (auto& v : controls) v = -v;
    }
    const std::size_t m = cases.size(), n = controls.size();
    // Sun & Xu (2014): with midranks in the pooled sample (Z), among cases (X) and among
    // controls (Y), V10_i = (Z_i - X_i)/n and V01_j = 1 - (Z_j - Y_j)/m.
    std::vector<double> pooled(cases);
    pooled.insert(pooled.end(), controls.begin(), controls.end());
    const auto rz = midranks(pooled), rx = midranks(cases), ry = midranks(controls);
    DelongPlacements out;
    out.case_placements.resize(m);
    out.control_placements.resize(n);
    double sum = 0;
    for (std::size_t i = 0; i < m; ++i) {
        out.case_placements[i] = (rz[i] - rx[i]) / double(n);
        sum += out.case_placements[i];
    }
    for (std::size_t j = 0; j < n; ++j) out.control_placements[j] = 1.0 - (rz[m + j] - ry[j]) / double(m);
    out.auc = sum / double(m);
    return out;
}

double auc(std::span<const double> scores, std::span<const int> outcome, Direction direction) {
    return delong_placements(scores, outcome, direction).auc;
}

namespace {
// S10/m + S01/n style covariance of two placement sets (same subjects).
double placement_cov(const std::vector<double>& a, double ma, const std::vector<double>& b, double mb) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += (a[i] - ma) * (b[i] - mb);
    return s / double(a.size() - 1);
}
}  // namespace

AucWithCi delong_ci(std::span<const double> scores, std::span<const int> outcome, double level,
                    Direction direction) {
    const Direction d = resolve_direction(scores, outcome, direction);
    const auto p = delong_placements(scores, outcome, d);
    const double m = double(p.case_placements.size()), n = double(p.control_placements.size());
    // var = S10/m + S01/n with S10, S01 the sample variances of the placements (DeLong 1988).
    const double s10 = placement_cov(p.case_placements, p.auc, p.case_placements, p.auc);
    const double s01 = placement_cov(p.control_placements, p.auc, p.control_placements, p.auc);
    AucWithCi r;
    r.direction = d;
    r.auc = p.auc;
    r.variance = s10 / m + s01 / n;
    const double z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    const double sd = std::sqrt(r.variance);
    r.lower = std::clamp(p.auc + normal_quantile((1.0 - level) / 2.0) * sd, 0.0, 1.0);
    r.upper = std::clamp(p.auc + z * sd, 0.0, 1.0);
    return r;
}

DelongTestResult delong_test(std::span<const double> scores1, std::span<const double> scores2,
                             std::span<const int> outcome, Direction direction1, Direction direction2) {
    const auto p1 = delong_placements(scores1, outcome, direction1);
    const auto p2 = delong_placements(scores2, outcome, direction2);
    const double m = double(p1.case_placements.size()), n = double(p1.control_placements.size());
    // var(A1 - A2) = L S L' with S = S10/m + S01/n (2x2), L = (1, -1).
    const double s10_11 = placement_cov(p1.case_placements, p1.auc, p1.case_placements, p1.auc);
    const double s10_22 = placement_cov(p2.case_placements, p2.auc, p2.case_placements, p2.auc);
    const double s10_12 = placement_cov(p1.case_placements, p1.auc, p2.case_placements, p2.auc);
    const double s01_11 = placement_cov(p1.control_placements, p1.auc, p1.control_placements, p1.auc);
    const double s01_22 = placement_cov(p2.control_placements, p2.auc, p2.control_placements, p2.auc);
    const double s01_12 = placement_cov(p1.control_placements, p1.auc, p2.control_placements, p2.auc);
    const double v11 = s10_11 / m + s01_11 / n, v22 = s10_22 / m + s01_22 / n, v12 = s10_12 / m + s01_12 / n;
    DelongTestResult r;
    r.auc1 = p1.auc;
    r.auc2 = p2.auc;
    r.z = (p1.auc - p2.auc) / std::sqrt(v11 + v22 - 2.0 * v12);
    r.p_value = 2.0 * normal_cdf(-std::fabs(r.z));
    return r;
}

DelongTestResult delong_test_unpaired(std::span<const double> scores1, std::span<const int> outcome1,
                                      std::span<const double> scores2, std::span<const int> outcome2,
                                      Direction direction1, Direction direction2) {
    const auto a = delong_ci(scores1, outcome1, 0.95, direction1);
    const auto b = delong_ci(scores2, outcome2, 0.95, direction2);
    DelongTestResult r;
    r.auc1 = a.auc;
    r.auc2 = b.auc;
    r.z = (a.auc - b.auc) / std::sqrt(a.variance + b.variance);
    const double n1 = double(scores1.size()), n2 = double(scores2.size());
    r.df = std::pow(a.variance + b.variance, 2) /
           (a.variance * a.variance / (n1 - 1.0) + b.variance * b.variance / (n2 - 1.0));
    r.p_value = 2.0 * student_t_cdf(-std::fabs(r.z), r.df);
    return r;
}

MannWhitneyResult mann_whitney(std::span<const double> x, std::span<const double> y, bool allow_exact,
                               bool continuity_correction) {
    const std::size_t nx = x.size(), ny = y.size();
    if (nx == 0 || ny == 0) throw Error(ErrorKind::invalid_input, "mann_whitney: empty sample");
    std::vector<double> pooled(x.begin(), x.end());
    pooled.insert(pooled.end(), y.begin(), y.end());
    const auto ranks = midranks(pooled);
    double rank_sum = 0;
    for (std::size_t i = 0; i < nx; ++i) rank_sum += ranks[i];
    MannWhitneyResult r;
    r.statistic = rank_sum - double(nx) * double(nx + 1) / 2.0;
    // Tie sizes for the variance correction.
    std::vector<double> sorted(pooled);
    std::sort(sorted.begin(), sorted.end());
    double tie_term = 0;
    bool ties = false;
    for (std::size_t i = 0; i < sorted.size();) {
        std::size_t j = i;
        while (j + 1 < sorted.size() && sorted[j + 1] == sorted[i]) ++j;
        const double t = double(j - i + 1);
        if (t > 1) ties = true;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    const double mn = double(nx) * double(ny);
    if (allow_exact && nx < 50 && ny < 50 && !ties) {
        r.exact = true;
        // P(W >= w) = P(W <= mn - w) by symmetry: both tails without cancellation.
        const double p = r.statistic > mn / 2 ? wilcoxon_cdf(mn - r.statistic, int(nx), int(ny))
                                               : wilcoxon_cdf(r.statistic, int(nx), int(ny));
        r.p_value = std::min(2.0 * p, 1.0);
        return r;
    }
    const double N = double(nx + ny);
    double z = r.statistic - mn / 2.0;
    const double sigma = std::sqrt((mn / 12.0) * ((N + 1.0) - tie_term / (N * (N - 1.0))));
    const double correction = continuity_correction ? (z > 0 ? 0.5 : (z < 0 ? -0.5 : 0.0)) : 0.0;
    z = (z - correction) / sigma;
    r.p_value = 2.0 * std::min(normal_cdf(z), normal_upper(z));
    return r;
}

}  // namespace radhpc::stats
