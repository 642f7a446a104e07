#include "bspline_decompose.hpp"

#include <immintrin.h>

#include <algorithm>
#include <type_traits>

namespace radhpc::preprocess::detail {
namespace {

template <class T>
inline T load_lanes(const double* p) {
    if constexpr (std::is_same_v<T, double>) return *p;
    else return T(_mm_loadu_pd(p));
}
template <class T>
inline void store_lanes(double* p, T v) {
    if constexpr (std::is_same_v<T, double>) *p = v;
    else _mm_storeu_pd(p, __m128d(v));
}
template <class Op>
inline void for_lanes(std::size_t lanes, Op&& op) {
    std::size_t l = 0;
    for (; l + 2 <= lanes; l += 2) op.template operator()<V2>(l);
    for (; l < lanes; ++l) op.template operator()<double>(l);
}

// ITK's initial causal value c+[0] (SetInitialCausalCoefficient) into row 0 of `d`: the first
// `horizon` samples (accelerated) or the whole mirrored line.
void causal_initial(double* d, std::size_t stride, std::size_t lanes, const LineFilter& f) {
    const std::size_t n = f.n;
    auto row = [&](std::size_t k) { return d + k * stride; };
    double* r0 = row(0);
    if (f.accelerated) {
        for (std::size_t k = 1; k < f.horizon; ++k) {
            const double* rk = row(k);
            const double wk = f.init_weights[k];
            // sum += z^k s[k]
            for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r0 + l, load_lanes<T>(r0 + l) + wk * load_lanes<T>(rk + l)); });
        }
    } else {
        const double* rl = row(n - 1);
        const double wl = f.full_last_weight;
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r0 + l, load_lanes<T>(r0 + l) + wl * load_lanes<T>(rl + l)); });
        for (std::size_t k = 1; k + 2 <= n; ++k) {
            const double* rk = row(k);
            const double wk = f.init_weights[k];
            for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r0 + l, load_lanes<T>(r0 + l) + wk * load_lanes<T>(rk + l)); });
        }
        const double den = f.full_denominator;
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r0 + l, load_lanes<T>(r0 + l) / den); });
    }
}

}  // namespace

void decompose_lines(double* d, std::size_t stride, std::size_t lanes, std::size_t keep_from, const LineFilter& f) {
    const std::size_t n = f.n;
    if (n == 1) return;  // ITK: a single sample stays as it is (no gain either)
    const double z = f.pole;
    auto row = [&](std::size_t k) { return d + k * stride; };
    causal_initial(d, stride, lanes, f);
    // causal recursion c+[k] = s[k] + z c+[k-1]
    for (std::size_t k = 1; k < n; ++k) {
        double* r = row(k);
        const double* p = row(k - 1);
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r + l, load_lanes<T>(r + l) + z * load_lanes<T>(p + l)); });
    }
    // anticausal: c[n-1] = z / (z^2 - 1) (z c+[n-2] + c+[n-1]); c[k] = z (c[k+1] - c+[k])
    {
        double* r = row(n - 1);
        const double* p = row(n - 2);
        const double af = f.anticausal_factor;
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r + l, af * (z * load_lanes<T>(p + l) + load_lanes<T>(r + l))); });
    }
    for (std::size_t k = n - 1; k-- > keep_from;) {
        double* r = row(k);
        const double* q = row(k + 1);
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r + l, z * (load_lanes<T>(q + l) - load_lanes<T>(r + l))); });
    }
}

double state_bound(const LineFilter& f, double max_abs_sample) { return 1.5 * max_abs_sample / (1.0 - std::fabs(f.pole)) + 1.0; }

bool decompose_window(double* d, std::size_t stride, std::size_t lanes, const LineFilter& f, std::size_t w_lo, std::size_t w_hi,
                      std::size_t b_lo, std::size_t b_hi, double bound) {
    const std::size_t n = f.n;
    if (w_lo == 0 && w_hi + 1 == n) {
        decompose_lines(d, stride, lanes, b_lo, f);
        return true;
    }
    if (n < 3 || w_lo > b_lo || b_hi > w_hi || w_hi >= n) return false;
    const double z = f.pole;
    auto row = [&](std::size_t k) { return d + (k - w_lo) * stride; };
    std::vector<double> low(lanes);  // the run from the lower bound; the buffer holds the upper one
    bool met = true;
    // ---- causal: c+[k] = s[k] + z c+[k-1], exact from `exact` on
    std::size_t exact = 0;
    if (w_lo == 0) {
        if (!f.accelerated || w_hi + 1 < f.horizon) return false;  // the initial value needs the horizon's samples
        causal_initial(d, stride, lanes, f);
    } else {
        // the anticausal start at the line's end reads c+[n-2]: it must be exact too
        exact = w_hi + 1 == n ? std::min(b_lo, n - 2) : b_lo;
        if (exact <= w_lo) return false;
        double* r = row(w_lo);
        for (std::size_t l = 0; l < lanes; ++l) {
            const double s = r[l];
            low[l] = s + z * -bound;
            r[l] = s + z * bound;
        }
        for (std::size_t k = w_lo + 1; k <= exact; ++k) {
            double* rk = row(k);
            const double* p = row(k - 1);
            for (std::size_t l = 0; l < lanes; ++l) {
                const double s = rk[l];
                low[l] = s + z * low[l];
                rk[l] = s + z * p[l];
            }
        }
        const double* re = row(exact);
        for (std::size_t l = 0; l < lanes; ++l) met = met && low[l] == re[l];
        if (!met) return false;
    }
    for (std::size_t k = exact + 1; k <= w_hi; ++k) {
        double* r = row(k);
        const double* p = row(k - 1);
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r + l, load_lanes<T>(r + l) + z * load_lanes<T>(p + l)); });
    }
    // ---- anticausal: c[k] = z (c[k+1] - c+[k]), exact from b_hi down
    std::size_t top = w_hi;  // the highest position whose anticausal value is exact
    if (w_hi + 1 == n) {
        double* r = row(n - 1);
        const double* p = row(n - 2);
        const double af = f.anticausal_factor;
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r + l, af * (z * load_lanes<T>(p + l) + load_lanes<T>(r + l))); });
    } else {
        if (b_hi >= w_hi) return false;
        double* r = row(w_hi);
        for (std::size_t l = 0; l < lanes; ++l) {
            const double cp = r[l];
            low[l] = z * (-bound - cp);
            r[l] = z * (bound - cp);
        }
        for (std::size_t k = w_hi; k-- > b_hi;) {
            double* rk = row(k);
            const double* q = row(k + 1);
            for (std::size_t l = 0; l < lanes; ++l) {
                const double cp = rk[l];
                low[l] = z * (low[l] - cp);
                rk[l] = z * (q[l] - cp);
            }
        }
        const double* rb = row(b_hi);
        for (std::size_t l = 0; l < lanes; ++l) met = met && low[l] == rb[l];
        if (!met) return false;
        top = b_hi;
    }
    for (std::size_t k = top; k-- > b_lo;) {
        double* r = row(k);
        const double* q = row(k + 1);
        for_lanes(lanes, [&]<class T>(std::size_t l) { store_lanes(r + l, z * (load_lanes<T>(q + l) - load_lanes<T>(r + l))); });
    }
    return true;
}

}  // namespace radhpc::preprocess::detail
