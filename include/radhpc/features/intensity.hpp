// Intensity-based feature families: IBSI 1 sections 3.2 (local intensity), 3.3 (intensity-based
// statistics), 3.4 (intensity histogram), 3.5 (intensity-volume histogram), and PyRadiomics 3.x
// `firstorder` (radiomics/firstorder.py).
// Layer `features`: core + TBB + standard library only.
//
// All functions are deterministic: sums are taken in fixed blocks in a fixed order, so results do not
// depend on the number of TBB threads.
#pragma once
#include <cstdint>
#include <span>

#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::features {

// IBSI 3.3: `values` = intensities of the ROI intensity mask voxels. Tags as in the IBSI submission
// tables: stat_mean, stat_var, stat_skew, stat_kurt, stat_median, stat_min, stat_p10, stat_p90,
// stat_max, stat_iqr, stat_range, stat_mad, stat_rmad, stat_medad, stat_cov, stat_qcod, stat_energy,
// stat_rms. Percentiles: linear interpolation between order statistics (numpy.percentile default,
// as used by MIRP, the IBSI reference implementation; the IBSI manual does not fix a definition).
// Zero variance gives skewness = kurtosis = 0 (IBSI); cov and qcod follow IEEE division (mean 0 or
// P75 + P25 = 0 give inf/NaN). Throws Error(empty_roi) for an empty ROI.
FeatureValues intensity_statistics(std::span<const double> values);

// IBSI 3.4: grey levels (1..n_levels) of the ROI intensity mask voxels after discretisation.
// Tags ih_mean ... ih_min_grad_g as in the submission tables. The histogram used for the gradient
// features has bins 1..max(n_levels, highest level present), empty bins included.
// Throws Error(invalid_input) for a level < 1, Error(empty_roi) for an empty ROI.
FeatureValues intensity_histogram(std::span<const std::int32_t> levels, int n_levels);

// IBSI 3.5: ivh_v10, ivh_v90, ivh_i10, ivh_i90, ivh_diff_v10_v90, ivh_diff_i10_i90, ivh_auc.
// Discretisation per IvhSettings::method:
//   none             "calibrated, discrete case": intensities used as they are, interval 1,
//                    range G = [min, max] from ivh.min/max_bound, else the re-segmentation range,
//                    else the ROI min/max.
//   fixed_bin_size   "calibrated, continuous case": bins of ivh.bin_width from X_min (same bound
//                    priority), intensities replaced by bin centres, G = [X_min + w/2, X_max - w/2].
//   fixed_bin_number "arbitrary units": ivh.bin_count bins between ivh.min/max_bound if set, else the
//                    ROI min/max (the re-segmentation range is not used), G = [1, Ng], interval 1.
// ivh_i* are reported in the units of G (intensities, bin centres, or bin numbers).
FeatureValues intensity_volume_histogram(std::span<const double> values, const IvhSettings& ivh,
                                         const ResegmentSettings& reseg);

// IBSI 3.2: loc_peak_loc, loc_peak_glob. `image` = interpolated (not re-segmented) intensities on a
// grid that extends beyond the ROI; `intensity_mask` on the same grid. The 1 cm^3 sphere
// (radius (3/(4 pi))^(1/3) cm ~ 6.20 mm) holds the grid voxels whose centres are within the radius
// (Euclidean distance in mm from index offsets times spacing; orthonormal direction assumed);
// voxels outside the grid do not exist and are not counted. Only the ROI bounding box grown by the
// sphere's reach is visited, so passing a whole image costs no more than a padded crop.
// Complexity: per-row prefix sums over that box, then one subtraction per x-run of the sphere,
// ~ pi r^2 / (s_y s_z) runs per ROI voxel (about 120 at 1 mm, 40 at 0.98 x 0.98 x 3 mm), parallel
// over rows and vectorisable along x: O(box + ROI * runs) instead of O(ROI * sphere voxels).
FeatureValues local_intensity(const Image& image, const Mask& intensity_mask);

// PyRadiomics radiomics/firstorder.py (v3.1): names "firstorder_<Name>" for Energy, TotalEnergy,
// Entropy, Minimum, 10Percentile, 90Percentile, Maximum, Mean, Median, InterquartileRange, Range,
// MeanAbsoluteDeviation, RobustMeanAbsoluteDeviation, RootMeanSquared, StandardDeviation, Skewness,
// Kurtosis, Variance, Uniformity. `values`: ROI intensities; `levels`: the PyRadiomics-discretised
// grey levels of the same voxels; voxel_volume in mm^3; voxel_array_shift added to the intensities
// in Energy, TotalEnergy and RootMeanSquared only.
FeatureValues pyradiomics_firstorder(std::span<const double> values, std::span<const std::int32_t> levels,
                                     double voxel_volume, double voxel_array_shift);

}  // namespace radhpc::features
