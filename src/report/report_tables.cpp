// The descriptive sections of radhpc report: quality control, failures and provenance (tables
// and bar charts of counts).
#include <algorithm>
#include <map>
#include <set>

#include "radhpc/report/svg.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
using svg::escape;
namespace {

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

}  // namespace radhpc::report::report_detail
