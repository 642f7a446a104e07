// PHI: identifying values written into copies of the phantom (dcmodify) never reach radhpc's outputs
// (QC table, metadata table, store rows, feature export) or its logs (stdout/stderr), also when a
// study fails. The kernel and kVp checks are tested on the same copies (the phantom itself has no
// ConvolutionKernel and an empty KVP).
#include <catch2/catch.hpp>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/io/settings_io.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;
namespace fs = std::filesystem;

namespace {

// Realistic identifying values (tag, value) and the fragments that must never appear in any output.
const std::vector<std::pair<std::string, std::string>> kPhi = {
    {"(0010,0010)", "Doe^Johnathan^Quincy"},          // PatientName
    {"(0010,0020)", "MRN5551234"},                     // PatientID
    {"(0010,0030)", "19580317"},                       // PatientBirthDate
    {"(0010,1040)", "42 Elmwood Street Springfield"},  // PatientAddress
    {"(0010,1000)", "OTHERID99172"},                   // OtherPatientIDs
    {"(0010,2154)", "5550199321"},                     // PatientTelephoneNumbers
    {"(0008,0050)", "ACC77801"},                       // AccessionNumber
    {"(0008,0080)", "Saint Bartholomew Infirmary"},    // InstitutionName
    {"(0008,0081)", "1 Hospital Road Gotham"},         // InstitutionAddress
    {"(0008,0090)", "Smithers^Alice"},                 // ReferringPhysicianName
    {"(0008,103e)", "Johnathan chest followup"},       // SeriesDescription (free text, may hold names)
};
const std::vector<std::string> kForbidden = {"Johnathan", "Quincy", "MRN5551234", "19580317", "Elmwood", "Springfield",
                                             "OTHERID99172", "5550199321", "ACC77801", "Bartholomew", "Gotham",
                                             "Smithers", "followup"};

std::string dcmodify_args() {
    std::string args = "dcmodify -nb";
    for (const auto& [tag, value] : kPhi) args += " -i \"" + tag + "=" + value + "\"";
    args += " -i \"(0018,1210)=B30f\" -i \"(0018,0060)=120\"";  // kernel and kVp for the QC checks
    return args;
}

void require_clean(const std::string& what, const std::string& text) {
    INFO(what << " (" << text.size() << " bytes)");
    CHECK(!text.empty());
    for (const auto& f : kForbidden) {
        INFO("forbidden fragment: " << f);
        CHECK(text.find(f) == std::string::npos);
    }
}

struct PhiStudy {
    ScratchDir dir{"phi"};
    fs::path ct, rs;
    std::string study_uid, series_uid;
    PhiStudy() {
        ct = dir.path / "study" / "ct";
        rs = dir.path / "study" / "rs.dcm";
        dicomtest::copy_phantom_series(ct);
        fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", rs);
        REQUIRE(dicomtest::run(dcmodify_args() + " " + ct.string() + "/*.dcm " + rs.string()) == 0);
        const auto found = io::discover_dicom(ct.string());
        study_uid = found.image_series.at(0).study_uid;
        series_uid = found.image_series.at(0).series_uid;
        // the copies really carry the values (so the test can fail)
        REQUIRE(dicomtest::read_all((ct / dicomtest::slice_name(0)).string()).find("Johnathan") != std::string::npos);
    }
};

}  // namespace

TEST_CASE("PHI never reaches QC/metadata rows, CSVs, feature output or logs", "[dicom][phi]") {
    PhiStudy s;
    const std::string bin = RADHPC_BINARY;
    const fs::path out = s.dir.path / "out";
    fs::create_directories(out);
    const std::string job = dicomtest::kSource + "/jobs/ibsi/config-A.yaml";

    // rows as the store receives them
    Settings settings;
    const auto studies = io::qc_folder((s.dir.path / "study").string(), settings);
    REQUIRE(studies.size() == 1);
    std::string rows;
    for (const auto& r : io::qc_rows(studies)) rows += r.study_id + "|" + r.series_id + "|" + r.check + "|" + r.status + "|" + r.observed + "|" + r.expected + "\n";
    for (const auto& r : io::metadata_rows(studies))
        rows += r.study_id + "|" + r.series_id + "|" + r.modality + "|" + r.manufacturer + "|" + r.model + "|" + r.convolution_kernel + "|" +
                r.acquisition_date + "|" + r.transfer_syntax + "|" + r.contrast_agent + "|" + r.kvp + "|" + r.slices + "\n";
    require_clean("QC and metadata rows", rows);
    CHECK(rows.find(s.study_uid) == std::string::npos);  // UIDs leave only as pseudonyms
    CHECK(rows.find(s.series_uid) == std::string::npos);
    CHECK(rows.find(io::pseudonym(s.study_uid)) != std::string::npos);

    // the CLI: qc (CSV + metadata), extract (features + diagnostics), and failing runs, with their logs
    const std::string study = (s.dir.path / "study").string();
    CHECK(dicomtest::run(bin + " qc " + study + " --out " + (out / "qc.csv").string() + " --metadata " + (out / "meta.csv").string(),
                         (out / "qc.log").string()) == 0);
    CHECK(dicomtest::run(bin + " extract --image " + s.ct.string() + " --mask " + s.rs.string() + " --roi GTV-1 --settings " + job +
                             " --diagnostics --timings --out " + (out / "features.csv").string(),
                         (out / "extract.log").string()) == 0);
    CHECK(dicomtest::run(bin + " extract --image " + s.ct.string() + " --mask " + s.rs.string() + " --roi NOPE --settings " + job,
                         (out / "bad_roi.log").string()) == 2);
    fs::remove(s.ct / dicomtest::slice_name(33));
    CHECK(dicomtest::run(bin + " extract --image " + s.ct.string() + " --mask " + s.rs.string() + " --roi GTV-1 --settings " + job,
                         (out / "bad_series.log").string()) == 2);
    fs::resize_file(s.ct / dicomtest::slice_name(34), 3000);
    CHECK(dicomtest::run(bin + " qc " + study + " --out " + (out / "qc_bad.csv").string(), (out / "qc_bad.log").string()) == 0);

    for (const char* f : {"qc.csv", "meta.csv", "qc.log", "features.csv", "extract.log", "bad_roi.log", "bad_series.log", "qc_bad.csv",
                          "qc_bad.log"}) {
        const std::string text = dicomtest::read_all((out / f).string());
        require_clean(f, text);
        CHECK(text.find(s.study_uid) == std::string::npos);
        CHECK(text.find(s.series_uid) == std::string::npos);
    }
    // the outputs are what they should be (not empty because something failed early)
    CHECK(dicomtest::read_all((out / "features.csv").string()).find("stat_mean") != std::string::npos);
    CHECK(dicomtest::read_all((out / "meta.csv").string()).find("B30f") != std::string::npos);
    CHECK(dicomtest::read_all((out / "bad_roi.log").string()).find("GTV-1") != std::string::npos);
}

TEST_CASE("kernel allow-list and kVp range checks", "[dicom][qc]") {
    PhiStudy s;
    const auto found = io::discover_dicom(s.ct.string());
    auto settings = io::parse_job_text("version: 1\nqc: {kernels: [B30f, B31f], kvp: {min: 100, max: 140}}\n").settings;
    auto q = io::qc_series(found.image_series.at(0), settings, "S1", false);
    auto status = [&](const io::StudyQc& x, const std::string& name) {
        for (const auto& c : x.checks)
            if (c.check == name) return c.status + " " + c.observed;
        return std::string("(none)");
    };
    CHECK(status(q, "convolution_kernel") == "pass B30f");
    CHECK(status(q, "kvp") == "pass 120");
    CHECK(q.passed());
    CHECK(q.metadata.kvp == 120.0);

    settings = io::parse_job_text("version: 1\nqc: {kernels: [B70f], kvp: {min: 130}, action: exclude}\n").settings;
    q = io::qc_series(found.image_series.at(0), settings, "S1", false);
    CHECK(status(q, "convolution_kernel") == "fail B30f");
    CHECK(status(q, "kvp") == "fail 120");
    CHECK(q.excluded);

    // the untouched phantom: no kernel tag, empty KVP -> both fail when a rule exists, info otherwise
    const auto phantom = io::discover_dicom(dicomtest::kPhantom + "/dicom/image");
    q = io::qc_series(phantom.image_series.at(0), settings, "P", false);
    CHECK(status(q, "convolution_kernel") == "fail (absent)");
    CHECK(status(q, "kvp") == "fail (absent)");
    q = io::qc_series(phantom.image_series.at(0), Settings{}, "P", false);
    CHECK(status(q, "convolution_kernel") == "info (absent)");
    CHECK(status(q, "kvp") == "info (absent)");
    CHECK(q.passed());

    // slice thickness / pixel spacing / min slices / contrast
    settings = io::parse_job_text(
                   "version: 1\nqc: {slice_thickness: {min: 1, max: 2.5}, pixel_spacing: {max: 1.0}, min_slices: 61, contrast: required}\n")
                   .settings;
    q = io::qc_series(phantom.image_series.at(0), settings, "P", false);
    CHECK(status(q, "slice_thickness") == "fail 3 mm");
    CHECK(status(q, "pixel_spacing") == "pass 0.977 x 0.977 mm");
    CHECK(status(q, "min_slices") == "fail 60");
    CHECK(status(q, "contrast_agent") == "fail absent");
    CHECK_FALSE(q.excluded);  // flag only by default
}

// The batch path: `radhpc run` over a manifest whose rows point to DICOM folders + RTSTRUCT#ROI, then
// the HDF5 store, `radhpc export` and the run's log are searched for the PHI values.
TEST_CASE("batch run over DICOM rows: features computed, no PHI in store, export or log", "[dicom][phi][batch]") {
    PhiStudy s;
    const std::string bin = RADHPC_BINARY;
    const fs::path work = s.dir.path / "batch";
    fs::create_directories(work);
    {
        std::ofstream m(work / "manifest.csv");
        m << "study_id,patient_id,image,mask\nS1,P1," << s.ct.string() << "," << s.rs.string() << "#GTV-1\n";
    }
    {
        std::ofstream j(work / "job.yaml");
        j << "version: 1\nprofile: ibsi\ninput: {label: 1}\nfeatures: {families: [stat]}\n";
    }
    const std::string store = (work / "store").string();
    dicomtest::run(bin + " run " + (work / "job.yaml").string() + " --manifest " + (work / "manifest.csv").string() + " --store " + store,
                   (work / "run.log").string());
    dicomtest::run(bin + " export " + store + " --out " + (work / "export.csv").string(), (work / "export.log").string());
    dicomtest::run(bin + " inspect " + store, (work / "inspect.log").string());
    std::string store_bytes;
    for (const auto& e : fs::recursive_directory_iterator(store))
        if (e.is_regular_file()) store_bytes += dicomtest::read_all(e.path().string());
    for (const char* f : {"run.log", "export.csv", "inspect.log"}) require_clean(f, dicomtest::read_all((work / f).string()));
    require_clean("store files", store_bytes);
    // the part that needs the batch worker to read DICOM
    const std::string exported = dicomtest::read_all((work / "export.csv").string());
    CHECK(exported.find("stat_mean") != std::string::npos);
}
