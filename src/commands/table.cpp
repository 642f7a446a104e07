// CSV feature tables for the table commands: parsing (quotes, CRLF, BOM), numeric columns, outcomes.
#include "radhpc/core/file_text.hpp"
#include "radhpc/commands/table.hpp"


#include <Eigen/Dense>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <mutex>

#include "radhpc/core/error.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/roc.hpp"
#include "radhpc/stats/screening.hpp"
#include "radhpc/stats/survival.hpp"
#include "table_util.hpp"

namespace radhpc::commands {

namespace table {

std::optional<double> parse_double(const std::string& raw) {
    const std::string s = trim(raw);
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    if (std::isnan(v)) return std::nullopt;  // "nan" is missing, not a value
    return v;
}

// Missing cells as R's read.csv and the feature exports write them.
bool is_missing(const std::string& cell) {
    return cell.empty() || cell == "NA" || cell == "NaN" || cell == "nan" || cell == "NULL" || cell == "null";
}

Eigen::MatrixXd feature_matrix(const CsvTable& t, const std::vector<std::size_t>& columns) {
    Eigen::MatrixXd x(static_cast<Eigen::Index>(t.rows.size()), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j) {
        const auto v = t.numeric(columns[j]);
        for (std::size_t i = 0; i < v.size(); ++i) x(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v[i];
    }
    return x;
}

}  // namespace table

using namespace table;

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
    return parse_csv_table(read_file_text(path), path);
}

CsvTable parse_csv_table(std::string text, const std::string& path) {
    radhpc::text::strip_bom(text);
    CsvTable t;
    t.origin = path;
    std::size_t pos = 0;
    std::vector<std::string> cells;
    if (!radhpc::text::next_csv_record(text, pos, cells)) throw Error(ErrorKind::invalid_input, path + ": empty CSV");
    for (auto& c : cells) t.header.push_back(trim(c));
    while (radhpc::text::next_csv_record(text, pos, cells)) {
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
    for (std::size_t c = 0; c < table.header.size(); ++c) {
        if (std::find(excluded.begin(), excluded.end(), table.header[c]) != excluded.end()) continue;
        // A column of numbers with gaps (a feature that failed on some lesions) is an error rather
        // than a silently dropped feature; a column with any text is not a feature.
        std::size_t numbers = 0, first_missing = 0;
        bool text = false;
        for (std::size_t i = 0; i < table.rows.size() && !text; ++i) {
            const std::string cell = trim(table.rows[i][c]);
            if (parse_double(cell)) ++numbers;
            else if (is_missing(cell)) first_missing = first_missing ? first_missing : i + 1;
            else text = true;
        }
        if (text || numbers == 0) continue;
        if (numbers < table.rows.size())
            throw Error(ErrorKind::invalid_input, table.origin + ": numeric column '" + table.header[c] + "' has " +
                                                      std::to_string(table.rows.size() - numbers) + " missing values (first in data row " +
                                                      std::to_string(first_missing) + "); exclude it or fill the gaps");
        cols.push_back(c);
    }
    return cols;
}

}  // namespace radhpc::commands
