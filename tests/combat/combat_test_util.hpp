// Helpers of the combat suite: synthetic multi-batch feature tables, and this suite's R oracles
// (tests/combat/r/) run on the CSVs the tests write. Data generation, the scratch folder and the
// long-format "name,value" exchange come from the stats suite's r_oracle.hpp; running radhpc from
// the stats_cli suite's helpers.
#pragma once
#include <Eigen/Dense>
#include <fstream>
#include <string>
#include <vector>

#include "stats_cli/cli_test_util.hpp"

namespace combattest {

// samples x features with per-batch location/scale effects and covariate effects.
struct BatchTable {
    std::vector<int> batch;          // 0-based
    Eigen::MatrixXd covariates;      // samples x 2: age (numeric), sex (0/1)
    Eigen::MatrixXd data;            // samples x features
    std::vector<std::string> names;  // feature names
};

inline BatchTable make_batches(const std::vector<int>& sizes, int features, std::uint64_t seed) {
    rtest::Gen g(seed);
    BatchTable t;
    int n = 0;
    for (std::size_t b = 0; b < sizes.size(); ++b)
        for (int i = 0; i < sizes[b]; ++i) t.batch.push_back(int(b));
    n = int(t.batch.size());
    // interleave batches so rows are not grouped
    for (std::size_t i = t.batch.size(); i > 1; --i) std::swap(t.batch[i - 1], t.batch[g.below(i)]);
    t.covariates.resize(n, 2);
    for (int i = 0; i < n; ++i) {
        t.covariates(i, 0) = 60 + 10 * g.normal();
        t.covariates(i, 1) = g.bernoulli(0.5);
    }
    t.data.resize(n, features);
    for (int f = 0; f < features; ++f) {
        t.names.push_back("f" + std::to_string(f + 1));
        const double mean = 10 * g.normal(), scale = std::exp(g.normal());
        const double age_effect = 0.05 * g.normal(), sex_effect = 0.5 * g.normal();
        std::vector<double> shift(sizes.size()), spread(sizes.size());
        for (std::size_t b = 0; b < sizes.size(); ++b) {
            shift[b] = 0.8 * g.normal();
            spread[b] = std::exp(0.4 * g.normal());
        }
        for (int i = 0; i < n; ++i) {
            const auto b = std::size_t(t.batch[std::size_t(i)]);
            t.data(i, f) = mean + scale * (shift[b] + spread[b] * g.normal() + age_effect * (t.covariates(i, 0) - 60) +
                                           sex_effect * t.covariates(i, 1));
        }
    }
    return t;
}

// CSV: batch (1-based number, or "B<k>" labels when text_batch), age, sex, an id column, features.
inline std::filesystem::path write_table(const BatchTable& t, const std::string& name, bool text_batch = false) {
    const auto path = rtest::temp_dir() / ("combat_" + name + ".csv");
    std::ofstream out(path);
    out << "batch,age,sex";
    for (const auto& f : t.names) out << "," << f;
    out << "\n";
    char buf[64];
    for (Eigen::Index i = 0; i < t.data.rows(); ++i) {
        const int b = t.batch[std::size_t(i)] + 1;
        if (text_batch) out << "B" << b; else out << b;
        std::snprintf(buf, sizeof buf, "%.17g", t.covariates(i, 0));
        out << "," << buf << "," << t.covariates(i, 1);
        for (Eigen::Index f = 0; f < t.data.cols(); ++f) {
            std::snprintf(buf, sizeof buf, "%.17g", t.data(i, f));
            out << "," << buf;
        }
        out << "\n";
    }
    return path;
}

// Runs tests/combat/r/<script> <csv> <out> <args...>.
inline rtest::Results run_oracle(const std::string& script, const std::filesystem::path& csv, const std::string& tag,
                                 const std::vector<std::string>& args) {
    rtest::require_rscript();
    const auto dir = rtest::temp_dir();
    const auto out = dir / (tag + "_r.csv"), log = dir / (tag + "_r.log");
    std::string cmd = "Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/combat/r/" + script + " " + csv.string() + " " +
                      out.string();
    for (const auto& a : args) cmd += " '" + a + "'";
    cmd += " > " + log.string() + " 2>&1";  // sva's progress goes to stdout
    if (std::system(cmd.c_str()) != 0) FAIL("R oracle failed: " << cmd << "\n" << clitest::slurp(log));
    return rtest::read_results(out);
}

// R's harmonised values as samples x features.
inline Eigen::MatrixXd r_matrix(const rtest::Results& r, const std::vector<std::string>& names, Eigen::Index n) {
    Eigen::MatrixXd m(n, Eigen::Index(names.size()));
    for (std::size_t f = 0; f < names.size(); ++f)
        for (Eigen::Index i = 0; i < n; ++i) m(i, Eigen::Index(f)) = rtest::get(r, names[f], std::size_t(i));
    return m;
}

}  // namespace combattest
