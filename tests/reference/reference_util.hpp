// Helpers for the reference tests: CSV reading (IBSI tables with a UTF-8 BOM, PyRadiomics
// baselines with quoted Python literals) and IBSI's match rule.
#pragma once
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace ref {

inline std::vector<std::string> split_csv_line(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) {
            out.push_back(cur);
            cur.clear();
        } else if (c != '\r') cur += c;
    }
    out.push_back(cur);
    return out;
}

inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open reference file " + path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    bool first = true;
    while (std::getline(in, line)) {
        if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);  // UTF-8 BOM
        first = false;
        if (!line.empty()) rows.push_back(split_csv_line(line));
    }
    return rows;
}

struct IbsiRow {
    std::string tag, family, feature;
    double value, tolerance;
};

// Rows of an IBSI submission table (columns: dataset,family,feature,consensus,reference value,tolerance,...,tag).
inline std::vector<IbsiRow> read_ibsi_table(const std::string& path) {
    auto rows = read_csv(path);
    std::vector<IbsiRow> out;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.size() < 10 || r[9].empty() || r[4].empty()) continue;
        out.push_back({r[9], r[1], r[2], std::stod(r[4]), std::stod(r[5])});
    }
    return out;
}

// IBSI's rule (shared/data/README.md): round to 3 significant digits, then |value - ref| <= tol.
inline double round_sig3(double v) {
    if (v == 0 || !std::isfinite(v)) return v;
    const double e = std::floor(std::log10(std::abs(v)));
    const double scale = std::pow(10.0, 2 - e);
    return std::round(v * scale) / scale;
}
// References with more than 3 significant digits (image sizes, voxel counts: 125256 with tolerance
// 0) are compared unrounded; rounding only ever helps a value that is right to 3 digits.
inline bool ibsi_match(double value, double reference, double tolerance) {
    // the 1e-9 relative slack only absorbs the binary representation of the decimal reference
    const double slack = tolerance + 1e-9 * std::max(1.0, std::abs(reference));
    return std::abs(round_sig3(value) - reference) <= slack || std::abs(value - reference) <= slack;
}

// A PyRadiomics baseline CSV: feature name -> value per column.
struct Baseline {
    std::vector<std::string> columns;
    std::map<std::string, std::vector<std::string>> rows;
};
inline Baseline read_baseline(const std::string& path) {
    auto rows = read_csv(path);
    Baseline b;
    b.columns.assign(rows[0].begin() + 1, rows[0].end());
    for (std::size_t i = 1; i < rows.size(); ++i) b.rows[rows[i][0]] = {rows[i].begin() + 1, rows[i].end()};
    return b;
}

// PyRadiomics' settings dict literal -> a PyRadiomics parameter file (YAML flow mapping).
inline std::string pyradiomics_params_yaml(std::string dict, const std::string& feature_class) {
    auto replace_word = [&](const std::string& from, const std::string& to) {
        for (std::size_t p = dict.find(from); p != std::string::npos; p = dict.find(from, p + to.size())) dict.replace(p, from.size(), to);
    };
    replace_word("None", "null");
    replace_word("True", "true");
    replace_word("False", "false");
    return "imageType: {Original: {}}\nfeatureClass: {" + feature_class + ": null}\nsetting: " + dict + "\n";
}

}  // namespace ref
