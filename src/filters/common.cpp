// Shared machinery of the IBSI 2 filters: boundary rules, 1D passes, rotations, FFT.
#include <algorithm>
#include <cmath>
#include <numbers>

#include <tbb/parallel_for.h>

#include "internal.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::filters {

Boundary parse_boundary(const std::string& name) {
    if (name == "zero" || name == "constant") return Boundary::zero;
    if (name == "nearest") return Boundary::nearest;
    if (name == "periodic" || name == "wrap") return Boundary::periodic;
    if (name == "mirror" || name == "symmetric") return Boundary::mirror;
    throw Error(ErrorKind::invalid_input,
                "unknown boundary condition '" + name + "' (zero, nearest, periodic or mirror)");
}

namespace detail {

Kernel1D odd_kernel(std::vector<double> w) {
    if (w.size() % 2 == 0) w.push_back(0.0);
    return w;
}

Kernel1D flipped(const Kernel1D& w) { return Kernel1D(w.rbegin(), w.rend()); }

Kernel1D dilated(const Kernel1D& w, int holes) {
    if (w.empty() || holes <= 0) return w;
    Kernel1D out((w.size() - 1) * std::size_t(holes + 1) + 1, 0.0);
    for (std::size_t m = 0; m < w.size(); ++m) out[m * std::size_t(holes + 1)] = w[m];
    return out;
}

void convolve_axis(Image& v, const Kernel1D& w, int axis, Boundary b) {
    const std::array<std::size_t, 3> n{v.nx(), v.ny(), v.nz()};
    const std::size_t len = n[axis];
    if (len == 0 || w.empty()) return;
    const std::size_t stride = axis == 0 ? 1 : axis == 1 ? n[0] : n[0] * n[1];
    const std::int64_t c = std::int64_t(w.size() / 2);
    // Lines are indexed by the two other axes; a task owns whole lines, so sums never split.
    const int a1 = axis == 0 ? 1 : 0, a2 = axis == 2 ? 1 : 2;
    const std::size_t s1 = a1 == 0 ? 1 : n[0], s2 = a2 == 1 ? n[0] : n[0] * n[1];
    std::vector<std::size_t> taps;  // skip the zero taps of dilated kernels
    for (std::size_t m = 0; m < w.size(); ++m)
        if (w[m] != 0.0) taps.push_back(m);
    tbb::parallel_for(std::size_t(0), n[a2], [&](std::size_t i2) {
        std::vector<double> ext(len + 2 * std::size_t(c)), out(len);
        for (std::size_t i1 = 0; i1 < n[a1]; ++i1) {
            double* line = v.data.data() + i1 * s1 + i2 * s2;
            for (std::size_t k = 0; k < ext.size(); ++k) {
                const std::int64_t src = boundary_index(std::int64_t(k) - c, std::int64_t(len), b);
                ext[k] = src < 0 ? 0.0 : line[std::size_t(src) * stride];
            }
            for (std::size_t i = 0; i < len; ++i) {
                double s = 0;
                for (std::size_t m : taps) s += w[m] * ext[i + 2 * std::size_t(c) - m];
                out[i] = s;
            }
            for (std::size_t i = 0; i < len; ++i) line[i * stride] = out[i];
        }
    });
}

Image convolve_separable(const Image& in, const std::array<Kernel1D, 3>& w, Boundary b) {
    Image out = in;
    for (int axis = 2; axis >= 0; --axis) convolve_axis(out, w[axis], axis, b);
    return out;
}

std::vector<AxisRotation> rotations(Dim dim) {
    std::vector<AxisRotation> out;
    const int d = dim == Dim::volume3d ? 3 : 2;
    std::array<int, 3> perm{0, 1, 2};
    do {
        if (d == 2 && perm[2] != 2) continue;
        // parity of the permutation
        int inversions = 0;
        for (int i = 0; i < 3; ++i)
            for (int j = i + 1; j < 3; ++j) inversions += perm[i] > perm[j];
        for (int f = 0; f < (1 << d); ++f) {
            AxisRotation r;
            r.perm = perm;
            int flips = 0;
            for (int a = 0; a < d; ++a) {
                r.flip[a] = (f >> a) & 1;
                flips += r.flip[a];
            }
            if ((inversions + flips) % 2 == 0) out.push_back(r);  // determinant +1
        }
    } while (std::next_permutation(perm.begin(), perm.end()));
    return out;
}

std::array<Kernel1D, 3> rotate(const std::array<Kernel1D, 3>& w, const AxisRotation& r) {
    std::array<Kernel1D, 3> out;
    for (int a = 0; a < 3; ++a) out[r.perm[a]] = r.flip[a] ? flipped(w[a]) : w[a];
    return out;
}

std::size_t pow2_at_least(std::size_t n) {
    std::size_t m = 1;
    while (m < n) m <<= 1;
    return m;
}

FftPlan::FftPlan(std::size_t n) : n_(n) {
    const bool pow2 = n > 0 && (n & (n - 1)) == 0;
    m_ = pow2 ? n : pow2_at_least(2 * n - 1);
    twiddle_.resize(m_ / 2);
    for (std::size_t k = 0; k < m_ / 2; ++k) {
        const double a = -2.0 * std::numbers::pi * double(k) / double(m_);
        twiddle_[k] = {std::cos(a), std::sin(a)};
    }
    bitrev_.resize(m_);
    int bits = 0;
    while ((std::size_t(1) << bits) < m_) ++bits;
    for (std::size_t i = 0; i < m_; ++i) {
        std::size_t r = 0;
        for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
        bitrev_[i] = r;
    }
    if (!pow2) {
        // chirp e^{-i pi k^2 / n}; k^2 mod 2n keeps the angle small and exact
        chirp_.resize(n);
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t k2 = (k * k) % (2 * n);
            const double a = -std::numbers::pi * double(k2) / double(n);
            chirp_[k] = {std::cos(a), std::sin(a)};
        }
        chirp_fft_.assign(m_, {0.0, 0.0});
        chirp_fft_[0] = std::conj(chirp_[0]);
        for (std::size_t k = 1; k < n; ++k) chirp_fft_[k] = chirp_fft_[m_ - k] = std::conj(chirp_[k]);
        radix2(chirp_fft_.data(), false);
    }
}

void FftPlan::radix2(std::complex<double>* a, bool inverse) const {
    for (std::size_t i = 0; i < m_; ++i)
        if (i < bitrev_[i]) std::swap(a[i], a[bitrev_[i]]);
    for (std::size_t len = 2; len <= m_; len <<= 1) {
        const std::size_t half = len / 2, step = m_ / len;
        for (std::size_t i = 0; i < m_; i += len)
            for (std::size_t j = 0; j < half; ++j) {
                std::complex<double> t = twiddle_[j * step];
                if (inverse) t = std::conj(t);
                const std::complex<double> u = a[i + j], v = a[i + j + half] * t;
                a[i + j] = u + v;
                a[i + j + half] = u - v;
            }
    }
}

void FftPlan::run(std::complex<double>* a, bool inverse) const {
    if (m_ == n_) {
        radix2(a, inverse);
        return;
    }
    // Bluestein: X_k = c_k sum_j (x_j c_j) conj(c_{k-j}) with c_k = e^{-i pi k^2/n}; the inverse
    // is the forward transform of the conjugate, conjugated.
    std::vector<std::complex<double>> t(m_, {0.0, 0.0});
    for (std::size_t k = 0; k < n_; ++k) t[k] = (inverse ? std::conj(a[k]) : a[k]) * chirp_[k];
    radix2(t.data(), false);
    for (std::size_t k = 0; k < m_; ++k) t[k] *= chirp_fft_[k];
    radix2(t.data(), true);
    const double scale = 1.0 / double(m_);
    for (std::size_t k = 0; k < n_; ++k) {
        const std::complex<double> x = t[k] * scale * chirp_[k];
        a[k] = inverse ? std::conj(x) : x;
    }
}

}  // namespace detail
}  // namespace radhpc::filters
