// Image processing steps of IBSI 1 chapter 2 (and their PyRadiomics 3.x equivalents).
// Layer `preprocess`: core + TBB; ITK interpolators only inside resample.cpp.
#pragma once
#include <span>
#include <vector>

#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess {

// ---- resampling (resample.cpp) ------------------------------------------------------------
// New grid per settings.alignment: IBSI centres the new grid on the old one and sizes it with
// ceil(n * s_old / s_new); PyRadiomics keeps the origin corner and ceil()s the size the same
// way (SimpleITK ResampleImageFilter in imageoperations.resampleImage).
Geometry resampled_geometry(const Geometry& in, const ResampleSettings& s, Profile profile);
Image resample_image(const Image& image, const Geometry& target, Interpolation method);
// IBSI: interpolate the 0/1 mask, keep >= threshold. PyRadiomics: nearest neighbour.
Mask resample_mask(const Mask& mask, const Geometry& target, Interpolation method, double threshold);
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
