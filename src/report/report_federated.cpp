// radhpc report of a federated results folder (see report.hpp): the page, the shared helpers of
// report_federated*.cpp, and the sites, Cox and comparison tables.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "radhpc/core/file_text.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/report/report.hpp"
#include "radhpc/report/svg.hpp"
#include "radhpc/stats/distributions.hpp"
#include "report_federated.hpp"

namespace radhpc::report {
namespace fs = std::filesystem;

namespace federated_detail {
using svg::escape;

const json& member(const json& j, const std::string& key) {
    static const json null_value;
    if (!j.is_object()) return null_value;
    const auto it = j.find(key);
    return it == j.end() ? null_value : *it;
}

double num(const json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

std::vector<double> nums(const json& j) {
    std::vector<double> out;
    if (j.is_array())
        for (const auto& v : j) out.push_back(num(v));
    return out;
}

std::string dec(double v, int decimals) { return std::isfinite(v) ? svg::fixed(v, decimals) : std::string("NA"); }

std::vector<std::string> site_names(const json& results) {
    std::vector<std::string> names;
    const json& sites = member(results, "sites");
    if (sites.is_array())
        for (std::size_t s = 0; s < sites.size(); ++s) {
            const json& name = member(sites[s], "name");
            names.push_back(name.is_string() ? name.get<std::string>() : "site " + std::to_string(s + 1));
        }
    return names;
}

std::vector<std::string> feature_names(const json& results) {
    std::vector<std::string> f;
    for (const auto& v : member(results, "features")) f.push_back(v.is_string() ? v.get<std::string>() : "?");
    return f;
}

std::string site_colour(std::size_t site) { return report_detail::kPalette[site % std::size(report_detail::kPalette)]; }

Section make_block(const std::string& id, const std::string& title, const std::string& state) {
    Section s;
    s.id = id;
    s.title = title;
    s.state = state;
    return s;
}

Section absent_block(const std::string& id, const std::string& title, const std::string& analysis) {
    return report_detail::missing_section(id, title, "no " + analysis + " in these results (the job's federated.analyses did not include it, "
                                                         "or its prerequisites were not run)");
}

std::string header_row(const std::vector<std::string>& cells) {
    std::string r = "<tr>";
    for (const auto& c : cells) r += "<th>" + c + "</th>";
    return r + "</tr>\n";
}

std::string data_row(const std::vector<std::string>& cells) {
    std::string r = "<tr>";
    for (const auto& c : cells) r += "<td>" + c + "</td>";
    return r + "</tr>\n";
}

namespace {

std::string count_text(const json& j) { return j.is_number() ? svg::fixed(num(j), 0) : std::string("NA"); }

// Traffic of one site or of every site for one analysis: rounds, request and response bytes.
struct Traffic {
    double rounds = 0, request = 0, response = 0;
    void add(const json& t) {
        rounds += std::isfinite(num(member(t, "rounds"))) ? num(member(t, "rounds")) : 0;
        request += std::isfinite(num(member(t, "request_bytes"))) ? num(member(t, "request_bytes")) : 0;
        response += std::isfinite(num(member(t, "response_bytes"))) ? num(member(t, "response_bytes")) : 0;
    }
};

std::string traffic_table(const json& results, const json& exchange) {
    const json& per_site = member(exchange, "sites");
    std::vector<std::string> analyses = {"hello", "summary", "combat", "elastic_net", "cv", "cox", "validation"};
    std::string t = "<table class=\"fed-traffic\">\n" +
                    header_row({"analysis", "coordinator rounds", "site rounds (all sites)", "request bytes (all sites)",
                                "response bytes (all sites)"});
    for (const auto& a : analyses) {
        Traffic sum;
        bool any = false;
        if (per_site.is_object())
            for (const auto& [site, by_analysis] : per_site.items())
                if (by_analysis.contains(a)) sum.add(by_analysis.at(a)), any = true;
        const json& rounds = a == "hello" ? json(1) : member(member(results, "rounds"), a);
        if (!any && !rounds.is_number()) continue;
        t += data_row({escape(a), count_text(rounds), any ? dec(sum.rounds, 0) : "", any ? dec(sum.request, 0) : "",
                       any ? dec(sum.response, 0) : ""});
    }
    t += data_row({"<b>total</b>", count_text(member(member(results, "rounds"), "total")), "", "", ""});
    return t + "</table>\n";
}

}  // namespace

// (1) The sites: their rows, patients, cases and events; the traffic from exchange.json.
Section fed_sites_section(const json& results, const json& exchange) {
    const json& sites = member(results, "sites");
    const auto names = site_names(results);
    if (names.empty()) return report_detail::missing_section("fed-sites", "Sites", "the results list no sites");
    Section s = make_block("fed-sites", "Sites", "table");
    const json& traffic = member(exchange, "sites");
    std::string t = "<table class=\"fed-sites\">\n" +
                    header_row({"site", "rows", "patients", "cases (outcome 1)", "events", "covariates", "rounds", "request bytes",
                                "response bytes"});
    for (std::size_t k = 0; k < names.size(); ++k) {
        const json& site = sites[k];
        Traffic sum;
        const json& mine = member(traffic, names[k]);
        if (mine.is_object())
            for (const auto& [analysis, value] : mine.items()) sum.add(value);
        std::string covariates;
        for (const auto& c : member(site, "covariates"))
            if (c.is_string()) covariates += (covariates.empty() ? "" : ", ") + c.get<std::string>();
        const bool known = mine.is_object();
        t += data_row({"<span style=\"color:" + site_colour(k) + "\">\u25a0</span> " + escape(names[k]), count_text(member(site, "rows")),
                       count_text(member(site, "patients")), count_text(member(site, "cases")), count_text(member(site, "events")),
                       escape(covariates), known ? dec(sum.rounds, 0) : "NA", known ? dec(sum.request, 0) : "NA",
                       known ? dec(sum.response, 0) : "NA"});
    }
    t += "</table>\n";
    std::string text = "Each site's own count of its rows, patients, cases and events (the hello round). ";
    if (exchange.is_object()) {
        text += "Traffic from exchange.json beside the results: per site the sums over the analyses of the rounds it answered and the "
                "bytes of its requests and responses; per analysis below (each round counted under the analysis it serves: the CV's fold fits under cv). "
                "Coordinator time " + dec(num(member(exchange, "coordinator_seconds")), 3) + " s, sites' time " +
                dec(num(member(exchange, "site_seconds")), 3) + " s.";
        t += traffic_table(results, exchange);
    } else {
        text += "No exchange.json beside the results (a coordinate folder): rounds per analysis from results.json only.";
        t += traffic_table(results, json::object());
    }
    s.body = t + report_detail::caption(escape(text));
    s.attrs = report_detail::attr("sites", double(names.size()));
    s.note = "fed-sites: " + std::to_string(names.size()) + " sites";
    return s;
}

// (7) Site-stratified Cox: coefficients, standard errors, hazard ratios with Wald CIs.
Section fed_cox_section(const json& results, double level) {
    const json& cox = member(results, "cox");
    if (!cox.is_object()) return absent_block("fed-cox", "Site-stratified Cox model", "cox analysis");
    const auto coef = nums(member(cox, "coef")), se = nums(member(cox, "se"));
    const json& features = member(cox, "features");
    const double z = stats::normal_quantile(1 - (1 - level) / 2);
    const std::string lv = svg::sig(100 * level, 4) + "%";
    Section s = make_block("fed-cox", "Site-stratified Cox model", "table");
    std::string t = "<table class=\"fed-cox\">\n" +
                    header_row({"feature", "coef", "se", "HR = exp(coef)", lv + " CI of HR: exp(coef \u00b1 " + svg::fixed(z, 2) + " se)"});
    std::string coefs;
    for (std::size_t j = 0; j < coef.size(); ++j) {
        const std::string name = j < features.size() && features[j].is_string() ? features[j].get<std::string>() : "x" + std::to_string(j + 1);
        const double b = coef[j], e = j < se.size() ? se[j] : std::nan("");
        t += data_row({escape(name), svg::sig(b, 6), svg::sig(e, 6), dec(std::exp(b), 3),
                       dec(std::exp(b - z * e), 3) + " \u2013 " + dec(std::exp(b + z * e), 3)});
        coefs += (j ? ";" : "") + svg::full(b);
    }
    t += "</table>\n<table class=\"fed-cox-fit\">\n" + header_row({"statistic", "value"});
    for (const auto& [key, value] : cox.items())
        if (value.is_number()) t += data_row({escape(key), svg::sig(num(value), 8)});
    t += "</table>\n";
    s.body = t + report_detail::caption("Cox proportional hazards with a baseline hazard per site (strata), fitted by Newton steps on the "
                                        "sites' summed score and information terms. Hazard-ratio intervals are " + lv +
                                        " Wald intervals computed here from the stored coef and se; every other number is the results'.");
    s.attrs = report_detail::attr("coef", coefs) + report_detail::attr("level", level);
    s.note = "fed-cox: " + std::to_string(coef.size()) + " coefficients";
    return s;
}

// (8) Federated minus pooled: the largest absolute differences of comparison.json.
Section fed_comparison_section(const json& comparison) {
    const std::string title = "Federated vs pooled analyses";
    if (!comparison.is_object() || comparison.empty())
        return report_detail::missing_section("fed-comparison", title,
                                              "no comparison.json beside the results (only `radhpc federated simulate` runs the pooled "
                                              "analyses on the union of the sites' rows and compares)");
    std::vector<std::pair<std::string, double>> rows;
    for (const auto& [key, value] : comparison.items()) rows.emplace_back(key, num(value));
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        const double x = std::isnan(a.second) ? INFINITY : a.second, y = std::isnan(b.second) ? INFINITY : b.second;
        return x > y;
    });
    const std::size_t shown = std::min<std::size_t>(rows.size(), 15);
    std::string t = "<table class=\"fed-comparison\">\n" + header_row({"result", "largest |federated \u2212 pooled|"});
    std::string all;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string r = data_row({escape(rows[i].first), svg::sig(rows[i].second, 3)});
        (i < shown ? t : all) += r;
    }
    t += "</table>\n";
    if (!all.empty())
        t += "<details><summary>the other " + std::to_string(rows.size() - shown) + " results</summary><table>\n" + all + "</table></details>\n";
    Section s = make_block("fed-comparison", title, "table");
    s.body = t + report_detail::caption("comparison.json of the simulate folder: per result, the largest absolute difference between the "
                                        "federated value and the pooled analysis of the union of the sites' rows (radhpc's ordinary "
                                        "functions), largest first. Histogram quantiles differ by up to a bin width by design (the bounds "
                                        "in the QC block hold the exact quantile).");
    s.attrs = report_detail::attr("entries", double(rows.size())) + report_detail::attr("largest", rows.front().second);
    s.note = "fed-comparison: " + std::to_string(rows.size()) + " results, largest difference " + svg::sig(rows.front().second, 3);
    return s;
}

}  // namespace federated_detail

std::string render_federated_report(const FederatedInputs& in, const ReportOptions& o, std::vector<std::string>* notes) {
    using namespace federated_detail;
    const json results = json::parse(in.results);
    const json exchange = in.exchange.empty() ? json() : json::parse(in.exchange);
    const json comparison = in.comparison.empty() ? json() : json::parse(in.comparison);
    std::vector<Section> sections;
    sections.push_back(fed_sites_section(results, exchange));
    sections.push_back(fed_qc_section(results));
    sections.push_back(fed_combat_section(results));
    sections.push_back(fed_coefficients_section(results));
    sections.push_back(fed_cv_section(results));
    sections.push_back(fed_path_section(results));
    sections.push_back(fed_roc_section(results));
    sections.push_back(fed_forest_section(results));
    sections.push_back(fed_cox_section(results, o.level));
    sections.push_back(fed_comparison_section(comparison));
    std::vector<std::string> ids;
    for (const auto& s : sections) ids.push_back(s.id);

    std::string analyses;
    for (const auto& [key, value] : member(results, "rounds").items())
        if (key != "total") analyses += (analyses.empty() ? "" : ", ") + key;
    std::ostringstream html;
    const std::string title = "radhpc federated report: " + (in.folder.empty() ? std::string("results") : in.folder);
    html << report_detail::page_head(title);
    html << "<h1>" << escape(title) << "</h1>\n<p class=\"small\">protocol " << escape(member(results, "protocol").is_string()
                                                                                    ? member(results, "protocol").get<std::string>()
                                                                                    : std::string("?"))
         << "; " << site_names(results).size() << " sites, " << member(results, "features").size() << " features; analyses "
         << escape(analyses.empty() ? std::string("none") : analyses) << " in " << dec(num(member(member(results, "rounds"), "total")), 0)
         << " rounds. Written by " << escape(o.generator)
         << ". Self-contained: no scripts or styles from elsewhere; the page's only script checks that every block drew.</p>\n"
         << "<p>Every number shown is read from the coordinator's results.json (and exchange.json, comparison.json beside it) "
            "except the ROC points, cumulated here from the sites' score histograms, and the hazard ratios' intervals. No row of "
            "any site is in these files: sites answered with aggregates only.</p>\n";
    report_detail::append_sections(html, sections, notes);
    html << report_detail::self_check_script(ids) << "</body>\n</html>\n";
    return html.str();
}

namespace {

bool is_federated_results(const fs::path& file) {
    if (!fs::is_regular_file(file)) return false;
    const federated_detail::json j = federated_detail::json::parse(read_file_text_or_empty(file.string()), nullptr, false);
    return j.is_object() && j.contains("protocol") && j["protocol"] == "radhpc-federated/1";
}

}  // namespace

std::string federated_results_dir(const std::string& dir) {
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec)) return {};
    if (is_federated_results(fs::path(dir) / "results.json")) return dir;
    if (is_federated_results(fs::path(dir) / "results" / "results.json")) return (fs::path(dir) / "results").string();
    return {};
}

std::vector<std::string> write_federated_report(const ReportOptions& o, const std::string& results_dir) {
    const auto normal = [](const fs::path& p) {
        const fs::path n = fs::absolute(p).lexically_normal();
        return n.has_filename() ? n : n.parent_path();  // "dir/" -> "dir"
    };
    const fs::path dir = normal(results_dir), parent = dir.parent_path();
    FederatedInputs in;
    in.folder = normal(o.store).filename().string();
    in.results = read_file_text_or_empty((dir / "results.json").string());
    if (in.results.empty()) throw Error(ErrorKind::io, (dir / "results.json").string() + ": cannot read");
    in.exchange = read_file_text_or_empty((parent / "exchange.json").string());
    in.comparison = read_file_text_or_empty((parent / "comparison.json").string());
    std::vector<std::string> notes;
    const std::string html = render_federated_report(in, o, &notes);
    report_detail::write_page(o.out, html);
    return notes;
}

}  // namespace radhpc::report
