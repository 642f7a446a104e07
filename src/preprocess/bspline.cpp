// Cubic B-spline resampling bit-identical to ITK 5.2 (see include/radhpc/preprocess/bspline.hpp).
// The arithmetic below follows, operation for operation and in the same order,
//   itkBSplineDecompositionImageFilter.hxx (DataToCoefficients1D, SetInitialCausalCoefficient,
//     SetInitialAntiCausalCoefficient: pole sqrt(3) - 2, tolerance 1e-10, mirror boundaries),
//   itkBSplineInterpolateImageFunction.hxx (DetermineRegionOfSupport, SetInterpolationWeights,
//     ApplyMirrorBoundaryConditions, EvaluateAtContinuousIndexInternal),
//   itkResampleImageFilter.hxx (LinearThreadedGenerateData: scanline start/end, IsInsideBuffer).
// Floating-point operations are never reordered (no -ffast-math; the project builds for baseline
// x86-64, so no FMA contraction either: ITK's templates are instantiated with the same flags).
// The sample positions come from itk_scanlines.cpp (ITK's own index <-> point matrices); the
// interpolation itself does not touch ITK.
#include "radhpc/preprocess/bspline.hpp"

#include <immintrin.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "bspline_decompose.hpp"
#include "itk_scanlines.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::preprocess {
namespace {

using detail::decompose_lines;
using detail::LineFilter;
using detail::V2;

std::atomic<bool> windows_allowed{true};  // detail::bspline_allow_windows (benchmarks' baseline)

// ---- ITK's region of support and weights (order 3) -------------------------------------------

struct Support {
    std::int64_t index[4];  // mirrored input indices
    double weight[4];
};

inline Support support_at(double p, std::int64_t n) {
    Support s;
    // DetermineRegionOfSupport floors the position in single precision.
    const std::int64_t first = std::int64_t(std::floor(float(p) + 0.0f)) - 1;
    const double t = p - double(first + 1);
    s.weight[3] = (1.0 / 6.0) * t * t * t;
    s.weight[0] = (1.0 / 6.0) + 0.5 * t * (t - 1.0) - s.weight[3];
    s.weight[2] = t + s.weight[0] - 2.0 * s.weight[3];
    s.weight[1] = 1.0 - s.weight[0] - s.weight[2] - s.weight[3];
    for (int k = 0; k < 4; ++k) {
        std::int64_t i = first + k;
        if (n == 1) {
            i = 0;
        } else {
            const std::int64_t end = n - 1;
            if (i < 0) i = -i;
            if (i >= end) i = end - (i - end);
            // only reachable for n == 2 (ITK reads outside its buffer there): keep inside
            i = std::clamp<std::int64_t>(i, 0, end);
        }
        s.index[k] = i;
    }
    return s;
}

// ITK ImageFunction::IsInsideBuffer for one axis: [-0.5, n - 0.5), false for NaN
inline bool inside_buffer(double p, std::int64_t n) { return p >= -0.5 && p < double(n - 1) + 0.5; }

// Per-axis supports of separable sample positions, indices made relative to the coefficient box.
struct AxisSupports {
    std::vector<Support> s;
    std::vector<std::uint8_t> inside;
};

AxisSupports axis_supports(const std::vector<double>& positions, std::int64_t n, std::int64_t box_lo, bool only_inside_buffer) {
    AxisSupports a;
    a.s.resize(positions.size(), Support{{0, 0, 0, 0}, {0, 0, 0, 0}});
    a.inside.resize(positions.size());
    for (std::size_t k = 0; k < positions.size(); ++k) {
        a.inside[k] = inside_buffer(positions[k], n);
        if (only_inside_buffer && !a.inside[k]) continue;  // never evaluated (and may be too far out for an index)
        a.s[k] = support_at(positions[k], n);
        for (auto& i : a.s[k].index) i -= box_lo;
    }
    return a;
}

void widen_box(const Support& s, std::int64_t& lo, std::int64_t& hi) {
    for (auto i : s.index) {
        lo = std::min(lo, i);
        hi = std::max(hi, i);
    }
}

}  // namespace

// ---- coefficients -----------------------------------------------------------------------------

CubicBSplineCoefficients::CubicBSplineCoefficients(const Image& image)
    : CubicBSplineCoefficients(image, {0, 0, 0},
                               {std::int64_t(image.geometry.size[0]) - 1, std::int64_t(image.geometry.size[1]) - 1,
                                std::int64_t(image.geometry.size[2]) - 1}) {}

// Windows of kBracketMargin samples beyond the box on each side: the two bracketing runs, 2 x 1e7 apart
// at most, shrink by |z| = 0.268 a step, to below any double's rounding within about 50 steps.
constexpr std::int64_t kBracketMargin = 48;
constexpr std::int64_t kWholeLines = -1;  // windows spanning every line: ITK's own computation

template <class T>
CubicBSplineCoefficients::CubicBSplineCoefficients(const Volume<T>& image, const Index3& lo, const Index3& hi) {
    n_ = image.geometry.size;
    if (n_[0] == 0 || n_[1] == 0 || n_[2] == 0) throw Error(ErrorKind::internal, "bspline: empty image");
    for (int a = 0; a < 3; ++a) {
        const std::int64_t last = std::int64_t(n_[a]) - 1;
        lo_[a] = std::clamp<std::int64_t>(lo[a], 0, last);
        hi_[a] = std::clamp<std::int64_t>(hi[a], lo_[a], last);
    }
    // An int16 image bounds every sample by 32768: the windows' brackets need such a bound. A double
    // image would need a whole-image scan for one, so it keeps whole lines (as does a failed bracket).
    if constexpr (std::is_same_v<T, std::int16_t>)
        if (windows_allowed.load(std::memory_order_relaxed) && filter(image, kBracketMargin, 32768.0)) {
            from_windows_ = true;
            return;
        }
    filter(image, kWholeLines, 0.0);  // never brackets, so never fails
}

// ITK filters x over the whole image, then y, then z. For the box's coefficients the y lines are
// needed only through the box's x columns and the z lines only through its (x, y) columns; with a
// margin, the x and y lines only through the windows too.
template <class T>
bool CubicBSplineCoefficients::filter(const Volume<T>& image, std::int64_t margin, double max_abs_value) {
    const LineFilter fx(n_[0]), fy(n_[1]), fz(n_[2]);
    const LineFilter* f[3] = {&fx, &fy, &fz};
    std::size_t w_lo[3], w_hi[3];
    for (int a = 0; a < 3; ++a) {
        const std::int64_t last = std::int64_t(n_[a]) - 1;
        std::int64_t lo = std::max<std::int64_t>(0, lo_[a] - margin), hi = std::min(last, hi_[a] + margin);
        if (margin < 0 || !f[a]->accelerated) lo = 0, hi = last;  // whole lines (asked for, or short)
        if (lo == 0) hi = std::max(hi, std::min(last, std::int64_t(f[a]->horizon) - 1));  // the causal start's samples
        w_lo[a] = std::size_t(lo);
        w_hi[a] = std::size_t(hi);
    }
    // |samples| and |states| of each axis: the image's bound times the gain, then each pass' output
    const double bound_x = detail::state_bound(fx, fx.scaled(max_abs_value));
    const double bound_y = detail::state_bound(fy, std::fabs(fy.scaled(bound_x)));
    const double bound_z = detail::state_bound(fz, std::fabs(fz.scaled(bound_y)));
    const std::size_t N0 = n_[0];
    const std::size_t wx = w_hi[0] - w_lo[0] + 1, wy = w_hi[1] - w_lo[1] + 1, wz = w_hi[2] - w_lo[2] + 1;
    const std::size_t bx = std::size_t(hi_[0] - lo_[0] + 1), by = std::size_t(hi_[1] - lo_[1] + 1);
    const std::size_t plane = bx * by;
    buffer_.reset(new double[plane * wz]);  // not zero-filled: every element is written by the x/y stage
    double* columns = buffer_.get();
    std::atomic<bool> exact{true};
    tbb::parallel_for(tbb::blocked_range<std::size_t>(w_lo[2], w_hi[2] + 1), [&](const tbb::blocked_range<std::size_t>& r) {
        // per-thread scratch reused across chunks and calls: fresh 2 MB buffers per chunk cost more in
        // page faults than the filtering itself on a 512x512 slice
        static thread_local std::vector<double> t, a;
        t.resize(wx * wy);
        a.resize(bx * wy);
        for (std::size_t z = r.begin(); z != r.end() && exact.load(std::memory_order_relaxed); ++z) {
            const T* src = image.data.data() + z * N0 * n_[1];
            // the slice's window transposed so the x recursion runs over contiguous lanes (one per y
            // line), in bands of 8 y lines (one cache line of t per x); the gain is applied on the way
            for (std::size_t y0 = 0; y0 < wy; y0 += 8) {
                const std::size_t y1 = std::min(wy, y0 + 8);
                for (std::size_t x = 0; x < wx; ++x)
                    for (std::size_t y = y0; y < y1; ++y) t[x * wy + y] = fx.scaled(double(src[(y + w_lo[1]) * N0 + x + w_lo[0]]));
            }
            if (!detail::decompose_window(t.data(), wy, wy, fx, w_lo[0], w_hi[0], std::size_t(lo_[0]), std::size_t(hi_[0]), bound_x)) {
                exact = false;
                return;
            }
            for (std::size_t y = 0; y < wy; ++y)
                for (std::size_t x = 0; x < bx; ++x) a[y * bx + x] = fy.scaled(t[(x + std::size_t(lo_[0]) - w_lo[0]) * wy + y]);
            if (!detail::decompose_window(a.data(), bx, bx, fy, w_lo[1], w_hi[1], std::size_t(lo_[1]), std::size_t(hi_[1]), bound_y)) {
                exact = false;
                return;
            }
            double* dst = columns + (z - w_lo[2]) * plane;
            for (std::size_t i = (std::size_t(lo_[1]) - w_lo[1]) * bx; i < (std::size_t(hi_[1]) + 1 - w_lo[1]) * bx; ++i) *dst++ = fz.scaled(a[i]);
        }
    });
    if (!exact) return false;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, plane, 1024), [&](const tbb::blocked_range<std::size_t>& r) {
        if (!detail::decompose_window(columns + r.begin(), plane, r.size(), fz, w_lo[2], w_hi[2], std::size_t(lo_[2]), std::size_t(hi_[2]),
                                      bound_z))
            exact = false;
    });
    if (!exact) return false;
    c_ = columns + (std::size_t(lo_[2]) - w_lo[2]) * plane;  // the z lines outside the box were only needed for the recursion
    return true;
}

double CubicBSplineCoefficients::at(const Vec3& ci) const {
    Support s[3];
    for (int a = 0; a < 3; ++a) s[a] = support_at(ci[a], std::int64_t(n_[a]));
    for (int a = 0; a < 3; ++a)
        for (auto i : s[a].index)
            if (i < lo_[a] || i > hi_[a]) throw Error(ErrorKind::internal, "bspline: sample support outside the coefficient box");
    // 64 terms in ITK's order (x fastest), weight ((wx wy) wz)
    double sum = 0.0;
    for (int j2 = 0; j2 < 4; ++j2)
        for (int j1 = 0; j1 < 4; ++j1)
            for (int j0 = 0; j0 < 4; ++j0) {
                double w = s[0].weight[j0] * s[1].weight[j1];
                w *= s[2].weight[j2];
                sum += w * coefficient(s[0].index[j0], s[1].index[j1], s[2].index[j2]);
            }
    return sum;
}

bool bspline_support_box(const Size3& image_size, const std::array<std::vector<double>, 3>& positions,
                         bool only_inside_buffer, Index3& lo, Index3& hi) {
    for (int a = 0; a < 3; ++a) {
        const auto n = std::int64_t(image_size[a]);
        lo[a] = n;
        hi[a] = -1;
        for (double p : positions[a]) {
            if (only_inside_buffer && !inside_buffer(p, n)) continue;
            widen_box(support_at(p, n), lo[a], hi[a]);
        }
        if (hi[a] < lo[a]) return false;
    }
    return true;
}

// ---- separable sampling -------------------------------------------------------------------------

namespace {
// Two / four doubles in one SIMD register (GCC/Clang vector extension): element-wise IEEE
// operations, so each lane computes exactly what the scalar code would.
using V4 = double __attribute__((vector_size(32)));

bool cpu_has_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
    return __builtin_cpu_supports("avx2");
#else
    return false;
#endif
}
std::atomic<bool> avx2_allowed{true};
bool simd_avx2_enabled() {
    static const bool has = cpu_has_avx2();
    return has && avx2_allowed.load(std::memory_order_relaxed);
}

// Up to kGroup output rows (fixed y; consecutive z whose z supports use the same coefficient
// indices, e.g. 3 mm slices sampled at 1 mm) evaluated together: their 16 coefficient rows are the
// same, so the coefficients are fetched once for all of them; only the z weights differ.
constexpr int kGroup = 4;
struct RowKernel {
    const Support* sx;           // per output x
    const std::uint8_t* inside;  // per output x, or nullptr when every sample is evaluated
    std::size_t nx;
    std::size_t x_begin, x_end;  // the samples evaluated are x_begin <= x < x_end (the rest stay 0)
    const Support* sy;
    int group;                      // rows in the group
    const Support* sz[kGroup];      // per row
    double* dst[kGroup];            // per row
    const double* const* rows;      // 16 coefficient rows of the (y, z) support, ITK's order (j2 major)
    bool used(std::size_t x) const { return inside == nullptr || inside[x]; }
};

// ITK's sum for one sample: 64 terms, x fastest, weight ((wx wy) wz)
inline double evaluate_one(const RowKernel& k, std::size_t x, int g) {
    const Support& sx = k.sx[x];
    double sum = 0.0;
    for (int j2 = 0; j2 < 4; ++j2)
        for (int j1 = 0; j1 < 4; ++j1) {
            const double* row = k.rows[4 * j2 + j1];
            for (int j0 = 0; j0 < 4; ++j0) {
                double w = sx.weight[j0] * k.sy->weight[j1];
                w *= k.sz[g]->weight[j2];
                sum += w * row[sx.index[j0]];
            }
        }
    return sum;
}

// A sample whose 4 x coefficients are adjacent in memory (no mirroring on x), and is evaluated.
inline bool plain(const RowKernel& k, std::size_t x) {
    const Support& s = k.sx[x];
    return k.used(x) && s.index[1] == s.index[0] + 1 && s.index[2] == s.index[0] + 2 && s.index[3] == s.index[0] + 3;
}

// Per-thread scratch of the row kernels (allocated once per task, not per voxel).
struct RowScratch {
    std::vector<std::size_t> blocks;  // first x of each vector block
    // plain doubles, read and written as vectors with unaligned moves (no alignment assumption)
    std::vector<double> wxy, acc;
};

// The rows are evaluated in blocks of L adjacent samples, one SIMD lane each; the running sums of
// all blocks stay in `acc` while the 16 coefficient rows are walked in ITK's order, so every lane
// adds its 64 terms in exactly ITK's sequence (x fastest, weight ((wx wy) wz)), and the many
// independent blocks hide the latency of that sequential sum. Samples at the mirrored edges or
// outside the buffer go through evaluate_one.
template <int L>
void collect_blocks(const RowKernel& k, RowScratch& s) {
    s.blocks.clear();
    std::size_t x = k.x_begin;
    while (x < k.x_end) {
        bool block = x + L <= k.x_end;
        for (std::size_t v = 0; block && v < std::size_t(L); ++v) block = plain(k, x + v);
        if (block) {
            s.blocks.push_back(x);
            x += L;
        } else {
            if (k.used(x))
                for (int g = 0; g < k.group; ++g) k.dst[g][x] = evaluate_one(k, x, g);
            ++x;
        }
    }
}

// Baseline x86-64 (SSE2): blocks of 2; c[j0] = {row[p + j0], row[q + j0]} from two 2x2 transposes.
void evaluate_rows_sse2(const RowKernel& k, RowScratch& s) {
    collect_blocks<2>(k, s);
    const std::size_t nb = s.blocks.size();
    if (nb == 0) return;
    const auto G = std::size_t(k.group);
    s.wxy.resize(16 * 2 * nb);
    s.acc.assign(2 * nb * G, 0.0);
    for (std::size_t b = 0; b < nb; ++b) {
        const Support* sx = k.sx + s.blocks[b];
        for (int j1 = 0; j1 < 4; ++j1)
            for (int j0 = 0; j0 < 4; ++j0)
                _mm_storeu_pd(&s.wxy[2 * (16 * b + std::size_t(4 * j1 + j0))],
                              __m128d(V2{sx[0].weight[j0], sx[1].weight[j0]} * k.sy->weight[j1]));
    }
    for (int j2 = 0; j2 < 4; ++j2) {
        double wz[kGroup];
        for (std::size_t g = 0; g < G; ++g) wz[g] = k.sz[g]->weight[j2];
        for (int j1 = 0; j1 < 4; ++j1) {
            const double* row = k.rows[4 * j2 + j1];
            for (std::size_t b = 0; b < nb; ++b) {
                const Support* sx = k.sx + s.blocks[b];
                const double* p = row + sx[0].index[0];
                const double* q = row + sx[1].index[0];
                const __m128d p01 = _mm_loadu_pd(p), p23 = _mm_loadu_pd(p + 2);
                const __m128d q01 = _mm_loadu_pd(q), q23 = _mm_loadu_pd(q + 2);
                const V2 c[4] = {V2(_mm_unpacklo_pd(p01, q01)), V2(_mm_unpackhi_pd(p01, q01)), V2(_mm_unpacklo_pd(p23, q23)),
                                 V2(_mm_unpackhi_pd(p23, q23))};
                const double* w = &s.wxy[2 * (16 * b + std::size_t(4 * j1))];
                for (std::size_t g = 0; g < G; ++g) {
                    double* accp = &s.acc[2 * (g * nb + b)];
                    V2 a = V2(_mm_loadu_pd(accp));
#pragma GCC unroll 4
                    for (int j0 = 0; j0 < 4; ++j0) a += (V2(_mm_loadu_pd(w + 2 * j0)) * wz[g]) * c[j0];
                    _mm_storeu_pd(accp, __m128d(a));
                }
            }
        }
    }
    for (std::size_t g = 0; g < G; ++g)
        for (std::size_t b = 0; b < nb; ++b)
            for (std::size_t v = 0; v < 2; ++v) k.dst[g][s.blocks[b] + v] = s.acc[2 * (g * nb + b) + v];
}

// c[j0] = {row[base[0] + j0], .., row[base[3] + j0]}: four unaligned loads and a 4x4 transpose
__attribute__((target("avx2"))) inline void transpose4(const double* row, const Support* sx, V4* c) {
    const __m256d r0 = _mm256_loadu_pd(row + sx[0].index[0]), r1 = _mm256_loadu_pd(row + sx[1].index[0]);
    const __m256d r2 = _mm256_loadu_pd(row + sx[2].index[0]), r3 = _mm256_loadu_pd(row + sx[3].index[0]);
    const __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1);
    const __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    c[0] = V4(_mm256_permute2f128_pd(t0, t2, 0x20));
    c[1] = V4(_mm256_permute2f128_pd(t1, t3, 0x20));
    c[2] = V4(_mm256_permute2f128_pd(t0, t2, 0x31));
    c[3] = V4(_mm256_permute2f128_pd(t1, t3, 0x31));
}

// AVX2 (chosen at run time): blocks of 4. The target has no FMA, and contraction is switched off
// anyway: every product is rounded before it is added, as in ITK.
__attribute__((target("avx2"), optimize("fp-contract=off"))) void evaluate_rows_avx2(const RowKernel& k, RowScratch& s) {
    collect_blocks<4>(k, s);
    const std::size_t nb = s.blocks.size();
    if (nb == 0) return;
    const auto G = std::size_t(k.group);
    s.wxy.resize(16 * 4 * nb);
    s.acc.assign(4 * nb * G, 0.0);
    for (std::size_t b = 0; b < nb; ++b) {
        const Support* sx = k.sx + s.blocks[b];
        for (int j1 = 0; j1 < 4; ++j1)
            for (int j0 = 0; j0 < 4; ++j0)
                _mm256_storeu_pd(&s.wxy[4 * (16 * b + std::size_t(4 * j1 + j0))],
                                 __m256d(V4{sx[0].weight[j0], sx[1].weight[j0], sx[2].weight[j0], sx[3].weight[j0]} * k.sy->weight[j1]));
    }
    for (int j2 = 0; j2 < 4; ++j2) {
        double wz[kGroup];
        for (std::size_t g = 0; g < G; ++g) wz[g] = k.sz[g]->weight[j2];
        for (int j1 = 0; j1 < 4; ++j1) {
            const double* row = k.rows[4 * j2 + j1];
            for (std::size_t b = 0; b < nb; ++b) {
                V4 c[4];
                transpose4(row, k.sx + s.blocks[b], c);
                const double* w = &s.wxy[4 * (16 * b + std::size_t(4 * j1))];
                for (std::size_t g = 0; g < G; ++g) {
                    double* accp = &s.acc[4 * (g * nb + b)];
                    V4 a = V4(_mm256_loadu_pd(accp));
#pragma GCC unroll 4
                    for (int j0 = 0; j0 < 4; ++j0) a += (V4(_mm256_loadu_pd(w + 4 * j0)) * wz[g]) * c[j0];
                    _mm256_storeu_pd(accp, __m256d(a));
                }
            }
        }
    }
    for (std::size_t g = 0; g < G; ++g)
        for (std::size_t b = 0; b < nb; ++b)
            for (std::size_t v = 0; v < 4; ++v) k.dst[g][s.blocks[b] + v] = s.acc[4 * (g * nb + b) + v];
}

}  // namespace

namespace detail {
void bspline_allow_avx2(bool allowed) { avx2_allowed.store(allowed, std::memory_order_relaxed); }
void bspline_allow_windows(bool allowed) { windows_allowed.store(allowed, std::memory_order_relaxed); }
bool bspline_avx2_active() { return simd_avx2_enabled(); }
}  // namespace detail

template <class T>
Image bspline_sample_separable(const Volume<T>& image, const std::array<std::vector<double>, 3>& positions,
                               const Geometry& out_geometry, bool zero_outside_buffer, const Mask* needed) {
    for (int a = 0; a < 3; ++a)
        if (positions[a].size() != out_geometry.size[a])
            throw Error(ErrorKind::internal, "bspline: position count differs from the output size");
    if (needed && needed->geometry.size != out_geometry.size)
        throw Error(ErrorKind::internal, "bspline: the needed-voxel mask differs in size from the output");
    Image out(out_geometry, 0.0);
    Index3 lo, hi;
    if (out.data.empty() || !bspline_support_box(image.geometry.size, positions, zero_outside_buffer, lo, hi)) return out;
    const CubicBSplineCoefficients coef(image, lo, hi);
    AxisSupports ax[3];
    for (int a = 0; a < 3; ++a) ax[a] = axis_supports(positions[a], std::int64_t(image.geometry.size[a]), lo[a], zero_outside_buffer);
    const std::size_t bx = std::size_t(hi[0] - lo[0] + 1), by = std::size_t(hi[1] - lo[1] + 1);
    const double* c = coef.data();
    const std::size_t nx = out_geometry.size[0], ny = out_geometry.size[1];
    const bool use_avx2 = simd_avx2_enabled();
    // groups of consecutive evaluated z rows with the same z coefficient indices (at most kGroup)
    std::vector<std::pair<std::size_t, int>> groups;
    for (std::size_t z = 0; z < out_geometry.size[2]; ++z) {
        if (zero_outside_buffer && !ax[2].inside[z]) continue;
        auto& last = groups.empty() ? groups.emplace_back(z, 0) : groups.back();
        const bool joins = last.second > 0 && last.second < kGroup && last.first + std::size_t(last.second) == z &&
                           std::equal(std::begin(ax[2].s[z].index), std::end(ax[2].s[z].index), std::begin(ax[2].s[last.first].index));
        if (joins) ++last.second;
        else if (last.second == 0) last.second = 1;
        else groups.emplace_back(z, 1);
    }
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, groups.size()), [&](const tbb::blocked_range<std::size_t>& r) {
        RowScratch scratch;
        for (std::size_t gi = r.begin(); gi != r.end(); ++gi) {
            const auto [z0, count] = groups[gi];
            const Support& sz = ax[2].s[z0];
            for (std::size_t y = 0; y < ny; ++y) {
                if (zero_outside_buffer && !ax[1].inside[y]) continue;
                const Support& sy = ax[1].s[y];
                const double* rows[16];  // coefficient rows of the 4x4 (y, z) support, ITK's order
                for (int j2 = 0; j2 < 4; ++j2)
                    for (int j1 = 0; j1 < 4; ++j1)
                        rows[4 * j2 + j1] = c + (std::size_t(sz.index[j2]) * by + std::size_t(sy.index[j1])) * bx;
                // x range to evaluate: every sample, or the span of the needed voxels of the group's rows
                std::size_t x_begin = 0, x_end = nx;
                if (needed) {
                    x_begin = nx;
                    x_end = 0;
                    for (int g = 0; g < count; ++g) {
                        const std::uint8_t* m = &needed->data[((z0 + std::size_t(g)) * ny + y) * nx];
                        std::size_t first = 0;
                        while (first < nx && !m[first]) ++first;
                        if (first == nx) continue;
                        std::size_t last = nx - 1;
                        while (!m[last]) --last;
                        x_begin = std::min(x_begin, first);
                        x_end = std::max(x_end, last + 1);
                    }
                    if (x_begin >= x_end) continue;
                }
                RowKernel row{ax[0].s.data(), zero_outside_buffer ? ax[0].inside.data() : nullptr, nx, x_begin, x_end, &sy, count, {}, {}, rows};
                for (int g = 0; g < count; ++g) {
                    row.sz[g] = &ax[2].s[z0 + std::size_t(g)];
                    row.dst[g] = out.data.data() + ((z0 + std::size_t(g)) * ny + y) * nx;
                }
                if (use_avx2) evaluate_rows_avx2(row, scratch);
                else evaluate_rows_sse2(row, scratch);
            }
        }
    });
    return out;
}

// ---- ITK ResampleImageFilter semantics ------------------------------------------------------------

template <class T>
Image bspline_resample_itk(const Volume<T>& image, const Geometry& target, const Mask* needed) {
    const std::size_t nx = target.size[0], ny = target.size[1], nz = target.size[2];
    if (target.voxel_count() == 0) return Image(target);
    // LinearThreadedGenerateData's positions (itk_scanlines.hpp)
    const detail::ItkScanlines lines = detail::itk_scanlines(image.geometry, target);
    const auto& start = lines.start;
    const auto& end = lines.end;
    if (needed && needed->geometry.size != target.size)
        throw Error(ErrorKind::internal, "bspline: the needed-voxel mask differs in size from the output");
    if (lines.separable) return bspline_sample_separable(image, lines.axis_positions, target, true, needed);
    // General direction: per-voxel positions. The coefficient box covers every line's [start, end]
    // range (positions on a line lie between its ends: rounding is monotone).
    Index3 lo, hi;
    std::array<std::vector<double>, 3> ends;
    for (std::size_t l = 0; l < ny * nz; ++l)
        for (int a = 0; a < 3; ++a) {
            const auto n = double(image.geometry.size[a]);
            const double p0 = std::max(std::min(start[l][a], end[l][a]), -0.5);
            const double p1 = std::min(std::max(start[l][a], end[l][a]), n - 0.5);
            if (p0 <= p1) {
                ends[a].push_back(p0);
                ends[a].push_back(p1);
            }
        }
    Image out(target, 0.0);
    if (!bspline_support_box(image.geometry.size, ends, false, lo, hi)) return out;
    // the supports of positions between p0 and p1 span floor(float(p0)) - 1 .. floor(float(p1)) + 2
    for (int a = 0; a < 3; ++a) {
        const auto n = std::int64_t(image.geometry.size[a]);
        double pmin = 1e300, pmax = -1e300;
        for (double p : ends[a]) {
            pmin = std::min(pmin, p);
            pmax = std::max(pmax, p);
        }
        const std::int64_t f0 = std::int64_t(std::floor(float(pmin))) - 1, f1 = std::int64_t(std::floor(float(pmax))) + 2;
        for (std::int64_t i = f0; i <= f1; ++i) {
            const Support s = support_at(double(i) + 1.0, n);  // index[0] is i after mirroring
            lo[a] = std::min(lo[a], s.index[0]);
            hi[a] = std::max(hi[a], s.index[0]);
        }
    }
    const CubicBSplineCoefficients coef(image, lo, hi);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nz), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t z = r.begin(); z != r.end(); ++z)
            for (std::size_t y = 0; y < ny; ++y) {
                for (std::size_t x = 0; x < nx; ++x) {
                    if (needed && !needed->at(x, y, z)) continue;
                    Vec3 ci;
                    bool inside = true;
                    for (int a = 0; a < 3; ++a) {
                        ci[a] = lines.position(z * ny + y, x, a);
                        inside = inside && inside_buffer(ci[a], std::int64_t(image.geometry.size[a]));
                    }
                    if (inside) out.at(x, y, z) = coef.at(ci);
                }
            }
    });
    return out;
}

// The study image comes as double or, for a CT kept in its stored type, int16 (core/source_image.hpp).
template CubicBSplineCoefficients::CubicBSplineCoefficients(const Volume<double>&, const Index3&, const Index3&);
template CubicBSplineCoefficients::CubicBSplineCoefficients(const Volume<std::int16_t>&, const Index3&, const Index3&);
template Image bspline_sample_separable(const Volume<double>&, const std::array<std::vector<double>, 3>&, const Geometry&, bool,
                                        const Mask*);
template Image bspline_sample_separable(const Volume<std::int16_t>&, const std::array<std::vector<double>, 3>&, const Geometry&,
                                        bool, const Mask*);
template Image bspline_resample_itk(const Volume<double>&, const Geometry&, const Mask*);
template Image bspline_resample_itk(const Volume<std::int16_t>&, const Geometry&, const Mask*);

}  // namespace radhpc::preprocess
