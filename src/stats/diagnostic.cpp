#include "radhpc/stats/diagnostic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"

namespace radhpc::stats {

Estimate clopper_pearson(std::int64_t k, std::int64_t n, double level) {
    if (n <= 0 || k < 0 || k > n) throw Error(ErrorKind::invalid_input, "clopper_pearson: need 0 <= k <= n, n > 0");
    const double alpha = 1.0 - level;
    Estimate e;
    e.estimate = double(k) / double(n);
    e.lower = k == 0 ? 0.0 : beta_quantile(alpha / 2.0, double(k), double(n - k + 1));
    e.upper = k == n ? 1.0 : beta_quantile(1.0 - alpha / 2.0, double(k + 1), double(n - k));
    return e;
}

ThresholdChoice choose_threshold(const RocCurve& curve, ThresholdRule rule, double parameter,
                                 std::span<const double> scores, std::span<const int> outcome) {
    ThresholdChoice c;
    const std::size_t n = curve.thresholds.size();
    if (rule == ThresholdRule::fixed) {
        if (scores.empty()) throw Error(ErrorKind::invalid_input, "choose_threshold(fixed): scores needed");
        const auto m = diagnostic_metrics(scores, outcome, parameter, curve.direction);
        c.thresholds = {parameter};
        c.sensitivity = m.sensitivity.estimate;
        c.specificity = m.specificity.estimate;
        return c;
    }
    if (rule == ThresholdRule::youden || rule == ThresholdRule::closest_topleft) {
        // pROC: optim.crit = se + r*sp (youden) or -((1 - se)^2 + r (1 - sp)^2) (closest.topleft),
        // r = (1 - 0.5)/(1 * 0.5) = 1 with the default best.weights; exact ties all kept.
        auto crit = [&](std::size_t i) {
            const double se = curve.sensitivities[i], sp = curve.specificities[i];
            return rule == ThresholdRule::youden ? se + sp : -((1.0 - se) * (1.0 - se) + (1.0 - sp) * (1.0 - sp));
        };
        double best = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < n; ++i) best = std::max(best, crit(i));
        for (std::size_t i = 0; i < n; ++i)
            if (crit(i) == best) {
                // report the coordinates of the first optimal row in pROC's order: lowest threshold
                // for "<", highest for ">"
                if (c.thresholds.empty() || curve.direction == Direction::controls_higher) {
                    c.sensitivity = curve.sensitivities[i];
                    c.specificity = curve.specificities[i];
                }
                c.thresholds.push_back(curve.thresholds[i]);
            }
        return c;
    }
    double best_sens = -1, best_spec = -1;
    for (std::size_t i = 0; i < n; ++i) {
        if (curve.specificities[i] < parameter) continue;
        if (curve.sensitivities[i] > best_sens ||
            (curve.sensitivities[i] == best_sens && curve.specificities[i] > best_spec)) {
            best_sens = curve.sensitivities[i];
            best_spec = curve.specificities[i];
        }
    }
    for (std::size_t i = 0; i < n; ++i)
        if (curve.specificities[i] >= parameter && curve.sensitivities[i] == best_sens &&
            curve.specificities[i] == best_spec)
            c.thresholds.push_back(curve.thresholds[i]);
    c.sensitivity = best_sens;
    c.specificity = best_spec;
    return c;
}

namespace {
Estimate likelihood_ratio(double ratio, double log_variance, double level) {
    Estimate e;
    e.estimate = ratio;
    const double z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    const double se = std::sqrt(log_variance);
    e.lower = std::exp(std::log(ratio) - z * se);
    e.upper = std::exp(std::log(ratio) + z * se);
    return e;
}
}  // namespace

DiagnosticMetrics diagnostic_metrics(std::span<const double> scores, std::span<const int> outcome, double threshold,
                                     Direction direction, double level) {
    if (scores.size() != outcome.size()) throw Error(ErrorKind::invalid_input, "diagnostic_metrics: length mismatch");
    direction = resolve_direction(scores, outcome, direction);
    DiagnosticMetrics m;
    m.threshold = threshold;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        const bool positive = direction == Direction::controls_lower ? scores[i] >= threshold : scores[i] <= threshold;
        if (outcome[i] == 1) (positive ? m.true_positive : m.false_negative)++;
        else if (outcome[i] == 0) (positive ? m.false_positive : m.true_negative)++;
        else throw Error(ErrorKind::invalid_input, "diagnostic_metrics: outcome must be 0 or 1");
    }
    const double threshold_used = m.threshold;
    m = diagnostic_metrics_from_counts(m.true_positive, m.false_positive, m.true_negative, m.false_negative, level);
    m.threshold = threshold_used;
    return m;
}

DiagnosticMetrics diagnostic_metrics_from_counts(std::int64_t tp, std::int64_t fp, std::int64_t tn, std::int64_t fn, double level) {
    if (tp < 0 || fp < 0 || tn < 0 || fn < 0) throw Error(ErrorKind::invalid_input, "diagnostic metrics: negative count");
    DiagnosticMetrics m;
    m.threshold = std::numeric_limits<double>::quiet_NaN();
    m.true_positive = tp;
    m.false_positive = fp;
    m.true_negative = tn;
    m.false_negative = fn;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    auto proportion = [&](std::int64_t k, std::int64_t n) {
        return n > 0 ? clopper_pearson(k, n, level) : Estimate{nan, nan, nan};
    };
    m.sensitivity = proportion(tp, tp + fn);
    m.specificity = proportion(tn, tn + fp);
    m.ppv = proportion(tp, tp + fp);
    m.npv = proportion(tn, tn + fn);
    const double se = m.sensitivity.estimate, sp = m.specificity.estimate;
    // LR+ = se/(1-sp), LR- = (1-se)/sp; log-scale variance from the four cell counts.
    m.lr_positive = likelihood_ratio(se / (1.0 - sp),
                                     1.0 / double(tp) - 1.0 / double(tp + fn) + 1.0 / double(fp) - 1.0 / double(fp + tn),
                                     level);
    m.lr_negative = likelihood_ratio((1.0 - se) / sp,
                                     1.0 / double(fn) - 1.0 / double(tp + fn) + 1.0 / double(tn) - 1.0 / double(fp + tn),
                                     level);
    return m;
}

}  // namespace radhpc::stats
