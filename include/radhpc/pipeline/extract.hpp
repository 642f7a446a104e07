// One lesion, one settings profile: load -> check -> preprocess -> features.
// Layer `pipeline`: io, preprocess, features. No MPI, no HDF5.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/perturbation.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/source_image.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::pipeline {

struct Timings {
    double read_s = 0, preprocess_s = 0, features_s = 0, total_s = 0;
};

struct LesionResult {
    FeatureValues features;     // computed keys (IBSI tags, or "<class>_<Name>" for PyRadiomics classes)
    FeatureValues diagnostics;  // IBSI diagnostic features when asked for
    Timings timings;
    // LesionInput::keep_working_mask only: the morphological mask the features were computed on
    // (after resampling and the perturbation's mask steps), on its working grid (crop or resampled box).
    std::shared_ptr<const Mask> working_mask;
};

struct LesionInput {
    // The image: `source` when set (what load() and the batch worker give: a study's lesions share
    // it, kept as int16 for a CT), else `image` (callers holding their own double volume).
    SourceImage source;
    Image image;
    Mask mask;
    // The mask's bounding box when the caller already knows it (the batch worker finds every label's
    // box in one pass over the study's label map): saves a scan of a whole CT-sized mask per lesion.
    std::optional<BoundingBox> mask_box;
    PixelType pixel_type;
    std::string image_path = "<image>", mask_path = "<mask>";
    bool keep_working_mask = false;  // fill LesionResult::working_mask (radhpc mask --perturbation)
    const Geometry& image_geometry() const { return source.empty() ? image.geometry : source.geometry(); }
    // the image's values as double (a copy; for tests and tools, not the pipeline)
    Image image_as_double() const {
        if (source.i16) return to_double(*source.i16);
        return source.f64 ? *source.f64 : image;
    }
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

// The mask extract() computes the features of `input` under `perturbation` on: the morphological
// mask after resampling and the perturbation's steps (before re-segmentation), on its working grid
// (a crop of the image grid, or of the resampled grid, around the ROI; moved by a rotation or
// translation). Runs extract() itself, so it fails where the lesion's extraction fails.
Mask working_mask(const LesionInput& input, const Settings& settings, const Perturbation& perturbation);

// load + extract, with read time in the timings.
LesionResult extract_files(const std::string& image_path, const std::string& mask_path, const Settings& settings,
                           bool diagnostics = false);

}  // namespace radhpc::pipeline
