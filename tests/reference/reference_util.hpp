// Helpers for the reference tests on top of common/reference_data.hpp: IBSI rows with a reference,
// PyRadiomics baselines and their settings dicts.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "common/reference_data.hpp"

namespace ref {

using refdata::ibsi_match;
using refdata::read_csv;
using refdata::round_sig3;
using refdata::split_csv_line;

struct IbsiRow {
    std::string tag, family, feature;
    double value, tolerance;
};

// Rows of an IBSI submission table that carry a reference value.
inline std::vector<IbsiRow> read_ibsi_table(const std::string& path) {
    std::vector<IbsiRow> out;
    for (const auto& r : refdata::read_ibsi_table(path))
        if (r.reference && r.tolerance) out.push_back({r.tag, r.family, r.feature, *r.reference, *r.tolerance});
    return out;
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
