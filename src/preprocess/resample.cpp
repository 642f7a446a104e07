// Resampling (IBSI 1 section 2.4; PyRadiomics imageoperations.resampleImage).
// The only preprocess translation unit that includes ITK: its B-spline interpolator and
// ResampleImageFilter are what make the pyradiomics profile equal SimpleITK's numbers. The
// perturbations' transformed grids use them through resample_internal.hpp.
#include <itkAffineTransform.h>
#include <itkBSplineInterpolateImageFunction.h>
#include <itkIdentityTransform.h>
#include <itkImage.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <limits>
#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/core/source_image.hpp"
#include "radhpc/preprocess/bspline.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "itk_image.hpp"
#include "resample_internal.hpp"

namespace radhpc::preprocess {
namespace {

using ItkImage = detail::ItkImage;

ItkImage::Pointer to_itk(const Image& v) {
    auto img = detail::itk_geometry(v.geometry);
    img->Allocate();
    std::copy(v.data.begin(), v.data.end(), img->GetBufferPointer());
    return img;
}

}  // namespace

namespace detail {

// SimpleITK ResampleImageFilter with default value 0 (identity transform unless one is given), on
// an ITK image of pixel type P (double; float for a float32 input, as SimpleITK holds it), with the
// output in P too.
template <class P>
Image itk_resample_as(const Image& in, const Geometry& target, Interpolation method, const GridTransform* transform) {
    using PImage = itk::Image<P, 3>;
    const auto in_geometry = itk_geometry(in.geometry);
    auto src = PImage::New();
    src->CopyInformation(in_geometry);
    src->SetRegions(in_geometry->GetLargestPossibleRegion());
    src->Allocate();
    std::transform(in.data.begin(), in.data.end(), src->GetBufferPointer(), [](double v) { return static_cast<P>(v); });
    using Filter = itk::ResampleImageFilter<PImage, PImage, double, double>;
    auto f = Filter::New();
    f->SetInput(src);
    if (transform == nullptr) {
        f->SetTransform(itk::IdentityTransform<double, 3>::New());
    } else {
        // ITK maps output points to input points: T(x) = M (x - center) + center + translation
        auto tr = itk::AffineTransform<double, 3>::New();
        itk::AffineTransform<double, 3>::MatrixType M;
        itk::AffineTransform<double, 3>::CenterType c;
        itk::AffineTransform<double, 3>::OutputVectorType s;
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) M[i][j] = transform->rotation[3 * i + j];
            c[i] = transform->centre[i];
            s[i] = transform->shift[i];
        }
        tr->SetCenter(c);
        tr->SetMatrix(M);
        tr->SetTranslation(s);
        f->SetTransform(tr);
    }
    switch (method) {
        case Interpolation::nearest:
            f->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<PImage, double>::New());
            break;
        case Interpolation::linear:
            f->SetInterpolator(itk::LinearInterpolateImageFunction<PImage, double>::New());
            break;
        case Interpolation::bspline: {
            auto b = itk::BSplineInterpolateImageFunction<PImage, double, double>::New();
            b->SetSplineOrder(3);
            f->SetInterpolator(b);
            break;
        }
    }
    f->SetOutputParametersFromImage(itk_geometry(target));  // size, spacing, origin, direction; start index 0
    f->SetDefaultPixelValue(0);
    // every output voxel is computed independently, so ITK's threads do not change the result
    f->SetNumberOfWorkUnits(std::max(1, tbb::this_task_arena::max_concurrency()));
    f->Update();
    Image out(target);
    const P* buf = f->GetOutput()->GetBufferPointer();
    std::transform(buf, buf + out.data.size(), out.data.begin(), [](P v) { return double(v); });
    return out;
}

Image itk_resample(const Image& in, const Geometry& target, Interpolation method, const GridTransform* transform) {
    return itk_resample_as<double>(in, target, method, transform);
}

struct BSplineSampler::Impl {
    itk::BSplineInterpolateImageFunction<ItkImage, double, double>::Pointer spline;
};

BSplineSampler::BSplineSampler(const Image& in) : impl_(std::make_unique<Impl>()) {
    impl_->spline = itk::BSplineInterpolateImageFunction<ItkImage, double, double>::New();
    impl_->spline->SetSplineOrder(3);
    impl_->spline->SetInputImage(to_itk(in));
}

BSplineSampler::~BSplineSampler() = default;

double BSplineSampler::at(const Vec3& continuous_index) const {
    itk::ContinuousIndex<double, 3> ci;
    for (int a = 0; a < 3; ++a) ci[a] = continuous_index[a];
    return impl_->spline->EvaluateAtContinuousIndex(ci);
}

}  // namespace detail

namespace itk_reference {

Image resample(const Image& image, const Geometry& target) { return detail::itk_resample(image, target, Interpolation::bspline); }

// What SimpleITK runs for a float32 image: ResampleImageFilter<float image, float image>, the
// interpolators templated on the float image (B-spline coefficients in double), output cast to float.
Image resample_float32(const Image& image, const Geometry& target, Interpolation method) {
    return detail::itk_resample_as<float>(image, target, method, nullptr);
}

Image sample(const Image& image, const std::array<std::vector<double>, 3>& positions, const Geometry& out_geometry) {
    const detail::BSplineSampler spline(image);
    Image out(out_geometry);
    for (std::size_t z = 0; z < out_geometry.size[2]; ++z)
        for (std::size_t y = 0; y < out_geometry.size[1]; ++y)
            for (std::size_t x = 0; x < out_geometry.size[0]; ++x)
                out.at(x, y, z) = spline.at({positions[0][x], positions[1][y], positions[2][z]});
    return out;
}

}  // namespace itk_reference

namespace detail {

Image mask_as_image(const Mask& mask) {
    Image m(mask.geometry);
    for (std::size_t i = 0; i < mask.data.size(); ++i) m.data[i] = mask.data[i] ? 1.0 : 0.0;
    return m;
}

Mask threshold_mask(const Image& r, double threshold) {
    // Grid positions that fall exactly on a half-voxel boundary interpolate to exactly 0.5 in exact
    // arithmetic but to 0.4999... in floating point (IBSI 1 notes this pitfall); the slack keeps them.
    const double cut = threshold - 1e-9;
    Mask out(r.geometry);
    for (std::size_t i = 0; i < r.data.size(); ++i) out.data[i] = r.data[i] >= cut;
    return out;
}

Mask nearest_mask(const Image& r) {
    Mask out(r.geometry);
    for (std::size_t i = 0; i < r.data.size(); ++i) out.data[i] = r.data[i] > 0.5;
    return out;
}

// itk::ResampleImageFilter writes its output pixel type through CastPixelWithBoundsChecking: clamp
// to the type's range, then static_cast (truncation for integers, round-to-nearest for float).
void cast_to_pixel_type(Image& image, const PixelType& pixel_type) {
    if (pixel_type.integer)
        for (double& v : image.data) v = std::trunc(std::clamp(v, pixel_type.min, pixel_type.max));
    else if (pixel_type.float32) {
        constexpr double lo = -double(std::numeric_limits<float>::max()), hi = double(std::numeric_limits<float>::max());
        for (double& v : image.data) v = double(static_cast<float>(std::clamp(v, lo, hi)));
    }
}

}  // namespace detail

namespace {

// Position of voxel k of the full interpolation grid along each axis in the input's continuous
// index space: x = offset + k * step. A sub-grid starting at full-grid index lo uses lo + k, so
// its positions are bit-identical to the full grid's (rounding to integer HU and the 0.5 mask
// threshold would otherwise flip on 1e-13 differences).
struct AxisMap {
    double offset, step;
};
std::array<AxisMap, 3> axis_maps(const Geometry& in, const Geometry& target) {
    const Vec3 o = in.point_to_index(target.origin);
    std::array<AxisMap, 3> m;
    for (int a = 0; a < 3; ++a) m[a] = {o[a], target.spacing[a] / in.spacing[a]};
    return m;
}

bool same_direction(const Geometry& a, const Geometry& b) {
    for (int i = 0; i < 9; ++i)
        if (std::abs(a.direction[i] - b.direction[i]) > 1e-9) return false;
    return true;
}

// Sample values as double: intensities as they are, mask voxels as 1.0 / 0.0 (what mask_as_image
// gives, without converting a whole CT-sized mask to doubles for every lesion).
inline double sample_value(double v) { return v; }
inline double sample_value(std::int16_t v) { return double(v); }
inline double sample_value(std::uint8_t v) { return v ? 1.0 : 0.0; }

// IBSI linear interpolation with nearest-boundary padding: positions are clamped to [0, n-1].
template <class T>
Image ibsi_linear(const Volume<T>& in, const Geometry& full, const Index3& lo, const Geometry& target) {
    const auto m = axis_maps(in.geometry, full);
    Image out(target);
    // Per-axis precomputed lower index and weight (no per-voxel floor in the inner loop).
    std::array<std::vector<std::int64_t>, 3> i0;
    std::array<std::vector<std::int64_t>, 3> i1;
    std::array<std::vector<double>, 3> w;
    for (int a = 0; a < 3; ++a) {
        const std::int64_t n = std::int64_t(in.geometry.size[a]);
        for (std::size_t k = 0; k < target.size[a]; ++k) {
            double x = std::clamp(m[a].offset + double(lo[a] + std::int64_t(k)) * m[a].step, 0.0, double(n - 1));
            std::int64_t lo = std::min<std::int64_t>(std::int64_t(std::floor(x)), n - 1);
            i0[a].push_back(lo);
            i1[a].push_back(std::min<std::int64_t>(lo + 1, n - 1));
            w[a].push_back(x - double(lo));
        }
    }
    tbb::parallel_for(std::size_t(0), target.size[2], [&](std::size_t z) {
        for (std::size_t y = 0; y < target.size[1]; ++y)
            for (std::size_t x = 0; x < target.size[0]; ++x) {
                const double wx = w[0][x], wy = w[1][y], wz = w[2][z];
                auto v = [&](std::int64_t xi, std::int64_t yi, std::int64_t zi) {
                    return sample_value(in.at(std::size_t(xi), std::size_t(yi), std::size_t(zi)));
                };
                const auto x0 = i0[0][x], x1 = i1[0][x], y0 = i0[1][y], y1 = i1[1][y], z0 = i0[2][z], z1 = i1[2][z];
                const double c00 = v(x0, y0, z0) * (1 - wx) + v(x1, y0, z0) * wx;
                const double c10 = v(x0, y1, z0) * (1 - wx) + v(x1, y1, z0) * wx;
                const double c01 = v(x0, y0, z1) * (1 - wx) + v(x1, y0, z1) * wx;
                const double c11 = v(x0, y1, z1) * (1 - wx) + v(x1, y1, z1) * wx;
                const double c0 = c00 * (1 - wy) + c10 * wy;
                const double c1 = c01 * (1 - wy) + c11 * wy;
                out.at(x, y, z) = c0 * (1 - wz) + c1 * wz;
            }
    });
    return out;
}

template <class T>
Image ibsi_nearest(const Volume<T>& in, const Geometry& full, const Index3& lo, const Geometry& target) {
    const auto m = axis_maps(in.geometry, full);
    Image out(target);
    std::array<std::vector<std::size_t>, 3> idx;
    for (int a = 0; a < 3; ++a) {
        const double n = double(in.geometry.size[a]);
        for (std::size_t k = 0; k < target.size[a]; ++k) {
            // round half up, as the nearest-neighbour convention of ITK
            double x = std::clamp(std::floor(m[a].offset + double(lo[a] + std::int64_t(k)) * m[a].step + 0.5), 0.0, n - 1);
            idx[a].push_back(std::size_t(x));
        }
    }
    for (std::size_t z = 0; z < target.size[2]; ++z)
        for (std::size_t y = 0; y < target.size[1]; ++y)
            for (std::size_t x = 0; x < target.size[0]; ++x) out.at(x, y, z) = sample_value(in.at(idx[0][x], idx[1][y], idx[2][z]));
    return out;
}

// IBSI cubic spline: ITK's B-spline (mirror boundary) sampled at positions clamped into the grid,
// which realises IBSI's nearest-boundary padding for positions outside it. The grids share their
// direction, so the positions are separable per axis (bspline.cpp: ITK's values, far fewer operations).
template <class T>
Image ibsi_bspline(const Volume<T>& in, const Geometry& full, const Index3& lo, const Geometry& target) {
    const auto m = axis_maps(in.geometry, full);
    std::array<std::vector<double>, 3> positions;
    for (int a = 0; a < 3; ++a)
        for (std::size_t k = 0; k < target.size[a]; ++k)
            positions[a].push_back(
                std::clamp(m[a].offset + double(lo[a] + std::int64_t(k)) * m[a].step, 0.0, double(in.geometry.size[a] - 1)));
    return bspline_sample_separable(in, positions, target, false);
}

}  // namespace

Geometry ibsi_resampled_geometry(const Geometry& in, const Vec3& new_spacing) {
    Geometry g = in;
    Vec3 centre_index;
    for (int a = 0; a < 3; ++a) {
        const double s_new = new_spacing[a] > 0 ? new_spacing[a] : in.spacing[a];
        // n_new = ceil(n_old * s_old / s_new); the epsilon keeps exact multiples (60 * 3 / 2) exact.
        const double extent = double(in.size[a]) * in.spacing[a] / s_new;
        g.size[a] = std::size_t(std::ceil(extent - 1e-9));
        g.spacing[a] = s_new;
        // centres aligned: voxel 0 of the new grid sits at old index c_old - (n_new - 1)/2 * s_new/s_old
        centre_index[a] = 0.5 * double(in.size[a] - 1) - 0.5 * double(g.size[a] - 1) * s_new / in.spacing[a];
    }
    g.origin = in.index_to_point(centre_index);
    return g;
}

Geometry pyradiomics_resampled_geometry(const Geometry& in, const Vec3& new_spacing, const Index3& box_lo,
                                        const Index3& box_hi, int pad_distance) {
    Geometry g = in;
    Vec3 origin_index;
    for (int a = 0; a < 3; ++a) {
        const double s_new = new_spacing[a] > 0 ? new_spacing[a] : in.spacing[a];
        const double ratio = in.spacing[a] / s_new;  // spacingRatio
        const double bb_lo = double(box_lo[a]);
        const double bb_size = double(box_hi[a] - box_lo[a] + 1);
        double lo = std::floor((bb_lo - 0.5) * ratio - pad_distance);
        double hi = std::ceil((bb_lo + bb_size - 0.5) * ratio + pad_distance);
        const double max_hi = std::ceil(double(in.size[a]) * ratio) - 1;
        lo = std::max(lo, 0.0);
        hi = std::min(hi, max_hi);
        g.size[a] = std::size_t(hi - lo + 1);
        g.spacing[a] = s_new;
        // newOriginIndex = 0.5 * (s_new - s_old) / s_old, plus the box lower bound in old index units
        origin_index[a] = 0.5 * (s_new - in.spacing[a]) / in.spacing[a] + lo / ratio;
    }
    g.origin = in.index_to_point(origin_index);
    return g;
}

Geometry sub_grid(const Geometry& full, const Index3& lo, const Index3& hi) {
    Geometry g = full;
    for (int a = 0; a < 3; ++a) g.size[a] = std::size_t(hi[a] - lo[a] + 1);
    g.origin = full.index_to_point({double(lo[0]), double(lo[1]), double(lo[2])});
    return g;
}

namespace {
const Image& as_double_for_itk(const Image& image, Image&) { return image; }
const Image& as_double_for_itk(const Volume<std::int16_t>& image, Image& copy) {
    copy = to_double(image);
    return copy;
}

template <class T>
Image resample_image_t(const Volume<T>& image, const Geometry& target, Interpolation method, Profile profile,
                       const PixelType& pixel_type, const Mask* needed) {
    if (profile == Profile::pyradiomics) {
        // B-spline: our own ITK-exact implementation (bspline.cpp, ~14x faster than ITK's whole-image prefilter)
        Image out;
        if (method == Interpolation::bspline) {
            out = bspline_resample_itk(image, target, needed);
        } else {
            Image copy;
            out = detail::itk_resample(as_double_for_itk(image, copy), target, method);
        }
        detail::cast_to_pixel_type(out, pixel_type);
        return out;
    }
    return resample_ibsi(image, target, {0, 0, 0}, target.size, method);
}

template <class T>
Image resample_ibsi_t(const Volume<T>& image, const Geometry& full, const Index3& lo, const Size3& size, Interpolation method) {
    if (!same_direction(image.geometry, full))
        throw Error(ErrorKind::internal, "resample: target grid must share the input's direction");
    const Geometry target = sub_grid(full, lo, {lo[0] + std::int64_t(size[0]) - 1, lo[1] + std::int64_t(size[1]) - 1,
                                                lo[2] + std::int64_t(size[2]) - 1});
    switch (method) {
        case Interpolation::nearest: return ibsi_nearest(image, full, lo, target);
        case Interpolation::linear: return ibsi_linear(image, full, lo, target);
        case Interpolation::bspline: return ibsi_bspline(image, full, lo, target);
    }
    return {};
}
}  // namespace

Image resample_image(const Image& image, const Geometry& target, Interpolation method, Profile profile,
                     const PixelType& pixel_type, const Mask* needed) {
    return resample_image_t(image, target, method, profile, pixel_type, needed);
}
Image resample_image(const Volume<std::int16_t>& image, const Geometry& target, Interpolation method, Profile profile,
                     const PixelType& pixel_type, const Mask* needed) {
    return resample_image_t(image, target, method, profile, pixel_type, needed);
}
Image resample_ibsi(const Image& image, const Geometry& full, const Index3& lo, const Size3& size, Interpolation method) {
    return resample_ibsi_t(image, full, lo, size, method);
}
Image resample_ibsi(const Volume<std::int16_t>& image, const Geometry& full, const Index3& lo, const Size3& size,
                    Interpolation method) {
    return resample_ibsi_t(image, full, lo, size, method);
}

Mask resample_mask(const Mask& mask, const Geometry& target, Interpolation method, double threshold,
                   Profile profile) {
    if (profile == Profile::pyradiomics) {
        // own ITK-exact nearest neighbour (nearest_itk.cpp): no whole-grid double copies
        return nearest_mask_resample_itk(mask, target);
    }
    return resample_mask_ibsi(mask, target, {0, 0, 0}, target.size, method, threshold);
}

Mask resample_mask_ibsi(const Mask& mask, const Geometry& full, const Index3& lo, const Size3& size, Interpolation method,
                        double threshold) {
    if (method == Interpolation::bspline)
        return detail::threshold_mask(resample_ibsi(detail::mask_as_image(mask), full, lo, size, method), threshold);
    // linear / nearest read the mask's bytes directly (same values as through mask_as_image)
    if (!same_direction(mask.geometry, full))
        throw Error(ErrorKind::internal, "resample: target grid must share the input's direction");
    const Geometry target = sub_grid(full, lo, {lo[0] + std::int64_t(size[0]) - 1, lo[1] + std::int64_t(size[1]) - 1,
                                                lo[2] + std::int64_t(size[2]) - 1});
    return detail::threshold_mask(method == Interpolation::linear ? ibsi_linear(mask, full, lo, target) : ibsi_nearest(mask, full, lo, target),
                                  threshold);
}

void round_intensities(Image& image) {
    for (double& v : image.data) v = std::round(v);
}

}  // namespace radhpc::preprocess
