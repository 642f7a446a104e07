// The statistics on feature tables behind the command line: `radhpc stats roc|enet|icc`. Reads
// CSV tables, calls stats/, writes CSV/JSON. Option parsing stays in src/cli/main.cpp; everything
// here is callable (and tested) without it.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "radhpc/commands/table.hpp"

namespace radhpc::commands {

// --- stats roc ------------------------------------------------------------------------------------
struct RocCommand {
    std::string csv, score, outcome;
    std::string direction = "<";  // "<": higher scores in cases (pROC direction "<"); ">"; "auto" (pROC's rule)
    double level = 0.95;
    std::string out;              // empty or "-": stdout
};
// JSON object: auc, auc_ci_lower, auc_ci_upper (DeLong), auc_variance, mann_whitney_w,
// mann_whitney_p (wilcox.test(cases, controls), two-sided), direction, n_cases, n_controls, level,
// n_missing (rows without score or outcome, left out as pROC does).
void stats_roc(const RocCommand& command, std::ostream& stdout_stream);

// --- stats enet -----------------------------------------------------------------------------------
struct EnetCommand {
    std::string csv, outcome;
    double alpha = 1, lambda = 0;
    std::vector<std::string> exclude;
    // Convergence threshold of glmnet's rule. Tighter than glmnet's 1e-7 by default: the command
    // reports the converged fit (glmnet's own default leaves ~1e-5 of coordinate noise).
    double thresh = 1e-12;
    bool standardize = true;
    std::string out;
};
// CSV term,estimate: "(Intercept)" first, then every numeric column except the outcome and the
// excluded ones, on the original feature scale (glmnet(x, y, "binomial", alpha, lambda)).
void stats_enet(const EnetCommand& command, std::ostream& stdout_stream);

// --- stats icc ------------------------------------------------------------------------------------
struct IccCommand {
    std::string csv, subject, rater;
    std::vector<std::string> exclude;
    double level = 0.95;
    std::string out;
};
// Long table (one row per subject x rater). For every numeric column except subject, rater and
// the excluded ones: CSV feature,type,icc,ci_lower,ci_upper with psych's six forms
// (ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k) = psych::ICC(subjects x raters, lmer = FALSE).
// Each (subject, rater) pair must occur exactly once.
void stats_icc(const IccCommand& command, std::ostream& stdout_stream);

}  // namespace radhpc::commands
