// Model validations in the store (schemas/store_layout.md "Validation"): per validation name the
// settings and the identity of the table it used, the tuning step (CV curves, folds, chosen alpha
// and lambda), the bootstrap replicates as they finish (each a unit of work, so a killed run
// resumes), and once every unit is in, the summary: coefficients with bootstrap CIs and selection
// frequency, predictions, and the metrics of metrics.json. Layer `store`: plain data here, HDF5 in
// src/store/validation_h5.cpp; the procedure itself is commands/validate.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc::store {

struct ValidationCurveRow {
    double alpha = 0, lambda = 0, cvm = 0, cvsd = 0;
    std::int64_t nzero = 0;
    std::string measure;  // auc | deviance (the measure the curve actually used)
};

// The tuning step on the whole table: the procedure's model (intercept + coefficients in term
// order) and, for a CV-tuned procedure, its curves and folds.
struct ValidationTuning {
    bool done = false;
    std::string procedure;  // repeated_cv | fixed
    double alpha = 0, lambda = 0, lambda_min = 0, lambda_1se = 0, cvm_at_lambda = 0;
    std::string lambda_rule, measure;
    std::vector<double> coefficients;  // intercept first, then terms[1..]
    std::vector<ValidationCurveRow> curves;
    std::vector<std::int64_t> folds;  // repeats x rows, row-major, fold ids 1..K
    std::int64_t repeats = 0;
    // Per table row, the mean out-of-fold linear predictor at the chosen (alpha, lambda) over the
    // CV repeats (each fold's own path, as the CV fitted it); empty for a fixed procedure.
    std::vector<double> out_of_fold;
};

// One bootstrap replicate (a pure function of the seed and its index).
struct ValidationReplicate {
    std::int64_t index = 0;
    bool failed = false;
    std::string failure;
    double auc_train = 0, auc_test = 0, auc_oob = 0, alpha = 0, lambda = 0;
    std::vector<double> coefficients;  // intercept first; empty when failed
};

struct ValidationCoefficient {
    std::string term;
    double estimate = 0, ci_lower = 0, ci_upper = 0;  // CI NaN without a bootstrap
    double selection_frequency = 0;                   // share of used replicates with a nonzero coefficient
};

struct ValidationPrediction {
    std::int64_t row = 0;  // 1-based row of the validation table
    std::string patient;
    std::int64_t outcome = 0;
    double linear_predictor = 0, probability = 0;
    double oof_linear_predictor = 0;  // mean out-of-fold linear predictor over the CV repeats (NaN: fixed procedure)
};

// A number or text of the summary, named by its place in metrics.json ("apparent.auc",
// "bootstrap.optimism_ci.lower"); the order is the file's.
struct ValidationMetric {
    std::string name;
    double value = 0;
    std::string text;  // set for text entries (then value is unused)
    bool is_text = false;
};

struct ValidationResult {
    std::string name;
    std::string status;       // running (units still missing) | complete
    std::string identity;     // XXH64 of settings + table_hash: units are reused only under the same identity
    std::string table_hash;   // XXH64 of the values used (rows, columns, outcome, patients); STALE when it differs
    std::string table_source; // store | selected | the CSV path
    std::string settings;     // the job's validate section as used (YAML)
    std::string job;          // job file
    double started_at = 0, finished_at = 0;  // unix time; started_at orders identities of one name
    std::int64_t replicates_planned = 0;
    std::vector<std::string> terms;       // "(Intercept)" then the features
    std::vector<std::string> patients;    // patient label of each table row (bootstrap samples export)
    ValidationTuning tuning;
    std::vector<ValidationReplicate> replicates;  // sorted by index
    // Summary (status complete):
    std::vector<ValidationCoefficient> coefficients;
    std::vector<ValidationPrediction> predictions;
    std::vector<ValidationMetric> metrics;

    // The metric's value; NaN when absent.
    double metric(const std::string& key) const;
};

// Reconciliation of parts: per name the newest identity (by started_at) wins; within it the
// replicates are the union by index, the tuning and the summary come from whichever part has them.
void merge_validations(std::vector<ValidationResult>& into, std::vector<ValidationResult>&& from);

}  // namespace radhpc::store
