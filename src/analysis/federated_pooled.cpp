// The pooled analyses the federated protocol must equal (radhpc's ordinary functions on the union of
// the sites' rows), the comparison of the two, and the result tables.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <sstream>

#include "federated_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/stats/roc.hpp"

namespace radhpc::analysis::federated {
namespace {

struct PooledRows {
    Eigen::MatrixXd x, covariates, cox_x;
    std::vector<double> y, time;
    std::vector<int> event, patient, site, fold;
};

PooledRows stack(const io::FederatedSection& cfg, const std::vector<SiteRows>& sites) {
    PooledRows p;
    Eigen::Index n = 0;
    for (const auto& s : sites) n += Eigen::Index(s.y.size());
    const auto& first = sites.front();
    p.x.resize(n, first.x.cols());
    p.covariates.resize(n, first.covariates.cols());
    p.cox_x.resize(n, first.cox_x.cols());
    Eigen::Index r = 0;
    int patient_offset = 0;
    for (std::size_t s = 0; s < sites.size(); ++s) {
        const auto& rows = sites[s];
        const auto m = Eigen::Index(rows.y.size());
        if (rows.x.cols() != p.x.cols()) throw Error(ErrorKind::invalid_input, "federated pooled: sites' features differ");
        p.x.middleRows(r, m) = rows.x;
        if (p.covariates.cols()) p.covariates.middleRows(r, m) = rows.covariates;
        if (p.cox_x.cols()) p.cox_x.middleRows(r, m) = rows.cox_x;
        p.y.insert(p.y.end(), rows.y.begin(), rows.y.end());
        p.time.insert(p.time.end(), rows.time.begin(), rows.time.end());
        p.event.insert(p.event.end(), rows.event.begin(), rows.event.end());
        for (int id : rows.patient) p.patient.push_back(id + patient_offset);
        patient_offset += int(rows.n_patients);
        p.site.insert(p.site.end(), std::size_t(m), int(s));
        const auto folds = site_folds(cfg, rows, int(s));
        p.fold.insert(p.fold.end(), folds.begin(), folds.end());
        r += m;
    }
    return p;
}

// R's quantile(type = 7).
double quantile7(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    const double h = double(v.size() - 1) * p;
    const auto j = std::size_t(std::floor(h));
    return j + 1 < v.size() ? v[j] + (h - double(j)) * (v[j + 1] - v[j]) : v[j];
}

json summary_block(const PooledRows& p) {
    json mean = json::array(), variance = json::array(), n = json::array(), missing = json::array(), q = json::array();
    for (Eigen::Index j = 0; j < p.x.cols(); ++j) {
        std::vector<double> v;
        for (Eigen::Index i = 0; i < p.x.rows(); ++i)
            if (!std::isnan(p.x(i, j))) v.push_back(p.x(i, j));
        double m = 0, ss = 0;
        for (double x : v) m += x;
        m /= double(v.size());
        for (double x : v) ss += (x - m) * (x - m);
        mean.push_back(m);
        variance.push_back(ss / double(v.size() - 1));
        n.push_back(v.size());
        missing.push_back(p.x.rows() - Eigen::Index(v.size()));
        json qs = json::array();
        for (double prob : kQuantiles) qs.push_back(quantile7(v, prob));
        q.push_back(qs);
    }
    return {{"pooled", {{"n", n}, {"missing", missing}, {"mean", mean}, {"variance", variance}}},
            {"quantiles", {{"probabilities", kQuantiles}, {"value", q}}}};
}

void write_pooled_csv(const io::FederatedSection& cfg, const std::vector<SiteRows>& sites, const PooledRows& p, const std::string& path) {
    std::ostringstream out;
    out << std::setprecision(17) << "site,fold,patient,outcome";
    if (!p.time.empty()) out << ",time,event";
    for (const auto& f : sites.front().features) out << "," << f;
    for (const auto& c : sites.front().covariate_names) out << "," << c;
    for (const auto& c : cfg.cox_features) out << ",cox_" << c;
    out << "\n";
    for (Eigen::Index i = 0; i < p.x.rows(); ++i) {
        const auto k = std::size_t(i);
        out << cfg.sites[std::size_t(p.site[k])].name << "," << p.fold[k] << "," << p.patient[k] << "," << p.y[k];
        if (!p.time.empty()) out << "," << p.time[k] << "," << p.event[k];
        for (Eigen::Index j = 0; j < p.x.cols(); ++j) out << "," << p.x(i, j);
        for (Eigen::Index j = 0; j < p.covariates.cols(); ++j) out << "," << p.covariates(i, j);
        for (Eigen::Index j = 0; j < p.cox_x.cols(); ++j) out << "," << p.cox_x(i, j);
        out << "\n";
    }
    write_text(path, out.str());
}

bool wants(const io::FederatedSection& cfg, const std::string& a) {
    return std::find(cfg.analyses.begin(), cfg.analyses.end(), a) != cfg.analyses.end();
}

}  // namespace

json pooled(const io::FederatedSection& cfg, const std::vector<SiteRows>& sites, const std::string& dir) {
    const PooledRows p = stack(cfg, sites);
    write_pooled_csv(cfg, sites, p, dir + "/pooled.csv");
    json r;
    r["features"] = sites.front().features;
    if (wants(cfg, "summary")) r["summary"] = summary_block(p);
    if (wants(cfg, "combat")) {
        const auto fit = stats::combat(p.x, p.site, p.covariates, combat_options(cfg));
        r["combat"]["model"] = {{"grand_mean", std::vector<double>(fit.fit.grand_mean.data(), fit.fit.grand_mean.data() + fit.fit.grand_mean.size())},
                                {"var_pooled", std::vector<double>(fit.fit.var_pooled.data(), fit.fit.var_pooled.data() + fit.fit.var_pooled.size())}};
        r["combat"]["harmonised"] = to_json(fit.data);
    }
    stats::GlmnetPath path, fixed;
    if (wants(cfg, "elastic_net")) {
        if (cfg.lambda) {
            auto o = glmnet_options(cfg);
            o.lambda = {*cfg.lambda};
            fixed = stats::glmnet_binomial(p.x, p.y, o);
            r["elastic_net"]["fixed"] = path_json(fixed);
        }
        path = stats::glmnet_binomial(p.x, p.y, glmnet_options(cfg));
        r["elastic_net"]["path"] = path_json(path);
    }
    stats::CvCurve cv;
    const bool have_cv = wants(cfg, "cv") && path.size() > 0;
    if (have_cv) {
        cv = stats::cv_glmnet(p.x, p.y, p.fold, glmnet_options(cfg), stats::CvMeasure::deviance);
        r["cv"] = cv_json(cv);
    }
    if (wants(cfg, "cox")) {
        r["cox"] = cox_json(stats::cox_ph_stratified(p.cox_x, p.time, p.event, p.site, cfg.level));
        r["cox"]["features"] = cfg.cox_features;
    }
    if (wants(cfg, "validation") && (have_cv || fixed.size() > 0)) {
        const double a0 = have_cv ? path.intercept[cv.index_min] : fixed.intercept[0];
        const Eigen::VectorXd beta = have_cv ? Eigen::VectorXd(path.beta.col(Eigen::Index(cv.index_min))) : Eigen::VectorXd(fixed.beta.col(0));
        const json req{{"analysis", "validation"}, {"step", "site"}, {"a0", a0}, {"beta", to_json(beta)},
                       {"threshold", cfg.threshold}, {"edges", score_edges(cfg.score_step)}};
        std::vector<json> answers;
        SiteLocalOutput unused;
        for (std::size_t s = 0; s < sites.size(); ++s) {
            auto site_req = req;
            site_req["site_index"] = s;
            const json a = answer(cfg, sites[s], site_req, unused);
            if (a.at("status") != "ok") throw Error(ErrorKind::invalid_input, "pooled validation: " + a.value("reason", std::string()));
            answers.push_back(a.at("payload"));
        }
        const Eigen::VectorXd lp = (p.x * beta).array() + a0;
        const std::vector<int> y01(p.y.begin(), p.y.end());
        r["validation"] = validation_summary(cfg, answers, stats::auc(std::vector<double>(lp.data(), lp.data() + lp.size()), y01));
    }
    write_text(dir + "/results.json", r.dump(1) + "\n");
    return r;
}

json compare(const json& federated, const json& pooled_results) {
    std::map<std::string, double> worst;
    std::function<void(const json&, const json&, const std::string&)> walk = [&](const json& a, const json& b, const std::string& path) {
        if (a.is_number() && b.is_number()) {
            // Absolute below 1, relative above: variances of volumes in mm^3 are ~1e7.
            const double x = a.get<double>(), y = b.get<double>();
            double d = std::abs(x - y) / std::max(1.0, std::abs(y));
            if (std::isnan(x) && std::isnan(y)) d = 0;
            auto& w = worst[path];
            w = std::max(w, d);
        } else if (a.is_array() && b.is_array()) {
            if (a.size() != b.size()) worst[path + " (lengths differ)"] = INFINITY;
            for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) walk(a[i], b[i], path);
        } else if (a.is_object() && b.is_object()) {
            for (auto it = a.begin(); it != a.end(); ++it)
                if (b.contains(it.key())) walk(it.value(), b[it.key()], path.empty() ? it.key() : path + "." + it.key());
        }
    };
    walk(federated, pooled_results, "");
    json out = json::object();
    for (const auto& [k, v] : worst) out[k] = v;
    return out;
}

void write_result_tables(const json& results, const std::vector<std::string>& features, const std::string& dir) {
    std::ostringstream out;
    out << std::setprecision(17);
    if (results.contains("summary")) {
        const auto& s = results["summary"];
        out << "feature,n,missing,mean,sd";
        for (double q : kQuantiles) out << ",q" << q << ",q" << q << "_lower,q" << q << "_upper";
        out << "\n";
        for (std::size_t j = 0; j < features.size(); ++j) {
            out << features[j] << "," << s["pooled"]["n"][j] << "," << s["pooled"]["missing"][j] << "," << s["pooled"]["mean"][j].get<double>()
                << "," << std::sqrt(s["pooled"]["variance"][j].get<double>());
            for (std::size_t k = 0; k < kQuantiles.size(); ++k)
                out << "," << s["quantiles"]["value"][j][k].get<double>() << "," << s["quantile_bounds"]["lower"][j][k].get<double>() << ","
                    << s["quantile_bounds"]["upper"][j][k].get<double>();
            out << "\n";
        }
        write_text(dir + "/summary.csv", out.str());
    }
    if (results.contains("validation")) {
        std::ostringstream v;
        v << std::setprecision(17) << "site,auc,auc_lower,auc_upper,sensitivity,specificity,calibration_intercept,calibration_slope,meta_weight_percent\n";
        const auto& val = results["validation"];
        for (std::size_t s = 0; s < val["sites"].size(); ++s) {
            const auto& a = val["sites"][s];
            v << results["sites"][s]["name"].get<std::string>() << "," << a["auc"]["estimate"].get<double>() << "," << a["auc"]["lower"].get<double>()
              << "," << a["auc"]["upper"].get<double>() << "," << a["sensitivity"]["estimate"].get<double>() << ","
              << a["specificity"]["estimate"].get<double>() << "," << a["calibration"]["intercept"].get<double>() << ","
              << a["calibration"]["slope"].get<double>() << "," << val["meta"]["weights"][s].get<double>() << "\n";
        }
        write_text(dir + "/validation_sites.csv", v.str());
    }
    if (results.contains("cv")) {
        std::ostringstream c;
        c << std::setprecision(17) << "lambda,cvm,cvsd\n";
        const auto& cv = results["cv"];
        for (std::size_t k = 0; k < cv["lambda"].size(); ++k)
            c << cv["lambda"][k].get<double>() << "," << cv["cvm"][k].get<double>() << "," << cv["cvsd"][k].get<double>() << "\n";
        write_text(dir + "/cv.csv", c.str());
    }
}

}  // namespace radhpc::analysis::federated
