#include "radhpc/stats/bootstrap.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/random.hpp"
#include "radhpc/stats/roc.hpp"
#include "cv_detail.hpp"

namespace radhpc::stats {

namespace {

double auc_of(const FittedModel& m, const Eigen::MatrixXd& x, std::span<const double> y) {
    const Eigen::VectorXd s = m.link(x);
    std::vector<int> outcome(y.size());
    bool has0 = false, has1 = false;
    for (std::size_t i = 0; i < y.size(); ++i) {
        outcome[i] = int(y[i]);
        (outcome[i] ? has1 : has0) = true;
    }
    if (!has0 || !has1) return std::numeric_limits<double>::quiet_NaN();
    return auc(std::span<const double>(s.data(), std::size_t(s.size())), outcome);
}

struct Subset {
    Eigen::MatrixXd x;
    std::vector<double> y;
    std::vector<int> patient;
};

Subset take_rows(const Eigen::MatrixXd& x, std::span<const double> y, const std::vector<std::size_t>& rows,
                 const std::vector<int>& new_patient) {
    Subset s;
    s.x.resize(Eigen::Index(rows.size()), x.cols());
    s.y.resize(rows.size());
    s.patient = new_patient;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        s.x.row(Eigen::Index(i)) = x.row(Eigen::Index(rows[i]));
        s.y[i] = y[rows[i]];
    }
    return s;
}

}  // namespace

FittedModel logistic_regression(const Eigen::MatrixXd& x, std::span<const double> y) {
    const Eigen::Index n = x.rows(), p = x.cols();
    Eigen::MatrixXd design(n, p + 1);
    design.col(0).setOnes();
    design.rightCols(p) = x;
    Eigen::VectorXd theta = Eigen::VectorXd::Zero(p + 1), yv(n);
    for (Eigen::Index i = 0; i < n; ++i) yv(i) = y[std::size_t(i)];
    for (int it = 0; it < 100; ++it) {
        // Newton step: (X' W X) delta = X' (y - mu), W = mu (1 - mu)
        const Eigen::VectorXd eta = design * theta;
        const Eigen::VectorXd mu = (1.0 / (1.0 + (-eta.array()).exp())).matrix();
        const Eigen::VectorXd wv = (mu.array() * (1.0 - mu.array())).matrix();
        const Eigen::MatrixXd info = design.transpose() * wv.asDiagonal() * design;
        const Eigen::VectorXd step = info.ldlt().solve(design.transpose() * (yv - mu));
        theta += step;
        if (step.cwiseAbs().maxCoeff() < 1e-12 * (1.0 + theta.cwiseAbs().maxCoeff())) break;
    }
    FittedModel m;
    m.intercept = theta(0);
    m.beta = theta.tail(p);
    return m;
}

ModelProcedure fixed_elastic_net(double alpha, double lambda, GlmnetOptions options) {
    return [=](const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int>) {
        const auto fit = glmnet_binomial_fit(x, y, alpha, lambda, options);
        FittedModel m;
        m.intercept = fit.intercept[0];
        m.beta = fit.beta.col(0);
        m.alpha = alpha;
        m.lambda = lambda;
        return m;
    };
}

ModelProcedure cv_tuned_elastic_net(RepeatedCvOptions options, bool use_1se) {
    return [=](const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> patient) {
        // the full-data path at the chosen alpha, as fitted inside the CV (glmnet_binomial(x, y,
        // options.glmnet with alpha = cv.alpha)), not fitted again
        std::vector<GlmnetPath> paths;
        const auto cv = detail::repeated_cv_with_paths(x, y, patient, options, &paths);
        const auto& path = paths[cv.best_alpha_index];
        const auto& curve = cv.curves[cv.best_alpha_index];
        const std::size_t k = use_1se ? curve.index_1se : curve.index_min;  // the full path's lambdas
        FittedModel m;
        m.intercept = path.intercept[k];
        m.beta = path.beta.col(Eigen::Index(k));
        m.alpha = cv.alpha;
        m.lambda = path.lambda[k];
        return m;
    };
}

ModelProcedure unpenalised_logistic() {
    return [](const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int>) {
        return logistic_regression(x, y);
    };
}

std::vector<int> bootstrap_patients(std::span<const int> patient, std::uint64_t seed, std::uint64_t index) {
    std::vector<int> ids(patient.begin(), patient.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    Rng rng(derive_seed(seed, index));
    std::vector<int> drawn(ids.size());
    for (auto& d : drawn) d = ids[rng.below(ids.size())];
    return drawn;
}

BootstrapReplicate run_bootstrap_replicate(const Eigen::MatrixXd& x, std::span<const double> y,
                                           std::span<const int> patient, const ModelProcedure& procedure,
                                           std::uint64_t seed, std::uint64_t index) {
    const auto drawn = bootstrap_patients(patient, seed, index);
    std::map<int, std::vector<std::size_t>> rows_of;
    for (std::size_t i = 0; i < patient.size(); ++i) rows_of[patient[i]].push_back(i);
    std::vector<std::size_t> rows;
    std::vector<int> new_patient;  // a patient drawn twice becomes two patients (separate CV groups)
    std::map<int, int> in_sample;
    for (std::size_t k = 0; k < drawn.size(); ++k) {
        in_sample[drawn[k]] = 1;
        for (std::size_t r : rows_of[drawn[k]]) {
            rows.push_back(r);
            new_patient.push_back(int(k));
        }
    }
    const Subset boot = take_rows(x, y, rows, new_patient);
    BootstrapReplicate rep;
    rep.index = index;
    try {
        rep.model = procedure(boot.x, boot.y, boot.patient);
    } catch (const Error& e) {
        rep.failed = true;
        rep.failure = e.what();
        rep.auc_train = rep.auc_test = rep.auc_oob = std::numeric_limits<double>::quiet_NaN();
        return rep;
    }
    rep.auc_train = auc_of(rep.model, boot.x, boot.y);
    rep.auc_test = auc_of(rep.model, x, y);
    std::vector<std::size_t> oob_rows;
    std::vector<int> oob_patient;
    for (std::size_t i = 0; i < patient.size(); ++i)
        if (!in_sample.count(patient[i])) {
            oob_rows.push_back(i);
            oob_patient.push_back(patient[i]);
        }
    if (oob_rows.empty()) rep.auc_oob = std::numeric_limits<double>::quiet_NaN();
    else {
        const Subset oob = take_rows(x, y, oob_rows, oob_patient);
        rep.auc_oob = auc_of(rep.model, oob.x, oob.y);
    }
    return rep;
}

double quantile_type7(std::vector<double> v, double p) {
    v.erase(std::remove_if(v.begin(), v.end(), [](double d) { return std::isnan(d); }), v.end());
    if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(v.begin(), v.end());
    const double h = (double(v.size()) - 1.0) * p;
    const std::size_t lo = std::size_t(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - double(lo)) * (v[hi] - v[lo]);
}

BootstrapResult summarise_bootstrap(const Eigen::MatrixXd& x, std::span<const double> y, FittedModel apparent,
                                    std::vector<BootstrapReplicate> reps, double level) {
    if (std::none_of(reps.begin(), reps.end(), [](const auto& b) { return !b.failed; }))
        throw Error(ErrorKind::invalid_input, "bootstrap: no replicate could be fitted");
    std::sort(reps.begin(), reps.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    BootstrapResult r;
    r.apparent_model = std::move(apparent);
    r.apparent_auc = auc_of(r.apparent_model, x, y);
    std::vector<double> train, test, opt, oob;
    for (const auto& b : reps) {
        if (b.failed) continue;
        ++r.replicates_used;
        train.push_back(b.auc_train);
        test.push_back(b.auc_test);
        opt.push_back(b.auc_train - b.auc_test);
        if (!std::isnan(b.auc_oob)) oob.push_back(b.auc_oob);
    }
    double s = 0;
    for (double o : opt) s += o;
    r.optimism = s / double(opt.size());
    double ss = 0;
    for (double o : opt) ss += (o - r.optimism) * (o - r.optimism);
    r.optimism_sd = opt.size() > 1 ? std::sqrt(ss / double(opt.size() - 1)) : 0.0;
    r.corrected_auc = r.apparent_auc - r.optimism;
    double so = 0;
    for (double o : oob) so += o;
    r.oob_auc = oob.empty() ? std::numeric_limits<double>::quiet_NaN() : so / double(oob.size());
    r.auc_632 = 0.368 * r.apparent_auc + 0.632 * r.oob_auc;
    // .632+: relative overfitting R = (app - oob)/(app - 0.5) in [0, 1]; w = .632/(1 - .368 R).
    const double oob_floor = std::max(r.oob_auc, 0.5);
    double rel = r.apparent_auc > 0.5 ? (r.apparent_auc - oob_floor) / (r.apparent_auc - 0.5) : 0.0;
    rel = std::clamp(rel, 0.0, 1.0);
    const double w = 0.632 / (1.0 - 0.368 * rel);
    r.auc_632plus = (1.0 - w) * r.apparent_auc + w * oob_floor;
    const double lo = (1.0 - level) / 2.0, hi = 1.0 - lo;
    r.auc_train_ci = {quantile_type7(train, lo), quantile_type7(train, hi)};
    r.auc_test_ci = {quantile_type7(test, lo), quantile_type7(test, hi)};
    r.optimism_ci = {quantile_type7(opt, lo), quantile_type7(opt, hi)};
    const Eigen::Index p = r.apparent_model.beta.size();
    for (Eigen::Index j = -1; j < p; ++j) {
        std::vector<double> v;
        for (const auto& b : reps)
            if (!b.failed) v.push_back(j < 0 ? b.model.intercept : b.model.beta(j));
        r.coefficient_ci.push_back({quantile_type7(v, lo), quantile_type7(v, hi)});
    }
    r.replicates = std::move(reps);
    return r;
}

BootstrapResult bootstrap_validate(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> patient,
                                   const ModelProcedure& procedure, int replicates, std::uint64_t seed,
                                   double level) {
    if (replicates < 1) throw Error(ErrorKind::invalid_input, "bootstrap: replicates < 1");
    FittedModel apparent = procedure(x, y, patient);
    std::vector<BootstrapReplicate> reps(static_cast<std::size_t>(replicates));
    tbb::parallel_for(0, replicates, [&](int b) {
        reps[std::size_t(b)] = run_bootstrap_replicate(x, y, patient, procedure, seed, std::uint64_t(b));
    });
    return summarise_bootstrap(x, y, std::move(apparent), std::move(reps), level);
}

}  // namespace radhpc::stats
