// DICOM semantics checked, not defaulted (issue 13): each inconsistent header is an Error naming the
// file and the tag, never a silently shifted or shrunken result. Edits with DCMTK's dcmodify.
#include <catch2/catch.hpp>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;
namespace fs = std::filesystem;
using dicomtest::phantom;

namespace {

// The message of the Error `f` throws; fails the test when it throws nothing or another kind.
template <class F>
std::string error_of(F&& f, ErrorKind kind = ErrorKind::invalid_input) {
    try {
        f();
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.kind() == kind);
        return e.what();
    }
    FAIL("expected an error");
    return {};
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The phantom series with `edit` (dcmodify options) applied to slice 17 only.
fs::path edited_series(const ScratchDir& dir, const std::string& edit) {
    const fs::path folder = dir.path / "ct";
    dicomtest::copy_phantom_series(folder);
    REQUIRE(dicomtest::run("dcmodify -nb " + edit + " " + (folder / dicomtest::slice_name(17)).string()) == 0);
    return folder;
}

std::string phantom_seg(const ScratchDir& dir) {
    Mask ref = io::read_label_mask(dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", 1);
    ref.geometry = phantom().image.geometry;
    const std::string seg = (dir.path / "seg.dcm").string();
    io::write_seg(ref, "GTV-1", dicomtest::kPhantom + "/dicom/image/" + dicomtest::slice_name(0), seg);
    return seg;
}

}  // namespace

TEST_CASE("semantics: a CT slice without RescaleIntercept is refused unless allowed", "[dicom][semantics]") {
    ScratchDir dir("nointercept");
    const auto folder = edited_series(dir, "-e \"(0028,1052)\"");
    const auto msg = error_of([&] { io::read_dicom_folder(folder.string()); });
    CHECK(has(msg, dicomtest::slice_name(17)));
    CHECK(has(msg, "RescaleIntercept (0028,1052)"));
    io::DicomReadOptions allow;
    allow.allow_missing_rescale = true;
    const auto ct = io::read_dicom_folder(folder.string(), {}, allow);  // stored values on that slice (HU + 1000)
    CHECK(ct.report.missing_rescale);
}

TEST_CASE("semantics: a non-numeric RescaleSlope is refused", "[dicom][semantics]") {
    ScratchDir dir("textslope");
    const auto folder = edited_series(dir, "-m \"(0028,1053)=abc\"");
    const auto msg = error_of([&] { io::read_dicom_folder(folder.string()); });
    CHECK(has(msg, dicomtest::slice_name(17)));
    CHECK(has(msg, "RescaleSlope (0028,1053)"));
}

TEST_CASE("semantics: a zero RescaleSlope is refused, even when missing tags are allowed", "[dicom][semantics]") {
    ScratchDir dir("zeroslope");
    const auto folder = edited_series(dir, "-m \"(0028,1053)=0\"");
    io::DicomReadOptions allow;
    allow.allow_missing_rescale = true;
    const auto msg = error_of([&] { io::read_dicom_folder(folder.string(), {}, allow); });
    CHECK(has(msg, dicomtest::slice_name(17)));
    CHECK(has(msg, "RescaleSlope (0028,1053) is 0"));
}

TEST_CASE("semantics: a NaN in one slice's ImageOrientationPatient is refused", "[dicom][semantics]") {
    ScratchDir dir("naniop");
    const auto folder = edited_series(dir, "-m \"(0020,0037)=1\\\\0\\\\0\\\\0\\\\nan\\\\0\"");
    const auto msg = error_of([&] { io::read_dicom_folder(folder.string()); });
    CHECK(has(msg, dicomtest::slice_name(17)));
    CHECK(has(msg, "ImageOrientationPatient (0020,0037)"));
}

TEST_CASE("semantics: an infinite ImagePositionPatient is refused", "[dicom][semantics]") {
    ScratchDir dir("infipp");
    const auto folder = edited_series(dir, "-m \"(0020,0032)=-174.3945\\\\inf\\\\76.6\"");
    const auto msg = error_of([&] { io::read_dicom_folder(folder.string()); });
    CHECK(has(msg, dicomtest::slice_name(17)));
    CHECK(has(msg, "ImagePositionPatient (0020,0032)"));
}

TEST_CASE("semantics: Rows x Columns disagreeing with the PixelData length is refused before allocating", "[dicom][semantics]") {
    ScratchDir dir("rows");
    // 65535 x 65535 x 60 doubles would be 2 TB: the check must come before the volume exists
    const auto folder = dir.path / "ct";
    dicomtest::copy_phantom_series(folder);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,0010)=65535\" -m \"(0028,0011)=65535\" " + folder.string() + "/*.dcm") == 0);
    const auto msg = error_of([&] { io::read_dicom_folder(folder.string()); });
    CHECK(has(msg, "PixelData (7FE0,0010)"));
    CHECK(has(msg, "Rows (0028,0010) 65535"));
    CHECK(has(msg, dicomtest::slice_name(0)));
    // one slice claiming one row less: refused too (no shifted rows)
    ScratchDir dir2("rows1");
    const auto one = edited_series(dir2, "-m \"(0028,0010)=200\"");
    const auto msg1 = error_of([&] { io::read_dicom_folder(one.string()); });
    CHECK(has(msg1, dicomtest::slice_name(17)));
    CHECK(has(msg1, "PixelData (7FE0,0010)"));
}

TEST_CASE("semantics: a SEG whose NumberOfFrames disagrees with its frames is refused", "[dicom][semantics][seg]") {
    ScratchDir dir("segframes");
    const std::string seg = phantom_seg(dir);
    REQUIRE(io::ParsedSeg(seg).info().segments.size() == 1);
    // NumberOfFrames one smaller than the frames stored
    std::string dump = (dir.path / "dump.txt").string();
    REQUIRE(dicomtest::run("dcmdump +P 0028,0008 " + seg, dump) == 0);
    const std::string text = dicomtest::read_all(dump);
    const auto open = text.find('[');
    const int n = std::stoi(text.substr(open + 1));
    REQUIRE(n > 1);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,0008)=" + std::to_string(n - 1) + "\" " + seg) == 0);
    const auto msg = error_of([&] { io::read_seg_mask(seg, phantom().image.geometry, {}); });
    CHECK(has(msg, "seg.dcm"));
    CHECK(has(msg, "NumberOfFrames (0028,0008)"));
}

TEST_CASE("semantics: a SEG storing more frames than NumberOfFrames and its per-frame items say is refused", "[dicom][semantics][seg]") {
    ScratchDir dir("segpixels");
    const std::string seg = phantom_seg(dir);
    // the last frame's per-frame item removed and NumberOfFrames lowered to match: only the PixelData
    // length still shows the frame (reading it would silently lose a slice of the ROI)
    std::string dump = (dir.path / "dump.txt").string();
    REQUIRE(dicomtest::run("dcmdump +P 0028,0008 " + seg, dump) == 0);
    const std::string text = dicomtest::read_all(dump);
    const int n = std::stoi(text.substr(text.find('[') + 1));
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,0008)=" + std::to_string(n - 1) + "\" -e \"(5200,9230)[" + std::to_string(n - 1) +
                           "]\" " + seg) == 0);
    const auto msg = error_of([&] { io::read_seg_mask(seg, phantom().image.geometry, {}); });
    CHECK(has(msg, "PixelData (7FE0,0010)"));
    CHECK(has(msg, "NumberOfFrames (0028,0008)"));
}

TEST_CASE("semantics: a SEG frame without ReferencedSegmentNumber is refused", "[dicom][semantics][seg]") {
    ScratchDir dir("segref");
    const std::string seg = phantom_seg(dir);
    REQUIRE(dicomtest::run("dcmodify -nb -e \"(5200,9230)[3].(0062,000a)[0].(0062,000b)\" " + seg) == 0);
    const auto msg = error_of([&] { io::read_seg_mask(seg, phantom().image.geometry, {}); });
    CHECK(has(msg, "seg.dcm: frame 4"));
    CHECK(has(msg, "ReferencedSegmentNumber (0062,000B)"));
}

TEST_CASE("semantics: a SEG in another frame of reference than the image is refused", "[dicom][semantics][seg]") {
    ScratchDir dir("segfor");
    const std::string seg = phantom_seg(dir);
    Settings s;
    // same frame of reference: read
    CHECK(io::read_mask_input(seg, phantom().image.geometry, 1, s.dicom, phantom().frame_of_reference_uid).data.size() > 0);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0020,0052)=1.2.826.0.1.3680043.8.498.55\" " + seg) == 0);
    const auto msg = error_of([&] { io::read_mask_input(seg, phantom().image.geometry, 1, s.dicom, phantom().frame_of_reference_uid); },
                              ErrorKind::geometry_mismatch);
    CHECK(has(msg, "seg.dcm"));
    CHECK(has(msg, "FrameOfReferenceUID (0020,0052)"));
}
