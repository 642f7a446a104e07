#include "radhpc/pipeline/combat_command.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "radhpc/core/error.hpp"
#include "radhpc/pipeline/stats_commands.hpp"
#include "radhpc/stats/combat.hpp"

namespace radhpc::pipeline {

namespace {

std::string trimmed(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::string format17(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string csv_cell(const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// Distinct values of a label column in R's factor order (numbers numerically, text by bytes) and
// each row's level index.
struct Levels {
    std::vector<std::string> names;
    std::vector<int> index;  // per row
};
Levels levels_of(const CsvTable& t, std::size_t column) {
    Levels l;
    for (const auto& row : t.rows) {
        const auto v = trimmed(row[column]);
        if (v.empty() || v == "NA") throw Error(ErrorKind::invalid_input, t.origin + ": column '" + t.header[column] + "' has an empty cell");
        if (std::find(l.names.begin(), l.names.end(), v) == l.names.end()) l.names.push_back(v);
    }
    if (t.is_numeric(column))
        std::sort(l.names.begin(), l.names.end(), [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
    else
        std::sort(l.names.begin(), l.names.end());
    for (const auto& row : t.rows)
        l.index.push_back(int(std::find(l.names.begin(), l.names.end(), trimmed(row[column])) - l.names.begin()));
    return l;
}

}  // namespace

void stats_combat(const CombatCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const auto n = static_cast<Eigen::Index>(table.rows.size());
    const std::size_t batch_col = table.column(cmd.batch);
    const Levels batches = levels_of(table, batch_col);

    stats::CombatOptions options;
    options.parametric = !cmd.nonparametric;
    options.mean_only = cmd.mean_only;
    if (!cmd.ref_batch.empty()) {
        const auto want = trimmed(cmd.ref_batch);
        auto it = std::find(batches.names.begin(), batches.names.end(), want);
        if (it == batches.names.end() && table.is_numeric(batch_col))  // "2" matches "2.0"
            it = std::find_if(batches.names.begin(), batches.names.end(), [&](const std::string& b) {
                char* end = nullptr;
                const double w = std::strtod(want.c_str(), &end);
                return end != want.c_str() && *end == '\0' && std::stod(b) == w;
            });
        if (it == batches.names.end())
            throw Error(ErrorKind::invalid_input, cmd.csv + ": reference batch '" + want + "' is not a value of column '" + cmd.batch + "'");
        options.reference_batch = int(it - batches.names.begin());
    }

    // Covariates: numeric columns as they are; text columns as treatment-coded factors (the
    // first level is the baseline), as model.matrix(~ ...) builds them.
    std::vector<Eigen::VectorXd> covariate_columns;
    for (const auto& name : cmd.covariates) {
        const std::size_t c = table.column(name);
        if (c == batch_col) throw Error(ErrorKind::invalid_input, "combat: the batch column cannot be a covariate");
        if (table.is_numeric(c)) {
            const auto v = table.numeric(c);
            covariate_columns.push_back(Eigen::Map<const Eigen::VectorXd>(v.data(), n));
        } else {
            const Levels f = levels_of(table, c);
            for (std::size_t level = 1; level < f.names.size(); ++level) {
                Eigen::VectorXd d(n);
                for (Eigen::Index i = 0; i < n; ++i) d(i) = f.index[std::size_t(i)] == int(level) ? 1.0 : 0.0;
                covariate_columns.push_back(d);
            }
        }
    }
    Eigen::MatrixXd covariates(n, Eigen::Index(covariate_columns.size()));
    for (std::size_t c = 0; c < covariate_columns.size(); ++c) covariates.col(Eigen::Index(c)) = covariate_columns[c];

    auto excluded = cmd.exclude;
    excluded.push_back(cmd.batch);
    for (const auto& c : cmd.covariates) excluded.push_back(c);
    const auto features = feature_columns(table, excluded);
    if (features.size() < 2) throw Error(ErrorKind::invalid_input, cmd.csv + ": ComBat needs at least 2 numeric feature columns");
    Eigen::MatrixXd data(n, Eigen::Index(features.size()));
    for (std::size_t j = 0; j < features.size(); ++j) {
        const auto v = table.numeric(features[j]);
        data.col(Eigen::Index(j)) = Eigen::Map<const Eigen::VectorXd>(v.data(), n);
    }
    const auto result = stats::combat(data, batches.index, covariates, options);

    std::vector<int> feature_slot(table.header.size(), -1);
    for (std::size_t j = 0; j < features.size(); ++j) feature_slot[features[j]] = int(j);
    auto write = [&](std::ostream& o) {
        for (std::size_t c = 0; c < table.header.size(); ++c) o << (c ? "," : "") << csv_cell(table.header[c]);
        o << "\n";
        for (Eigen::Index i = 0; i < n; ++i) {
            for (std::size_t c = 0; c < table.header.size(); ++c) {
                o << (c ? "," : "");
                if (feature_slot[c] >= 0)
                    o << format17(result.data(i, feature_slot[c]));
                else
                    o << csv_cell(table.rows[std::size_t(i)][c]);
            }
            o << "\n";
        }
    };
    if (cmd.out.empty() || cmd.out == "-") {
        write(stdout_stream);
        return;
    }
    std::ofstream out(cmd.out);
    if (!out) throw Error(ErrorKind::io, cmd.out + ": cannot write");
    write(out);
    if (!out) throw Error(ErrorKind::io, cmd.out + ": write failed");
}

}  // namespace radhpc::pipeline
