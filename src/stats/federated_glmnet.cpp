// Federated logistic elastic net: glmnet's lognet2n (detail::Lognet, shared with glmnet_binomial)
// with covariance updates on the pooled per-IRLS-step Gram matrix, and cv.glmnet's deviance curve
// from per-site held-out sums.
#include "radhpc/stats/federated_glmnet.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "radhpc/core/error.hpp"
#include "cv_detail.hpp"
#include "glmnet_path.hpp"

namespace radhpc::stats::federated {

namespace {

void check_rows(const Eigen::MatrixXd& x, std::span<const double> y, const char* what) {
    if (Eigen::Index(y.size()) != x.rows()) throw Error(ErrorKind::invalid_input, std::string(what) + ": x and y differ in rows");
    for (double v : y)
        if (v != 0.0 && v != 1.0) throw Error(ErrorKind::invalid_input, std::string(what) + ": y must be 0/1");
}

void add_sized(Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    if (a.size() == 0) a = Eigen::VectorXd::Zero(b.size());
    if (b.size() == 0) return;
    if (a.size() != b.size()) throw Error(ErrorKind::invalid_input, "federated: sites differ in the number of features");
    a += b;
}

void add_sized(Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    if (a.size() == 0) a = Eigen::MatrixXd::Zero(b.rows(), b.cols());
    if (b.size() == 0) return;
    if (a.rows() != b.rows() || a.cols() != b.cols())
        throw Error(ErrorKind::invalid_input, "federated: sites differ in the number of features");
    a += b;
}

// Sums over rows on the original scale: sw = sum v, sx = sum v x, sxx = sum v x x', sr = sum r,
// srx = sum r x (v: IRLS weights, r: score y - p).
struct RawSums {
    double sw = 0, sr = 0;
    Eigen::VectorXd sx, srx;
    const Eigen::MatrixXd* sxx = nullptr;
    double sxx_scale = 1.0;  // sum v x x' = sxx_scale * (*sxx)
};

// glmnet's standardisation from the pooled moments: xm = mean (with intercept), xs = sd with 1/n
// (with standardize); ju = not constant.
struct Scaling {
    Eigen::VectorXd centre, scale, mean;  // centre = mean with an intercept, else 0
    std::vector<char> usable;
};

Scaling scaling(const LogisticMoments& m, const GlmnetOptions& o) {
    const Eigen::Index p = m.sum_x.size();
    Scaling s;
    s.centre = Eigen::VectorXd::Zero(p);
    s.scale = Eigen::VectorXd::Ones(p);
    s.usable.assign(std::size_t(p), 0);
    for (Eigen::Index j = 0; j < p; ++j) {
        const double mean = m.sum_x(j) / m.n, msq = m.sum_x2(j) / m.n, var = msq - mean * mean;
        // Constant column: the one-pass variance of a constant c is c^2 times a few rounding
        // errors (~1e-16 each); 1e-13 leaves room for n of them.
        if (!(var > 1e-13 * msq)) continue;
        s.usable[std::size_t(j)] = 1;
        if (o.intercept) s.centre(j) = mean;
        if (o.standardize) s.scale(j) = std::sqrt(var);
    }
    return s;
}

// Covariance updates on glmnet's standardised scale: G = sum_i w_i v_i (1, x~_i)(1, x~_i)' and the
// gradient g = sum_i w_i r_i (1, x~_i), x~ = (x - centre) / scale, observation weights w_i = 1/n.
class GramOps {
public:
    GramOps(const LogisticMoments& m, const Scaling& s, const GramFunction& gram, bool intercept, FederatedFitInfo& info)
        : m_(m), s_(s), gram_(gram), intercept_(intercept), info_(info), p_(m.sum_x.size()) {}

    double weighted_y() const { return m_.sum_y / m_.n; }
    void start(double q0) {
        const double vi = q0 * (1.0 - q0);
        RawSums r;
        r.sw = vi * m_.n;
        r.sx = vi * m_.sum_x;
        r.sxx = &m_.sum_xxt;
        r.sxx_scale = vi;
        r.sr = m_.sum_y - q0 * m_.n;
        r.srx = m_.sum_xy - q0 * m_.sum_x;
        set(r);
    }
    double saturated(double dev0) const { return dev0; }  // 0/1 outcomes
    double gradient(Eigen::Index k) const { return g_(k + 1); }
    void moved(Eigen::Index k, double d) { g_ -= d * g_matrix_.col(k + 1); }
    double intercept_gradient() const { return g_(0); }
    void intercept_moved(double d) { g_ -= d * g_matrix_.col(0); }
    void flush() {}
    double xv(Eigen::Index k) const { return g_matrix_(k + 1, k + 1); }
    double irls(const Eigen::VectorXd& b, const std::vector<int>& active) {
        Eigen::VectorXd beta = Eigen::VectorXd::Zero(p_);
        double a0 = b(0);
        for (int k : active) {
            beta(k) = b(k + 1) / s_.scale(k);
            if (intercept_) a0 -= beta(k) * s_.centre(k);
        }
        const LogisticGram st = gram_(a0, beta);
        ++info_.gram_rounds;
        if (st.sum_wx.size() != p_ || st.sum_rx.size() != p_ || st.sum_wxx.rows() != p_ || st.n != m_.n)
            throw Error(ErrorKind::invalid_input, "federated glmnet: gram does not match the moments");
        RawSums r;
        r.sw = st.sum_w;
        r.sx = st.sum_wx;
        r.sxx = &st.sum_wxx;
        r.sr = st.sum_r;
        r.srx = st.sum_rx;
        set(r);
        half_deviance_ = st.deviance / (2.0 * m_.n);
        return g_matrix_(0, 0);
    }
    double half_deviance() const { return half_deviance_; }

private:
    void set(const RawSums& r) {
        const double n = m_.n;
        const Eigen::VectorXd& c = s_.centre;
        const Eigen::VectorXd& sc = s_.scale;
        g_matrix_.resize(p_ + 1, p_ + 1);
        g_.resize(p_ + 1);
        g_matrix_(0, 0) = r.sw / n;
        g_(0) = r.sr / n;
        for (Eigen::Index j = 0; j < p_; ++j) {
            g_matrix_(j + 1, 0) = g_matrix_(0, j + 1) = (r.sx(j) - c(j) * r.sw) / (n * sc(j));
            g_(j + 1) = (r.srx(j) - c(j) * r.sr) / (n * sc(j));
            for (Eigen::Index k = 0; k <= j; ++k) {
                const double sxx = r.sxx_scale * (*r.sxx)(j, k);
                g_matrix_(j + 1, k + 1) = g_matrix_(k + 1, j + 1) =
                    (sxx - c(j) * r.sx(k) - c(k) * r.sx(j) + c(j) * c(k) * r.sw) / (n * sc(j) * sc(k));
            }
        }
    }

    const LogisticMoments& m_;
    const Scaling& s_;
    const GramFunction& gram_;
    const bool intercept_;
    FederatedFitInfo& info_;
    const Eigen::Index p_;
    Eigen::MatrixXd g_matrix_;
    Eigen::VectorXd g_;
    double half_deviance_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace

LogisticMoments logistic_site_moments(const Eigen::MatrixXd& x, std::span<const double> y) {
    check_rows(x, y, "logistic_site_moments");
    const Eigen::Map<const Eigen::VectorXd> yv(y.data(), Eigen::Index(y.size()));
    LogisticMoments m;
    m.n = double(x.rows());
    m.sum_y = yv.sum();
    m.sum_x = x.colwise().sum().transpose();
    m.sum_x2 = x.cwiseAbs2().colwise().sum().transpose();
    m.sum_xy = x.transpose() * yv;
    m.sum_xxt = x.transpose() * x;
    return m;
}

LogisticMoments& operator+=(LogisticMoments& a, const LogisticMoments& b) {
    a.n += b.n;
    a.sum_y += b.sum_y;
    add_sized(a.sum_x, b.sum_x);
    add_sized(a.sum_x2, b.sum_x2);
    add_sized(a.sum_xy, b.sum_xy);
    add_sized(a.sum_xxt, b.sum_xxt);
    return a;
}

LogisticGram logistic_site_gram(const Eigen::MatrixXd& x, std::span<const double> y, double a0,
                                const Eigen::VectorXd& beta, double pmin) {
    check_rows(x, y, "logistic_site_gram");
    if (beta.size() != x.cols()) throw Error(ErrorKind::invalid_input, "logistic_site_gram: beta length");
    const Eigen::Index n = x.rows();
    // glmnet's q = expit(eta), 0 / 1 beyond +-logit(1 - pmin); dev2 clamps to [pmin, 1 - pmin]
    const double fmax = std::log(1.0 / pmin - 1.0), fmin = -fmax;
    const Eigen::VectorXd eta = (x * beta).array() + a0;
    Eigen::VectorXd v(n), r(n), wz(n);
    LogisticGram g;
    g.n = double(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const double fi = eta(i), yi = y[std::size_t(i)];
        const double q = fi < fmin ? 0.0 : (fi > fmax ? 1.0 : 1.0 / (1.0 + std::exp(-fi)));
        v(i) = q * (1.0 - q);
        r(i) = yi - q;
        wz(i) = v(i) * fi + r(i);
        const double pc = std::min(std::max(pmin, q), 1.0 - pmin);
        g.deviance -= 2.0 * (yi > 0.0 ? std::log(pc) : std::log(1.0 - pc));
    }
    g.sum_w = v.sum();
    g.sum_r = r.sum();
    g.sum_wz = wz.sum();
    g.sum_wx = x.transpose() * v;
    g.sum_rx = x.transpose() * r;
    g.sum_wzx = x.transpose() * wz;
    g.sum_wxx = x.transpose() * v.asDiagonal() * x;
    return g;
}

LogisticGram& operator+=(LogisticGram& a, const LogisticGram& b) {
    a.n += b.n;
    a.sum_w += b.sum_w;
    a.sum_wz += b.sum_wz;
    a.sum_r += b.sum_r;
    a.deviance += b.deviance;
    add_sized(a.sum_wx, b.sum_wx);
    add_sized(a.sum_wzx, b.sum_wzx);
    add_sized(a.sum_rx, b.sum_rx);
    add_sized(a.sum_wxx, b.sum_wxx);
    return a;
}

GlmnetPath glmnet_binomial_federated(const LogisticMoments& pooled, const GramFunction& gram,
                                     const GlmnetOptions& options, FederatedFitInfo* info) {
    const Eigen::Index p = pooled.sum_x.size();
    if (p == 0) throw Error(ErrorKind::invalid_input, "glmnet: no predictors");
    if (pooled.n <= 0 || pooled.sum_x2.size() != p || pooled.sum_xy.size() != p || pooled.sum_xxt.rows() != p ||
        pooled.sum_xxt.cols() != p)
        throw Error(ErrorKind::invalid_input, "federated glmnet: incomplete moments");
    const Scaling s = scaling(pooled, options);
    const detail::LognetSettings in = detail::lognet_settings(options, Eigen::Index(pooled.n), s.usable);
    FederatedFitInfo local;
    GramOps ops(pooled, s, gram, options.intercept, info ? *info : local);
    detail::LognetOutput core;
    detail::Lognet<GramOps>(in, ops).run(core);
    return detail::lognet_to_path(core, in, s.centre, s.scale, pooled.n);
}

PathCoefficients path_coefficients_at(const GlmnetPath& path_of_fold, std::span<const double> lambdas) {
    PathCoefficients c;
    c.lambda.assign(lambdas.begin(), lambdas.end());
    detail::coefficients_at(path_of_fold, lambdas, c.beta, c.intercept);
    return c;
}

HeldOutDeviance logistic_heldout_deviance(const PathCoefficients& coefficients, const Eigen::MatrixXd& x,
                                          std::span<const double> y) {
    check_rows(x, y, "logistic_heldout_deviance");
    if (coefficients.beta.rows() != x.cols() || coefficients.intercept.size() != std::size_t(coefficients.beta.cols()))
        throw Error(ErrorKind::invalid_input, "logistic_heldout_deviance: coefficients do not match x");
    const std::size_t nl = coefficients.intercept.size();
    const double prob_min = 1e-5, prob_max = 1.0 - prob_min;  // cv.glmnet's clamping
    HeldOutDeviance h;
    h.n = double(x.rows());
    h.sum_deviance.assign(nl, 0.0);
    for (std::size_t l = 0; l < nl; ++l) {
        const Eigen::VectorXd link =
            (x * coefficients.beta.col(Eigen::Index(l))).array() + coefficients.intercept[l];
        double sum = 0.0;
        for (Eigen::Index i = 0; i < x.rows(); ++i) {
            const double p = std::min(std::max(1.0 / (1.0 + std::exp(-link(i))), prob_min), prob_max);
            sum += -2.0 * (y[std::size_t(i)] > 0.0 ? std::log(p) : std::log(1.0 - p));
        }
        h.sum_deviance[l] = sum;
    }
    return h;
}

HeldOutDeviance logistic_heldout_deviance(const GlmnetPath& path_of_fold, std::span<const double> lambdas,
                                          const Eigen::MatrixXd& x, std::span<const double> y) {
    return logistic_heldout_deviance(path_coefficients_at(path_of_fold, lambdas), x, y);
}

HeldOutDeviance& operator+=(HeldOutDeviance& a, const HeldOutDeviance& b) {
    if (a.sum_deviance.empty()) a.sum_deviance.assign(b.sum_deviance.size(), 0.0);
    if (a.sum_deviance.size() != b.sum_deviance.size())
        throw Error(ErrorKind::invalid_input, "held-out deviance: different numbers of lambdas");
    for (std::size_t l = 0; l < a.sum_deviance.size(); ++l) a.sum_deviance[l] += b.sum_deviance[l];
    a.n += b.n;
    return a;
}

CvCurve cv_curve_from_fold_deviance(const GlmnetPath& full_path, const std::vector<HeldOutDeviance>& per_fold,
                                    const GlmnetOptions& options) {
    if (per_fold.size() < 3) throw Error(ErrorKind::invalid_input, "cv: need at least 3 folds");
    CvCurve c;
    c.alpha = options.alpha;
    c.measure = CvMeasure::deviance;
    c.lambda = full_path.lambda;
    c.nzero = full_path.df;
    for (const auto& f : per_fold) {
        if (f.n <= 0) throw Error(ErrorKind::invalid_input, "cv: empty fold");
        if (f.sum_deviance.size() != c.lambda.size())
            throw Error(ErrorKind::invalid_input, "cv: held-out deviance not at the full-data lambdas");
        std::vector<double> mean(f.sum_deviance.size());
        for (std::size_t l = 0; l < mean.size(); ++l) mean[l] = f.sum_deviance[l] / f.n;  // fold mean
        c.fold_values.push_back(std::move(mean));
        c.fold_weights.push_back(f.n);
    }
    detail::summarise_curve(c);
    return c;
}

}  // namespace radhpc::stats::federated
