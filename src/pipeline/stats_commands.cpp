// Statistics on feature tables (stats roc / enet / icc): CSV in, stats/ engine, CSV/JSON out.
#include "radhpc/pipeline/stats_commands.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/roc.hpp"

namespace radhpc::pipeline {

namespace {

std::string format17(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// Splits one CSV record starting at `pos` (quotes may span lines); returns false at end of input.
bool next_record(const std::string& text, std::size_t& pos, std::vector<std::string>& cells) {
    cells.clear();
    if (pos >= text.size()) return false;
    std::string cell;
    bool quoted = false;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (quoted) {
            if (c == '"') {
                if (pos < text.size() && text[pos] == '"') {
                    cell += '"';
                    ++pos;
                } else {
                    quoted = false;
                }
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            cell += c;
        }
    }
    cells.push_back(std::move(cell));
    return true;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

std::optional<double> parse_double(const std::string& raw) {
    const std::string s = trim(raw);
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    if (std::isnan(v)) return std::nullopt;  // "nan" is missing, not a value
    return v;
}

// Writes to the file, or to `fallback` when path is empty or "-".
template <class F>
void write_output(const std::string& path, std::ostream& fallback, F&& write) {
    if (path.empty() || path == "-") {
        write(fallback);
        return;
    }
    std::ofstream out(path);
    if (!out) throw Error(ErrorKind::io, path + ": cannot write");
    write(out);
    if (!out) throw Error(ErrorKind::io, path + ": write failed");
}

Eigen::MatrixXd feature_matrix(const CsvTable& t, const std::vector<std::size_t>& columns) {
    Eigen::MatrixXd x(static_cast<Eigen::Index>(t.rows.size()), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j) {
        const auto v = t.numeric(columns[j]);
        for (std::size_t i = 0; i < v.size(); ++i) x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[i];
    }
    return x;
}

}  // namespace

std::string json_number(double value) { return std::isfinite(value) ? format17(value) : "null"; }

std::size_t CsvTable::column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) throw Error(ErrorKind::invalid_input, origin + ": no column '" + name + "'");
    return static_cast<std::size_t>(it - header.begin());
}

bool CsvTable::is_numeric(std::size_t c) const {
    if (rows.empty()) return false;
    return std::all_of(rows.begin(), rows.end(), [&](const auto& r) { return parse_double(r[c]).has_value(); });
}

std::vector<double> CsvTable::numeric(std::size_t c) const {
    std::vector<double> v(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto d = parse_double(rows[i][c]);
        if (!d)
            throw Error(ErrorKind::invalid_input, origin + ": column '" + header[c] + "', data row " + std::to_string(i + 1) +
                                                      ": '" + rows[i][c] + "' is not a number");
        v[i] = *d;
    }
    return v;
}

CsvTable read_csv_table(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorKind::io, path + ": cannot read");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
    CsvTable t;
    t.origin = path;
    std::size_t pos = 0;
    std::vector<std::string> cells;
    if (!next_record(text, pos, cells)) throw Error(ErrorKind::invalid_input, path + ": empty CSV");
    for (auto& c : cells) t.header.push_back(trim(c));
    while (next_record(text, pos, cells)) {
        if (cells.size() == 1 && trim(cells[0]).empty()) continue;  // blank line
        if (cells.size() != t.header.size())
            throw Error(ErrorKind::invalid_input, path + ": data row " + std::to_string(t.rows.size() + 1) + " has " +
                                                      std::to_string(cells.size()) + " cells, the header " +
                                                      std::to_string(t.header.size()));
        t.rows.push_back(cells);
    }
    if (t.rows.empty()) throw Error(ErrorKind::invalid_input, path + ": no data rows");
    return t;
}

std::vector<int> binary_outcome(const CsvTable& table, const std::string& column) {
    const auto values = table.numeric(table.column(column));
    std::vector<int> y(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (values[i] != 0.0 && values[i] != 1.0)
            throw Error(ErrorKind::invalid_input, table.origin + ": outcome '" + column + "', data row " + std::to_string(i + 1) +
                                                      ": " + format17(values[i]) + " is not 0 or 1");
        y[i] = static_cast<int>(values[i]);
    }
    return y;
}

std::vector<std::size_t> feature_columns(const CsvTable& table, const std::vector<std::string>& excluded) {
    for (const auto& e : excluded) table.column(e);  // a misspelt exclusion is an error, not a no-op
    std::vector<std::size_t> cols;
    for (std::size_t c = 0; c < table.header.size(); ++c)
        if (std::find(excluded.begin(), excluded.end(), table.header[c]) == excluded.end() && table.is_numeric(c))
            cols.push_back(c);
    return cols;
}

void stats_roc(const RocCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const auto scores = table.numeric(table.column(cmd.score));
    const auto y = binary_outcome(table, cmd.outcome);
    stats::Direction direction = stats::Direction::controls_lower;
    if (cmd.direction == ">") direction = stats::Direction::controls_higher;
    else if (cmd.direction == "auto") direction = stats::Direction::automatic;
    else if (cmd.direction != "<") throw Error(ErrorKind::settings, "direction must be <, > or auto, not '" + cmd.direction + "'");
    direction = stats::resolve_direction(scores, y, direction);
    const auto ci = stats::delong_ci(scores, y, cmd.level, direction);
    std::vector<double> cases, controls;
    for (std::size_t i = 0; i < y.size(); ++i) (y[i] ? cases : controls).push_back(scores[i]);
    // wilcox.test(cases, controls): two-sided, exact for small samples without ties (R's rule)
    const auto mw = stats::mann_whitney(cases, controls);
    write_output(cmd.out, stdout_stream, [&](std::ostream& o) {
        o << "{\n"
          << "  \"auc\": " << json_number(ci.auc) << ",\n"
          << "  \"auc_ci_lower\": " << json_number(ci.lower) << ",\n"
          << "  \"auc_ci_upper\": " << json_number(ci.upper) << ",\n"
          << "  \"auc_variance\": " << json_number(ci.variance) << ",\n"
          << "  \"level\": " << json_number(cmd.level) << ",\n"
          << "  \"ci_method\": \"delong\",\n"
          << "  \"direction\": \"" << (direction == stats::Direction::controls_lower ? "<" : ">") << "\",\n"
          << "  \"mann_whitney_w\": " << json_number(mw.statistic) << ",\n"
          << "  \"mann_whitney_p\": " << json_number(mw.p_value) << ",\n"
          << "  \"mann_whitney_exact\": " << (mw.exact ? "true" : "false") << ",\n"
          << "  \"n_cases\": " << cases.size() << ",\n"
          << "  \"n_controls\": " << controls.size() << "\n"
          << "}\n";
    });
}

void stats_enet(const EnetCommand& cmd, std::ostream& stdout_stream) {
    if (!(cmd.alpha >= 0 && cmd.alpha <= 1)) throw Error(ErrorKind::settings, "alpha must be in [0, 1]");
    if (!(cmd.lambda >= 0)) throw Error(ErrorKind::settings, "lambda must be >= 0");
    const auto table = read_csv_table(cmd.csv);
    const auto y01 = binary_outcome(table, cmd.outcome);
    auto excluded = cmd.exclude;
    excluded.push_back(cmd.outcome);
    const auto cols = feature_columns(table, excluded);
    if (cols.empty()) throw Error(ErrorKind::invalid_input, cmd.csv + ": no numeric feature columns besides the outcome");
    const Eigen::MatrixXd x = feature_matrix(table, cols);
    const std::vector<double> y(y01.begin(), y01.end());
    stats::GlmnetOptions options;
    options.thresh = cmd.thresh;
    options.standardize = cmd.standardize;
    const auto fit = stats::glmnet_binomial_fit(x, y, cmd.alpha, cmd.lambda, options);
    if (fit.size() != 1)
        throw Error(ErrorKind::internal, "glmnet fit at one lambda returned " + std::to_string(fit.size()) + " solutions (jerr " +
                                             std::to_string(fit.error_code) + ")");
    write_output(cmd.out, stdout_stream, [&](std::ostream& o) {
        o << "term,estimate\n(Intercept)," << format17(fit.intercept[0]) << "\n";
        for (std::size_t j = 0; j < cols.size(); ++j)
            o << table.header[cols[j]] << "," << format17(fit.beta(static_cast<Eigen::Index>(j), 0)) << "\n";
    });
}

void stats_icc(const IccCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const std::size_t subject_col = table.column(cmd.subject), rater_col = table.column(cmd.rater);
    // Subjects and raters are labels (text), indexed in order of first appearance; ANOVA mean
    // squares do not depend on the order.
    std::map<std::string, Eigen::Index> subjects, raters;
    for (const auto& r : table.rows) {
        subjects.emplace(trim(r[subject_col]), static_cast<Eigen::Index>(subjects.size()));
        raters.emplace(trim(r[rater_col]), static_cast<Eigen::Index>(raters.size()));
    }
    const auto n = static_cast<Eigen::Index>(subjects.size()), k = static_cast<Eigen::Index>(raters.size());
    if (static_cast<std::size_t>(n * k) != table.rows.size())
        throw Error(ErrorKind::invalid_input, cmd.csv + ": " + std::to_string(table.rows.size()) + " rows for " + std::to_string(n) +
                                                  " subjects x " + std::to_string(k) +
                                                  " raters: every subject needs exactly one row per rater");
    std::vector<std::pair<Eigen::Index, Eigen::Index>> cell(table.rows.size());
    std::vector<char> seen(static_cast<std::size_t>(n * k), 0);
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        cell[i] = {subjects.at(trim(table.rows[i][subject_col])), raters.at(trim(table.rows[i][rater_col]))};
        char& s = seen[static_cast<std::size_t>(cell[i].first * k + cell[i].second)];
        if (s)
            throw Error(ErrorKind::invalid_input, cmd.csv + ": subject '" + trim(table.rows[i][subject_col]) + "' has two rows for rater '" +
                                                      trim(table.rows[i][rater_col]) + "'");
        s = 1;
    }
    auto excluded = cmd.exclude;
    excluded.push_back(cmd.subject);
    excluded.push_back(cmd.rater);
    const auto cols = feature_columns(table, excluded);
    if (cols.empty()) throw Error(ErrorKind::invalid_input, cmd.csv + ": no numeric feature columns");
    static const char* kTypes[6] = {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"};
    std::vector<stats::IccResult> results;
    for (const auto c : cols) {
        const auto v = table.numeric(c);
        Eigen::MatrixXd ratings(n, k);
        for (std::size_t i = 0; i < v.size(); ++i) ratings(cell[i].first, cell[i].second) = v[i];
        results.push_back(stats::icc(ratings, 1.0 - cmd.level));
    }
    write_output(cmd.out, stdout_stream, [&](std::ostream& o) {
        o << "feature,type,icc,ci_lower,ci_upper\n";
        for (std::size_t j = 0; j < cols.size(); ++j)
            for (int f = 0; f < 6; ++f) {
                const auto& e = results[j].forms[static_cast<std::size_t>(f)];
                o << table.header[cols[j]] << "," << kTypes[f] << "," << format17(e.icc) << "," << format17(e.lower) << ","
                  << format17(e.upper) << "\n";
            }
    });
}

}  // namespace radhpc::pipeline
