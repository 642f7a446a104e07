// The DICOM path (CT series folder + RTSTRUCT GTV-1) through the whole pipeline against the NIfTI path
// and IBSI's reference values, IBSI 1 configuration C (jobs/ibsi/config-C.yaml).
// Tolerance: each row's own IBSI tolerance (ibsi1_submission_table_config_C.csv), applied to
// |DICOM - NIfTI| and, with IBSI's rule (3 significant digits), to |DICOM - reference|.
#include <catch2/catch.hpp>

#include <iostream>
#include <map>

#include "../reference/reference_util.hpp"
#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {

std::map<std::string, double> as_map(const pipeline::LesionResult& r) {
    std::map<std::string, double> m;
    for (const auto& f : r.features) m[f.name] = f.value;
    for (const auto& f : r.diagnostics) m[f.name] = f.value;
    return m;
}

}  // namespace

TEST_CASE("pipeline::load reads a DICOM folder + RTSTRUCT like the NIfTI pair", "[dicom][pipeline]") {
    auto job = io::read_job_file(dicomtest::kSource + "/jobs/ibsi/config-C.yaml");
    job.settings.dicom.roi = "GTV-1";
    const auto dcm = pipeline::load(dicomtest::kPhantom + "/dicom/image", dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm",
                                    job.settings);
    const auto nii = pipeline::load(dicomtest::kPhantom + "/nifti/image/phantom.nii.gz",
                                    dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", job.settings);
    REQUIRE(same_grid(dcm.image_geometry(), nii.image_geometry(), 1e-4));
    CHECK(dcm.mask.data == nii.mask.data);
    // one file of the series stands for its series
    const auto one = pipeline::load(dicomtest::kPhantom + "/dicom/image/DCM_IMG_00010.dcm",
                                    dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", job.settings);
    CHECK(one.image_as_double().data == dcm.image_as_double().data);
}

TEST_CASE("IBSI config C: DICOM path equals the NIfTI path within IBSI tolerances", "[dicom][pipeline][ibsi]") {
    auto job = io::read_job_file(dicomtest::kSource + "/jobs/ibsi/config-C.yaml");
    job.settings.dicom.roi = "GTV-1";
    const auto dcm = as_map(pipeline::extract_files(dicomtest::kPhantom + "/dicom/image",
                                                    dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", job.settings, true));
    const auto nii = as_map(pipeline::extract_files(dicomtest::kPhantom + "/nifti/image/phantom.nii.gz",
                                                    dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", job.settings, true));
    const auto rows =
        ref::read_ibsi_table(dicomtest::kPhantom + "/reference_values/ibsi1_submission_table_config_C.csv");
    int compared = 0, equal_paths = 0, dicom_matches_ref = 0, nifti_matches_ref = 0;
    double max_rel_diff = 0;  // max |DICOM - NIfTI| / max(1, |NIfTI|), reported
    std::vector<std::string> not_computed;
    for (const auto& row : rows) {
        auto d = dcm.find(row.tag);
        auto n = nii.find(row.tag);
        if (d == dcm.end() || n == nii.end()) {
            not_computed.push_back(row.tag);
            continue;
        }
        ++compared;
        max_rel_diff = std::max(max_rel_diff, std::abs(d->second - n->second) / std::max(1.0, std::abs(n->second)));
        INFO(row.tag << ": DICOM " << d->second << ", NIfTI " << n->second << ", reference " << row.value << " +- " << row.tolerance);
        const bool same = std::abs(d->second - n->second) <= row.tolerance + 1e-9 * std::max(1.0, std::abs(n->second));
        CHECK(same);
        equal_paths += same;
        const bool dref = ref::ibsi_match(d->second, row.value, row.tolerance);
        const bool nref = ref::ibsi_match(n->second, row.value, row.tolerance);
        dicom_matches_ref += dref;
        nifti_matches_ref += nref;
        // wherever the NIfTI path matches IBSI, the DICOM path must too
        if (nref) CHECK(dref);
    }
    std::cout << "config C: " << compared << " rows compared, DICOM==NIfTI within tolerance " << equal_paths
              << ", DICOM matches reference " << dicom_matches_ref << ", NIfTI matches reference " << nifti_matches_ref
              << ", rows without a computed value (families not implemented in the pipeline): " << not_computed.size()
              << ", max |DICOM - NIfTI| / max(1, |NIfTI|) = " << max_rel_diff << "\n";
    CHECK(compared > 0);
    CHECK(equal_paths == compared);
}

TEST_CASE("DICOM job files validate and carry their dicom/qc keys", "[dicom][jobs]") {
    const auto c = io::read_job_file(dicomtest::kSource + "/jobs/dicom-ibsi-config-C.yaml");
    CHECK(c.settings.dicom.roi == "GTV-1");
    CHECK(c.settings.dicom.modalities == std::vector<std::string>{"CT"});
    const auto q = io::read_job_file(dicomtest::kSource + "/jobs/dicom-qc.yaml");
    CHECK(q.settings.qc.min_slices == 20);
    CHECK(q.settings.qc.slice_thickness_max == 5.0);
    CHECK_FALSE(q.settings.qc.exclude_failed);
    CHECK_FALSE(q.settings.qc.contrast.has_value());
    // unknown keys are errors naming the key
    CHECK_THROWS_WITH(io::parse_job_text("version: 1\ndicom: {roi_name: GTV}\n"), Catch::Contains("dicom.roi_name: unknown key"));
    CHECK_THROWS_WITH(io::parse_job_text("version: 1\nqc: {action: drop}\n"), Catch::Contains("qc.action"));
}

TEST_CASE("CLI: radhpc extract with a DICOM folder, an RTSTRUCT and --roi", "[dicom][cli]") {
    dicomtest::ScratchDir dir("cli");
    const std::string bin = RADHPC_BINARY;
    const std::string out = (dir.path / "f.csv").string();
    REQUIRE(dicomtest::run(bin + " extract --image " + dicomtest::kPhantom + "/dicom/image --mask " + dicomtest::kPhantom +
                           "/dicom/mask/DCM_RS_00060.dcm --roi GTV-1 --settings " + dicomtest::kSource +
                           "/jobs/ibsi/config-A.yaml --out " + out) == 0);
    const std::string csv = dicomtest::read_all(out);
    CHECK(csv.find("morph_volume,") != std::string::npos);
    // a wrong ROI name: exit code 2 and the available names
    const std::string log = (dir.path / "err.log").string();
    CHECK(dicomtest::run(bin + " extract --image " + dicomtest::kPhantom + "/dicom/image --mask " + dicomtest::kPhantom +
                             "/dicom/mask/DCM_RS_00060.dcm --roi GTV-2 --settings " + dicomtest::kSource + "/jobs/ibsi/config-A.yaml",
                         log) == 2);
    CHECK(dicomtest::read_all(log).find("no ROI named 'GTV-2' (ROIs: 'GTV-1')") != std::string::npos);
    // qc over the phantom folder
    CHECK(dicomtest::run(bin + " qc " + dicomtest::kPhantom + "/dicom --settings " + dicomtest::kSource + "/jobs/dicom-qc.yaml --out " +
                         (dir.path / "qc.csv").string()) == 0);
    const std::string qc = dicomtest::read_all((dir.path / "qc.csv").string());
    CHECK(qc.rfind("study_id,series_id,check,status,observed,expected\n", 0) == 0);
    CHECK(qc.find(",study,pass,") != std::string::npos);
}

TEST_CASE("mask path FILE#ROI names the ROI (manifest mask columns need no extra column)", "[dicom][pipeline]") {
    const std::string img = dicomtest::kPhantom + "/dicom/image";
    const std::string rs = dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm";
    Settings s;
    s.dicom.roi = "something else";
    const auto a = pipeline::load(img, rs + "#GTV-1", s);
    std::size_t n = 0;
    for (auto v : a.mask.data) n += v;
    CHECK(n == 125256);
    CHECK_THROWS_WITH(pipeline::load(img, rs + "#GTV-9", s), Catch::Contains("no ROI named 'GTV-9'"));
}

TEST_CASE("qc.action exclude: a DICOM study failing a check is refused with the reason - flag-only jobs go on", "[dicom][pipeline][qc]") {
    const std::string img = dicomtest::kPhantom + "/dicom/image";
    const std::string rs = dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm#GTV-1";
    auto flag = io::parse_job_text("version: 1\nqc: {action: flag, slice_thickness: {max: 2.0}}\n").settings;
    CHECK(pipeline::load(img, rs, flag).image_geometry().voxel_count() == 204u * 201u * 60u);
    auto exclude = io::parse_job_text("version: 1\nqc: {action: exclude, slice_thickness: {max: 2.0}}\n").settings;
    CHECK_THROWS_WITH(pipeline::load(img, rs, exclude),
                      Catch::Contains("QC excluded the study: slice_thickness failed (observed 3 mm, expected [-inf, 2] mm)"));
    auto passing = io::parse_job_text("version: 1\nqc: {action: exclude, slice_thickness: {max: 3.0}}\n").settings;
    CHECK_NOTHROW(pipeline::load(img, rs, passing));
    // NIfTI inputs have no DICOM metadata to check
    CHECK_NOTHROW(pipeline::load(dicomtest::kPhantom + "/nifti/image/phantom.nii.gz", dicomtest::kPhantom + "/nifti/mask/mask.nii.gz",
                                 exclude));
}
