// Private helpers shared by the table commands (stats_commands.cpp, combat_command.cpp,
// redundancy_command.cpp): cell parsing and writing, numeric blocks, output to a file or stdout.
#pragma once
#include <Eigen/Dense>
#include <fstream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/commands/table.hpp"

namespace radhpc::commands::table {

using text::csv_cell;   // quoted when it holds a comma, quote or line break
using text::format17;   // %.17g: round-trip exact
using text::trim;       // without surrounding blanks and tabs
std::optional<double> parse_double(const std::string& raw);  // empty / "nan" / text: nullopt
bool is_missing(const std::string& cell);         // missing cells as R's read.csv and our exports write them
// rows x columns matrix of the given numeric columns
Eigen::MatrixXd feature_matrix(const CsvTable& t, const std::vector<std::size_t>& columns);

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

}  // namespace radhpc::commands::table
