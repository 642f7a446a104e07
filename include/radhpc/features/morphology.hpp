// IBSI 1 morphological features (reference manual section 3.1, tags as in the IBSI submission
// tables: morph_volume ... morph_geary_c).
#pragma once
#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::features {

// All 29 morph_* features, in the order of the IBSI submission table.
// morphological_mask: ROI before re-segmentation (mesh, volumes, PCA, hull, bounding boxes,
// geometric centre of mass). intensity_mask + image: intensity-weighted centre of mass, integrated
// intensity, Moran's I and Geary's C. All three share one grid; spacing is used as mm.
// Moran's I / Geary's C: exact pairwise sums when the intensity ROI has at most
// settings.moran_geary_exact_limit voxels; above, the same sums evaluated through FFT correlations
// (exact up to rounding, see morphology.cpp). OMBB and MVEE (not standardised by IBSI) are
// approximations, documented in morphology.cpp.
// Throws Error(empty_roi) for an empty morphological mask, Error(geometry_mismatch) when the
// three volumes differ in size. Features needing the intensity ROI are NaN if it is empty.
FeatureValues morphology(const Mask& morphological_mask, const Mask& intensity_mask, const Image& image,
                         const FeatureSettings& settings);

// Moran's I and Geary's C of the intensity ROI (exposed for tests and benchmarks).
// method: automatic (as morphology()), pairwise (always O(n^2) exact), fft (always FFT),
// subsample (the fixed-seed estimate used when even the FFT grid is too large; exact_limit voxels).
struct SpatialAutocorrelation {
    double moran_i;
    double geary_c;
};
enum class AutocorrelationMethod { automatic, pairwise, fft, subsample };
SpatialAutocorrelation moran_geary(const Mask& intensity_mask, const Image& image, std::size_t exact_limit,
                                   AutocorrelationMethod method = AutocorrelationMethod::automatic);

}  // namespace radhpc::features
