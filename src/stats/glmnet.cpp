// Binomial elastic net by coordinate descent, mirroring glmnet's lognet/lognet2n step by step
// (same update order, screening and stopping rules) so that paths, not only optima, agree.
#include "radhpc/stats/glmnet.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "radhpc/core/error.hpp"

namespace radhpc::stats {

Eigen::VectorXd GlmnetPath::link(const Eigen::MatrixXd& x, std::size_t k) const {
    return (x * beta.col(Eigen::Index(k))).array() + intercept[k];
}

namespace {

struct Standardised {
    Eigen::MatrixXd x;  // centred (with intercept) and scaled (with standardize) copy
    Eigen::VectorXd mean, scale;
    std::vector<char> usable;  // glmnet's ju: column not constant
};

Standardised standardise(const Eigen::MatrixXd& x, const Eigen::VectorXd& w, bool intercept, bool scale) {
    const Eigen::Index n = x.rows(), p = x.cols();
    Standardised s;
    s.x = x;
    s.mean = Eigen::VectorXd::Zero(p);
    s.scale = Eigen::VectorXd::Ones(p);
    s.usable.assign(std::size_t(p), 0);
    for (Eigen::Index j = 0; j < p; ++j) {
        for (Eigen::Index i = 1; i < n; ++i)
            if (x(i, j) != x(0, j)) {
                s.usable[std::size_t(j)] = 1;
                break;
            }
        if (!s.usable[std::size_t(j)]) continue;
        auto col = s.x.col(j);
        if (intercept) {
            // xm = sum w x (weights sum to 1); x <- x - xm; xs = sqrt(sum w x^2); x <- x / xs
            s.mean(j) = w.dot(col);
            col.array() -= s.mean(j);
            if (scale) {
                s.scale(j) = std::sqrt(w.dot(col.cwiseAbs2()));
                col /= s.scale(j);
            }
        } else if (scale) {
            const double m = w.dot(col);
            s.scale(j) = std::sqrt(w.dot(col.cwiseAbs2()) - m * m);
            col /= s.scale(j);
        }
    }
    return s;
}

}  // namespace

GlmnetPath glmnet_binomial(const Eigen::MatrixXd& x_in, std::span<const double> y_in, const GlmnetOptions& o,
                           std::span<const double> weights_in) {
    const Eigen::Index n_all = x_in.rows(), ni = x_in.cols();
    if (Eigen::Index(y_in.size()) != n_all) throw Error(ErrorKind::invalid_input, "glmnet: x and y differ in rows");
    if (!weights_in.empty() && Eigen::Index(weights_in.size()) != n_all)
        throw Error(ErrorKind::invalid_input, "glmnet: weights length");
    if (ni == 0) throw Error(ErrorKind::invalid_input, "glmnet: no predictors");
    if (o.alpha < 0 || o.alpha > 1) throw Error(ErrorKind::invalid_input, "glmnet: alpha outside [0,1]");
    // Observations with zero weight are dropped (lognet.R). Identical observations (same x and y)
    // are merged into one with the summed weight: the weighted problem has the same standardisation,
    // lambda path and coordinate-descent iterates (every sum over observations is unchanged), at
    // lower cost; bootstrap samples contain ~37% duplicated rows.
    std::vector<Eigen::Index> rows;
    std::vector<double> row_weight;
    std::map<std::vector<double>, std::size_t> seen;
    std::vector<double> key(std::size_t(ni) + 1);
    for (Eigen::Index i = 0; i < n_all; ++i) {
        const double wi = weights_in.empty() ? 1.0 : weights_in[std::size_t(i)];
        if (wi < 0) throw Error(ErrorKind::invalid_input, "glmnet: negative weight");
        if (y_in[std::size_t(i)] != 0.0 && y_in[std::size_t(i)] != 1.0)
            throw Error(ErrorKind::invalid_input, "glmnet: outcome must be 0/1");
        if (!(wi > 0)) continue;
        key[0] = y_in[std::size_t(i)];
        for (Eigen::Index j = 0; j < ni; ++j) key[std::size_t(j) + 1] = x_in(i, j);
        const auto [it, inserted] = seen.try_emplace(key, rows.size());
        if (inserted) {
            rows.push_back(i);
            row_weight.push_back(wi);
        } else {
            row_weight[it->second] += wi;
        }
    }
    const Eigen::Index no = Eigen::Index(rows.size());
    Eigen::MatrixXd xsel(no, ni);
    Eigen::VectorXd y(no), w(no);
    for (Eigen::Index i = 0; i < no; ++i) {
        xsel.row(i) = x_in.row(rows[std::size_t(i)]);
        y(i) = y_in[std::size_t(rows[std::size_t(i)])];
        w(i) = row_weight[std::size_t(i)];
    }
    const double sw = w.sum();
    w /= sw;

    const int ne = o.dfmax < 0 ? int(ni) + 1 : o.dfmax;
    const int nx = o.pmax < 0 ? int(std::min<Eigen::Index>(2 * Eigen::Index(ne) + 20, ni)) : o.pmax;
    double flmin;
    std::vector<double> ulam;
    int nlam;
    if (o.lambda.empty()) {
        // glmnet's default uses nobs = nrow(x), i.e. before any merging or dropping
        flmin = o.lambda_min_ratio >= 0 ? o.lambda_min_ratio : (n_all < ni ? 0.01 : 1e-4);
        if (flmin >= 1) throw Error(ErrorKind::invalid_input, "glmnet: lambda_min_ratio must be < 1");
        nlam = o.nlambda;
    } else {
        flmin = 1.0;
        ulam = o.lambda;
        std::sort(ulam.begin(), ulam.end(), std::greater<>());
        nlam = int(ulam.size());
    }
    // Penalty factors rescaled to sum to the number of variables.
    Eigen::VectorXd vp = Eigen::VectorXd::Ones(ni);
    if (!o.penalty_factor.empty()) {
        if (Eigen::Index(o.penalty_factor.size()) != ni) throw Error(ErrorKind::invalid_input, "glmnet: penalty_factor");
        for (Eigen::Index j = 0; j < ni; ++j) vp(j) = std::max(0.0, o.penalty_factor[std::size_t(j)]);
        if (vp.maxCoeff() <= 0) throw Error(ErrorKind::invalid_input, "glmnet: all penalty factors zero");
    }
    vp *= double(ni) / vp.sum();

    Standardised s = standardise(xsel, w, o.intercept, o.standardize);
    const Eigen::MatrixXd& x = s.x;
    const auto& ju = s.usable;
    if (std::none_of(ju.begin(), ju.end(), [](char c) { return c != 0; }))
        throw Error(ErrorKind::invalid_input, "glmnet: all predictors constant");

    // ---- lognet2n ------------------------------------------------------------------------
    const double pmin = o.pmin;
    const double fmax = std::log(1.0 / pmin - 1.0), fmin = -fmax, vmin = (1.0 + pmin) * pmin * (1.0 - pmin);
    const double bta = o.alpha, omb = 1.0 - bta;
    double q0 = w.dot(y);
    if (q0 <= pmin || q0 >= 1.0 - pmin)
        throw Error(ErrorKind::invalid_input, "glmnet: outcome has (almost) a single class");
    if (!o.intercept) q0 = 0.5;
    const double bz = o.intercept ? std::log(q0 / (1.0 - q0)) : 0.0;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(ni + 1), bs = Eigen::VectorXd::Zero(ni + 1);  // b(0) = intercept
    Eigen::VectorXd xv = Eigen::VectorXd::Zero(ni), ga = Eigen::VectorXd::Zero(ni);
    b(0) = bz;
    const double vi = q0 * (1.0 - q0);
    Eigen::VectorXd v = vi * w;
    Eigen::VectorXd r = w.array() * (y.array() - q0);
    Eigen::VectorXd q = Eigen::VectorXd::Constant(no, q0), eta(no);
    double xmz = vi;
    const double dev1 = -(bz * q0 + std::log(1.0 - q0));  // null deviance / 2 per unit weight
    double dev0 = dev1;  // saturated log-likelihood is 0 for 0/1 data
    for (Eigen::Index i = 0; i < no; ++i) {
        if (y(i) > 0.0) dev0 += w(i) * y(i) * std::log(y(i));
        if (y(i) < 1.0) dev0 += w(i) * (1.0 - y(i)) * std::log(1.0 - y(i));
    }
    double alf = 1.0;
    if (flmin < 1.0) alf = std::pow(std::max(o.eps, flmin), 1.0 / (nlam - 1));
    std::vector<int> mm(std::size_t(ni), 0), ixx(std::size_t(ni), 0), m;  // m: active set in entry order
    int nlp = 0, jerr = 0;
    const int mnl = std::min(o.mnlam, nlam);
    const double shr = o.thresh * dev0;
    for (Eigen::Index j = 0; j < ni; ++j)
        if (ju[std::size_t(j)]) ga(j) = std::fabs(r.dot(x.col(j)));

    std::vector<Eigen::VectorXd> a_path;  // b(1..ni) per lambda, standardised scale
    std::vector<double> a0_path, alm, dev;
    double al = 0.0;

    auto coordinate_step = [&](Eigen::Index k, double al1, double al2, double& dlx) -> bool {
        const double bk = b(k + 1);
        const double gk = r.dot(x.col(k));
        const double u = gk + xv(k) * bk, au = std::fabs(u) - vp(k) * al1;
        // soft-threshold: b = S(u, vp*lambda*alpha) / (xv + vp*lambda*(1-alpha))
        b(k + 1) = au <= 0.0 ? 0.0 : std::clamp(std::copysign(au, u) / (xv(k) + vp(k) * al2), -o.big, o.big);
        const double d = b(k + 1) - bk;
        if (std::fabs(d) <= 0.0) return false;
        dlx = std::max(dlx, xv(k) * d * d);
        r.array() -= d * v.array() * x.col(k).array();
        return true;
    };
    auto intercept_step = [&](double& dlx) {
        double d = 0.0;
        if (o.intercept) d = r.sum() / xmz;
        if (d != 0.0) {
            b(0) += d;
            dlx = std::max(dlx, xmz * d * d);
            r -= d * v;
        }
    };

    for (int ilm = 1; ilm <= nlam; ++ilm) {
        double al0 = al;
        if (flmin >= 1.0) al = ulam[std::size_t(ilm - 1)];
        else if (ilm > 2) al *= alf;
        else if (ilm == 1) al = o.big;
        else {
            // lambda_max = max_j |<x_j, w (y - ybar)>| / vp_j / max(alpha, 1e-3)
            al0 = 0.0;
            for (Eigen::Index j = 0; j < ni; ++j)
                if (ju[std::size_t(j)] && vp(j) > 0.0) al0 = std::max(al0, ga(j) / vp(j));
            al0 /= std::max(bta, 1e-3);
            al = alf * al0;
        }
        const double al2 = al * omb, al1 = al * bta, tlam = bta * (2.0 * al - al0);
        // Sequential strong rule: screen in predictors with |gradient| > alpha (2 lambda - lambda_prev).
        for (Eigen::Index k = 0; k < ni; ++k)
            if (!ixx[std::size_t(k)] && ju[std::size_t(k)] && ga(k) > tlam * vp(k)) ixx[std::size_t(k)] = 1;
        bool too_many = false;
        bool again = true;
        while (again) {
            again = false;
            while (true) {  // outer loop: one quadratic approximation per pass
                bs(0) = b(0);
                for (int k : m) bs(k + 1) = b(k + 1);
                for (Eigen::Index j = 0; j < ni; ++j)
                    if (ixx[std::size_t(j)]) xv(j) = v.dot(x.col(j).cwiseAbs2());
                while (true) {  // coordinate descent over the strong set, then the active set
                    ++nlp;
                    double dlx = 0.0;
                    for (Eigen::Index k = 0; k < ni; ++k) {
                        if (!ixx[std::size_t(k)]) continue;
                        if (!coordinate_step(k, al1, al2, dlx)) continue;
                        if (mm[std::size_t(k)] == 0) {
                            m.push_back(int(k));
                            if (int(m.size()) > nx) {
                                too_many = true;
                                break;
                            }
                            mm[std::size_t(k)] = int(m.size());
                        }
                    }
                    if (too_many) break;
                    intercept_step(dlx);
                    if (dlx < shr) break;
                    if (nlp > o.maxit) {
                        jerr = -ilm;
                        goto finished;
                    }
                    while (true) {
                        ++nlp;
                        dlx = 0.0;
                        for (int k : m) coordinate_step(k, al1, al2, dlx);
                        intercept_step(dlx);
                        if (dlx < shr) break;
                        if (nlp > o.maxit) {
                            jerr = -ilm;
                            goto finished;
                        }
                    }
                }
                if (too_many) break;
                // New working response: q = expit(eta), clipped at pmin as glmnet does.
                eta.setConstant(b(0));
                for (int k : m) eta.noalias() += b(k + 1) * x.col(k);  // column-wise: contiguous access
                for (Eigen::Index i = 0; i < no; ++i) {
                    const double fi = eta(i);
                    q(i) = fi < fmin ? 0.0 : (fi > fmax ? 1.0 : 1.0 / (1.0 + std::exp(-fi)));
                }
                v = w.array() * q.array() * (1.0 - q.array());
                xmz = v.sum();
                if (xmz <= vmin) break;
                r = w.array() * (y.array() - q.array());
                if (xmz * (b(0) - bs(0)) * (b(0) - bs(0)) < shr) {
                    bool moved = false;
                    for (int k : m)
                        if (xv(k) * (b(k + 1) - bs(k + 1)) * (b(k + 1) - bs(k + 1)) >= shr) {
                            moved = true;
                            break;
                        }
                    if (!moved) {
                        // Converged on the strong set: check the KKT conditions of the rest.
                        bool violation = false;
                        for (Eigen::Index k = 0; k < ni; ++k) {
                            if (ixx[std::size_t(k)] || !ju[std::size_t(k)]) continue;
                            ga(k) = std::fabs(r.dot(x.col(k)));
                            if (ga(k) > al1 * vp(k)) {
                                ixx[std::size_t(k)] = 1;
                                violation = true;
                            }
                        }
                        if (violation) again = true;
                        break;
                    }
                }
            }
            if (too_many) break;
        }
        if (too_many) {
            jerr = -10000 - ilm;
            break;
        }
        {
            Eigen::VectorXd a = Eigen::VectorXd::Zero(ni);
            for (int k : m) a(k) = b(k + 1);
            a_path.push_back(a);
            a0_path.push_back(b(0));
            alm.push_back(al);
            double devi = 0.0;  // dev2: deviance/2 with probabilities clipped to [pmin, 1-pmin]
            for (Eigen::Index i = 0; i < no; ++i) {
                const double pi = std::min(std::max(pmin, q(i)), 1.0 - pmin);
                devi -= w(i) * (y(i) * std::log(pi) + (1.0 - y(i)) * std::log(1.0 - pi));
            }
            dev.push_back((dev1 - devi) / dev0);
        }
        if (xmz <= vmin) break;
        if (ilm < mnl || flmin >= 1.0) continue;
        int me = 0;
        for (int k : m)
            if (a_path.back()(k) != 0.0) ++me;
        if (me > ne) break;
        if (dev.back() > o.devmax) break;
        if (dev.back() - dev[dev.size() - 2] < o.fdev) break;
    }
finished:
    GlmnetPath path;
    path.error_code = jerr;
    path.npasses = nlp;
    path.null_deviance = 2.0 * sw * dev0;
    const std::size_t lmu = a_path.size();
    path.beta = Eigen::MatrixXd::Zero(ni, Eigen::Index(lmu));
    for (std::size_t k = 0; k < lmu; ++k) {
        double a0 = a0_path[k];
        int df = 0;
        for (Eigen::Index j = 0; j < ni; ++j) {
            // back to the original scale: beta_j = a_j / xs_j, a0 = a0 - sum_j beta_j xm_j
            const double bj = a_path[k](j) / s.scale(j);
            path.beta(j, Eigen::Index(k)) = bj;
            if (o.intercept) a0 -= bj * s.mean(j);
            if (bj != 0.0) ++df;
        }
        path.intercept.push_back(o.intercept ? a0 : 0.0);
        path.df.push_back(df);
    }
    path.lambda = alm;
    path.dev_ratio = dev;
    // fix.lam: the first lambda (computed as "infinity") is reported as lambda_2^2 / lambda_3.
    if (flmin < 1.0 && path.lambda.size() > 2)
        path.lambda[0] = std::exp(2.0 * std::log(path.lambda[1]) - std::log(path.lambda[2]));
    return path;
}

GlmnetPath glmnet_binomial_fit(const Eigen::MatrixXd& x, std::span<const double> y, double alpha, double lambda,
                               GlmnetOptions options, std::span<const double> weights) {
    options.alpha = alpha;
    options.lambda = {lambda};
    return glmnet_binomial(x, y, options, weights);
}

}  // namespace radhpc::stats
