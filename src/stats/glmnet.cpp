// Binomial elastic net by coordinate descent, mirroring glmnet's lognet/lognet2n step by step
// (same update order, screening and stopping rules) so that paths, not only optima, agree.
#include "radhpc/stats/glmnet.hpp"

#include <algorithm>
#include <type_traits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>

#include "radhpc/core/error.hpp"
#include "glmnet_prepared.hpp"

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

// ---- SIMD kernels ------------------------------------------------------------------------------
// Every reduction adds its terms in exactly the order of Eigen's vectorised redux (SSE2 packets of
// 2, alignment start 0, which is what Eigen uses for dot products and for sums of plain vectors):
// four partial sums p_l over the rows i = l (mod 4) below n4 = n - n % 4, then
// ((p0 + p2) [+ t(n4)]) + ((p1 + p3) [+ t(n4 + 1)]) [+ t(n - 1)]. Element-wise operations are those of
// the previous Eigen expressions, so paths are bit-identical to them, whichever instruction set
// the lanes are lowered to (SSE2 or AVX2, chosen at run time) and whatever the thread count.
// Vectors are zero-padded to a multiple of 16 rows and 64-byte aligned.
constexpr Eigen::Index kPad = 16;
}  // namespace

namespace detail {  // (types held by detail::GlmnetData)
struct alignas(64) Blk {
    double d[kPad];
};
}  // namespace detail

namespace {
using detail::Blk;
#pragma GCC diagnostic ignored "-Wpsabi"  // the kernels taking AVX vectors are always inlined
typedef double V2 __attribute__((vector_size(16)));
typedef double V4 __attribute__((vector_size(32)));

#define RADHPC_INLINE inline __attribute__((always_inline))

template <class V>
constexpr int kW = int(sizeof(V) / sizeof(double));

template <class V>
RADHPC_INLINE V load(const double* p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
template <class V>
RADHPC_INLINE void store(double* p, V v) {
    std::memcpy(p, &v, sizeof v);
}

// Four partial sums (lanes 0..3 of each group of 4 rows), held in 4 / W native vectors.
template <class V>
struct Acc4 {
    V a[4 / kW<V>] = {};
    // lane-wise: a += x(o .. o+3)
    RADHPC_INLINE void add(const V* x) {
        for (int l = 0; l < 4 / kW<V>; ++l) a[l] += x[l];
    }
    // Eigen's tail: t(i) gives the term of row i (only rows n4 .. n-1 are asked for).
    template <class T>
    RADHPC_INLINE double finish(Eigen::Index n, T&& t) const {
        double p[4];
        for (int l = 0; l < 4 / kW<V>; ++l) store<V>(p + l * kW<V>, a[l]);
        const Eigen::Index n4 = n & ~Eigen::Index(3);
        double r0 = p[0] + p[2], r1 = p[1] + p[3];
        if ((n & 2) != 0) {
            r0 += t(n4);
            r1 += t(n4 + 1);
        }
        double res = r0 + r1;
        if ((n & 1) != 0) res += t(n - 1);
        return res;
    }
};

// sum_i a_i b_i over n rows
template <class V>
RADHPC_INLINE double dot(const double* a, const double* b, Eigen::Index n) {
    Acc4<V> acc;
    const Eigen::Index n4 = n & ~Eigen::Index(3);
    for (Eigen::Index i = 0; i < n4; i += 4) {
        V t[4 / kW<V>];
        for (int l = 0; l < 4 / kW<V>; ++l) t[l] = load<V>(a + i + l * kW<V>) * load<V>(b + i + l * kW<V>);
        acc.add(t);
    }
    return acc.finish(n, [&](Eigen::Index i) { return a[i] * b[i]; });
}

// sum_i v_i x_i^2
template <class V>
RADHPC_INLINE double weighted_sq(const double* v, const double* x, Eigen::Index n) {
    Acc4<V> acc;
    const Eigen::Index n4 = n & ~Eigen::Index(3);
    for (Eigen::Index i = 0; i < n4; i += 4) {
        V t[4 / kW<V>];
        for (int l = 0; l < 4 / kW<V>; ++l) {
            const V xo = load<V>(x + i + l * kW<V>);
            t[l] = load<V>(v + i + l * kW<V>) * (xo * xo);
        }
        acc.add(t);
    }
    return acc.finish(n, [&](Eigen::Index i) { return v[i] * (x[i] * x[i]); });
}

template <class V>
RADHPC_INLINE double sum(const double* a, Eigen::Index n) {
    Acc4<V> acc;
    const Eigen::Index n4 = n & ~Eigen::Index(3);
    for (Eigen::Index i = 0; i < n4; i += 4) {
        V t[4 / kW<V>];
        for (int l = 0; l < 4 / kW<V>; ++l) t[l] = load<V>(a + i + l * kW<V>);
        acc.add(t);
    }
    return acc.finish(n, [&](Eigen::Index i) { return a[i]; });
}

// r -= (d v) x over the padded length np
template <class V>
RADHPC_INLINE void update(double* r, const double* v, const double* x, double d, Eigen::Index np) {
    for (Eigen::Index i = 0; i < np; i += kW<V>)
        store<V>(r + i, load<V>(r + i) - (d * load<V>(v + i)) * load<V>(x + i));
}

// r -= (d v) xp (padded length np), then returns sum_i term(r_i, i) over n rows in Eigen's order:
// one sweep over r for two coordinate steps. `term` takes vectors (a lane group at offset o) and
// scalars (the tail rows) alike.
template <class V, class Term>
RADHPC_INLINE double update_reduce(double* r, const double* v, const double* xp, double d, Eigen::Index n, Eigen::Index np,
                                   Term term) {
    Acc4<V> acc;
    const Eigen::Index n4 = n & ~Eigen::Index(3);
    for (Eigen::Index i = 0; i < n4; i += 4) {
        V t[4 / kW<V>];
        for (int l = 0; l < 4 / kW<V>; ++l) {
            const Eigen::Index o = i + l * kW<V>;
            const V ro = load<V>(r + o) - (d * load<V>(v + o)) * load<V>(xp + o);
            store<V>(r + o, ro);
            t[l] = term(ro, o);
        }
        acc.add(t);
    }
    update<V>(r + n4, v + n4, xp + n4, d, np - n4);
    return acc.finish(n, [&](Eigen::Index i) __attribute__((always_inline)) { return term(r[i], i); });
}

// ... returning sum_i r_i xk_i (the next coordinate's gradient).
template <class V>
RADHPC_INLINE double update_dot(double* r, const double* v, const double* xp, double d, const double* xk,
                                Eigen::Index n, Eigen::Index np) {
    return update_reduce<V>(r, v, xp, d, n, np, [xk](auto ro, Eigen::Index o) __attribute__((always_inline)) {
        if constexpr (std::is_same_v<decltype(ro), double>) return ro * xk[o];
        else return ro * load<V>(xk + o);
    });
}

// ... returning sum_i r_i (the intercept's gradient).
template <class V>
RADHPC_INLINE double update_sum(double* r, const double* v, const double* xp, double d, Eigen::Index n,
                                Eigen::Index np) {
    return update_reduce<V>(r, v, xp, d, n, np, [](auto ro, Eigen::Index) __attribute__((always_inline)) { return ro; });
}

}  // namespace

namespace detail {
// 64-byte aligned, zero-padded storage of n rows (n a multiple of 16).
struct Aligned {
    std::vector<Blk> blocks;
    void assign(Eigen::Index n) { blocks.assign(std::size_t(n / kPad), Blk{}); }
    double* data() { return blocks.front().d; }
    const double* data() const { return blocks.front().d; }
};

// The standardised, de-duplicated data in the padded layout.
struct PreparedCore {
    Eigen::Index no = 0, ni = 0, nb = 0;  // rows, columns, rows padded to a multiple of 16
    Aligned x;                            // ni columns of nb rows
    Aligned w, y, ones;                   // nb rows each; padding rows: w = y = ones = 0
    const double* col(Eigen::Index j) const { return x.data() + j * nb; }
};

}  // namespace detail

namespace {
using detail::Aligned;
using detail::PreparedCore;

// Inputs of lognet2n: the data and the option-dependent settings.
struct CoreInput {
    const PreparedCore* d = nullptr;
    const std::vector<char>* ju = nullptr;
    Eigen::VectorXd vp;
    double flmin = 1.0;
    std::vector<double> ulam;
    int nlam = 0, ne = 0, nx = 0;
    const GlmnetOptions* o = nullptr;
};

struct CoreOutput {
    std::vector<Eigen::VectorXd> a_path;  // b(1..ni) per lambda, standardised scale
    std::vector<double> a0_path, alm, dev;
    double dev0 = 0;
    int nlp = 0, jerr = 0;
};

template <class V>
RADHPC_INLINE void lognet2n_impl(const CoreInput& in, CoreOutput& out);
void lognet2n_generic(const CoreInput& in, CoreOutput& out);
#if defined(__x86_64__) || defined(__i386__)
#define RADHPC_GLMNET_AVX2 1
void lognet2n_avx2(const CoreInput& in, CoreOutput& out);
#endif

}  // namespace

namespace detail {

struct GlmnetData {
    Eigen::Index n_all = 0, ni = 0;
    bool intercept = true, standardize = true;
    double sw = 0;                // sum of the weights
    Eigen::VectorXd mean, scale;  // standardisation
    std::vector<char> usable;     // glmnet's ju
    PreparedCore core;
};

std::shared_ptr<const GlmnetData> glmnet_prepare(const Eigen::MatrixXd& x_in, std::span<const double> y_in,
                                                 const GlmnetOptions& o, std::span<const double> weights_in) {
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

    Standardised s = standardise(xsel, w, o.intercept, o.standardize);
    auto data = std::make_shared<GlmnetData>();
    data->n_all = n_all;
    data->ni = ni;
    data->intercept = o.intercept;
    data->standardize = o.standardize;
    data->sw = sw;
    data->mean = std::move(s.mean);
    data->scale = std::move(s.scale);
    data->usable = std::move(s.usable);
    PreparedCore& in = data->core;
    in.no = no;
    in.ni = ni;
    in.nb = (no + kPad - 1) / kPad * kPad;
    in.x.assign(in.nb * ni);
    in.w.assign(in.nb);
    in.y.assign(in.nb);
    in.ones.assign(in.nb);
    for (Eigen::Index j = 0; j < ni; ++j) std::copy_n(s.x.col(j).data(), no, in.x.data() + j * in.nb);
    for (Eigen::Index i = 0; i < no; ++i) {
        in.w.data()[i] = w(i);
        in.y.data()[i] = y(i);
        in.ones.data()[i] = 1.0;
    }
    return data;
}

GlmnetPath glmnet_fit_prepared(const GlmnetData& data, const GlmnetOptions& o) {
    const Eigen::Index n_all = data.n_all, ni = data.ni;
    if (o.alpha < 0 || o.alpha > 1) throw Error(ErrorKind::invalid_input, "glmnet: alpha outside [0,1]");
    if (o.intercept != data.intercept || o.standardize != data.standardize)
        throw Error(ErrorKind::internal, "glmnet: prepared data used with other intercept/standardize options");
    const double sw = data.sw;
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

    const auto& ju = data.usable;
    if (std::none_of(ju.begin(), ju.end(), [](char c) { return c != 0; }))
        throw Error(ErrorKind::invalid_input, "glmnet: all predictors constant");

    CoreInput in;
    in.d = &data.core;
    in.ju = &ju;
    in.vp = vp;
    in.flmin = flmin;
    in.ulam = ulam;
    in.nlam = nlam;
    in.ne = ne;
    in.nx = nx;
    in.o = &o;
    CoreOutput core;
    // RADHPC_GLMNET_SSE2=1 forces the SSE2 build of the solver (same results; for testing).
#ifdef RADHPC_GLMNET_AVX2
    static const bool avx2 = __builtin_cpu_supports("avx2") && !std::getenv("RADHPC_GLMNET_SSE2");
    if (avx2) lognet2n_avx2(in, core);
    else lognet2n_generic(in, core);
#else
    lognet2n_generic(in, core);  // 2-wide generic vectors: same bits
#endif

    GlmnetPath path;
    path.error_code = core.jerr;
    path.npasses = core.nlp;
    path.null_deviance = 2.0 * sw * core.dev0;
    const std::size_t lmu = core.a_path.size();
    path.beta = Eigen::MatrixXd::Zero(ni, Eigen::Index(lmu));
    for (std::size_t k = 0; k < lmu; ++k) {
        double a0 = core.a0_path[k];
        int df = 0;
        for (Eigen::Index j = 0; j < ni; ++j) {
            // back to the original scale: beta_j = a_j / xs_j, a0 = a0 - sum_j beta_j xm_j
            const double bj = core.a_path[k](j) / data.scale(j);
            path.beta(j, Eigen::Index(k)) = bj;
            if (o.intercept) a0 -= bj * data.mean(j);
            if (bj != 0.0) ++df;
        }
        path.intercept.push_back(o.intercept ? a0 : 0.0);
        path.df.push_back(df);
    }
    path.lambda = core.alm;
    path.dev_ratio = core.dev;
    // fix.lam: the first lambda (computed as "infinity") is reported as lambda_2^2 / lambda_3.
    if (flmin < 1.0 && path.lambda.size() > 2)
        path.lambda[0] = std::exp(2.0 * std::log(path.lambda[1]) - std::log(path.lambda[2]));
    return path;
}

}  // namespace detail

GlmnetPath glmnet_binomial(const Eigen::MatrixXd& x, std::span<const double> y, const GlmnetOptions& options,
                           std::span<const double> weights) {
    return detail::glmnet_fit_prepared(*detail::glmnet_prepare(x, y, options, weights), options);
}

namespace {

// ---- lognet2n ----------------------------------------------------------------------------------
// Working vectors r (weighted residual) and v (IRLS weights) in blocks. A coordinate step's update
// of r is kept pending and applied in the same sweep that computes the next step's gradient
// (update_dot), so each step reads and writes r once.
template <class V>
RADHPC_INLINE void lognet2n_impl(const CoreInput& in, CoreOutput& out) {
    const GlmnetOptions& o = *in.o;
    const PreparedCore& pd = *in.d;
    const Eigen::Index no = pd.no, ni = pd.ni, nb = pd.nb;
    const auto& ju = *in.ju;
    const Eigen::VectorXd& vp = in.vp;
    const double flmin = in.flmin;
    const int nlam = in.nlam, ne = in.ne, nx = in.nx;
    const double* w = pd.w.data();
    const double* y = pd.y.data();
    auto wi = [&](Eigen::Index i) { return w[i]; };
    auto yi = [&](Eigen::Index i) { return y[i]; };

    const double pmin = o.pmin;
    const double fmax = std::log(1.0 / pmin - 1.0), fmin = -fmax, vmin = (1.0 + pmin) * pmin * (1.0 - pmin);
    const double bta = o.alpha, omb = 1.0 - bta;
    double q0 = dot<V>(w, y, no);  // w.dot(y)
    if (q0 <= pmin || q0 >= 1.0 - pmin)
        throw Error(ErrorKind::invalid_input, "glmnet: outcome has (almost) a single class");
    if (!o.intercept) q0 = 0.5;
    const double bz = o.intercept ? std::log(q0 / (1.0 - q0)) : 0.0;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(ni + 1), bs = Eigen::VectorXd::Zero(ni + 1);  // b(0) = intercept
    Eigen::VectorXd xv = Eigen::VectorXd::Zero(ni), ga = Eigen::VectorXd::Zero(ni);
    b(0) = bz;
    const double vi = q0 * (1.0 - q0);
    Aligned rbuf, vbuf, qbuf, etabuf;
    rbuf.assign(nb);
    vbuf.assign(nb);
    qbuf.assign(nb);
    etabuf.assign(nb);
    double* r = rbuf.data();
    double* v = vbuf.data();
    double* q = qbuf.data();
    double* eta = etabuf.data();
    for (Eigen::Index i = 0; i < nb; ++i) {
        v[i] = vi * w[i];
        r[i] = w[i] * (y[i] - q0);
        q[i] = q0;
    }
    double xmz = vi;
    const double dev1 = -(bz * q0 + std::log(1.0 - q0));  // null deviance / 2 per unit weight
    double dev0 = dev1;  // saturated log-likelihood is 0 for 0/1 data
    for (Eigen::Index i = 0; i < no; ++i) {
        if (yi(i) > 0.0) dev0 += wi(i) * yi(i) * std::log(yi(i));
        if (yi(i) < 1.0) dev0 += wi(i) * (1.0 - yi(i)) * std::log(1.0 - yi(i));
    }
    out.dev0 = dev0;
    double alf = 1.0;
    if (flmin < 1.0) alf = std::pow(std::max(o.eps, flmin), 1.0 / (nlam - 1));
    std::vector<int> mm(std::size_t(ni), 0), ixx(std::size_t(ni), 0), m;  // m: active set in entry order
    int nlp = 0, jerr = 0;
    const int mnl = std::min(o.mnlam, nlam);
    const double shr = o.thresh * dev0;
    for (Eigen::Index j = 0; j < ni; ++j)
        if (ju[std::size_t(j)]) ga(j) = std::fabs(dot<V>(r, pd.col(j), no));

    auto& a_path = out.a_path;
    auto& a0_path = out.a0_path;
    auto& alm = out.alm;
    auto& dev = out.dev;
    double al = 0.0;

    // pending update of r: r -= (pend_d v) pend_x
    const double* pend_x = nullptr;
    double pend_d = 0.0;
    auto flush = [&]() __attribute__((always_inline)) {
        if (pend_x) update<V>(r, v, pend_x, pend_d, nb);
        pend_x = nullptr;
    };
    auto coordinate_step = [&](Eigen::Index k, double al1, double al2, double& dlx) __attribute__((always_inline)) {
        const double bk = b(k + 1);
        const double* xk = pd.col(k);
        const double gk = pend_x ? update_dot<V>(r, v, pend_x, pend_d, xk, no, nb) : dot<V>(r, xk, no);
        pend_x = nullptr;
        const double u = gk + xv(k) * bk, au = std::fabs(u) - vp(k) * al1;
        // soft-threshold: b = S(u, vp*lambda*alpha) / (xv + vp*lambda*(1-alpha))
        b(k + 1) = au <= 0.0 ? 0.0 : std::clamp(std::copysign(au, u) / (xv(k) + vp(k) * al2), -o.big, o.big);
        const double d = b(k + 1) - bk;
        if (std::fabs(d) <= 0.0) return false;
        dlx = std::max(dlx, xv(k) * d * d);
        pend_x = xk;
        pend_d = d;
        return true;
    };
    auto intercept_step = [&](double& dlx) __attribute__((always_inline)) {
        double d = 0.0;
        if (o.intercept) {
            const double rsum = pend_x ? update_sum<V>(r, v, pend_x, pend_d, no, nb) : sum<V>(r, no);
            pend_x = nullptr;
            d = rsum / xmz;
        }
        if (d != 0.0) {  // only with an intercept: nothing is pending here
            b(0) += d;
            dlx = std::max(dlx, xmz * d * d);
            pend_x = pd.ones.data();
            pend_d = d;
        }
    };

    for (int ilm = 1; ilm <= nlam; ++ilm) {
        double al0 = al;
        if (flmin >= 1.0) al = in.ulam[std::size_t(ilm - 1)];
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
                    if (ixx[std::size_t(j)]) xv(j) = weighted_sq<V>(v, pd.col(j), no);
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
                flush();
                if (too_many) break;
                // New working response: q = expit(eta), clipped at pmin as glmnet does.
                std::fill_n(eta, nb, b(0));
                for (int k : m) {  // column-wise: contiguous access
                    const double bk = b(k + 1);
                    const double* xk = pd.col(k);
                    for (Eigen::Index i = 0; i < nb; i += kW<V>) store<V>(eta + i, load<V>(eta + i) + bk * load<V>(xk + i));
                }
                for (Eigen::Index i = 0; i < no; ++i) {
                    const double fi = eta[i];
                    q[i] = fi < fmin ? 0.0 : (fi > fmax ? 1.0 : 1.0 / (1.0 + std::exp(-fi)));
                }
                for (Eigen::Index i = 0; i < nb; ++i) v[i] = w[i] * q[i] * (1.0 - q[i]);
                xmz = sum<V>(v, no);
                if (xmz <= vmin) break;
                for (Eigen::Index i = 0; i < nb; ++i) r[i] = w[i] * (y[i] - q[i]);
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
                            ga(k) = std::fabs(dot<V>(r, pd.col(k), no));
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
            a_path.push_back(std::move(a));
            a0_path.push_back(b(0));
            alm.push_back(al);
            double devi = 0.0;  // dev2: deviance/2 with probabilities clipped to [pmin, 1-pmin]
            // y is 0/1, so y log(p) + (1 - y) log(1 - p) is exactly the one logarithm (the other
            // term is a signed zero); half the log calls, same bits.
            for (Eigen::Index i = 0; i < no; ++i) {
                const double pi = std::min(std::max(pmin, q[i]), 1.0 - pmin);
                devi -= wi(i) * (yi(i) > 0.0 ? std::log(pi) : std::log(1.0 - pi));
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
    out.nlp = nlp;
    out.jerr = jerr;
}

// The same code compiled for two instruction sets; lanes and reduction order are identical.
void lognet2n_generic(const CoreInput& in, CoreOutput& out) { lognet2n_impl<V2>(in, out); }
#ifdef RADHPC_GLMNET_AVX2
__attribute__((target("avx2"))) void lognet2n_avx2(const CoreInput& in, CoreOutput& out) { lognet2n_impl<V4>(in, out); }
#endif

}  // namespace

GlmnetPath glmnet_binomial_fit(const Eigen::MatrixXd& x, std::span<const double> y, double alpha, double lambda,
                               GlmnetOptions options, std::span<const double> weights) {
    options.alpha = alpha;
    options.lambda = {lambda};
    return glmnet_binomial(x, y, options, weights);
}

}  // namespace radhpc::stats
