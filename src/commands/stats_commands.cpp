// Statistics on feature tables (stats roc / enet / icc): CSV in, stats/ engine, CSV/JSON out.
#include "radhpc/commands/stats_commands.hpp"


#include <Eigen/Dense>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <memory>
#include <mutex>

#include "radhpc/core/error.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/roc.hpp"
#include "radhpc/stats/screening.hpp"
#include "radhpc/stats/survival.hpp"
#include "table_util.hpp"

namespace radhpc::commands {

using namespace table;

void stats_roc(const RocCommand& cmd, std::ostream& stdout_stream) {
    auto table = read_csv_table(cmd.csv);
    // Rows with a missing score or outcome are left out, as pROC's roc(na.rm = TRUE) does; counted in the output.
    const std::size_t score_col = table.column(cmd.score), outcome_col = table.column(cmd.outcome);
    const std::size_t n_read = table.rows.size();
    std::erase_if(table.rows, [&](const auto& r) { return is_missing(trim(r[score_col])) || is_missing(trim(r[outcome_col])); });
    if (table.rows.empty()) throw Error(ErrorKind::invalid_input, cmd.csv + ": no row with both a score and an outcome");
    const std::size_t n_missing = n_read - table.rows.size();
    const auto scores = table.numeric(score_col);
    const auto y = binary_outcome(table, cmd.outcome);
    stats::Direction direction = stats::Direction::controls_lower;
    if (cmd.direction == ">") direction = stats::Direction::controls_higher;
    else if (cmd.direction == "auto") direction = stats::Direction::automatic;
    else if (cmd.direction != "<") throw Error(ErrorKind::settings, "direction must be <, > or auto, not '" + cmd.direction + "'");
    direction = stats::resolve_direction(scores, y, direction);
    const auto ci = stats::delong_ci(scores, y, cmd.level, direction);
    std::vector<double> cases, controls;
    for (std::size_t i = 0; i < y.size(); ++i) (y[i] ? cases : controls).push_back(scores[i]);
    // wilcox.test(cases, controls): two-sided, exact for small samples without ties (R's rule)
    const auto mw = stats::mann_whitney(cases, controls);
    write_output(cmd.out, stdout_stream, [&](std::ostream& o) {
        o << "{\n"
          << "  \"auc\": " << json_number(ci.auc) << ",\n"
          << "  \"auc_ci_lower\": " << json_number(ci.lower) << ",\n"
          << "  \"auc_ci_upper\": " << json_number(ci.upper) << ",\n"
          << "  \"auc_variance\": " << json_number(ci.variance) << ",\n"
          << "  \"level\": " << json_number(cmd.level) << ",\n"
          << "  \"ci_method\": \"delong\",\n"
          << "  \"direction\": \"" << (direction == stats::Direction::controls_lower ? "<" : ">") << "\",\n"
          << "  \"mann_whitney_w\": " << json_number(mw.statistic) << ",\n"
          << "  \"mann_whitney_p\": " << json_number(mw.p_value) << ",\n"
          << "  \"mann_whitney_exact\": " << (mw.exact ? "true" : "false") << ",\n"
          << "  \"n_cases\": " << cases.size() << ",\n"
          << "  \"n_controls\": " << controls.size() << ",\n"
          << "  \"n_missing\": " << n_missing << "\n"
          << "}\n";
    });
}

void stats_enet(const EnetCommand& cmd, std::ostream& stdout_stream) {
    if (!(cmd.alpha >= 0 && cmd.alpha <= 1)) throw Error(ErrorKind::settings, "alpha must be in [0, 1]");
    if (!(cmd.lambda >= 0)) throw Error(ErrorKind::settings, "lambda must be >= 0");
    const auto table = read_csv_table(cmd.csv);
    const auto y01 = binary_outcome(table, cmd.outcome);
    auto excluded = cmd.exclude;
    excluded.push_back(cmd.outcome);
    const auto cols = feature_columns(table, excluded);
    if (cols.empty()) throw Error(ErrorKind::invalid_input, cmd.csv + ": no numeric feature columns besides the outcome");
    const Eigen::MatrixXd x = feature_matrix(table, cols);
    const std::vector<double> y(y01.begin(), y01.end());
    stats::GlmnetOptions options;
    options.thresh = cmd.thresh;
    options.standardize = cmd.standardize;
    const auto fit = stats::glmnet_binomial_fit(x, y, cmd.alpha, cmd.lambda, options);
    if (fit.size() != 1)
        throw Error(ErrorKind::internal, "glmnet fit at one lambda returned " + std::to_string(fit.size()) + " solutions (jerr " +
                                             std::to_string(fit.error_code) + ")");
    write_output(cmd.out, stdout_stream, [&](std::ostream& o) {
        o << "term,estimate\n(Intercept)," << format17(fit.intercept[0]) << "\n";
        for (std::size_t j = 0; j < cols.size(); ++j)
            o << csv_cell(table.header[cols[j]]) << "," << format17(fit.beta(static_cast<Eigen::Index>(j), 0)) << "\n";
    });
}

void stats_icc(const IccCommand& cmd, std::ostream& stdout_stream) {
    const auto table = read_csv_table(cmd.csv);
    const std::size_t subject_col = table.column(cmd.subject), rater_col = table.column(cmd.rater);
    // Subjects and raters are labels (text), indexed in order of first appearance; ANOVA mean
    // squares do not depend on the order.
    std::map<std::string, Eigen::Index> subjects, raters;
    for (const auto& r : table.rows) {
        subjects.emplace(trim(r[subject_col]), static_cast<Eigen::Index>(subjects.size()));
        raters.emplace(trim(r[rater_col]), static_cast<Eigen::Index>(raters.size()));
    }
    const auto n = static_cast<Eigen::Index>(subjects.size()), k = static_cast<Eigen::Index>(raters.size());
    if (static_cast<std::size_t>(n * k) != table.rows.size())
        throw Error(ErrorKind::invalid_input, cmd.csv + ": " + std::to_string(table.rows.size()) + " rows for " + std::to_string(n) +
                                                  " subjects x " + std::to_string(k) +
                                                  " raters: every subject needs exactly one row per rater");
    std::vector<std::pair<Eigen::Index, Eigen::Index>> cell(table.rows.size());
    std::vector<char> seen(static_cast<std::size_t>(n * k), 0);
    for (std::size_t i = 0; i < table.rows.size(); ++i) {
        cell[i] = {subjects.at(trim(table.rows[i][subject_col])), raters.at(trim(table.rows[i][rater_col]))};
        char& s = seen[static_cast<std::size_t>(cell[i].first * k + cell[i].second)];
        if (s)
            throw Error(ErrorKind::invalid_input, cmd.csv + ": subject '" + trim(table.rows[i][subject_col]) + "' has two rows for rater '" +
                                                      trim(table.rows[i][rater_col]) + "'");
        s = 1;
    }
    auto excluded = cmd.exclude;
    excluded.push_back(cmd.subject);
    excluded.push_back(cmd.rater);
    const auto cols = feature_columns(table, excluded);
    if (cols.empty()) throw Error(ErrorKind::invalid_input, cmd.csv + ": no numeric feature columns");
    static const char* kTypes[6] = {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"};
    std::vector<stats::IccResult> results;
    for (const auto c : cols) {
        const auto v = table.numeric(c);
        Eigen::MatrixXd ratings(n, k);
        for (std::size_t i = 0; i < v.size(); ++i) ratings(cell[i].first, cell[i].second) = v[i];
        results.push_back(stats::icc(ratings, 1.0 - cmd.level));
    }
    write_output(cmd.out, stdout_stream, [&](std::ostream& o) {
        o << "feature,type,icc,ci_lower,ci_upper\n";
        for (std::size_t j = 0; j < cols.size(); ++j)
            for (int f = 0; f < 6; ++f) {
                const auto& e = results[j].forms[static_cast<std::size_t>(f)];
                o << csv_cell(table.header[cols[j]]) << "," << kTypes[f] << "," << format17(e.icc) << "," << format17(e.lower) << ","
                  << format17(e.upper) << "\n";
            }
    });
}

}  // namespace radhpc::commands
