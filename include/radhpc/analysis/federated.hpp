// The federated protocol (issue 17): sites answer aggregate-only requests from their own rows; a
// coordinator combines the answers into the pooled analysis (summaries, ComBat with the site as
// batch, elastic-net logistic regression along a path and its cross-validation, site-stratified
// Cox, validation of the fitted signature at every site with a random-effects meta-analysis).
//
// Messages are JSON objects. A request names the protocol, the round, the analysis and step and
// carries the coordinator's current state (coefficients, a ComBat model, histogram grids); a
// response carries aggregates whose size depends on the number of features, never on the number
// of patients: no ID, no row, no per-patient score leaves a site. A site refuses (status
// "refused", with the reason) any aggregate over fewer than `min_patients` patients or class
// members, and any subset request whose complement within the site is that small (so that two
// answers cannot be subtracted into a small group's aggregate).
//
// The coordinator is deterministic: the same job and the same sites' rows give the same requests
// in the same order, so a restarted coordinator replays the rounds whose responses it already
// holds and continues where it stopped (the transport, Exchange, keeps the messages).
#pragma once
#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "radhpc/io/job.hpp"

namespace radhpc::analysis::federated {

using json = nlohmann::json;
inline constexpr const char* kProtocol = "radhpc-federated/1";

// One site's rows as the site reads them; they never leave it.
struct SiteRows {
    std::vector<std::string> features;
    Eigen::MatrixXd x;                     // rows x features
    std::vector<double> y;                 // 0/1 outcome
    std::vector<int> patient;              // 0 .. n_patients-1
    std::size_t n_patients = 0;
    std::vector<double> time;              // empty without survival columns
    std::vector<int> event;
    std::vector<std::string> covariate_names;
    Eigen::MatrixXd covariates;            // rows x covariates (ComBat)
    Eigen::MatrixXd cox_x;                 // rows x cox.features
};

// What the protocol leaves at a site, for the site's own use (never sent).
struct SiteLocalOutput {
    bool has_harmonised = false;
    Eigen::MatrixXd harmonised;            // ComBat-harmonised x
};

// Fold (1..K) of each row at site `site_index`: within_sites folds are stratified by outcome and
// grouped by patient (stats::stratified_group_folds seeded by cv.seed and the site's index);
// leave_site_out gives every row the fold site_index + 1.
std::vector<int> site_folds(const io::FederatedSection& cfg, const SiteRows& rows, int site_index);
int fold_count(const io::FederatedSection& cfg);

// The site's answer to one request: {"status": "ok", "payload": ...} or {"status": "refused",
// "reason": ...}. The response header (protocol, round, site, request hash) is added by the caller.
json answer(const io::FederatedSection& cfg, const SiteRows& rows, const json& request, SiteLocalOutput& local);

// The coordinator's transport: one round sends `payload` to every site (with the site's name and
// index added) and returns the sites' response payloads in site order. A refused request throws
// Error(invalid_input) naming the site and its reason.
class Exchange {
public:
    virtual ~Exchange() = default;
    virtual std::vector<json> round(const json& payload) = 0;
};

// Runs the job's analyses through `exchange` and writes the results (CSV and results.json) into
// `results_dir`. Returns results.json's content.
json coordinate(const io::FederatedSection& cfg, Exchange& exchange, const std::string& results_dir);

// The same analyses on the union of the sites' rows with radhpc's pooled functions (exact
// quantiles, stats::combat, glmnet_binomial, cv_glmnet with the sites' folds, stratified Cox, the
// exact pooled AUC), written into `dir`; the row-level pooled table (pooled.csv, with site and
// fold columns) too, so that R can recompute everything. Returns the results in results.json's
// layout, for comparison.
json pooled(const io::FederatedSection& cfg, const std::vector<SiteRows>& sites, const std::string& dir);

// Largest differences between the coordinator's and the pooled results, per quantity: |a - b| /
// max(1, |b|), absolute for values below 1 and relative above.
json compare(const json& federated, const json& pooled);

// JSON encoding of Eigen values (column-major "data" with "rows" and "cols"; vectors as arrays).
json to_json(const Eigen::MatrixXd& m);
Eigen::MatrixXd matrix_from_json(const json& j);
json to_json(const Eigen::VectorXd& v);
Eigen::VectorXd vector_from_json(const json& j);

// Writes a file whole (folders created; a temporary renamed into place, so a reader never sees half
// of it). Throws Error(io) on failure.
void write_text(const std::string& path, const std::string& text);

}  // namespace radhpc::analysis::federated
