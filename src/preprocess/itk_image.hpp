// Private to preprocess's ITK translation units: a radhpc grid as an ITK image.
#pragma once
#include <itkImage.h>

#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess::detail {

using ItkImage = itk::Image<double, 3>;

// An unallocated ITK image carrying `g`'s size, spacing, origin and direction (the positions the
// own ITK-exact resamplers compute must come from these very matrices).
ItkImage::Pointer itk_geometry(const Geometry& g);

}  // namespace radhpc::preprocess::detail
