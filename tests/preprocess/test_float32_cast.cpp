// Issue 12, failing case 4: in the pyradiomics profile a float32 input is resampled as SimpleITK does
// it, i.e. ITK's ResampleImageFilter with float32 output. The reference is ITK itself (float image in,
// float image out), so the tolerance is zero: every voxel equal.
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>

#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;

namespace {

Image float_valued_image() {
    Geometry g;
    g.size = {23, 19, 11};
    g.spacing = {0.83, 0.77, 2.5};
    g.origin = {-9.1, 4.2, -30.5};
    Image img(g);
    std::mt19937_64 rng(12);
    std::uniform_real_distribution<double> u(-1000.0, 1000.0);
    for (double& v : img.data) v = double(static_cast<float>(u(rng)));  // values a float32 file can hold
    return img;
}

}  // namespace

TEST_CASE("pyradiomics profile: float32 input resampled equals ITK's float32 ResampleImageFilter", "[resample][float32]") {
    const Image img = float_valued_image();
    PixelType float32;
    float32.float32 = true;
    for (const auto method : {Interpolation::bspline, Interpolation::linear, Interpolation::nearest}) {
        const Geometry target = preprocess::pyradiomics_resampled_geometry(img.geometry, {1.0, 1.0, 1.0}, {4, 3, 2}, {18, 15, 8}, 5);
        const Image ref = preprocess::itk_reference::resample_float32(img, target, method);
        const Image own = preprocess::resample_image(img, target, method, Profile::pyradiomics, float32);
        const Image uncast = preprocess::resample_image(img, target, method, Profile::pyradiomics, PixelType{});
        REQUIRE(own.data.size() == ref.data.size());
        std::size_t equal = 0, uncast_equal = 0;
        for (std::size_t i = 0; i < ref.data.size(); ++i) {
            equal += own.data[i] == ref.data[i];
            uncast_equal += uncast.data[i] == ref.data[i];
        }
        std::printf("[float32] method %d: %zu voxels, equal %zu, equal without the cast %zu\n", int(method), ref.data.size(), equal,
                    uncast_equal);
        CHECK(equal == ref.data.size());
        // the cast matters (interpolated values are not floats), except for nearest neighbour
        if (method != Interpolation::nearest) CHECK(uncast_equal < ref.data.size() / 2);
    }
}
