// Internal (not installed): glmnet's lognet2n outer logic - lambda sequence, strong-rule screening,
// quadratic approximation + coordinate descent, convergence checks, KKT check, path stopping -
// written once over the representation of the data. `Ops` supplies the inner products:
//   naive (glmnet.cpp): rows held in memory, a residual vector updated per coordinate step;
//   covariance (federated_glmnet.cpp): per IRLS step a weighted Gram matrix of the features
//   (summed over sites), gradients updated from its columns.
// Ops interface (all on glmnet's standardised scale, observation weights summing to 1):
//   double weighted_y()                  sum_i w_i y_i
//   void start(double q0)                state at b = (logit q0, 0): v = q0 (1 - q0) w, r = w (y - q0)
//   double saturated(double dev)         dev + sum_i w_i (y log y + (1 - y) log(1 - y)), in row order
//   double gradient(k)                   sum_i r_i x_ik for the current r (applies pending updates)
//   void moved(k, d)                     r -= d v x_k
//   double intercept_gradient()          sum_i r_i (applies pending updates)
//   void intercept_moved(d)              r -= d v
//   void flush()                         applies pending updates
//   double xv(k)                         sum_i v_i x_ik^2
//   double irls(b, m)                    new q, v, r at b (b(0) intercept, b(k+1) for k in m); sum_i v_i
//   double half_deviance()               -sum_i w_i log(clamped q or 1 - q) at the last irls point
#pragma once
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/glmnet.hpp"

#ifndef RADHPC_INLINE
#define RADHPC_INLINE inline __attribute__((always_inline))
#endif

namespace radhpc::stats::detail {

// The option-dependent settings of lognet2n (glmnet's ju, vp, flmin, ulam, nlam, ne, nx).
struct LognetSettings {
    const std::vector<char>* ju = nullptr;  // usable (non-constant) columns
    Eigen::VectorXd vp;
    double flmin = 1.0;
    std::vector<double> ulam;
    int nlam = 0, ne = 0, nx = 0;
    const GlmnetOptions* o = nullptr;
};

struct LognetOutput {
    std::vector<Eigen::VectorXd> a_path;  // b(1..ni) per lambda, standardised scale
    std::vector<double> a0_path, alm, dev;
    double dev0 = 0;
    int nlp = 0, jerr = 0;
};

// Validates the options and derives the settings; n_all = nrow(x) (glmnet's default lambda_min_ratio).
// Defined in glmnet.cpp.
LognetSettings lognet_settings(const GlmnetOptions& o, Eigen::Index n_all, const std::vector<char>& ju);

// The path on the original scale (beta = a / scale, a0 -= beta' mean) with fix.lam; sw = sum of the
// observation weights. Defined in glmnet.cpp.
GlmnetPath lognet_to_path(const LognetOutput& core, const LognetSettings& s, const Eigen::VectorXd& mean,
                          const Eigen::VectorXd& scale, double sw);

template <class Ops>
class Lognet {
public:
    RADHPC_INLINE Lognet(const LognetSettings& in, Ops& ops)
        : in_(in), o_(*in.o), ops_(ops), ju_(*in.ju), vp_(in.vp), ni_(in.vp.size()) {}

    RADHPC_INLINE void run(LognetOutput& out) {
        const double pmin = o_.pmin;
        vmin_ = (1.0 + pmin) * pmin * (1.0 - pmin);
        const double bta = o_.alpha;
        double q0 = ops_.weighted_y();
        if (q0 <= pmin || q0 >= 1.0 - pmin)
            throw Error(ErrorKind::invalid_input, "glmnet: outcome has (almost) a single class");
        if (!o_.intercept) q0 = 0.5;
        const double bz = o_.intercept ? std::log(q0 / (1.0 - q0)) : 0.0;
        b_ = Eigen::VectorXd::Zero(ni_ + 1);  // b(0) = intercept
        bs_ = Eigen::VectorXd::Zero(ni_ + 1);
        xv_ = Eigen::VectorXd::Zero(ni_);
        Eigen::VectorXd ga = Eigen::VectorXd::Zero(ni_);
        b_(0) = bz;
        ops_.start(q0);
        xmz_ = q0 * (1.0 - q0);
        dev1_ = -(bz * q0 + std::log(1.0 - q0));  // null deviance / 2 per unit weight
        dev0_ = ops_.saturated(dev1_);            // saturated log-likelihood is 0 for 0/1 data
        out.dev0 = dev0_;
        const double flmin = in_.flmin;
        const int nlam = in_.nlam;
        double alf = 1.0;
        if (flmin < 1.0) alf = std::pow(std::max(o_.eps, flmin), 1.0 / (nlam - 1));
        mm_.assign(std::size_t(ni_), 0);
        ixx_.assign(std::size_t(ni_), 0);
        const int mnl = std::min(o_.mnlam, nlam);
        shr_ = o_.thresh * dev0_;
        for (Eigen::Index j = 0; j < ni_; ++j)
            if (ju_[std::size_t(j)]) ga(j) = std::fabs(ops_.gradient(j));
        double al = 0.0;
        for (int ilm = 1; ilm <= nlam; ++ilm) {
            double al0 = al;
            if (flmin >= 1.0) al = in_.ulam[std::size_t(ilm - 1)];
            else if (ilm > 2) al *= alf;
            else if (ilm == 1) al = o_.big;
            else {
                // lambda_max = max_j |<x_j, w (y - ybar)>| / vp_j / max(alpha, 1e-3)
                al0 = 0.0;
                for (Eigen::Index j = 0; j < ni_; ++j)
                    if (ju_[std::size_t(j)] && vp_(j) > 0.0) al0 = std::max(al0, ga(j) / vp_(j));
                al0 /= std::max(bta, 1e-3);
                al = alf * al0;
            }
            const double tlam = bta * (2.0 * al - al0);
            // Sequential strong rule: screen in predictors with |gradient| > alpha (2 lambda - lambda_prev).
            for (Eigen::Index k = 0; k < ni_; ++k)
                if (!ixx_[std::size_t(k)] && ju_[std::size_t(k)] && ga(k) > tlam * vp_(k)) ixx_[std::size_t(k)] = 1;
            const Status st = solve(ilm, al, ga);
            if (st == Status::maxit) break;
            if (st == Status::too_many) {
                jerr_ = -10000 - ilm;
                break;
            }
            record(out, al);
            if (xmz_ <= vmin_) break;
            if (ilm < mnl || flmin >= 1.0) continue;
            int me = 0;
            for (int k : m_)
                if (out.a_path.back()(k) != 0.0) ++me;
            if (me > in_.ne) break;
            if (out.dev.back() > o_.devmax) break;
            if (out.dev.back() - out.dev[out.dev.size() - 2] < o_.fdev) break;
        }
        out.nlp = nlp_;
        out.jerr = jerr_;
    }

private:
    enum class Status { ok, too_many, maxit };

    // One lambda: quadratic approximations until the coefficients settle and the KKT conditions of
    // the predictors outside the strong set hold.
    RADHPC_INLINE Status solve(int ilm, double al, Eigen::VectorXd& ga) {
        const double al2 = al * (1.0 - o_.alpha), al1 = al * o_.alpha;
        bool again = true;
        while (again) {
            again = false;
            while (true) {  // outer loop: one quadratic approximation per pass
                bs_(0) = b_(0);
                for (int k : m_) bs_(k + 1) = b_(k + 1);
                for (Eigen::Index j = 0; j < ni_; ++j)
                    if (ixx_[std::size_t(j)]) xv_(j) = ops_.xv(j);
                const Status st = descend(ilm, al1, al2);
                if (st == Status::maxit) return st;
                ops_.flush();
                if (st == Status::too_many) return st;
                // New working response: q = expit(eta), clipped at pmin as glmnet does.
                xmz_ = ops_.irls(b_, m_);
                if (xmz_ <= vmin_) break;
                if (xmz_ * (b_(0) - bs_(0)) * (b_(0) - bs_(0)) < shr_) {
                    bool moved = false;
                    for (int k : m_)
                        if (xv_(k) * (b_(k + 1) - bs_(k + 1)) * (b_(k + 1) - bs_(k + 1)) >= shr_) {
                            moved = true;
                            break;
                        }
                    if (!moved) {
                        // Converged on the strong set: check the KKT conditions of the rest.
                        for (Eigen::Index k = 0; k < ni_; ++k) {
                            if (ixx_[std::size_t(k)] || !ju_[std::size_t(k)]) continue;
                            ga(k) = std::fabs(ops_.gradient(k));
                            if (ga(k) > al1 * vp_(k)) {
                                ixx_[std::size_t(k)] = 1;
                                again = true;
                            }
                        }
                        break;
                    }
                }
            }
        }
        return Status::ok;
    }

    // Coordinate descent over the strong set, then the active set, until max_j xv_j d_j^2 < shr.
    RADHPC_INLINE Status descend(int ilm, double al1, double al2) {
        // locals, not members: the Ops' stores through double* could alias members, forcing reloads
        const double shr = shr_, xmz = xmz_;
        while (true) {
            ++nlp_;
            double dlx = 0.0;
            for (Eigen::Index k = 0; k < ni_; ++k) {
                if (!ixx_[std::size_t(k)]) continue;
                if (!coordinate_step(k, al1, al2, dlx)) continue;
                if (mm_[std::size_t(k)] == 0) {
                    m_.push_back(int(k));
                    if (int(m_.size()) > in_.nx) return Status::too_many;
                    mm_[std::size_t(k)] = int(m_.size());
                }
            }
            intercept_step(xmz, dlx);
            if (dlx < shr) return Status::ok;
            if (nlp_ > o_.maxit) {
                jerr_ = -ilm;
                return Status::maxit;
            }
            while (true) {
                ++nlp_;
                dlx = 0.0;
                for (int k : m_) coordinate_step(k, al1, al2, dlx);
                intercept_step(xmz, dlx);
                if (dlx < shr) break;
                if (nlp_ > o_.maxit) {
                    jerr_ = -ilm;
                    return Status::maxit;
                }
            }
        }
    }

    RADHPC_INLINE bool coordinate_step(Eigen::Index k, double al1, double al2, double& dlx) {
        const double bk = b_(k + 1);
        const double gk = ops_.gradient(k);
        const double u = gk + xv_(k) * bk, au = std::fabs(u) - vp_(k) * al1;
        // soft-threshold: b = S(u, vp*lambda*alpha) / (xv + vp*lambda*(1-alpha))
        b_(k + 1) = au <= 0.0 ? 0.0 : std::clamp(std::copysign(au, u) / (xv_(k) + vp_(k) * al2), -o_.big, o_.big);
        const double d = b_(k + 1) - bk;
        if (std::fabs(d) <= 0.0) return false;
        dlx = std::max(dlx, xv_(k) * d * d);
        ops_.moved(k, d);
        return true;
    }

    RADHPC_INLINE void intercept_step(double xmz, double& dlx) {
        double d = 0.0;
        if (o_.intercept) d = ops_.intercept_gradient() / xmz;
        if (d != 0.0) {
            b_(0) += d;
            dlx = std::max(dlx, xmz * d * d);
            ops_.intercept_moved(d);
        }
    }

    RADHPC_INLINE void record(LognetOutput& out, double al) {
        Eigen::VectorXd a = Eigen::VectorXd::Zero(ni_);
        for (int k : m_) a(k) = b_(k + 1);
        out.a_path.push_back(std::move(a));
        out.a0_path.push_back(b_(0));
        out.alm.push_back(al);
        // dev2: deviance/2 with probabilities clipped to [pmin, 1-pmin]
        out.dev.push_back((dev1_ - ops_.half_deviance()) / dev0_);
    }

    const LognetSettings& in_;
    const GlmnetOptions& o_;
    Ops& ops_;
    const std::vector<char>& ju_;
    const Eigen::VectorXd& vp_;
    const Eigen::Index ni_;
    Eigen::VectorXd b_, bs_, xv_;
    std::vector<int> mm_, ixx_, m_;  // m: active set in entry order
    int nlp_ = 0, jerr_ = 0;
    double xmz_ = 0, shr_ = 0, vmin_ = 0, dev0_ = 0, dev1_ = 0;
};

}  // namespace radhpc::stats::detail
