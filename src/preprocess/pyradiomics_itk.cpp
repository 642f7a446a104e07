// PyRadiomics 3.1 image types that are SimpleITK filters, computed with ITK's own classes
// (SimpleITK 2.1 wraps ITK 5.2, the version Debian ships): LoG (LaplacianRecursiveGaussian) and
// Gradient (GradientMagnitude). Declared in include/radhpc/filters/pyradiomics.hpp.
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

bool log_sigma_allowed(const Geometry& g, double sigma_mm, std::string* reason) {
    // imageoperations.getLoGImage: min(size) < 4 -> no LoG at all; sigma <= 0 -> skipped;
    // not np.all(size >= np.ceil(sigma / spacing) + 1) -> skipped.
    const std::size_t min_size = std::min({g.size[0], g.size[1], g.size[2]});
    if (min_size < 4) {
        if (reason) *reason = "Image too small to apply LoG filter (a dimension below 4 voxels)";
        return false;
    }
    if (!(sigma_mm > 0.0)) {
        if (reason) *reason = "sigma must be greater than 0.0";
        return false;
    }
    for (int a = 0; a < 3; ++a)
        if (static_cast<double>(g.size[a]) < std::ceil(sigma_mm / g.spacing[a]) + 1) {
            if (reason) *reason = "sigma/spacing + 1 must be greater than the size of the inputImage";
            return false;
        }
    return true;
}

LoGResult getLoGImage(const Image& image, const std::vector<double>& sigma_mm, bool sigma_integer_literal) {
    LoGResult res;
    const Geometry& g = image.geometry;
    std::string why;
    if (std::min({g.size[0], g.size[1], g.size[2]}) < 4) {
        log_sigma_allowed(g, 1.0, &why);
        for (double s : sigma_mm) res.skipped.push_back({s, why});
        return res;
    }
    InImage::Pointer in;
    for (double sigma : sigma_mm) {
        if (!log_sigma_allowed(g, sigma, &why)) {
            res.skipped.push_back({sigma, why});
            continue;
        }
        if (!in) in = to_itk(image);
        using Filter = itk::LaplacianRecursiveGaussianImageFilter<InImage, OutImage>;
        auto f = Filter::New();
        f->SetInput(in);
        f->SetNormalizeAcrossScale(true);
        f->SetSigma(sigma);
        f->SetNumberOfWorkUnits(work_units());
        f->Update();
        std::string name = python_str(sigma, sigma_integer_literal);
        std::replace(name.begin(), name.end(), '.', '-');
        res.images.push_back({"log-sigma-" + name + "-mm-3D", from_itk(f->GetOutput(), g)});
    }
    return res;
}

DerivedImage getGradientImage(const Image& image, bool gradientUseSpacing) {
    using Filter = itk::GradientMagnitudeImageFilter<InImage, OutImage>;
    auto f = Filter::New();
    f->SetInput(to_itk(image));
    f->SetUseImageSpacing(gradientUseSpacing);
    f->SetNumberOfWorkUnits(work_units());
    f->Update();
    return {"gradient", from_itk(f->GetOutput(), image.geometry)};
}

}  // namespace radhpc::filters::pyradiomics
