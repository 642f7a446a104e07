// Interpolation onto a rotated / shifted grid (image perturbations). The ibsi profile's cubic
// spline and the pyradiomics profile's SimpleITK semantics are resample.cpp's own ITK pieces
// (resample_internal.hpp), so they match the unperturbed path.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "radhpc/preprocess/bspline.hpp"
#include "radhpc/preprocess/perturb.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "resample_internal.hpp"

namespace radhpc::preprocess {
namespace {

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
        const CubicBSplineCoefficients spline(image);  // ITK's coefficients (bspline.cpp); samples independent
        tbb::parallel_for(std::size_t(0), size[2], [&](std::size_t z) {
            for (std::size_t y = 0; y < size[1]; ++y)
                for (std::size_t x = 0; x < size[0]; ++x) out.at(x, y, z) = spline.at(m.at(x, y, z, n));
        });
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
    // as resample_mask_ibsi: values that are 0.5 in exact arithmetic may come out as 0.4999...
    return detail::threshold_mask(resample_transformed(detail::mask_as_image(mask), full, lo, size, t, method), threshold);
}

Image resample_transformed_pyradiomics(const Image& image, const Geometry& target, const GridTransform& t,
                                       Interpolation method, const PixelType& pixel_type) {
    Image out = detail::itk_resample(image, target, method, &t);
    out.geometry = moved(target, t);
    detail::cast_to_pixel_type(out, pixel_type);
    return out;
}

Mask resample_mask_transformed_pyradiomics(const Mask& mask, const Geometry& target, const GridTransform& t) {
    Image r = detail::itk_resample(detail::mask_as_image(mask), target, Interpolation::nearest, &t);
    r.geometry = moved(target, t);
    return detail::nearest_mask(r);
}

}  // namespace radhpc::preprocess
