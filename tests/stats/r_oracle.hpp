// Test helpers: deterministic synthetic data, CSV exchange with R, and running the oracle scripts
// in tests/stats/r/. A missing Rscript is a test failure (CI installs R), never a skip.
#pragma once
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "radhpc/stats/random.hpp"

namespace rtest {

// Deterministic normal variates (Box-Muller on the project's seeded generator).
class Gen {
public:
    explicit Gen(std::uint64_t seed) : rng_(seed) {}
    double uniform() { return rng_.uniform(); }
    double normal() {
        double u1 = rng_.uniform();
        while (u1 <= 0.0) u1 = rng_.uniform();
        const double u2 = rng_.uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }
    int bernoulli(double p) { return rng_.uniform() < p ? 1 : 0; }
    std::uint64_t below(std::uint64_t n) { return rng_.below(n); }

private:
    radhpc::stats::Rng rng_;
};

// Per-process scratch folder for the CSVs exchanged with R, removed when the test program exits.
inline std::filesystem::path temp_dir() {
    struct Scratch {
        std::filesystem::path dir;
        Scratch() : dir(std::filesystem::temp_directory_path() / ("radhpc_stats_" + std::to_string(::getpid()))) {
            std::filesystem::create_directories(dir);
        }
        ~Scratch() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    };
    static const Scratch scratch;
    return scratch.dir;
}

struct Table {
    std::vector<std::string> names;
    std::vector<std::vector<double>> columns;
    void add(const std::string& name, std::vector<double> values) {
        names.push_back(name);
        columns.push_back(std::move(values));
    }
    template <class T>
    void add_int(const std::string& name, const std::vector<T>& values) {
        add(name, std::vector<double>(values.begin(), values.end()));
    }
};

inline void write_csv(const std::filesystem::path& path, const Table& t) {
    std::ofstream out(path);
    for (std::size_t j = 0; j < t.names.size(); ++j) out << (j ? "," : "") << t.names[j];
    out << "\n";
    const std::size_t n = t.columns.empty() ? 0 : t.columns[0].size();
    char buf[64];
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < t.columns.size(); ++j) {
            std::snprintf(buf, sizeof buf, "%.17g", t.columns[j][i]);
            out << (j ? "," : "") << buf;
        }
        out << "\n";
    }
}

inline double parse_number(const std::string& s) {
    if (s == "NA" || s == "NaN") return std::nan("");
    if (s == "Inf") return INFINITY;
    if (s == "-Inf") return -INFINITY;
    return std::stod(s);
}

// The oracle scripts write long-format CSV "name,value"; repeated names form vectors in order.
using Results = std::map<std::string, std::vector<double>>;

inline Results read_results(const std::filesystem::path& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    Results r;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto comma = line.rfind(',');
        std::string name = line.substr(0, comma);
        if (name.size() >= 2 && name.front() == '"') name = name.substr(1, name.size() - 2);
        r[name].push_back(parse_number(line.substr(comma + 1)));
    }
    return r;
}

inline void require_rscript() {
    const int rc = std::system("Rscript --version > /dev/null 2>&1");
    if (rc != 0)
        FAIL("Rscript not found on PATH: the stats tests need R with glmnet, pROC, survival, rms, psych "
             "(Debian: r-base-core r-cran-glmnet r-cran-proc r-cran-survival r-cran-rms r-cran-psych r-cran-metafor)");
}

// Runs tests/stats/r/<script> with the given arguments; returns the parsed output file.
inline Results run_r(const std::string& script, const std::string& tag, const Table& input,
                     const std::vector<std::string>& args = {}) {
    require_rscript();
    const auto dir = temp_dir();
    const auto in = dir / (tag + "_in.csv");
    const auto out = dir / (tag + "_out.csv");
    const auto log = dir / (tag + ".log");
    write_csv(in, input);
    std::string cmd = "Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/stats/r/" + script + " " +
                      in.string() + " " + out.string();
    for (const auto& a : args) cmd += " " + a;
    cmd += " > " + log.string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    if (rc != 0) {
        std::ifstream l(log);
        std::stringstream ss;
        ss << l.rdbuf();
        FAIL("R oracle failed: " << cmd << "\n" << ss.str());
    }
    return read_results(out);
}

inline double get(const Results& r, const std::string& name, std::size_t i = 0) {
    const auto it = r.find(name);
    if (it == r.end() || it->second.size() <= i) FAIL("R output lacks " << name << "[" << i << "]");
    return it->second[i];
}

}  // namespace rtest
