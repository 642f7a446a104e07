// Perturbation building blocks against answers that follow from geometry and statistics alone:
// a 90 degree turn is an index permutation, a whole-voxel shift an index shift, a rotated sphere
// keeps its volume within the interpolation error, growing a sphere of radius r by d gives radius
// r + d within a voxel, the noise estimator recovers the SD of added noise within its standard error.
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "radhpc/core/random.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/preprocess/perturb.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;
using preprocess::GridTransform;

namespace {

Geometry grid(std::size_t nx, std::size_t ny, std::size_t nz, Vec3 spacing = {1, 1, 1}, Vec3 origin = {0, 0, 0}) {
    Geometry g;
    g.size = {nx, ny, nz};
    g.spacing = spacing;
    g.origin = origin;
    return g;
}

Image random_image(const Geometry& g, std::uint64_t seed) {
    Image im(g);
    SplitMix64 rng{seed};
    for (double& v : im.data) v = std::floor(rng.uniform() * 2000.0) - 1000.0;
    return im;
}

Perturbation single(PerturbationStep s) {
    Perturbation p;
    p.id = "p";
    p.steps = {s};
    return p;
}
PerturbationStep rotation(double deg) {
    PerturbationStep s;
    s.kind = PerturbationStep::Kind::rotation;
    s.angle_deg = deg;
    return s;
}
PerturbationStep translation(Vec3 f) {
    PerturbationStep s;
    s.kind = PerturbationStep::Kind::translation;
    s.shift = f;
    return s;
}

// Mask of the voxel centres within `r` mm of `c` (mm).
Mask sphere(const Geometry& g, const Vec3& c, double r) {
    Mask m(g);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x) {
                const Vec3 p = g.index_to_point({double(x), double(y), double(z)});
                const double d2 = (p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]);
                m.at(x, y, z) = d2 <= r * r;
            }
    return m;
}

double distance(const Geometry& g, std::size_t x, std::size_t y, std::size_t z, const Vec3& c) {
    const Vec3 p = g.index_to_point({double(x), double(y), double(z)});
    return std::sqrt((p[0] - c[0]) * (p[0] - c[0]) + (p[1] - c[1]) * (p[1] - c[1]) + (p[2] - c[2]) * (p[2] - c[2]));
}

}  // namespace

TEST_CASE("rotation by 90 degrees on an isotropic grid is an index permutation", "[perturb][geometry]") {
    for (std::size_t n : {21u, 20u}) {  // rotation centre on a voxel centre, and between voxels
        const Geometry g = grid(n, n, 4, {2, 2, 2}, {-7, 3, 11});
        const Image im = random_image(g, n);
        const Vec3 c = g.index_to_point({0.5 * double(n - 1), 0.5 * double(n - 1), 1.5});
        const GridTransform t = preprocess::grid_transform(single(rotation(90)), g, c);
        for (auto method : {Interpolation::nearest, Interpolation::linear}) {
            const Image r = preprocess::resample_transformed(im, g, {0, 0, 0}, g.size, t, method);
            // sample for (x, y) is c + R(p - c) with R(dx, dy) = (-dy, dx)
            std::size_t wrong = 0;
            const double h = 0.5 * double(n - 1);
            for (std::size_t z = 0; z < 4; ++z)
                for (std::size_t y = 0; y < n; ++y)
                    for (std::size_t x = 0; x < n; ++x) {
                        const auto xs = std::size_t(std::lround(h - (double(y) - h)));
                        const auto ys = std::size_t(std::lround(h + (double(x) - h)));
                        wrong += r.at(x, y, z) != im.at(xs, ys, z);
                    }
            CHECK(wrong == 0);
        }
        // a full turn in four steps is the identity
        Perturbation four;
        four.steps = {rotation(90), rotation(90), rotation(90), rotation(90)};
        const Image r4 = preprocess::resample_transformed(im, g, {0, 0, 0}, g.size, preprocess::grid_transform(four, g, c),
                                                          Interpolation::linear);
        CHECK(r4.data == im.data);
    }
}

TEST_CASE("translation by whole voxels is an index shift", "[perturb][geometry]") {
    const Geometry g = grid(12, 10, 6, {0.75, 0.75, 3.0}, {-100.25, 40.5, -12});
    const Image im = random_image(g, 5);
    for (auto method : {Interpolation::nearest, Interpolation::linear, Interpolation::bspline}) {
        const Image r = preprocess::resample_transformed(im, g, {0, 0, 0}, g.size,
                                                         preprocess::grid_transform(single(translation({1, -2, 1})), g, {0, 0, 0}), method);
        std::size_t wrong = 0, compared = 0;
        for (std::size_t z = 0; z + 1 < 6; ++z)
            for (std::size_t y = 2; y < 10; ++y)
                for (std::size_t x = 0; x + 1 < 12; ++x) {
                    // bspline interpolates: at a grid point it returns the value up to its prefilter's rounding
                    if (method == Interpolation::bspline)
                        wrong += std::abs(r.at(x, y, z) - im.at(x + 1, y - 2, z + 1)) > 1e-9 * 1000;
                    else
                        wrong += r.at(x, y, z) != im.at(x + 1, y - 2, z + 1);
                    ++compared;
                }
        CHECK(compared == 11 * 8 * 5);
        CHECK(wrong == 0);
    }
    // the grid of the result says where it was sampled: origin moved by one voxel along x and z, two back along y
    const Image r = preprocess::resample_transformed(im, g, {0, 0, 0}, g.size,
                                                     preprocess::grid_transform(single(translation({1, -2, 1})), g, {0, 0, 0}),
                                                     Interpolation::linear);
    CHECK(r.geometry.origin[0] == Approx(g.origin[0] + 0.75));
    CHECK(r.geometry.origin[1] == Approx(g.origin[1] - 1.5));
    CHECK(r.geometry.origin[2] == Approx(g.origin[2] + 3.0));
}

TEST_CASE("a rotated sphere keeps its volume within the interpolation error", "[perturb][geometry]") {
    // sphere of radius 10 mm on a 1 mm grid, centre off the voxel lattice
    const Geometry g = grid(31, 31, 31);
    const Vec3 c{15.3, 14.8, 15.1};
    const double r = 10;
    const Mask m = sphere(g, c, r);
    const double n0 = double(count_voxels(m));
    // the interpolated boundary moves by at most half a voxel: |dV| <= area * h / 2
    const double bound = 0.5 * 4 * std::numbers::pi * r * r;
    const double exact = 4.0 / 3.0 * std::numbers::pi * r * r * r;
    CHECK(std::abs(n0 - exact) <= bound);
    for (double angle : {5.0, 15.0, 30.0, 45.0, -15.0}) {
        INFO("angle " << angle);
        const GridTransform t = preprocess::grid_transform(single(rotation(angle)), g, preprocess::roi_centre(m));
        const Mask rm = preprocess::resample_mask_transformed(m, g, {0, 0, 0}, g.size, t, Interpolation::linear, 0.5);
        const double n = double(count_voxels(rm));
        CHECK(std::abs(n - n0) <= bound);
        CHECK(std::abs(n - exact) <= bound);
        // and it is still the same sphere: every voxel inside r - diag/2 is kept, none outside r + diag/2,
        // centres measured about the ROI centre the grid was rotated about
        const Vec3 cc = preprocess::roi_centre(m);
        std::size_t wrong = 0;
        for (std::size_t z = 0; z < 31; ++z)
            for (std::size_t y = 0; y < 31; ++y)
                for (std::size_t x = 0; x < 31; ++x) {
                    const double d = distance(g, x, y, z, cc);
                    if (d <= r - 1.0 && !rm.at(x, y, z)) ++wrong;
                    if (d > r + 1.0 && rm.at(x, y, z)) ++wrong;
                }
        CHECK(wrong == 0);
    }
}

TEST_CASE("growing a sphere of radius r by d mm gives a sphere of radius r + d within a voxel", "[perturb][geometry]") {
    for (const Vec3& sp : {Vec3{1, 1, 1}, Vec3{0.8, 0.8, 2.0}}) {
        const Geometry g = grid(std::size_t(40 / sp[0]), std::size_t(40 / sp[1]), std::size_t(40 / sp[2]), sp);
        const Vec3 c{20.1, 19.7, 20.3};
        const double r = 8;
        const Mask m = sphere(g, c, r);
        // half the voxel diagonal: the farthest a point of the ball is from a voxel centre inside it
        const double half_diagonal = 0.5 * std::sqrt(sp[0] * sp[0] + sp[1] * sp[1] + sp[2] * sp[2]);
        for (double d : {1.0, 2.0, 3.5, -1.0, -2.0, -3.5}) {
            INFO("spacing " << sp[0] << "x" << sp[1] << "x" << sp[2] << ", d = " << d);
            const Mask grown = preprocess::grow_mask(m, d);
            const double R = r + d;
            std::size_t wrong = 0;
            for (std::size_t z = 0; z < g.size[2]; ++z)
                for (std::size_t y = 0; y < g.size[1]; ++y)
                    for (std::size_t x = 0; x < g.size[0]; ++x) {
                        const double dist = distance(g, x, y, z, c);
                        const bool in = grown.at(x, y, z);
                        if (d > 0) {
                            // every grown voxel is within d of a sphere voxel (within r): dist <= r + d;
                            // a voxel at dist <= r + d - diagonal has a sphere voxel within d (the voxel
                            // centre nearest the point at r - half diagonal on the way to it)
                            if (in && dist > R + 1e-9) ++wrong;
                            if (!in && dist <= R - 2 * half_diagonal) ++wrong;
                        } else {
                            // a kept voxel has no outside voxel within |d| (outside voxels lie beyond r);
                            // one beyond r - |d| + diagonal has one (the voxel centre nearest the point
                            // |d| - half diagonal farther out)
                            if (!in && dist <= R) ++wrong;
                            if (in && dist > R + 2 * half_diagonal) ++wrong;
                        }
                    }
            CHECK(wrong == 0);
        }
    }
}

TEST_CASE("2 mm on a 2 mm grid is one step of the 6-neighbourhood (MIRP's erosion / dilation)", "[perturb][geometry]") {
    const Geometry g = grid(9, 9, 9, {2, 2, 2});
    Mask one(g);
    one.at(4, 4, 4) = 1;
    const Mask grown = preprocess::grow_mask(one, 2.0);
    CHECK(count_voxels(grown) == 7);
    CHECK(grown.at(5, 4, 4));
    CHECK(!grown.at(5, 5, 4));
    Mask cube(g);
    for (std::size_t z = 2; z < 7; ++z)
        for (std::size_t y = 2; y < 7; ++y)
            for (std::size_t x = 2; x < 7; ++x) cube.at(x, y, z) = 1;
    CHECK(count_voxels(preprocess::grow_mask(cube, -2.0)) == 27);  // 5^3 -> 3^3
}

TEST_CASE("volume fractions hit round(n (1 + f)) voxels, nearest the surface first", "[perturb][geometry]") {
    const Geometry g = grid(30, 30, 30);
    const Mask m = sphere(g, {15.2, 14.9, 15.4}, 8);
    const double n0 = double(count_voxels(m));
    for (double f : {-0.2, -0.05, 0.1, 0.3}) {
        INFO("fraction " << f);
        const Mask a = preprocess::adapt_volume_fraction(m, f, 99);
        CHECK(double(count_voxels(a)) == double(std::llround(n0 * (1 + f))));
        // shrinking removes only ROI voxels, growing only adds
        std::size_t violations = 0;
        for (std::size_t i = 0; i < m.data.size(); ++i) violations += f < 0 ? (a.data[i] && !m.data[i]) : (m.data[i] && !a.data[i]);
        CHECK(violations == 0);
        CHECK(preprocess::adapt_volume_fraction(m, f, 99).data == a.data);
    }
}

TEST_CASE("the noise estimator recovers the SD of added Gaussian noise within its standard error", "[perturb][noise]") {
    // Flat image and a linear ramp (coif1's high-pass has vanishing moments: the ramp does not leak
    // into HH). The decimated HH coefficients of white noise are i.i.d. N(0, sigma^2); the
    // MAD-based estimate has standard error 1.1664 sigma / sqrt(n): the sample median of |Z| has
    // asymptotic variance 1 / (4 n f(0.6745)^2) with f = 2 phi the density of |Z|, i.e. 0.6189 / n,
    // times 1 / 0.6745^2 for the scaling: 1.3605 sigma^2 / n. The check allows 4 standard errors.
    const Geometry g = grid(128, 128, 16);
    for (bool ramp : {false, true}) {
        for (double sigma : {1.0, 10.0, 25.0}) {
            INFO((ramp ? "ramp" : "flat") << ", sigma " << sigma);
            Image im(g, 100.0);
            if (ramp)
                for (std::size_t z = 0; z < 16; ++z)
                    for (std::size_t y = 0; y < 128; ++y)
                        for (std::size_t x = 0; x < 128; ++x) im.at(x, y, z) = 3.0 * double(x) - 2.0 * double(y) + 7.0 * double(z);
            CHECK(preprocess::estimate_noise_sd(im) == Approx(0).margin(1e-9));
            preprocess::add_gaussian_noise(im, sigma, std::uint64_t(sigma * 1000) + ramp, {0, 0, 0}, g.size);
            const double n = double(((128 - 6) / 2 + 1) * ((128 - 6) / 2 + 1) * 16);
            const double se = 1.1664 * sigma / std::sqrt(n);
            CHECK(std::abs(preprocess::estimate_noise_sd(im) - sigma) <= 4 * se);
        }
    }
}

TEST_CASE("noise draws depend only on the seed and the input voxel index", "[perturb][noise]") {
    const Geometry g = grid(20, 18, 7);
    Image whole(g, 0.0);
    preprocess::add_gaussian_noise(whole, 5.0, 42, {0, 0, 0}, g.size);
    // the sample's moments: mean 0 and SD 5 within 4 standard errors
    double s = 0, s2 = 0;
    for (double v : whole.data) {
        s += v;
        s2 += v * v;
    }
    const double n = double(whole.data.size());
    CHECK(std::abs(s / n) <= 4 * 5.0 / std::sqrt(n));
    CHECK(std::abs(std::sqrt(s2 / n) - 5.0) <= 4 * 5.0 / std::sqrt(2 * n));
    // a crop noised with its offset equals the same voxels of the whole
    BoundingBox box;
    box.lo = {3, 5, 2};
    box.hi = {15, 11, 6};
    Image part = crop(Image(g, 0.0), box, 0, true);
    preprocess::add_gaussian_noise(part, 5.0, 42, box.lo, g.size);
    std::size_t wrong = 0;
    for (std::size_t z = 0; z < part.nz(); ++z)
        for (std::size_t y = 0; y < part.ny(); ++y)
            for (std::size_t x = 0; x < part.nx(); ++x) wrong += part.at(x, y, z) != whole.at(x + 3, y + 5, z + 2);
    CHECK(wrong == 0);
    Image other(g, 0.0);
    preprocess::add_gaussian_noise(other, 5.0, 43, {0, 0, 0}, g.size);
    CHECK(other.data != whole.data);
}

TEST_CASE("grid transform: rotation about the ROI centre, translation in working voxels", "[perturb][geometry]") {
    const Geometry g = grid(10, 10, 10, {2, 3, 4});
    const Vec3 c{5, 7, 9};
    Perturbation p;
    p.steps = {rotation(30), translation({0.25, 0.5, 0.75})};
    const GridTransform t = preprocess::grid_transform(p, g, c);
    const Vec3 tc = t.apply(c);  // the centre only moves by the shift
    CHECK(tc[0] == Approx(c[0] + 0.5));
    CHECK(tc[1] == Approx(c[1] + 1.5));
    CHECK(tc[2] == Approx(c[2] + 3.0));
    const Vec3 q = t.apply({c[0] + 1, c[1], c[2]});  // a point 1 mm along x turns by 30 degrees in-plane
    CHECK(q[0] - tc[0] == Approx(std::cos(std::numbers::pi / 6)));
    CHECK(q[1] - tc[1] == Approx(std::sin(std::numbers::pi / 6)));
    CHECK(q[2] - tc[2] == Approx(0).margin(1e-12));
    const Vec3 back = t.apply_inverse(q);
    CHECK(back[0] == Approx(c[0] + 1));
    CHECK(back[1] == Approx(c[1]));
    // zero steps are no-ops
    Perturbation z;
    z.steps = {rotation(0), translation({0, 0, 0})};
    CHECK(preprocess::is_effectively_none(z));
    CHECK(!preprocess::has_geometric_steps(z));
}

TEST_CASE("contour randomisation keeps a plausible, seeded ROI", "[perturb][contour]") {
    // two flat regions (a bright ball in a dark background): the supervoxels follow the edge, so the
    // randomised ROI of the ball stays close to it
    const Geometry g = grid(48, 48, 24, {1, 1, 2});
    const Vec3 c{24.2, 23.8, 23.5};
    const Mask m = sphere(g, c, 9);
    Image im(g, -100.0);
    for (std::size_t i = 0; i < m.data.size(); ++i)
        if (m.data[i]) im.data[i] = 60.0;
    const Mask a = preprocess::randomise_contour(im, m, 1);
    const Mask b = preprocess::randomise_contour(im, m, 1);
    CHECK(a.data == b.data);
    const double n0 = double(count_voxels(m)), n = double(count_voxels(a));
    CHECK(n > 0.5 * n0);
    CHECK(n < 1.5 * n0);
}

TEST_CASE("the perturbed samplers with an identity transform equal the ordinary resampling", "[perturb][geometry]") {
    // Same grid conventions as preprocess::resample_ibsi / resample_image: only rounding in the
    // sample positions (1e-13 voxel) may differ, so values agree to 1e-9 of the intensity range.
    const Geometry in = grid(23, 19, 9, {0.977, 0.977, 3.0}, {-120.3, 44.1, 7.5});
    const Image im = random_image(in, 77);
    const Geometry full = preprocess::ibsi_resampled_geometry(in, {2, 2, 2});
    const Index3 lo{1, 2, 3};
    const Size3 size{full.size[0] - 2, full.size[1] - 3, full.size[2] - 4};
    const GridTransform identity;
    for (auto method : {Interpolation::nearest, Interpolation::linear, Interpolation::bspline}) {
        const Image a = preprocess::resample_ibsi(im, full, lo, size, method);
        const Image b = preprocess::resample_transformed(im, full, lo, size, identity, method);
        REQUIRE(a.data.size() == b.data.size());
        double worst = 0;
        for (std::size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::abs(a.data[i] - b.data[i]));
        CHECK(worst <= 2000 * 1e-9);
        for (int k = 0; k < 3; ++k) CHECK(b.geometry.origin[std::size_t(k)] == Approx(a.geometry.origin[std::size_t(k)]));
    }
    const Geometry target = preprocess::pyradiomics_resampled_geometry(in, {2, 2, 2}, {3, 3, 2}, {15, 12, 6}, 2);
    for (auto method : {Interpolation::linear, Interpolation::bspline}) {
        const Image a = preprocess::resample_image(im, target, method, Profile::pyradiomics);
        const Image b = preprocess::resample_transformed_pyradiomics(im, target, identity, method, {});
        double worst = 0;
        for (std::size_t i = 0; i < a.data.size(); ++i) worst = std::max(worst, std::abs(a.data[i] - b.data[i]));
        CHECK(worst <= 2000 * 1e-9);
    }
}
