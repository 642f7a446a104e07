#include "radhpc/stats/federated_cox.hpp"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"
#include "survival_detail.hpp"

namespace radhpc::stats {

CoxTerms cox_efron_terms(const Eigen::MatrixXd& x_in, std::span<const double> time, std::span<const int> status,
                         const Eigen::VectorXd& beta, const Eigen::VectorXd& center) {
    const Eigen::Index n = x_in.rows(), p = x_in.cols();
    detail::check_survival(time, status, std::size_t(n));
    if (beta.size() != p || center.size() != p)
        throw Error(ErrorKind::invalid_input, "cox terms: beta and center need one value per covariate (" + std::to_string(p) + ")");
    const Eigen::MatrixXd x = x_in.rowwise() - center.transpose();
    CoxTerms t;
    t.loglik = detail::efron_pass(x, time, status, x * beta, &t.score, &t.information,
                                  [](double, const Eigen::VectorXd&, const Eigen::MatrixXd&) {});
    t.n = n;
    for (int s : status) t.events += s;
    return t;
}

CoxTerms& operator+=(CoxTerms& a, const CoxTerms& b) {
    if (a.score.size() == 0 && a.information.size() == 0) {
        a.score = Eigen::VectorXd::Zero(b.score.size());
        a.information = Eigen::MatrixXd::Zero(b.information.rows(), b.information.cols());
    }
    if (a.score.size() != b.score.size() || a.information.rows() != b.information.rows() || a.information.cols() != b.information.cols())
        throw Error(ErrorKind::invalid_input, "cox terms: adding terms of different numbers of covariates");
    a.loglik += b.loglik;
    a.score += b.score;
    a.information += b.information;
    a.n += b.n;
    a.events += b.events;
    return a;
}

CoxResult cox_ph_from_terms(int p, const std::function<CoxTerms(const Eigen::VectorXd&)>& evaluate, double level) {
    auto checked = [&](const Eigen::VectorXd& beta) {
        CoxTerms t = evaluate(beta);
        if (t.score.size() != p || t.information.rows() != p || t.information.cols() != p)
            throw Error(ErrorKind::invalid_input, "cox: the evaluated terms do not have " + std::to_string(p) + " covariates");
        return t;
    };
    Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
    CoxTerms cur = checked(beta);
    CoxResult res;
    res.loglik_null = cur.loglik;
    res.score_chisq = cur.score.dot(cur.information.ldlt().solve(cur.score));
    int it = 0;
    for (; it < 100; ++it) {
        // Newton-Raphson with step halving (as coxph) until the log-likelihood stops changing.
        Eigen::VectorXd step = cur.information.ldlt().solve(cur.score);
        Eigen::VectorXd candidate = beta + step;
        CoxTerms next = checked(candidate);
        int halvings = 0;
        while (!(next.loglik >= cur.loglik - 1e-12 * std::fabs(cur.loglik)) && halvings < 30) {
            step *= 0.5;
            candidate = beta + step;
            next = checked(candidate);
            ++halvings;
        }
        const bool done = std::fabs(1.0 - cur.loglik / next.loglik) < 1e-14 || step.cwiseAbs().maxCoeff() < 1e-13;
        beta = candidate;
        cur = std::move(next);
        if (done) break;
    }
    res.iterations = it + 1;
    res.coef = beta;
    res.loglik = cur.loglik;
    res.variance = cur.information.inverse();
    res.se = res.variance.diagonal().cwiseSqrt();
    res.wald_chisq = beta.dot(cur.information * beta);
    res.lr_chisq = 2.0 * (res.loglik - res.loglik_null);
    const double z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    for (Eigen::Index j = 0; j < p; ++j)
        res.hazard_ratio.push_back({std::exp(beta(j)), std::exp(beta(j) - z * res.se(j)), std::exp(beta(j) + z * res.se(j))});
    return res;
}

CoxResult cox_ph_stratified(const Eigen::MatrixXd& x, std::span<const double> time, std::span<const int> status,
                            std::span<const int> strata, double level) {
    const Eigen::Index n = x.rows(), p = x.cols();
    detail::check_survival(time, status, std::size_t(n));
    if (strata.size() != std::size_t(n)) throw Error(ErrorKind::invalid_input, "cox stratified: one stratum label per row needed");
    struct Stratum {
        Eigen::MatrixXd x;
        std::vector<double> time;
        std::vector<int> status;
    };
    std::map<int, std::vector<Eigen::Index>> rows;
    for (Eigen::Index i = 0; i < n; ++i) rows[strata[std::size_t(i)]].push_back(i);
    std::vector<Stratum> parts;
    for (const auto& [label, idx] : rows) {
        Stratum s;
        s.x.resize(Eigen::Index(idx.size()), p);
        for (std::size_t r = 0; r < idx.size(); ++r) {
            s.x.row(Eigen::Index(r)) = x.row(idx[r]);
            s.time.push_back(time[std::size_t(idx[r])]);
            s.status.push_back(status[std::size_t(idx[r])]);
        }
        parts.push_back(std::move(s));
    }
    const Eigen::VectorXd means = x.colwise().mean().transpose();
    CoxResult res = cox_ph_from_terms(
        int(p),
        [&](const Eigen::VectorXd& beta) {
            CoxTerms sum;
            for (const auto& s : parts) sum += cox_efron_terms(s.x, s.time, s.status, beta, means);
            return sum;
        },
        level);
    res.linear_predictor = (x.rowwise() - means.transpose()) * res.coef;
    return res;
}

}  // namespace radhpc::stats
