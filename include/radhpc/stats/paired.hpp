// Paired tests of change between two timepoints (delta radiomics, issue 18): Wilcoxon signed-rank
// and paired t, with R's semantics. Pairs with a NaN on either side are dropped (complete cases).
#pragma once
#include <cstdint>
#include <span>

namespace radhpc::stats {

struct PairedTestResult {
    double statistic = 0;  // Wilcoxon: V (sum of the ranks of the positive differences x - y); t test: t
    double p_value = 1;    // two-sided
    double estimate = 0;   // t test: mean difference; Wilcoxon: not computed (conf.int = FALSE), 0
    double lower = 0, upper = 0;  // t test: confidence interval of the mean difference at `level`
    double df = 0;                // t test: n - 1
    std::int64_t n = 0;           // differences used (Wilcoxon: after dropping the zeros)
    bool exact = false;           // Wilcoxon: exact null distribution (else normal approximation)
    std::int64_t n_pairs = 0;     // complete pairs
    std::int64_t n_zero = 0;      // Wilcoxon: zero differences dropped
    bool ties = false;            // Wilcoxon: tied absolute differences
};

// R wilcox.test(x, y, paired = TRUE) with its defaults (exact = NULL, correct = TRUE, conf.int = FALSE):
// statistic V, zero differences dropped; exact (psignrank) when n < 50 with no ties and no zeros, else
// the normal approximation with continuity correction and the ties correction of the variance. With
// every difference zero, V = 0 and p is NaN (as R). Throws invalid_input on unequal lengths or no pair.
PairedTestResult wilcoxon_signed_rank(std::span<const double> x, std::span<const double> y);

// R t.test(x, y, paired = TRUE): estimate = mean difference, t, df = n - 1, two-sided p, and the
// confidence interval at `level`. Throws invalid_input on unequal lengths, fewer than 2 pairs or
// essentially constant nonzero differences (R's "data are essentially constant"); with every
// difference zero, t, p and the interval are NaN (as R).
PairedTestResult paired_t_test(std::span<const double> x, std::span<const double> y, double level = 0.95);

}  // namespace radhpc::stats
