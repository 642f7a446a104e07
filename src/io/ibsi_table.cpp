#include "radhpc/io/ibsi_table.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"

namespace radhpc::io {
namespace {

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        if (c == ',' && !quoted) {
            out.push_back(cur);
            cur.clear();
        } else if (c != '\r') {
            cur += c;
        }
    }
    out.push_back(cur);
    return out;
}

std::string join(const std::vector<std::string>& cells) {
    std::string s;
    for (std::size_t i = 0; i < cells.size(); ++i) s += (i ? "," : "") + cells[i];
    return s;
}

double round_sig3(double v) {
    if (v == 0 || !std::isfinite(v)) return v;
    const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::abs(v))));
    return std::round(v * scale) / scale;
}

using text::format17;

}  // namespace

IbsiTableSummary fill_ibsi_table(const std::string& table_csv, const FeatureValues& values, const std::string& out_csv) {
    std::ifstream in(table_csv, std::ios::binary);
    if (!in) throw Error(ErrorKind::io, table_csv + ": cannot open");
    std::ofstream out(out_csv, std::ios::binary);
    if (!out) throw Error(ErrorKind::io, out_csv + ": cannot write");
    std::map<std::string, double> by_tag;
    for (const auto& v : values) by_tag[v.name] = v.value;

    IbsiTableSummary sum;
    std::string line;
    int col_ref = -1, col_tol = -1, col_result = -1, col_diff = -1, col_check = -1, col_tag = -1;
    bool header = true;
    while (std::getline(in, line)) {
        std::string bom;
        if (header && line.rfind("\xEF\xBB\xBF", 0) == 0) {
            bom = line.substr(0, 3);
            line = line.substr(3);
        }
        auto cells = split(line);
        if (header) {
            for (int i = 0; i < int(cells.size()); ++i) {
                if (cells[i] == "reference value") col_ref = i;
                if (cells[i] == "tolerance") col_tol = i;
                if (cells[i] == "your result") col_result = i;
                if (cells[i] == "difference") col_diff = i;
                if (cells[i] == "check") col_check = i;
                if (cells[i] == "tag") col_tag = i;
            }
            if (col_ref < 0 || col_tol < 0 || col_result < 0 || col_diff < 0 || col_check < 0 || col_tag < 0)
                throw Error(ErrorKind::invalid_input, table_csv + ": not an IBSI submission table (columns 'reference value', "
                                                                  "'tolerance', 'your result', 'difference', 'check', 'tag' expected)");
            out << bom << line << "\n";
            header = false;
            continue;
        }
        if (int(cells.size()) <= col_tag || cells[col_tag].empty()) {
            out << line << "\n";
            continue;
        }
        ++sum.rows;
        auto it = by_tag.find(cells[col_tag]);
        if (it != by_tag.end()) {
            ++sum.filled;
            cells[col_result] = format17(it->second);
            if (!cells[col_ref].empty() && !cells[col_tol].empty()) {
                ++sum.with_reference;
                const double ref = std::stod(cells[col_ref]), tol = std::stod(cells[col_tol]);
                const double slack = tol + 1e-9 * std::max(1.0, std::abs(ref));
                const bool pass = std::abs(round_sig3(it->second) - ref) <= slack || std::abs(it->second - ref) <= slack;
                cells[col_diff] = format17(round_sig3(it->second) - ref);
                cells[col_check] = pass ? "pass" : "fail";
                sum.passed += pass;
            }
        }
        out << join(cells) << "\n";
    }
    return sum;
}

}  // namespace radhpc::io
