// PyRadiomics' mask resampling without ITK's per-voxel machinery: SimpleITK ResampleImageFilter with
// NearestNeighborInterpolateImageFunction, identity transform, default value 0, on the 0/1 mask
// cast to double, then kept where > 0.5 (imageoperations.resampleImage). Per output voxel ITK does
//   ci = start + alpha (end - start)           (LinearThreadedGenerateData, itk_scanlines.hpp)
//   inside = IsInsideBuffer(ci): -0.5 <= ci < n - 0.5 on every axis, else the default 0
//   value = mask[Math::Round(ci)]               (ConvertContinuousIndexToNearestIndex: CopyWithRound)
// so the output is mask[round(ci)] != 0 where inside, 0 elsewhere: no double images, no copies of the
// whole input. Rounding calls ITK's own itk::Math::Round (RoundHalfIntegerUp), so ties go the same way.
#include <itkMath.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "itk_scanlines.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "resample_internal.hpp"

namespace radhpc::preprocess {
namespace {

// nearest input index of an inside-buffer position (in [0, n - 1] by construction; clamped anyway)
inline std::int64_t nearest_index(double p, std::int64_t n) {
    return std::clamp<std::int64_t>(itk::Math::Round<itk::IndexValueType>(p), 0, n - 1);
}

}  // namespace

Mask nearest_mask_resample_itk(const Mask& mask, const Geometry& target) {
    Mask out(target, std::uint8_t(0));
    if (target.voxel_count() == 0) return out;
    const detail::ItkScanlines lines = detail::itk_scanlines(mask.geometry, target);
    const Size3 n = mask.geometry.size;
    const std::size_t nx = lines.nx, ny = lines.ny, nz = lines.nz;
    if (lines.separable) {
        // axis-aligned grids: the nearest index (or "outside") once per output index along each axis
        std::array<std::vector<std::int64_t>, 3> idx;  // -1: outside the buffer on that axis
        for (int a = 0; a < 3; ++a)
            for (double p : lines.axis_positions[a])
                idx[a].push_back(detail::inside_buffer(p, std::int64_t(n[a])) ? nearest_index(p, std::int64_t(n[a])) : -1);
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nz), [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t z = r.begin(); z != r.end(); ++z) {
                if (idx[2][z] < 0) continue;
                for (std::size_t y = 0; y < ny; ++y) {
                    if (idx[1][y] < 0) continue;
                    const std::uint8_t* row = &mask.data[(std::size_t(idx[2][z]) * n[1] + std::size_t(idx[1][y])) * n[0]];
                    std::uint8_t* o = &out.data[(z * ny + y) * nx];
                    for (std::size_t x = 0; x < nx; ++x)
                        if (idx[0][x] >= 0) o[x] = row[idx[0][x]] != 0;
                }
            }
        });
        return out;
    }
    // any other direction combination: per-voxel positions, the same rule
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nz), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t z = r.begin(); z != r.end(); ++z)
            for (std::size_t y = 0; y < ny; ++y)
                for (std::size_t x = 0; x < nx; ++x) {
                    std::size_t k[3];
                    bool inside = true;
                    for (int a = 0; a < 3 && inside; ++a) {
                        const double p = lines.position(z * ny + y, x, a);
                        inside = detail::inside_buffer(p, std::int64_t(n[a]));
                        if (inside) k[a] = std::size_t(nearest_index(p, std::int64_t(n[a])));
                    }
                    if (inside) out.at(x, y, z) = mask.at(k[0], k[1], k[2]) != 0;
                }
    });
    return out;
}

namespace itk_reference {

Mask resample_mask_nearest(const Mask& mask, const Geometry& target) {
    return detail::nearest_mask(detail::itk_resample(detail::mask_as_image(mask), target, Interpolation::nearest));
}

}  // namespace itk_reference
}  // namespace radhpc::preprocess
