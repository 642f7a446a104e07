// ROI helpers: bounding box and crop with padding.
#pragma once
#include <map>
#include <vector>
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

// The index box of each of the `wanted` labels of a label map, in one pass over it (a study's
// lesions then build their masks from their own boxes). A label that is absent maps to nullopt.
// T: std::uint8_t or std::int16_t.
template <class T>
std::map<int, std::optional<BoundingBox>> label_boxes(const Volume<T>& labels, const std::vector<int>& wanted);

// Crop `volume` to `box` grown by `pad` voxels on every side (clamped to the volume unless
// `clamp` is false, in which case out-of-volume voxels are filled with `fill`).
// The origin is moved so every kept voxel keeps its physical position.
template <class T>
Volume<T> crop(const Volume<T>& volume, const BoundingBox& box, std::int64_t pad = 0, bool clamp = true,
               T fill = T{});

}  // namespace radhpc
