#include "radhpc/pipeline/redundancy_command.hpp"

#include <Eigen/Dense>
#include <fstream>
#include <iostream>

#include "radhpc/core/error.hpp"
#include "radhpc/pipeline/stats_commands.hpp"
#include "radhpc/stats/redundancy.hpp"

namespace radhpc::pipeline {

namespace {

std::string csv_cell(const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

}  // namespace

void stats_redundancy(const RedundancyCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const auto features = feature_columns(table, cmd.exclude);
    if (features.size() < 2) throw Error(ErrorKind::invalid_input, cmd.csv + ": need at least 2 numeric feature columns");
    const auto n = static_cast<Eigen::Index>(table.rows.size());
    Eigen::MatrixXd data(n, Eigen::Index(features.size()));
    for (std::size_t j = 0; j < features.size(); ++j) {
        const auto v = table.numeric(features[j]);
        data.col(Eigen::Index(j)) = Eigen::Map<const Eigen::VectorXd>(v.data(), n);
    }
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
    if (cmd.out.empty() || cmd.out == "-") {
        write(stdout_stream);
        return;
    }
    std::ofstream out(cmd.out);
    if (!out) throw Error(ErrorKind::io, cmd.out + ": cannot write");
    write(out);
    if (!out) throw Error(ErrorKind::io, cmd.out + ": write failed");
}

}  // namespace radhpc::pipeline
