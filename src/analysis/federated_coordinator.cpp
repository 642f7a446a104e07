// The coordinator's side of the federated protocol: rounds of requests, the sums of the sites'
// aggregates, and the pooled estimates computed from them (see federated.hpp).
#include <algorithm>
#include <cmath>

#include "federated_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/stats/diagnostic.hpp"

namespace radhpc::analysis::federated {
namespace sf = stats::federated;
namespace {

class Coordinator {
public:
    Coordinator(const io::FederatedSection& cfg, Exchange& exchange) : cfg_(cfg), exchange_(exchange) {}

    json run() {
        hello();
        for (const auto& a : cfg_.analyses) {
            rounds_before_ = rounds_;
            phase_ = a;
            if (a == "summary") summary();
            else if (a == "combat") combat();
            else if (a == "elastic_net") elastic_net();
            else if (a == "cv") cross_validation();
            else if (a == "cox") cox();
            else if (a == "validation") validation();
            results_["rounds"][a] = rounds_ - rounds_before_;
        }
        results_["rounds"]["total"] = rounds_;
        return results_;
    }

private:
    // `phase` names the analysis a round serves (CV rounds are elastic_net steps), for the traffic counts.
    std::vector<json> round(json payload) {
        ++rounds_;
        payload["phase"] = phase_;
        return exchange_.round(payload);
    }

    // What an answer must hold: `key` a vector of `rows` numbers (cols == 0) or a rows x cols matrix.
    struct Expected {
        const char* key;
        std::size_t rows, cols = 0;
    };
    // A site's answer whose sizes differ from what the request implies would reach Eigen with
    // mismatched dimensions (undefined behaviour in a release build): refused, naming the site.
    std::vector<json> checked(std::vector<json> answers, std::initializer_list<Expected> expected) const {
        for (std::size_t s = 0; s < answers.size(); ++s)
            for (const auto& e : expected) {
                const json* v = answers[s].is_object() && answers[s].contains(e.key) ? &answers[s].at(e.key) : nullptr;
                const bool ok = v && (e.cols == 0 ? v->is_array() && v->size() == e.rows
                                                  : v->is_object() && v->value("rows", json()) == e.rows && v->value("cols", json()) == e.cols);
                if (!ok)
                    throw Error(ErrorKind::invalid_input, "federated: site " + cfg_.sites[s].name + "'s answer to " + phase_ + ": '" + e.key +
                                                              "' is not " + (e.cols == 0 ? "a list of " + std::to_string(e.rows) + " numbers"
                                                                                         : "a " + std::to_string(e.rows) + "x" + std::to_string(e.cols) + " matrix"));
            }
        return answers;
    }

    void hello() {
        const auto answers = round({{"analysis", "hello"}, {"step", "hello"}});
        features_ = answers.front().at("features").get<std::vector<std::string>>();
        json sites = json::array();
        for (std::size_t s = 0; s < answers.size(); ++s) {
            if (answers[s].at("features").get<std::vector<std::string>>() != features_)
                throw Error(ErrorKind::invalid_input, "federated: site " + cfg_.sites[s].name + "'s features differ from site " +
                                                          cfg_.sites[0].name + "'s (list federated.features in the job)");
            json site = answers[s];
            site.erase("features");
            site["name"] = cfg_.sites[s].name;
            sites.push_back(site);
        }
        results_["features"] = features_;
        results_["sites"] = sites;
    }

    void summary() {
        const std::size_t p = features_.size();
        const auto answers = checked(round({{"analysis", "summary"}, {"step", "moments"}}), {{"moments", p}});
        std::vector<sf::Moments> pooled(p);
        json per_site = json::array();
        for (const auto& a : answers) {
            per_site.push_back(a.at("moments"));
            for (std::size_t j = 0; j < features_.size(); ++j) pooled[j] += moments_from_json(a.at("moments")[j]);
        }
        edges_ = summary_edges(pooled, cfg_.bins);
        const auto hist_answers = checked(round({{"analysis", "summary"}, {"step", "histogram"}, {"edges", edges_}}), {{"histograms", p}});
        std::vector<sf::Histogram> hist;
        for (std::size_t j = 0; j < features_.size(); ++j) {
            // The edges are the coordinator's own (requests carry them, responses only counts).
            const auto site_histogram = [&](std::size_t s) {
                return histogram_on(hist_answers[s].at("histograms")[j], edges_[j]);
            };
            sf::Histogram h = site_histogram(0);
            for (std::size_t s = 1; s < hist_answers.size(); ++s) h += site_histogram(s);
            hist.push_back(h);
        }
        json mean = json::array(), variance = json::array(), n = json::array(), missing = json::array();
        json q_value = json::array(), q_lower = json::array(), q_upper = json::array();
        for (std::size_t j = 0; j < features_.size(); ++j) {
            mean.push_back(pooled[j].mean);
            variance.push_back(pooled[j].variance());
            n.push_back(pooled[j].n);
            missing.push_back(pooled[j].missing);
            json v = json::array(), lo = json::array(), hi = json::array();
            for (double p : kQuantiles) {
                const auto q = sf::quantile_from_histogram(hist[j], p);
                v.push_back(q.value);
                lo.push_back(q.lower_bound);
                hi.push_back(q.upper_bound);
            }
            q_value.push_back(v);
            q_lower.push_back(lo);
            q_upper.push_back(hi);
        }
        results_["summary"] = {{"pooled", {{"n", n}, {"missing", missing}, {"mean", mean}, {"variance", variance}}},
                               {"quantiles", {{"probabilities", kQuantiles}, {"value", q_value}}},
                               {"quantile_bounds", {{"lower", q_lower}, {"upper", q_upper}}},
                               {"sites", per_site},
                               {"edges", edges_}};
    }

    void combat() {
        const json base{{"analysis", "combat"}, {"n_sites", cfg_.sites.size()}};
        auto req = base;
        req["step"] = "moments";
        std::vector<sf::CombatSiteMoments> moments;
        const auto answers = round(req);
        // the design's width q (sites + covariates) is the coordinator's too: every site's must agree
        const std::size_t q = answers.empty() ? 0 : answers.front().at("xty").value("rows", std::size_t(0));
        for (const auto& a : checked(answers, {{"xtx", q, q}, {"xty", q, features_.size()}})) moments.push_back(combat_moments_from_json(a));
        sf::CombatModel model = sf::combat_combine_moments(moments, combat_options(cfg_));
        req = base;
        req["step"] = "residual";
        req["model"] = to_json(model);
        std::vector<Eigen::RowVectorXd> ss;
        for (const auto& a : checked(round(req), {{"residual_ss", features_.size()}})) ss.push_back(vector_from_json(a.at("residual_ss")).transpose());
        sf::combat_set_pooled_variance(model, ss);
        req = base;
        req["step"] = "adjust";
        req["model"] = to_json(model);
        if (!edges_.empty()) req["edges"] = edges_;
        json effect = json::array();
        for (auto& a : round(req)) effect.push_back(a);
        results_["combat"] = {{"model", to_json(model)}, {"effect", effect}};
    }

    sf::LogisticMoments logistic_moments(int exclude_fold) {
        sf::LogisticMoments sum;
        bool first = true;
        const std::size_t p = features_.size();
        for (const auto& a : checked(round({{"analysis", "elastic_net"}, {"step", "moments"}, {"exclude_fold", exclude_fold}}),
                                     {{"sum_x", p}, {"sum_x2", p}, {"sum_xy", p}, {"sum_xxt", p, p}})) {
            if (first) sum = logistic_moments_from_json(a);
            else sum += logistic_moments_from_json(a);
            first = false;
        }
        return sum;
    }

    stats::GlmnetPath fit_path(int exclude_fold, const stats::GlmnetOptions& options) {
        const sf::LogisticMoments pooled = logistic_moments(exclude_fold);
        const auto gram = [&](double a0, const Eigen::VectorXd& beta) {
            sf::LogisticGram sum;
            bool first = true;
            const std::size_t p = features_.size();
            for (const auto& a : checked(round({{"analysis", "elastic_net"}, {"step", "gram"}, {"exclude_fold", exclude_fold}, {"a0", a0},
                                                {"beta", to_json(beta)}}),
                                         {{"sum_wx", p}, {"sum_wzx", p}, {"sum_rx", p}, {"sum_wxx", p, p}})) {
                if (first) sum = logistic_gram_from_json(a);
                else sum += logistic_gram_from_json(a);
                first = false;
            }
            return sum;
        };
        return sf::glmnet_binomial_federated(pooled, gram, options);
    }

    void elastic_net() {
        auto options = glmnet_options(cfg_);
        if (cfg_.lambda) {
            options.lambda = {*cfg_.lambda};
            fixed_ = fit_path(0, options);
            results_["elastic_net"]["fixed"] = path_json(fixed_);
            options = glmnet_options(cfg_);
        }
        path_ = fit_path(0, options);
        results_["elastic_net"]["path"] = path_json(path_);
    }

    void cross_validation() {
        if (path_.size() == 0) throw Error(ErrorKind::settings, "federated analysis cv needs elastic_net before it");
        // As cv.glmnet (and stats::cv_glmnet): every fold fits its own path; the sites evaluate it at
        // the full-data lambdas (glmnet's lambda interpolation).
        const auto options = glmnet_options(cfg_);
        std::vector<sf::HeldOutDeviance> per_fold;
        for (int f = 1; f <= fold_count(cfg_); ++f) {
            const auto fold_path = fit_path(f, options);
            json req = heldout_request(fold_path, path_.lambda);
            req["analysis"] = "elastic_net";
            req["step"] = "heldout";
            req["fold"] = f;
            sf::HeldOutDeviance sum;
            bool first = true;
            for (const auto& a : checked(round(req), {{"sum_deviance", path_.lambda.size()}})) {
                if (first) sum = heldout_from_json(a);
                else sum += heldout_from_json(a);
                first = false;
            }
            per_fold.push_back(sum);
        }
        cv_ = sf::cv_curve_from_fold_deviance(path_, per_fold, glmnet_options(cfg_));
        have_cv_ = true;
        results_["cv"] = cv_json(cv_);
    }

    void cox() {
        const std::size_t k = cfg_.cox_features.size();
        const auto answers = checked(round({{"analysis", "cox"}, {"step", "moments"}}), {{"sum_x", k}});
        Eigen::VectorXd sum = Eigen::VectorXd::Zero(Eigen::Index(k));
        double n = 0;
        for (const auto& a : answers) {
            sum += vector_from_json(a.at("sum_x"));
            n += a.at("n").get<double>();
        }
        const Eigen::VectorXd center = sum / n;
        const auto evaluate = [&](const Eigen::VectorXd& beta) {
            stats::CoxTerms total;
            bool first = true;
            for (const auto& a : checked(round({{"analysis", "cox"}, {"step", "terms"}, {"beta", to_json(beta)}, {"center", to_json(center)}}),
                                         {{"score", k}, {"information", k, k}})) {
                if (first) total = cox_terms_from_json(a);
                else total += cox_terms_from_json(a);
                first = false;
            }
            return total;
        };
        const auto fit = stats::cox_ph_from_terms(int(cfg_.cox_features.size()), evaluate, cfg_.level);
        results_["cox"] = cox_json(fit);
        results_["cox"]["features"] = cfg_.cox_features;
    }

    // The signature validated at every site: the fixed-lambda fit, else the CV's lambda.min.
    void validation() {
        double a0 = 0;
        Eigen::VectorXd beta;
        std::string source;
        if (have_cv_) {
            const auto k = cv_.index_min;
            a0 = path_.intercept[k];
            beta = path_.beta.col(Eigen::Index(k));
            source = "elastic_net path at the cv's lambda.min";
        } else if (fixed_.size() > 0) {
            a0 = fixed_.intercept[0];
            beta = fixed_.beta.col(0);
            source = "elastic_net at the fixed lambda";
        } else {
            throw Error(ErrorKind::settings, "federated analysis validation needs cv or elastic_net.lambda before it");
        }
        const auto answers = round({{"analysis", "validation"}, {"step", "site"}, {"a0", a0}, {"beta", to_json(beta)},
                                    {"threshold", cfg_.threshold}, {"edges", score_edges(cfg_.score_step)}});
        results_["validation"] = validation_summary(cfg_, answers, std::nan(""));
        results_["validation"]["signature"] = {{"source", source}, {"a0", a0}, {"beta", to_json(beta)}};
    }

    const io::FederatedSection& cfg_;
    Exchange& exchange_;
    json results_;
    std::vector<std::string> features_;
    std::vector<std::vector<double>> edges_;
    stats::GlmnetPath path_, fixed_;
    stats::CvCurve cv_;
    bool have_cv_ = false;
    int rounds_ = 0, rounds_before_ = 0;
    std::string phase_ = "hello";
};

}  // namespace

json coordinate(const io::FederatedSection& cfg, Exchange& exchange, const std::string& results_dir) {
    Coordinator c(cfg, exchange);
    json results = c.run();
    results["protocol"] = kProtocol;
    write_text(results_dir + "/results.json", results.dump(1) + "\n");
    write_result_tables(results, results.at("features").get<std::vector<std::string>>(), results_dir);
    return results;
}

}  // namespace radhpc::analysis::federated
