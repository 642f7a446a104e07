// Shared by every test suite that reads ../shared/data: CSV reading (RFC 4180 quoting, UTF-8 BOM,
// CRLF), IBSI submission tables and IBSI's match rule.
#pragma once
#include <cmath>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "radhpc/core/text.hpp"

namespace refdata {

inline std::string shared_data(const std::string& relative) { return std::string(RADHPC_SHARED_DATA) + "/" + relative; }

// One CSV record split into fields ("a, b" and "" escapes; CR dropped outside quotes); an empty
// line is one empty field.
inline std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t pos = 0;
    if (!radhpc::text::next_csv_record(line, pos, fields)) fields.emplace_back();
    return fields;
}

// Whole CSV file as rows of fields; a leading UTF-8 byte-order mark is removed, empty lines skipped.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open reference file " + path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        if (first) radhpc::text::strip_bom(line);
        first = false;
        if (!line.empty() && line != "\r") rows.push_back(split_csv_line(line));
    }
    return rows;
}

// A row of an IBSI submission table (dataset,family,feature,consensus,reference value,tolerance,
// your result,difference,check,tag). Reference and tolerance are empty for features without one.
struct IbsiRow {
    std::string tag, family, feature;
    std::optional<double> reference, tolerance;
};

inline std::vector<IbsiRow> read_ibsi_table(const std::string& path) {
    const auto rows = read_csv(path);
    if (rows.empty()) throw std::runtime_error("empty table " + path);
    const auto& header = rows.front();
    auto column = [&](const std::string& name) {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return i;
        throw std::runtime_error("column '" + name + "' missing in " + path);
    };
    const std::size_t c_tag = column("tag"), c_ref = column("reference value"), c_tol = column("tolerance"),
                      c_feature = column("feature"), c_family = column("family");
    std::vector<IbsiRow> out;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const auto& f = rows[r];
        if (f.size() <= c_tag || f[c_tag].empty()) continue;
        IbsiRow row{f[c_tag], f.at(c_family), f.at(c_feature), std::nullopt, std::nullopt};
        if (!f.at(c_ref).empty()) row.reference = std::stod(f[c_ref]);
        if (!f.at(c_tol).empty()) row.tolerance = std::stod(f[c_tol]);
        out.push_back(row);
    }
    return out;
}

// IBSI's match rule (shared/data/README.md): round the value to 3 significant digits, then
// |value - reference| <= tolerance. References printed with more than 3 significant digits
// (image sizes, voxel counts such as 125256 with tolerance 0) are also compared unrounded:
// rounding only ever helps a value that is right to 3 digits. The 1e-9 relative slack only
// absorbs the binary representation of the decimal reference.
inline double round_sig3(double v) {
    if (v == 0 || !std::isfinite(v)) return v;
    const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::abs(v))));
    return std::round(v * scale) / scale;
}
inline bool ibsi_match(double value, double reference, double tolerance) {
    if (!std::isfinite(value)) return false;
    const double slack = tolerance + 1e-9 * std::max(1.0, std::abs(reference));
    return std::abs(round_sig3(value) - reference) <= slack || std::abs(value - reference) <= slack;
}

}  // namespace refdata
