// PyRadiomics 3.1 `shape` (3D) and `shape2D` feature classes (radiomics/shape.py, shape2D.py,
// src/cshape.c), reproduced to rounding.
#pragma once
#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::features {

// Names "shape_<Name>": MeshVolume, VoxelVolume, SurfaceArea, SurfaceVolumeRatio, Sphericity,
// Maximum3DDiameter, Maximum2DDiameterSlice, Maximum2DDiameterColumn, Maximum2DDiameterRow,
// MajorAxisLength, MinorAxisLength, LeastAxisLength, Elongation, Flatness (PyRadiomics' default set).
// include_deprecated adds Compactness1, Compactness2 and SphericalDisproportion, which PyRadiomics
// computes only when they are enabled by name.
// The mask may be any size: it is cropped to the ROI bounding box first, as PyRadiomics does.
// Throws Error(empty_roi) for an empty mask.
FeatureValues pyradiomics_shape(const Mask& mask, bool include_deprecated = false);

// PyRadiomics shape2D (force2D, force2Ddimension = `dimension` in PyRadiomics' (z, y, x) axis order:
// 0 = axial slice). The ROI must lie in a single slice along that axis (else Error(invalid_input),
// as PyRadiomics raises). Names "shape2D_<Name>": MeshSurface, PixelSurface, Perimeter,
// PerimeterSurfaceRatio, Sphericity, MaximumDiameter, MajorAxisLength, MinorAxisLength, Elongation;
// include_deprecated adds SphericalDisproportion.
FeatureValues pyradiomics_shape2d(const Mask& mask, int dimension, bool include_deprecated = false);

}  // namespace radhpc::features
