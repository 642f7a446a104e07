// Signature scores in the store (schemas/store_layout.md "Signatures"): per signature a summary
// (spec as used, status, message), per-lesion and per-patient scores and classes, and metrics
// against the outcome. Layer `store`: plain data here, HDF5 in src/store/signature_h5.cpp; the
// scoring itself is analysis/signature.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc::store {

struct SignatureLesionRow {
    std::string study_id, patient_id;
    std::int64_t lesion = 0;
    std::string category;            // categorical level used (e.g. location), empty without one
    double linear_predictor = 0, score = 0;  // NaN when not computable
    std::int64_t cls = -1;           // 1 positive, 0 negative, -1 not computable
    std::string label;               // class label (job's labels), empty when not computable
    std::int64_t outcome = -1;       // 0/1 from the outcome column, -1 unknown
    std::string message;             // why not computable
};

struct SignaturePatientRow {
    std::string patient_id;
    std::int64_t lesions = 0;        // lesions scored (aggregated)
    std::int64_t lesions_failed = 0; // lesions of the patient without a score
    double score = 0;                // by the signature's aggregation rule
    double mean = 0, median = 0, min = 0, max = 0;
    std::int64_t cls = -1;
    std::string label;
    std::int64_t outcome = -1;       // -1 unknown or conflicting across the patient's lesions
    double time = 0;                 // follow-up (signature.time), NaN unknown
    std::int64_t event = -1;         // signature.event, -1 unknown
    std::string message;
};

struct SignatureMetricRow {
    std::string level;   // lesion | patient
    std::string metric;  // auc, sensitivity, specificity, ppv, npv, lr_positive, lr_negative, threshold,
                         // n, cases, controls, true_positive, false_positive, true_negative, false_negative
    double estimate = 0, lower = 0, upper = 0;  // bounds NaN where the metric has no interval
    std::string method;  // DeLong, Clopper-Pearson exact, log method, count
};

struct SignatureResult {
    std::string name;
    std::string status;   // scored | refused (inputs missing) | no_lesions
    std::string message;  // refusal or warnings (e.g. patients with conflicting outcomes)
    std::string source;   // paper, table, what was not published
    std::string spec;     // the specification as used (YAML)
    std::string job;      // the job file it came from
    std::string table_hash;  // XXH64 over the scored feature rows' study records (stale when the store changed)
    double computed_at = 0;  // unix time
    std::string link, aggregation, rule, outcome_column, positive_label, negative_label;
    double threshold = 0, level = 0.95;
    std::vector<SignatureLesionRow> lesions;
    std::vector<SignaturePatientRow> patients;
    std::vector<SignatureMetricRow> metrics;
};

// Reconciliation: per signature name the result with the latest computed_at survives; `into`
// stays sorted by name.
void merge_signatures(std::vector<SignatureResult>& into, std::vector<SignatureResult>&& from);

}  // namespace radhpc::store
