// IBSI 2 phase 2 (../shared/data/ibsi2/README.md, table 2): the filters applied to the IBSI CT phantom
// after the usual image processing, 18 intensity statistics of the filtered image in the ROI, through
// the ready job files jobs/ibsi2/phase2-<ID>.yaml (what `radhpc extract --settings` runs).
// Every row of reference_feature_values/reference_values.csv that has a value is checked with the
// CSV's own tolerance: |computed - consensus_value| <= tolerance (the README's pass rule; the
// tolerance column is the IBSI 2 consensus tolerance from theibsi/ibsi_2_reference_data). The one
// row without a value (8.B stat_qcod) is skipped. This copy of the CSV holds 1.A ... 5.B; for the ids
// it lacks (6.A ... 9.B) the test checks that the job computes the 18 tags as finite values, and
// checks the values too as soon as a CSV with them is staged.
// Time (2 cores, idle machine): each A id 1-4 s, the B ids 1-6 s, except 5.B (Gabor on 3 orthogonal
// planes, ~27 s) and 8.B / 9.B (3D Simoncelli on the whole 1 mm grid, mirror-extended to 400x394x360:
// ~36 s and 1.1 GB each, 2-4x that on a loaded machine). 8.B and 9.B have no reference values in this
// copy of the CSV, so they are hidden from ctest ([.]); run them with `test_reference "[slow]"`.
#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {

const std::string kData = RADHPC_SHARED_DATA;
const std::string kSource = RADHPC_SOURCE_DIR;
const std::string kImage = kData + "/ibsi1/ct_phantom/nifti/image/phantom.nii.gz";
const std::string kMask = kData + "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz";

const std::vector<std::string> kTags{"stat_mean", "stat_var",   "stat_skew", "stat_kurt", "stat_median", "stat_min",
                                     "stat_p10",  "stat_p90",   "stat_max",  "stat_iqr",  "stat_range",  "stat_mad",
                                     "stat_rmad", "stat_medad", "stat_cov",  "stat_qcod", "stat_energy", "stat_rms"};

struct Row {
    std::string tag;
    double value, tolerance;
};

// filter_id;feature;feature_tag;consensus_value;tolerance  (';'-separated; rows without a value skipped)
std::map<std::string, std::vector<Row>> read_reference() {
    std::ifstream in(kData + "/ibsi2/reference_feature_values/reference_values.csv");
    REQUIRE(in);
    std::map<std::string, std::vector<Row>> out;
    std::string line;
    std::getline(in, line);
    REQUIRE(line == "filter_id;feature;feature_tag;consensus_value;tolerance");
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> f;
        std::stringstream ss(line);
        for (std::string x; std::getline(ss, x, ';');) f.push_back(x);
        if (f.size() < 5 || f[3].empty() || f[4].empty()) continue;
        out[f[0]].push_back({f[2], std::stod(f[3]), std::stod(f[4])});
    }
    return out;
}

FeatureValues run(const std::string& id) {
    const auto job = io::read_job_file(kSource + "/jobs/ibsi2/phase2-" + id + ".yaml");
    return pipeline::extract_files(kImage, kMask, job.settings).features;
}

void check_config(const std::string& id) {
    static const auto reference = read_reference();
    const FeatureValues got = run(id);
    // exactly the 18 plain IBSI tags, in the stat family's order
    REQUIRE(got.size() == kTags.size());
    for (std::size_t i = 0; i < kTags.size(); ++i) {
        CHECK(got[i].name == kTags[i]);
        CHECK(std::isfinite(got[i].value));
    }
    std::map<std::string, double> value;
    for (const auto& f : got) value[f.name] = f.value;
    const auto it = reference.find(id);
    if (it == reference.end()) {
        std::printf("IBSI 2 phase 2 %s: no reference values in this copy of the CSV; 18 finite values computed\n", id.c_str());
        return;
    }
    double worst = 0;
    std::string worst_tag;
    for (const Row& r : it->second) {
        const double v = value.at(r.tag);
        INFO(id << " " << r.tag << ": computed " << v << ", reference " << r.value << " +- " << r.tolerance);
        CHECK(std::abs(v - r.value) <= r.tolerance);
        if (std::abs(v - r.value) / r.tolerance >= worst) {
            worst = std::abs(v - r.value) / r.tolerance;
            worst_tag = r.tag;
        }
    }
    std::printf("IBSI 2 phase 2 %s: %zu reference values, worst |computed - reference| = %.3f x tolerance (%s)\n", id.c_str(),
                it->second.size(), worst, worst_tag.c_str());
}

}  // namespace

TEST_CASE("IBSI 2 phase 2 1.A unfiltered 2D", "[reference][ibsi2]") { check_config("1.A"); }
TEST_CASE("IBSI 2 phase 2 1.B unfiltered 3D", "[reference][ibsi2]") { check_config("1.B"); }
TEST_CASE("IBSI 2 phase 2 2.A mean 2D", "[reference][ibsi2]") { check_config("2.A"); }
TEST_CASE("IBSI 2 phase 2 2.B mean 3D", "[reference][ibsi2]") { check_config("2.B"); }
TEST_CASE("IBSI 2 phase 2 3.A LoG 2D", "[reference][ibsi2]") { check_config("3.A"); }
TEST_CASE("IBSI 2 phase 2 3.B LoG 3D", "[reference][ibsi2]") { check_config("3.B"); }
TEST_CASE("IBSI 2 phase 2 4.A Laws 2D", "[reference][ibsi2]") { check_config("4.A"); }
TEST_CASE("IBSI 2 phase 2 4.B Laws 3D", "[reference][ibsi2]") { check_config("4.B"); }
TEST_CASE("IBSI 2 phase 2 5.A Gabor 2D", "[reference][ibsi2]") { check_config("5.A"); }
TEST_CASE("IBSI 2 phase 2 5.B Gabor orthogonal planes", "[reference][ibsi2][slow]") { check_config("5.B"); }
TEST_CASE("IBSI 2 phase 2 6.A wavelet 2D", "[reference][ibsi2]") { check_config("6.A"); }
TEST_CASE("IBSI 2 phase 2 6.B wavelet 3D", "[reference][ibsi2]") { check_config("6.B"); }
TEST_CASE("IBSI 2 phase 2 7.A decomposed wavelet 2D", "[reference][ibsi2]") { check_config("7.A"); }
TEST_CASE("IBSI 2 phase 2 7.B decomposed wavelet 3D", "[reference][ibsi2]") { check_config("7.B"); }
TEST_CASE("IBSI 2 phase 2 8.A Simoncelli 2D", "[reference][ibsi2]") { check_config("8.A"); }
TEST_CASE("IBSI 2 phase 2 8.B Simoncelli 3D", "[.][reference][ibsi2][slow]") { check_config("8.B"); }
TEST_CASE("IBSI 2 phase 2 9.A decomposed Simoncelli 2D", "[reference][ibsi2]") { check_config("9.A"); }
TEST_CASE("IBSI 2 phase 2 9.B decomposed Simoncelli 3D", "[.][reference][ibsi2][slow]") { check_config("9.B"); }

TEST_CASE("IBSI 2 phase 2: filtered features are bit-identical for 1 and 2 threads", "[reference][ibsi2]") {
    // 4.B (Laws, 24 rotations, energy map) and 7.A (decomposed wavelet) through the whole pipeline
    for (const std::string id : {"4.B", "7.A"}) {
        FeatureValues one;
        {
            tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
            one = run(id);
        }
        const FeatureValues two = run(id);
        REQUIRE(one.size() == two.size());
        for (std::size_t i = 0; i < one.size(); ++i) {
            INFO(id << " " << one[i].name);
            CHECK(one[i].name == two[i].name);
            CHECK(std::memcmp(&one[i].value, &two[i].value, sizeof(double)) == 0);
        }
    }
}
