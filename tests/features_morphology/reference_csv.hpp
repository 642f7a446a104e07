// Minimal CSV reader for the reference tables (quoted fields, UTF-8 BOM).
#pragma once
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace radhpc::test {

inline std::vector<std::vector<std::string>> read_csv(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(field), field.clear();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
            row.push_back(field), field.clear();
            rows.push_back(row), row.clear();
        } else {
            field += c;
        }
    }
    if (!field.empty() || !row.empty()) row.push_back(field), rows.push_back(row);
    return rows;
}

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
