// PyRadiomics 3.1's shape mask with re-segmentation (issue 12, item 5): featureextractor.execute()
// passes computeShape() the un-resegmented mask together with the bounding box checkMask() returned for
// the re-segmented mask, and computeShape() crops both to that box grown by padDistance
// (imageoperations.cropToTumorMask). Mask voxels farther out, all outside the intensity range, are
// not in PyRadiomics' shape. On the LUNG1-001 GTV (CT-TIME settings) radhpc's shape mask held 123
// voxels more than PyRadiomics' for this reason, while every first-order and texture value agreed.
//
// The generated case: a soft-tissue cube (40 HU) with a thin air tail (-800 HU) reaching 15 voxels
// past it, re-segmented to [-100, 300] HU. The reference is the same lesion with the tail cut at the
// cube's box + padDistance, which needs no cropping rule: shape features must be bit-identical to it,
// every other feature bit-identical to the uncut mask's, and the shape must differ from the uncut
// mask's shape (the tail is there) when re-segmentation is off or resegmentShape decides.
#include <catch2/catch.hpp>

#include <map>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {

constexpr std::size_t kN = 48;
constexpr std::size_t kLo = 12, kHi = 21;  // the cube [12, 21]^3

pipeline::LesionInput lesion(std::size_t tail_end_x) {
    Geometry g;
    g.size = {kN, kN, kN};
    g.spacing = {0.8, 0.8, 1.5};
    pipeline::LesionInput in;
    in.image = Image(g, -1000.0);
    in.mask = Mask(g, 0);
    for (std::size_t z = kLo; z <= kHi; ++z)
        for (std::size_t y = kLo; y <= kHi; ++y)
            for (std::size_t x = kLo; x <= kHi; ++x) {
                in.image.at(x, y, z) = 40.0 + double((x * 7 + y * 3 + z * 5) % 11);  // some texture
                in.mask.at(x, y, z) = 1;
            }
    for (std::size_t x = kHi + 1; x <= tail_end_x; ++x)  // the air tail, two voxels thick
        for (std::size_t y = 16; y <= 17; ++y) {
            in.image.at(x, y, 16) = -800.0;
            in.mask.at(x, y, 16) = 1;
        }
    in.pixel_type = PixelType{true, -32768, 32767, false};
    return in;
}

std::map<std::string, double> features(const pipeline::LesionInput& in, const std::string& extra_settings) {
    const auto job = io::parse_pyradiomics_text("setting:\n  binWidth: 25\n  padDistance: 5\n" + extra_settings +
                                                "featureClass:\n  shape:\n  firstorder:\n  glcm:\n  glszm:\n");
    std::map<std::string, double> out;
    for (const auto& f : pipeline::extract(in, job.settings).features) out[f.name] = f.value;
    return out;
}

bool is_shape(const std::string& name) { return name.rfind("shape_", 0) == 0; }

}  // namespace

TEST_CASE("pyradiomics profile: with re-segmentation, shape sees the mask cropped to the re-segmented box plus padDistance",
          "[reference][pyradiomics][shape]") {
    const std::string reseg = "  resegmentRange: [-100, 300]\n";
    const auto whole_tail = lesion(kHi + 15);           // tail to x = 36
    const auto cut_tail = lesion(kHi + 5);              // tail to x = 26: the cube's box (x <= 21) + padDistance 5
    const auto with = features(whole_tail, reseg), cut = features(cut_tail, reseg);
    REQUIRE(with.size() == cut.size());
    int shape = 0, other = 0;
    for (const auto& [name, value] : with) {
        INFO(name);
        REQUIRE(cut.count(name));
        CHECK(value == cut.at(name));  // shape: the cropping rule; the others: the same re-segmented ROI
        (is_shape(name) ? shape : other)++;
    }
    CHECK(shape >= 14);
    CHECK(other > 50);
    // PyRadiomics' VoxelVolume: the cube plus the 5 tail voxels (x 22..26) of each of the 2 rows kept
    const double voxel = 0.8 * 0.8 * 1.5;
    CHECK(with.at("shape_VoxelVolume") == Approx((1000.0 + 10.0) * voxel).epsilon(1e-12));

    // The tail is part of the shape when nothing crops it: no re-segmentation, or resegmentShape
    // (shape on the re-segmented mask, the tail removed entirely).
    const auto plain = features(whole_tail, "");
    CHECK(plain.at("shape_VoxelVolume") == Approx((1000.0 + 30.0) * voxel).epsilon(1e-12));
    const auto reseg_shape = features(whole_tail, reseg + "  resegmentShape: true\n");
    CHECK(reseg_shape.at("shape_VoxelVolume") == Approx(1000.0 * voxel).epsilon(1e-12));
}
