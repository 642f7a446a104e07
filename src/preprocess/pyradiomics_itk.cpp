// The SimpleITK filters behind PyRadiomics 3.1's LoG and Gradient image types, run through ITK's own
// classes (SimpleITK 2.1 wraps ITK 5.2, the version Debian ships): the references the own
// implementations (src/filters/pyradiomics_log.cpp, pyradiomics_gradient.cpp) are tested against,
// bit for bit. Declared in include/radhpc/filters/pyradiomics.hpp (namespace itk_reference).
//
// SimpleITK instantiates both with the input's pixel type and a float output image. The recursive
// Gaussian's arithmetic type is NumericTraits<input pixel>::RealType, double for int16, float and
// double alike, and the Laplacian's internal images are float whatever the input, so an
// itk::Image<double, 3> holding the (exactly representable) int16 or float32 values gives the same
// float output as SimpleITK does for the original pixel type.
#include <itkGradientMagnitudeImageFilter.h>
#include <itkImage.h>
#include <itkLaplacianRecursiveGaussianImageFilter.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>

#include "itk_image.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/filters/pyradiomics.hpp"

namespace radhpc::filters::pyradiomics {

namespace {

using InImage = itk::Image<double, 3>;
using OutImage = itk::Image<float, 3>;

InImage::Pointer to_itk(const Image& image) {
    auto img = preprocess::detail::itk_geometry(image.geometry);
    img->Allocate();
    std::copy(image.data.begin(), image.data.end(), img->GetBufferPointer());
    return img;
}

// ITK's work units follow the TBB arena's concurrency (as preprocess/resample.cpp does). Both filters
// split their work over image lines (the recursive Gaussian) or voxels (sums, magnitudes), so the
// output does not depend on it.
int work_units() { return std::max(1, tbb::this_task_arena::max_concurrency()); }

Image from_itk(const OutImage* out, const Geometry& g) {
    Image result(g);
    const float* p = out->GetBufferPointer();
    std::transform(p, p + g.voxel_count(), result.data.begin(), [](float v) { return static_cast<double>(v); });
    return result;
}

}  // namespace

namespace itk_reference {

Image laplacian_recursive_gaussian(const Image& image, double sigma_mm) {
    using Filter = itk::LaplacianRecursiveGaussianImageFilter<InImage, OutImage>;
    auto f = Filter::New();
    f->SetInput(to_itk(image));
    f->SetNormalizeAcrossScale(true);
    f->SetSigma(sigma_mm);
    f->SetNumberOfWorkUnits(work_units());
    f->Update();
    return from_itk(f->GetOutput(), image.geometry);
}

}  // namespace itk_reference

namespace itk_reference {

Image gradient_magnitude(const Image& image, bool use_image_spacing) {
    using Filter = itk::GradientMagnitudeImageFilter<InImage, OutImage>;
    auto f = Filter::New();
    f->SetInput(to_itk(image));
    f->SetUseImageSpacing(use_image_spacing);
    f->SetNumberOfWorkUnits(work_units());
    f->Update();
    return from_itk(f->GetOutput(), image.geometry);
}

}  // namespace itk_reference

}  // namespace radhpc::filters::pyradiomics
