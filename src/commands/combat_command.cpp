#include "radhpc/commands/combat_command.hpp"

#include "table_util.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "radhpc/core/error.hpp"
#include "radhpc/commands/stats_commands.hpp"
#include "radhpc/stats/combat.hpp"

namespace radhpc::commands {

using namespace table;

namespace {

// Distinct values of a label column in R's factor order (numbers numerically, text by bytes) and
// each row's level index.
struct Levels {
    std::vector<std::string> names;
    std::vector<int> index;  // per row
};
Levels levels_of(const CsvTable& t, std::size_t column) {
    Levels l;
    for (const auto& row : t.rows) {
        const auto v = trim(row[column]);
        if (v.empty() || v == "NA") throw Error(ErrorKind::invalid_input, t.origin + ": column '" + t.header[column] + "' has an empty cell");
        if (std::find(l.names.begin(), l.names.end(), v) == l.names.end()) l.names.push_back(v);
    }
    if (t.is_numeric(column))
        std::sort(l.names.begin(), l.names.end(), [](const std::string& a, const std::string& b) { return std::stod(a) < std::stod(b); });
    else
        std::sort(l.names.begin(), l.names.end());
    for (const auto& row : t.rows)
        l.index.push_back(int(std::find(l.names.begin(), l.names.end(), trim(row[column])) - l.names.begin()));
    return l;
}

}  // namespace

namespace {

// Covariates: numeric columns as they are; text columns as treatment-coded factors (the first
// level is the baseline), as model.matrix(~ ...) builds them. `factor_levels` holds each text
// covariate's levels: filled from the table when empty (the fit), imposed otherwise (apply).
Eigen::MatrixXd covariate_matrix(const CsvTable& table, const std::vector<std::string>& names, std::size_t batch_col,
                                 std::vector<std::vector<std::string>>& factor_levels) {
    const auto n = static_cast<Eigen::Index>(table.rows.size());
    const bool fitting = factor_levels.empty();
    if (fitting) factor_levels.resize(names.size());
    std::vector<Eigen::VectorXd> columns;
    for (std::size_t k = 0; k < names.size(); ++k) {
        const std::size_t c = table.column(names[k]);
        if (c == batch_col) throw Error(ErrorKind::invalid_input, "combat: the batch column cannot be a covariate");
        if (fitting ? table.is_numeric(c) : factor_levels[k].empty()) {
            const auto v = table.numeric(c);
            columns.push_back(Eigen::Map<const Eigen::VectorXd>(v.data(), n));
            continue;
        }
        if (fitting) factor_levels[k] = levels_of(table, c).names;
        const auto& levels = factor_levels[k];
        for (std::size_t level = 1; level < levels.size(); ++level) {
            Eigen::VectorXd d(n);
            for (Eigen::Index i = 0; i < n; ++i) d(i) = trim(table.rows[std::size_t(i)][c]) == levels[level] ? 1.0 : 0.0;
            columns.push_back(d);
        }
        for (const auto& row : table.rows)
            if (std::find(levels.begin(), levels.end(), trim(row[c])) == levels.end())
                throw Error(ErrorKind::invalid_input, table.origin + ": covariate '" + names[k] + "' value '" + trim(row[c]) +
                                                          "' does not occur in the fitted table");
    }
    Eigen::MatrixXd m(n, Eigen::Index(columns.size()));
    for (std::size_t c = 0; c < columns.size(); ++c) m.col(Eigen::Index(c)) = columns[c];
    return m;
}

// The table with the given columns replaced by `values` (17 significant digits), the rest copied.
void write_replaced(const CsvTable& table, const std::vector<std::size_t>& columns, const Eigen::MatrixXd& values, const std::string& path,
                    std::ostream& fallback) {
    std::vector<int> slot(table.header.size(), -1);
    for (std::size_t j = 0; j < columns.size(); ++j) slot[columns[j]] = int(j);
    auto write = [&](std::ostream& o) {
        for (std::size_t c = 0; c < table.header.size(); ++c) o << (c ? "," : "") << csv_cell(table.header[c]);
        o << "\n";
        for (std::size_t i = 0; i < table.rows.size(); ++i) {
            for (std::size_t c = 0; c < table.header.size(); ++c) {
                o << (c ? "," : "");
                if (slot[c] >= 0)
                    o << format17(values(Eigen::Index(i), slot[c]));
                else
                    o << csv_cell(table.rows[i][c]);
            }
            o << "\n";
        }
    };
    write_output(path, fallback, write);
}

}  // namespace

void stats_combat(const CombatCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const std::size_t batch_col = table.column(cmd.batch);
    const Levels batches = levels_of(table, batch_col);

    stats::CombatOptions options;
    options.parametric = !cmd.nonparametric;
    options.mean_only = cmd.mean_only;
    if (!cmd.ref_batch.empty()) {
        const auto want = trim(cmd.ref_batch);
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
    std::vector<std::vector<std::string>> factor_levels;
    const Eigen::MatrixXd covariates = covariate_matrix(table, cmd.covariates, batch_col, factor_levels);

    auto excluded = cmd.exclude;
    excluded.push_back(cmd.batch);
    for (const auto& c : cmd.covariates) excluded.push_back(c);
    const auto features = feature_columns(table, excluded);
    if (features.size() < 2) throw Error(ErrorKind::invalid_input, cmd.csv + ": ComBat needs at least 2 numeric feature columns");
    const auto result = stats::combat(feature_matrix(table, features), batches.index, covariates, options);
    write_replaced(table, features, result.data, cmd.out, stdout_stream);

    if (cmd.apply_csv.empty()) return;
    // Fit on --csv, apply to --apply-csv: same feature and covariate columns (found by name),
    // batches among the fitted ones (matched by their text).
    const auto other = read_csv_table(cmd.apply_csv);
    const std::size_t other_batch_col = other.column(cmd.batch);
    std::vector<int> other_batch;
    for (const auto& row : other.rows) {
        const auto v = trim(row[other_batch_col]);
        const auto it = std::find(batches.names.begin(), batches.names.end(), v);
        if (it == batches.names.end())
            throw Error(ErrorKind::invalid_input, cmd.apply_csv + ": batch '" + v + "' does not occur in " + cmd.csv);
        other_batch.push_back(int(it - batches.names.begin()));
    }
    const Eigen::MatrixXd other_covariates = covariate_matrix(other, cmd.covariates, other_batch_col, factor_levels);
    std::vector<std::size_t> other_features;
    for (const auto f : features) other_features.push_back(other.column(table.header[f]));
    const auto applied = stats::combat_apply(result.fit, feature_matrix(other, other_features), other_batch, other_covariates);
    write_replaced(other, other_features, applied, cmd.apply_out, stdout_stream);
}

}  // namespace radhpc::commands
