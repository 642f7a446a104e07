// Internal interface between morphology.cpp and spatial_autocorrelation.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "radhpc/features/morphology.hpp"

namespace radhpc::features::detail {

// Moran's I and Geary's C (IBSI 3.1.28-29), w = 1 / Euclidean distance (mm) between voxel centres:
//   I = N / W * sum_{k1 != k2} w z1 z2 / sum z^2,   C = (N - 1) / (2 W) * sum_{k1 != k2} w (x1 - x2)^2 / sum z^2,
//   z = x - mean, W = sum_{k1 != k2} w. Zero intensity variance gives I = C = 1 (MIRP's convention:
//   a single intensity is perfect autocorrelation).
struct RoiSamples {
    std::vector<std::array<std::int32_t, 3>> index;  // voxel indices
    std::vector<double> value;
};

// The intensity-mask voxels in raster order.
RoiSamples collect_intensity_roi(const Mask& mask, const Image& image);
// exact_limit and method as moran_geary() (morphology.hpp).
SpatialAutocorrelation moran_geary_of(const RoiSamples& roi, const Vec3& sp, std::size_t exact_limit,
                                      AutocorrelationMethod method);

}  // namespace radhpc::features::detail
