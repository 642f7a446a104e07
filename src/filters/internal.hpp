// Shared machinery of the IBSI 2 filters (src/filters/*.cpp): boundary index mapping, 1D convolution
// passes along an axis, right-angle rotations of separable kernels, and FFT helpers.
#pragma once
#include <array>
#include <complex>
#include <cstdint>
#include <vector>

#include "radhpc/filters/filters.hpp"

namespace radhpc::filters::detail {

// Index of the voxel that position i (any integer) reads on an axis of n voxels, or -1 for zero.
inline std::int64_t boundary_index(std::int64_t i, std::int64_t n, Boundary b) {
    if (i >= 0 && i < n) return i;
    switch (b) {
        case Boundary::zero: return -1;
        case Boundary::nearest: return i < 0 ? 0 : n - 1;
        case Boundary::periodic: return ((i % n) + n) % n;
        case Boundary::mirror: {
            // period 2n: a b c d | d c b a
            std::int64_t m = ((i % (2 * n)) + 2 * n) % (2 * n);
            return m < n ? m : 2 * n - 1 - m;
        }
    }
    return -1;
}

// An odd-length kernel; tap m lands at offset m - (size-1)/2: out[n] = sum_m w[m] x[n - m + c].
using Kernel1D = std::vector<double>;
// Appends a zero to an even-length kernel (its centre is then tap len/2, as scipy/pywt/MIRP place it).
Kernel1D odd_kernel(std::vector<double> w);
Kernel1D flipped(const Kernel1D& w);
// À trous: `holes` zeros between taps (the centre stays the centre).
Kernel1D dilated(const Kernel1D& w, int holes);

// Convolves `v` in place along `axis` (0 = x, 1 = y, 2 = z) with `w`, extending with `b`.
void convolve_axis(Image& v, const Kernel1D& w, int axis, Boundary b);
// One kernel per axis (empty: axis untouched), applied z, y, x.
Image convolve_separable(const Image& in, const std::array<Kernel1D, 3>& w, Boundary b);

// The LoG's per-axis taps (s = sigma_mm / spacing, 1 + 2 floor(truncation s + 0.5) taps, centred):
// the Gaussian g and the second-derivative term h = (t^2/s^2 - 1)/s^2 g, so that the d-dimensional kernel
// -1/s^2 (2 pi s^2)^(-d/2) (d - r^2/s^2) e^{-r^2/2s^2} = sum_a h_a prod_{b!=a} g_b (axes 0 .. d-1 filled).
struct LogTaps {
    std::array<Kernel1D, 3> gauss, second;
};
LogTaps log_taps(const Geometry& g, double sigma_mm, double truncation, int d);

// A right-angle rotation as a signed permutation: axis a of the kernel lies along axis perm[a] of
// the image, reversed when flip[a].
struct AxisRotation {
    std::array<int, 3> perm{0, 1, 2};
    std::array<bool, 3> flip{false, false, false};
};
// The 24 proper rotations of the cube (3D) or the 4 in-plane rotations (2D, z untouched), identity first.
std::vector<AxisRotation> rotations(Dim dim);
// The kernels of a separable filter (one per kernel axis) placed on image axes under `r`.
std::array<Kernel1D, 3> rotate(const std::array<Kernel1D, 3>& w, const AxisRotation& r);

// FFT of lines of one length n (any n: radix 2 for powers of two, Bluestein's chirp-z otherwise).
// Read-only after construction, so one plan serves every thread.
class FftPlan {
public:
    explicit FftPlan(std::size_t n);
    std::size_t size() const { return n_; }
    // In place; forward uses e^{-2 pi i jk/n}; inverse is unscaled.
    void run(std::complex<double>* a, bool inverse) const;

private:
    void radix2(std::complex<double>* a, bool inverse) const;
    std::size_t n_ = 0, m_ = 0;                       // m_: power-of-two working size
    std::vector<std::complex<double>> twiddle_;       // e^{-2 pi i k / m_}, k < m_/2
    std::vector<std::size_t> bitrev_;
    std::vector<std::complex<double>> chirp_, chirp_fft_;  // Bluestein (n_ not a power of two)
};
// Smallest power of two >= n.
std::size_t pow2_at_least(std::size_t n);

}  // namespace radhpc::filters::detail
