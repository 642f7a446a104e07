// Image and mask reading through ITK: pixel types, geometry, rejection of unsupported images,
// truncated files.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "radhpc/core/error.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;
namespace fs = std::filesystem;

namespace {
fs::path temp_dir() {
    auto p = fs::temp_directory_path() / ("radhpc_io_" + std::to_string(::getpid()));
    fs::create_directories(p);
    return p;
}
Image ramp() {
    Geometry g;
    g.size = {7, 5, 3};
    g.spacing = {0.7, 0.8, 2.5};
    g.origin = {-10, 20.5, 3};
    Image img(g);
    for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = double(i) - 50;
    return img;
}
}  // namespace

TEST_CASE("NIfTI and NRRD round trips keep geometry and values - pixel type is reported", "[io]") {
    const auto dir = temp_dir();
    const Image img = ramp();
    for (const char* name : {"a.nii", "a.nii.gz", "a.nrrd"}) {
        const auto path = (dir / name).string();
        io::write_image(img, path);
        PixelType pt;
        const Image back = io::read_image(path, &pt);
        INFO(name);
        CHECK_FALSE(pt.integer);
        CHECK(back.geometry.size == img.geometry.size);
        for (int a = 0; a < 3; ++a) {
            CHECK(back.geometry.spacing[a] == Approx(img.geometry.spacing[a]).epsilon(1e-6));
            CHECK(back.geometry.origin[a] == Approx(img.geometry.origin[a]).epsilon(1e-6));
        }
        CHECK(back.data == img.data);
    }
    Volume<std::int16_t> s(img.geometry);
    for (std::size_t i = 0; i < s.data.size(); ++i) s.data[i] = std::int16_t(i) - 50;
    io::write_image(s, (dir / "s.nii.gz").string());
    PixelType pt;
    const Image back = io::read_image((dir / "s.nii.gz").string(), &pt);
    CHECK(pt.integer);
    CHECK(pt.min == -32768);
    CHECK(pt.max == 32767);
    CHECK(back.data == img.data);
    fs::remove_all(dir);
}

TEST_CASE("label masks select one label - an absent label is an error naming the file", "[io]") {
    const auto dir = temp_dir();
    Mask labels(ramp().geometry);
    labels.at(1, 1, 1) = 2;
    labels.at(2, 1, 1) = 2;
    labels.at(3, 3, 2) = 1;
    io::write_labels(labels, (dir / "l.nii.gz").string());
    const Mask two = io::read_label_mask((dir / "l.nii.gz").string(), 2);
    CHECK(std::count(two.data.begin(), two.data.end(), 1) == 2);
    CHECK_THROWS_WITH(io::read_label_mask((dir / "l.nii.gz").string(), 7), Catch::Contains("l.nii.gz") && Catch::Contains("label 7"));
    fs::remove_all(dir);
}

TEST_CASE("truncated and corrupt files are errors naming the file", "[io]") {
    const auto dir = temp_dir();
    io::write_image(ramp(), (dir / "full.nii").string());
    io::write_image(ramp(), (dir / "full.nii.gz").string());
    io::write_image(ramp(), (dir / "full.nrrd").string());
    for (const char* name : {"full.nii", "full.nii.gz", "full.nrrd"}) {
        const auto cut = dir / (std::string("cut_") + name);
        fs::copy_file(dir / name, cut);
        fs::resize_file(cut, fs::file_size(cut) * 2 / 3);
        INFO(name);
        try {
            io::read_image(cut.string());
            FAIL("truncated file read without error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::io);
            CHECK(std::string(e.what()).find(cut.filename().string()) != std::string::npos);
        }
    }
    fs::remove_all(dir);
}

TEST_CASE("vector images are rejected with a clear error", "[io]") {
    const auto dir = temp_dir();
    // a 2x2x1 RGB NRRD written by hand
    std::ofstream(dir / "rgb.nrrd", std::ios::binary) << "NRRD0004\ntype: uchar\ndimension: 4\nspace: left-posterior-superior\nsizes: 3 2 2 1\n"
                                                          "kinds: RGB-color domain domain domain\nspace directions: none (1,0,0) (0,1,0) (0,0,1)\nencoding: raw\n\n"
                                                      << std::string(12, '\x10');
    CHECK_THROWS_WITH(io::read_image((dir / "rgb.nrrd").string()), Catch::Contains("rgb.nrrd") && Catch::Contains("scalar"));
    fs::remove_all(dir);
}

TEST_CASE("NaN intensities survive a float32 round trip (so the pipeline can report them)", "[io]") {
    const auto dir = temp_dir();
    Image img = ramp();
    img.at(3, 2, 1) = std::nan("");
    for (const char* name : {"nan.nii.gz", "nan.nii", "nan.nrrd"}) {
        io::write_image(img, (dir / name).string(), true);
        const Image back = io::read_image((dir / name).string());
        INFO(name << ": read back " << back.at(3, 2, 1));
        CHECK(std::isnan(back.at(3, 2, 1)));
    }
    fs::remove_all(dir);
}

TEST_CASE("a zero voxel spacing in a NIfTI header is an error (ITK would read it as 1 mm)", "[io]") {
    const auto dir = temp_dir();
    const auto path = (dir / "zero.nii").string();
    io::write_image(ramp(), path);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        const float zero = 0.0f;
        f.seekp(76 + 4 * 2);  // pixdim[2], the y spacing
        f.write(reinterpret_cast<const char*>(&zero), 4);
    }
    CHECK_THROWS_WITH(io::read_image(path), Catch::Contains("zero.nii") && Catch::Contains("pixdim[2]"));
    fs::remove_all(dir);
}

TEST_CASE("a float32 file of whole numbers is held as int16 with the same values, while -0.0, fractions and NaN keep doubles",
          "[io]") {
    const auto dir = temp_dir();
    Image img = ramp();  // -50 .. 54, whole numbers
    img.data[3] = -32768, img.data[4] = 32767;
    const auto path = (dir / "whole.nii.gz").string();
    io::write_image(img, path, true);
    PixelType pt;
    const SourceImage s = io::read_image_source(path, &pt);
    CHECK(pt.float32);  // still a float32 image for the PyRadiomics profile's casts
    CHECK(!pt.integer);
    REQUIRE(s.i16);
    CHECK(!s.f64);
    const Image back = to_double(*s.i16);
    REQUIRE(back.data.size() == img.data.size());
    for (std::size_t i = 0; i < img.data.size(); ++i) CHECK(std::memcmp(&back.data[i], &img.data[i], sizeof(double)) == 0);
    // anything an int16 would not give back bit for bit stays double
    for (const double odd : {-0.0, 0.5, 32768.0, -32769.0, std::nan("")}) {
        Image other = ramp();
        other.data[11] = odd;
        const auto p = (dir / "odd.nii").string();
        io::write_image(other, p, true);
        const SourceImage o = io::read_image_source(p);
        INFO(odd);
        CHECK(!o.i16);
        REQUIRE(o.f64);
        CHECK(std::memcmp(&o.f64->data[11], &other.data[11], sizeof(double)) == 0);
    }
}
