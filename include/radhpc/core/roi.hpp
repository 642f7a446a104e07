// ROI helpers: bounding box and crop with padding.
#pragma once
#include <optional>

#include "radhpc/core/volume.hpp"

namespace radhpc {

// Inclusive voxel index bounds of the non-zero voxels of a mask.
struct BoundingBox {
    Index3 lo{0, 0, 0};
    Index3 hi{-1, -1, -1};
    std::int64_t extent(int axis) const { return hi[axis] - lo[axis] + 1; }
};

// nullopt when the mask has no voxel set.
std::optional<BoundingBox> bounding_box(const Mask& mask);

std::size_t count_voxels(const Mask& mask);

// Crop `volume` to `box` grown by `pad` voxels on every side (clamped to the volume unless
// `clamp` is false, in which case out-of-volume voxels are filled with `fill`).
// The origin is moved so every kept voxel keeps its physical position.
template <class T>
Volume<T> crop(const Volume<T>& volume, const BoundingBox& box, std::int64_t pad = 0, bool clamp = true,
               T fill = T{});

}  // namespace radhpc
