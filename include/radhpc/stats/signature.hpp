// Published linear radiomics signatures applied to lesions: the specification (terms,
// coefficients, intercept, standardisation, categorical lesion terms, link, patient aggregation,
// threshold rule) and its arithmetic. No files here: io/signature_io reads the job's `signature`
// section into a SignatureSpec, analysis/signature applies it to a store.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "radhpc/stats/diagnostic.hpp"

namespace radhpc::stats {

enum class SignatureLink { logistic, linear };
enum class ScoreAggregation { mean, median, min, max };
enum class FeatureTransform { none, log };
// class positive when score (op) threshold
enum class ClassRule { greater, greater_equal, less, less_equal };

struct SignatureTerm {
    std::string feature;  // canonical store column, or PyRadiomics name (original_<class>_<Feature>)
    std::optional<double> coefficient;
    // Standardisation z = (t(x) - mean) / sd with t = identity or natural log; without mean and sd
    // the term enters as t(x).
    std::optional<double> mean, sd;
    FeatureTransform transform = FeatureTransform::none;
};

// A categorical lesion variable (Ligero 2021: lesion location, reference "node"): coefficient per
// non-reference level, the level of each lesion read from a metadata column.
struct CategoricalTerm {
    std::string column;     // metadata column: one level per study, or per lesion (see analysis/signature)
    std::string reference;  // level with coefficient 0
    std::vector<std::pair<std::string, double>> levels;  // non-reference level -> coefficient
    std::vector<std::pair<std::string, std::string>> map;  // alias -> level (e.g. lung -> other)
};

// A patient-level model on top of the signature (Ligero 2021's radiomics-clinical model):
// lp = intercept + b_s * (patient signature score) + sum b_k * (patient's manifest column k).
struct PatientModelTerm {
    std::string term;  // "signature_score" or a manifest column (numeric, shared by the patient's studies)
    std::optional<double> coefficient;
};
struct PatientModel {
    std::string name;  // stored as "<signature name>/<name>"
    std::vector<PatientModelTerm> terms;
    std::optional<double> intercept;
    SignatureLink link = SignatureLink::logistic;
    double threshold = 0.5;
    ClassRule rule = ClassRule::greater_equal;
    std::string positive_label = "positive", negative_label = "negative";
};
inline constexpr const char* kSignatureScoreTerm = "signature_score";

struct SignatureSpec {
    std::string name, source;  // source: paper, table, and what was not published
    std::vector<SignatureTerm> terms;
    std::optional<CategoricalTerm> category;
    std::optional<double> intercept;
    bool standardisation_required = false;  // the model was fitted on standardised features
    SignatureLink link = SignatureLink::logistic;
    ScoreAggregation aggregation = ScoreAggregation::mean;
    double threshold = 0.5;
    ClassRule rule = ClassRule::greater_equal;
    std::string positive_label = "positive", negative_label = "negative";
    std::string outcome_column;             // metadata column with 0/1 outcome; empty: no metrics
    std::string time_column, event_column;  // optional follow-up (copied per patient, for survival plots)
    double level = 0.95;
    std::optional<PatientModel> patient_model;
    std::string fit_hint;  // how to obtain missing numbers (printed with the refusal)
    std::string origin;    // the job file, for messages
};

// What must still be supplied before the spec can score (job keys, e.g. "signature.intercept");
// empty when it is complete.
std::vector<std::string> missing_inputs(const SignatureSpec& spec);
// One message naming every missing key and the hint; empty when complete.
std::string refusal_message(const SignatureSpec& spec);

// The same for the patient model (keys "signature.patient_model.intercept", ...).
std::vector<std::string> missing_patient_model_inputs(const SignatureSpec& spec);
std::string patient_model_refusal_message(const SignatureSpec& spec);

struct LesionScore {
    double linear_predictor = 0, score = 0;
    bool ok = false;
    std::string message;  // why not computable (missing feature value, log of a non-positive value, unknown level)
};

// One lesion: `feature_values` in the order of spec.terms (NaN = absent), `level` the lesion's
// category level (ignored without a categorical term). lp = b0 + sum b_j z_j + b_level.
LesionScore score_lesion(const SignatureSpec& spec, std::span<const double> feature_values, const std::string& level);

double apply_link(SignatureLink link, double linear_predictor);

struct AggregateScores {
    double mean = 0, median = 0, min = 0, max = 0;
    double of(ScoreAggregation a) const;
};
// Over the values in the given order (sum in that order: deterministic).
AggregateScores aggregate_scores(std::span<const double> values);

// 1 positive, 0 negative by the spec's rule and threshold.
int classify(const SignatureSpec& spec, double score);
int classify(ClassRule rule, double threshold, double score);

// Metrics of classes against outcomes: AUC with DeLong CI of the scores (direction from the
// class rule: higher scores positive for > and >=), and at the threshold the confusion counts
// -> diagnostic_metrics_from_counts.
struct SignatureMetrics {
    std::int64_t n = 0, cases = 0, controls = 0;
    AucWithCi auc;
    bool auc_defined = false;  // both classes of outcome present
    DiagnosticMetrics at_threshold;
};
SignatureMetrics signature_metrics(const SignatureSpec& spec, std::span<const double> scores, std::span<const int> classes,
                                   std::span<const int> outcome);
SignatureMetrics signature_metrics(ClassRule rule, double threshold, double level, std::span<const double> scores,
                                   std::span<const int> classes, std::span<const int> outcome);

const char* to_string(ScoreAggregation a);
const char* to_string(SignatureLink l);
const char* to_string(ClassRule r);
const char* to_string(FeatureTransform t);

}  // namespace radhpc::stats
