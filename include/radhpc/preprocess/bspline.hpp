// Cubic B-spline interpolation that reproduces ITK 5.2 bit for bit (bspline.cpp).
// ITK's itk::BSplineInterpolateImageFunction (order 3) first runs itk::BSplineDecompositionImageFilter
// over the WHOLE image, then sums 4x4x4 weighted coefficients per sample. This implementation does the
// same arithmetic in the same order, but
//  - decomposes only what the samples need. A crop of a line would change the bits (the causal
//    recursion starts at sample 0 and its last values seed the anticausal one), so every x line of
//    the image is still filtered in full (the y lines through the box need all y and z); the y pass
//    then runs only over the box's x columns, the z pass only over its (x, y) columns, and every
//    anticausal pass stops at the box's lower edge;
//  - computes weights and mirrored indices once per output index along each axis when the sample
//    positions are separable (axis-aligned grids), fetches the coefficients once for consecutive z
//    rows with the same z support, and evaluates SIMD lanes over x (SSE2, or AVX2 when the CPU has
//    it) and TBB tasks over z. Each sample still adds its 64 terms in ITK's sequence with weight
//    ((wx wy) wz): a separable (x, then y, then z) sum would be cheaper but rounds differently.
//    Lane-wise IEEE operations and no FMA keep every lane equal to the scalar result, and samples
//    are independent, so results do not depend on the thread count or the kernel.
// Known divergence: on an axis of exactly 2 voxels, positions in about [1, 1.5) make ITK mirror
// index 3 to -1 and read outside its coefficient buffer (undefined); here it is clamped to 0.
#pragma once
#include <array>
#include <memory>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess {

// Coefficients of ITK's whole-image cubic B-spline decomposition of `image`, computed (exactly as
// ITK's values) only inside the inclusive index box [lo, hi] (clipped to the image).
class CubicBSplineCoefficients {
public:
    // T: double or int16 (a study image kept in its stored type; the values are the same doubles)
    template <class T>
    CubicBSplineCoefficients(const Volume<T>& image, const Index3& lo, const Index3& hi);
    explicit CubicBSplineCoefficients(const Image& image);  // the whole image

    // itk::BSplineInterpolateImageFunction<.., double, double>::EvaluateAtContinuousIndex, order 3
    // (no inside-buffer test). The mirrored 4x4x4 support must lie inside the box.
    double at(const Vec3& continuous_index) const;

    const Index3& lo() const { return lo_; }
    // true when the coefficients came from windows around the box (filter with a margin), not whole lines
    bool from_windows() const { return from_windows_; }
    const Index3& hi() const { return hi_; }
    const Size3& image_size() const { return n_; }
    // the box's coefficients, x fastest
    const double* data() const { return c_; }
    // coefficient at input index (x, y, z) inside the box
    double coefficient(std::int64_t x, std::int64_t y, std::int64_t z) const {
        return c_[std::size_t(((z - lo_[2]) * (hi_[1] - lo_[1] + 1) + (y - lo_[1])) * (hi_[0] - lo_[0] + 1) + (x - lo_[0]))];
    }

private:
    // The box's coefficients from windows of `margin` samples around it on every line (negative:
    // whole lines, ITK's own computation). Where a window stops short of a line end the recursion
    // state there is bracketed (bspline_decompose.hpp; |image value| <= max_abs_value): false when a
    // bracket did not close for some line (then whole lines). Whole lines never fail.
    template <class T>
    bool filter(const Volume<T>& image, std::int64_t margin, double max_abs_value);

    Size3 n_{};
    Index3 lo_{}, hi_{};
    std::unique_ptr<double[]> buffer_;  // the box's (x, y) columns over every z
    const double* c_ = nullptr;         // the box inside buffer_, x fastest
    bool from_windows_ = false;
};

// The inclusive input-index box of coefficients that cubic B-spline samples at `positions[a]` (continuous
// indices along axis a) touch after ITK's mirror boundary. Positions outside [-0.5, n - 0.5) are
// ignored when `only_inside_buffer` (they are not evaluated under ITK's resampler semantics).
// Returns false when no position is used.
bool bspline_support_box(const Size3& image_size, const std::array<std::vector<double>, 3>& positions,
                         bool only_inside_buffer, Index3& lo, Index3& hi);

// Samples on a separable grid: out(x, y, z) = spline at (positions[0][x], positions[1][y],
// positions[2][z]), out carrying `out_geometry` (its size must equal the position counts). With
// `zero_outside_buffer`, samples with any position outside [-0.5, n - 0.5) are 0 (ITK
// ResampleImageFilter, default value 0); otherwise every sample is evaluated (the IBSI path clamps
// its positions into the image first). Bit-identical to ITK's EvaluateAtContinuousIndex per sample.
// With `needed` (a mask of the output's size), only the samples where it is set are guaranteed: each
// output row is evaluated over the x span of its needed voxels (samples are independent, so those
// values are the same bits as without `needed`); samples outside the spans stay 0.
template <class T>  // double or int16
Image bspline_sample_separable(const Volume<T>& image, const std::array<std::vector<double>, 3>& positions,
                               const Geometry& out_geometry, bool zero_outside_buffer, const Mask* needed = nullptr);

// Drop-in for ITK's ResampleImageFilter (identity transform, BSplineInterpolateImageFunction order 3,
// default value 0), i.e. detail::itk_resample(image, target, Interpolation::bspline): sample positions
// are computed exactly as ITK's linear fast path does (per scanline start/end through ITK's own
// index/point matrices, then start + x / nx * (end - start)). Axis-aligned grids take the separable
// path; any other direction combination is evaluated per voxel (same values, slower).
// `needed`: as for bspline_sample_separable.
template <class T>  // double or int16
Image bspline_resample_itk(const Volume<T>& image, const Geometry& target, const Mask* needed = nullptr);

// ITK's own cubic B-spline paths: the reference the tests and perf/bench_bspline hold this
// implementation to (slow: whole-image prefilter, then ITK's interpolator per sample). Not used by
// the pipeline.
namespace itk_reference {
// itk::ResampleImageFilter, identity transform, BSplineInterpolateImageFunction order 3, default 0.
Image resample(const Image& image, const Geometry& target);
// itk::BSplineInterpolateImageFunction::EvaluateAtContinuousIndex at every (positions[0][x],
// positions[1][y], positions[2][z]) combination (the positions must lie inside the image).
Image sample(const Image& image, const std::array<std::vector<double>, 3>& positions, const Geometry& out_geometry);
}  // namespace itk_reference

namespace detail {
// The separable sampler uses AVX2 when the CPU has it (same values: lane-wise IEEE operations, no
// FMA). Tests switch it off to check the baseline SSE2 kernel too.
void bspline_allow_avx2(bool allowed);
// Benchmarks' baseline: with false, int16 images are prefiltered over whole lines as double ones are
// (the same bits, the pre-window cost). Default true.
void bspline_allow_windows(bool allowed);
bool bspline_avx2_active();
}  // namespace detail

}  // namespace radhpc::preprocess
