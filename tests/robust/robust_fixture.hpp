// Helpers of the robustness tests: sweep jobs over the batch suite's tiny archives, a test-retest
// archive, reading the store, and the R oracle (psych::ICC through tests/stats_cli/r/icc.R).
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "batch/batch_fixture.hpp"
#include "radhpc/store/store.hpp"

namespace robust_test {
using namespace batch_test;
namespace store = radhpc::store;

// The batch suite's tiny job (families morph, stat, ih, szm) plus `extra` top-level sections.
inline std::string sweep_job(const fs::path& dir, const std::string& extra, const std::string& name = "job.yaml") {
    const std::string base = slurp(tiny_job(dir));
    const fs::path p = dir / name;
    std::ofstream(p) << base << extra;
    return p.string();
}

// 20 perturbations + the original: 5 rotations x 4 in-plane translations (IBSI scheme, smaller).
inline const char* kSweep20 =
    "perturbations:\n  seed: 11\n  rotation: {angles: [-10, -5, 0, 5, 10]}\n  translation: {fractions: [0, 0.5], axes: xy}\n";

// CSV rows as cells (the tests' tables have no quoted commas).
using testutil::csv_rows;

inline std::string export_table(const fs::path& store, const std::string& table, const fs::path& out, const std::string& extra = "") {
    const int rc = sh(kRadhpc + " export '" + store.string() + "' --table " + table + extra + " --out '" + out.string() + "'",
                      out.string() + ".log");
    if (rc != 0) return "export failed: " + slurp(out.string() + ".log");
    return slurp(out);
}

// psych::ICC(x, lmer = FALSE) per feature of a long CSV (subject, rater, features): name
// "<feature>_<ICC type>" -> {icc, lower, upper}.
inline std::map<std::string, std::vector<double>> psych_icc(const fs::path& csv, const fs::path& dir) {
    if (std::system("Rscript --version > /dev/null 2>&1") != 0) FAIL("Rscript not found (R with psych is needed)");
    const fs::path out = dir / "psych_icc.csv", log = dir / "psych_icc.log";
    const std::string cmd = "Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/stats_cli/r/icc.R '" + csv.string() + "' '" +
                            out.string() + "' subject rater > '" + log.string() + "' 2>&1";
    if (std::system(cmd.c_str()) != 0) FAIL("R oracle failed: " << cmd << "\n" << slurp(log));
    std::map<std::string, std::vector<double>> r;
    for (const auto& row : csv_rows(slurp(out))) {
        if (row.size() != 2 || row[0] == "name") continue;
        r[row[0]].push_back(std::stod(row[1]));
    }
    return r;
}

// The store's ICC table against psych's (psych_icc) for the columns `usable` of `header`, all six
// forms: point estimates always, bounds except for the features in `no_within_variance` (psych's
// F-based bounds are 0/0 artefacts there); every row has `raters` raters (and `subjects` subjects
// unless 0). Returns the features whose psych ICC(1,1) reaches 0.7.
inline std::set<std::string> check_icc_against_psych(const store::Robustness& r, const std::map<std::string, std::vector<double>>& psych,
                                                     const std::vector<std::string>& header, const std::vector<std::size_t>& usable,
                                                     const std::set<std::string>& no_within_variance, std::int64_t raters,
                                                     std::size_t subjects, double tol) {
    std::map<std::string, const store::IccRow*> stored;
    for (const auto& e : r.icc) stored[e.feature + "_" + e.type] = &e;
    std::size_t compared = 0;
    std::set<std::string> robust_by_r;
    for (auto j : usable)
        for (const char* type : {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}) {
            const std::string key = header[j] + "_" + type;
            INFO(key);
            REQUIRE(stored.count(key) == 1);
            const auto& want = psych.at(key);
            const auto* got = stored.at(key);
            CHECK(got->raters == raters);
            if (subjects) CHECK(std::size_t(got->subjects) == subjects);
            CHECK(std::abs(got->icc - want[0]) <= tol);
            if (!no_within_variance.count(header[j])) {
                CHECK(std::abs(got->ci_lower - want[1]) <= tol);
                CHECK(std::abs(got->ci_upper - want[2]) <= tol);
            }
            if (std::string(type) == "ICC1" && want[0] >= 0.7) robust_by_r.insert(header[j]);
            ++compared;
        }
    CHECK(compared == usable.size() * 6);
    return robust_by_r;
}

}  // namespace robust_test
