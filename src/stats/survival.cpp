#include "radhpc/stats/survival.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"
#include "radhpc/stats/federated_cox.hpp"
#include "survival_detail.hpp"

namespace radhpc::stats {

using detail::check_survival;
using detail::efron_pass;

CoxResult cox_ph(const Eigen::MatrixXd& x_in, std::span<const double> time, std::span<const int> status,
                 double level) {
    check_survival(time, status, std::size_t(x_in.rows()));
    // Centre the covariates as coxph does (coefficients unchanged, exp() better conditioned).
    const Eigen::VectorXd means = x_in.colwise().mean().transpose();
    CoxResult res = cox_ph_from_terms(
        int(x_in.cols()), [&](const Eigen::VectorXd& beta) { return cox_efron_terms(x_in, time, status, beta, means); }, level);
    res.linear_predictor = (x_in.rowwise() - means.transpose()) * res.coef;
    return res;
}

double harrell_c(std::span<const double> time, std::span<const int> status, std::span<const double> risk) {
    const std::size_t n = time.size();
    check_survival(time, status, n);
    if (risk.size() != n) throw Error(ErrorKind::invalid_input, "harrell_c: length mismatch");
    double concordant = 0, discordant = 0, tied = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!status[i]) continue;
        for (std::size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            const bool later = time[j] > time[i] || (time[j] == time[i] && !status[j]);
            if (!later) continue;
            if (risk[i] > risk[j]) concordant += 1;
            else if (risk[i] < risk[j]) discordant += 1;
            else tied += 1;
        }
    }
    return (concordant + 0.5 * tied) / (concordant + discordant + tied);
}

KaplanMeier kaplan_meier(std::span<const double> time, std::span<const int> status, double level) {
    const std::size_t n = time.size();
    check_survival(time, status, n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return time[a] < time[b]; });
    KaplanMeier km;
    const double z = normal_quantile(1.0 - (1.0 - level) / 2.0);
    double surv = 1.0, greenwood = 0.0, at_risk = double(n);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t pos = 0; pos < n;) {
        const double t = time[order[pos]];
        double d = 0, c = 0;
        std::size_t end = pos;
        while (end < n && time[order[end]] == t) {
            (status[order[end]] ? d : c) += 1;
            ++end;
        }
        // S(t) = prod (1 - d/n);  var(log S) = sum d / (n (n - d))  (Greenwood)
        surv *= 1.0 - d / at_risk;
        greenwood += d / (at_risk * (at_risk - d));
        km.time.push_back(t);
        km.n_risk.push_back(at_risk);
        km.n_event.push_back(d);
        km.n_censor.push_back(c);
        km.surv.push_back(surv);
        const double se = std::sqrt(greenwood);
        km.std_err.push_back(se);
        if (surv > 0 && std::isfinite(se)) {
            km.lower.push_back(std::exp(std::log(surv) - z * se));
            km.upper.push_back(std::min(std::exp(std::log(surv) + z * se), 1.0));
        } else {
            km.lower.push_back(nan);
            km.upper.push_back(nan);
        }
        at_risk -= d + c;
        pos = end;
    }
    return km;
}

SurvivalAt survival_at(const KaplanMeier& km, double t) {
    const auto it = std::upper_bound(km.time.begin(), km.time.end(), t);  // last time <= t
    if (it == km.time.begin()) return {};
    const std::size_t i = std::size_t(it - km.time.begin()) - 1;
    return {km.surv[i], km.std_err[i], km.lower[i], km.upper[i]};
}

LogRankResult log_rank(std::span<const double> time, std::span<const int> status, std::span<const int> group) {
    const std::size_t n = time.size();
    check_survival(time, status, n);
    if (group.size() != n) throw Error(ErrorKind::invalid_input, "log_rank: length mismatch");
    LogRankResult r;
    r.groups.assign(group.begin(), group.end());
    std::sort(r.groups.begin(), r.groups.end());
    r.groups.erase(std::unique(r.groups.begin(), r.groups.end()), r.groups.end());
    const std::size_t k = r.groups.size();
    if (k < 2) throw Error(ErrorKind::invalid_input, "log_rank: need two groups");
    std::vector<std::size_t> gi(n);
    for (std::size_t i = 0; i < n; ++i)
        gi[i] = std::size_t(std::lower_bound(r.groups.begin(), r.groups.end(), group[i]) - r.groups.begin());
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return time[a] < time[b]; });
    std::vector<double> at_risk(k, 0.0);
    for (std::size_t i = 0; i < n; ++i) at_risk[gi[i]] += 1;
    r.observed.assign(k, 0.0);
    r.expected.assign(k, 0.0);
    Eigen::MatrixXd v = Eigen::MatrixXd::Zero(Eigen::Index(k), Eigen::Index(k));
    for (std::size_t pos = 0; pos < n;) {
        const double t = time[order[pos]];
        std::size_t end = pos;
        std::vector<double> deaths(k, 0.0), leaving(k, 0.0);
        while (end < n && time[order[end]] == t) {
            const std::size_t i = order[end];
            if (status[i]) deaths[gi[i]] += 1;
            leaving[gi[i]] += 1;
            ++end;
        }
        const double d = std::accumulate(deaths.begin(), deaths.end(), 0.0);
        const double nt = std::accumulate(at_risk.begin(), at_risk.end(), 0.0);
        if (d > 0) {
            // E_g += d n_g/n;  V_gh += d (n-d)/(n-1) (n_g/n)(delta_gh - n_h/n)  (hypergeometric)
            for (std::size_t g = 0; g < k; ++g) {
                r.observed[g] += deaths[g];
                r.expected[g] += d * at_risk[g] / nt;
                if (nt > 1)
                    for (std::size_t h = 0; h < k; ++h)
                        v(Eigen::Index(g), Eigen::Index(h)) +=
                            d * (nt - d) / (nt - 1) * (at_risk[g] / nt) * ((g == h ? 1.0 : 0.0) - at_risk[h] / nt);
            }
        }
        for (std::size_t g = 0; g < k; ++g) at_risk[g] -= leaving[g];
        pos = end;
    }
    // chi^2 = (O-E)' V^- (O-E), dropping the first group (V has rank k-1).
    const Eigen::Index m = Eigen::Index(k) - 1;
    Eigen::VectorXd diff(m);
    for (Eigen::Index g = 0; g < m; ++g) diff(g) = r.observed[std::size_t(g + 1)] - r.expected[std::size_t(g + 1)];
    const Eigen::MatrixXd vv = v.bottomRightCorner(m, m);
    r.chisq = diff.dot(vv.ldlt().solve(diff));
    r.df = int(m);
    r.p_value = chisq_upper(r.chisq, r.df);
    return r;
}

ZphResult cox_zph(const Eigen::MatrixXd& x_in, std::span<const double> time, std::span<const int> status,
                  const CoxResult& fit, ZphTransform transform) {
    const Eigen::Index n = x_in.rows(), p = x_in.cols();
    check_survival(time, status, std::size_t(n));
    const auto km = kaplan_meier(time, status);
    std::vector<double> sorted_time(time.begin(), time.end());
    std::sort(sorted_time.begin(), sorted_time.end());
    auto g_of = [&](double t) {
        switch (transform) {
            case ZphTransform::identity: return t;
            case ZphTransform::log: return std::log(t);
            case ZphTransform::rank: {
                // midrank of t among all times: (#below + 1 + #below-or-equal) / 2
                const double below = double(std::lower_bound(sorted_time.begin(), sorted_time.end(), t) - sorted_time.begin());
                const double upto = double(std::upper_bound(sorted_time.begin(), sorted_time.end(), t) - sorted_time.begin());
                return 0.5 * (below + 1.0 + upto);
            }
            case ZphTransform::km:
            default: {
                // 1 - KM just before t: last KM time strictly below t (findInterval(left.open = TRUE)).
                const auto it = std::lower_bound(km.time.begin(), km.time.end(), t);
                const std::size_t idx = std::size_t(it - km.time.begin());
                return 1.0 - (idx == 0 ? 1.0 : km.surv[idx - 1]);
            }
        }
    };

    double gsum = 0, nevent = 0;
    for (Eigen::Index i = 0; i < n; ++i)
        if (status[std::size_t(i)]) {
            gsum += g_of(time[std::size_t(i)]);
            nevent += 1;
        }
    const double gmean = gsum / nevent;
    const Eigen::RowVectorXd means = x_in.colwise().mean();
    const Eigen::MatrixXd x = x_in.rowwise() - means;
    const Eigen::VectorXd eta = x * fit.coef;
    // Augmented covariates (x, x g(t)): g is constant within a death time, so the per-time score and
    // information of the augmented model are (u_t, g u_t) and [[I_t, g I_t], [g I_t, g^2 I_t]].
    Eigen::MatrixXd imat = Eigen::MatrixXd::Zero(2 * p, 2 * p);
    Eigen::VectorXd u2 = Eigen::VectorXd::Zero(p);
    efron_pass(x, time, status, eta, nullptr, nullptr, [&](double t, const Eigen::VectorXd& u_t, const Eigen::MatrixXd& i_t) {
        const double g = g_of(t) - gmean;
        imat.topLeftCorner(p, p) += i_t;
        imat.topRightCorner(p, p) += g * i_t;
        imat.bottomLeftCorner(p, p) += g * i_t;
        imat.bottomRightCorner(p, p) += g * g * i_t;
        u2 += g * u_t;
    });
    ZphResult z;
    for (Eigen::Index j = 0; j < p; ++j) {
        // test_j = u' I^-1 u on the rows/cols (x_1..x_p, x_j g); the first block of u is 0 at beta_hat.
        std::vector<Eigen::Index> kk;
        for (Eigen::Index a = 0; a < p; ++a) kk.push_back(a);
        kk.push_back(p + j);
        const Eigen::Index m = Eigen::Index(kk.size());
        Eigen::MatrixXd sub(m, m);
        for (Eigen::Index a = 0; a < m; ++a)
            for (Eigen::Index b = 0; b < m; ++b) sub(a, b) = imat(kk[std::size_t(a)], kk[std::size_t(b)]);
        Eigen::VectorXd u = Eigen::VectorXd::Zero(m);
        u(m - 1) = u2(j);
        const double chisq = u.dot(sub.lu().solve(u));
        z.chisq.push_back(chisq);
        z.p_value.push_back(chisq_upper(chisq, 1));
    }
    Eigen::VectorXd u = Eigen::VectorXd::Zero(2 * p);
    u.tail(p) = u2;
    z.global_chisq = u.dot(imat.lu().solve(u));
    z.global_p = chisq_upper(z.global_chisq, double(p));
    return z;
}

}  // namespace radhpc::stats
