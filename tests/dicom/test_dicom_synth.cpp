// radhpc synth --format dicom (issue 12): the CT series, SEG and RTSTRUCT written for a small archive
// read back through radhpc's own DICOM readers as the study they were made from, and `radhpc run`
// on the archive's manifest computes every lesion.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "dicom_test_util.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/synth.hpp"

using namespace radhpc;
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSeed = 11;
constexpr int kStudies = 2;

std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
    std::vector<std::vector<std::string>> rows;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        std::string c;
        while (std::getline(ss, c, ',')) cells.push_back(c);
        if (!line.empty() && line.back() == ',') cells.push_back("");
        rows.push_back(cells);
    }
    return rows;
}

std::map<std::string, std::string> files_of(const fs::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) out[fs::relative(e.path(), root).string()] = dicomtest::read_all(e.path().string());
    return out;
}

}  // namespace

TEST_CASE("synth --format dicom: CT, SEG and RTSTRUCT read back as the study - rewriting gives the same bytes", "[dicom][synth]") {
    dicomtest::ScratchDir dir("synth");
    const fs::path dcm = dir.path / "dcm", nii = dir.path / "nii";
    pipeline::write_archive(dcm.string(), kStudies, kSeed, {pipeline::SynthSize::small, pipeline::SynthFormat::dicom});
    pipeline::write_archive(nii.string(), kStudies, kSeed);  // the default NIfTI archive of the same seed

    const auto manifest = csv_rows((dcm / "manifest.csv").string());
    REQUIRE(manifest.size() == kStudies + 1);
    REQUIRE(manifest[0] == std::vector<std::string>{"study_id", "patient_id", "image", "mask", "labels", "outcome", "scanner"});
    double min_dice = 1;
    for (int i = 0; i < kStudies; ++i) {
        const pipeline::SynthStudy st = pipeline::make_study(kSeed, i);
        const auto& row = manifest[std::size_t(i) + 1];
        REQUIRE(row.size() == 7);
        CHECK(row[0] == st.study_id);
        CHECK(row[2] == "dicom/" + st.study_id + "/ct");
        CHECK(row[4].empty());
        std::string expected_masks;
        for (const auto& l : st.lesions)
            expected_masks += (expected_masks.empty() ? "" : ";") + ("dicom/" + st.study_id + "/rtstruct.dcm#lesion-" + std::to_string(l.label));
        CHECK(row[3] == expected_masks);

        // CT: voxel for voxel the study's HU (through the 12-bit unsigned stored values and the rescale),
        // geometry within 1e-6 of the study's; the NIfTI file of the same study holds the same voxels
        // (its header stores origin and spacing as float32, hence the looser geometry bound there).
        const io::CtSeries ct = io::read_dicom_folder((dcm / row[2]).string());
        const Geometry& g = st.image.geometry;
        REQUIRE(ct.image.geometry.size == g.size);
        for (int a = 0; a < 3; ++a) {
            CHECK(std::abs(ct.image.geometry.origin[a] - g.origin[a]) < 1e-6);
            CHECK(std::abs(ct.image.geometry.spacing[a] - g.spacing[a]) < 1e-6);
        }
        for (int a = 0; a < 9; ++a) CHECK(std::abs(ct.image.geometry.direction[a] - g.direction[a]) < 1e-6);
        const Image from_nifti = io::read_image((nii / "images" / (st.study_id + ".nii.gz")).string());
        std::size_t differ = 0, differ_nifti = 0;
        for (std::size_t k = 0; k < st.image.data.size(); ++k) {
            differ += ct.image.data[k] != double(st.image.data[k]);
            differ_nifti += ct.image.data[k] != from_nifti.data[k];
        }
        CHECK(differ == 0);
        CHECK(differ_nifti == 0);
        for (int a = 0; a < 3; ++a) CHECK(std::abs(ct.image.geometry.origin[a] - from_nifti.geometry.origin[a]) < 1e-4);
        CHECK(ct.report.warnings.empty());

        // SEG: each segment is its label's voxels exactly. RTSTRUCT: rasterised by radhpc's reader on
        // the CT grid, each ROI against its label (Dice; the writer's contours separate voxel centres, so
        // 1 is expected, 0.9 is the bound asked for).
        const io::ParsedSeg seg((dcm / "dicom" / st.study_id / "seg.dcm").string());
        REQUIRE(seg.info().segments.size() == st.lesions.size());
        const io::ParsedRtStruct rs((dcm / "dicom" / st.study_id / "rtstruct.dcm").string());
        REQUIRE(rs.info().rois.size() == st.lesions.size());
        CHECK(rs.info().referenced_series_uids == std::vector<std::string>{ct.series_uid});
        CHECK(rs.info().referenced_frame_of_reference_uid == ct.frame_of_reference_uid);
        for (const auto& l : st.lesions) {
            const std::string name = "lesion-" + std::to_string(l.label);
            io::SegOptions so;
            so.segment = name;
            const Mask from_seg = seg.mask(ct.image.geometry, so);
            io::RtStructOptions ro;
            ro.roi = name;
            io::RasterReport rep;
            const Mask from_rs = rs.mask(ct.image.geometry, ro, &rep);
            CHECK(rep.points_outside == 0);
            CHECK(rep.off_slice_contours == 0);
            std::size_t seg_differ = 0, truth = 0, drawn = 0, both = 0;
            for (std::size_t k = 0; k < st.labels.data.size(); ++k) {
                const bool in = st.labels.data[k] == l.label;
                seg_differ += (from_seg.data[k] != 0) != in;
                truth += in;
                drawn += from_rs.data[k] != 0;
                both += in && from_rs.data[k];
            }
            CHECK(seg_differ == 0);
            CHECK(truth == l.voxels);
            const double dice = 2.0 * double(both) / double(truth + drawn);
            min_dice = std::min(min_dice, dice);
            CHECK(dice >= 0.9);
        }
    }
    std::printf("synth --format dicom: smallest RTSTRUCT Dice over %d studies = %.6f\n", kStudies, min_dice);

    // No clock and no random source in any file: a second archive from the same seed is identical.
    const fs::path again = dir.path / "again";
    pipeline::write_archive(again.string(), kStudies, kSeed, {pipeline::SynthSize::small, pipeline::SynthFormat::dicom});
    CHECK(files_of(dcm) == files_of(again));
}

TEST_CASE("radhpc synth --format dicom then radhpc run: every lesion of the manifest in the store", "[dicom][synth][cli]") {
    dicomtest::ScratchDir dir("synth_run");
    const std::string bin = RADHPC_BINARY;
    const fs::path out = dir.path / "archive";
    REQUIRE(dicomtest::run(bin + " synth --studies 2 --seed 11 --size small --format dicom --out " + out.string()) == 0);
    {
        std::ofstream j(dir.path / "job.yaml");
        j << "version: 1\nprofile: ibsi\nfeatures: {families: [stat]}\n";
    }
    const std::string store = (dir.path / "store").string();
    const std::string log = (dir.path / "run.log").string();
    const int rc = dicomtest::run(bin + " run " + (dir.path / "job.yaml").string() + " --manifest " + (out / "manifest.csv").string() +
                                      " --store " + store,
                                  log);
    INFO(dicomtest::read_all(log));
    REQUIRE(rc == 0);
    const std::string csv = (dir.path / "export.csv").string();
    REQUIRE(dicomtest::run(bin + " export " + store + " --out " + csv) == 0);
    const auto rows = csv_rows(csv);
    REQUIRE(rows.size() > 1);
    const auto col = std::find(rows[0].begin(), rows[0].end(), "study_id") - rows[0].begin();
    REQUIRE(std::size_t(col) < rows[0].size());
    std::map<std::string, std::size_t> lesions_in_store;
    for (std::size_t r = 1; r < rows.size(); ++r) ++lesions_in_store[rows[r][std::size_t(col)]];
    for (int i = 0; i < 2; ++i) {
        const pipeline::SynthStudy st = pipeline::make_study(11, i);
        CHECK(lesions_in_store[st.study_id] == st.lesions.size());
    }
}
