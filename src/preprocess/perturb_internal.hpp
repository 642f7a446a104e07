// Helpers shared by the perturbation translation units (not part of the public interface).
#pragma once
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess::detail {

// MIRP crops 25 mm around the ROI before computing supervoxels.
constexpr double kContourBoundaryMm = 25.0;

// Exact squared Euclidean distance (mm^2, anisotropic spacing) of every voxel to the nearest
// non-zero voxel of `sites` (infinity when there is none).
std::vector<double> squared_distance(const Volume<std::uint8_t>& sites, const Vec3& spacing);
// ... to the nearest voxel outside the mask, outside the grid counting as outside.
std::vector<double> squared_distance_to_outside(const Volume<std::uint8_t>& mask);
// Binary closing with the 6-neighbourhood, outside the grid counting as background.
Volume<std::uint8_t> binary_closing6(const Volume<std::uint8_t>& mask);

}  // namespace radhpc::preprocess::detail
