// Own cubic B-spline resampler (preprocess/bspline.hpp) against ITK's, which resample.cpp calls:
// the pyradiomics profile (ResampleImageFilter + BSplineInterpolateImageFunction, default 0 outside
// the buffer) and the ibsi profile (the same interpolator at clamped positions). The reference is
// ITK itself, so the tolerance is zero: every voxel must be bit-identical before the cast to the
// input pixel type (and therefore after it).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <string>

#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/bspline.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;

namespace {

struct Agreement {
    std::size_t voxels = 0, identical = 0, nonzero = 0;
    double max_abs_diff = 0;
};

Agreement compare(const Image& a, const Image& b) {
    REQUIRE(a.data.size() == b.data.size());
    Agreement r;
    r.voxels = a.data.size();
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        // bit-identical: equal values and equal signs of zero do not matter for the features; == on doubles
        if (a.data[i] == b.data[i]) ++r.identical;
        if (a.data[i] != 0.0) ++r.nonzero;
        r.max_abs_diff = std::max(r.max_abs_diff, std::abs(a.data[i] - b.data[i]));
    }
    return r;
}

Image random_image(std::mt19937_64& rng, const Size3& size, const Vec3& spacing, const Vec3& origin, const Mat3& direction) {
    Geometry g;
    g.size = size;
    g.spacing = spacing;
    g.origin = origin;
    g.direction = direction;
    Image im(g);
    std::uniform_real_distribution<double> u(-1000.0, 1500.0);
    for (double& v : im.data) v = u(rng);
    return im;
}

// resample.cpp's ibsi positions: offset + (lo + k) * step, clamped into [0, n - 1]
std::array<std::vector<double>, 3> ibsi_positions(const Geometry& in, const Geometry& full, const Index3& lo, const Size3& size) {
    const Vec3 o = in.point_to_index(full.origin);
    std::array<std::vector<double>, 3> p;
    for (int a = 0; a < 3; ++a) {
        const double step = full.spacing[a] / in.spacing[a];
        for (std::size_t k = 0; k < size[a]; ++k)
            p[a].push_back(std::clamp(o[a] + double(lo[a] + std::int64_t(k)) * step, 0.0, double(in.size[a] - 1)));
    }
    return p;
}

// Both evaluation kernels: AVX2 (used when the CPU has it) and the baseline SSE2 one.
struct KernelChoice {
    bool avx2;
    explicit KernelChoice(bool a) : avx2(a) { preprocess::detail::bspline_allow_avx2(a); }
    ~KernelChoice() { preprocess::detail::bspline_allow_avx2(true); }
    const char* name() const { return preprocess::detail::bspline_avx2_active() ? "avx2" : "sse2"; }
};

void check_pyradiomics(const Image& image, const Geometry& target, const PixelType& pixel, const std::string& label_in) {
    const Image ref = preprocess::itk_reference::resample(image, target);
    // the pipeline's PyRadiomics path (resample_image, which now runs bspline.cpp) gives ITK's values
    CHECK(compare(ref, preprocess::resample_image(image, target, Interpolation::bspline, Profile::pyradiomics, PixelType{})).identical ==
          ref.data.size());
    for (bool avx2 : {true, false}) {
    const KernelChoice kernel(avx2);
    const std::string label_s = label_in + " [" + kernel.name() + "]";
    const char* label = label_s.c_str();
    const Image own = preprocess::bspline_resample_itk(image, target);
    const Agreement before = compare(ref, own);
    Image ref_cast = ref, own_cast = own;
    if (pixel.integer)
        for (Image* im : {&ref_cast, &own_cast})
            for (double& v : im->data) v = std::trunc(std::clamp(v, pixel.min, pixel.max));
    const Agreement after = compare(ref_cast, own_cast);
    std::printf("[bspline] %s: %zu voxels (%zu non-zero in ITK's), identical before cast %zu, max |diff| %.3g; after cast (%s) identical %zu\n",
                label, before.voxels, before.nonzero, before.identical, before.max_abs_diff, pixel.integer ? "integer" : "float: no cast",
                after.identical);
    CHECK(before.nonzero > 0);  // not a comparison of two empty grids
    CHECK(before.identical == before.voxels);
    CHECK(after.identical == after.voxels);
    }
}

std::optional<std::pair<Index3, Index3>> mask_box(const Mask& m) {
    Index3 lo{INT64_MAX, INT64_MAX, INT64_MAX}, hi{-1, -1, -1};
    for (std::size_t z = 0; z < m.nz(); ++z)
        for (std::size_t y = 0; y < m.ny(); ++y)
            for (std::size_t x = 0; x < m.nx(); ++x)
                if (m.at(x, y, z)) {
                    const std::int64_t k[3] = {std::int64_t(x), std::int64_t(y), std::int64_t(z)};
                    for (int a = 0; a < 3; ++a) {
                        lo[a] = std::min(lo[a], k[a]);
                        hi[a] = std::max(hi[a], k[a]);
                    }
                }
    if (hi[0] < 0) return std::nullopt;
    return std::make_pair(lo, hi);
}

void check_real_case(const std::string& image_path, const std::string& mask_path, const Vec3& spacing, const char* label) {
    PixelType pixel;
    const Image image = io::read_image(image_path, &pixel);
    const Mask mask = io::read_label_mask(mask_path, 1);
    const auto box = mask_box(mask);
    REQUIRE(box);
    // PyRadiomics' default padDistance 5
    const Geometry target = preprocess::pyradiomics_resampled_geometry(image.geometry, spacing, box->first, box->second, 5);
    check_pyradiomics(image, target, pixel, label);
    // the same box with a small IBSI grid on the same image: the ibsi profile's B-spline
    const Geometry full = preprocess::ibsi_resampled_geometry(image.geometry, spacing);
    Index3 lo;
    Size3 size;
    for (int a = 0; a < 3; ++a) {
        lo[a] = std::max<std::int64_t>(0, std::int64_t(std::floor(double(box->first[a]) * image.geometry.spacing[a] / spacing[a])) - 3);
        const std::int64_t hi = std::min<std::int64_t>(std::int64_t(full.size[a]) - 1,
                                                       std::int64_t(std::ceil(double(box->second[a]) * image.geometry.spacing[a] / spacing[a])) + 3);
        size[a] = std::size_t(hi - lo[a] + 1);
    }
    const auto positions = ibsi_positions(image.geometry, full, lo, size);
    const Geometry sub = preprocess::sub_grid(full, lo, {lo[0] + std::int64_t(size[0]) - 1, lo[1] + std::int64_t(size[1]) - 1,
                                                         lo[2] + std::int64_t(size[2]) - 1});
    const Image ref = preprocess::itk_reference::sample(image, positions, sub);
    // the pipeline's IBSI path (resample_ibsi, which now runs bspline.cpp) gives ITK's values too
    CHECK(compare(ref, preprocess::resample_ibsi(image, full, lo, size, Interpolation::bspline)).identical == ref.data.size());
    for (bool avx2 : {true, false}) {
        const KernelChoice kernel(avx2);
        const Image own = preprocess::bspline_sample_separable(image, positions, ref.geometry, false);
        const Agreement a = compare(ref, own);
        std::printf("[bspline] %s ibsi grid [%s]: %zu voxels, identical %zu, max |diff| %.3g\n", label, kernel.name(), a.voxels, a.identical,
                    a.max_abs_diff);
        CHECK(a.identical == a.voxels);
    }
}

}  // namespace

TEST_CASE("bspline: IBSI CT phantom with CT-TIME's 1 mm grid equals ITK bit for bit", "[bspline]") {
    const std::string d = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/nifti/";
    check_real_case(d + "image/phantom.nii.gz", d + "mask/mask.nii.gz", {1, 1, 1}, "ct_phantom 1mm (CT-TIME)");
}

TEST_CASE("bspline: PyRadiomics brain1 and breast1 resampling cases (2 mm) equal ITK bit for bit", "[bspline]") {
    const std::string d = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";
    check_real_case(d + "brain1_image.nrrd", d + "brain1_label.nrrd", {2, 2, 2}, "brain1 2mm");
    check_real_case(d + "breast1_image.nrrd", d + "breast1_label.nrrd", {2, 2, 2}, "breast1 2mm");
}

TEST_CASE("bspline: random volumes, non-unit and anisotropic spacing, grids leaving the image, thin axes", "[bspline]") {
    std::mt19937_64 rng(20261122);
    const Mat3 identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
    const Mat3 flipped{-1, 0, 0, 0, 1, 0, 0, 0, -1};
    // a direction that is not axis-aligned in world space (shared by input and output grid)
    const double c = std::cos(0.3), s = std::sin(0.3);
    const Mat3 rotated{c, -s, 0, s, c, 0, 0, 0, 1};
    struct Case {
        Size3 size;
        Vec3 spacing;
        Mat3 direction;
        Vec3 out_spacing;
        Vec3 origin_shift;  // output origin relative to the input origin, mm (negative: starts outside)
        Size3 out_size;
    };
    const std::vector<Case> cases = {
        {{12, 9, 7}, {1, 1, 1}, identity, {1, 1, 1}, {0, 0, 0}, {12, 9, 7}},                  // identity grid
        {{25, 21, 19}, {0.7, 0.9, 2.5}, identity, {1, 1, 1}, {-0.35, 0.1, -1.2}, {20, 22, 50}},  // > horizon lines
        {{30, 17, 6}, {0.977, 0.977, 3}, identity, {1, 1, 1}, {-4, -3, -6}, {36, 24, 26}},      // far outside
        {{9, 11, 1}, {1.2, 0.8, 5}, identity, {0.5, 0.5, 5}, {-0.3, 0.2, 0}, {24, 20, 1}},      // 1-voxel-thick z
        {{1, 13, 8}, {3, 1, 1.5}, identity, {1, 0.6, 0.7}, {-1, -0.5, 0.3}, {3, 25, 17}},       // 1-voxel-thick x
        {{7, 18, 19}, {1.1, 1.3, 0.9}, identity, {2.0, 0.45, 1.7}, {0.4, -0.8, 0.2}, {5, 55, 11}},  // length 18 = horizon
        {{16, 12, 10}, {0.8, 1.1, 2}, flipped, {1, 1, 1}, {0.5, 0.5, -1}, {14, 15, 22}},         // flipped axes
        {{14, 13, 9}, {1, 1, 2}, rotated, {0.9, 1.1, 1.5}, {0.2, -0.4, 0.6}, {16, 12, 13}},     // rotated frame
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& k = cases[i];
        const Image image = random_image(rng, k.size, k.spacing, {10.5, -20.25, 3.0}, k.direction);
        Geometry target = image.geometry;
        target.size = k.out_size;
        target.spacing = k.out_spacing;
        // origin shifted along the image axes
        for (int r = 0; r < 3; ++r) {
            double off = 0;
            for (int a = 0; a < 3; ++a) off += k.direction[3 * r + a] * k.origin_shift[a];
            target.origin[r] = image.geometry.origin[r] + off;
        }
        const std::string label = "random case " + std::to_string(i);
        check_pyradiomics(image, target, PixelType{true, -32768, 32767}, label);
        // ibsi semantics: the resampled grid of the whole image, a sub-block of it
        const Geometry full = preprocess::ibsi_resampled_geometry(image.geometry, k.out_spacing);
        const Index3 lo{std::int64_t(full.size[0] / 4), 0, std::int64_t(full.size[2] / 3)};
        const Size3 size{full.size[0] - std::size_t(lo[0]), full.size[1], full.size[2] - std::size_t(lo[2])};
        const auto positions = ibsi_positions(image.geometry, full, lo, size);
        const Geometry sub = preprocess::sub_grid(full, lo, {lo[0] + std::int64_t(size[0]) - 1, lo[1] + std::int64_t(size[1]) - 1,
                                                             lo[2] + std::int64_t(size[2]) - 1});
        const Image ref = preprocess::itk_reference::sample(image, positions, sub);
        // the pipeline's IBSI path (resample_ibsi, which now runs bspline.cpp) gives ITK's values too
        CHECK(compare(ref, preprocess::resample_ibsi(image, full, lo, size, Interpolation::bspline)).identical == ref.data.size());
        for (bool avx2 : {true, false}) {
            const KernelChoice kernel(avx2);
            const Image own = preprocess::bspline_sample_separable(image, positions, ref.geometry, false);
            const Agreement a = compare(ref, own);
            std::printf("[bspline] %s ibsi [%s]: %zu voxels, identical %zu, max |diff| %.3g\n", label.c_str(), kernel.name(), a.voxels,
                        a.identical, a.max_abs_diff);
            CHECK(a.identical == a.voxels);
        }
    }
}

TEST_CASE("bspline: coefficients of a sub-box equal the whole-image decomposition's", "[bspline]") {
    std::mt19937_64 rng(7);
    const Image image = random_image(rng, {23, 19, 21}, {1, 1, 1}, {0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
    const preprocess::CubicBSplineCoefficients whole(image);
    const preprocess::CubicBSplineCoefficients box(image, {5, 3, 8}, {12, 17, 20});
    std::size_t differ = 0;
    for (std::int64_t z = 8; z <= 20; ++z)
        for (std::int64_t y = 3; y <= 17; ++y)
            for (std::int64_t x = 5; x <= 12; ++x) differ += whole.coefficient(x, y, z) != box.coefficient(x, y, z);
    CHECK(differ == 0);
    // one sample through the box's at() against the whole image's
    const Vec3 ci{8.37, 9.91, 14.5};
    CHECK(whole.at(ci) == box.at(ci));
}

TEST_CASE("bspline: positions at the buffer edges and just below integers (single-precision floor) equal ITK", "[bspline]") {
    std::mt19937_64 rng(11);
    const Image image = random_image(rng, {9, 8, 7}, {1.0, 1.0, 1.0}, {0, 0, 0}, {1, 0, 0, 0, 1, 0, 0, 0, 1});
    // continuous indices where ITK's float floor, mirror boundary or inside-buffer test are on an edge
    const std::vector<double> tricky = {-0.5, -0.5 + 1e-12, -0.25, -1e-12, 0.0, 1e-12, 1.0 - 1e-9, 1.0 - 1e-12, 1.0,
                                        2.5 - 1e-9, 3.5, 5.0 - 4e-8, 5.0 + 1e-12, 6.0 - 1e-10, 6.0, 6.5 - 1e-12, 6.5, 7.5};
    std::size_t compared = 0, identical = 0;
    for (std::size_t i = 0; i < tricky.size(); ++i) {
        // one output voxel per axis combination: origin at continuous index (p, q, r) of the input
        const double p = tricky[i], q = tricky[(i * 7 + 3) % tricky.size()], r = tricky[(i * 5 + 1) % tricky.size()];
        Geometry target = image.geometry;
        target.size = {1, 1, 1};
        target.origin = image.geometry.index_to_point({p, q, r});
        const Image ref = preprocess::itk_reference::resample(image, target);
        const Image own = preprocess::bspline_resample_itk(image, target);
        ++compared;
        identical += ref.data[0] == own.data[0];
        INFO("continuous index " << p << ", " << q << ", " << r << ": ITK " << ref.data[0] << ", own " << own.data[0]);
        CHECK(ref.data[0] == own.data[0]);
    }
    std::printf("[bspline] edge positions: %zu of %zu identical\n", identical, compared);
}

TEST_CASE("bspline: with a needed-voxel mask, every needed sample equals ITK's (separable and rotated grids)", "[bspline]") {
    // The pipeline interpolates only the ROI (resample_image's `needed`): the needed samples must be
    // the very bits of the full resampling.
    std::mt19937_64 rng(5);
    const double c = std::cos(0.3), s = std::sin(0.3);
    for (const Mat3& direction : {Mat3{1, 0, 0, 0, 1, 0, 0, 0, 1}, Mat3{c, -s, 0, s, c, 0, 0, 0, 1}}) {
        const Image image = random_image(rng, {30, 26, 12}, {0.9, 0.8, 2.5}, {1.5, -2.0, 4.0}, direction);
        Geometry target = image.geometry;
        target.size = {29, 24, 31};
        target.spacing = {1, 1, 1};
        const Image ref = preprocess::itk_reference::resample(image, target);
        Mask needed(target);
        std::bernoulli_distribution on(0.2);
        for (std::size_t z = 0; z < target.size[2]; ++z)
            for (std::size_t y = 0; y < target.size[1]; ++y)
                if (y % 3 != 0)  // every third row needs nothing
                    for (std::size_t x = 2; x + 5 < target.size[0]; ++x) needed.at(x, y, z) = on(rng);
        for (bool avx2 : {true, false}) {
            const KernelChoice kernel(avx2);
            const Image own = preprocess::bspline_resample_itk(image, target, &needed);
            const Image via_pipeline = preprocess::resample_image(image, target, Interpolation::bspline, Profile::pyradiomics, PixelType{}, &needed);
            std::size_t needed_count = 0, needed_identical = 0, pipeline_identical = 0;
            for (std::size_t i = 0; i < needed.data.size(); ++i)
                if (needed.data[i]) {
                    ++needed_count;
                    needed_identical += own.data[i] == ref.data[i];
                    pipeline_identical += via_pipeline.data[i] == ref.data[i];
                }
            std::printf("[bspline] needed mask [%s]: %zu needed samples, identical %zu (pipeline path %zu)\n", kernel.name(), needed_count,
                        needed_identical, pipeline_identical);
            CHECK(needed_count > 0);
            CHECK(needed_identical == needed_count);
            CHECK(pipeline_identical == needed_count);
        }
    }
}
