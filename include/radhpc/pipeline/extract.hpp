// One lesion, one settings profile: load -> check -> preprocess -> features.
// Layer `pipeline`: io, preprocess, features. No MPI, no HDF5.
#pragma once
#include <memory>
#include <string>

#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/perturbation.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::pipeline {

struct Timings {
    double read_s = 0, preprocess_s = 0, features_s = 0, total_s = 0;
};

struct LesionResult {
    FeatureValues features;     // computed keys (IBSI tags, or "<class>_<Name>" for PyRadiomics classes)
    FeatureValues diagnostics;  // IBSI diagnostic features when asked for
    Timings timings;
};

struct LesionInput {
    Image image;
    // A study's lesions share one image instead of each holding a copy of the whole volume (the
    // batch worker sets this; when set, `image` is unused). Read it through image_ref().
    std::shared_ptr<const Image> shared_image;
    Mask mask;
    PixelType pixel_type;
    std::string image_path = "<image>", mask_path = "<mask>";
    const Image& image_ref() const { return shared_image ? *shared_image : image; }
};

// Reads image and mask (label `settings.label`). Errors name the file and the reason.
LesionInput load(const std::string& image_path, const std::string& mask_path, const Settings& settings);

// A mask grid accepted as the image's within `tolerance` (input.geometry_tolerance) becomes the
// image's grid exactly (in place, no copy), so every later step sees one grid.
void snap_mask_grid(Geometry& mask_grid, const Geometry& image_grid, double tolerance);

// Runs preprocessing and every enabled feature family. Throws radhpc::Error with the reason for
// bad input (geometry mismatch, empty ROI after re-segmentation, one-voxel ROI, NaN intensities,
// a feature that is not finite); never returns a NaN feature. `perturbation` (robustness sweeps)
// is applied to the lesion before resampling; the default (none) is the unperturbed lesion.
LesionResult extract(const LesionInput& input, const Settings& settings, bool diagnostics = false,
                     const Perturbation& perturbation = {});

// load + extract, with read time in the timings.
LesionResult extract_files(const std::string& image_path, const std::string& mask_path, const Settings& settings,
                           bool diagnostics = false);

}  // namespace radhpc::pipeline
