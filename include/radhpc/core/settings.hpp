// Typed settings shared by preprocess, features and pipeline. Parsed from job YAML (io layer)
// or from a PyRadiomics parameter file (io layer). Defaults are the IBSI profile's.
#pragma once
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "radhpc/core/filter_settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc {

// `ibsi`: IBSI 1 reference-manual semantics. `pyradiomics`: PyRadiomics 3.x semantics.
enum class Profile { ibsi, pyradiomics };

enum class Interpolation { nearest, linear, bspline };  // bspline: cubic B-spline (IBSI "tricubic spline")

// The grid follows the profile: IBSI centres the new grid on the old grid's centre; PyRadiomics
// keeps the physical position of the old grid's origin corner (SimpleITK resampling of the padded
// ROI box). See preprocess.hpp.
struct ResampleSettings {
    bool enabled = false;
    Vec3 spacing{1.0, 1.0, 1.0};     // target spacing; a value <= 0 keeps that axis' spacing
    Interpolation image_interpolation = Interpolation::linear;
    Interpolation mask_interpolation = Interpolation::linear;  // PyRadiomics always uses nearest
    double mask_partial_volume_threshold = 0.5;  // IBSI: interpolated mask >= threshold is inside
    bool round_intensities = false;  // IBSI: round interpolated CT intensities to integer HU
    int pad_distance = 5;            // PyRadiomics padDistance (voxels kept around the ROI box)
};

// Re-segmentation removes voxels from the intensity mask (IBSI 1 section 2.5). The range filter is
// applied first; the outlier filter's mean and SD are then taken over what the range left
// (IBSI configuration E combines both).
struct ResegmentSettings {
    std::optional<double> range_min;  // keep voxels with value >= range_min
    std::optional<double> range_max;  // keep voxels with value <= range_max
    // Outlier filter: keep mean + sigma_min*SD <= x <= mean + sigma_max*SD (population SD).
    // IBSI "3 sigma" is sigma_min = -3, sigma_max = 3; PyRadiomics resegmentMode 'sigma' may be asymmetric.
    std::optional<double> sigma_min;
    std::optional<double> sigma_max;
    // PyRadiomics resegmentMode 'relative': thresholds are fractions of the ROI maximum.
    std::optional<double> relative_min;
    std::optional<double> relative_max;
    bool resegment_shape = false;  // PyRadiomics resegmentShape: shape features use the re-segmented mask
    bool any() const { return range_min || range_max || sigma_min || sigma_max || relative_min || relative_max; }
};

// PyRadiomics normalisation (imageoperations.normalizeImage): over the whole image,
// x' = (x - mean) / sd * scale, optional outlier clipping at +-removeOutliers*sd before scaling.
struct NormalizeSettings {
    bool enabled = false;
    double scale = 1.0;
    std::optional<double> remove_outliers;
};

enum class BinningMethod { none, fixed_bin_number, fixed_bin_size };

struct DiscretisationSettings {
    BinningMethod method = BinningMethod::fixed_bin_size;
    double bin_width = 25.0;
    int bin_count = 32;
    // IBSI fixed bin size: lower edge of bin 1 (the re-segmentation range minimum if set,
    // else the ROI minimum). Unused by the pyradiomics profile (edges are multiples of bin_width).
    std::optional<double> min_bound;
};

// Intensity-volume histogram discretisation (IBSI 4.4).
struct IvhSettings {
    BinningMethod method = BinningMethod::none;  // none: use intensities as they are (integer CT)
    double bin_width = 2.5;
    int bin_count = 1000;
    std::optional<double> min_bound;  // defaults to re-segmentation minimum, else ROI minimum
    std::optional<double> max_bound;  // defaults to re-segmentation maximum, else ROI maximum
};

// IBSI texture aggregation methods (IBSI 3.6). Families use the subset they define.
enum class Aggregation { d2_avg, d2_smrg, d25_dmrg, d25_mrg, d3_avg, d3_mrg };

enum class DistanceWeighting { none, manhattan, euclidean, chebyshev };

struct TextureSettings {
    std::vector<int> distances{1};        // Chebyshev distances (GLCM)
    bool symmetric_glcm = true;
    DistanceWeighting weighting = DistanceWeighting::none;  // PyRadiomics weightingNorm
    // PyRadiomics weightingNorm 'no_weighting': angles merged with weight 1 (differs from None,
    // which averages the per-angle features).
    bool merge_angles_unweighted = false;
    int ngldm_distance = 1;
    double ngldm_alpha = 0.0;             // coarseness; PyRadiomics gldm_a
    int ngtdm_distance = 1;
    std::vector<Aggregation> aggregations{Aggregation::d2_avg, Aggregation::d2_smrg,
                                          Aggregation::d25_dmrg, Aggregation::d25_mrg,
                                          Aggregation::d3_avg, Aggregation::d3_mrg};
};

struct FeatureSettings {
    // Families to compute. IBSI families: morph, loc, stat, ih, ivh, cm, rlm, szm, dzm, ngt, ngl.
    // PyRadiomics classes (pyradiomics profile): firstorder, shape, shape2D, glcm, glrlm, glszm,
    // gldm, ngtdm.
    std::set<std::string> families;
    // PyRadiomics: if a class lists features, only those are reported (empty = all).
    std::set<std::string> pyradiomics_feature_filter;
    double voxel_array_shift = 0.0;          // PyRadiomics voxelArrayShift (Energy, TotalEnergy, RMS)
    std::size_t moran_geary_exact_limit = 2000;  // ROI voxels above which Moran's I / Geary's C use the FFT path (see morphology.cpp)
    // `features.original`: compute the families on the unfiltered image too (only meaningful with `filters`).
    bool original = true;
};

// DICOM input (job file key `dicom`): which series of a folder is the image, which RTSTRUCT ROI /
// SEG segment is the mask, and what slice-geometry findings are tolerated when reading.
struct DicomSettings {
    std::vector<std::string> modalities{"CT"};  // accepted image series modalities
    std::string series_description;             // ECMAScript regex searched in SeriesDescription ("" = any)
    std::string roi;                            // RTSTRUCT ROI name / SEG segment label ("" = the only one)
    bool roi_is_pattern = false;                // `roi` is a regex matched against the whole name
    double spacing_tolerance = 0.01;            // relative, on neighbour slice distances
    bool allow_uneven_spacing = false;          // read series with uneven spacing / missing slices anyway
    bool allow_duplicate_slices = false;        // drop duplicated slice positions instead of failing
    bool allow_gantry_tilt = false;             // read tilted series on a sheared grid instead of failing
    bool allow_missing_rescale = false;         // CT without RescaleSlope/Intercept: refused unless allowed (then 1 / 0)
    bool allow_contour_outside = false;         // clip contours that leave the image instead of failing
};

// Quality checks before extraction (job file key `qc`). Each check is recorded per study as
// pass/fail with the observed value; a check whose limits are unset is recorded as "info".
struct QcSettings {
    bool exclude_failed = false;                   // true: a failed check excludes the study; false: flag only
    std::vector<std::string> modalities{"CT"};     // allowed modalities
    std::optional<double> slice_thickness_min, slice_thickness_max;  // mm
    std::optional<double> pixel_spacing_min, pixel_spacing_max;      // mm (both in-plane spacings)
    std::optional<double> kvp_min, kvp_max;
    std::size_t min_slices = 1;
    bool require_even_spacing = true;      // consistent slice spacing (within dicom.spacing_tolerance)
    bool forbid_missing_slices = true;
    bool forbid_overlapping_slices = false;  // spacing smaller than the slice thickness
    bool forbid_duplicate_slices = true;
    std::vector<std::string> kernels;      // convolution kernel allow-list (empty: any, recorded only)
    bool require_rescale = true;           // RescaleSlope and RescaleIntercept present on every slice
    std::optional<bool> contrast;          // true: ContrastBolusAgent must be present; false: absent; unset: record
};

struct Settings {
    Profile profile = Profile::ibsi;
    int label = 1;
    bool label_given = false;           // `label` set by the job / --label (not the default): picks a Slicer segment by label value
    bool correct_mask = false;          // resample the mask onto the image grid when they differ
    double geometry_tolerance = 1e-4;   // relative tolerance on origin/spacing/direction (see io)
    bool round_input_intensities = false;  // IBSI CT: round input to integer HU before processing
    bool force2d = false;                  // PyRadiomics force2D
    int force2d_dimension = 0;
    int minimum_roi_dimensions = 1;
    std::optional<std::size_t> minimum_roi_size;
    ResampleSettings resample;
    ResegmentSettings resegment;
    NormalizeSettings normalize;
    DiscretisationSettings discretisation;
    IvhSettings ivh;
    TextureSettings texture;
    FeatureSettings features;
    DicomSettings dicom;
    QcSettings qc;
    // Filtered images (job key `filters`, filter_settings.hpp): every enabled family is computed on
    // each of them as well, named "<filter name>_<tag>".
    std::vector<FilterSettings> filters;
    // Working memory one lesion may ask for (run.memory_budget_mb; `radhpc extract`: the machine's
    // available memory). Changes no result - a lesion over it is refused with error "memory"
    // before its grids are allocated. 0: no limit.
    double memory_budget_mb = 0;
};

}  // namespace radhpc
