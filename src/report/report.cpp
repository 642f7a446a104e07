// radhpc report: the page (style, self-check script, the sections in order) and its file. The
// sections: report_endpoints.cpp (patients' scores and endpoints), report_plots.cpp and
// report_heatmap.cpp (statistical plots), report_validation.cpp (stored model validations),
// report_longitudinal*.cpp (longitudinal changes),
// report_tables.cpp (QC, failures, provenance).
#include "radhpc/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/report/svg.hpp"
#include "report_internal.hpp"

namespace radhpc::report {
namespace fs = std::filesystem;
using svg::escape;

namespace report_detail {

Section missing_section(const std::string& id, const std::string& title, const std::string& message) {
    Section s;
    s.id = id;
    s.title = title;
    s.state = "missing";
    s.body = "<p class=\"missing\">" + escape(message) + "</p>\n";
    s.note = id + ": " + message;
    return s;
}

Section block_section(const std::string& id, const std::string& group, const std::string& title, const std::string& state) {
    Section s;
    s.id = id;
    s.group = group;
    s.title = title;
    s.state = state;
    return s;
}

namespace {

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
  var ids = [@IDS@];
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

}  // namespace

std::string self_check_script(const std::vector<std::string>& ids) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "'" : ", '") + id + "'";
    std::string script = kSelfCheck;
    return script.replace(script.find("@IDS@"), 5, list);
}

std::string page_head(const std::string& title, const std::string& extra_style) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + escape(title) +
           "</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>" + kStyle + extra_style +
           "</style>\n</head>\n<body>\n";
}

void append_sections(std::ostringstream& html, const std::vector<Section>& sections, std::vector<std::string>* notes) {
    for (std::size_t k = 0; k < sections.size(); ++k) {
        const Section& s = sections[k];
        if (s.group.empty())
            html << "<h2>" << escape(s.title) << "</h2>\n";
        else
            html << (k && sections[k - 1].group == s.group ? "" : "<h2>" + escape(s.group) + "</h2>\n") << "<h3>" << escape(s.title) << "</h3>\n";
        html << "<figure class=\"block\" id=\"" << s.id << "\" data-state=\"" << s.state << "\"" << s.attrs
             << ">\n" << s.body << "</figure>\n";
        if (notes) notes->push_back(s.note);
    }
}

void write_page(const std::string& out, const std::string& html) {
    // temporary name + rename: a reader never sees half a page
    const std::string tmp = out + ".tmp";
    {
        std::ofstream f(tmp, std::ios::binary);
        if (!f) throw Error(ErrorKind::io, out + ": cannot write");
        f << html;
        if (!f) throw Error(ErrorKind::io, out + ": write failed");
    }
    fs::rename(tmp, out);
}

namespace {

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
    // the validations' and longitudinal blocks join the checked ones
    std::vector<std::string> checked = {"roc", "calibration", "km", "icc", "heatmap", "qc", "failures", "provenance"};
    for (auto& s : validation_sections(c, o)) {
        checked.push_back(s.id);
        sections.push_back(std::move(s));
    }
    for (auto& s : longitudinal_sections(c)) {
        checked.push_back(s.id);
        sections.push_back(std::move(s));
    }
    sections.push_back(qc_section(c));
    sections.push_back(failures_section(c));
    sections.push_back(provenance_section(c));

    std::ostringstream html;
    const std::string title = "radhpc report: " + (o.store.empty() ? std::string("store") : fs::path(o.store).filename().string());
    html << page_head(title);
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
    append_sections(html, sections, notes);
    html << self_check_script(checked) << "</body>\n</html>\n";
    return html.str();
}

std::vector<std::string> write_report(const ReportOptions& o) {
    if (const std::string results = federated_results_dir(o.store); !results.empty()) return write_federated_report(o, results);
    const store::Contents c = store::load_existing(o.store);
    std::vector<std::string> notes;
    const std::string html = render_report(c, o, &notes);
    report_detail::write_page(o.out, html);
    return notes;
}

}  // namespace radhpc::report
