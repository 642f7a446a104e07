// stats::sensitivity_band (the ROC band of radhpc report) against pROC 1.18's ci.se code path
// replayed in R on the same bootstrap replicates (tests/report/r/band_replay.R): the replicates are
// drawn by radhpc's seeded generator (stratified_resample), everything after the draw is pROC's.
// Tolerance 1e-12: sensitivities are counts / n, the interpolation and the type-7 quantile are the
// same arithmetic in both; only the last bit of a product may differ.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>

#include <tbb/global_control.h>

#include "radhpc/core/random.hpp"
#include "radhpc/stats/roc_band.hpp"
#include "report_fixture.hpp"

using namespace radhpc;
using report_test::close;

namespace {

struct BandData {
    std::vector<double> score;
    std::vector<int> outcome;
};

// 22 controls, 15 cases; scores rounded to 0.25 so that there are ties within and across groups.
BandData band_data() {
    BandData d;
    std::uint64_t s = 77;
    for (int i = 0; i < 37; ++i) {
        const int y = i % 8 < 3 ? 1 : 0;
        const double u = double(splitmix64(s) >> 11) * 0x1.0p-53;
        d.outcome.push_back(y);
        d.score.push_back(std::round((u * 3 + 0.9 * y) * 4) / 4);
    }
    return d;
}

void compare_with_proc(stats::Direction direction, const std::string& dir_text) {
    const auto dir = report_test::scratch("band" + std::to_string(int(direction)));
    const BandData d = band_data();
    // pROC's default grid seq(0, 1, .1) plus values that hit curve points exactly
    std::vector<double> sp;
    for (int k = 0; k <= 20; ++k) sp.push_back(k / 20.0);
    sp.push_back(13.0 / 22.0);
    sp.push_back(1.0 / 22.0);
    const int replicates = 300;
    const std::uint64_t seed = 4242;
    {
        std::ofstream o(dir / "orig.csv");
        o << "score,outcome\n";
        for (std::size_t i = 0; i < d.score.size(); ++i) o << report_test::fmt(d.score[i]) << "," << d.outcome[i] << "\n";
        std::ofstream r(dir / "reps.csv");
        r << "replicate,score,outcome\n";
        for (int b = 0; b < replicates; ++b)
            for (auto i : stats::stratified_resample(d.outcome, seed, std::uint64_t(b)))
                r << b << "," << report_test::fmt(d.score[i]) << "," << d.outcome[i] << "\n";
        std::ofstream g(dir / "sp.csv");
        g << "sp\n";
        char buf[40];
        for (double v : sp) {
            std::snprintf(buf, sizeof buf, "%.17g", v);
            g << buf << "\n";
        }
    }
    const auto r = report_test::run_r("band_replay.R",
                                      {(dir / "orig.csv").string(), (dir / "reps.csv").string(), (dir / "sp.csv").string(), dir_text, "0.95"},
                                      dir);
    const auto curve = stats::roc_curve(d.score, d.outcome, direction);
    const auto point = stats::sensitivity_at_specificities(curve, sp);
    const auto band = stats::sensitivity_band(d.score, d.outcome, sp, replicates, seed, 0.95, direction);
    for (std::size_t k = 0; k < sp.size(); ++k) {
        INFO("specificity " << sp[k]);
        CHECK(close(point[k], report_test::r_get(r, "point", k), 1e-12));
        CHECK(close(band.lower[k], report_test::r_get(r, "lower", k), 1e-12));
        CHECK(close(band.median[k], report_test::r_get(r, "median", k), 1e-12));
        CHECK(close(band.upper[k], report_test::r_get(r, "upper", k), 1e-12));
    }
    std::filesystem::remove_all(dir);
}

}  // namespace

TEST_CASE("ROC band: sensitivity at specificity and the stratified bootstrap band equal pROC's ci.se path", "[report][band]") {
    SECTION("direction <") { compare_with_proc(stats::Direction::controls_lower, "<"); }
    SECTION("direction >") { compare_with_proc(stats::Direction::controls_higher, ">"); }
}

TEST_CASE("ROC band: stratified replicates keep the group sizes and depend only on (seed, index)", "[report][band]") {
    const BandData d = band_data();
    const auto a = stats::stratified_resample(d.outcome, 9, 3), b = stats::stratified_resample(d.outcome, 9, 3);
    CHECK(a == b);
    CHECK(a != stats::stratified_resample(d.outcome, 9, 4));
    REQUIRE(a.size() == d.outcome.size());
    // controls first (22), then cases (15), each drawn from its own group
    REQUIRE(std::count(d.outcome.begin(), d.outcome.end(), 0) == 22);
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(d.outcome[a[k]] == (k < 22 ? 0 : 1));
}

TEST_CASE("ROC band: the same band with one thread and with all threads", "[report][band]") {
    const BandData d = band_data();
    std::vector<double> sp;
    for (int k = 0; k <= 50; ++k) sp.push_back(k / 50.0);
    const auto all = stats::sensitivity_band(d.score, d.outcome, sp, 400, 5);
    stats::SensitivityBand one;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = stats::sensitivity_band(d.score, d.outcome, sp, 400, 5);
    }
    CHECK(all.lower == one.lower);
    CHECK(all.median == one.median);
    CHECK(all.upper == one.upper);
}
