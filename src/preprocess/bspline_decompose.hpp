// ITK's 1-D cubic B-spline decomposition (itkBSplineDecompositionImageFilter.hxx, DataToCoefficients1D,
// order 3: one pole, mirror boundaries), operation for operation, on many lines at once. Private to
// the preprocess layer (bspline.cpp and bspline_decompose.cpp).
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

namespace radhpc::preprocess::detail {

// Two doubles in one SSE2 register (GCC/Clang vector extension): element-wise IEEE operations.
using V2 = double __attribute__((vector_size(16)));

// The per-line constants of DataToCoefficients1D for a line of n samples.
struct LineFilter {
    std::size_t n = 0;
    double pole = std::sqrt(3.0) - 2.0;
    double gain = 0;                      // c0 = (1 - z)(1 - 1/z) (lambda = 6 up to rounding)
    bool accelerated = false;             // horizon < n: truncated sum for the causal initial value
    std::size_t horizon = 0;              // samples in that truncated sum
    std::vector<double> init_weights;     // weight of sample k in the causal initial value
    double full_last_weight = 0;          // full loop: weight of sample n-1 (added first)
    double full_denominator = 1;          // full loop: sum / (1 - z^(2n-2))
    double anticausal_factor = 0;         // z / (z^2 - 1)

    // ITK's first step, s[k] *= c0 (skipped for a single sample: mirror boundaries need two)
    double scaled(double v) const { return n == 1 ? v : v * gain; }

    explicit LineFilter(std::size_t length) : n(length) {
        const double z = pole;
        gain = 1.0;
        gain = gain * (1.0 - z) * (1.0 - 1.0 / z);
        anticausal_factor = z / (z * z - 1.0);
        // horizon = ceil(log(tolerance) / log|z|) with ITK's default tolerance 1e-10
        horizon = std::size_t(std::ceil(std::log(1e-10) / std::log(std::fabs(z))));
        init_weights.assign(n, 0.0);
        if (horizon < n) {
            accelerated = true;
            double zn = z;  // sum = s0 + z s1 + z^2 s2 + ... (z^k by repeated products, as ITK)
            for (std::size_t k = 1; k < horizon; ++k) {
                init_weights[k] = zn;
                zn *= z;
            }
        } else if (n >= 2) {
            // mirror-symmetric exact sum: (s0 + z^(n-1) s_{n-1} + sum (z^k + z^(2n-2-k)) s_k) / (1 - z^(2n-2))
            const double iz = 1.0 / z;
            double zn = z;
            double z2n = std::pow(z, double(n - 1));
            full_last_weight = z2n;
            z2n *= z2n * iz;
            for (std::size_t k = 1; k + 2 <= n; ++k) {
                init_weights[k] = zn + z2n;
                zn *= z;
                z2n *= iz;
            }
            full_denominator = 1.0 - zn * zn;
        }
    }
};

// ITK's DataToCoefficients1D on `lanes` lines at once: sample k of lane l is d[k * stride + l].
// Every lane sees exactly ITK's operation sequence (the lane loop is innermost and element-wise).
// Only samples k >= keep_from are used afterwards, so the anticausal recursion stops there.
// The caller has already multiplied the samples by the gain (LineFilter::scaled) while copying them.
// Lane loops two lanes at a time in SSE2 registers (GCC's -O2 cost model leaves them scalar):
// `op` is one generic expression instantiated for double and for V2, element-wise either way.
void decompose_lines(double* d, std::size_t stride, std::size_t lanes, std::size_t keep_from, const LineFilter& f);

// The same coefficients, exact (bit for bit ITK's whole-line values) at positions [b_lo, b_hi], from
// the samples of the window [w_lo, w_hi] ⊇ [b_lo, b_hi] alone: `d` holds the window (row k - w_lo),
// already scaled by the gain. Where the window stops short of a line end, the recursion's unknown
// state there is bracketed: it is run from both bounds -bound and +bound (|state| <= bound for every
// line, see state_bound) up to the box. Each step, fl(s + z c) causal and fl(z (c - c+)) anticausal
// with z < 0, is monotone in the state, so the true state stays between the two runs; once they are
// equal the true one is that value, exactly. Returns false when some lane's runs did not meet by the
// box (the window was too short for that line's values): the caller then filters whole lines.
bool decompose_window(double* d, std::size_t stride, std::size_t lanes, const LineFilter& f, std::size_t w_lo, std::size_t w_hi,
                      std::size_t b_lo, std::size_t b_hi, double bound);

// A bound on |state| of both recursions of a line whose scaled samples satisfy |s| <= max_abs_sample
// (causal: |c+| <= S / (1 - |z|); anticausal: |c-| <= |z| / (1 - |z|) |c+| < |c+|), with slack for
// rounding. The decomposition's output obeys it too, so it bounds the next axis' samples (times the gain).
double state_bound(const LineFilter& f, double max_abs_sample);

}  // namespace radhpc::preprocess::detail
