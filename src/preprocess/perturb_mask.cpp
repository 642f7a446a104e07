// ROI adaptation for perturbations: growth / shrinkage by a Euclidean distance or to a volume
// fraction, and the chain of mask steps.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "radhpc/preprocess/perturb.hpp"
#include "perturb_internal.hpp"
#include "radhpc/core/roi.hpp"

namespace radhpc::preprocess {
namespace detail {

namespace {
// One pass of the exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012,
// lower envelope of parabolas) along a line of n values f with voxel spacing s:
// d(p) = min_q s^2 (p - q)^2 + f(q). Infinite f are not sites.
void edt_line(const double* f, double* d, std::size_t n, double s, std::vector<std::int64_t>& v, std::vector<double>& z) {
    const double inf = std::numeric_limits<double>::infinity();
    const double s2 = s * s;
    std::int64_t k = -1;
    for (std::int64_t q = 0; q < std::int64_t(n); ++q) {
        if (!std::isfinite(f[q])) continue;
        while (k >= 0) {
            const std::int64_t r = v[std::size_t(k)];
            // intersection of the parabolas rooted at r and q
            const double x = ((f[q] + s2 * double(q) * double(q)) - (f[r] + s2 * double(r) * double(r))) / (2.0 * s2 * double(q - r));
            if (x <= z[std::size_t(k)]) {
                --k;
                continue;
            }
            ++k;
            v[std::size_t(k)] = q;
            z[std::size_t(k)] = x;
            z[std::size_t(k) + 1] = inf;
            break;
        }
        if (k < 0) {
            k = 0;
            v[0] = q;
            z[0] = -inf;
            z[1] = inf;
        }
    }
    if (k < 0) {
        std::fill(d, d + n, inf);
        return;
    }
    std::int64_t j = 0;
    for (std::int64_t p = 0; p < std::int64_t(n); ++p) {
        while (z[std::size_t(j) + 1] < double(p)) ++j;
        const std::int64_t r = v[std::size_t(j)];
        d[p] = s2 * double(p - r) * double(p - r) + f[r];
    }
}
}  // namespace

std::vector<double> squared_distance(const Volume<std::uint8_t>& sites, const Vec3& spacing) {
    const std::size_t nx = sites.nx(), ny = sites.ny(), nz = sites.nz();
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> d(sites.data.size());
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = sites.data[i] ? 0.0 : inf;
    const std::size_t n[3] = {nx, ny, nz};
    const std::size_t stride[3] = {1, nx, nx * ny};
    for (int a = 0; a < 3; ++a) {
        const int b = a == 0 ? 1 : 0, c = a == 2 ? 1 : 2;  // the two other axes
        tbb::parallel_for(std::size_t(0), n[c], [&](std::size_t ic) {
            std::vector<double> f(n[a]), out(n[a]), z(n[a] + 1);
            std::vector<std::int64_t> v(n[a]);
            for (std::size_t ib = 0; ib < n[b]; ++ib) {
                const std::size_t base = ib * stride[b] + ic * stride[c];
                for (std::size_t i = 0; i < n[a]; ++i) f[i] = d[base + i * stride[a]];
                edt_line(f.data(), out.data(), n[a], spacing[std::size_t(a)], v, z);
                for (std::size_t i = 0; i < n[a]; ++i) d[base + i * stride[a]] = out[i];
            }
        });
    }
    return d;
}

// Squared distance of every voxel to the nearest voxel outside the ROI, the world outside the
// grid counting as outside (computed on a grid padded by one background voxel).
std::vector<double> squared_distance_to_outside(const Mask& mask) {
    Geometry pg = mask.geometry;
    for (int a = 0; a < 3; ++a) pg.size[a] += 2;
    Volume<std::uint8_t> outside(pg, 1);
    for (std::size_t z = 0; z < mask.nz(); ++z)
        for (std::size_t y = 0; y < mask.ny(); ++y)
            for (std::size_t x = 0; x < mask.nx(); ++x) outside.at(x + 1, y + 1, z + 1) = mask.at(x, y, z) ? 0 : 1;
    const std::vector<double> dp = squared_distance(outside, mask.geometry.spacing);
    std::vector<double> d(mask.data.size());
    for (std::size_t z = 0; z < mask.nz(); ++z)
        for (std::size_t y = 0; y < mask.ny(); ++y)
            for (std::size_t x = 0; x < mask.nx(); ++x) d[mask.index(x, y, z)] = dp[outside.index(x + 1, y + 1, z + 1)];
    return d;
}

Mask binary_closing6(const Mask& mask) {
    // dilation then erosion with the 6-neighbourhood (scipy.ndimage.binary_closing's default
    // structure), outside the grid counting as background
    const std::int64_t nx = std::int64_t(mask.nx()), ny = std::int64_t(mask.ny()), nz = std::int64_t(mask.nz());
    static constexpr int off[6][3] = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
    auto get = [&](const Mask& m, std::int64_t x, std::int64_t y, std::int64_t z) {
        return m.contains(x, y, z) && m.at(std::size_t(x), std::size_t(y), std::size_t(z));
    };
    Mask dil(mask.geometry);
    for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y)
            for (std::int64_t x = 0; x < nx; ++x) {
                bool v = get(mask, x, y, z);
                for (int k = 0; k < 6 && !v; ++k) v = get(mask, x + off[k][0], y + off[k][1], z + off[k][2]);
                dil.at(std::size_t(x), std::size_t(y), std::size_t(z)) = v;
            }
    Mask out(mask.geometry);
    for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y)
            for (std::int64_t x = 0; x < nx; ++x) {
                bool v = get(dil, x, y, z);
                for (int k = 0; k < 6 && v; ++k) v = get(dil, x + off[k][0], y + off[k][1], z + off[k][2]);
                out.at(std::size_t(x), std::size_t(y), std::size_t(z)) = v;
            }
    return out;
}

}  // namespace detail

Mask grow_mask(const Mask& mask, double grow_mm) {
    if (grow_mm == 0) return mask;
    // equality counts as within: the slack absorbs rounding in the distance sums
    const double limit = grow_mm * grow_mm * (1 + 1e-9);
    Mask out(mask.geometry);
    if (grow_mm > 0) {
        const auto d = detail::squared_distance(mask, mask.geometry.spacing);
        for (std::size_t i = 0; i < d.size(); ++i) out.data[i] = d[i] <= limit;
    } else {
        const auto d = detail::squared_distance_to_outside(mask);
        for (std::size_t i = 0; i < d.size(); ++i) out.data[i] = mask.data[i] && d[i] > limit;
    }
    return out;
}

Mask adapt_volume_fraction(const Mask& mask, double fraction, std::uint64_t seed) {
    if (fraction == 0) return mask;
    const std::size_t n0 = count_voxels(mask);
    if (n0 == 0) return mask;
    const auto target = std::max<std::int64_t>(1, std::llround(double(n0) * (1.0 + fraction)));
    const bool grow = target > std::int64_t(n0);
    const std::vector<double> d = grow ? detail::squared_distance(mask, mask.geometry.spacing) : detail::squared_distance_to_outside(mask);
    // candidates: outside voxels (growth) or ROI voxels (shrinkage), nearest the surface first
    // Order: distance, then a random key per voxel (ties broken at random), then the index - a
    // total order, so the set of the `change` first candidates is unique and a partition
    // (nth_element) finds the same set as a full sort. Keys are hashed once per candidate, not
    // twice per comparison.
    struct Candidate {
        double distance;
        std::uint64_t key;
        std::size_t index;
    };
    std::vector<Candidate> cand;
    for (std::size_t i = 0; i < mask.data.size(); ++i)
        if (bool(mask.data[i]) != grow && std::isfinite(d[i])) cand.push_back({d[i], derive_seed(seed, std::uint64_t(i)), i});
    const std::size_t change = std::min<std::size_t>(cand.size(), std::size_t(std::llabs(target - std::int64_t(n0))));
    std::nth_element(cand.begin(), cand.begin() + std::ptrdiff_t(change), cand.end(), [](const Candidate& a, const Candidate& b) {
        if (a.distance != b.distance) return a.distance < b.distance;
        return a.key != b.key ? a.key < b.key : a.index < b.index;
    });
    Mask out = mask;
    for (std::size_t k = 0; k < change; ++k) out.data[cand[k].index] = grow ? 1 : 0;
    return out;
}

void apply_mask_steps(const Perturbation& p, const Image& image, Mask& mask, const ResegmentSettings& reseg) {
    for (std::size_t k = 0; k < p.steps.size(); ++k) {
        const auto& s = p.steps[k];
        if (is_zero_step(s)) continue;
        if (s.kind == PerturbationStep::Kind::volume) {
            if (s.grow_mm != 0) mask = grow_mask(mask, s.grow_mm);
            if (s.volume_fraction != 0) mask = adapt_volume_fraction(mask, s.volume_fraction, derive_seed(p.seed, std::uint64_t(k)));
        } else if (s.kind == PerturbationStep::Kind::contour) {
            mask = randomise_contour(image, mask, derive_seed(p.seed, std::uint64_t(k)), reseg.range_min, reseg.range_max);
        }
    }
}

Index3 mask_step_margin(const Perturbation& p, const Vec3& spacing, const Index3& roi_extent) {
    Index3 m{0, 0, 0};
    for (const auto& s : p.steps) {
        if (is_zero_step(s)) continue;
        for (int a = 0; a < 3; ++a) {
            if (s.kind == PerturbationStep::Kind::volume && s.grow_mm > 0)
                m[a] += std::int64_t(std::ceil(s.grow_mm / spacing[a])) + 1;
            if (s.kind == PerturbationStep::Kind::volume && s.volume_fraction > 0)
                m[a] += std::int64_t(std::ceil(double(roi_extent[a]) * (std::cbrt(1.0 + s.volume_fraction) - 1.0))) + 2;
            if (s.kind == PerturbationStep::Kind::contour)
                m[a] += std::int64_t(std::ceil(detail::kContourBoundaryMm / spacing[a])) + 1;
        }
    }
    return m;
}

}  // namespace radhpc::preprocess
