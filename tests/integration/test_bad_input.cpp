// Bad input gives an error naming the input and the reason: never a crash, never a NaN feature.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "radhpc/core/error.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("radhpc_bad_" + std::to_string(std::rand()) + std::to_string(::getpid()));
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
    std::string operator/(const std::string& f) const { return (path / f).string(); }
};

// A 12^3 image at 1 mm with a 4^3 cube ROI and intensities 0..99.
std::pair<Image, Mask> small_case() {
    Geometry g;
    g.size = {12, 12, 12};
    Image img(g);
    Mask m(g);
    for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = double((i * 37) % 100);
    for (std::size_t z = 4; z < 8; ++z)
        for (std::size_t y = 4; y < 8; ++y)
            for (std::size_t x = 4; x < 8; ++x) m.at(x, y, z) = 1;
    return {img, m};
}

Settings ibsi_settings() {
    return io::parse_job_text("profile: ibsi\npreprocess:\n  discretisation: {method: fixed_bin_size, bin_width: 10}\n").settings;
}

pipeline::LesionInput input_of(const Image& img, const Mask& m) {
    pipeline::LesionInput in;
    in.image = img;
    in.mask = m;
    in.image_path = "img.nii.gz";
    in.mask_path = "mask.nii.gz";
    return in;
}

template <class F>
void require_error(F&& f, ErrorKind kind, const std::string& must_contain) {
    try {
        f();
        FAIL("no error raised");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.kind() == kind);
        CHECK(std::string(e.what()).find(must_contain) != std::string::npos);
    }
}

}  // namespace

TEST_CASE("a good small case extracts finite features (control for the cases below)", "[bad-input]") {
    auto [img, m] = small_case();
    const auto r = pipeline::extract(input_of(img, m), ibsi_settings());
    CHECK(r.features.size() > 100);
    for (const auto& f : r.features) {
        INFO(f.name);
        CHECK(std::isfinite(f.value));
    }
}

TEST_CASE("missing, unreadable and truncated files name the file", "[bad-input]") {
    TempDir d;
    require_error([&] { io::read_image(d / "nope.nii.gz"); }, ErrorKind::io, "nope.nii.gz");
    std::ofstream(d / "junk.nrrd") << "this is not an image\n";
    require_error([&] { io::read_image(d / "junk.nrrd"); }, ErrorKind::io, "junk.nrrd");
    auto [img, m] = small_case();
    io::write_image(img, d / "full.nii");
    const auto size = fs::file_size(d / "full.nii");
    fs::copy_file(d / "full.nii", d / "cut.nii");
    fs::resize_file(d / "cut.nii", size / 2);
    require_error([&] { io::read_image(d / "cut.nii"); }, ErrorKind::io, "cut.nii");
}

TEST_CASE("image/mask geometry mismatch is an error unless correct_mask is set", "[bad-input]") {
    auto [img, m] = small_case();
    Mask shifted = m;
    shifted.geometry.origin[0] += 0.5;  // half a voxel
    require_error([&] { pipeline::extract(input_of(img, shifted), ibsi_settings()); }, ErrorKind::geometry_mismatch,
                  "mask grid does not match");
    Settings s = ibsi_settings();
    s.correct_mask = true;
    CHECK_NOTHROW(pipeline::extract(input_of(img, shifted), s));
}

TEST_CASE("an ROI emptied by re-segmentation is an error", "[bad-input]") {
    auto [img, m] = small_case();
    Settings s = ibsi_settings();
    s.resegment.range_min = 1000;
    require_error([&] { pipeline::extract(input_of(img, m), s); }, ErrorKind::empty_roi, "empty after re-segmentation");
    Mask empty(m.geometry);
    require_error([&] { pipeline::extract(input_of(img, empty), s); }, ErrorKind::empty_roi, "mask is empty");
}

TEST_CASE("a one-voxel ROI is an error, not NaN features", "[bad-input]") {
    auto [img, m] = small_case();
    Mask one(m.geometry);
    one.at(5, 5, 5) = 1;
    require_error([&] { pipeline::extract(input_of(img, one), ibsi_settings()); }, ErrorKind::roi_too_small, "single voxel");
}

TEST_CASE("NaN intensities in the ROI are an error naming the input", "[bad-input]") {
    auto [img, m] = small_case();
    img.at(5, 5, 5) = std::nan("");
    require_error([&] { pipeline::extract(input_of(img, m), ibsi_settings()); }, ErrorKind::invalid_input, "img.nii.gz");
    TempDir d;
    io::write_image(img, d / "nan.nii.gz", true);
    io::write_labels(m, d / "mask.nii.gz");
    require_error([&] { pipeline::extract_files(d / "nan.nii.gz", d / "mask.nii.gz", ibsi_settings()); }, ErrorKind::invalid_input,
                  "NaN");
}

TEST_CASE("job files are validated with messages naming the key", "[bad-input][settings]") {
    auto errors = io::validate_job_text("profile: ibsi\npreprocess:\n  resample: {spacing: [1, 1]}\n  discretisation: {method: fixed_bin_size, bin_wdith: 25}\n");
    REQUIRE(errors.size() == 2);
    CHECK(errors[0] == "preprocess.resample.spacing: expected at least 3 items, got 2");
    CHECK(errors[1] == "preprocess.discretisation.bin_wdith: unknown key");
    CHECK(io::validate_job_text("profile: ibis\n").at(0) == "profile: 'ibis' is not one of: ibsi, pyradiomics");
    require_error([&] { io::parse_job_text("features: {families: [glcm, foo]}\n"); }, ErrorKind::settings, "features.families[1]");
}

TEST_CASE("PyRadiomics parameter files: unsupported image types and settings name the key", "[bad-input][settings]") {
    TempDir d;
    std::ofstream(d / "a.yaml") << "imageType: {Original: {}, LBP3D: {}}\n";
    require_error([&] { io::read_pyradiomics_params(d / "a.yaml"); }, ErrorKind::settings, "imageType.LBP3D");
    std::ofstream(d / "b.yaml") << "imageType: {Laws: {}}\n";
    require_error([&] { io::read_pyradiomics_params(d / "b.yaml"); }, ErrorKind::settings, "imageType.Laws");
    std::ofstream(d / "c.yaml") << "imageType: {LoG: {sigma: [1], binWidth: 5}}\n";  // per-type override of a non-filter setting
    require_error([&] { io::read_pyradiomics_params(d / "c.yaml"); }, ErrorKind::settings, "imageType.LoG.binWidth");
    std::ofstream(d / "e.yaml") << "imageType: {LBP2D: {lbp2DMethod: fancy}}\n";
    require_error([&] { io::read_pyradiomics_params(d / "e.yaml"); }, ErrorKind::settings, "imageType.LBP2D.lbp2DMethod");
    std::ofstream(d / "f.yaml") << "setting: {binWidth: 25, sigmaa: [1, 2]}\n";
    require_error([&] { io::read_pyradiomics_params(d / "f.yaml"); }, ErrorKind::settings, "setting.sigmaa");
    // an image type's parameter in `setting` applies to that type (PyRadiomics' merge order)
    std::ofstream(d / "g.yaml") << "imageType: {LoG: {}}\nsetting: {binWidth: 25, sigma: [1, 2]}\n";
    CHECK(io::read_pyradiomics_params(d / "g.yaml").settings.filters.size() == 2);
    // PyRadiomics' own example runs unchanged: Original, LoG 1-5 mm, the wavelets
    const auto ct = io::read_pyradiomics_params(std::string(RADHPC_SHARED_DATA) + "/pyradiomics/params/exampleCT.yaml");
    CHECK(ct.settings.features.original);
    CHECK(ct.settings.filters.size() >= 2);
}
