// Image perturbations for robustness sweeps (Zwanenburg et al., "Assessing robustness of
// radiomic features by image perturbation", Sci Rep 2019; MIRP's implementation; IBSI 1's CT
// tolerance scheme). Layer `preprocess`: core + TBB (ITK's interpolators behind the
// pyradiomics-profile sampler, as in resample.cpp).
//
// Where the steps act (pipeline::extract applies them in this order, MIRP's order):
//  1. noise      - added to the input image on its own grid, SD = noise_scale x the image's noise
//                  level (estimate_noise_sd on the whole image);
//  2. rotation / translation - the interpolation grid is rotated (in-plane, about the grid's z axis
//                  through the ROI centre) and shifted (fractions of the working spacing along the
//                  working grid's axes); image and mask are interpolated once, onto that grid. The
//                  geometric steps compose in chain order: each moves the grid points, so
//                  [rotation, translation] samples at c + R(p - c) + t;
//  3. volume / contour - act on the interpolated ROI mask (morphological mask) in chain order.
// Zero steps (angle 0, shift 0, noise scale 0, grow 0, fraction 0) are no-ops, so a perturbation
// made only of zero steps runs the ordinary path and gives bit-identical features.
//
// Randomness: step k of a perturbation draws from derive_seed(perturbation.seed, k) through
// SplitMix64 (core/random.hpp). Noise is counter-based (the value at a voxel depends only on the
// seed and the voxel's index in the input image), so results are bit-identical whatever the
// thread count and whatever part of the image is processed.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#include "radhpc/core/perturbation.hpp"
#include "radhpc/core/random.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess {

// ---- seeds -----------------------------------------------------------------------------------
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) {
    std::uint64_t state = seed ^ (0xD1B54A32D192ED03ULL * (index + 1));
    splitmix64(state);
    return splitmix64(state);
}
inline std::uint64_t derive_seed(std::uint64_t seed, std::string_view key) {
    std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64
    for (unsigned char c : key) h = (h ^ c) * 0x100000001B3ULL;
    return derive_seed(seed, h);
}

// ---- what a perturbation does ----------------------------------------------------------------
bool is_zero_step(const PerturbationStep& step);
bool has_geometric_steps(const Perturbation& p);  // a non-zero rotation or translation
bool has_noise_steps(const Perturbation& p);      // a non-zero noise step
bool has_mask_steps(const Perturbation& p);       // a non-zero volume step or any contour step
bool is_effectively_none(const Perturbation& p);  // only zero steps

// ---- the rigid grid transform ------------------------------------------------------------------
// Maps a grid point p (mm) of the working grid to the physical point sampled for it:
// p' = centre + R (p - centre) + shift, composed over the geometric steps in chain order.
struct GridTransform {
    Mat3 rotation{1, 0, 0, 0, 1, 0, 0, 0, 1};  // row-major
    Vec3 centre{0, 0, 0};
    Vec3 shift{0, 0, 0};
    Vec3 apply(const Vec3& p) const;
    Vec3 apply_inverse(const Vec3& q) const;
};
// `working` is the grid features are computed on (its spacing scales the translation fractions,
// its direction's third column is the rotation axis); `centre` is the ROI centre (mm).
GridTransform grid_transform(const Perturbation& p, const Geometry& working, const Vec3& centre);

// Physical centre of the ROI voxels (mean of their centres).
Vec3 roi_centre(const Mask& mask);

// ---- interpolation onto the transformed grid -------------------------------------------------
// IBSI semantics (as resample_ibsi): voxels lo .. lo+size-1 of grid `full`, each sampled at
// T(p); positions are clamped into the input (nearest-boundary padding). Positions within 1e-9
// voxel of a grid line are snapped onto it, so exact answers (90 degree turns, whole-voxel shifts)
// stay exact instead of being decided by rounding noise.
Image resample_transformed(const Image& image, const Geometry& full, const Index3& lo, const Size3& size,
                           const GridTransform& t, Interpolation method);
// The 0/1 mask interpolated the same way, kept where >= threshold (nearest: as is).
Mask resample_mask_transformed(const Mask& mask, const Geometry& full, const Index3& lo, const Size3& size,
                               const GridTransform& t, Interpolation method, double threshold);
// PyRadiomics semantics: SimpleITK ResampleImageFilter with the rigid transform (ITK interpolator,
// positions outside the input -> 0), then the cast to the input pixel type; mask: nearest, > 0.5.
Image resample_transformed_pyradiomics(const Image& image, const Geometry& target, const GridTransform& t,
                                       Interpolation method, const PixelType& pixel_type);
Mask resample_mask_transformed_pyradiomics(const Mask& mask, const Geometry& target, const GridTransform& t);

// ---- noise -----------------------------------------------------------------------------------
// Chang, Yu & Vetterli (IEEE TIP 2000), the estimator MIRP uses by default: the finest diagonal
// (HH) subband of an orthonormal coif1 wavelet transform in-plane, decimated by 2 in x and y as in
// a discrete wavelet transform, over every slice; sigma = median(|HH|) / 0.6745 (the median of
// |N(0,1)| is 0.6745; MIRP divides by 0.6754, a transposition). Non-finite values are skipped.
double estimate_noise_sd(const Image& image);

// Adds N(0, sd^2) to every voxel: voxel (x, y, z) of `image` is voxel (x, y, z) + offset of an
// image of size `index_space`, and its draw depends only on (seed, that index): two uniforms from
// SplitMix64 seeded by the index, then Box-Muller z = sqrt(-2 ln u1) cos(2 pi u2).
void add_gaussian_noise(Image& image, double sd, std::uint64_t seed, const Index3& offset, const Size3& index_space);

// ---- ROI adaptation --------------------------------------------------------------------------
// Euclidean distance criterion on voxel centres (mm, anisotropic spacing): grow_mm > 0 adds every
// voxel within grow_mm of an ROI voxel; grow_mm < 0 removes every ROI voxel within |grow_mm| of a
// non-ROI voxel (outside the grid counts as non-ROI). Equality counts as "within" (so 2 mm on a
// 2 mm grid is one 6-connected step, as MIRP's erosion and dilation).
Mask grow_mask(const Mask& mask, double grow_mm);
// Grows (fraction > 0) or shrinks (< 0) the ROI to round(n * (1 + fraction)) voxels, taking the
// voxels nearest the ROI surface first (Euclidean distance), ties in a seeded random order.
Mask adapt_volume_fraction(const Mask& mask, double fraction, std::uint64_t seed);

// Contour randomisation (Zwanenburg 2019; MIRP's randomise_mask): SLIC supervoxels on the image
// around the ROI (intensities clipped to [lo, hi] widened by 10% and scaled to [0, 1]; about one
// supervoxel per max(20 voxels, 500 mm^3); compactness 0.05; 10 iterations; fragments merged into a
// neighbour); each supervoxel's overlap fraction with the ROI is its probability of being kept
// (largest overlap -> 1, >= 0.9 -> 1, < 0.2 -> 0); then a binary closing with the 6-neighbourhood.
// [lo, hi] is the re-segmentation range where set, else the ROI's intensity range.
Mask randomise_contour(const Image& image, const Mask& mask, std::uint64_t seed,
                       std::optional<double> range_min = std::nullopt, std::optional<double> range_max = std::nullopt);

// Applies the mask steps (volume, contour) of `p` in chain order to `mask` (on the grid of `image`).
void apply_mask_steps(const Perturbation& p, const Image& image, Mask& mask, const ResegmentSettings& reseg);

// Voxels of margin a grid needs around the ROI box so the mask steps of `p` fit (volume growth).
Index3 mask_step_margin(const Perturbation& p, const Vec3& spacing, const Index3& roi_extent);

}  // namespace radhpc::preprocess
