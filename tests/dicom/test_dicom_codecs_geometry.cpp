// Compressed transfer syntaxes (made with DCMTK's dcmcjpeg / dcmcrle / dcmcjpls from copies of the
// phantom) decode to the same voxels; an undecodable syntax fails with a clear error. Gantry tilt
// and mixed orientations are detected on edited copies (dcmodify).
#include <catch2/catch.hpp>

#include <cmath>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;
namespace fs = std::filesystem;
using dicomtest::phantom;

namespace {

// Writes every phantom slice through `tool` (e.g. "dcmcrle") into dir/<tool>/.
fs::path compressed_copy(const ScratchDir& dir, const std::string& tool, const std::string& options) {
    return dicomtest::converted_slices(dir.path, tool, tool + " " + options, dicomtest::kPhantom + "/dicom/image");
}

}  // namespace

TEST_CASE("lossless compressed series decode to the same voxels", "[dicom][codec]") {
    ScratchDir dir("codec");
    struct Case {
        std::string tool, options, syntax;
    };
    for (const Case& c : {Case{"dcmcrle", "", "RLE Lossless"}, Case{"dcmcjpeg", "+e1", "JPEG Lossless, Non-hierarchical, First-Order Prediction"},
                          Case{"dcmcjpls", "", "JPEG-LS Lossless"}}) {
        INFO(c.tool);
        const fs::path folder = compressed_copy(dir, c.tool, c.options);
        const auto ct = io::read_dicom_folder(folder.string());
        CHECK(ct.metadata.transfer_syntax.find(c.syntax.substr(0, 8)) != std::string::npos);
        CHECK(ct.image.data == phantom().image.data);
        CHECK(same_grid(ct.image.geometry, phantom().image.geometry, 0));
    }
}

TEST_CASE("an undecodable transfer syntax fails clearly (JPEG 2000 UID on JPEG data)", "[dicom][codec]") {
    ScratchDir dir("j2k");
    const fs::path folder = compressed_copy(dir, "dcmcjpeg", "+e1");
    // same-length UIDs: JPEG Lossless SV1 (.4.70) -> JPEG 2000 Lossless (.4.90) in the meta header
    const fs::path victim = folder / dicomtest::slice_name(7);
    std::string bytes = dicomtest::read_all(victim.string());
    const auto pos = bytes.find("1.2.840.10008.1.2.4.70");
    REQUIRE(pos != std::string::npos);
    bytes.replace(pos, 22, "1.2.840.10008.1.2.4.90");
    std::ofstream(victim, std::ios::binary) << bytes;
    try {
        io::read_dicom_folder(folder.string());
        FAIL("expected an error");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(e.kind() == ErrorKind::io);
        CHECK(std::string(e.what()).find(dicomtest::slice_name(7)) != std::string::npos);
        CHECK(std::string(e.what()).find("JPEG 2000") != std::string::npos);
        CHECK(std::string(e.what()).find("cannot be decoded") != std::string::npos);
    }
    // QC records it as a pixel-data failure and goes on
    const auto qc = io::qc_folder(folder.string(), Settings{});
    REQUIRE(qc.size() == 1);
    CHECK_FALSE(qc[0].passed());
}

TEST_CASE("gantry tilt: detected, refused by default, read on a sheared grid when allowed", "[dicom][geometry]") {
    ScratchDir dir("tilt");
    dicomtest::copy_phantom_series(dir.path);
    const double tilt_deg = 10.0;
    const double z0 = phantom().image.geometry.origin[2];
    std::string cmds;
    for (const auto& e : fs::directory_iterator(dir.path)) {
        io::DicomSeries one;
        one.files = {e.path().string()};
        const Vec3 p = io::inspect_dicom_series(one).image.geometry.origin;
        // positions move in y as z advances: slices stay axial, the stack is sheared
        char buf[512];
        std::snprintf(buf, sizeof buf, "dcmodify -nb -m \"(0020,0032)=%.6f\\\\%.6f\\\\%.6f\" %s;", p[0],
                      p[1] + std::tan(tilt_deg * M_PI / 180) * (p[2] - z0), p[2], e.path().c_str());
        cmds += buf;
    }
    REQUIRE(dicomtest::run(cmds) == 0);
    try {
        io::read_dicom_folder(dir.str());
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("gantry tilt") != std::string::npos);
    }
    io::DicomReadOptions allow;
    allow.allow_gantry_tilt = true;
    const auto ct = io::read_dicom_folder(dir.str(), {}, allow);
    CHECK(std::abs(ct.report.gantry_tilt_deg - tilt_deg) < 1e-3);
    CHECK(ct.image.data == phantom().image.data);  // same slices, same order
    // the sheared grid puts slice k where its ImagePositionPatient says (last slice checked)
    const auto& g = ct.image.geometry;
    const Vec3 last = g.index_to_point({0, 0, double(g.size[2] - 1)});
    const Vec3 first = phantom().image.geometry.origin;
    const double dz = last[2] - first[2];
    CHECK(std::abs(dz - 3.0 * double(g.size[2] - 1)) < 1e-3);
    CHECK(std::abs(last[1] - (first[1] + std::tan(tilt_deg * M_PI / 180) * dz)) < 1e-3);
    const auto found = io::discover_dicom(dir.str());
    CHECK(io::qc_series(found.image_series[0], Settings{}, "", false).checks.size() > 0);
    bool tilt_flagged = false;
    for (const auto& c : io::qc_series(found.image_series[0], Settings{}, "", false).checks)
        tilt_flagged = tilt_flagged || (c.check == "gantry_tilt" && c.status == "fail");
    CHECK(tilt_flagged);
}

TEST_CASE("mixed orientations in one series: clear error", "[dicom][geometry]") {
    ScratchDir dir("orient");
    dicomtest::copy_phantom_series(dir.path);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0020,0037)=0.9998477\\\\0.0174524\\\\0\\\\-0.0174524\\\\0.9998477\\\\0\" " +
                           (dir.path / dicomtest::slice_name(12)).string()) == 0);
    try {
        io::read_dicom_folder(dir.str());
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::invalid_input);
        CHECK(std::string(e.what()).find("mixed orientations") != std::string::npos);
    }
    const auto qc = io::qc_folder(dir.str(), Settings{});
    REQUIRE(qc.size() == 1);
    CHECK_FALSE(qc[0].readable);
    CHECK(qc[0].error.find("mixed orientations") != std::string::npos);
}

TEST_CASE("RTSTRUCT of another frame of reference is refused by load()", "[dicom][rtstruct]") {
    ScratchDir dir("for");
    const fs::path rs = dir.path / "rs.dcm";
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", rs);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(3006,0010)[0].(0020,0052)=1.2.826.0.1.3680043.8.498.99\" " + rs.string()) == 0);
    Settings s;
    s.dicom.roi = "GTV-1";
    try {
        pipeline::load(dicomtest::kPhantom + "/dicom/image", rs.string(), s);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::geometry_mismatch);
        CHECK(std::string(e.what()).find("frame of reference") != std::string::npos);
    }
}

TEST_CASE("signed pixel data: two's complement in BitsStored bits (12-bit sign extension)", "[dicom][codec]") {
    ScratchDir dir("signed");
    dicomtest::copy_phantom_series(dir.path);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,0103)=1\" " + dir.str() + "/*.dcm") == 0);
    const auto ct = io::read_dicom_folder(dir.str());
    const auto& ref = phantom().image.data;  // unsigned reading: stored = HU + 1000
    std::size_t negative = 0;
    for (std::size_t i = 0; i < ref.size(); ++i) {
        const double stored = ref[i] + 1000;
        const double as_signed = stored >= 2048 ? stored - 4096 : stored;  // bit 11 is the sign bit
        negative += stored >= 2048;
        REQUIRE(ct.image.data[i] == as_signed - 1000);
    }
    CHECK(negative > 0);  // the case is exercised (bone and contrast exceed 1048 HU)
    // int16 still holds [-2048 - 1000, 2047 - 1000]
    CHECK(ct.pixel_type.integer);
    CHECK(ct.pixel_type.min == -32768);
}
