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

#include "common/reference_data.hpp"

namespace radhpc::test {

using refdata::ibsi_match;
using refdata::IbsiRow;
using refdata::read_csv;
using refdata::read_ibsi_table;
using refdata::shared_data;
using refdata::split_csv_line;
inline double round_to_significant(double value) { return refdata::round_sig3(value); }

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
