// Computing the requested feature families of one lesion: one loop over the declared families
// (family.hpp), which the pipeline calls instead of naming each family.
//
// Layer `features`.
#pragma once
#include <cstdint>
#include <set>
#include <span>
#include <string>

#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::features {

// What the families read for one lesion, prepared by the pipeline after preprocessing.
struct FamilyInputs {
    const Image& image;                  // working image around the ROI, not re-segmented (local intensity)
    const Mask& intensity_mask;          // re-segmented ROI on the grid of `image`
    const Image& roi_image;              // crop of `image` to the ROI box (+1 empty voxel)
    const Mask& roi_intensity_mask;      // the two masks on the crop
    const Mask& roi_morphological_mask;
    const Mask& shape_mask;              // PyRadiomics shape / shape2D mask (re-segmented or not, per settings)
    std::span<const double> values;              // intensities of the ROI intensity-mask voxels, raster order
    std::span<const std::int32_t> level_values;  // their discretised grey levels
    const GreyLevels& levels;                    // discretised crop (texture)
    int n_levels = 0;
};

// The features of the requested families, in the declared order (morph, loc, stat, ih, ivh, firstorder,
// shape, shape2D, then the texture families). Families run as concurrent tasks; an error is rethrown
// from the first failing family in that order, as a sequential run would report it. Unknown names are
// ignored here (the job schema rejects them).
FeatureValues compute_families(const FamilyInputs& in, const Settings& settings,
                               const std::set<std::string>& families);

// True when every requested family reads intensities (or grey levels) of ROI voxels only, so the
// pipeline may interpolate only the ROI voxels. Local intensity looks around the ROI, and IBSI
// morphology is left out to stay on the safe side.
bool reads_only_roi(const std::set<std::string>& families);

}  // namespace radhpc::features
