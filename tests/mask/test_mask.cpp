// radhpc mask (issue 19): the ROI as radhpc rasterised it, written as a label map or DICOM SEG, gives the
// original run's features bit for bit, reads back through radhpc's SEG reader, passes dciodvfy; --all,
// --components, --perturbation and bad input.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <zlib.h>

#include "common/test_util.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/io/image_io.hpp"

namespace fs = std::filesystem;
using testutil::sh;
using testutil::slurp;

namespace {

const std::string kBin = RADHPC_BINARY;

// One synthetic DICOM study (CT + RTSTRUCT + SEG, lesion-1..n), one NIfTI study, and two jobs, made once.
struct MaskStudy {
    fs::path dir, ct, rtstruct, seg, nifti_image, nifti_mask, plain_job, resampled_job, perturbed_job;
    MaskStudy() {
        dir = testutil::scratch_dir("radhpc-mask-", "study");
        const fs::path log = dir / "synth.log";
        REQUIRE(sh(kBin + " synth --studies 1 --seed 5 --format dicom --out " + (dir / "dcm").string(), log) == 0);
        REQUIRE(sh(kBin + " synth --studies 1 --seed 5 --out " + (dir / "nii").string(), log) == 0);
        ct = dir / "dcm/dicom/S0001/ct";
        rtstruct = dir / "dcm/dicom/S0001/rtstruct.dcm";
        seg = dir / "dcm/dicom/S0001/seg.dcm";
        nifti_image = dir / "nii/images/S0001.nii.gz";
        nifti_mask = dir / "nii/masks/S0001_labels.nii.gz";
        const std::string common =
            "version: 1\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
            "  discretisation: {method: fixed_bin_size, bin_width: 25}\n";
        const std::string features = "features:\n  families: [morph, stat, cm, szm]\n  aggregation: [3D_avg]\n";
        plain_job = dir / "plain.yaml";
        std::ofstream(plain_job) << common << features;
        resampled_job = dir / "resampled.yaml";
        std::ofstream(resampled_job) << common
                                     << "  resample: {spacing: [1, 1, 1], interpolation: linear, mask_interpolation: linear, mask_threshold: 0.5}\n"
                                     << features;
        perturbed_job = dir / "perturbed.yaml";
        std::ofstream(perturbed_job) << common << features
                                     << "perturbations:\n  seed: 7\n  combine: separate\n  volume: {grow_mm: [-2, 2]}\n";
    }
};
const MaskStudy& study() {
    static const MaskStudy s;
    return s;
}

// Runs radhpc with `args`; returns the exit status, the output in `out`.
int run_radhpc(const std::string& args, std::string& out) {
    static int n = 0;
    const fs::path log = study().dir / ("run" + std::to_string(++n) + ".log");
    const int rc = sh(kBin + " " + args, log);
    out = slurp(log);
    return rc;
}

std::string features_csv(const std::string& args, const std::string& name) {
    const fs::path csv = study().dir / name;
    std::string log;
    REQUIRE(run_radhpc("extract " + args + " --out " + csv.string(), log) == 0);
    return slurp(csv);
}

radhpc::Geometry ct_grid() { return radhpc::io::read_dicom_folder(study().ct.string()).image.geometry; }

// The first `n` bytes of a gzipped file.
std::string gunzip_head(const fs::path& p, unsigned n) {
    std::string out(n, '\0');
    gzFile f = gzopen(p.c_str(), "rb");
    const int got = f ? gzread(f, out.data(), n) : 0;
    if (f) gzclose(f);
    out.resize(got > 0 ? std::size_t(got) : 0);
    return out;
}

std::size_t nonzero(const radhpc::Volume<std::int32_t>& v) {
    std::size_t n = 0;
    for (auto x : v.data) n += x != 0;
    return n;
}

}  // namespace

// `radhpc mask --mask MASK_ARGS --out OUT`, then extract with OUT as a label file and with
// EXTRACT_ARGS (the original DICOM mask): the feature CSVs must be the same bytes.
void check_same_features(const std::string& mask_args, const std::string& extract_args, const fs::path& out, const fs::path& job) {
    const auto& s = study();
    std::string log;
    REQUIRE(run_radhpc("mask --image " + s.ct.string() + " --mask " + mask_args + " --out " + out.string(), log) == 0);
    INFO(job.string() + " " + out.string());
    const std::string a = features_csv("--image " + s.ct.string() + " --mask " + extract_args + " --settings " + job.string(), "a.csv");
    const std::string b = features_csv("--image " + s.ct.string() + " --mask " + out.string() + " --settings " + job.string(), "b.csv");
    CHECK(a.size() > 500);
    CHECK(a == b);
}

TEST_CASE("mask: RTSTRUCT ROI written as a label file gives the RTSTRUCT run's features bit for bit", "[mask]") {
    const auto& s = study();
    for (const fs::path& job : {s.plain_job, s.resampled_job})
        for (const std::string ext : {".nii.gz", ".nrrd"})
            check_same_features(s.rtstruct.string() + " --roi lesion-1", s.rtstruct.string() + " --roi lesion-1",
                                s.dir / ("rt-" + job.stem().string() + ext), job);
}

TEST_CASE("mask: SEG segment written as a label file gives the SEG run's features bit for bit", "[mask]") {
    const auto& s = study();
    for (const fs::path& job : {s.plain_job, s.resampled_job})
        check_same_features(s.seg.string() + "#lesion-2", s.seg.string() + " --roi lesion-2", s.dir / ("seg-" + job.stem().string() + ".nii.gz"), job);
}

TEST_CASE("mask: --out seg.dcm reads back through radhpc's SEG reader as the ROI and passes dciodvfy", "[mask][dicom]") {
    const auto& s = study();
    const fs::path out = s.dir / "lesion1-seg.dcm";
    std::string log;
    REQUIRE(run_radhpc("mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --roi lesion-1 --out " + out.string(), log) == 0);
    const radhpc::Geometry grid = ct_grid();
    radhpc::io::RtStructOptions ro;
    ro.roi = "lesion-1";
    const radhpc::Mask expected = radhpc::io::read_rtstruct_mask(s.rtstruct.string(), grid, ro);
    const radhpc::Mask back = radhpc::io::read_seg_mask(out.string(), grid, {});
    CHECK(back.data == expected.data);
    CHECK(radhpc::io::read_seg_info(out.string()).segments.at(0).label == "lesion-1");

    std::string report;
    REQUIRE(sh("command -v dciodvfy", s.dir / "which.log") == 0);  // scripts/setup.sh installs dicom3tools
    sh("dciodvfy " + out.string(), s.dir / "dciodvfy.log");
    report = slurp(s.dir / "dciodvfy.log");
    std::istringstream lines(report);
    std::string line;
    int errors = 0, warnings = 0;
    while (std::getline(lines, line)) {
        errors += line.rfind("Error", 0) == 0;
        if (line.rfind("Warning", 0) == 0) {
            ++warnings;
            std::printf("dciodvfy: %s\n", line.c_str());
        }
    }
    INFO(report);
    CHECK(errors == 0);
    CHECK(report.find("Segmentation") != std::string::npos);
    std::printf("dciodvfy %s: %d errors, %d warnings\n", out.filename().c_str(), errors, warnings);
}

TEST_CASE("mask: --all writes every ROI with its name, --components every component", "[mask]") {
    const auto& s = study();
    const radhpc::Geometry grid = ct_grid();
    const auto rois = radhpc::io::read_rtstruct_masks(s.rtstruct.string(), grid);
    REQUIRE(rois.size() >= 2);
    const fs::path out = s.dir / "all.nrrd";
    std::string log;
    REQUIRE(run_radhpc("mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --all --out " + out.string(), log) == 0);
    const auto j = nlohmann::json::parse(slurp(out.string() + ".labels.json"));
    REQUIRE(j["labels"].size() == rois.size());
    const std::string header = slurp(out).substr(0, 2000);
    const auto labels = radhpc::io::read_label_image(out.string());
    for (std::size_t k = 0; k < rois.size(); ++k) {
        CHECK(j["labels"][k]["value"] == int(k) + 1);
        CHECK(j["labels"][k]["name"] == rois[k].first);
        CHECK(header.find("radhpc_label_" + std::to_string(k + 1) + ":=" + rois[k].first) != std::string::npos);
        std::size_t mismatches = 0;
        for (std::size_t i = 0; i < labels.data.size(); ++i)
            mismatches += (labels.data[i] == int(k) + 1) != (rois[k].second.data[i] != 0);
        CHECK(mismatches == 0);
    }
    // the same ROIs as one SEG: its segments carry the names
    const fs::path seg = s.dir / "all-seg.dcm";
    REQUIRE(run_radhpc("mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --all --out " + seg.string(), log) == 0);
    const auto info = radhpc::io::read_seg_info(seg.string());
    REQUIRE(info.segments.size() == rois.size());
    for (std::size_t k = 0; k < rois.size(); ++k) CHECK(info.segments[k].label == rois[k].first);
    // a label file: --all keeps its values; --components numbers the components 1..n
    const fs::path lab = s.dir / "labels.nii.gz", comp = s.dir / "components.nii.gz";
    REQUIRE(run_radhpc("mask --image " + s.nifti_image.string() + " --mask " + s.nifti_mask.string() + " --all --out " + lab.string(), log) == 0);
    CHECK(radhpc::io::read_label_image(lab.string()).data == radhpc::io::read_label_image(s.nifti_mask.string()).data);
    REQUIRE(run_radhpc("mask --image " + s.nifti_image.string() + " --mask " + s.nifti_mask.string() + " --components --out " + comp.string(), log) == 0);
    const auto cj = nlohmann::json::parse(slurp(comp.string() + ".labels.json"));
    CHECK(cj["labels"].size() >= 1);
    CHECK(nonzero(radhpc::io::read_label_image(comp.string())) <= nonzero(radhpc::io::read_label_image(s.nifti_mask.string())));
}

TEST_CASE("mask: --perturbation writes the perturbed mask on its working grid and says so", "[mask][perturb]") {
    const auto& s = study();
    const std::string base = "mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --roi lesion-1 --settings " + s.perturbed_job.string();
    std::map<std::string, std::size_t> voxels;
    std::string log;
    for (const std::string id : {"none", "vol-2mm", "vol2mm"}) {
        const fs::path nrrd = s.dir / ("p-" + id + ".nrrd"), nii = s.dir / ("p-" + id + ".nii.gz");
        REQUIRE(run_radhpc(base + " --perturbation " + id + " --out " + nrrd.string(), log) == 0);
        REQUIRE(run_radhpc(base + " --perturbation " + id + " --out " + nii.string(), log) == 0);
        const std::string header = slurp(nrrd).substr(0, 2000);
        CHECK(header.find("radhpc_perturbation:=" + id + "\n") != std::string::npos);
        CHECK(header.find("radhpc_grid:=the working grid of perturbation " + id) != std::string::npos);
        const std::string nii_header = gunzip_head(nii, 348);
        CHECK(nii_header.substr(148, 80).find("radhpc perturbation " + id + ": working grid") == 0);
        voxels[id] = nonzero(radhpc::io::read_label_image(nrrd.string()));
        CHECK(nonzero(radhpc::io::read_label_image(nii.string())) == voxels[id]);
    }
    const radhpc::io::RtStructOptions ro{"lesion-1"};
    CHECK(voxels["none"] == radhpc::count_voxels(radhpc::io::read_rtstruct_mask(s.rtstruct.string(), ct_grid(), ro)));
    CHECK(voxels["vol-2mm"] < voxels["none"]);
    CHECK(voxels["vol2mm"] > voxels["none"]);
}

TEST_CASE("mask: bad input exits non-zero with the reason", "[mask]") {
    const auto& s = study();
    std::string log;
    CHECK(run_radhpc("mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --roi no-such-roi --out " + (s.dir / "x.nii.gz").string(), log) == 2);
    CHECK(log.find("no ROI named 'no-such-roi'") != std::string::npos);
    CHECK(run_radhpc("mask --image " + s.nifti_image.string() + " --mask " + s.nifti_mask.string() + " --out " + (s.dir / "x.dcm").string(), log) == 2);
    CHECK(log.find("is not one") != std::string::npos);
    CHECK(run_radhpc("mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --roi lesion-1 --perturbation vol2mm --out " +
                     (s.dir / "x.nrrd").string(), log) == 2);
    CHECK(log.find("needs --settings") != std::string::npos);
    CHECK(run_radhpc("mask --image " + s.ct.string() + " --mask " + s.rtstruct.string() + " --roi lesion-1 --out " + (s.dir / "x.png").string(), log) == 2);
    CHECK(log.find(".nii, .nii.gz, .nrrd") != std::string::npos);
    CHECK(!fs::exists(s.dir / "x.dcm"));
}
