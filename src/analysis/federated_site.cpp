// The site's side of the federated protocol: one request in, one aggregate out (see
// include/radhpc/analysis/federated.hpp). Every step names the rows it covers, and the privacy
// rule is checked on them before anything is computed.
#include <algorithm>
#include <set>

#include "federated_internal.hpp"
#include "radhpc/analysis/federated.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/federated_combat.hpp"
#include "radhpc/stats/federated_cox.hpp"
#include "radhpc/stats/federated_glmnet.hpp"
#include "radhpc/stats/federated_summary.hpp"
#include "radhpc/stats/roc.hpp"

namespace radhpc::analysis::federated {
namespace sf = stats::federated;
namespace {

struct Refusal {
    std::string reason;
};

// The privacy rule on the rows a step covers (and, for a subset, on the rows it leaves out).
void check_coverage(const io::FederatedSection& cfg, const SiteRows& rows, const std::vector<char>& used, bool by_class,
                    bool by_events, const std::string& what) {
    const auto check_set = [&](const std::vector<char>& mask, const std::string& label) {
        // An aggregate over no row holds nothing (a leave-site-out fold's training rows at the site left out).
        if (std::count(mask.begin(), mask.end(), 1) == 0) return;
        std::set<int> patients, cases, controls;
        std::int64_t events = 0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            if (!mask[i]) continue;
            patients.insert(rows.patient[i]);
            (rows.y[i] == 1 ? cases : controls).insert(rows.patient[i]);
            if (by_events) events += rows.event[i];
        }
        const auto min = std::size_t(cfg.min_patients);
        const auto refuse = [&](const std::string& count) {
            throw Refusal{what + ": " + label + " covers " + count + " < federated.min_patients " + std::to_string(min)};
        };
        if (patients.size() < min) refuse(std::to_string(patients.size()) + " patients");
        if (by_class && cases.size() < min) refuse(std::to_string(cases.size()) + " patients with outcome 1");
        if (by_class && controls.size() < min) refuse(std::to_string(controls.size()) + " patients with outcome 0");
        if (by_events && events < std::int64_t(min)) refuse(std::to_string(events) + " events");
    };
    check_set(used, "the aggregate");
    if (std::count(used.begin(), used.end(), 1) != std::ptrdiff_t(used.size())) {
        std::vector<char> rest(used.size());
        for (std::size_t i = 0; i < used.size(); ++i) rest[i] = !used[i];
        check_set(rest, "the rows it leaves out");
    }
}

// Rows of a step: all, all but fold f (exclude_fold), or fold f only (fold).
std::vector<char> covered_rows(const io::FederatedSection& cfg, const SiteRows& rows, const json& req) {
    std::vector<char> used(rows.y.size(), 1);
    const int exclude = req.value("exclude_fold", 0), only = req.value("fold", 0);
    if (exclude == 0 && only == 0) return used;
    const auto folds = site_folds(cfg, rows, req.at("site_index").get<int>());
    for (std::size_t i = 0; i < used.size(); ++i) used[i] = exclude ? folds[i] != exclude : folds[i] == only;
    return used;
}

Eigen::MatrixXd subset_rows(const Eigen::MatrixXd& m, const std::vector<char>& used) {
    Eigen::MatrixXd out(std::count(used.begin(), used.end(), 1), m.cols());
    for (std::size_t i = 0, r = 0; i < used.size(); ++i)
        if (used[i]) out.row(Eigen::Index(r++)) = m.row(Eigen::Index(i));
    return out;
}
template <class T>
std::vector<T> subset(const std::vector<T>& v, const std::vector<char>& used) {
    std::vector<T> out;
    for (std::size_t i = 0; i < used.size(); ++i)
        if (used[i]) out.push_back(v[i]);
    return out;
}

json feature_moments(const Eigen::MatrixXd& x) {
    json out = json::array();
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const Eigen::VectorXd col = x.col(j);
        out.push_back(to_json(sf::moments(std::span<const double>(col.data(), std::size_t(col.size())))));
    }
    return out;
}

json feature_histograms(const Eigen::MatrixXd& x, const json& edges) {
    json out = json::array();
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const Eigen::VectorXd col = x.col(j);
        const auto e = edges.at(std::size_t(j)).get<std::vector<double>>();
        out.push_back(to_json(sf::histogram(std::span<const double>(col.data(), std::size_t(col.size())), e)));
    }
    return out;
}

json hello(const SiteRows& rows) {
    std::int64_t cases = 0, events = 0;
    for (double v : rows.y) cases += v == 1;
    for (int e : rows.event) events += e;
    return {{"rows", rows.y.size()},   {"patients", rows.n_patients}, {"cases", cases},
            {"features", rows.features}, {"covariates", rows.covariate_names}, {"survival", !rows.time.empty()},
            {"events", events}};
}

json combat_step(const io::FederatedSection& cfg, const SiteRows& rows, const json& req, SiteLocalOutput& local) {
    const int site = req.at("site_index").get<int>(), n_sites = req.at("n_sites").get<int>();
    const std::string step = req.at("step");
    if (step == "moments") return to_json(sf::combat_site_moments(rows.x, site, n_sites, rows.covariates));
    const sf::CombatModel model = combat_model_from_json(req.at("model"));
    if (step == "residual") return {{"residual_ss", to_json(Eigen::VectorXd(sf::combat_site_residual_ss(model, rows.x, site, rows.covariates).transpose()))}};
    if (step != "adjust") throw Error(ErrorKind::invalid_input, "unknown combat step " + step);
    const auto adjusted = sf::combat_site_adjust(model, rows.x, site, rows.covariates, combat_options(cfg));
    local.has_harmonised = true;
    local.harmonised = adjusted.data;
    json out{{"before", feature_moments(rows.x)}, {"after", feature_moments(adjusted.data)}};
    if (req.contains("edges")) {
        out["histogram_before"] = feature_histograms(rows.x, req["edges"]);
        out["histogram_after"] = feature_histograms(adjusted.data, req["edges"]);
    }
    return out;
}

json elastic_net_step(const SiteRows& rows, const json& req, const std::vector<char>& used) {
    const std::string step = req.at("step");
    const Eigen::MatrixXd x = subset_rows(rows.x, used);
    const std::vector<double> y = subset(rows.y, used);
    if (step == "moments") return to_json(sf::logistic_site_moments(x, y));
    if (step == "gram")
        return to_json(sf::logistic_site_gram(x, y, req.at("a0").get<double>(), vector_from_json(req.at("beta"))));
    if (step == "heldout") {
        return to_json(heldout_deviance(req, x, y));
    }
    throw Error(ErrorKind::invalid_input, "unknown elastic_net step " + step);
}

json cox_step(const SiteRows& rows, const json& req) {
    const std::string step = req.at("step");
    if (step == "moments") {
        return {{"n", rows.cox_x.rows()}, {"sum_x", to_json(Eigen::VectorXd(rows.cox_x.colwise().sum().transpose()))}};
    }
    if (step != "terms") throw Error(ErrorKind::invalid_input, "unknown cox step " + step);
    return to_json(stats::cox_efron_terms(rows.cox_x, rows.time, rows.event, vector_from_json(req.at("beta")),
                                       vector_from_json(req.at("center"))));
}

json validation_step(const io::FederatedSection& cfg, const SiteRows& rows, const json& req) {
    const Eigen::VectorXd beta = vector_from_json(req.at("beta"));
    const Eigen::VectorXd lp_v = (rows.x * beta).array() + req.at("a0").get<double>();
    const std::vector<double> lp(lp_v.data(), lp_v.data() + lp_v.size());
    std::vector<int> y01(rows.y.begin(), rows.y.end());
    std::vector<double> prob(lp.size());
    for (std::size_t i = 0; i < lp.size(); ++i) prob[i] = 1.0 / (1.0 + std::exp(-lp[i]));
    const auto roc = stats::delong_ci(lp, y01, cfg.level, stats::Direction::controls_lower);
    const auto diag = stats::diagnostic_metrics(prob, y01, req.at("threshold").get<double>(), stats::Direction::controls_lower, cfg.level);
    const auto cal = stats::calibration(rows.y, lp);
    const auto edges = req.at("edges").get<std::vector<double>>();
    std::vector<double> case_lp, control_lp;
    for (std::size_t i = 0; i < lp.size(); ++i) (y01[i] ? case_lp : control_lp).push_back(lp[i]);
    const auto estimate = [](const stats::Estimate& e) { return json{{"estimate", e.estimate}, {"lower", e.lower}, {"upper", e.upper}}; };
    return {{"rows", lp.size()},
            {"auc", {{"estimate", roc.auc}, {"lower", roc.lower}, {"upper", roc.upper}, {"variance", roc.variance}}},
            {"counts", {{"tp", diag.true_positive}, {"fp", diag.false_positive}, {"tn", diag.true_negative}, {"fn", diag.false_negative}}},
            {"sensitivity", estimate(diag.sensitivity)},
            {"specificity", estimate(diag.specificity)},
            {"calibration", {{"intercept", cal.intercept}, {"slope", cal.slope}, {"slope_intercept", cal.slope_intercept}}},
            {"histogram_cases", to_json(sf::histogram(case_lp, edges))},
            {"histogram_controls", to_json(sf::histogram(control_lp, edges))}};
}

json dispatch(const io::FederatedSection& cfg, const SiteRows& rows, const json& req, SiteLocalOutput& local) {
    const std::string analysis = req.at("analysis"), step = req.at("step");
    const std::string what = analysis + "." + step;
    const std::vector<char> all(rows.y.size(), 1);
    if (analysis == "hello") {
        check_coverage(cfg, rows, all, false, false, what);
        return hello(rows);
    }
    if (analysis == "summary") {
        check_coverage(cfg, rows, all, false, false, what);
        if (step == "moments") return {{"moments", feature_moments(rows.x)}};
        return {{"histograms", feature_histograms(rows.x, req.at("edges"))}};
    }
    if (analysis == "combat") {
        check_coverage(cfg, rows, all, false, false, what);
        return combat_step(cfg, rows, req, local);
    }
    if (analysis == "elastic_net") {
        const auto used = covered_rows(cfg, rows, req);
        check_coverage(cfg, rows, used, true, false, what);
        return elastic_net_step(rows, req, used);
    }
    if (analysis == "cox") {
        if (rows.time.empty()) throw Error(ErrorKind::invalid_input, "cox: this site's table has no survival columns");
        check_coverage(cfg, rows, all, false, step == "terms", what);
        return cox_step(rows, req);
    }
    if (analysis == "validation") {
        check_coverage(cfg, rows, all, true, false, what);
        return validation_step(cfg, rows, req);
    }
    throw Error(ErrorKind::invalid_input, "unknown analysis " + analysis);
}

}  // namespace

int fold_count(const io::FederatedSection& cfg) {
    return cfg.cv_scheme == "leave_site_out" ? int(cfg.sites.size()) : cfg.folds;
}

std::vector<int> site_folds(const io::FederatedSection& cfg, const SiteRows& rows, int site_index) {
    if (cfg.cv_scheme == "leave_site_out") return std::vector<int>(rows.y.size(), site_index + 1);
    return stats::stratified_group_folds(rows.y, rows.patient, cfg.folds, cfg.seed, std::uint64_t(site_index));
}

json answer(const io::FederatedSection& cfg, const SiteRows& rows, const json& request, SiteLocalOutput& local) {
    try {
        return {{"status", "ok"}, {"payload", dispatch(cfg, rows, request, local)}};
    } catch (const Refusal& r) {
        return {{"status", "refused"}, {"reason", r.reason}};
    }
}

}  // namespace radhpc::analysis::federated
