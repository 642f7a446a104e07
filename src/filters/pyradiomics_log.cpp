// PyRadiomics' LoG image type without ITK: the arithmetic of ITK 5.2's
// LaplacianRecursiveGaussianImageFilter<Image<double,3>, Image<float,3>> (what SimpleITK 2.1 runs for
// PyRadiomics' getLoGImage), operation for operation, so the output is bit-identical to ITK's
// (tests/filters/test_pyradiomics_image_types.cpp compares it with ITK itself, through
// itk_reference::getLoGImage in radhpc_preprocess). Facts taken from ITK's headers:
//  - RecursiveGaussianImageFilter::SetUp: Deriche's 4th-order coefficients (N, D, M, boundary BN/BM)
//    from sigma / spacing in double; second order scaled by sigma^2 with NormalizeAcrossScale, zero
//    order not scaled;
//  - RecursiveSeparableImageFilter::FilterDataArray: causal and anti-causal recursions in double
//    with edge-value extension at both ends, summed; each line read as double, written as float;
//  - LaplacianRecursiveGaussianImageFilter::GenerateData: for each axis d, the second derivative
//    along d (input -> float), then zero-order smoothing along the remaining axes in increasing
//    order (float -> float), accumulated into a float image as float(acc + s * (1.0 / spacing_d^2)).
// Lines are independent, so a bundle of lines is filtered together (vectorised across lines; AVX2
// when the CPU has it, without FMA: the same IEEE operations) and bundles run in parallel: the same
// operations per voxel for any thread count and either instruction set.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/filters/pyradiomics.hpp"

namespace radhpc::filters::pyradiomics {

namespace {

struct Coefficients {
    double N0, N1, N2, N3, D1, D2, D3, D4, M1, M2, M3, M4, BN1, BN2, BN3, BN4, BM1, BM2, BM3, BM4;
};

void n_coefficients(double sigmad, double A1, double B1, double W1, double L1, double A2, double B2, double W2, double L2,
                    double& N0, double& N1, double& N2, double& N3, double& SN, double& DN, double& EN) {
    const double Sin1 = std::sin(W1 / sigmad);
    const double Sin2 = std::sin(W2 / sigmad);
    const double Cos1 = std::cos(W1 / sigmad);
    const double Cos2 = std::cos(W2 / sigmad);
    const double Exp1 = std::exp(L1 / sigmad);
    const double Exp2 = std::exp(L2 / sigmad);
    N0 = A1 + A2;
    N1 = Exp2 * (B2 * Sin2 - (A2 + 2 * A1) * Cos2);
    N1 += Exp1 * (B1 * Sin1 - (A1 + 2 * A2) * Cos1);
    N2 = (A1 + A2) * Cos2 * Cos1;
    N2 -= B1 * Cos2 * Sin1 + B2 * Cos1 * Sin2;
    N2 *= 2 * Exp1 * Exp2;
    N2 += A2 * Exp1 * Exp1 + A1 * Exp2 * Exp2;
    N3 = Exp2 * Exp1 * Exp1 * (B2 * Sin2 - A2 * Cos2);
    N3 += Exp1 * Exp2 * Exp2 * (B1 * Sin1 - A1 * Cos1);
    SN = N0 + N1 + N2 + N3;
    DN = N1 + 2 * N2 + 3 * N3;
    EN = N1 + 4 * N2 + 9 * N3;
}

// order 0 (Gaussian) or 2 (second derivative), NormalizeAcrossScale true, on an axis of `spacing` mm.
Coefficients coefficients(double sigma, double spacing, int order) {
    if (spacing < 0.0) spacing = -spacing;  // the direction sign only flips first-order responses
    if (spacing < 1e-8) throw Error(ErrorKind::invalid_input, "LoG: the spacing is suspiciously small");
    Coefficients c{};
    const double sigmad = sigma / spacing;
    double across_scale_normalization = 1.0;
    const double A1_0 = 1.3530, B1_0 = 1.8151, W1 = 0.6681, L1 = -1.3932;
    const double A2_0 = -0.3531, B2_0 = 0.0902, W2 = 2.0787, L2 = -1.3732;
    const double A1_2 = -1.3563, B1_2 = 5.2318, A2_2 = 0.3446, B2_2 = -2.2355;
    // D coefficients
    double SD, DD, ED;
    {
        const double Cos1 = std::cos(W1 / sigmad);
        const double Cos2 = std::cos(W2 / sigmad);
        const double Exp1 = std::exp(L1 / sigmad);
        const double Exp2 = std::exp(L2 / sigmad);
        c.D4 = Exp1 * Exp1 * Exp2 * Exp2;
        c.D3 = -2 * Cos1 * Exp1 * Exp2 * Exp2;
        c.D3 += -2 * Cos2 * Exp2 * Exp1 * Exp1;
        c.D2 = 4 * Cos2 * Cos1 * Exp1 * Exp2;
        c.D2 += Exp1 * Exp1 + Exp2 * Exp2;
        c.D1 = -2 * (Exp2 * Cos2 + Exp1 * Cos1);
        SD = 1.0 + c.D1 + c.D2 + c.D3 + c.D4;
        DD = c.D1 + 2 * c.D2 + 3 * c.D3 + 4 * c.D4;
        ED = c.D1 + 4 * c.D2 + 9 * c.D3 + 16 * c.D4;
    }
    if (order == 0) {
        double SN, DN, EN;
        n_coefficients(sigmad, A1_0, B1_0, W1, L1, A2_0, B2_0, W2, L2, c.N0, c.N1, c.N2, c.N3, SN, DN, EN);
        const double alpha0 = 2 * SN / SD - c.N0;
        c.N0 *= across_scale_normalization / alpha0;
        c.N1 *= across_scale_normalization / alpha0;
        c.N2 *= across_scale_normalization / alpha0;
        c.N3 *= across_scale_normalization / alpha0;
    } else {
        across_scale_normalization = sigma * sigma;  // itk::Math::sqr(m_Sigma)
        double N0_0, N1_0, N2_0, N3_0, N0_2, N1_2, N2_2, N3_2, SN0, DN0, EN0, SN2, DN2, EN2;
        n_coefficients(sigmad, A1_0, B1_0, W1, L1, A2_0, B2_0, W2, L2, N0_0, N1_0, N2_0, N3_0, SN0, DN0, EN0);
        n_coefficients(sigmad, A1_2, B1_2, W1, L1, A2_2, B2_2, W2, L2, N0_2, N1_2, N2_2, N3_2, SN2, DN2, EN2);
        const double beta = -(2 * SN2 - SD * N0_2) / (2 * SN0 - SD * N0_0);
        c.N0 = N0_2 + beta * N0_0;
        c.N1 = N1_2 + beta * N1_0;
        c.N2 = N2_2 + beta * N2_0;
        c.N3 = N3_2 + beta * N3_0;
        const double SN = SN2 + beta * SN0;
        const double DN = DN2 + beta * DN0;
        const double EN = EN2 + beta * EN0;
        double alpha2 = EN * SD * SD - ED * SN * SD - 2 * DN * DD * SD + 2 * DD * DD * SN;
        alpha2 /= SD * SD * SD;
        c.N0 *= across_scale_normalization / alpha2;
        c.N1 *= across_scale_normalization / alpha2;
        c.N2 *= across_scale_normalization / alpha2;
        c.N3 *= across_scale_normalization / alpha2;
    }
    // remaining coefficients, symmetric (orders 0 and 2)
    c.M1 = c.N1 - c.D1 * c.N0;
    c.M2 = c.N2 - c.D2 * c.N0;
    c.M3 = c.N3 - c.D3 * c.N0;
    c.M4 = -c.D4 * c.N0;
    const double SN = c.N0 + c.N1 + c.N2 + c.N3;
    const double SM = c.M1 + c.M2 + c.M3 + c.M4;
    const double SD2 = 1.0 + c.D1 + c.D2 + c.D3 + c.D4;
    c.BN1 = c.D1 * SN / SD2;
    c.BN2 = c.D2 * SN / SD2;
    c.BN3 = c.D3 * SN / SD2;
    c.BN4 = c.D4 * SN / SD2;
    c.BM1 = c.D1 * SM / SD2;
    c.BM2 = c.D2 * SM / SD2;
    c.BM3 = c.D3 * SM / SD2;
    c.BM4 = c.D4 * SM / SD2;
    return c;
}

// Lines per bundle: a compile-time constant so that GCC's -O2 vectoriser (very-cheap cost model:
// no runtime trip-count or alias checks) turns the lane loops into SIMD code; lanes never mix.
// 16 lanes (four AVX2 vectors): the recursion is latency-bound, and four independent chains hide
// more of it than two (8 lanes): the kernel's time on the phantom lesion 70 -> 43 ms; 32 no better.
constexpr std::size_t L = 16;

namespace base {
#include "pyradiomics_log_kernel.inc"
}  // namespace base

#pragma GCC push_options
#pragma GCC target("avx2")
#pragma GCC optimize("fp-contract=off")
namespace avx2 {
#include "pyradiomics_log_kernel.inc"
}  // namespace avx2
#pragma GCC pop_options

using BundleKernel = void (*)(const double*, double*, double*, std::size_t, const Coefficients&);
std::atomic<bool> avx2_allowed{true};
BundleKernel bundle_kernel() {
    static const bool has_avx2 = __builtin_cpu_supports("avx2");
    return has_avx2 && avx2_allowed.load(std::memory_order_relaxed) ? &avx2::filter_bundle : &base::filter_bundle;
}

// One RecursiveGaussianImageFilter pass along `axis`: in (T = double or float) -> out (float).
// Bundles of L lines: along x, L consecutive lines; along y or z, L consecutive x positions. A last
// partial bundle repeats its first line in the unused lanes (their results are dropped).
template <class T>
void recursive_pass(const T* in, float* out, const Size3& n, int axis, const Coefficients& c) {
    const std::size_t nx = n[0], ny = n[1], nz = n[2];
    const std::size_t ln = n[axis];
    const std::size_t stride = axis == 0 ? 1 : axis == 1 ? nx : nx * ny;  // between positions of a line
    // lines: index of the first voxel of every line, grouped into bundles
    const std::size_t lines = n[0] * n[1] * n[2] / ln;
    const std::size_t bundles = (lines + L - 1) / L;
    auto line_start = [&](std::size_t l) -> std::size_t {
        if (axis == 0) return l * nx;                            // l = y + ny z
        if (axis == 1) return (l % nx) + nx * ny * (l / nx);     // l = x + nx z
        return l;                                                // l = x + nx y
    };
    const BundleKernel kernel = bundle_kernel();
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, bundles), [&](const auto& r) {
        std::vector<double> data(ln * L), outs(ln * L), scratch(ln * L);
        for (std::size_t b = r.begin(); b != r.end(); ++b) {
            const std::size_t l0 = b * L, W = std::min(L, lines - l0);
            std::size_t start[L];
            for (std::size_t w = 0; w < L; ++w) start[w] = line_start(l0 + (w < W ? w : 0));
            // y or z lines at L consecutive x: every position is one contiguous run (vectorised copy)
            const bool run = axis != 0 && W == L && start[L - 1] == start[0] + (L - 1);
            if (run) {
                for (std::size_t i = 0; i < ln; ++i) {
                    const T* src = in + start[0] + i * stride;
                    double* d = data.data() + i * L;
                    for (std::size_t w = 0; w < L; ++w) d[w] = static_cast<double>(src[w]);
                }
            } else if (axis == 0) {
                // x lines: each line is contiguous, so read it whole (one stream at a time)
                for (std::size_t w = 0; w < L; ++w) {
                    const T* src = in + start[w];
                    double* d = data.data() + w;
                    for (std::size_t i = 0; i < ln; ++i) d[i * L] = static_cast<double>(src[i]);
                }
            } else {
                for (std::size_t i = 0; i < ln; ++i)
                    for (std::size_t w = 0; w < L; ++w) data[i * L + w] = static_cast<double>(in[start[w] + i * stride]);
            }
            kernel(data.data(), outs.data(), scratch.data(), ln, c);
            if (run) {
                for (std::size_t i = 0; i < ln; ++i) {
                    float* dst = out + start[0] + i * stride;
                    const double* o = outs.data() + i * L;
                    for (std::size_t w = 0; w < L; ++w) dst[w] = static_cast<float>(o[w]);
                }
            } else if (axis == 0) {
                for (std::size_t w = 0; w < W; ++w) {
                    float* dst = out + start[w];
                    const double* o = outs.data() + w;
                    for (std::size_t i = 0; i < ln; ++i) dst[i] = static_cast<float>(o[i * L]);
                }
            } else {
                for (std::size_t i = 0; i < ln; ++i)
                    for (std::size_t w = 0; w < W; ++w) out[start[w] + i * stride] = static_cast<float>(outs[i * L + w]);
            }
        }
    });
    (void)nz;
}

Image laplacian_recursive_gaussian(const Image& image, double sigma) {
    const Geometry& g = image.geometry;
    const std::size_t n = g.voxel_count();
    for (int a = 0; a < 3; ++a)
        if (g.size[a] < 4)
            throw Error(ErrorKind::invalid_input, "LoG: the recursive Gaussian needs at least 4 voxels along every axis");
    std::unique_ptr<float[]> acc(new float[n]), d(new float[n]), s1(new float[n]), s2(new float[n]);
    for (int dim = 0; dim < 3; ++dim) {
        const int j0 = dim == 0 ? 1 : 0, j1 = dim == 2 ? 1 : 2;  // the smoothing axes, increasing
        recursive_pass(image.data.data(), d.get(), g.size, dim, coefficients(sigma, g.spacing[dim], 2));
        recursive_pass(d.get(), s1.get(), g.size, j0, coefficients(sigma, g.spacing[j0], 0));
        recursive_pass(s1.get(), s2.get(), g.size, j1, coefficients(sigma, g.spacing[j1], 0));
        const double spacing2 = g.spacing[dim] * g.spacing[dim];
        float* a = acc.get();
        const float* b = s2.get();
        const bool first = dim == 0;
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1 << 15), [&](const auto& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) {
                const float prev = first ? 0.0f : a[i];
                a[i] = static_cast<float>(prev + b[i] * (1.0 / spacing2));
            }
        });
    }
    Image out(g);
    std::transform(acc.get(), acc.get() + n, out.data.begin(), [](float v) { return static_cast<double>(v); });
    return out;
}

}  // namespace

namespace detail {
void log_allow_avx2(bool allowed) { avx2_allowed.store(allowed, std::memory_order_relaxed); }
}  // namespace detail

bool log_sigma_allowed(const Geometry& g, double sigma_mm, std::string* reason) {
    // imageoperations.getLoGImage: min(size) < 4 -> no LoG at all; sigma <= 0 -> skipped;
    // not np.all(size >= np.ceil(sigma / spacing) + 1) -> skipped.
    const std::size_t min_size = std::min({g.size[0], g.size[1], g.size[2]});
    if (min_size < 4) {
        if (reason) *reason = "Image too small to apply LoG filter (a dimension below 4 voxels)";
        return false;
    }
    if (!(sigma_mm > 0.0)) {
        if (reason) *reason = "sigma must be greater than 0.0";
        return false;
    }
    for (int a = 0; a < 3; ++a)
        if (static_cast<double>(g.size[a]) < std::ceil(sigma_mm / g.spacing[a]) + 1) {
            if (reason) *reason = "sigma/spacing + 1 must be greater than the size of the inputImage";
            return false;
        }
    return true;
}

LoGResult getLoGImage(const Image& image, const std::vector<double>& sigma_mm, bool sigma_integer_literal) {
    LoGResult res;
    std::string why;
    for (double sigma : sigma_mm) {
        if (!log_sigma_allowed(image.geometry, sigma, &why)) {
            res.skipped.push_back({sigma, why});
            continue;
        }
        res.images.push_back({log_image_name(sigma, sigma_integer_literal), laplacian_recursive_gaussian(image, sigma)});
    }
    return res;
}

}  // namespace radhpc::filters::pyradiomics
