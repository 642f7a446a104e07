// radhpc synth --sites K (issue 17): a multi-site cohort. The binary is run on a small count with
// --sites 3 --signal and its layout checked (site folders, sizes by the documented rule, IDs unique
// across sites, manifest columns, sites.json and each site's signal.json); the site effect is measured
// as a property of the written images (offset and extra noise against the same study without it); and
// the archive without --sites is checked unchanged against checksums of the pre-change binary.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "common/content_checksum.hpp"
#include "common/test_util.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/synth.hpp"

namespace fs = std::filesystem;
using namespace radhpc;

namespace {

int radhpc_cli(const std::string& args, const fs::path& log) { return testutil::sh(std::string(RADHPC_BINARY) + " " + args, log); }

using testutil::content_checksum;

// Checksums of archives written by the binary BEFORE --sites existed (commit daf1d3f, branch main):
// `radhpc synth --studies 6 --out A` and `radhpc synth --studies 6 --seed 7 --signal --out B`, hashed by
// content_checksum's method (a small program on radhpc::store::xxh64 and zlib's gzread). The same
// pre-change archives were also compared file by file (diff -r) with the post-change ones: identical,
// compressed bytes included.
const std::map<std::string, std::string> kDefaultArchive = {
    {"manifest.csv", "6e3e64db3640e187"},
    {"images/S0001.nii.gz", "26bce81e1fad54bf"},       {"images/S0002.nii.gz", "e11ba7be0f9372ec"},
    {"images/S0003.nii.gz", "d4b5c8cd3d7feb50"},       {"images/S0004.nii.gz", "1b297b8db4e86647"},
    {"images/S0005.nii.gz", "86a001afe901dd92"},       {"images/S0006.nii.gz", "27ca5f3cb1296102"},
    {"masks/S0001_labels.nii.gz", "301c037e415c1ea1"}, {"masks/S0002_labels.nii.gz", "e7fa5f9a8d008b01"},
    {"masks/S0003_labels.nii.gz", "53bb61ec90efa8aa"}, {"masks/S0004_labels.nii.gz", "a099612e26fd8a99"},
    {"masks/S0005_labels.nii.gz", "da5dc296896ce470"}, {"masks/S0006_labels.nii.gz", "1f7007a16c081e96"},
};
const std::map<std::string, std::string> kSignalArchive = {
    {"manifest.csv", "f0a9e4b60c7eaff1"},
    {"signal.json", "5fa41ed2b3cae8fd"},
    {"images/S0001.nii.gz", "ec61f99d7ef5a6e4"},       {"images/S0002.nii.gz", "162a4c4d24f5c2b3"},
    {"images/S0003.nii.gz", "221e195d648c1122"},       {"images/S0004.nii.gz", "8a42838f4e44ae17"},
    {"images/S0005.nii.gz", "fca72f3687639477"},       {"images/S0006.nii.gz", "a0bca215a99c4a44"},
    {"masks/S0001_labels.nii.gz", "00d82ba596a241af"}, {"masks/S0002_labels.nii.gz", "26611e6a56d600dd"},
    {"masks/S0003_labels.nii.gz", "8d17d00860fd68e3"}, {"masks/S0004_labels.nii.gz", "dafb8e87c832ec45"},
    {"masks/S0005_labels.nii.gz", "44a13695c6df27a6"}, {"masks/S0006_labels.nii.gz", "f68754d118d05666"},
};

void require_archive(const fs::path& dir, const std::map<std::string, std::string>& expected) {
    std::size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) files += e.is_regular_file();
    REQUIRE(files == expected.size());
    for (const auto& [file, sum] : expected) {
        INFO(file);
        CHECK(content_checksum(dir / file) == sum);
    }
}

}  // namespace

TEST_CASE("synth without --sites writes the archive of the pre-change binary", "[synth][sites]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_sites_", "default");
    REQUIRE(radhpc_cli("synth --studies 6 --out " + (dir / "a").string(), dir / "a.log") == 0);
    require_archive(dir / "a", kDefaultArchive);
    REQUIRE(radhpc_cli("synth --studies 6 --seed 7 --signal --out " + (dir / "b").string(), dir / "b.log") == 0);
    require_archive(dir / "b", kSignalArchive);
    fs::remove_all(dir);
}

TEST_CASE("site plan: the documented sizes and effects", "[synth][sites]") {
    const auto p = pipeline::site_plan(40, 3, 1);
    REQUIRE(p.size() == 3);
    // w = (1/2, 1/3, 1/4) / (13/12) = 6/13, 4/13, 3/13; patients ceil(20 w) = 10, 7, 5
    CHECK(p[0].patients == 10);
    CHECK(p[1].patients == 7);
    CHECK(p[2].patients == 5);
    CHECK(p[0].offset_hu == -30);
    CHECK(p[1].offset_hu == 0);
    CHECK(p[2].offset_hu == 30);
    CHECK(p[0].noise_sd_hu == 15);
    CHECK(p[1].noise_sd_hu == 25);
    CHECK(p[2].noise_sd_hu == 5);
    for (int k = 2; k <= pipeline::kMaxSynthSites; ++k)
        for (int studies : {40, 41, 100, 333}) {
            const auto q = pipeline::site_plan(studies, k, 9);
            int total = 0;
            std::set<std::uint64_t> seeds;
            for (std::size_t i = 0; i < q.size(); ++i) {
                INFO("K " << k << " studies " << studies << " site " << i + 1);
                CHECK(q[i].patients >= 5);
                CHECK(q[i].studies == 2 * q[i].patients);
                if (i > 0) CHECK(q[i].patients <= q[i - 1].patients);
                total += q[i].studies;
                seeds.insert(q[i].seed);
            }
            CHECK(total >= studies);
            CHECK(seeds.size() == q.size());
        }
    CHECK_THROWS(pipeline::site_plan(10, 1, 1));
    CHECK_THROWS(pipeline::site_plan(10, pipeline::kMaxSynthSites + 1, 1));
}

TEST_CASE("synth --sites 3 --signal: site folders, sizes, unique IDs, columns and the site effect", "[synth][sites]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_sites_", "cohort");
    const auto out = dir / "cohort";
    constexpr int kStudies = 12;
    constexpr std::uint64_t kSeed = 5;
    REQUIRE(radhpc_cli("synth --studies " + std::to_string(kStudies) + " --seed " + std::to_string(kSeed) + " --sites 3 --signal --out " +
                           out.string(),
                       dir / "synth.log") == 0);
    const auto plan = pipeline::site_plan(kStudies, 3, kSeed);
    // 12 studies: patients ceil(6 w) = ceil(2.77, 1.85, 1.38) = 3, 2, 2 (floor 1 below 40 studies)
    REQUIRE(plan[0].patients == 3);
    REQUIRE(plan[1].patients == 2);
    REQUIRE(plan[2].patients == 2);

    const auto sites = nlohmann::json::parse(testutil::slurp(out / "sites.json"));
    CHECK(sites["sites"] == 3);
    CHECK(sites["studies"] == 14);
    CHECK(sites["signal"] == true);
    std::set<std::string> studies, patients;
    for (const auto& site : plan) {
        const fs::path sd = out / ("site-" + std::to_string(site.site));
        INFO("site " << site.site);
        const auto& js = sites["site_list"][std::size_t(site.site - 1)];
        CHECK(js["patients"] == site.patients);
        CHECK(js["offset_hu"] == site.offset_hu);
        CHECK(js["noise_sd_hu"] == site.noise_sd_hu);
        CHECK(js["seed"] == site.seed);
        const auto rows = testutil::csv_rows(testutil::slurp(sd / "manifest.csv"));
        REQUIRE(rows.size() == std::size_t(site.studies) + 1);
        REQUIRE(rows[0] == std::vector<std::string>{"study_id", "patient_id", "image", "mask", "labels", "outcome", "scanner", "time",
                                                    "event", "site"});
        std::map<std::string, std::vector<std::vector<std::string>>> by_patient;
        for (std::size_t r = 1; r < rows.size(); ++r) {
            const auto& row = rows[r];
            REQUIRE(row.size() == 10);
            CHECK(row[0].rfind(site.prefix, 0) == 0);
            CHECK(row[1].rfind(site.prefix, 0) == 0);
            CHECK(row[9] == "site-" + std::to_string(site.site));
            CHECK(fs::exists(sd / row[2]));
            CHECK(fs::exists(sd / row[3]));
            CHECK(studies.insert(row[0]).second);  // unique across sites
            by_patient[row[1]].push_back(row);
        }
        CHECK(by_patient.size() == std::size_t(site.patients));
        for (const auto& [pid, rs] : by_patient) {
            CHECK(patients.insert(pid).second);
            REQUIRE(rs.size() == 2);
            for (int c : {5, 7, 8}) CHECK(rs[0][std::size_t(c)] == rs[1][std::size_t(c)]);  // outcome, time, event per patient
        }
        // the site's signal.json: its own truth for the same (prefixed) patients
        const auto signal = nlohmann::json::parse(testutil::slurp(sd / "signal.json"));
        CHECK(signal["seed"] == site.seed);
        std::set<std::string> truth;
        for (const auto& t : signal["truth"]) truth.insert(t["patient_id"].get<std::string>());
        std::set<std::string> manifest_patients;
        for (const auto& [pid, rs] : by_patient) manifest_patients.insert(pid);
        CHECK(truth == manifest_patients);

        // The site effect, measured: the written image minus the same study without the effect (the
        // site's archive seed, --signal) over voxels the HU clamp cannot reach: mean = offset, SD =
        // sqrt(noise^2 + 1/12) (the rounding of an integer-offset sum), to within 0.1 HU and 2 %.
        const auto base = pipeline::make_study(site.seed, 0, true);
        const auto written = io::read_image((sd / ("images/" + site.prefix + "S0001.nii.gz")).string());
        REQUIRE(written.data.size() == base.image.data.size());
        double n = 0, sum = 0, sum2 = 0;
        for (std::size_t v = 0; v < written.data.size(); ++v) {
            const double b = base.image.data[v];
            if (b + site.offset_hu - 6 * site.noise_sd_hu < -1024 || b + site.offset_hu + 6 * site.noise_sd_hu > 3071) continue;
            const double d = written.data[v] - b;
            n += 1;
            sum += d;
            sum2 += d * d;
        }
        REQUIRE(n > 1e5);
        const double mean = sum / n, sd_hu = std::sqrt((sum2 - sum * sum / n) / (n - 1));
        INFO("measured offset " << mean << " sd " << sd_hu << " over " << n << " voxels");
        CHECK(std::abs(mean - site.offset_hu) < 0.1);
        CHECK(std::abs(sd_hu / std::sqrt(site.noise_sd_hu * site.noise_sd_hu + 1.0 / 12) - 1) < 0.02);
    }
    fs::remove_all(dir);
}

TEST_CASE("synth --sites composes with --format and refuses a single site", "[synth][sites]") {
    const auto dir = testutil::scratch_dir("radhpc_synth_sites_", "format");
    REQUIRE(radhpc_cli("synth --studies 2 --sites 2 --format nrrd --out " + (dir / "n").string(), dir / "n.log") == 0);
    for (int k : {1, 2}) {
        const auto rows = testutil::csv_rows(testutil::slurp(dir / "n" / ("site-" + std::to_string(k)) / "manifest.csv"));
        REQUIRE(rows.size() == 3);
        CHECK(rows[0].back() == "site");
        CHECK(rows[1][2] == "images/s" + std::to_string(k) + "-S0001.nrrd");
    }
    CHECK(radhpc_cli("synth --studies 2 --sites 1 --out " + (dir / "x").string(), dir / "x.log") != 0);
    CHECK(radhpc_cli("synth --studies 2 --sites 2 --size clinical --signal --out " + (dir / "y").string(), dir / "y.log") != 0);
    CHECK(testutil::slurp(dir / "y.log").find("--signal is implemented for --size small only") != std::string::npos);
    fs::remove_all(dir);
}
