// Filtered images of one lesion (job key `filters`, core/filter_settings.hpp) and the features of
// every image. Internal to the pipeline layer (extract.cpp calls these).
//
// Where a filter runs: on the lesion's working grid, which extract() takes as the ROI plus the margin
// the filter's support needs (filter_margin) - real image voxels - and, where a filter reads across
// the whole axis (periodic boundary reaching the edge, Simoncelli), the whole axis (widen_for_filters).
// The filter library applies its boundary rule at the edges of what it is given: at the true image
// edge that is the rule asked for; elsewhere the margin keeps every ROI voxel (and the local-intensity
// margin around it) farther than the support from the cut, so their responses equal filtering the
// whole image (tests/filters/test_filtered_crop.cpp).
#pragma once
#include <chrono>
#include <functional>
#include <vector>

#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::pipeline::detail {

// The whole grid the lesion's working grid is part of: the IBSI resampled grid or the image's.
Geometry whole_working_grid(const Settings& s, const Geometry& image);

// Voxels per axis of `whole` (the whole working grid) that the response of `f` at a voxel reads on
// either side, cascaded stages (Laws energy, wavelet levels) summed. Simoncelli: 0 (it takes whole
// axes, see widen_for_filters).
Index3 filter_margin(const FilterSettings& f, const Geometry& whole);
// `margin` grown by the largest filter margin per axis (no change without filters). Refuses the
// pyradiomics profile's image types (not implemented yet).
void add_filter_margin(const Settings& s, const Geometry& image, Index3& margin);
// [lo, hi] (indexes of the whole grid of `size`, grown and clamped) widened to the whole axis where a
// filter reads across it: Simoncelli (a filter of the whole image's spectrum) on its axes, and a
// periodic boundary on an axis where the range reaches an image edge.
void widen_for_filters(const Settings& s, const Size3& size, Index3& lo, Index3& hi);
BoundingBox widened_box(const Settings& s, const Size3& size, const BoundingBox& box, std::int64_t pad);

// The response of `f` on `work` (a part of the whole grid `whole`, as widened above). With `need` (a
// box of `work`), only the response inside it is asked for: Gabor then filters only the slices that
// cross it (elsewhere the result is 0); the other filters compute everything.
Image apply_filter(const FilterSettings& f, const Image& work, const Geometry& whole, const BoundingBox* need = nullptr);

// The features of one image on the working grid: crop to the ROI box (+1 empty voxel), discretise,
// the enabled families (features::compute_families).
FeatureValues image_features(const Image& img, const Mask& intensity_mask, const Mask& morph, std::size_t n_int,
                             const Settings& s);
// The ROI's box (of the morphological mask) and both masks cropped to it plus one empty voxel: the
// same for every image of a lesion, so made once (image_features above makes them per call).
struct RoiCrops {
    BoundingBox box;
    Mask intensity, morph;
    Mask pyradiomics_shape;  // set when PyRadiomics' shape mask is not `morph` (see roi_crops)
};
// The ROI's box (of `morph`, one empty voxel around it) and both masks cropped to it. In the
// pyradiomics profile with re-segmentation (resegmentShape off), also PyRadiomics' shape mask: the
// morphological mask cropped to the re-segmented mask's bounding box grown by padDistance, which is
// what PyRadiomics 3.1's execute() hands computeShape() (the bounding box checkMask returns for the
// re-segmented mask). A large ROI's voxels farther out than that, outside the intensity range (lung
// or bone at a tumour's border), are not in PyRadiomics' shape features.
RoiCrops roi_crops(const Mask& intensity_mask, const Mask& morph, const Settings& s);
FeatureValues image_features(const Image& img, const Mask& intensity_mask, const RoiCrops& roi, std::size_t n_int,
                             const Settings& s);

// The features of every image of the lesion: the unfiltered `work` (unless features.original is
// false) under the plain tags, then each filter's response as "<name>_<tag>" (plain tags when it is
// the only image). The original image and each filter (a PyRadiomics image type: each LoG sigma, the
// wavelet's stream of sub-bands) are tasks run side by side when every filter's working memory fits
// the budget at once (concatenated), else one after the other; each filter holds one response at a time.
// pyradiomics profile: `whole_max_abs` is max |x| over the image PyRadiomics passes to its image
// types (scales Square, SquareRoot, Logarithm, Exponential; NaN when none is enabled), `pixel` the
// type LBP2D's result is written back into (PyRadiomics writes into the image's own array).
FeatureValues lesion_features(const Image& work, const Mask& intensity_mask, const Mask& morph, std::size_t n_int,
                              const Settings& s, const Geometry& whole, double whole_max_abs = 0, const PixelType& pixel = {});

// Runs the tasks (side by side on TBB when `side_by_side`, else in order) and concatenates their
// features in task order; a failure rethrows the first failing task's exception in task order, so the
// values, their order and the error reported do not depend on the thread count.
FeatureValues concatenated(const std::vector<std::function<FeatureValues()>>& tasks, bool side_by_side);

// True when a PyRadiomics intensity map (Square, SquareRoot, Logarithm, Exponential) is enabled:
// they scale by max |x| of the whole image (filters::pyradiomics::max_abs).
bool needs_whole_max_abs(const Settings& s);

}  // namespace radhpc::pipeline::detail
