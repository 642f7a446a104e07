// Ligero et al., Radiology 2021, Table 3 (radiomics signature at the 0.29 threshold): the
// published 2x2 counts through the same function a signature run uses for its metrics
// (stats::diagnostic_metrics_from_counts), checked against the printed rounded values and
// against R (binom.test for the Clopper-Pearson intervals; the log-method LR interval).
#include <catch2/catch.hpp>

#include <cmath>

#include "radhpc/stats/diagnostic.hpp"
#include "study_util.hpp"

using radhpc::stats::diagnostic_metrics_from_counts;
using studytest::close;

namespace {
// Table 3 as printed: sensitivity 80 of 107 = 75% [65, 83], specificity 68 of 129 = 53% [44, 62].
constexpr std::int64_t kTp = 80, kFn = 107 - 80, kTn = 68, kFp = 129 - 68;
struct Printed {
    const char* what;
    int percent, lower, upper;
};
constexpr Printed kPrinted[] = {{"sensitivity", 75, 65, 83}, {"specificity", 53, 44, 62}};

int percent(double p) { return int(std::lround(100.0 * p)); }
}  // namespace

TEST_CASE("Ligero 2021 Table 3: sensitivity and specificity from the published counts match the printed values", "[study][table3]") {
    const auto m = diagnostic_metrics_from_counts(kTp, kFp, kTn, kFn);
    CHECK(m.true_positive + m.false_negative == 107);
    CHECK(m.true_negative + m.false_positive == 129);
    for (const auto& p : kPrinted) {
        INFO(p.what);
        const auto& e = std::string(p.what) == "sensitivity" ? m.sensitivity : m.specificity;
        CHECK(percent(e.estimate) == p.percent);
        CHECK(percent(e.lower) == p.lower);
        CHECK(percent(e.upper) == p.upper);
    }
}

TEST_CASE("Ligero 2021 Table 3 counts: every metric and interval equals R", "[study][table3]") {
    const auto dir = studytest::scratch("table3");
    const auto csv = dir / "counts.csv";
    {
        std::ofstream out(csv);
        out << "tp,fp,tn,fn\n" << kTp << "," << kFp << "," << kTn << "," << kFn << "\n";
    }
    const auto r = studytest::run_oracle("diagnostic.R", csv, "table3");
    const auto m = diagnostic_metrics_from_counts(kTp, kFp, kTn, kFn);
    const std::pair<const char*, radhpc::stats::Estimate> rows[] = {{"sensitivity", m.sensitivity}, {"specificity", m.specificity},
                                                                    {"ppv", m.ppv},                 {"npv", m.npv},
                                                                    {"lr_positive", m.lr_positive}, {"lr_negative", m.lr_negative}};
    for (const auto& [name, e] : rows) {
        INFO(name);
        const auto ref = studytest::values(r, name);
        REQUIRE(ref.size() == 3);
        CHECK(close(e.estimate, ref[0]));
        CHECK(close(e.lower, ref[1]));
        CHECK(close(e.upper, ref[2]));
    }

    SECTION("radhpc stats diagnostic prints the same numbers") {
        const auto run = clitest::run_radhpc("stats diagnostic --tp 80 --fn 27 --tn 68 --fp 61", "table3_cli");
        REQUIRE(run.exit_code == 0);
        for (const auto& [name, e] : rows) {
            INFO(name << "\n" << run.out);
            const std::string n(name);
            // %.17g round-trips: the CLI's numbers are the library's, bit for bit
            CHECK(clitest::json_value(run.out, n) == e.estimate);
            CHECK(clitest::json_value(run.out, n + "_lower") == e.lower);
            CHECK(clitest::json_value(run.out, n + "_upper") == e.upper);
        }
        CHECK(clitest::json_value(run.out, "true_positive") == 80);
        CHECK(clitest::json_value(run.out, "false_negative") == 27);
    }
}
