// PyRadiomics baseline columns for the morphology suite (CSV reading: common/reference_data.hpp).
#pragma once
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/reference_data.hpp"

namespace radhpc::test {

using refdata::read_csv;

// feature name -> value for one column of a PyRadiomics baseline table.
inline std::map<std::string, std::string> baseline_column(const std::string& path, const std::string& column) {
    const auto rows = read_csv(path);
    std::size_t col = 0;
    for (std::size_t i = 0; i < rows.at(0).size(); ++i)
        if (rows[0][i] == column) col = i;
    if (col == 0) throw std::runtime_error("no column " + column + " in " + path);
    std::map<std::string, std::string> out;
    for (std::size_t r = 1; r < rows.size(); ++r)
        if (rows[r].size() > col) out[rows[r][0]] = rows[r][col];
    return out;
}

}  // namespace radhpc::test
