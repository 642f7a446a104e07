// DICOM CT series -> Image against the IBSI CT phantom's NIfTI export of the same scan.
// The NIfTI holds float HU; IBSI says to round it to the nearest integer before processing
// (shared/data/README.md), after which the DICOM series (integer stored values, slope 1,
// intercept -1000) must agree voxel for voxel.
// Geometry tolerance: 1e-9 mm on origin and spacing, 1e-12 on direction cosines. The NIfTI header
// holds float32 numbers and the DICOM text values are those same float32 numbers printed with 14
// digits (-174.39450073242), so the two agree to the printing precision: measured max differences
// 8.9e-12 mm (origin), 1.3e-15 mm (spacing), 0 (direction), printed by the test.
#include <catch2/catch.hpp>

#include <cmath>
#include <iostream>
#include <thread>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;

TEST_CASE("phantom folder: one CT series, the RTSTRUCT is not an image", "[dicom][discovery]") {
    const auto found = io::discover_dicom(dicomtest::kPhantom + "/dicom");
    REQUIRE(found.image_series.size() == 1);
    CHECK(found.image_series[0].files.size() == 60);
    CHECK(found.image_series[0].modality == "CT");
    REQUIRE(found.non_image.size() == 1);
    CHECK(found.non_image[0].modality == "RTSTRUCT");
    CHECK(found.unreadable.empty());
}

TEST_CASE("phantom DICOM series equals the NIfTI image voxel for voxel after IBSI rounding", "[dicom][series]") {
    const auto ct = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    const Image nifti = io::read_image(dicomtest::kPhantom + "/nifti/image/phantom.nii.gz");
    const auto& g = ct.image.geometry;
    const auto& r = nifti.geometry;
    INFO("DICOM origin " << g.origin[0] << " " << g.origin[1] << " " << g.origin[2] << ", spacing " << g.spacing[0] << " "
                         << g.spacing[1] << " " << g.spacing[2]);
    INFO("NIfTI origin " << r.origin[0] << " " << r.origin[1] << " " << r.origin[2] << ", spacing " << r.spacing[0] << " "
                         << r.spacing[1] << " " << r.spacing[2]);
    REQUIRE(g.size == r.size);
    double d_origin = 0, d_spacing = 0, d_direction = 0;
    for (int a = 0; a < 3; ++a) {
        d_origin = std::max(d_origin, std::abs(g.origin[a] - r.origin[a]));
        d_spacing = std::max(d_spacing, std::abs(g.spacing[a] - r.spacing[a]));
    }
    for (int i = 0; i < 9; ++i) d_direction = std::max(d_direction, std::abs(g.direction[i] - r.direction[i]));
    std::cout << "DICOM vs NIfTI geometry: max |origin diff| " << d_origin << " mm, max |spacing diff| " << d_spacing
              << " mm, max |direction diff| " << d_direction << "\n";
    for (int a = 0; a < 3; ++a) {
        CHECK(std::abs(g.origin[a] - r.origin[a]) <= 1e-9);
        CHECK(std::abs(g.spacing[a] - r.spacing[a]) <= 1e-9);
    }
    for (int i = 0; i < 9; ++i) CHECK(std::abs(g.direction[i] - r.direction[i]) <= 1e-12);

    std::size_t differing = 0;
    double max_diff = 0;
    for (std::size_t i = 0; i < nifti.data.size(); ++i) {
        const double d = std::abs(ct.image.data[i] - std::round(nifti.data[i]));
        if (d != 0) ++differing;
        max_diff = std::max(max_diff, d);
    }
    INFO("max |DICOM - round(NIfTI)| = " << max_diff);
    CHECK(differing == 0);
    // every DICOM value is an integer HU already (slope 1, integer intercept)
    for (double v : ct.image.data) REQUIRE(v == std::round(v));

    CHECK(ct.report.slices == 60);
    CHECK(ct.report.duplicate_positions == 0);
    CHECK(ct.report.missing_slices == 0);
    CHECK_FALSE(ct.report.uneven_spacing);
    CHECK(ct.report.gantry_tilt_deg < 1e-6);
    CHECK_FALSE(ct.report.missing_rescale);
    // 12 bits stored, unsigned, intercept -1000 -> range [-1000, 3095]: int16, as GDCM would choose
    CHECK(ct.pixel_type.integer);
    CHECK(ct.pixel_type.min == -32768);
    CHECK(ct.pixel_type.max == 32767);
    CHECK(ct.slice_sop_instance_uids.size() == 60);
}

TEST_CASE("metadata harvest of the phantom", "[dicom][metadata]") {
    const auto found = io::discover_dicom(dicomtest::kPhantom + "/dicom/image");
    const auto ct = io::inspect_dicom_series(found.image_series.at(0));
    CHECK(ct.metadata.modality == "CT");
    CHECK(ct.metadata.manufacturer == "CMS, Inc.");
    CHECK(ct.metadata.model == "CERR");
    CHECK(ct.metadata.convolution_kernel.empty());  // the phantom has no kernel tag
    CHECK_FALSE(ct.metadata.kvp.has_value());      // and an empty KVP
    REQUIRE(ct.metadata.slice_thickness_mm.has_value());
    CHECK(*ct.metadata.slice_thickness_mm == 3.0);
    REQUIRE(ct.metadata.pixel_spacing_row_mm.has_value());
    CHECK(std::abs(*ct.metadata.pixel_spacing_row_mm - 0.977) < 1e-6);
    CHECK(ct.report.slices == 60);
    CHECK(std::abs(ct.report.spacing_median - 3.0) < 1e-3);
}

TEST_CASE("pseudonym is a salted SHA-256 (FIPS 180-4 test vectors)", "[dicom][phi]") {
    CHECK(radhpc::io::sha256_hex_for_tests("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(radhpc::io::sha256_hex_for_tests("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(radhpc::io::sha256_hex_for_tests("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(io::pseudonym("1.2.3").size() == 16);
    CHECK(io::pseudonym("1.2.3") != io::pseudonym("1.2.4"));
    // the salt (RADHPC_PSEUDONYM_SALT) changes every pseudonym; the default salt is "radhpc-default-salt-v1"
    CHECK(io::pseudonym("1.2.3") == radhpc::io::sha256_hex_for_tests("radhpc-default-salt-v1|1.2.3").substr(0, 16));
    ::setenv("RADHPC_PSEUDONYM_SALT", "site-secret", 1);
    CHECK(io::pseudonym("1.2.3") == radhpc::io::sha256_hex_for_tests("site-secret|1.2.3").substr(0, 16));
    ::unsetenv("RADHPC_PSEUDONYM_SALT");
}

TEST_CASE("a slice stored as a bare dataset (no preamble, no meta header) still belongs to the series", "[dicom][discovery]") {
    dicomtest::ScratchDir dir("bare");
    dicomtest::copy_phantom_series(dir.path);
    const auto f = dir.path / dicomtest::slice_name(3);
    REQUIRE(dicomtest::run("dcmconv -F " + f.string() + " " + (dir.path / "bare_slice").string()) == 0);
    std::filesystem::remove(f);
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 1);
    CHECK(found.image_series[0].files.size() == 60);
    CHECK(io::read_dicom_folder(dir.str()).image.data == io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image").image.data);
}

TEST_CASE("concurrent reads give identical volumes (DCMTK used from several threads)", "[dicom][series]") {
    const auto ref = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    std::vector<io::CtSeries> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] { got[std::size_t(t)] = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image"); });
    for (auto& th : threads) th.join();
    for (const auto& g : got) CHECK(g.image.data == ref.image.data);
}
