// Interpolation onto a rotated / shifted grid (image perturbations). Like resample.cpp, this
// translation unit uses ITK's B-spline interpolator and ResampleImageFilter, so the ibsi profile's
// cubic spline and the pyradiomics profile's SimpleITK semantics match the unperturbed path.
#include <itkAffineTransform.h>
#include <itkBSplineInterpolateImageFunction.h>
#include <itkImage.h>
#include <itkLinearInterpolateImageFunction.h>
#include <itkNearestNeighborInterpolateImageFunction.h>
#include <itkResampleImageFilter.h>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>

#include "radhpc/preprocess/perturb.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::preprocess {
namespace {

using ItkImage = itk::Image<double, 3>;

ItkImage::Pointer to_itk(const Image& v) {
    auto img = ItkImage::New();
    ItkImage::RegionType region;
    ItkImage::SpacingType sp;
    ItkImage::PointType org;
    ItkImage::DirectionType dir;
    for (int a = 0; a < 3; ++a) {
        region.SetSize(a, v.geometry.size[a]);
        sp[a] = v.geometry.spacing[a];
        org[a] = v.geometry.origin[a];
        for (int b = 0; b < 3; ++b) dir[a][b] = v.geometry.direction[3 * a + b];
    }
    img->SetRegions(region);
    img->SetSpacing(sp);
    img->SetOrigin(org);
    img->SetDirection(dir);
    img->Allocate();
    std::copy(v.data.begin(), v.data.end(), img->GetBufferPointer());
    return img;
}

// Continuous input index of full-grid voxel j: x(j) = base + A (j - lo), affine in j.
struct IndexMap {
    Vec3 base;
    std::array<Vec3, 3> column;
    Vec3 at(std::size_t x, std::size_t y, std::size_t z, const Size3& n) const {
        Vec3 r;
        for (int a = 0; a < 3; ++a) {
            double v = base[a] + column[0][a] * double(x) + column[1][a] * double(y) + column[2][a] * double(z);
            // snap rounding noise onto grid lines (exact answers stay exact); then clamp (IBSI padding)
            // nearest integer by truncation (cheaper than std::round; positions are far below 2^62)
            const double nearest = double(std::int64_t(v >= 0 ? v + 0.5 : v - 0.5));
            if (std::abs(v - nearest) < 1e-9) v = nearest;
            r[a] = std::clamp(v, 0.0, double(n[a] - 1));
        }
        return r;
    }
};

IndexMap index_map(const Geometry& in, const Geometry& full, const Index3& lo, const GridTransform& t) {
    auto position = [&](const Vec3& j) { return in.point_to_index(t.apply(full.index_to_point(j))); };
    const Vec3 j0{double(lo[0]), double(lo[1]), double(lo[2])};
    IndexMap m;
    m.base = position(j0);
    for (int a = 0; a < 3; ++a) {
        Vec3 j = j0;
        j[a] += 1.0;
        const Vec3 p = position(j);
        for (int b = 0; b < 3; ++b) m.column[a][b] = p[b] - m.base[b];
    }
    return m;
}

Geometry sub_grid_of(const Geometry& full, const Index3& lo, const Size3& size) {
    return sub_grid(full, lo, {lo[0] + std::int64_t(size[0]) - 1, lo[1] + std::int64_t(size[1]) - 1, lo[2] + std::int64_t(size[2]) - 1});
}

// The grid the samples lie on: the sub-grid moved by the transform (origin and direction), so a
// perturbed image says where its voxels were sampled.
Geometry moved(const Geometry& g, const GridTransform& t) {
    Geometry m = g;
    m.origin = t.apply(g.origin);
    for (int j = 0; j < 3; ++j)
        for (int i = 0; i < 3; ++i) {
            double s = 0;
            for (int k = 0; k < 3; ++k) s += t.rotation[3 * i + k] * g.direction[3 * k + j];
            m.direction[3 * i + j] = s;
        }
    return m;
}

}  // namespace

Image resample_transformed(const Image& image, const Geometry& full, const Index3& lo, const Size3& size,
                           const GridTransform& t, Interpolation method) {
    const Geometry target = sub_grid_of(full, lo, size);
    const IndexMap m = index_map(image.geometry, full, lo, t);
    const Size3& n = image.geometry.size;
    Image out(target);
    if (method == Interpolation::bspline) {
        auto b = itk::BSplineInterpolateImageFunction<ItkImage, double, double>::New();
        b->SetSplineOrder(3);
        b->SetInputImage(to_itk(image));
        for (std::size_t z = 0; z < size[2]; ++z)
            for (std::size_t y = 0; y < size[1]; ++y)
                for (std::size_t x = 0; x < size[0]; ++x) {
                    const Vec3 p = m.at(x, y, z, n);
                    itk::ContinuousIndex<double, 3> ci;
                    for (int a = 0; a < 3; ++a) ci[a] = p[a];
                    out.at(x, y, z) = b->EvaluateAtContinuousIndex(ci);
                }
    } else {
        tbb::parallel_for(std::size_t(0), size[2], [&](std::size_t z) {
            for (std::size_t y = 0; y < size[1]; ++y)
                for (std::size_t x = 0; x < size[0]; ++x) {
                    const Vec3 p = m.at(x, y, z, n);
                    if (method == Interpolation::nearest) {
                        // round half up, as resample.cpp's nearest neighbour
                        std::size_t k[3];
                        for (int a = 0; a < 3; ++a) k[a] = std::size_t(std::min(std::floor(p[a] + 0.5), double(n[a] - 1)));
                        out.at(x, y, z) = image.at(k[0], k[1], k[2]);
                        continue;
                    }
                    std::size_t i0[3], i1[3];
                    double w[3];
                    for (int a = 0; a < 3; ++a) {
                        i0[a] = std::min(std::size_t(std::floor(p[a])), n[a] - 1);
                        i1[a] = std::min(i0[a] + 1, n[a] - 1);
                        w[a] = p[a] - double(i0[a]);
                    }
                    auto v = [&](std::size_t xi, std::size_t yi, std::size_t zi) { return image.at(xi, yi, zi); };
                    const double c00 = v(i0[0], i0[1], i0[2]) * (1 - w[0]) + v(i1[0], i0[1], i0[2]) * w[0];
                    const double c10 = v(i0[0], i1[1], i0[2]) * (1 - w[0]) + v(i1[0], i1[1], i0[2]) * w[0];
                    const double c01 = v(i0[0], i0[1], i1[2]) * (1 - w[0]) + v(i1[0], i0[1], i1[2]) * w[0];
                    const double c11 = v(i0[0], i1[1], i1[2]) * (1 - w[0]) + v(i1[0], i1[1], i1[2]) * w[0];
                    const double c0 = c00 * (1 - w[1]) + c10 * w[1];
                    const double c1 = c01 * (1 - w[1]) + c11 * w[1];
                    out.at(x, y, z) = c0 * (1 - w[2]) + c1 * w[2];
                }
        });
    }
    out.geometry = moved(target, t);
    return out;
}

Mask resample_mask_transformed(const Mask& mask, const Geometry& full, const Index3& lo, const Size3& size,
                               const GridTransform& t, Interpolation method, double threshold) {
    Image m(mask.geometry);
    for (std::size_t i = 0; i < mask.data.size(); ++i) m.data[i] = mask.data[i] ? 1.0 : 0.0;
    const Image r = resample_transformed(m, full, lo, size, t, method);
    // as resample.cpp: values that are 0.5 in exact arithmetic may come out as 0.4999...
    const double cut = threshold - 1e-9;
    Mask out(r.geometry);
    for (std::size_t i = 0; i < r.data.size(); ++i) out.data[i] = r.data[i] >= cut;
    return out;
}

namespace {
Image itk_resample_transformed(const Image& in, const Geometry& target, const GridTransform& t, Interpolation method) {
    using Filter = itk::ResampleImageFilter<ItkImage, ItkImage, double, double>;
    auto f = Filter::New();
    f->SetInput(to_itk(in));
    // ITK maps output points to input points: T(x) = M (x - center) + center + translation
    auto tr = itk::AffineTransform<double, 3>::New();
    itk::AffineTransform<double, 3>::MatrixType M;
    itk::AffineTransform<double, 3>::CenterType c;
    itk::AffineTransform<double, 3>::OutputVectorType s;
    for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) M[i][j] = t.rotation[3 * i + j];
        c[i] = t.centre[i];
        s[i] = t.shift[i];
    }
    tr->SetCenter(c);
    tr->SetMatrix(M);
    tr->SetTranslation(s);
    f->SetTransform(tr);
    switch (method) {
        case Interpolation::nearest: f->SetInterpolator(itk::NearestNeighborInterpolateImageFunction<ItkImage, double>::New()); break;
        case Interpolation::linear: f->SetInterpolator(itk::LinearInterpolateImageFunction<ItkImage, double>::New()); break;
        case Interpolation::bspline: {
            auto b = itk::BSplineInterpolateImageFunction<ItkImage, double, double>::New();
            b->SetSplineOrder(3);
            f->SetInterpolator(b);
            break;
        }
    }
    ItkImage::SizeType size;
    ItkImage::SpacingType sp;
    ItkImage::PointType org;
    ItkImage::DirectionType dir;
    for (int a = 0; a < 3; ++a) {
        size[a] = target.size[a];
        sp[a] = target.spacing[a];
        org[a] = target.origin[a];
        for (int b = 0; b < 3; ++b) dir[a][b] = target.direction[3 * a + b];
    }
    f->SetSize(size);
    f->SetOutputSpacing(sp);
    f->SetOutputOrigin(org);
    f->SetOutputDirection(dir);
    f->SetDefaultPixelValue(0);
    // every output voxel is computed independently, so ITK's threads do not change the result
    f->SetNumberOfWorkUnits(std::max(1, tbb::this_task_arena::max_concurrency()));
    f->Update();
    Image out(target);
    const double* buf = f->GetOutput()->GetBufferPointer();
    std::copy(buf, buf + out.data.size(), out.data.begin());
    out.geometry = moved(target, t);
    return out;
}
}  // namespace

Image resample_transformed_pyradiomics(const Image& image, const Geometry& target, const GridTransform& t,
                                       Interpolation method, const PixelType& pixel_type) {
    Image out = itk_resample_transformed(image, target, t, method);
    if (pixel_type.integer)
        for (double& v : out.data) v = std::trunc(std::clamp(v, pixel_type.min, pixel_type.max));
    return out;
}

Mask resample_mask_transformed_pyradiomics(const Mask& mask, const Geometry& target, const GridTransform& t) {
    Image m(mask.geometry);
    for (std::size_t i = 0; i < mask.data.size(); ++i) m.data[i] = mask.data[i] ? 1.0 : 0.0;
    const Image r = itk_resample_transformed(m, target, t, Interpolation::nearest);
    Mask out(r.geometry);
    for (std::size_t i = 0; i < r.data.size(); ++i) out.data[i] = r.data[i] > 0.5;
    return out;
}

}  // namespace radhpc::preprocess
