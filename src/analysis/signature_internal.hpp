// Private to the analysis layer: the steps of signature scoring (signature.cpp runs them in order;
// lesions in signature_lesions.cpp, patients and the patient model in signature_patients.cpp,
// metrics in signature_metrics.cpp).
#pragma once
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "radhpc/stats/signature.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::analysis::signature_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// "1"/"1.0" -> 1, "0"/"0.0" -> 0, anything else -1 (unknown).
int binary_of(const std::string& v);

// The manifest metadata of the store's studies by study id (a sweep's records of a study share
// its metadata: the first record stands for the study).
class StudyMetadata {
public:
    explicit StudyMetadata(const store::Contents& contents);
    const store::StudyRecord* study(const std::string& study_id) const;
    // The study's first value of `key`; none for an unknown study or an empty key.
    std::optional<std::string> value(const std::string& study_id, const std::string& key) const;

private:
    std::unordered_map<std::string, const store::StudyRecord*> study_of_;
};

// The feature-table column of each of the spec's terms (by canonical key, PyRadiomics name or
// IBSI tag); `absent` gets the terms the store has no column for.
std::vector<std::size_t> term_columns(const store::Contents& contents, const stats::SignatureSpec& spec, std::vector<std::string>& absent);

// The lesion rows (perturbation "none", table order) scored into r.lesions. Returns whether any
// study has the outcome column; problems reading it go to `notes`.
bool score_lesions(const store::Contents& contents, const stats::SignatureSpec& spec, const std::vector<std::size_t>& term_column,
                   const std::vector<std::size_t>& rows, const StudyMetadata& meta, store::SignatureResult& r, std::set<std::string>& notes);

// r.patients from r.lesions: the aggregation of each patient's scored lesions, its class, outcome
// and follow-up.
void aggregate_patients(const stats::SignatureSpec& spec, const StudyMetadata& meta, store::SignatureResult& r, std::set<std::string>& notes);

// Lesion and patient metrics against the outcome into r.metrics.
void outcome_metrics(const stats::SignatureSpec& spec, bool outcome_seen, store::SignatureResult& r, std::set<std::string>& notes);

// One level's metric rows (counts, AUC, the 2x2 table at the threshold and its estimates).
void add_metrics(store::SignatureResult& r, const std::string& level, const stats::SignatureMetrics& m);

store::SignatureResult score_patient_model(const store::Contents& contents, const stats::SignatureSpec& spec,
                                          const store::SignatureResult& main, const std::string& job_path);

}  // namespace radhpc::analysis::signature_detail
