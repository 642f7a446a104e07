// IBSI 1 section 3.2: local intensity features (local and global intensity peak).
//
// Sphere mean at voxel c: mean of the intensities of all grid voxels whose centres lie within
// r = (3 / (4 pi))^(1/3) cm (a 1 cm^3 sphere) of c, c included. Grid voxels outside the ROI count;
// positions outside the grid do not exist and are not counted.
//
// Algorithm: the sphere is a stack of x-runs, one per (dy, dz) with half-length rx(dy, dz). Per-row
// prefix sums P(x, y, z) = sum_{x' < x} I(x', y, z) turn each run into one subtraction, so a sphere
// costs O(#runs) = O(pi r^2 / (s_y s_z)) (about 120 at 1 mm spacing) instead of O(#voxels) (about
// 1000). Only the ROI box grown by the sphere's reach is visited: O(box + ROI * runs), parallel over
// rows, vectorisable along x; the per-voxel arithmetic is fixed, so results do not depend on the
// thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_reduce.h>

#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/intensity.hpp"

namespace radhpc::features {
namespace {

struct SphereRun {
    std::int64_t dy, dz, half_length;  // x-run [x - half_length, x + half_length] in row (y+dy, z+dz)
};

// Runs of the sphere, membership decided by (dx sx)^2 + (dy sy)^2 + (dz sz)^2 <= r^2 (mm).
std::vector<SphereRun> sphere_runs(const Vec3& spacing, double radius_mm) {
    const double r2 = radius_mm * radius_mm;
    auto inside = [&](std::int64_t dx, std::int64_t dy, std::int64_t dz) {
        const double x = double(dx) * spacing[0], y = double(dy) * spacing[1], z = double(dz) * spacing[2];
        return x * x + y * y + z * z <= r2;
    };
    const auto reach_y = std::int64_t(std::floor(radius_mm / spacing[1])) + 1;
    const auto reach_z = std::int64_t(std::floor(radius_mm / spacing[2])) + 1;
    std::vector<SphereRun> runs;
    for (std::int64_t dz = -reach_z; dz <= reach_z; ++dz)
        for (std::int64_t dy = -reach_y; dy <= reach_y; ++dy) {
            if (!inside(0, dy, dz)) continue;
            std::int64_t half = 0;
            while (inside(half + 1, dy, dz)) ++half;
            runs.push_back({dy, dz, half});
        }
    return runs;
}

}  // namespace

// ---- the features of this family, in output order; the formulas below fill their slots ----
namespace {

// IBSI 1 section 3.2, local intensity.
enum LocValue { loc_peak_loc, loc_peak_glob, loc_value_count };
constexpr IbsiFeature kLoc[] = {
    {"loc_peak_loc", "VJGA", "I", "Local intensity peak", loc_peak_loc},
    {"loc_peak_glob", "0F91", "I", "Global intensity peak", loc_peak_glob},
};

// ROI bounding box (hi[0] < 0: empty ROI) and highest ROI intensity (for the local peak).
struct RoiExtent {
    std::int64_t lo[3], hi[3];
    double max_intensity;
};
RoiExtent roi_extent(const Image& image, const Mask& intensity_mask) {
    const std::int64_t full_nx = std::int64_t(image.nx()), full_ny = std::int64_t(image.ny()),
                       full_nz = std::int64_t(image.nz());
    RoiExtent r{{full_nx, full_ny, full_nz}, {-1, -1, -1}, -std::numeric_limits<double>::infinity()};
    for (std::int64_t z = 0; z < full_nz; ++z)
        for (std::int64_t y = 0; y < full_ny; ++y) {
            const std::size_t row = std::size_t(y + full_ny * z) * std::size_t(full_nx);
            for (std::int64_t x = 0; x < full_nx; ++x) {
                if (!intensity_mask.data[row + std::size_t(x)]) continue;
                const std::int64_t p[3] = {x, y, z};
                for (int a = 0; a < 3; ++a) r.lo[a] = std::min(r.lo[a], p[a]), r.hi[a] = std::max(r.hi[a], p[a]);
                r.max_intensity = std::max(r.max_intensity, image.data[row + std::size_t(x)]);
            }
        }
    return r;
}

}  // namespace

constexpr FamilyDecl kLocFamily{"loc", kNoVariant, kLoc, {}};

FeatureValues local_intensity(const Image& image, const Mask& intensity_mask) {
    if (image.geometry.size != intensity_mask.geometry.size || image.data.size() != intensity_mask.data.size() ||
        image.data.size() != image.geometry.voxel_count())
        throw Error(ErrorKind::geometry_mismatch, "local intensity: image and intensity mask grids differ");
    const Vec3& spacing = image.geometry.spacing;
    for (double s : spacing)
        if (!(s > 0)) throw Error(ErrorKind::invalid_input, "local intensity: voxel spacing must be > 0");
    const std::int64_t full_nx = std::int64_t(image.nx()), full_ny = std::int64_t(image.ny());

    const RoiExtent roi = roi_extent(image, intensity_mask);
    const std::int64_t* lo = roi.lo;
    const std::int64_t* hi = roi.hi;
    const double max_intensity = roi.max_intensity;
    if (hi[0] < 0) throw Error(ErrorKind::empty_roi, "local intensity: ROI intensity mask is empty");

    // r = (3 / (4 pi))^(1/3) cm, in mm.
    const double radius_mm = 10.0 * std::cbrt(3.0 / (4.0 * std::numbers::pi));
    const std::vector<SphereRun> runs = sphere_runs(spacing, radius_mm);

    // Work on the ROI box grown by the sphere's reach (clamped to the grid): no sphere of an ROI voxel
    // reaches further, so a caller may pass a whole image without paying for it.
    std::int64_t origin[3], extent[3];
    for (int a = 0; a < 3; ++a) {
        const auto reach = std::int64_t(std::floor(radius_mm / spacing[a])) + 1;
        const std::int64_t n = std::int64_t(image.geometry.size[a]);
        origin[a] = std::max<std::int64_t>(lo[a] - reach, 0);
        extent[a] = std::min<std::int64_t>(hi[a] + reach, n - 1) - origin[a] + 1;
    }
    const std::int64_t nx = extent[0], ny = extent[1], nz = extent[2];
    // Start of row (y, z) of the box in the full grid.
    auto full_row = [&](std::int64_t y, std::int64_t z) {
        return std::size_t(origin[0] + full_nx * ((origin[1] + y) + full_ny * (origin[2] + z)));
    };

    // Row prefix sums over the box, row length nx + 1: prefix[row * (nx+1) + x] = sum of its first x voxels.
    const auto row_stride = std::size_t(nx + 1);
    std::vector<double> prefix(row_stride * std::size_t(ny * nz));
    tbb::parallel_for(std::int64_t(0), ny * nz, [&](std::int64_t row) {
        double* p = prefix.data() + std::size_t(row) * row_stride;
        const double* v = image.data.data() + full_row(row % ny, row / ny);
        p[0] = 0.0;
        for (std::int64_t x = 0; x < nx; ++x) p[x + 1] = p[x] + v[x];
    });

    // Sphere mean of box voxel (x, y, z): one prefix difference per run, runs in a fixed order.
    auto sphere_mean = [&](std::int64_t x, std::int64_t y, std::int64_t z) {
        double total = 0.0;
        std::int64_t count = 0;
        for (const SphereRun& run : runs) {
            const std::int64_t yy = y + run.dy, zz = z + run.dz;
            if (yy < 0 || yy >= ny || zz < 0 || zz >= nz) continue;
            const std::int64_t x0 = std::max<std::int64_t>(x - run.half_length, 0);
            const std::int64_t x1 = std::min<std::int64_t>(x + run.half_length + 1, nx);
            const double* p = prefix.data() + std::size_t(yy + ny * zz) * row_stride;
            total += p[x1] - p[x0];
            count += x1 - x0;
        }
        return total / double(count);
    };

    // Local peak: highest sphere mean among the ROI voxels holding the maximum intensity.
    double local_peak = -std::numeric_limits<double>::infinity();
    for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y) {
            const std::size_t row = full_row(y, z);
            for (std::int64_t x = 0; x < nx; ++x)
                if (intensity_mask.data[row + std::size_t(x)] && image.data[row + std::size_t(x)] == max_intensity)
                    local_peak = std::max(local_peak, sphere_mean(x, y, z));
        }

    // Global peak: highest sphere mean over all ROI voxels. Rows (y, z) are independent; within a row
    // the sphere sums of all voxels of the ROI's x-span are accumulated run by run, so the inner loop
    // runs over contiguous x (vectorisable) while every voxel still adds its runs in the same order as
    // sphere_mean() (identical values). The maximum is exact, so the row order of the reduction is free.
    const double global_peak = tbb::parallel_reduce(
        tbb::blocked_range<std::int64_t>(0, ny * nz, 16), -std::numeric_limits<double>::infinity(),
        [&](const tbb::blocked_range<std::int64_t>& rows, double best) {
            std::vector<double> total(static_cast<std::size_t>(nx));
            std::vector<std::int64_t> count(static_cast<std::size_t>(nx));
            for (std::int64_t row = rows.begin(); row != rows.end(); ++row) {
                const std::int64_t y = row % ny, z = row / ny;
                const std::uint8_t* in_roi = intensity_mask.data.data() + full_row(y, z);
                std::int64_t first = 0, last = nx - 1;
                while (first < nx && !in_roi[first]) ++first;
                if (first == nx) continue;
                while (!in_roi[last]) --last;
                std::fill(total.begin() + first, total.begin() + last + 1, 0.0);
                std::fill(count.begin() + first, count.begin() + last + 1, 0);
                for (const SphereRun& run : runs) {
                    const std::int64_t yy = y + run.dy, zz = z + run.dz;
                    if (yy < 0 || yy >= ny || zz < 0 || zz >= nz) continue;
                    const double* p = prefix.data() + std::size_t(yy + ny * zz) * row_stride;
                    const std::int64_t h = run.half_length;
                    // Interior x (run fully inside the row) without clamping, borders with clamping.
                    const std::int64_t inner_lo = std::max(first, h), inner_hi = std::min(last, nx - 1 - h);
                    auto clamped = [&](std::int64_t x) {
                        const std::int64_t x0 = std::max<std::int64_t>(x - h, 0);
                        const std::int64_t x1 = std::min<std::int64_t>(x + h + 1, nx);
                        total[x] += p[x1] - p[x0];
                        count[x] += x1 - x0;
                    };
                    if (inner_lo > inner_hi) {
                        for (std::int64_t x = first; x <= last; ++x) clamped(x);
                        continue;
                    }
                    for (std::int64_t x = first; x < inner_lo; ++x) clamped(x);
                    double* t = total.data();
                    std::int64_t* c = count.data();
                    const double* plus = p + h + 1;
                    const double* minus = p - h;
                    for (std::int64_t x = inner_lo; x <= inner_hi; ++x) {
                        t[x] += plus[x] - minus[x];
                        c[x] += 2 * h + 1;
                    }
                    for (std::int64_t x = inner_hi + 1; x <= last; ++x) clamped(x);
                }
                for (std::int64_t x = first; x <= last; ++x)
                    if (in_roi[x]) best = std::max(best, total[x] / double(count[x]));
            }
            return best;
        },
        [](double a, double b) { return std::max(a, b); });

    std::array<double, loc_value_count> v{};
    v[loc_peak_loc] = local_peak;    // largest sphere mean around the ROI's maximum-intensity voxels
    v[loc_peak_glob] = global_peak;  // largest sphere mean around any ROI voxel
    return emitted(kLocFamily, v);
}

}  // namespace radhpc::features
