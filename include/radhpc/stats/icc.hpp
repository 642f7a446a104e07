// Intraclass correlation, all six Shrout & Fleiss forms with F tests and F-based confidence
// intervals, equal to psych::ICC(x, lmer = FALSE) (two-way ANOVA mean squares).
#pragma once
#include <Eigen/Dense>
#include <array>

namespace radhpc::stats {

struct IccForm {
    double icc = 0, f = 0, df1 = 0, df2 = 0, p_value = 1, lower = 0, upper = 0;
};
struct IccResult {
    // ICC1, ICC2, ICC3 (single rater), ICC1k, ICC2k, ICC3k (average of k raters), psych's order
    std::array<IccForm, 6> forms;
    double ms_subjects = 0, ms_raters = 0, ms_error = 0, ms_within = 0;
};
// ratings: subjects x raters, complete.
IccResult icc(const Eigen::MatrixXd& ratings, double alpha = 0.05);

}  // namespace radhpc::stats
