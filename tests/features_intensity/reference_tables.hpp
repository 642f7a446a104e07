// Readers for the reference tables under RADHPC_SHARED_DATA (IBSI submission tables, PyRadiomics
// baselines) and the IBSI match rule. Test-only helpers.
#pragma once
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace radhpc::test {

inline std::string shared_data(const std::string& relative) { return std::string(RADHPC_SHARED_DATA) + "/" + relative; }

// One CSV record split into fields (RFC 4180 quoting: "a, b" and "" escapes).
inline std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') { field += '"'; ++i; }
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') quoted = true;
        else if (c == ',') { fields.push_back(field); field.clear(); }
        else if (c != '\r') field += c;
    }
    fields.push_back(field);
    return fields;
}

// Whole CSV file as rows of fields; a leading UTF-8 byte-order mark is removed.
inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
        first = false;
        if (line.empty()) continue;
        rows.push_back(split_csv_line(line));
    }
    return rows;
}

// A row of an IBSI submission table (dataset,family,feature,consensus,reference value,tolerance,...,tag).
struct IbsiRow {
    std::string tag, feature;
    std::optional<double> reference, tolerance;  // empty for features without a reference value
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
                      c_feature = column("feature");
    std::vector<IbsiRow> out;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const auto& f = rows[r];
        IbsiRow row;
        row.tag = f.at(c_tag);
        row.feature = f.at(c_feature);
        if (!f.at(c_ref).empty()) row.reference = std::stod(f.at(c_ref));
        if (!f.at(c_tol).empty()) row.tolerance = std::stod(f.at(c_tol));
        out.push_back(row);
    }
    return out;
}

// IBSI match rule (shared/data/README.md): round to 3 significant digits, then |value - ref| <= tol.
inline double round_to_significant(double value, int digits = 3) {
    if (value == 0 || !std::isfinite(value)) return value;
    const int exponent = int(std::floor(std::log10(std::abs(value))));
    const double scale = std::pow(10.0, digits - 1 - exponent);
    return std::round(value * scale) / scale;
}
inline bool ibsi_match(double value, double reference, double tolerance) {
    const double rounded = round_to_significant(value);
    // Slack only for the binary representation of the rounded decimal (relative 1e-12).
    return std::abs(rounded - reference) <= tolerance + 1e-12 * std::abs(reference);
}

// PyRadiomics baseline CSV: featureName,<case columns...>; returns column -> (row name -> text).
inline std::map<std::string, std::map<std::string, std::string>> read_pyradiomics_baseline(const std::string& path) {
    const auto rows = read_csv(path);
    std::map<std::string, std::map<std::string, std::string>> out;
    const auto& header = rows.front();
    for (std::size_t r = 1; r < rows.size(); ++r)
        for (std::size_t c = 1; c < header.size() && c < rows[r].size(); ++c) out[header[c]][rows[r][0]] = rows[r][c];
    return out;
}

// Value of 'key': <number> in a Python dict literal such as the diagnostics_Configuration_Settings row.
inline std::optional<double> python_dict_number(const std::string& dict, const std::string& key) {
    const std::string needle = "'" + key + "': ";
    const auto at = dict.find(needle);
    if (at == std::string::npos) return std::nullopt;
    std::istringstream in(dict.substr(at + needle.size()));
    double v;
    if (!(in >> v)) return std::nullopt;
    return v;
}

}  // namespace radhpc::test
