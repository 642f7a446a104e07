// Helpers of the study suite: scratch folders, the radhpc binary (clitest::run_radhpc), this
// suite's R oracles (tests/study/r/), small CSV reading, and job variants written with yaml-cpp.
#pragma once
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "stats_cli/cli_test_util.hpp"

namespace studytest {
namespace fs = std::filesystem;

// Relative tolerance 1e-9 (absolute below 1), as the stats suites: every quantity compared with R
// here is closed form (plogis, mean, median, DeLong, qbeta), so differences are floating-point
// summation order and special-function implementations (~1e-13).
inline bool close(double a, double b, double tol = 1e-9) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b));
}

inline fs::path scratch(const std::string& name) {
    const fs::path d = rtest::temp_dir() / name;
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

inline std::string repo_path(const std::string& relative) { return (fs::path(RADHPC_SOURCE_DIR) / relative).string(); }

// A CSV without quoted commas (the tables radhpc export and the synthetic manifest write).
struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::size_t col(const std::string& name) const {
        for (std::size_t j = 0; j < header.size(); ++j)
            if (header[j] == name) return j;
        FAIL("CSV lacks column " << name);
        return 0;
    }
};
inline std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
}
inline Csv read_csv(const fs::path& p) {
    std::ifstream in(p);
    REQUIRE(in.good());
    Csv c;
    std::string line;
    std::getline(in, line);
    c.header = split(line);
    while (std::getline(in, line))
        if (!line.empty()) c.rows.push_back(split(line));
    return c;
}

// Adds columns to a synthetic manifest: value(row cells, header) per new column.
template <class F>
void add_manifest_column(const fs::path& manifest, const std::string& name, F value) {
    Csv c = read_csv(manifest);
    std::ofstream out(manifest);
    for (std::size_t j = 0; j < c.header.size(); ++j) out << (j ? "," : "") << c.header[j];
    out << "," << name << "\n";
    for (const auto& r : c.rows) {
        for (std::size_t j = 0; j < r.size(); ++j) out << (j ? "," : "") << r[j];
        out << "," << value(r, c) << "\n";
    }
}

inline std::string fmt17(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// Runs tests/study/r/<script> <csv> <out> <args...>; returns its "name,value" results.
inline rtest::Results run_oracle(const std::string& script, const fs::path& csv, const std::string& tag,
                                 const std::vector<std::string>& args = {}) {
    rtest::require_rscript();
    const auto dir = rtest::temp_dir();
    const auto out = dir / (tag + "_r.csv"), log = dir / (tag + "_r.log");
    std::string cmd = "Rscript --vanilla " + repo_path("tests/study/r/" + script) + " " + csv.string() + " " + out.string();
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " > " + log.string() + " 2>&1";
    if (std::system(cmd.c_str()) != 0) FAIL("R oracle failed: " << cmd << "\n" << clitest::slurp(log));
    return rtest::read_results(out);
}

inline std::vector<double> values(const rtest::Results& r, const std::string& name) {
    const auto it = r.find(name);
    if (it == r.end()) FAIL("R output lacks " << name);
    return it->second;
}

}  // namespace studytest
