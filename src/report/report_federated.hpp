// Private to the report layer: the blocks of the federated page (radhpc report of a federated
// results folder). report_federated.cpp assembles the page and draws the sites, Cox and comparison
// tables; report_federated_summary.cpp the per-site QC and the ComBat effect;
// report_federated_model.cpp the elastic-net signature, CV curve, path, ROC and forest plot.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "report_internal.hpp"

namespace radhpc::report::federated_detail {

using json = nlohmann::json;
using report_detail::Section;

// j[key] when j is an object holding it, else a null value.
const json& member(const json& j, const std::string& key);
// A number of the results: null, absent or not a number (JSON writes NaN as null) gives NaN.
double num(const json& j);
std::vector<double> nums(const json& j);
// Fixed decimals, "NA" for NaN.
std::string dec(double v, int decimals = 3);
// Site names in the results' site order; their line colour. The feature names.
std::vector<std::string> site_names(const json& results);
std::vector<std::string> feature_names(const json& results);
std::string site_colour(std::size_t site);
// An empty block of the given state; a block saying that `analysis` is not in the results.
Section make_block(const std::string& id, const std::string& title, const std::string& state);
Section absent_block(const std::string& id, const std::string& title, const std::string& analysis);
// <table> cells: a header row, a data row (cells already HTML).
std::string header_row(const std::vector<std::string>& cells);
std::string data_row(const std::vector<std::string>& cells);

Section fed_sites_section(const json& results, const json& exchange);
Section fed_qc_section(const json& results);
Section fed_combat_section(const json& results);
Section fed_coefficients_section(const json& results);
Section fed_cv_section(const json& results);
Section fed_path_section(const json& results);
Section fed_roc_section(const json& results);
Section fed_forest_section(const json& results);
Section fed_cox_section(const json& results, double level);
Section fed_comparison_section(const json& comparison);

}  // namespace radhpc::report::federated_detail
