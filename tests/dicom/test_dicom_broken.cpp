// Broken series built from copies of the phantom's files: each gives the right QC flag or a clear
// error, and the rest of a batch still runs. DICOM edits use DCMTK's dcmodify (command line).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;
namespace fs = std::filesystem;

namespace {

const io::QcCheck* find_check(const io::StudyQc& q, const std::string& name) {
    for (const auto& c : q.checks)
        if (c.check == name) return &c;
    return nullptr;
}

std::string status_of(const io::StudyQc& q, const std::string& name) {
    const auto* c = find_check(q, name);
    return c ? c->status : "(no such check)";
}

// The error Error(kind) thrown by `f`, or "" when nothing was thrown.
template <class F>
std::string error_of(F&& f, ErrorKind expected_kind) {
    try {
        f();
    } catch (const Error& e) {
        CHECK(e.kind() == expected_kind);
        return e.what();
    }
    return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Removes the slice at the 30th position along z (file names follow instance numbers, not positions).
void remove_interior_slice(const fs::path& dir) {
    std::vector<std::pair<double, fs::path>> by_z;
    for (const auto& e : fs::directory_iterator(dir)) {
        io::DicomSeries one;
        one.files = {e.path().string()};
        by_z.push_back({io::inspect_dicom_series(one).image.geometry.origin[2], e.path()});
    }
    std::sort(by_z.begin(), by_z.end());
    fs::remove(by_z.at(30).second);
}

}  // namespace

TEST_CASE("broken: a slice removed -> missing-slice flag, reading refuses with the reason", "[dicom][broken]") {
    ScratchDir dir("missing");
    dicomtest::copy_phantom_series(dir.path);
    remove_interior_slice(dir.path);
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 1);
    const auto q = io::qc_series(found.image_series[0], Settings{});
    CHECK(q.report.missing_slices == 1);
    CHECK(status_of(q, "missing_slices") == "fail");
    CHECK(status_of(q, "even_slice_spacing") == "fail");
    CHECK_FALSE(q.passed());
    const auto msg = error_of([&] { io::read_dicom_folder(dir.str()); }, ErrorKind::invalid_input);
    INFO(msg);
    CHECK(contains(msg, "uneven slice spacing"));
    CHECK(contains(msg, "1 slices missing"));
}

TEST_CASE("broken: a slice duplicated -> duplicate flag / error - allowed: dropped, image unchanged", "[dicom][broken]") {
    ScratchDir dir("dup");
    dicomtest::copy_phantom_series(dir.path);
    fs::copy_file(dir.path / dicomtest::slice_name(17), dir.path / "zz_copy_of_17.dcm");
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 1);
    CHECK(found.image_series[0].files.size() == 61);
    const auto q = io::qc_series(found.image_series[0], Settings{});
    CHECK(q.report.duplicate_positions == 1);
    CHECK(status_of(q, "duplicate_slices") == "fail");
    const auto msg = error_of([&] { io::read_dicom_folder(dir.str()); }, ErrorKind::invalid_input);
    CHECK(contains(msg, "duplicated slice positions"));
    io::DicomReadOptions allow;
    allow.allow_duplicates = true;
    const auto ct = io::read_dicom_folder(dir.str(), {}, allow);
    const auto ref = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    CHECK(ct.image.data == ref.image.data);
}

TEST_CASE("broken: shuffled file order (names permuted) reads the same volume", "[dicom][broken]") {
    ScratchDir dir("shuffle");
    std::vector<int> perm(60);
    std::iota(perm.begin(), perm.end(), 0);
    std::mt19937 rng(7);
    std::shuffle(perm.begin(), perm.end(), rng);
    fs::create_directories(dir.path / "a" / "b");  // nested folders too
    for (int i = 0; i < 60; ++i)
        fs::copy_file(dicomtest::kPhantom + "/dicom/image/" + dicomtest::slice_name(i),
                      dir.path / (i % 2 ? "a" : "a/b") / ("x" + std::to_string(perm[i]) + ".dcm"));
    const auto ct = io::read_dicom_folder(dir.str());
    const auto ref = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    CHECK(ct.image.data == ref.image.data);
    CHECK(same_grid(ct.image.geometry, ref.image.geometry, 0));
}

TEST_CASE("broken: two series in one folder -> ambiguity error - a description rule picks one", "[dicom][broken]") {
    ScratchDir dir("two");
    dicomtest::copy_phantom_series(dir.path / "s1");
    dicomtest::copy_phantom_series(dir.path / "s2");
    REQUIRE(dicomtest::run("dcmodify -nb -i \"(0020,000e)=1.2.826.0.1.3680043.8.498.1\" -i \"(0008,103e)=LUNG 1.0 B70f\" " +
                           (dir.path / "s2").string() + "/*.dcm") == 0);
    REQUIRE(dicomtest::run("dcmodify -nb -i \"(0008,103e)=SOFT TISSUE 3.0 B30f\" " + (dir.path / "s1").string() + "/*.dcm") == 0);
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 2);
    const auto msg = error_of([&] { io::read_dicom_folder(dir.str()); }, ErrorKind::invalid_input);
    CHECK(contains(msg, "2 image series match"));
    io::SeriesSelection rules;
    rules.description_pattern = "SOFT";
    const auto ct = io::read_dicom_folder(dir.str(), rules);
    CHECK(ct.series_uid != "1.2.826.0.1.3680043.8.498.1");
    CHECK(ct.image.geometry.size[2] == 60);
    // through the job file's dicom keys and pipeline::load
    auto job = io::parse_job_text("version: 1\ndicom: {series_description: 'B70f$', roi: GTV-1}\n");
    const auto in = pipeline::load(dir.str(), dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", job.settings);
    CHECK(in.image_geometry().size[2] == 60);
}

TEST_CASE("broken: non-image and non-CT objects", "[dicom][broken]") {
    ScratchDir dir("nonct");
    dicomtest::copy_phantom_series(dir.path / "ct");
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", dir.path / "ct" / "rs.dcm");
    {
        std::ofstream junk(dir.path / "ct" / "README.txt");
        junk << "not dicom\n";
    }
    // the RTSTRUCT and a text file in the series folder are not part of the image series
    const auto found = io::discover_dicom((dir.path / "ct").string());
    REQUIRE(found.image_series.size() == 1);
    CHECK(found.image_series[0].files.size() == 60);
    CHECK(found.non_image.size() == 1);
    CHECK(found.unreadable.size() == 1);
    CHECK(io::read_dicom_folder((dir.path / "ct").string()).image.geometry.size[2] == 60);

    // an MR series: not selected by the default CT rule; QC flags the modality
    dicomtest::copy_phantom_series(dir.path / "mr");
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0008,0060)=MR\" " + (dir.path / "mr").string() + "/*.dcm") == 0);
    const auto msg = error_of([&] { io::read_dicom_folder((dir.path / "mr").string()); }, ErrorKind::invalid_input);
    CHECK(contains(msg, "no image series matches"));
    const auto mr = io::discover_dicom((dir.path / "mr").string());
    const auto q = io::qc_series(mr.image_series.at(0), Settings{});
    CHECK(status_of(q, "modality") == "fail");
    CHECK(find_check(q, "modality")->observed == "MR");

    // an RTSTRUCT given as the image, a CT slice given as the mask
    CHECK(contains(error_of([&] { io::read_dicom_folder(dicomtest::kPhantom + "/dicom/mask"); }, ErrorKind::invalid_input),
                   "no DICOM image objects"));
    CHECK(contains(error_of([&] {
                       pipeline::load(dicomtest::kPhantom + "/dicom/image",
                                      dicomtest::kPhantom + "/dicom/image/" + dicomtest::slice_name(3), Settings{});
                   },
                            ErrorKind::invalid_input),
                   "must be an RTSTRUCT or SEG"));
}

TEST_CASE("broken: missing rescale tags -> QC flag - refused unless allowed", "[dicom][broken]") {
    ScratchDir dir("rescale");
    dicomtest::copy_phantom_series(dir.path);
    REQUIRE(dicomtest::run("dcmodify -nb -e \"(0028,1052)\" -e \"(0028,1053)\" " + dir.str() + "/*.dcm") == 0);
    const auto found = io::discover_dicom(dir.str());
    const auto q = io::qc_series(found.image_series.at(0), Settings{});
    CHECK(q.report.missing_rescale);
    CHECK(status_of(q, "rescale_tags") == "fail");
    CHECK(find_check(q, "rescale_tags")->observed == "missing");
    // refused by default (the stored values are not HU), naming a slice and the tag
    const auto msg = error_of([&] { io::read_dicom_folder(dir.str()); }, ErrorKind::invalid_input);
    CHECK(contains(msg, "RescaleSlope/RescaleIntercept missing"));
    CHECK(contains(msg, "(0028,1052)"));
    CHECK(contains(msg, "DCM_IMG_"));
    // read anyway when allowed: stored values, i.e. the phantom's HU + 1000
    io::DicomReadOptions allow;
    allow.allow_missing_rescale = true;
    const auto ct = io::read_dicom_folder(dir.str(), {}, allow);
    const auto ref = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    CHECK(ct.image.data[12345] == ref.image.data[12345] + 1000);
    CHECK_FALSE(ct.report.warnings.empty());
}

TEST_CASE("broken: a contour outside the image -> clear error - clipped when allowed", "[dicom][broken]") {
    ScratchDir dir("contour");
    const auto ct = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    const fs::path rs = dir.path / "rs.dcm";
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", rs);
    // a square on the lowest slice reaching 100 mm beyond the image's left edge (x < -174.4 mm)
    const double z = ct.image.geometry.origin[2];
    char square[256];
    std::snprintf(square, sizeof square, "-280\\-60\\%.6f\\-150\\-60\\%.6f\\-150\\-20\\%.6f\\-280\\-20\\%.6f", z, z, z, z);
    REQUIRE(dicomtest::run(std::string("dcmodify -nb -i \"(3006,0039)[0].(3006,0040)[26].(3006,0042)=CLOSED_PLANAR\" -i "
                                       "\"(3006,0039)[0].(3006,0040)[26].(3006,0050)=") +
                           square + "\" " + rs.string()) == 0);
    io::RtStructOptions opt;
    opt.roi = "GTV-1";
    const auto msg = error_of([&] { io::read_rtstruct_mask(rs.string(), ct.image.geometry, opt); }, ErrorKind::invalid_input);
    INFO(msg);
    CHECK(contains(msg, "contour 27"));
    CHECK(contains(msg, "outside the image grid"));
    opt.allow_outside = true;
    io::RasterReport rep;
    const Mask m = io::read_rtstruct_mask(rs.string(), ct.image.geometry, opt, &rep);
    CHECK(rep.points_outside == 2);
    // clipped: on the lowest slice, voxel centres with x in [left edge, -150) and y in [-60, -20)
    const auto& g = ct.image.geometry;
    std::size_t expected = 0, got = 0;
    for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) {
            const auto p = g.index_to_point({double(i), double(j), 0});
            expected += p[0] < -150 && p[1] >= -60 && p[1] < -20;
            got += m.at(i, j, 0);
        }
    CHECK(expected > 0);
    CHECK(got == expected);
    // a contour beyond the last slice
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", dir.path / "rs2.dcm");
    REQUIRE(dicomtest::run("dcmodify -nb -i \"(3006,0039)[0].(3006,0040)[26].(3006,0042)=CLOSED_PLANAR\" -i "
                           "\"(3006,0039)[0].(3006,0040)[26].(3006,0050)=-60\\\\-60\\\\900\\\\-40\\\\-60\\\\900\\\\-40\\\\-40\\\\900\" " +
                           (dir.path / "rs2.dcm").string()) == 0);
    opt.allow_outside = false;
    CHECK(contains(error_of([&] { io::read_rtstruct_mask((dir.path / "rs2.dcm").string(), ct.image.geometry, opt); },
                            ErrorKind::invalid_input),
                   "beyond the first/last slice"));
}

TEST_CASE("RTSTRUCT even-odd rule: a contour inside another on the same slice is a hole", "[dicom][rtstruct]") {
    ScratchDir dir("hole");
    const auto ct = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    const fs::path rs = dir.path / "rs.dcm";
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", rs);
    const double z = ct.image.geometry.origin[2] + 3.0;  // slice 1, far from the GTV
    auto square = [&](double x0, double y0, double x1, double y1) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "%g\\%g\\%.6f\\%g\\%g\\%.6f\\%g\\%g\\%.6f\\%g\\%g\\%.6f", x0, y0, z, x1, y0, z, x1, y1, z, x0, y1, z);
        return std::string(buf);
    };
    const std::string item = "(3006,0039)[0].(3006,0040)";
    REQUIRE(dicomtest::run("dcmodify -nb -i \"" + item + "[26].(3006,0042)=CLOSED_PLANAR\" -i \"" + item + "[26].(3006,0050)=" +
                           square(-150, -60, -110, -20) + "\" -i \"" + item + "[27].(3006,0042)=CLOSED_PLANAR\" -i \"" + item +
                           "[27].(3006,0050)=" + square(-140, -50, -120, -30) + "\" " + rs.string()) == 0);
    io::RtStructOptions opt;
    opt.roi = "GTV-1";
    const Mask m = io::read_rtstruct_mask(rs.string(), ct.image.geometry, opt);
    const auto& g = ct.image.geometry;
    // expected from the documented rule, evaluated directly on voxel centres: inside the outer square
    // (left/bottom edges included, right/top excluded) and not inside the inner one
    auto in_box = [](const Vec3& p, double x0, double y0, double x1, double y1) {
        return p[0] >= x0 && p[0] < x1 && p[1] >= y0 && p[1] < y1;
    };
    std::size_t expected = 0, got = 0, mismatched = 0;
    for (std::size_t j = 0; j < g.size[1]; ++j)
        for (std::size_t i = 0; i < g.size[0]; ++i) {
            const auto p = g.index_to_point({double(i), double(j), 1});
            const bool want = in_box(p, -150, -60, -110, -20) && !in_box(p, -140, -50, -120, -30);
            expected += want;
            got += m.at(i, j, 1);
            mismatched += want != bool(m.at(i, j, 1));
        }
    CHECK(expected > 500);
    CHECK(got == expected);
    CHECK(mismatched == 0);
}

TEST_CASE("broken: a truncated file -> clear io error naming the file - QC flags it", "[dicom][broken]") {
    ScratchDir dir("trunc");
    dicomtest::copy_phantom_series(dir.path);
    const fs::path victim = dir.path / dicomtest::slice_name(20);
    fs::resize_file(victim, fs::file_size(victim) / 2);
    const auto msg = error_of([&] { io::read_dicom_folder(dir.str()); }, ErrorKind::io);
    INFO(msg);
    CHECK(contains(msg, dicomtest::slice_name(20)));
    const auto studies = io::qc_folder(dir.str(), Settings{});
    REQUIRE(studies.size() >= 1);
    bool flagged = false;
    for (const auto& s : studies) {
        if (!s.readable) flagged = true;
        for (const auto& c : s.checks)
            if (c.check == "pixel_data" && c.status == "fail") flagged = true;
    }
    CHECK(flagged);
}

TEST_CASE("broken studies in one manifest: each gets its QC rows, the good ones pass", "[dicom][broken][batch]") {
    ScratchDir dir("batch");
    dicomtest::copy_phantom_series(dir.path / "good");
    dicomtest::copy_phantom_series(dir.path / "missing");
    remove_interior_slice(dir.path / "missing");
    dicomtest::copy_phantom_series(dir.path / "trunc");
    fs::resize_file(dir.path / "trunc" / dicomtest::slice_name(9), 1000);
    fs::create_directories(dir.path / "empty");
    {
        std::ofstream m(dir.path / "manifest.csv");
        m << "study_id,image,mask\n"
          << "S-good,good,\nS-missing,missing,\nS-trunc,trunc,\nS-empty,empty,\nS-nowhere,does/not/exist,\n"
          << "S-nifti," << dicomtest::kPhantom << "/nifti/image/phantom.nii.gz,\n";
    }
    const auto studies = io::qc_manifest((dir.path / "manifest.csv").string(), Settings{});
    REQUIRE(studies.size() == 6);
    CHECK(studies[0].study_id == "S-good");
    CHECK(studies[0].passed());
    CHECK_FALSE(studies[0].excluded);
    CHECK_FALSE(studies[1].passed());
    CHECK(studies[1].report.slices == 59);
    CHECK(status_of(studies[1], "missing_slices") == "fail");
    CHECK_FALSE(studies[2].passed());
    CHECK_FALSE(studies[3].readable);
    CHECK(contains(studies[3].error, "no DICOM image objects"));
    CHECK_FALSE(studies[4].readable);
    CHECK(studies[5].readable);
    CHECK(status_of(studies[5], "format") == "info");
    // excluded only when the job says so
    Settings exclude;
    exclude.qc.exclude_failed = true;
    const auto again = io::qc_manifest((dir.path / "manifest.csv").string(), exclude, false);
    CHECK_FALSE(again[0].excluded);
    CHECK(again[1].excluded);

    // extraction over the same rows: the broken ones fail with a reason, the good one still runs
    auto job = io::read_job_file(dicomtest::kSource + "/jobs/ibsi/config-A.yaml");
    job.settings.features.families = {"stat"};
    job.settings.dicom.roi = "GTV-1";
    int ok = 0, failed = 0;
    for (const char* study : {"missing", "trunc", "good"}) {
        try {
            const auto r = pipeline::extract_files((dir.path / study).string(), dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm",
                                                   job.settings);
            ok += !r.features.empty();
        } catch (const Error& e) {
            ++failed;
            CHECK(std::string(e.what()).size() > 10);
        }
    }
    CHECK(ok == 1);
    CHECK(failed == 2);
}

TEST_CASE("QC of manifest masks: ROI present, contour outside, wrong ROI, NIfTI mask", "[dicom][broken][qc]") {
    ScratchDir dir("qcmask");
    const auto ct = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    const fs::path outside = dir.path / "rs_outside.dcm";
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", outside);
    const double z = ct.image.geometry.origin[2];
    char square[256];
    std::snprintf(square, sizeof square, "-280\\-60\\%.6f\\-150\\-60\\%.6f\\-150\\-20\\%.6f\\-280\\-20\\%.6f", z, z, z, z);
    REQUIRE(dicomtest::run(std::string("dcmodify -nb -i \"(3006,0039)[0].(3006,0040)[26].(3006,0042)=CLOSED_PLANAR\" -i "
                                       "\"(3006,0039)[0].(3006,0040)[26].(3006,0050)=") +
                           square + "\" " + outside.string()) == 0);
    const std::string img = dicomtest::kPhantom + "/dicom/image";
    const std::string rs = dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm";
    {
        std::ofstream m(dir.path / "manifest.csv");
        m << "study_id,image,mask,roi\n"
          << "A," << img << "," << rs << ",GTV-1\n"
          << "B," << img << "," << outside.string() << ",GTV-1\n"
          << "C," << img << "," << rs << ",PTV\n"
          << "D," << img << "," << dicomtest::kPhantom << "/nifti/mask/mask.nii.gz,\n";
    }
    const auto q = io::qc_manifest((dir.path / "manifest.csv").string(), Settings{}, false);
    REQUIRE(q.size() == 4);
    CHECK(q[0].passed());
    CHECK(status_of(q[0], "roi_found") == "pass");
    CHECK(find_check(q[0], "roi_voxels")->observed == "125256");
    CHECK(status_of(q[0], "frame_of_reference") == "pass");
    CHECK(status_of(q[1], "contour_outside") == "fail");
    CHECK(find_check(q[1], "contour_outside")->observed == "2 points");
    CHECK(status_of(q[2], "roi_found") == "fail");
    CHECK(contains(find_check(q[2], "roi_found")->observed, "'GTV-1'"));
    CHECK(status_of(q[3], "mask_format") == "info");
    CHECK(q[3].passed());
}

TEST_CASE("QC of a folder checks the RTSTRUCT found next to its series", "[dicom][qc]") {
    const auto q = io::qc_folder(dicomtest::kPhantom + "/dicom", Settings{}, false);
    REQUIRE(q.size() == 1);
    CHECK(q[0].passed());
    CHECK(status_of(q[0], "roi_found") == "pass");
    CHECK(status_of(q[0], "frame_of_reference") == "pass");
    REQUIRE(find_check(q[0], "roi_voxels"));
    CHECK(find_check(q[0], "roi_voxels")->observed == "125256");
}

TEST_CASE("a localizer (scout) in the folder is not taken for the volume", "[dicom][broken]") {
    ScratchDir dir("scout");
    dicomtest::copy_phantom_series(dir.path);
    const auto scout = dir.path / "scout.dcm";
    fs::copy_file(dir.path / dicomtest::slice_name(0), scout);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0008,0008)=ORIGINAL\\\\PRIMARY\\\\LOCALIZER\" -m \"(0020,000e)=1.2.826.0.1.3680043.8.498.7\" "
                           "-m \"(0008,0018)=1.2.826.0.1.3680043.8.498.8\" " + scout.string()) == 0);
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 2);
    const auto ct = io::read_dicom_folder(dir.str());
    CHECK(ct.image.geometry.size[2] == 60);
    const auto q = io::qc_folder(dir.str(), Settings{}, false);
    REQUIRE(q.size() == 1);
    CHECK(q[0].passed());
    io::SeriesSelection with_scouts;
    with_scouts.include_localizers = true;
    CHECK(contains(error_of([&] { io::read_dicom_folder(dir.str(), with_scouts); }, ErrorKind::invalid_input), "localizer series"));
}

TEST_CASE("uneven spacing without a missing slice, and overlapping reconstructions", "[dicom][broken][qc]") {
    ScratchDir dir("uneven");
    dicomtest::copy_phantom_series(dir.path);
    // move one interior slice 0.6 mm along z: spacings 2.4 and 3.6 mm around it, nothing missing
    std::vector<std::pair<double, fs::path>> by_z;
    for (const auto& e : fs::directory_iterator(dir.path)) {
        io::DicomSeries one;
        one.files = {e.path().string()};
        by_z.push_back({io::inspect_dicom_series(one).image.geometry.origin[2], e.path()});
    }
    std::sort(by_z.begin(), by_z.end());
    io::DicomSeries one;
    one.files = {by_z[20].second.string()};
    const Vec3 p = io::inspect_dicom_series(one).image.geometry.origin;
    char cmd[512];
    std::snprintf(cmd, sizeof cmd, "dcmodify -nb -m \"(0020,0032)=%.6f\\\\%.6f\\\\%.6f\" %s", p[0], p[1], p[2] + 0.6, by_z[20].second.c_str());
    REQUIRE(dicomtest::run(cmd) == 0);
    auto q = io::qc_series(io::discover_dicom(dir.str()).image_series.at(0), Settings{}, "", false);
    CHECK(status_of(q, "even_slice_spacing") == "fail");
    CHECK(status_of(q, "missing_slices") == "pass");
    CHECK(std::abs(q.report.spacing_min - 2.4) < 1e-3);
    CHECK(std::abs(q.report.spacing_max - 3.6) < 1e-3);
    CHECK(contains(error_of([&] { io::read_dicom_folder(dir.str()); }, ErrorKind::invalid_input), "uneven slice spacing (2.4 to 3.6 mm)"));

    // 5 mm thick slices every 3 mm overlap; flagged only when the job forbids it
    ScratchDir thick("thick");
    dicomtest::copy_phantom_series(thick.path);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0018,0050)=5.0\" " + thick.str() + "/*.dcm") == 0);
    const auto series = io::discover_dicom(thick.str()).image_series.at(0);
    q = io::qc_series(series, Settings{}, "", false);
    CHECK(status_of(q, "overlapping_slices") == "info");
    CHECK(find_check(q, "overlapping_slices")->observed == "59");
    Settings strict;
    strict.qc.forbid_overlapping_slices = true;
    q = io::qc_series(series, strict, "", false);
    CHECK(status_of(q, "overlapping_slices") == "fail");
}

TEST_CASE("a CT-modality secondary capture (dose screen) without positions is not a volume candidate", "[dicom][broken]") {
    ScratchDir dir("dose");
    dicomtest::copy_phantom_series(dir.path);
    const auto sc = dir.path / "dose_screen.dcm";
    fs::copy_file(dir.path / dicomtest::slice_name(0), sc);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0008,0016)=1.2.840.10008.5.1.4.1.1.7\" -m \"(0020,000e)=1.2.826.0.1.3680043.8.498.9\" "
                           "-m \"(0008,0018)=1.2.826.0.1.3680043.8.498.10\" -e \"(0020,0032)\" -e \"(0020,0037)\" " + sc.string()) == 0);
    const auto found = io::discover_dicom(dir.str());
    REQUIRE(found.image_series.size() == 2);
    CHECK(io::read_dicom_folder(dir.str()).image.geometry.size[2] == 60);
    CHECK(io::qc_folder(dir.str(), Settings{}, false).size() == 1);
}
