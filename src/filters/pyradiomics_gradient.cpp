// PyRadiomics' Gradient image type without ITK: the arithmetic of ITK 5.2's
// GradientMagnitudeImageFilter<Image<pixel,3>, Image<float,3>> (SimpleITK's GradientMagnitude, as
// getGradientImage runs it), bit-identical to ITK (tested against itk_reference::gradient_magnitude):
//  - per axis i the DerivativeOperator of order 1, coefficients (0.5, 0, -0.5), each multiplied by
//    1.0 / spacing_i when the spacing is used (NeighborhoodOperator::ScaleCoefficients);
//  - the inner product over (previous, centre, next) along axis i, accumulated in double from 0 in
//    that order (the zero coefficient's term included), ZeroFluxNeumann boundary (the edge voxel
//    repeated);
//  - a = 0; a += g_i * g_i for i = x, y, z; output float(sqrt(a)).
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <array>
#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/filters/pyradiomics.hpp"

namespace radhpc::filters::pyradiomics {

DerivedImage getGradientImage(const Image& image, bool gradientUseSpacing) {
    const Geometry& g = image.geometry;
    std::array<std::array<double, 3>, 3> c{};
    for (int a = 0; a < 3; ++a) {
        c[a] = {0.5, 0.0, -0.5};
        if (gradientUseSpacing) {
            if (g.spacing[a] == 0.0) throw Error(ErrorKind::invalid_input, "Gradient: image spacing cannot be zero");
            const double s = 1.0 / g.spacing[a];
            for (double& v : c[a]) v = v * s;
        }
    }
    DerivedImage out{"gradient", Image(g)};
    const std::size_t nx = g.size[0], ny = g.size[1], nz = g.size[2];
    const double* in = image.data.data();
    double* o = out.image.data.data();
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nz * ny), [&](const auto& r) {
        for (std::size_t row = r.begin(); row != r.end(); ++row) {
            const std::size_t y = row % ny, z = row / ny;
            const std::size_t ym = y > 0 ? y - 1 : 0, yp = y + 1 < ny ? y + 1 : ny - 1;
            const std::size_t zm = z > 0 ? z - 1 : 0, zp = z + 1 < nz ? z + 1 : nz - 1;
            const double* ctr = in + nx * (y + ny * z);
            const double* py = in + nx * (ym + ny * z);
            const double* ny_ = in + nx * (yp + ny * z);
            const double* pz = in + nx * (y + ny * zm);
            const double* nz_ = in + nx * (y + ny * zp);
            double* dst = o + nx * (y + ny * z);
            for (std::size_t x = 0; x < nx; ++x) {
                const std::size_t xm = x > 0 ? x - 1 : 0, xp = x + 1 < nx ? x + 1 : nx - 1;
                double gx = 0.0;
                gx += c[0][0] * ctr[xm];
                gx += c[0][1] * ctr[x];
                gx += c[0][2] * ctr[xp];
                double gy = 0.0;
                gy += c[1][0] * py[x];
                gy += c[1][1] * ctr[x];
                gy += c[1][2] * ny_[x];
                double gz = 0.0;
                gz += c[2][0] * pz[x];
                gz += c[2][1] * ctr[x];
                gz += c[2][2] * nz_[x];
                double a = 0.0;
                a += gx * gx;
                a += gy * gy;
                a += gz * gz;
                dst[x] = static_cast<double>(static_cast<float>(std::sqrt(a)));
            }
        }
    });
    return out;
}

}  // namespace radhpc::filters::pyradiomics
