// Diagnostic accuracy at a threshold: sensitivity, specificity, PPV, NPV with Clopper-Pearson
// exact intervals (R's binom.test), likelihood ratios with log-method intervals (Simel et al.
// 1991), and threshold selection rules on a pROC-style ROC curve.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "radhpc/stats/roc.hpp"

namespace radhpc::stats {

struct Estimate {
    double estimate = 0, lower = 0, upper = 0;
};

// binom.test(k, n)$conf.int: [qbeta(a/2, k, n-k+1), qbeta(1-a/2, k+1, n-k)], 0/1 at the ends.
Estimate clopper_pearson(std::int64_t successes, std::int64_t trials, double level = 0.95);

enum class ThresholdRule {
    youden,                        // maximise sensitivity + specificity (pROC coords "best")
    max_sensitivity_min_specificity,  // maximise sensitivity subject to specificity >= s
    fixed,                         // use the given value
    closest_topleft,               // minimise (1 - se)^2 + (1 - sp)^2 (pROC best.method = "closest.topleft")
};

struct ThresholdChoice {
    std::vector<double> thresholds;  // all optimal thresholds (pROC returns every tie), ascending
    double sensitivity = 0, specificity = 0;  // at pROC's first row: front() for "<", back() for ">"
};

// youden: every threshold with the maximal sensitivity + specificity, as coords(roc, "best").
// max_sensitivity_min_specificity: the thresholds with specificity >= parameter and maximal
// sensitivity; among those, maximal specificity.
// fixed: the threshold `parameter`, sensitivity/specificity evaluated there.
ThresholdChoice choose_threshold(const RocCurve& curve, ThresholdRule rule, double parameter = 0.0,
                                 std::span<const double> scores = {}, std::span<const int> outcome = {});

struct DiagnosticMetrics {
    double threshold = 0;
    std::int64_t true_positive = 0, false_positive = 0, true_negative = 0, false_negative = 0;
    Estimate sensitivity, specificity, ppv, npv;  // Clopper-Pearson
    Estimate lr_positive, lr_negative;            // log method: var ln LR+ = 1/TP - 1/(TP+FN) + 1/FP - 1/(FP+TN)
};

// The metrics from the confusion counts alone (a run's classes, or a paper's 2x2 table):
// sensitivity TP/(TP+FN), specificity TN/(TN+FP), PPV TP/(TP+FP), NPV TN/(TN+FN) with
// Clopper-Pearson intervals (NaN when the denominator is 0); LR+ = se/(1-sp), LR- = (1-se)/sp
// with log-method intervals (infinite or NaN when a cell is 0: the method has no zero-cell rule).
DiagnosticMetrics diagnostic_metrics_from_counts(std::int64_t true_positive, std::int64_t false_positive,
                                                 std::int64_t true_negative, std::int64_t false_negative,
                                                 double level = 0.95);

// Positive test: score >= threshold for controls_lower ("<"), score <= threshold otherwise.
DiagnosticMetrics diagnostic_metrics(std::span<const double> scores, std::span<const int> outcome, double threshold,
                                     Direction direction = Direction::controls_lower, double level = 0.95);

}  // namespace radhpc::stats
