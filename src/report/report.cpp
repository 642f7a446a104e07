// radhpc report: the page, its data (patients' scores and endpoints from the store) and the
// descriptive sections (QC, failures, provenance). The statistical plots are in report_plots.cpp.
#include "radhpc/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/report/svg.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/roc_band.hpp"
#include "report_internal.hpp"

namespace radhpc::report {
namespace fs = std::filesystem;
using svg::escape;

namespace report_detail {
namespace {

std::string trim(const std::string& s) { return text::trim(s, " \t\r\n"); }

// A whole-string finite number, or NaN.
double parse_number(const std::string& text) {
    const std::string s = trim(text);
    if (s.empty()) return std::nan("");
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nan("");
    return v;
}

std::string td(const std::string& text, const char* cls = nullptr) {
    return std::string("<td") + (cls ? std::string(" class=\"") + cls + "\"" : "") + ">" + escape(text) + "</td>";
}

// Tables list at most this many rows (the page stays small for a store with many failures);
// `radhpc inspect` lists them all.
constexpr std::size_t kMaxTableRows = 1000;
std::string rows_left_out(std::size_t rows) {
    return rows > kMaxTableRows ? "<p class=\"small\">the first " + std::to_string(kMaxTableRows) + " of " + std::to_string(rows) +
                                      " rows; radhpc inspect lists them all</p>\n"
                                : std::string();
}

// Horizontal bar chart of labelled counts (optionally stacked by category).
struct StackedBar {
    std::string label;
    std::vector<double> parts;  // one per category
    int colour = -1;            // class catN of a one-category bar (-1: by category)
};
std::string bar_chart(const std::string& id, const std::string& title, const std::vector<StackedBar>& bars,
                      const std::vector<std::string>& categories, const std::string& x_label) {
    std::size_t longest = 0;
    double max_total = 1;
    for (const auto& b : bars) {
        longest = std::max(longest, b.label.size());
        double total = 0;
        for (double v : b.parts) total += v;
        max_total = std::max(max_total, total);
    }
    const double row = 18, label_w = std::min(300.0, 6.2 * double(longest) + 14), plot_w = 380;
    const double plot_h = row * double(bars.size());
    const double legend_h = categories.size() > 1 ? 22 : 0;
    svg::Figure fig(label_w + plot_w + 60, plot_h + 58 + legend_h);
    auto ticks = svg::nice_ticks(0, max_total, 5);
    if (ticks.size() > 1 && svg::tick_decimals(ticks) > 0) ticks = {0, max_total};  // counts: integer ticks only
    const double hi = std::max(max_total, ticks.back());
    svg::Plot plot(fig, label_w + 10, 8 + legend_h, plot_w, plot_h, svg::Axis{0, hi, x_label, ticks},
                   svg::Axis{0, double(bars.size()), "", {0}, false});
    plot.axes();
    for (std::size_t i = 0; i < bars.size(); ++i) {
        double x = 0;
        const double top = plot.py(double(bars.size() - i));
        for (std::size_t k = 0; k < bars[i].parts.size(); ++k) {
            const double v = bars[i].parts[k];
            if (v <= 0) continue;
            const int colour = bars[i].colour >= 0 ? bars[i].colour : int(k);
            fig.rect(plot.px(x), top + 3, plot.px(x + v) - plot.px(x), row - 6, "class=\"cat" + std::to_string(colour) + "\"",
                     bars[i].label + (categories.size() > 1 ? " " + categories[k] : std::string()) + ": " + svg::fixed(v, 0));
            x += v;
        }
        fig.text(label_w + 4, top + row / 2 + 4, bars[i].label, "end", "class=\"rowlabel\"");
        fig.text(plot.px(x) + 4, top + row / 2 + 4, svg::fixed(x, 0), "start", "class=\"ticklabel\"");
    }
    if (categories.size() > 1)
        for (std::size_t k = 0; k < categories.size(); ++k) {
            const double x = label_w + 10 + 90 * double(k);
            fig.rect(x, 6, 12, 12, "class=\"cat" + std::to_string(k) + "\"");
            fig.text(x + 16, 16, categories[k], "start", "class=\"legendtext\"");
        }
    return fig.str(id, title);
}

}  // namespace

Section missing_section(const std::string& id, const std::string& title, const std::string& message) {
    Section s;
    s.id = id;
    s.title = title;
    s.state = "missing";
    s.body = "<p class=\"missing\">" + escape(message) + "</p>\n";
    s.note = id + ": " + message;
    return s;
}

// ---------------------------------------------------------------------------------------------
PatientEndpoints collect_endpoints(const store::Contents& c, const ReportOptions& o) {
    PatientEndpoints d;
    // metadata per patient: first non-empty value in study-id order
    std::map<std::string, std::map<std::string, std::string>> meta;  // patient -> key -> value
    std::map<std::string, std::map<std::string, std::vector<double>>> meta_numbers;  // for a metadata score
    std::set<std::string> disagreements;
    std::vector<const store::StudyRecord*> studies;
    for (const auto& s : c.studies)
        if (s.perturbation == "none") studies.push_back(&s);  // sweeps: one record per perturbation, same metadata
    std::stable_sort(studies.begin(), studies.end(), [](auto* a, auto* b) { return a->study_id < b->study_id; });
    std::set<std::string> keys;
    for (const auto* s : studies) {
        auto& m = meta[s->patient_id];
        for (const auto& [k, v0] : s->metadata) {
            const std::string v = trim(v0);
            keys.insert(k);
            if (v.empty()) continue;
            if (k == o.score) meta_numbers[s->patient_id][k].push_back(parse_number(v));
            const auto it = m.find(k);
            if (it == m.end())
                m[k] = v;
            else if (it->second != v && (k == o.outcome || k == o.time || k == o.event))
                disagreements.insert("patient " + s->patient_id + ": studies disagree on '" + k + "' (the first study's value is used)");
        }
    }
    d.issues.assign(disagreements.begin(), disagreements.end());

    // score per patient: --score, else the store's signature
    std::map<std::string, double> score;
    std::map<std::string, const store::SignaturePatientRow*> signature_rows;
    d.no_score_reason = "no signature scores in this store (radhpc report --score COL plots a metadata, patient-table or feature column)";
    if (o.score.empty() && !c.signatures.empty()) {
        const store::SignatureResult* chosen = nullptr;
        if (!o.signature.empty()) {
            for (const auto& sig : c.signatures)
                if (sig.name == o.signature) chosen = &sig;
        } else {
            // the first scored signature by name; a signature before a patient model ("<sig>/<model>")
            for (const auto& sig : c.signatures)
                if (!chosen && sig.status == "scored" && sig.name.find('/') == std::string::npos) chosen = &sig;
            for (const auto& sig : c.signatures)
                if (!chosen && sig.status == "scored") chosen = &sig;
        }
        if (!o.signature.empty() && !chosen) throw Error(ErrorKind::settings, "report --signature " + o.signature + ": no signature of that name in the store");
        if (!chosen) {
            const auto& first = c.signatures.front();
            d.no_score_reason = "signature '" + first.name + "' has no scores (" + first.status + (first.message.empty() ? "" : ": " + first.message) + ")";
        } else if (chosen->status != "scored") {
            d.no_score_reason = "signature '" + chosen->name + "' has no scores (" + chosen->status + (chosen->message.empty() ? "" : ": " + chosen->message) + ")";
        } else {
            d.signature = chosen;
            d.score_name = chosen->name;
            d.score_source = "signature '" + chosen->name + "' patient scores (" + chosen->aggregation + " of the lesion scores, link " + chosen->link + ")";
            for (const auto& row : chosen->patients) {
                score[row.patient_id] = row.score;
                signature_rows[row.patient_id] = &row;
            }
        }
    }
    if (!o.score.empty()) {
        d.score_name = o.score;
        if (keys.count(o.score)) {
            d.score_source = "metadata column '" + o.score + "' (mean over the patient's studies)";
            for (const auto& [pid, m] : meta_numbers) {
                const auto& v = m.at(o.score);
                double sum = 0;
                for (double x : v) sum += x;  // NaN (a non-number) makes the patient's score missing
                score[pid] = sum / double(v.size());
            }
        } else {
            const store::PatientTable pt = c.patients.patient_ids.empty() ? store::patient_table(c) : c.patients;
            auto col = std::find(pt.columns.begin(), pt.columns.end(), o.score);
            if (col != pt.columns.end()) {
                d.score_source = "patient-table column '" + o.score + "'";
            } else if (std::find(c.features.columns.begin(), c.features.columns.end(), o.score) != c.features.columns.end()) {
                col = std::find(pt.columns.begin(), pt.columns.end(), o.score + "_mean");
                d.score_source = "feature '" + o.score + "', mean over the patient's lesions";
            }
            if (col == pt.columns.end())
                throw Error(ErrorKind::settings, "report --score " + o.score + ": no metadata, patient-table or feature column of that name");
            const std::size_t j = std::size_t(col - pt.columns.begin()), nc = pt.columns.size();
            for (std::size_t i = 0; i < pt.patient_ids.size(); ++i) score[pt.patient_ids[i]] = pt.values[i * nc + j];
        }
    }

    std::set<std::string> patients;
    if (!d.signature)  // a signature's patients are its rows
        for (const auto& [pid, m] : meta) patients.insert(pid);
    for (const auto& [pid, v] : score) patients.insert(pid);
    std::vector<std::string> bad_values;
    for (const auto& pid : patients) {
        d.patient_id.push_back(pid);
        const auto sc = score.find(pid);
        d.score.push_back(sc == score.end() ? std::nan("") : sc->second);
        const auto& m = meta[pid];
        auto binary = [&](const std::string& key) {
            const auto it = m.find(key);
            if (it == m.end()) return -1;
            const double v = parse_number(it->second);
            if (v == 0 || v == 1) return int(v);
            bad_values.push_back("patient " + pid + ": " + key + " '" + it->second + "' is not 0/1");
            return -1;
        };
        d.outcome.push_back(binary(o.outcome));
        d.event.push_back(binary(o.event));
        const auto tt = m.find(o.time);
        double time = tt == m.end() ? std::nan("") : parse_number(tt->second);
        if (tt != m.end() && !(time >= 0)) {
            bad_values.push_back("patient " + pid + ": " + o.time + " '" + tt->second + "' is not a non-negative number");
            time = std::nan("");
        }
        d.time.push_back(time);
        // the signature's own endpoints (its outcome, time and event columns) take precedence
        const auto sr = signature_rows.find(pid);
        if (sr != signature_rows.end()) {
            const auto& row = *sr->second;
            // the signature's outcome (-1: unknown or conflicting across the patient's lesions, left
            // out as in its own patient metrics)
            d.outcome.back() = row.outcome == 0 || row.outcome == 1 ? int(row.outcome) : -1;
            if (std::isfinite(row.time) && (row.event == 0 || row.event == 1)) {
                d.time.back() = row.time;
                d.event.back() = int(row.event);
            }
        }
    }
    d.issues.insert(d.issues.end(), bad_values.begin(), bad_values.end());

    std::vector<double> finite;
    for (double v : d.score)
        if (std::isfinite(v)) finite.push_back(v);
    d.score_is_probability = !finite.empty() && std::all_of(finite.begin(), finite.end(), [](double v) { return v > 0 && v < 1; });
    // direction: the option, else the signature's rule (">"/">=": higher scores positive)
    const bool rule_lower = d.signature && (d.signature->rule == "<" || d.signature->rule == "<=");
    d.direction = !o.direction.empty() ? o.direction : rule_lower ? ">" : "<";
    if (d.signature && d.signature->link == "linear") d.score_is_probability = false;
    // risk groups: the signature's classes at its threshold, else score vs --threshold / median
    const bool higher_is_risk = d.direction != ">";
    if (d.signature && !std::isfinite(o.threshold)) {
        d.threshold = d.signature->threshold;
        d.group_rule = "high = the signature's positive class (score " + d.signature->rule + " " + svg::sig(d.threshold, 6) + ")";
        for (const auto& pid : d.patient_id) {
            const auto sr = signature_rows.find(pid);
            d.group.push_back(sr == signature_rows.end() || sr->second->cls < 0 ? -1 : int(sr->second->cls));
        }
    } else {
        d.threshold = std::isfinite(o.threshold) ? o.threshold : stats::quantile_type7(finite, 0.5);
        d.group_rule = "high = score " + std::string(higher_is_risk ? ">= " : "<= ") + svg::sig(d.threshold, 6) +
                       (std::isfinite(o.threshold) ? " (--threshold)" : " (the median score)");
        for (double v : d.score)
            d.group.push_back(!std::isfinite(v) ? -1 : higher_is_risk ? (v >= d.threshold ? 1 : 0) : (v <= d.threshold ? 1 : 0));
    }
    return d;
}

// ---------------------------------------------------------------------------------------------
namespace {

Section qc_section(const store::Contents& c) {
    Section sec;
    sec.id = "qc";
    sec.title = "Quality control";
    sec.state = "plot";
    // studies = the unperturbed records; a sweep's other (study, perturbation) units counted apart
    std::map<std::string, double> by_status, perturbed_by_status;
    std::size_t studies = 0, lesions = 0;
    for (const auto& s : c.studies) {
        if (s.perturbation != "none") {
            perturbed_by_status[s.status] += 1;
            continue;
        }
        by_status[s.status] += 1;
        ++studies;
        lesions += std::size_t(std::max(0, s.lesions));
    }
    std::vector<StackedBar> status_bars;
    for (const auto& [k, n] : by_status) status_bars.push_back({k, {n}, k == "ok" ? 0 : k == "error" ? 1 : 2});
    if (status_bars.empty()) return missing_section("qc", sec.title, "no studies in this store");
    double total_s = 0;
    for (const auto& s : c.studies) total_s += s.total_s;
    std::string sweep_text;
    for (const auto& [k, n] : perturbed_by_status) sweep_text += (sweep_text.empty() ? "" : ", ") + k + " " + svg::fixed(n, 0);
    if (!sweep_text.empty())
        sweep_text = " Robustness sweep: " + std::to_string(c.perturbations.size()) + " perturbations (with none); perturbed units: " + sweep_text + ".";
    sec.body = "<p>" + std::to_string(studies) + " studies, " + std::to_string(c.features.rows()) + " feature rows (" +
               std::to_string(lesions) + " lesions in ok studies), " + std::to_string(c.features.columns.size()) + " features, " +
               std::to_string(c.patients.patient_ids.size()) + " patients; compute time " + svg::fixed(total_s, 1) +
               " s over all stored records." + escape(sweep_text) + "</p>\n" + bar_chart("qc-status", "studies by status", status_bars, {"studies"}, "studies");
    std::size_t failed_checks = 0;
    if (c.qc.empty()) {
        sec.body += "<p class=\"missing\">no image-quality checks in this store (checks run on DICOM studies)</p>\n";
    } else {
        std::map<std::string, std::vector<double>> by_check;  // check -> pass, fail, info
        for (const auto& q : c.qc) {
            auto& v = by_check[q.check];
            v.resize(3, 0);
            v[q.status == "pass" ? 0 : q.status == "fail" ? 1 : 2] += 1;
            failed_checks += q.status == "fail";
        }
        std::vector<StackedBar> bars;
        for (const auto& [k, v] : by_check) bars.push_back({k, v});
        sec.body += bar_chart("qc-checks", "image-quality checks by outcome", bars, {"pass", "fail", "info"}, "series checked");
        if (failed_checks > 0) {
            sec.body += "<table><tr><th>study</th><th>series</th><th>check</th><th>observed</th><th>expected</th></tr>\n";
            std::size_t shown = 0;
            for (const auto& q : c.qc)
                if (q.status == "fail" && shown++ < kMaxTableRows)
                    sec.body += "<tr>" + td(q.study_id) + td(q.series_id) + td(q.check) + td(q.observed) + td(q.expected) + "</tr>\n";
            sec.body += "</table>\n" + rows_left_out(failed_checks);
        }
    }
    sec.attrs = " data-studies=\"" + std::to_string(studies) + "\" data-qc-checks=\"" + std::to_string(c.qc.size()) +
                "\" data-qc-failed=\"" + std::to_string(failed_checks) + "\"";
    sec.note = "qc: " + std::to_string(studies) + " studies, " + std::to_string(c.qc.size()) + " image-quality checks (" +
               std::to_string(failed_checks) + " failed)";
    return sec;
}

Section failures_section(const store::Contents& c) {
    const std::string title = "Failures";
    std::vector<const store::StudyRecord*> failed;
    for (const auto& s : c.studies)
        if (s.status != "ok") failed.push_back(&s);
    if (failed.empty() && c.manifest_issues.empty()) return missing_section("failures", title, "no failed studies in this store");
    Section sec;
    sec.id = "failures";
    sec.title = title;
    sec.state = failed.empty() ? "table" : "plot";
    if (!failed.empty()) {
        std::map<std::string, double> by_kind;
        for (const auto* s : failed) by_kind[s->error_kind.empty() ? s->status : s->error_kind] += 1;
        std::vector<StackedBar> bars;
        for (const auto& [k, n] : by_kind) bars.push_back({k, {n}, 1});
        const bool sweep_records = std::any_of(failed.begin(), failed.end(), [](const auto* s) { return s->perturbation != "none"; });
        sec.body += bar_chart("failures-plot", "failed studies by reason", bars, {"studies"},
                              sweep_records ? "records (study x perturbation)" : "studies");
        const bool sweep = std::any_of(c.studies.begin(), c.studies.end(), [](const auto& s) { return s.perturbation != "none"; });
        sec.body += std::string("<table><tr><th>study</th><th>patient</th>") + (sweep ? "<th>perturbation</th>" : "") +
                    "<th>status</th><th>kind</th><th>message</th></tr>\n";
        for (std::size_t i = 0; i < failed.size() && i < kMaxTableRows; ++i) {
            const auto* s = failed[i];
            sec.body += "<tr>" + td(s->study_id) + td(s->patient_id) + (sweep ? td(s->perturbation) : std::string()) + td(s->status) +
                        td(s->error_kind) + td(s->message, "msg") + "</tr>\n";
        }
        sec.body += "</table>\n" + rows_left_out(failed.size());
    }
    if (!c.manifest_issues.empty()) {
        sec.body += "<h3>manifest issues</h3>\n<table><tr><th>run</th><th>line</th><th>column</th><th>study</th><th>message</th></tr>\n";
        for (std::size_t i = 0; i < c.manifest_issues.size() && i < kMaxTableRows; ++i) {
            const auto& m = c.manifest_issues[i];
            sec.body += "<tr>" + td(m.run_id) + td(std::to_string(m.line)) + td(std::to_string(m.column)) + td(m.study_id) +
                        td(m.message, "msg") + "</tr>\n";
        }
        sec.body += "</table>\n" + rows_left_out(c.manifest_issues.size());
    }
    sec.attrs = " data-failed=\"" + std::to_string(failed.size()) + "\" data-manifest-issues=\"" + std::to_string(c.manifest_issues.size()) + "\"";
    sec.note = "failures: " + std::to_string(failed.size()) + " studies, " + std::to_string(c.manifest_issues.size()) + " manifest issues";
    return sec;
}

Section provenance_section(const store::Contents& c) {
    const std::string title = "Provenance";
    if (c.runs.empty()) return missing_section("provenance", title, "no run records in this store");
    Section sec;
    sec.id = "provenance";
    sec.title = title;
    sec.state = "table";
    sec.body = "<table><tr><th>run</th><th>state</th><th>started</th><th>finished</th><th>radhpc</th><th>ranks</th><th>shard</th>"
               "<th>ok</th><th>failed</th><th>skipped</th><th>host</th><th>command</th></tr>\n";
    for (const auto& r : c.runs)
        sec.body += "<tr>" + td(r.run_id) + td(r.state) + td(store::iso_time(r.started_at)) + td(store::iso_time(r.finished_at)) +
                    td(r.radhpc_version + " (" + r.git_hash + ")") + td(std::to_string(r.ranks)) + td(r.shard) + td(std::to_string(r.ok)) +
                    td(std::to_string(r.failed)) + td(std::to_string(r.skipped)) + td(r.host) + td(r.command, "msg") + "</tr>\n";
    sec.body += "</table>\n";
    std::set<std::string> libraries;
    for (const auto& r : c.runs)
        if (!r.libraries.empty()) libraries.insert(r.libraries);
    for (const auto& l : libraries) sec.body += "<p class=\"small\">libraries: " + escape(l) + "</p>\n";
    // each distinct job text once, the latest run's open
    std::vector<std::string> seen;
    for (std::size_t i = c.runs.size(); i-- > 0;) {
        const auto& r = c.runs[i];
        if (r.job_text.empty() || std::find(seen.begin(), seen.end(), r.job_text) != seen.end()) continue;
        sec.body += std::string("<details") + (seen.empty() ? " open" : "") + "><summary>job file of run " + escape(r.run_id) +
                    "</summary><pre>" + escape(r.job_text) + "</pre></details>\n";
        seen.push_back(r.job_text);
    }
    if (!c.robustness.empty()) {
        const auto& rb = c.robustness;
        sec.body += "<p>Robust stage (radhpc robust): computed " + escape(store::iso_time(rb.computed_at)) + " on the table of run " + escape(rb.run_id) +
                    ", source " + escape(rb.source) + ", reference rows " + escape(rb.reference) + (rb.harmonised ? ", ComBat-harmonised" : "") +
                    ".</p>\n<details><summary>robust settings</summary><pre>" + escape(rb.settings) + "</pre></details>\n";
        if (!rb.notes.empty()) {
            sec.body += "<details><summary>robust stage notes (" + std::to_string(rb.notes.size()) + ")</summary><ul class=\"issues\">\n";
            for (const auto& n : rb.notes) sec.body += "<li>" + escape(n) + "</li>\n";
            sec.body += "</ul></details>\n";
        }
    }
    for (const auto& sig : c.signatures) {
        sec.body += "<p>Signature '" + escape(sig.name) + "': " + escape(sig.status) + (sig.computed_at > 0 ? ", scored " + escape(store::iso_time(sig.computed_at)) : std::string()) +
                    (sig.message.empty() ? std::string() : " (" + escape(sig.message) + ")") + ". " + escape(sig.source) + "</p>\n";
        if (!sig.spec.empty())
            sec.body += "<details><summary>signature '" + escape(sig.name) + "' as used</summary><pre>" + escape(sig.spec) + "</pre></details>\n";
    }
    sec.attrs = " data-runs=\"" + std::to_string(c.runs.size()) + "\"";
    sec.note = "provenance: " + std::to_string(c.runs.size()) + " runs";
    return sec;
}

const char* kStyle = R"(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin-bottom:4px} h2{font-size:17px;margin:28px 0 6px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:14px} figure.block{margin:0 0 10px 0} figcaption,p{font-size:13px;line-height:1.45;max-width:900px}
p.missing{color:#8a6d3b;background:#fcf8e3;padding:6px 10px;border-left:3px solid #d9b44a}
table{border-collapse:collapse;font-size:12px;margin:8px 0} td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4} td.msg{max-width:520px;word-break:break-word} pre{background:#f7f7f7;padding:8px;font-size:12px;overflow-x:auto}
.small{font-size:11px;color:#555} ul.issues{font-size:12px;color:#8a6d3b}
svg.plot{display:block;margin:6px 0;font-family:inherit;max-width:100%;height:auto}
svg .grid{stroke:#eee;stroke-width:1} svg .tick{stroke:#333} svg .frame{fill:none;stroke:#333;stroke-width:1}
svg .ticklabel{font-size:11px;fill:#333} svg .axislabel{font-size:12px;fill:#111} svg .rowlabel{font-size:11px;fill:#222}
svg .rowlabel.selected{font-weight:bold;fill:#000}
svg .legend{fill:#fff;fill-opacity:.92;stroke:#bbb} svg .legendtext{font-size:11px;fill:#111}
svg .curve{fill:none;stroke-width:2} svg .s0{stroke:#1f5fa8} svg .s1{stroke:#c0392b}
svg .censor{stroke-width:1.5} svg .nokey{stroke:none}
svg .band0{fill:#1f5fa8;fill-opacity:.18;stroke:none} svg .band1{fill:#c0392b;fill-opacity:.15;stroke:none}
svg .bandkey0{stroke:#1f5fa8;stroke-opacity:.3;stroke-width:9}
svg .diag{stroke:#999;stroke-dasharray:4 3;fill:none} svg .whisker{stroke:#333;stroke-width:1.2}
svg .pt0{fill:#1f5fa8;stroke:#fff} svg .oppoint{fill:#e67e22;stroke:#fff;stroke-width:1.5}
svg .oppointkey{stroke:#e67e22;stroke-width:6;stroke-linecap:round;stroke-dasharray:0.1 20} svg .threshold{stroke:#c0392b;stroke-dasharray:5 3}
svg .bar{fill:#b9c7d8} svg .bar.robust{fill:#1f5fa8} svg .cluster{fill:none;stroke:#e67e22;stroke-width:1.5}
svg .cat0{fill:#2e8b57} svg .cat1{fill:#c0392b} svg .cat2{fill:#9aa5b1}
)";

// Verifies in the browser that every block is there and drew something; the result goes to
// <html data-selfcheck> and the title (readable with chromium --dump-dom).
const char* kSelfCheck = R"(<script>
(function () {
  var problems = [];
  window.addEventListener('error', function (e) { problems.push('script error: ' + e.message); });
  var ids = ['roc', 'calibration', 'km', 'icc', 'heatmap', 'qc', 'failures', 'provenance'];
  ids.forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { problems.push(id + ': absent'); return; }
    var state = el.getAttribute('data-state');
    if (state === 'plot') {
      var svgs = el.querySelectorAll('svg');
      if (!svgs.length) { problems.push(id + ': no svg'); return; }
      for (var i = 0; i < svgs.length; i++) {
        var box = svgs[i].getBoundingClientRect();
        if (box.width < 50 || box.height < 30 || svgs[i].childElementCount < 3) problems.push(id + ': empty svg ' + i);
      }
    } else if (state === 'table') {
      if (!el.querySelector('table')) problems.push(id + ': no table');
    } else if (state === 'missing') {
      if (!el.querySelector('p.missing')) problems.push(id + ': no message');
    } else problems.push(id + ': unknown state');
  });
  var result = problems.length ? 'fail: ' + problems.join('; ') : 'ok';
  document.documentElement.setAttribute('data-selfcheck', result);
  document.title = '[' + result + '] ' + document.title;
})();
</script>
)";

IccChart icc_chart(const store::Contents& c, std::string& reason) {
    const store::Robustness& rb = c.robustness;
    if (rb.empty()) {
        reason = "no robustness ICC table in this store (radhpc robust has not run)";
        return {};
    }
    IccChart chart;
    chart.form = rb.icc_type.empty() ? "ICC1" : rb.icc_type;
    chart.criterion = rb.criterion.empty() ? "icc" : rb.criterion;
    chart.threshold = rb.threshold;
    const std::set<std::string> robust(rb.robust.begin(), rb.robust.end());
    for (const auto& row : rb.icc)
        if (row.type == chart.form) chart.bars.push_back({row.feature, row.icc, row.ci_lower, row.ci_upper, robust.count(row.feature) > 0});
    if (chart.bars.empty()) reason = "the robustness table has no " + chart.form + " rows";
    return chart;
}

}  // namespace
}  // namespace report_detail

std::string render_report(const store::Contents& c, const ReportOptions& o, std::vector<std::string>* notes) {
    using namespace report_detail;
    const PatientEndpoints data = collect_endpoints(c, o);
    std::string icc_reason;
    const IccChart chart = icc_chart(c, icc_reason);
    const double red_threshold = std::isfinite(o.redundancy_threshold) ? o.redundancy_threshold
                                 : !c.robustness.empty()               ? c.robustness.redundancy_threshold
                                                                       : 0.9;
    std::vector<Section> sections;
    sections.push_back(roc_section(data, o));
    sections.push_back(calibration_section(data, o));
    sections.push_back(km_section(data, o));
    sections.push_back(icc_section(chart, icc_reason));
    sections.push_back(heatmap_section(c, o, red_threshold));
    sections.push_back(qc_section(c));
    sections.push_back(failures_section(c));
    sections.push_back(provenance_section(c));

    std::ostringstream html;
    const std::string title = "radhpc report: " + (o.store.empty() ? std::string("store") : fs::path(o.store).filename().string());
    html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" << escape(title)
         << "</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
    const auto studies = std::count_if(c.studies.begin(), c.studies.end(), [](const auto& s) { return s.perturbation == "none"; });
    html << "<h1>" << escape(title) << "</h1>\n<p class=\"small\">store " << escape(o.store) << "; " << studies << " studies, "
         << c.features.rows() << " feature rows, " << c.features.columns.size() << " features. Written by " << escape(o.generator)
         << ". Self-contained: no scripts or styles from elsewhere; the page's only script checks that every block drew.</p>\n";
    html << "<p>Score: " << (data.score_name.empty() ? std::string("none") : escape(data.score_source)) << ". ";
    if (data.signature)
        html << "Endpoints: the signature's outcome ('" << escape(data.signature->outcome_column)
             << "'; patients whose lesions disagree are left out, as in its own metrics), time and event (else the metadata columns '"
             << escape(o.time) << "', '" << escape(o.event) << "'); one row per patient.</p>\n";
    else
        html << "Endpoints from the metadata columns outcome '" << escape(o.outcome) << "', time '" << escape(o.time) << "', event '"
             << escape(o.event) << "'; one row per patient (the first study with a value, in study-id order).</p>\n";
    if (!data.issues.empty()) {
        html << "<ul class=\"issues\">\n";
        for (std::size_t i = 0; i < data.issues.size() && i < 50; ++i) html << "<li>" << escape(data.issues[i]) << "</li>\n";
        if (data.issues.size() > 50) html << "<li>\u2026 and " << data.issues.size() - 50 << " more</li>\n";
        html << "</ul>\n";
    }
    for (const auto& s : sections) {
        html << "<h2>" << escape(s.title) << "</h2>\n<figure class=\"block\" id=\"" << s.id << "\" data-state=\"" << s.state << "\"" << s.attrs
             << ">\n" << s.body << "</figure>\n";
        if (notes) notes->push_back(s.note);
    }
    html << kSelfCheck << "</body>\n</html>\n";
    return html.str();
}

std::vector<std::string> write_report(const ReportOptions& o) {
    const store::Contents c = store::load_existing(o.store);
    std::vector<std::string> notes;
    const std::string html = render_report(c, o, &notes);
    // temporary name + rename: a reader never sees half a page
    const std::string tmp = o.out + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        if (!f) throw Error(ErrorKind::io, o.out + ": cannot write");
        f << html;
        if (!f) throw Error(ErrorKind::io, o.out + ": write failed");
    }
    fs::rename(tmp, o.out);
    return notes;
}

}  // namespace radhpc::report
