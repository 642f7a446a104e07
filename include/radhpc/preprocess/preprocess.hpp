// Image processing steps of IBSI 1 chapter 2 (and their PyRadiomics 3.x equivalents).
// Layer `preprocess`: core + TBB; ITK interpolators only inside resample.cpp.
#pragma once
#include <span>
#include <vector>

#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess {

// ---- resampling (resample.cpp) ------------------------------------------------------------
// New grid per profile: IBSI centres the new grid on the old one and sizes it with
// ceil(n * s_old / s_new); PyRadiomics keeps the origin corner and ceil()s the size the same
// way (SimpleITK ResampleImageFilter in imageoperations.resampleImage).
//
// IBSI: the full interpolated grid (the caller may then take a sub-grid around the ROI with
// sub_grid(); every output voxel depends only on its input neighbourhood, so this is exact).
Geometry ibsi_resampled_geometry(const Geometry& in, const Vec3& new_spacing);
// PyRadiomics imageoperations.resampleImage: the grid of the ROI bounding box (in input index space)
// grown by pad_distance new voxels, clamped to the resampled image extent.
Geometry pyradiomics_resampled_geometry(const Geometry& in, const Vec3& new_spacing, const Index3& box_lo,
                                        const Index3& box_hi, int pad_distance);
// Grid of voxels lo..hi (inclusive, may extend outside) of `full`.
Geometry sub_grid(const Geometry& full, const Index3& lo, const Index3& hi);

// Interpolation semantics per profile:
//  ibsi: out-of-grid positions take the nearest boundary value (IBSI 2.4 padding), linear / nearest /
//        cubic B-spline (ITK's, on the clamped position).
//  pyradiomics: SimpleITK ResampleImageFilter semantics (ITK interpolators; positions outside the
//        input's buffer get 0), then the cast to the input pixel type (`integer_pixels`: clamp to
//        [pixel_min, pixel_max] and truncate toward zero, as ITK's CastPixelWithBoundsChecking).
// `needed` (optional, a mask of the target's size): the caller reads only these voxels, so the
// pyradiomics B-spline may skip the others (bspline_sample_separable); they are then 0.
Image resample_image(const Image& image, const Geometry& target, Interpolation method, Profile profile,
                     const PixelType& pixel_type = {}, const Mask* needed = nullptr);
// The same from an int16 study image: read in place except by ITK's linear / nearest interpolators
// (pyradiomics profile), which get a double copy of the whole image.
Image resample_image(const Volume<std::int16_t>& image, const Geometry& target, Interpolation method, Profile profile,
                     const PixelType& pixel_type = {}, const Mask* needed = nullptr);
// IBSI resampling of the sub-grid lo .. lo+size-1 of the full interpolation grid `full`:
// bit-identical to resampling the whole grid and cropping (used to interpolate only around the ROI).
Image resample_ibsi(const Image& image, const Geometry& full, const Index3& lo, const Size3& size, Interpolation method);
// The same from a study image kept as int16 (core/source_image.hpp): the same values, read in place.
Image resample_ibsi(const Volume<std::int16_t>& image, const Geometry& full, const Index3& lo, const Size3& size,
                    Interpolation method);
Mask resample_mask_ibsi(const Mask& mask, const Geometry& full, const Index3& lo, const Size3& size, Interpolation method,
                        double threshold);
// ibsi: interpolate the 0/1 mask with `method`, keep values >= threshold.
// pyradiomics: nearest neighbour (threshold unused).
Mask resample_mask(const Mask& mask, const Geometry& target, Interpolation method, double threshold,
                   Profile profile);
// The pyradiomics profile's mask resampling (nearest_itk.cpp): SimpleITK's nearest-neighbour
// ResampleImageFilter (identity transform, default 0) of the mask as 0.0 / 1.0, kept where > 0.5,
// computed from ITK's own sample positions and rounding without ITK's images (bit-identical).
Mask nearest_mask_resample_itk(const Mask& mask, const Geometry& target);
namespace itk_reference {
// The same through ITK's ResampleImageFilter itself (the reference tests hold it to; slow).
Mask resample_mask_nearest(const Mask& mask, const Geometry& target);
// ITK's ResampleImageFilter on a float32 image with float32 output (what SimpleITK runs for a
// float32 input; the values of `image` are taken as float).
Image resample_float32(const Image& image, const Geometry& target, Interpolation method);
}  // namespace itk_reference
// Round to the nearest integer, halves away from zero (IBSI: CT intensities to integer HU).
void round_intensities(Image& image);

// ---- re-segmentation (resegment.cpp) -------------------------------------------------------
// Removes voxels from `mask` whose intensity lies outside the range, then (if set) outside
// mean +- k*SD of the remaining ROI (population SD, IBSI 2.5 / PyRadiomics 'sigma').
void resegment(const Image& image, Mask& mask, const ResegmentSettings& s);

// ---- PyRadiomics normalisation (normalise.cpp) --------------------------------------------
// imageoperations.normalizeImage over the whole image:
// x' = (x - mean) / sd [clipped to +-removeOutliers] * scale (population SD).
void normalise(Image& image, const NormalizeSettings& s);

// ---- discretisation (discretise.cpp) -------------------------------------------------------
struct Discretised {
    GreyLevels levels;  // 1..n_levels inside the ROI, 0 outside
    int n_levels = 0;   // number of grey levels of the discretised range (see discretise.cpp)
    double min_bound = 0;  // lower edge of bin 1
    double bin_width = 0;  // width of the bins (FBN: (max-min)/Ng)
};
Discretised discretise(const Image& image, const Mask& roi, const DiscretisationSettings& s, Profile profile,
                       const ResegmentSettings& reseg = {});

// Discretise a list of values the same way (used by intensity histogram and tests).
std::vector<std::int32_t> discretise_values(std::span<const double> values, const DiscretisationSettings& s,
                                            Profile profile, const ResegmentSettings& reseg, int* n_levels,
                                            double* min_bound, double* bin_width);

}  // namespace radhpc::preprocess
