// ROC analysis with pROC's semantics: ROC curve at midpoint thresholds, AUC, DeLong variance and
// confidence interval (fast midrank algorithm, O(n log n)), DeLong test of two correlated AUCs,
// and the Mann-Whitney U test with wilcox.test's exact/normal rules.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

namespace radhpc::stats {

// Which group has the higher scores. pROC: "<" means controls < threshold <= cases.
enum class Direction { controls_lower, controls_higher, automatic };

// Resolves `automatic` as pROC does: "<" unless median(controls) > median(cases).
Direction resolve_direction(std::span<const double> scores, std::span<const int> outcome, Direction d);

struct RocCurve {
    std::vector<double> thresholds;     // ascending, -inf .. +inf (pROC's thresholds)
    std::vector<double> sensitivities;  // at each threshold
    std::vector<double> specificities;
    Direction direction = Direction::controls_lower;
    std::int64_t n_cases = 0, n_controls = 0;
};

// outcome: 1 = case, 0 = control (other values are rejected).
RocCurve roc_curve(std::span<const double> scores, std::span<const int> outcome,
                   Direction direction = Direction::controls_lower);

// AUC = P(case > control) + 0.5 P(tie), oriented by direction.
double auc(std::span<const double> scores, std::span<const int> outcome,
           Direction direction = Direction::controls_lower);

struct DelongPlacements {
    double auc = 0;
    std::vector<double> case_placements;     // V10_i: fraction of controls below case i (+ties/2)
    std::vector<double> control_placements;  // V01_j: fraction of cases above control j (+ties/2)
};
DelongPlacements delong_placements(std::span<const double> scores, std::span<const int> outcome,
                                   Direction direction = Direction::controls_lower);

struct AucWithCi {
    double auc = 0, variance = 0, lower = 0, upper = 0;
    Direction direction = Direction::controls_lower;
};
// pROC ci.auc(method = "delong"): auc +- z_{(1+level)/2} sqrt(var), clipped to [0, 1].
AucWithCi delong_ci(std::span<const double> scores, std::span<const int> outcome, double level = 0.95,
                    Direction direction = Direction::controls_lower);

struct DelongTestResult {
    double auc1 = 0, auc2 = 0, z = 0, p_value = 1;
    double df = 0;  // unpaired test only: Welch-Satterthwaite degrees of freedom of the t statistic
};
// pROC roc.test(roc1, roc2, method = "delong", paired = TRUE): two scores on the same subjects.
DelongTestResult delong_test(std::span<const double> scores1, std::span<const double> scores2,
                             std::span<const int> outcome,
                             Direction direction1 = Direction::controls_lower,
                             Direction direction2 = Direction::controls_lower);

// pROC roc.test(roc1, roc2, method = "delong", paired = FALSE): two independent samples,
// t = (A1 - A2) / sqrt(V1 + V2), p from Student's t with df = (V1+V2)^2 / (V1^2/(N1-1) + V2^2/(N2-1)).
DelongTestResult delong_test_unpaired(std::span<const double> scores1, std::span<const int> outcome1,
                                      std::span<const double> scores2, std::span<const int> outcome2,
                                      Direction direction1 = Direction::controls_lower,
                                      Direction direction2 = Direction::controls_lower);

struct MannWhitneyResult {
    double statistic = 0;  // W = U of the first sample (R's wilcox.test W)
    double p_value = 1;    // two-sided
    bool exact = false;
};
// R wilcox.test(x, y, exact = NULL, correct = TRUE): exact when both samples < 50 and no ties,
// else normal approximation with tie and continuity corrections.
MannWhitneyResult mann_whitney(std::span<const double> x, std::span<const double> y, bool allow_exact = true,
                               bool continuity_correction = true);

// Midranks (ties get the average rank), 1-based, as R's rank(ties.method = "average").
std::vector<double> midranks(std::span<const double> values);

}  // namespace radhpc::stats
