// Private to the analysis layer: the steps of signature scoring (signature.cpp runs them in order;
// lesions in signature_lesions.cpp, patients and the patient model in signature_patients.cpp,
// metrics in signature_metrics.cpp).
#pragma once
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "radhpc/stats/signature.hpp"
#include "radhpc/store/store.hpp"
#include "study_metadata.hpp"

namespace radhpc::analysis::signature_detail {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// "1"/"1.0" -> 1, "0"/"0.0" -> 0, anything else -1 (unknown).
int binary_of(const std::string& v);

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
