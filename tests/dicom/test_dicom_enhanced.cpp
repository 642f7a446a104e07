// Multi-frame (Enhanced CT) objects: the phantom's 60 slices packed into one Enhanced CT file by
// make_enhanced_ct.sh (dcmdump/dcmodify; frames in file-name order, which is not position order)
// read back as the same volume, also after RLE compression of the multi-frame object.
#include <catch2/catch.hpp>

#include "dicom_test_util.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;

TEST_CASE("Enhanced CT (multi-frame) reads as the single-frame series", "[dicom][enhanced]") {
    ScratchDir dir("enhanced");
    const std::string file = (dir.path / "enhanced.dcm").string();
    REQUIRE(dicomtest::run("bash " + dicomtest::kSource + "/tests/dicom/make_enhanced_ct.sh " + dicomtest::kPhantom + "/dicom/image " +
                           file) == 0);
    const auto ref = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 1);
    CHECK(found.image_series[0].files.size() == 1);
    const auto ct = io::read_dicom_series(found.image_series[0]);
    CHECK(ct.image.data == ref.image.data);
    CHECK(same_grid(ct.image.geometry, ref.image.geometry, 1e-9));
    CHECK(ct.report.slices == 60);
    CHECK_FALSE(ct.report.missing_rescale);
    REQUIRE(ct.metadata.slice_thickness_mm.has_value());
    CHECK(*ct.metadata.slice_thickness_mm == 3.0);  // from the shared PixelMeasuresSequence

    // compressed multi-frame: decoded once, frames taken from the one pixel buffer
    const std::string rle = (dir.path / "rle" / "enhanced_rle.dcm").string();
    std::filesystem::create_directories(dir.path / "rle");
    REQUIRE(dicomtest::run("dcmcrle " + file + " " + rle) == 0);
    CHECK(io::read_dicom_folder((dir.path / "rle").string()).image.data == ref.image.data);
    // the file itself as --image
    CHECK(io::read_image_input(rle, DicomSettings{}).data == ref.image.data);
}
