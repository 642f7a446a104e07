// PyRadiomics 3.1 resampleImage rules (radiomics/imageoperations.py): the spacing along an axis where
// the ROI's bounding box is one voxel thick stays the mask's, and when the target spacing equals the
// image's (numpy.allclose) only the mask is resampled - the intensities are not interpolated. So a
// 1 mm image "resampled" to 1 mm gives exactly the features of no resampling.
#include <catch2/catch.hpp>

#include <random>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {
pipeline::LesionInput random_case(const Vec3& spacing, std::size_t nz_roi) {
    Geometry g;
    g.size = {40, 36, 20};
    g.spacing = spacing;
    g.origin = {-12.3, 7.7, 30.1};
    pipeline::LesionInput in;
    in.image = Image(g);
    std::mt19937 rng(4);
    std::uniform_int_distribution<int> u(-200, 400);
    for (double& v : in.image.data) v = u(rng);
    in.mask = Mask(g, 0);
    for (std::size_t z = 8; z < 8 + nz_roi; ++z)
        for (std::size_t y = 10; y < 26; ++y)
            for (std::size_t x = 12; x < 30; ++x)
                if ((x - 21.0) * (x - 21.0) + (y - 18.0) * (y - 18.0) < 60) in.mask.at(x, y, z) = 1;
    in.pixel_type = {true, -32768, 32767};
    return in;
}
const char* kJob = "profile: pyradiomics\nfeatures: {families: [firstorder, glcm, glszm]}\npreprocess:\n";
}  // namespace

TEST_CASE("pyradiomics: resampling to the image's own spacing leaves the intensities alone", "[pyradiomics][resample]") {
    const auto in = random_case({1.0, 1.0, 1.0}, 6);
    const Settings plain = io::parse_job_text(std::string(kJob) + "  discretisation: {method: fixed_bin_size, bin_width: 25}\n").settings;
    const Settings same = io::parse_job_text(std::string(kJob) +
                                             "  resample: {spacing: [1, 1, 1], interpolation: bspline}\n"
                                             "  discretisation: {method: fixed_bin_size, bin_width: 25}\n")
                              .settings;
    const auto a = pipeline::extract(in, plain), b = pipeline::extract(in, same);
    REQUIRE(a.features.size() == b.features.size());
    for (std::size_t i = 0; i < a.features.size(); ++i) {
        INFO(a.features[i].name);
        CHECK(a.features[i].value == b.features[i].value);
    }
}

TEST_CASE("pyradiomics: a single-slice ROI keeps the slice spacing", "[pyradiomics][resample]") {
    // 0.8 x 0.8 x 5 mm, ROI on one slice, resampled to [0.8, 0.8, 1]: z keeps 5 mm, x and y equal the
    // image's -> no interpolation, the same features as without resampling
    const auto in = random_case({0.8, 0.8, 5.0}, 1);
    const Settings plain = io::parse_job_text(std::string(kJob) + "  discretisation: {method: fixed_bin_size, bin_width: 25}\n").settings;
    const Settings thin = io::parse_job_text(std::string(kJob) +
                                             "  resample: {spacing: [0.8, 0.8, 1], interpolation: bspline}\n"
                                             "  discretisation: {method: fixed_bin_size, bin_width: 25}\n")
                              .settings;
    const auto a = pipeline::extract(in, plain), b = pipeline::extract(in, thin);
    REQUIRE(a.features.size() == b.features.size());
    for (std::size_t i = 0; i < a.features.size(); ++i) {
        INFO(a.features[i].name);
        CHECK(a.features[i].value == b.features[i].value);
    }
}
