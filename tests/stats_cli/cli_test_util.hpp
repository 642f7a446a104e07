// Helpers of the stats_cli suite: run the built radhpc binary (RADHPC_BINARY) on CSVs the test
// writes, and run this suite's R oracles (tests/stats_cli/r/) on the same CSVs. Data generation
// and the long-format "name,value" exchange come from the stats suite's r_oracle.hpp.
#pragma once
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_util.hpp"
#include "stats/r_oracle.hpp"

namespace clitest {

using testutil::slurp;

struct RunResult {
    int exit_code = -1;
    std::string out, err;
};

// Runs `radhpc <args>`; stdout and stderr are captured into files of the scratch folder.
inline RunResult run_radhpc(const std::string& args, const std::string& tag) {
    const auto dir = rtest::temp_dir();
    const auto out = dir / (tag + ".stdout"), err = dir / (tag + ".stderr");
    const std::string cmd = std::string(RADHPC_BINARY) + " " + args + " > " + out.string() + " 2> " + err.string();
    const int rc = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

// Runs tests/stats_cli/r/<script> <csv> <out> <args...>; returns its "name,value" results.
inline rtest::Results run_oracle(const std::string& script, const std::filesystem::path& csv, const std::string& tag,
                                 const std::vector<std::string>& args = {}) {
    rtest::require_rscript();
    const auto dir = rtest::temp_dir();
    const auto out = dir / (tag + "_r.csv"), log = dir / (tag + "_r.log");
    std::string cmd = "Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/stats_cli/r/" + script + " " + csv.string() +
                      " " + out.string();
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " > " + log.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0) FAIL("R oracle failed: " << cmd << "\n" << slurp(log));
    return rtest::read_results(out);
}

// Value of a flat JSON object's numeric key (the stats commands write one key per line).
inline double json_value(const std::string& json, const std::string& key) {
    const auto k = json.find("\"" + key + "\":");
    if (k == std::string::npos) FAIL("JSON lacks key " << key << ":\n" << json);
    const auto v = json.substr(k + key.size() + 3);
    if (v.find_first_not_of(' ') != std::string::npos && v.substr(v.find_first_not_of(' '), 4) == "null") return std::nan("");
    return std::stod(v);
}

// Rows of a CSV as cells (no quoting needed for the tables these tests write and read; a
// trailing ',' does not add an empty cell).
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text) { return testutil::csv_rows(text, false); }

}  // namespace clitest
