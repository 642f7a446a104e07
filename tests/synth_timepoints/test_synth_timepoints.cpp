// radhpc synth --timepoints T (issue 18): a longitudinal archive whose lesions keep their identity and
// grow, shrink, vanish or appear by a documented rule. The binary writes a small archive with --signal;
// the manifest's layout, the identities (label values, lesion_ids, DICOM ROI and segment names) and the
// planted courses (timepoints.json) are checked against each other and against the written masks; then
// radhpc run + export measure every lesion's volume and the ratio between two timepoints must follow the
// planted volume factor within the voxelisation tolerance stated at volume_tolerance. The archives
// without --timepoints are checked unchanged against checksums of the pre-change binary.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/content_checksum.hpp"
#include "common/csv_table.hpp"
#include "common/test_util.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/synth.hpp"

namespace fs = std::filesystem;
using namespace radhpc;

namespace {

int radhpc_cli(const std::string& args, const fs::path& log) { return testutil::sh(std::string(RADHPC_BINARY) + " " + args, log); }

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    if (s.empty()) return out;
    std::size_t at = 0;
    for (std::size_t next; (next = s.find(sep, at)) != std::string::npos; at = next + 1) out.push_back(s.substr(at, next - at));
    out.push_back(s.substr(at));
    return out;
}

using Table = testutil::CsvTable;
Table read_table(const fs::path& p) { return testutil::read_csv_table(p); }

// Voxelisation tolerance of the ratio of two measured volumes of one lesion (relative). The voxel count
// integrates the lesion's cross-section area A(z) with the rectangle rule at the slice spacing h (2.5 or
// 3 mm, the coarsest axis). For an ellipsoid of half-height c, A(z) has a slope jump at both ends and the
// Euler-Maclaurin remainder bounds the error by h^2/(4 c^2) of the volume; c >= (n_z - 1) h / 2 for a
// lesion whose mask spans n_z slices, so each volume is off by at most 1/(n_z - 1)^2 and the ratio by the
// sum. The in-plane sampling (0.75-0.95 mm, errors that average out over the slices) and morph_volume's
// marching-cubes surface against the voxel count (which differ by a thin shell: up to ~2 % between two
// sizes of one lesion here) get 3 % together.
using testutil::content_checksum;

double volume_tolerance(int nz_a, int nz_b) {
    const auto z = [](int n) { return 1.0 / double((n - 1) * (n - 1)); };
    return z(nz_a) + z(nz_b) + 0.03;
}

}  // namespace

TEST_CASE("synth --timepoints 3 --signal: layout, identities, planted courses and measured volume changes", "[synth][timepoints]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_tp_", "signal");
    const auto out = dir / "archive";
    constexpr int kStudies = 16;  // 6 patients of 3 studies (rounded up to whole patients): 18 studies
    REQUIRE(radhpc_cli("synth --timepoints 3 --signal --studies " + std::to_string(kStudies) + " --seed 3 --out " + out.string(),
                       dir / "synth.log") == 0);
    const Table m = read_table(out / "manifest.csv");
    REQUIRE(m.header == std::vector<std::string>{"study_id", "patient_id", "image", "mask", "labels", "outcome", "scanner", "time", "event",
                                                 "timepoint", "day", "lesion_ids"});
    REQUIRE(m.rows.size() == 18);
    const auto tp = nlohmann::json::parse(testutil::slurp(out / "timepoints.json"));
    REQUIRE(tp["timepoints"] == 3);
    REQUIRE(tp["truth"].size() == 6);
    const auto signal = nlohmann::json::parse(testutil::slurp(out / "signal.json"));
    REQUIRE(signal["truth"].size() == 6);

    // per study: labels and lesion_ids name the same lesions in the same order; the mask holds them
    std::map<std::string, std::map<int, std::size_t>> voxels;  // study -> label -> voxels in the mask
    std::map<std::string, std::map<int, int>> slices;         // study -> label -> slices spanned
    std::map<std::string, std::vector<std::size_t>> by_patient;
    for (std::size_t r = 0; r < m.rows.size(); ++r) {
        const auto& row = m.rows[r];
        INFO(row[0]);
        const auto labels = split(row[m.col("labels")], ';'), ids = split(row[m.col("lesion_ids")], ';');
        REQUIRE(!labels.empty());
        REQUIRE(labels.size() == ids.size());
        for (std::size_t k = 0; k < labels.size(); ++k) CHECK(ids[k] == "L" + labels[k]);
        const auto mask = io::read_label_image((out / row[m.col("mask")]).string());
        std::map<int, std::set<std::size_t>> zs;
        const auto& g = mask.geometry;
        for (std::size_t z = 0; z < g.size[2]; ++z)
            for (std::size_t y = 0; y < g.size[1]; ++y)
                for (std::size_t x = 0; x < g.size[0]; ++x)
                    if (const int l = mask.at(x, y, z)) ++voxels[row[0]][l], zs[l].insert(z);
        for (const auto& [l, s] : zs) slices[row[0]][l] = int(s.size());
        std::set<int> in_labels;
        for (const auto& l : labels) in_labels.insert(std::stoi(l));
        std::set<int> in_mask;
        for (const auto& [l, n] : voxels[row[0]]) in_mask.insert(l);
        CHECK(in_labels == in_mask);
        by_patient[row[1]].push_back(r);
    }
    REQUIRE(by_patient.size() == 6);

    // per patient: three timepoints in order, the patient's outcome and survival at each, and the truth
    std::size_t vanished = 0, appeared = 0;
    std::map<std::string, std::string> study_of;  // patient|timepoint -> study
    for (const auto& pt : tp["truth"]) {
        const std::string pid = pt["patient_id"];
        INFO(pid);
        const auto& rs = by_patient.at(pid);
        REQUIRE(rs.size() == 3);
        for (int t = 0; t < 3; ++t) {
            const auto& row = m.rows[rs[std::size_t(t)]];
            CHECK(row[m.col("timepoint")] == pipeline::timepoint_label(t));
            CHECK(row[m.col("timepoint")] == pt["studies"][std::size_t(t)]["timepoint"]);
            CHECK(row[0] == pt["studies"][std::size_t(t)]["study_id"]);
            CHECK(std::stoi(row[m.col("day")]) == pt["studies"][std::size_t(t)]["day"]);
            if (t > 0) {
                const int step = std::stoi(row[m.col("day")]) - std::stoi(m.rows[rs[std::size_t(t - 1)]][m.col("day")]);
                CHECK((step >= 53 && step <= 67));
            }
            for (const char* c : {"outcome", "time", "event"}) CHECK(row[m.col(c)] == m.rows[rs[0]][m.col(c)]);
            study_of[pid + "|" + std::to_string(t)] = row[0];
        }
        int baseline_max = 0;
        for (const auto& l : pt["lesions"])
            if (l["appears"] == "baseline") baseline_max = std::max(baseline_max, l["label"].get<int>());
        for (const auto& l : pt["lesions"]) {
            const int label = l["label"];
            INFO(l["lesion_id"].get<std::string>());
            CHECK(l["lesion_id"] == "L" + std::to_string(label));
            const std::string course = l["course"];
            for (int t = 0; t < 3; ++t) {
                const auto& at = l["timepoints"][std::size_t(t)];
                const std::string sid = study_of[pid + "|" + std::to_string(t)];
                const bool in_mask = voxels[sid].count(label) > 0;
                CHECK(at["present"].get<bool>() == in_mask);
                if (in_mask) CHECK(at["voxels"].get<std::size_t>() == voxels[sid][label]);
                const bool before = l["appears"] != "baseline" && t < (l["appears"] == "fu1" ? 1 : 2);
                const bool after = !l["vanishes"].is_null() && t >= (l["vanishes"] == "fu1" ? 1 : 2);
                CHECK(in_mask == (!before && !after));
            }
            if (course == "vanish") {
                ++vanished;
                CHECK(!l["vanishes"].is_null());
            }
            if (course == "new") {
                ++appeared;
                CHECK(label > baseline_max);  // a label value never used before for the patient
                CHECK(!l["timepoints"][0]["present"].get<bool>());
            }
            // the lesion's centre moves by its drift (<= 1.5 mm per axis, 0 at baseline) plus the patient's shift only
            const int first = l["appears"] == "baseline" ? 0 : l["appears"] == "fu1" ? 1 : 2;
            const auto& c0 = l["timepoints"][std::size_t(first)];
            for (int t = first; t < 3; ++t) {
                const auto& at = l["timepoints"][std::size_t(t)];
                if (!at["present"].get<bool>()) continue;
                for (std::size_t a = 0; a < 3; ++a) {
                    const double shift = pt["studies"][std::size_t(t)]["shift_mm"][a].get<double>() -
                                         pt["studies"][std::size_t(first)]["shift_mm"][a].get<double>();
                    const double moved = at["centre_mm"][a].get<double>() - c0["centre_mm"][a].get<double>() - shift;
                    CHECK(std::abs(moved) <= (first == 0 ? 1.5 : 3.0) + 2e-3);  // JSON rounds to 0.001 mm
                }
            }
        }
    }
    CHECK(vanished >= 1);
    CHECK(appeared >= 1);

    // radhpc run (morph + stat) and export: the measured volume ratio of a lesion between two timepoints
    std::ofstream(dir / "job.yaml") << "version: 1\nname: timepoints\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
                                    << "  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures:\n  families: [morph, stat]\n";
    REQUIRE(testutil::sh("HDF5_USE_FILE_LOCKING=FALSE " + std::string(RADHPC_BINARY) + " run " + (dir / "job.yaml").string() + " --manifest " +
                             (out / "manifest.csv").string() + " --store " + (dir / "store").string() + " -q",
                         dir / "run.log") == 0);
    REQUIRE(radhpc_cli("export " + (dir / "store").string() + " --format csv --metadata --out " + (dir / "features.csv").string(),
                       dir / "export.log") == 0);
    const Table f = read_table(dir / "features.csv");
    std::map<std::string, double> volume;  // study|label -> morph_volume
    for (const auto& r : f.rows) {
        CHECK(r[f.col("perturbation")] == "none");
        volume[r[f.col("study_id")] + "|" + r[f.col("lesion")]] = std::stod(r[f.col("morph_volume")]);
    }
    std::size_t total_lesions = 0;
    for (const auto& [sid, ls] : voxels) total_lesions += ls.size();
    REQUIRE(volume.size() == total_lesions);  // every lesion of every study measured, nothing else

    std::size_t pairs = 0;
    double signed_sum = 0, worst = 0, worst_share = 0;
    for (const auto& pt : tp["truth"]) {
        const std::string pid = pt["patient_id"];
        for (const auto& l : pt["lesions"])
            for (int s = 0; s < 3; ++s)
                for (int t = s + 1; t < 3; ++t) {
                    const auto &a = l["timepoints"][std::size_t(s)], &b = l["timepoints"][std::size_t(t)];
                    if (!a["present"].get<bool>() || !b["present"].get<bool>()) continue;
                    const std::string sa = study_of[pid + "|" + std::to_string(s)], sb = study_of[pid + "|" + std::to_string(t)];
                    const std::string label = std::to_string(l["label"].get<int>());
                    const double planted = b["volume_factor"].get<double>() / a["volume_factor"].get<double>();
                    const double measured = volume.at(sb + "|" + label) / volume.at(sa + "|" + label);
                    const double err = measured / planted - 1;
                    const double tol = volume_tolerance(slices[sa][std::stoi(label)], slices[sb][std::stoi(label)]);
                    INFO(pid << " " << l["lesion_id"].get<std::string>() << " " << s << "->" << t << ": planted " << planted << " measured "
                             << measured << " tolerance " << tol);
                    CHECK(std::abs(err) <= tol);
                    ++pairs;
                    signed_sum += err;
                    worst = std::max(worst, std::abs(err));
                    worst_share = std::max(worst_share, std::abs(err) / tol);
                }
    }
    INFO(pairs << " pairs: worst relative error " << worst << ", worst error / tolerance " << worst_share << ", mean signed error "
               << signed_sum / double(pairs));
    CHECK(pairs >= 30);
    CHECK(std::abs(signed_sum / double(pairs)) < 0.01);  // no bias: the factor is planted on the continuous volume
    WARN("volume ratios: " << pairs << " pairs, worst |error| " << worst << ", worst error/tolerance " << worst_share << ", mean signed "
                           << signed_sum / double(pairs));
    fs::remove_all(dir);
}

TEST_CASE("synth --timepoints --format dicom: ROI and segment names carry the identity, default names unchanged", "[synth][timepoints]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_tp_", "dicom");
    REQUIRE(radhpc_cli("synth --timepoints 2 --format dicom --studies 2 --seed 3 --out " + (dir / "tp").string(), dir / "tp.log") == 0);
    const Table m = read_table(dir / "tp" / "manifest.csv");
    REQUIRE(m.header.back() == "lesion_ids");
    REQUIRE(m.rows.size() == 2);
    for (const auto& row : m.rows) {
        INFO(row[0]);
        CHECK(row[m.col("labels")].empty());  // one lesion per ROI, as without --timepoints
        const auto ids = split(row[m.col("lesion_ids")], ';'), masks = split(row[m.col("mask")], ';');
        REQUIRE(ids.size() == masks.size());
        std::vector<std::string> expected;
        for (std::size_t k = 0; k < ids.size(); ++k) {
            CHECK(masks[k] == "dicom/" + row[0] + "/rtstruct.dcm#lesion-" + ids[k]);
            expected.push_back("lesion-" + ids[k]);
        }
        std::vector<std::string> rois, segments;
        for (const auto& r : io::read_rtstruct_info((dir / "tp" / "dicom" / row[0] / "rtstruct.dcm").string()).rois) rois.push_back(r.name);
        for (const auto& s : io::read_seg_info((dir / "tp" / "dicom" / row[0] / "seg.dcm").string()).segments) segments.push_back(s.label);
        CHECK(rois == expected);
        CHECK(segments == expected);
    }
    // the baseline's lesions keep their names at the follow-up (seed 3: L1-L3, then L4 and L5 appear)
    CHECK(m.rows[0][m.col("lesion_ids")] == "L1;L2;L3");
    CHECK(m.rows[1][m.col("lesion_ids")] == "L1;L2;L3;L4;L5");
    // without --timepoints the ROIs are named by label value as before
    REQUIRE(radhpc_cli("synth --format dicom --studies 1 --out " + (dir / "plain").string(), dir / "plain.log") == 0);
    const Table p = read_table(dir / "plain" / "manifest.csv");
    CHECK(p.header.back() == "scanner");
    CHECK(p.rows.at(0)[p.col("mask")].rfind("dicom/S0001/rtstruct.dcm#lesion-1", 0) == 0);
    CHECK(io::read_rtstruct_info((dir / "plain" / "dicom" / "S0001" / "rtstruct.dcm").string()).rois.at(0).name == "lesion-1");
    fs::remove_all(dir);
}

TEST_CASE("synth --timepoints composes with --sites and refuses what it does not do", "[synth][timepoints]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_tp_", "sites");
    REQUIRE(radhpc_cli("synth --timepoints 3 --sites 2 --signal --format nrrd --studies 6 --seed 4 --out " + (dir / "c").string(),
                       dir / "c.log") == 0);
    // w = (0.6, 0.4): patients ceil(6 w / 3) = 2, 1 of three studies each
    const auto plan = pipeline::site_plan(6, 2, 4, 3);
    REQUIRE(plan[0].patients == 2);
    REQUIRE(plan[1].patients == 1);
    CHECK(nlohmann::json::parse(testutil::slurp(dir / "c" / "sites.json"))["timepoints"] == 3);
    for (const auto& site : plan) {
        const auto sd = dir / "c" / ("site-" + std::to_string(site.site));
        INFO(sd);
        const Table m = read_table(sd / "manifest.csv");
        CHECK(m.header == std::vector<std::string>{"study_id", "patient_id", "image", "mask", "labels", "outcome", "scanner", "time", "event",
                                                   "timepoint", "day", "lesion_ids", "site"});
        REQUIRE(m.rows.size() == std::size_t(3 * site.patients));
        const auto tp = nlohmann::json::parse(testutil::slurp(sd / "timepoints.json"));
        REQUIRE(tp["truth"].size() == std::size_t(site.patients));
        for (std::size_t r = 0; r < m.rows.size(); ++r) {
            const auto& row = m.rows[r];
            const auto& pt = tp["truth"][r / 3];
            CHECK(row[1] == pt["patient_id"]);
            CHECK(row[0] == pt["studies"][r % 3]["study_id"]);
            CHECK(row[0].rfind(site.prefix, 0) == 0);
            CHECK(row[m.col("timepoint")] == pipeline::timepoint_label(int(r % 3)));
            CHECK(row[m.col("site")] == "site-" + std::to_string(site.site));
            CHECK(fs::exists(sd / row[m.col("image")]));
        }
    }
    CHECK(radhpc_cli("synth --timepoints 1 --studies 2 --out " + (dir / "x").string(), dir / "x.log") != 0);
    CHECK(radhpc_cli("synth --timepoints 7 --studies 2 --out " + (dir / "x").string(), dir / "x.log") != 0);
    CHECK(radhpc_cli("synth --timepoints 2 --size clinical --studies 2 --out " + (dir / "y").string(), dir / "y.log") != 0);
    CHECK(testutil::slurp(dir / "y.log").find("--timepoints is implemented for --size small only") != std::string::npos);
    fs::remove_all(dir);
}

// Checksums from the binary BEFORE --timepoints existed (commit c288b8f, branch main), hashed by
// content_checksum's method (a small program on radhpc::store::xxh64 and zlib's gzread):
// `radhpc synth --studies 4 --format nrrd --out A` and `radhpc synth --studies 2 --format dicom --out B`.
// The NRRD images (gzip inside the file, bytes that depend on the zlib build) and the DICOM CT slices are
// not pinned here; the pre-change and post-change archives default (6 studies), --signal (6, seed 7),
// --format nrrd (4), --sites 3 --signal (12, seed 5) and --format dicom (2) were compared with diff -r:
// identical, all 130 files. The default and --signal NIfTI archives are pinned in tests/synth_sites.
TEST_CASE("synth without --timepoints writes the NRRD and DICOM archives of the pre-change binary", "[synth][timepoints]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_tp_", "unchanged");
    REQUIRE(radhpc_cli("synth --studies 4 --format nrrd --out " + (dir / "a").string(), dir / "a.log") == 0);
    CHECK(content_checksum(dir / "a" / "manifest.csv") == "d6590f513f8c3946");
    REQUIRE(radhpc_cli("synth --studies 2 --format dicom --out " + (dir / "b").string(), dir / "b.log") == 0);
    const std::map<std::string, std::string> dicom = {
        {"manifest.csv", "8130a87f6b1f8d86"},           {"dicom/S0001/rtstruct.dcm", "31c2f184a0c780cf"},
        {"dicom/S0002/rtstruct.dcm", "1fb49188ede6bc09"}, {"dicom/S0001/seg.dcm", "5392d4b97d8f3b7b"},
        {"dicom/S0002/seg.dcm", "1598d26fe2daef46"},
    };
    for (const auto& [file, sum] : dicom) {
        INFO(file);
        CHECK(content_checksum(dir / "b" / file) == sum);
    }
    fs::remove_all(dir);
}
