// Private to the federated protocol (federated_site.cpp, federated_coordinator.cpp,
// federated_messages.cpp, federated_pooled.cpp): the JSON form of the statistics layer's
// aggregates, shared by both sides so that what a site writes is what the coordinator reads.
#pragma once
#include <string>
#include <vector>

#include "radhpc/analysis/federated.hpp"
#include "radhpc/stats/combat.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/federated_combat.hpp"
#include "radhpc/stats/federated_cox.hpp"
#include "radhpc/stats/federated_glmnet.hpp"
#include "radhpc/stats/federated_summary.hpp"
#include "radhpc/stats/glmnet.hpp"

namespace radhpc::analysis::federated {

json to_json(const stats::federated::Moments& m);
stats::federated::Moments moments_from_json(const json& j);
json to_json(const stats::federated::Histogram& h);
stats::federated::Histogram histogram_from_json(const json& j);
// A response's histogram on the coordinator's grid (the counts must fit it).
stats::federated::Histogram histogram_on(const json& j, const std::vector<double>& edges);
json to_json(const stats::federated::CombatSiteMoments& m);
stats::federated::CombatSiteMoments combat_moments_from_json(const json& j);
json to_json(const stats::federated::CombatModel& m);
stats::federated::CombatModel combat_model_from_json(const json& j);
json to_json(const stats::federated::LogisticMoments& m);
stats::federated::LogisticMoments logistic_moments_from_json(const json& j);
json to_json(const stats::federated::LogisticGram& g);
stats::federated::LogisticGram logistic_gram_from_json(const json& j);
json to_json(const stats::federated::HeldOutDeviance& d);
stats::federated::HeldOutDeviance heldout_from_json(const json& j);
json to_json(const stats::CoxTerms& t);
stats::CoxTerms cox_terms_from_json(const json& j);

stats::CombatOptions combat_options(const io::FederatedSection& cfg);
stats::GlmnetOptions glmnet_options(const io::FederatedSection& cfg);

// The site's held-out deviance of a fold's path (request: a0 per lambda, beta p x lambda).
stats::federated::HeldOutDeviance heldout_deviance(const json& request, const Eigen::MatrixXd& x, const std::vector<double>& y);
// The request fields of that step, from a fold's path at the full-data lambdas.
json heldout_request(const stats::GlmnetPath& fold_path, const std::vector<double>& lambdas);

// Summary grid: `bins` equal bins over mean +- 4 sd of the pooled moments (one bin around the mean
// when the sd is 0), one edge list per feature.
std::vector<std::vector<double>> summary_edges(const std::vector<stats::federated::Moments>& pooled, int bins);
// The validation grid of the linear predictor: [-8, 8] in steps of `step`.
std::vector<double> score_edges(double step);
inline const std::vector<double> kQuantiles{0.05, 0.25, 0.5, 0.75, 0.95};

// Result tables shared by the coordinator and the pooled run (same layout, so compare() can
// match them): the elastic-net path and a CV curve as JSON.
json path_json(const stats::GlmnetPath& path);
json cv_json(const stats::CvCurve& cv);
json cox_json(const stats::CoxResult& fit);
// Meta-analysis + pooled counts of the per-site validation answers (site order).
json validation_summary(const io::FederatedSection& cfg, const std::vector<json>& sites, double exact_pooled_auc);
// A CSV of the results.json blocks (path, cv curve, site validation, summary).
void write_result_tables(const json& results, const std::vector<std::string>& features, const std::string& dir);

}  // namespace radhpc::analysis::federated
