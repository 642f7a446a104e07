// The JSON form of the federated aggregates (both sides use these, so what a site writes is what
// the coordinator reads), the result blocks shared with the pooled run, and the result tables.
// Doubles are written by nlohmann::json in their shortest round-trip form: a value read back is
// the value sent, bit for bit.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>

#include "federated_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/stats/diagnostic.hpp"

namespace radhpc::analysis::federated {
namespace sf = stats::federated;

json to_json(const Eigen::MatrixXd& m) {
    return {{"rows", m.rows()}, {"cols", m.cols()}, {"data", std::vector<double>(m.data(), m.data() + m.size())}};
}
Eigen::MatrixXd matrix_from_json(const json& j) {
    const auto rows = j.at("rows").get<Eigen::Index>(), cols = j.at("cols").get<Eigen::Index>();
    const auto data = j.at("data").get<std::vector<double>>();
    if (std::size_t(rows * cols) != data.size()) throw Error(ErrorKind::invalid_input, "federated message: matrix size mismatch");
    return Eigen::Map<const Eigen::MatrixXd>(data.data(), rows, cols);
}
json to_json(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }
Eigen::VectorXd vector_from_json(const json& j) {
    const auto data = j.get<std::vector<double>>();
    return Eigen::Map<const Eigen::VectorXd>(data.data(), Eigen::Index(data.size()));
}
namespace {
json row_json(const Eigen::RowVectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }
Eigen::RowVectorXd row_from_json(const json& j) { return vector_from_json(j).transpose(); }
}  // namespace

// min and max are row values: they never leave a site.
json to_json(const sf::Moments& m) { return {{"n", m.n}, {"missing", m.missing}, {"mean", m.mean}, {"m2", m.m2}}; }
sf::Moments moments_from_json(const json& j) {
    sf::Moments m;
    m.n = j.at("n");
    m.missing = j.at("missing");
    m.mean = j.at("mean");
    m.m2 = j.at("m2");
    return m;
}
json to_json(const sf::Histogram& h) {
    return {{"counts", h.counts}, {"below", h.below}, {"above", h.above}, {"missing", h.missing}};
}
sf::Histogram histogram_from_json(const json& j) {
    sf::Histogram h;
    h.counts = j.at("counts").get<std::vector<std::int64_t>>();
    h.below = j.at("below");
    h.above = j.at("above");
    h.missing = j.at("missing");
    return h;
}
sf::Histogram histogram_on(const json& j, const std::vector<double>& edges) {
    sf::Histogram h = histogram_from_json(j);
    if (h.counts.size() + 1 != edges.size())
        throw Error(ErrorKind::invalid_input, "federated message: a histogram of " + std::to_string(h.counts.size()) + " bins on a grid of " +
                                                  std::to_string(edges.size() - 1));
    h.edges = edges;
    return h;
}
json to_json(const sf::CombatSiteMoments& m) {
    return {{"n", m.n}, {"xtx", to_json(m.xtx)}, {"xty", to_json(m.xty)}, {"constant", m.constant}, {"covariate_all_ones", m.covariate_all_ones}};
}
sf::CombatSiteMoments combat_moments_from_json(const json& j) {
    sf::CombatSiteMoments m;
    m.n = j.at("n");
    m.xtx = matrix_from_json(j.at("xtx"));
    m.xty = matrix_from_json(j.at("xty"));
    m.constant = j.at("constant").get<std::vector<std::uint8_t>>();
    m.covariate_all_ones = j.at("covariate_all_ones").get<std::vector<std::uint8_t>>();
    return m;
}
json to_json(const sf::CombatModel& m) {
    return {{"n_sites", m.n_sites},
            {"site_sizes", m.site_sizes},
            {"reference_site", m.reference_site},
            {"mean_only", m.mean_only},
            {"adjusted", m.adjusted},
            {"covariate_kept", m.covariate_kept},
            {"site_coefficients", to_json(m.site_coefficients)},
            {"covariate_coefficients", to_json(m.covariate_coefficients)},
            {"grand_mean", row_json(m.grand_mean)},
            {"var_pooled", row_json(m.var_pooled)}};
}
sf::CombatModel combat_model_from_json(const json& j) {
    sf::CombatModel m;
    m.n_sites = j.at("n_sites");
    m.site_sizes = j.at("site_sizes").get<std::vector<std::int64_t>>();
    m.reference_site = j.at("reference_site");
    m.mean_only = j.at("mean_only");
    m.adjusted = j.at("adjusted").get<std::vector<std::uint8_t>>();
    m.covariate_kept = j.at("covariate_kept").get<std::vector<std::uint8_t>>();
    m.site_coefficients = matrix_from_json(j.at("site_coefficients"));
    m.covariate_coefficients = matrix_from_json(j.at("covariate_coefficients"));
    m.grand_mean = row_from_json(j.at("grand_mean"));
    m.var_pooled = row_from_json(j.at("var_pooled"));
    return m;
}
json to_json(const sf::LogisticMoments& m) {
    return {{"n", m.n},           {"sum_y", m.sum_y},           {"sum_x", to_json(m.sum_x)},
            {"sum_x2", to_json(m.sum_x2)}, {"sum_xy", to_json(m.sum_xy)}, {"sum_xxt", to_json(m.sum_xxt)}};
}
sf::LogisticMoments logistic_moments_from_json(const json& j) {
    sf::LogisticMoments m;
    m.n = j.at("n");
    m.sum_y = j.at("sum_y");
    m.sum_x = vector_from_json(j.at("sum_x"));
    m.sum_x2 = vector_from_json(j.at("sum_x2"));
    m.sum_xy = vector_from_json(j.at("sum_xy"));
    m.sum_xxt = matrix_from_json(j.at("sum_xxt"));
    return m;
}
json to_json(const sf::LogisticGram& g) {
    return {{"n", g.n},
            {"sum_w", g.sum_w},
            {"sum_wz", g.sum_wz},
            {"sum_r", g.sum_r},
            {"deviance", g.deviance},
            {"sum_wx", to_json(g.sum_wx)},
            {"sum_wzx", to_json(g.sum_wzx)},
            {"sum_rx", to_json(g.sum_rx)},
            {"sum_wxx", to_json(g.sum_wxx)}};
}
sf::LogisticGram logistic_gram_from_json(const json& j) {
    sf::LogisticGram g;
    g.n = j.at("n");
    g.sum_r = j.at("sum_r");
    g.sum_rx = vector_from_json(j.at("sum_rx"));
    g.sum_w = j.at("sum_w");
    g.sum_wz = j.at("sum_wz");
    g.deviance = j.at("deviance");
    g.sum_wx = vector_from_json(j.at("sum_wx"));
    g.sum_wzx = vector_from_json(j.at("sum_wzx"));
    g.sum_wxx = matrix_from_json(j.at("sum_wxx"));
    return g;
}
json to_json(const sf::HeldOutDeviance& d) { return {{"sum_deviance", d.sum_deviance}, {"n", d.n}}; }
sf::HeldOutDeviance heldout_from_json(const json& j) {
    sf::HeldOutDeviance d;
    d.sum_deviance = j.at("sum_deviance").get<std::vector<double>>();
    d.n = j.at("n");
    return d;
}
json to_json(const stats::CoxTerms& t) {
    return {{"loglik", t.loglik}, {"score", to_json(t.score)}, {"information", to_json(t.information)}, {"n", t.n}, {"events", t.events}};
}
stats::CoxTerms cox_terms_from_json(const json& j) {
    stats::CoxTerms t;
    t.loglik = j.at("loglik");
    t.score = vector_from_json(j.at("score"));
    t.information = matrix_from_json(j.at("information"));
    t.n = j.at("n");
    t.events = j.at("events");
    return t;
}

json heldout_request(const stats::GlmnetPath& fold_path, const std::vector<double>& lambdas) {
    const auto pc = sf::path_coefficients_at(fold_path, lambdas);
    return {{"lambda", pc.lambda}, {"a0", pc.intercept}, {"beta_path", to_json(pc.beta)}};
}
sf::HeldOutDeviance heldout_deviance(const json& request, const Eigen::MatrixXd& x, const std::vector<double>& y) {
    sf::PathCoefficients pc;
    pc.lambda = request.at("lambda").get<std::vector<double>>();
    pc.intercept = request.at("a0").get<std::vector<double>>();
    pc.beta = matrix_from_json(request.at("beta_path"));
    return sf::logistic_heldout_deviance(pc, x, y);
}

stats::CombatOptions combat_options(const io::FederatedSection& cfg) {
    stats::CombatOptions o;
    o.parametric = cfg.combat_parametric;
    o.mean_only = cfg.combat_mean_only;
    return o;
}
stats::GlmnetOptions glmnet_options(const io::FederatedSection& cfg) {
    stats::GlmnetOptions o;
    o.alpha = cfg.alpha;
    o.nlambda = cfg.nlambda;
    o.lambda_min_ratio = cfg.lambda_min_ratio;
    o.thresh = cfg.thresh;
    return o;
}

std::vector<std::vector<double>> summary_edges(const std::vector<sf::Moments>& pooled, int bins) {
    std::vector<std::vector<double>> edges;
    for (const auto& m : pooled) {
        double sd = std::sqrt(m.variance());
        if (!std::isfinite(sd) || sd <= 0) sd = std::max(1.0, std::abs(m.mean)) * 1e-6;
        std::vector<double> e(std::size_t(bins) + 1);
        for (int i = 0; i <= bins; ++i) e[std::size_t(i)] = m.mean - 4 * sd + 8 * sd * i / bins;
        edges.push_back(e);
    }
    return edges;
}

std::vector<double> score_edges(double step) {
    std::vector<double> e;
    const int n = int(std::lround(16.0 / step));
    for (int i = 0; i <= n; ++i) e.push_back(-8.0 + 16.0 * i / n);
    return e;
}

json path_json(const stats::GlmnetPath& path) {
    return {{"lambda", path.lambda}, {"a0", path.intercept}, {"beta", to_json(path.beta)}, {"df", path.df},
            {"dev_ratio", path.dev_ratio}, {"null_deviance", path.null_deviance}};
}
json cv_json(const stats::CvCurve& cv) {
    return {{"lambda", cv.lambda}, {"cvm", cv.cvm}, {"cvsd", cv.cvsd}, {"lambda_min", cv.lambda_min}, {"lambda_1se", cv.lambda_1se}};
}
json cox_json(const stats::CoxResult& fit) {
    return {{"coef", to_json(fit.coef)}, {"se", to_json(fit.se)}, {"loglik", fit.loglik}, {"loglik_null", fit.loglik_null},
            {"wald_chisq", fit.wald_chisq}, {"lr_chisq", fit.lr_chisq}, {"score_chisq", fit.score_chisq}};
}

json validation_summary(const io::FederatedSection& cfg, const std::vector<json>& sites, double exact_pooled_auc) {
    std::vector<double> yi, vi;
    std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    sf::Histogram cases, controls;
    for (std::size_t s = 0; s < sites.size(); ++s) {
        const auto& a = sites[s];
        yi.push_back(a.at("auc").at("estimate"));
        vi.push_back(a.at("auc").at("variance"));
        const auto& c = a.at("counts");
        tp += c.at("tp").get<std::int64_t>();
        fp += c.at("fp").get<std::int64_t>();
        tn += c.at("tn").get<std::int64_t>();
        fn += c.at("fn").get<std::int64_t>();
        const auto edges = score_edges(cfg.score_step);
        const auto hc = histogram_on(a.at("histogram_cases"), edges), hn = histogram_on(a.at("histogram_controls"), edges);
        if (s == 0) cases = hc, controls = hn;
        else cases += hc, controls += hn;
    }
    const auto meta = sf::meta_dersimonian_laird(yi, vi, cfg.level);
    const auto hist_auc = sf::auc_from_histograms(cases, controls);
    const auto diag = stats::diagnostic_metrics_from_counts(tp, fp, tn, fn, cfg.level);
    const auto est = [](const stats::Estimate& e) { return json{{"estimate", e.estimate}, {"lower", e.lower}, {"upper", e.upper}}; };
    json out{{"sites", sites},
             {"meta", {{"estimate", meta.estimate}, {"se", meta.se}, {"lower", meta.lower}, {"upper", meta.upper}, {"tau2", meta.tau2},
                       {"q", meta.q}, {"q_p_value", meta.q_p_value}, {"i2", meta.i2}, {"weights", meta.weights}}},
             {"pooled", {{"auc_histogram", hist_auc.auc}, {"auc_max_error", hist_auc.max_error},
                         {"sensitivity", est(diag.sensitivity)}, {"specificity", est(diag.specificity)}}}};
    if (std::isfinite(exact_pooled_auc)) out["pooled"]["auc_exact"] = exact_pooled_auc;
    return out;
}

void write_text(const std::string& path, const std::string& text) {
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out) throw Error(ErrorKind::io, path + ": cannot write");
    }
    std::filesystem::rename(tmp, path);  // a reader never sees half a file
}

}  // namespace radhpc::analysis::federated
