// Own nearest-neighbour mask resampler (preprocess/nearest_itk.cpp, the pyradiomics profile's
// resample_mask) against ITK's ResampleImageFilter + NearestNeighborInterpolateImageFunction, which
// it replaces. The reference is ITK itself, so the tolerance is zero: every voxel must be equal.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "radhpc/core/roi.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;

namespace {

void check_equal(const Mask& mask, const Geometry& target, const std::string& label) {
    const Mask ref = preprocess::itk_reference::resample_mask_nearest(mask, target);
    const Mask own = preprocess::resample_mask(mask, target, Interpolation::nearest, 0.5, Profile::pyradiomics);
    REQUIRE(ref.data.size() == own.data.size());
    std::size_t same = 0, set = 0;
    for (std::size_t i = 0; i < ref.data.size(); ++i) {
        same += ref.data[i] == own.data[i];
        set += ref.data[i] != 0;
    }
    std::printf("[nearest mask] %s: %zu voxels (%zu in ITK's mask), identical %zu\n", label.c_str(), ref.data.size(), set, same);
    CHECK(set > 0);  // not a comparison of two empty grids
    CHECK(same == ref.data.size());
}

void check_real_case(const std::string& mask_path, const Vec3& spacing, const char* label) {
    const Mask mask = io::read_label_mask(mask_path, 1);
    const auto box = bounding_box(mask);
    REQUIRE(box);
    // PyRadiomics' default padDistance 5
    check_equal(mask, preprocess::pyradiomics_resampled_geometry(mask.geometry, spacing, box->lo, box->hi, 5), label);
}

}  // namespace

TEST_CASE("nearest mask: IBSI CT phantom (CT-TIME 1 mm) and PyRadiomics brain1/breast1 (2 mm) equal ITK", "[nearest_mask]") {
    const std::string d = std::string(RADHPC_SHARED_DATA);
    check_real_case(d + "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz", {1, 1, 1}, "ct_phantom 1mm");
    check_real_case(d + "/pyradiomics/brain1_label.nrrd", {2, 2, 2}, "brain1 2mm");
    check_real_case(d + "/pyradiomics/breast1_label.nrrd", {2, 2, 2}, "breast1 2mm");
}

TEST_CASE("nearest mask: random masks, odd spacings, grids leaving the image, ties, other directions", "[nearest_mask]") {
    std::mt19937_64 rng(20261122);
    const Mat3 identity{1, 0, 0, 0, 1, 0, 0, 0, 1};
    const Mat3 flipped{-1, 0, 0, 0, 1, 0, 0, 0, -1};
    const double c = std::cos(0.3), s = std::sin(0.3);
    const Mat3 rotated{c, -s, 0, s, c, 0, 0, 0, 1};
    struct Case {
        Size3 size;
        Vec3 spacing;
        Mat3 direction, out_direction;
        Vec3 out_spacing;
        Vec3 origin_shift;  // output origin relative to the input origin along the input axes, mm
        Size3 out_size;
    };
    const std::vector<Case> cases = {
        {{12, 9, 7}, {1, 1, 1}, identity, identity, {1, 1, 1}, {0, 0, 0}, {12, 9, 7}},                   // identity grid
        {{25, 21, 19}, {0.7, 0.9, 2.5}, identity, identity, {1, 1, 1}, {-0.35, 0.1, -1.2}, {20, 22, 50}},  // anisotropic
        {{30, 17, 6}, {0.977, 0.977, 3}, identity, identity, {1, 1, 1}, {-4, -3, -6}, {36, 24, 26}},      // leaves the image
        {{20, 20, 10}, {1, 1, 2}, identity, identity, {1, 1, 2}, {0.5, -0.5, 1.0}, {20, 21, 10}},         // every position a .5 tie
        {{20, 20, 10}, {1, 1, 2}, identity, identity, {0.5, 0.5, 1}, {-0.25, -0.25, -0.5}, {42, 41, 21}},  // finer grid
        {{9, 11, 1}, {1.2, 0.8, 5}, identity, identity, {0.5, 0.5, 5}, {-0.3, 0.2, 0}, {24, 20, 1}},      // 1-voxel-thick z
        {{16, 12, 10}, {0.8, 1.1, 2}, flipped, flipped, {1, 1, 1}, {0.5, 0.5, -1}, {14, 15, 22}},         // flipped axes
        {{14, 13, 9}, {1, 1, 2}, rotated, rotated, {0.9, 1.1, 1.5}, {0.2, -0.4, 0.6}, {16, 12, 13}},      // rotated frame
        {{14, 13, 9}, {1, 1, 2}, identity, rotated, {0.9, 1.1, 1.5}, {0.2, -0.4, 0.6}, {16, 12, 13}},     // not separable
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const Case& k = cases[i];
        Geometry g;
        g.size = k.size;
        g.spacing = k.spacing;
        g.origin = {10.5, -20.25, 3.0};
        g.direction = k.direction;
        Mask mask(g);
        std::bernoulli_distribution on(0.4);
        for (auto& v : mask.data) v = on(rng) ? 1 : 0;
        Geometry target = g;
        target.size = k.out_size;
        target.spacing = k.out_spacing;
        target.direction = k.out_direction;
        for (int r = 0; r < 3; ++r) {
            double off = 0;
            for (int a = 0; a < 3; ++a) off += k.direction[3 * r + a] * k.origin_shift[a];
            target.origin[r] = g.origin[r] + off;
        }
        check_equal(mask, target, "random case " + std::to_string(i));
    }
}
