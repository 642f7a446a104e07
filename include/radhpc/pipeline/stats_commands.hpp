// The statistics on feature tables behind the command line: `radhpc stats roc|enet|icc` and
// `radhpc validate JOB.yaml`. Reads CSV tables, calls stats/, writes CSV/JSON. Option parsing
// stays in src/cli/main.cpp; everything here is callable (and tested) without it.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace radhpc::pipeline {

// A CSV table as text cells (header + rows). Quoted fields ("a,b", "" escapes), CRLF line ends
// and a UTF-8 BOM are accepted. Every row must have as many cells as the header.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::string origin;  // file name, for messages

    // Index of a column by name; throws Error(invalid_input) naming the file when absent.
    std::size_t column(const std::string& name) const;
    // A column is numeric when every cell parses completely as a number ("NA"/empty are not numbers).
    bool is_numeric(std::size_t column) const;
    // The column's values; throws Error(invalid_input) naming the column and row of a non-number.
    std::vector<double> numeric(std::size_t column) const;
};
CsvTable read_csv_table(const std::string& path);

// 0/1 outcome column (anything else is an error naming the row).
std::vector<int> binary_outcome(const CsvTable& table, const std::string& column);

// Numeric columns other than `excluded`, in table order. Columns holding any text are skipped;
// a column of numbers with missing cells (empty, NA, NaN) is an error naming it.
std::vector<std::size_t> feature_columns(const CsvTable& table, const std::vector<std::string>& excluded);

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

// --- validate -------------------------------------------------------------------------------------
// `radhpc validate JOB.yaml`: the job's "validate" object (schemas/job.schema.json) configures
// the procedure. Returns the output folder.
std::string validate_job(const std::string& job_path, std::ostream& log);

// JSON number: %.17g, non-finite values as null.
std::string json_number(double value);

}  // namespace radhpc::pipeline
