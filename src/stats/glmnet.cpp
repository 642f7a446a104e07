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
#include "glmnet_path.hpp"

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
using detail::LognetOutput;
using detail::LognetSettings;
using detail::PreparedCore;

void lognet2n_generic(const PreparedCore& d, const LognetSettings& in, LognetOutput& out);
#if defined(__x86_64__) || defined(__i386__)
#define RADHPC_GLMNET_AVX2 1
void lognet2n_avx2(const PreparedCore& d, const LognetSettings& in, LognetOutput& out);
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
    if (o.intercept != data.intercept || o.standardize != data.standardize)
        throw Error(ErrorKind::internal, "glmnet: prepared data used with other intercept/standardize options");
    const LognetSettings in = lognet_settings(o, data.n_all, data.usable);
    LognetOutput core;
    // RADHPC_GLMNET_SSE2=1 forces the SSE2 build of the solver (same results; for testing).
#ifdef RADHPC_GLMNET_AVX2
    static const bool avx2 = __builtin_cpu_supports("avx2") && !std::getenv("RADHPC_GLMNET_SSE2");
    if (avx2) lognet2n_avx2(data.core, in, core);
    else lognet2n_generic(data.core, in, core);
#else
    lognet2n_generic(data.core, in, core);  // 2-wide generic vectors: same bits
#endif
    return lognet_to_path(core, in, data.mean, data.scale, data.sw);
}

}  // namespace detail

GlmnetPath glmnet_binomial(const Eigen::MatrixXd& x, std::span<const double> y, const GlmnetOptions& options,
                           std::span<const double> weights) {
    return detail::glmnet_fit_prepared(*detail::glmnet_prepare(x, y, options, weights), options);
}

namespace {

// ---- lognet2n, naive updates -------------------------------------------------------------------
// Working vectors r (weighted residual) and v (IRLS weights) in blocks. A coordinate step's update
// of r is kept pending and applied in the same sweep that computes the next step's gradient
// (update_dot), so each step reads and writes r once. The outer logic is detail::Lognet.
template <class V>
class NaiveOps {
public:
    RADHPC_INLINE NaiveOps(const PreparedCore& pd, const GlmnetOptions& o)
        : pd_(pd), no_(pd.no), nb_(pd.nb), w_(pd.w.data()), y_(pd.y.data()), pmin_(o.pmin) {
        fmax_ = std::log(1.0 / pmin_ - 1.0);
        fmin_ = -fmax_;
        for (Aligned* a : {&rbuf_, &vbuf_, &qbuf_, &etabuf_}) a->assign(nb_);
        r_ = rbuf_.data();
        v_ = vbuf_.data();
        q_ = qbuf_.data();
        eta_ = etabuf_.data();
    }
    RADHPC_INLINE double weighted_y() const { return dot<V>(w_, y_, no_); }
    RADHPC_INLINE void start(double q0) {
        const double vi = q0 * (1.0 - q0);
        for (Eigen::Index i = 0; i < nb_; ++i) {
            v_[i] = vi * w_[i];
            r_[i] = w_[i] * (y_[i] - q0);
            q_[i] = q0;
        }
    }
    RADHPC_INLINE double saturated(double dev0) const {
        for (Eigen::Index i = 0; i < no_; ++i) {
            if (y_[i] > 0.0) dev0 += w_[i] * y_[i] * std::log(y_[i]);
            if (y_[i] < 1.0) dev0 += w_[i] * (1.0 - y_[i]) * std::log(1.0 - y_[i]);
        }
        return dev0;
    }
    RADHPC_INLINE double gradient(Eigen::Index k) {
        const double* xk = pd_.col(k);
        const double gk = pend_x_ ? update_dot<V>(r_, v_, pend_x_, pend_d_, xk, no_, nb_) : dot<V>(r_, xk, no_);
        pend_x_ = nullptr;
        return gk;
    }
    RADHPC_INLINE void moved(Eigen::Index k, double d) {
        pend_x_ = pd_.col(k);
        pend_d_ = d;
    }
    RADHPC_INLINE double intercept_gradient() {
        const double rsum = pend_x_ ? update_sum<V>(r_, v_, pend_x_, pend_d_, no_, nb_) : sum<V>(r_, no_);
        pend_x_ = nullptr;
        return rsum;
    }
    RADHPC_INLINE void intercept_moved(double d) {
        pend_x_ = pd_.ones.data();
        pend_d_ = d;
    }
    RADHPC_INLINE void flush() {
        if (pend_x_) update<V>(r_, v_, pend_x_, pend_d_, nb_);
        pend_x_ = nullptr;
    }
    RADHPC_INLINE double xv(Eigen::Index k) const { return weighted_sq<V>(v_, pd_.col(k), no_); }
    RADHPC_INLINE double irls(const Eigen::VectorXd& b, const std::vector<int>& m) {
        std::fill_n(eta_, nb_, b(0));
        for (int k : m) {  // column-wise: contiguous access
            const double bk = b(k + 1);
            const double* xk = pd_.col(k);
            for (Eigen::Index i = 0; i < nb_; i += kW<V>) store<V>(eta_ + i, load<V>(eta_ + i) + bk * load<V>(xk + i));
        }
        for (Eigen::Index i = 0; i < no_; ++i) {
            const double fi = eta_[i];
            q_[i] = fi < fmin_ ? 0.0 : (fi > fmax_ ? 1.0 : 1.0 / (1.0 + std::exp(-fi)));
        }
        for (Eigen::Index i = 0; i < nb_; ++i) v_[i] = w_[i] * q_[i] * (1.0 - q_[i]);
        const double xmz = sum<V>(v_, no_);
        for (Eigen::Index i = 0; i < nb_; ++i) r_[i] = w_[i] * (y_[i] - q_[i]);
        return xmz;
    }
    RADHPC_INLINE double half_deviance() const {
        double devi = 0.0;
        // y is 0/1, so y log(p) + (1 - y) log(1 - p) is exactly the one logarithm (the other term
        // is a signed zero); half the log calls, same bits.
        for (Eigen::Index i = 0; i < no_; ++i) {
            const double pi = std::min(std::max(pmin_, q_[i]), 1.0 - pmin_);
            devi -= w_[i] * (y_[i] > 0.0 ? std::log(pi) : std::log(1.0 - pi));
        }
        return devi;
    }

private:
    const PreparedCore& pd_;
    const Eigen::Index no_, nb_;
    const double *w_, *y_;
    const double pmin_;
    double fmin_ = 0, fmax_ = 0;
    Aligned rbuf_, vbuf_, qbuf_, etabuf_;
    double *r_, *v_, *q_, *eta_;
    const double* pend_x_ = nullptr;  // pending update of r: r -= (pend_d v) pend_x
    double pend_d_ = 0.0;
};

template <class V>
RADHPC_INLINE void lognet2n_impl(const PreparedCore& d, const LognetSettings& in, LognetOutput& out) {
    NaiveOps<V> ops(d, *in.o);
    detail::Lognet<NaiveOps<V>>(in, ops).run(out);
}

// The same code compiled for two instruction sets; lanes and reduction order are identical.
void lognet2n_generic(const PreparedCore& d, const LognetSettings& in, LognetOutput& out) {
    lognet2n_impl<V2>(d, in, out);
}
#ifdef RADHPC_GLMNET_AVX2
__attribute__((target("avx2"))) void lognet2n_avx2(const PreparedCore& d, const LognetSettings& in, LognetOutput& out) {
    lognet2n_impl<V4>(d, in, out);
}
#endif

}  // namespace

GlmnetPath glmnet_binomial_fit(const Eigen::MatrixXd& x, std::span<const double> y, double alpha, double lambda,
                               GlmnetOptions options, std::span<const double> weights) {
    options.alpha = alpha;
    options.lambda = {lambda};
    return glmnet_binomial(x, y, options, weights);
}

}  // namespace radhpc::stats
