// ITK-backed resampling pieces shared by resample.cpp and perturb_interpolate.cpp (not part of the
// public interface). The interface is plain arrays: ITK itself stays inside resample.cpp
// (DESIGN.md: ITK only in io and inside preprocess's resampling).
#pragma once
#include <memory>

#include "radhpc/core/volume.hpp"
#include "radhpc/preprocess/perturb.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::preprocess::detail {

// SimpleITK's ResampleImageFilter onto `target` with default value 0. Without a transform the
// identity (itk::IdentityTransform); with one, the rigid map ITK applies from output to input
// points: T(x) = R (x - centre) + centre + shift (itk::AffineTransform). The result carries `target`.
Image itk_resample(const Image& in, const Geometry& target, Interpolation method,
                   const GridTransform* transform = nullptr);

// ITK's cubic B-spline (order 3, mirror boundary) of one image, evaluated at continuous indices.
class BSplineSampler {
public:
    explicit BSplineSampler(const Image& in);
    ~BSplineSampler();
    BSplineSampler(const BSplineSampler&) = delete;
    BSplineSampler& operator=(const BSplineSampler&) = delete;
    double at(const Vec3& continuous_index) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The 0/1 mask as an image of 0.0 / 1.0 (what gets interpolated).
Image mask_as_image(const Mask& mask);
// Interpolated mask kept where >= threshold, with a 1e-9 slack (see resample.cpp).
Mask threshold_mask(const Image& r, double threshold);
// PyRadiomics' nearest-neighbour mask: kept where > 0.5.
Mask nearest_mask(const Image& r);
// SimpleITK's cast of the interpolated image back to an integer input pixel type: clamp, truncate.
void cast_to_pixel_type(Image& image, const PixelType& pixel_type);

}  // namespace radhpc::preprocess::detail
