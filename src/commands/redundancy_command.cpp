#include "radhpc/commands/redundancy_command.hpp"

#include <Eigen/Dense>
#include <fstream>
#include <iostream>

#include "radhpc/core/error.hpp"
#include "radhpc/commands/stats_commands.hpp"
#include "radhpc/stats/redundancy.hpp"
#include "table_util.hpp"

namespace radhpc::commands {

using namespace table;

void stats_redundancy(const RedundancyCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const auto features = feature_columns(table, cmd.exclude);
    if (features.size() < 2) throw Error(ErrorKind::invalid_input, cmd.csv + ": need at least 2 numeric feature columns");
    const Eigen::MatrixXd data = feature_matrix(table, features);
    stats::RedundancyResult result;
    try {
        result = stats::redundancy(data, cmd.threshold);
    } catch (const Error& e) {
        throw Error(e.kind(), cmd.csv + ": " + e.what());
    }
    auto write = [&](std::ostream& o) {
        o << "feature,cluster,archetype\n";
        for (std::size_t j = 0; j < features.size(); ++j) {
            const int c = result.cluster[j];
            o << csv_cell(table.header[features[j]]) << "," << c << ","
              << csv_cell(table.header[features[std::size_t(result.archetype[std::size_t(c - 1)])]]) << "\n";
        }
    };
    write_output(cmd.out, stdout_stream, write);
}

}  // namespace radhpc::commands
