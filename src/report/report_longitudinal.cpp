// radhpc report's "Longitudinal changes" blocks (issue 18), drawn when the store has /longitudinal
// (store::Longitudinal, written by `radhpc longitudinal`): a summary of what was computed, the
// transitions of the followed signature's classes between consecutive timepoints (Sankey diagram
// and table of counts), the per-patient trajectories, the waterfall of the best burden change and
// the paired tests (the last three in report_longitudinal_plots.cpp). Every number is the store's;
// the only counting done here is of the stored classes (transitions) and the minimum over stored
// changes (waterfall).
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>

#include "radhpc/report/svg.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
using svg::escape;

const char* const kLongitudinalGroup = "Longitudinal changes";

Section longitudinal_block(const std::string& id, const std::string& title, const std::string& state) {
    return block_section(id, kLongitudinalGroup, title, state);
}

Section longitudinal_missing(const std::string& id, const std::string& title, const std::string& message) {
    Section s = missing_section(id, title, message);
    s.group = kLongitudinalGroup;
    return s;
}

std::map<std::string, std::size_t> timepoint_index(const store::Longitudinal& l) {
    std::map<std::string, std::size_t> at;
    for (std::size_t k = 0; k < l.timepoints.size(); ++k) at.emplace(l.timepoints[k], k);
    return at;
}

std::string class_name(const std::string& label) { return label.empty() ? std::string("(no class)") : label; }

// The signature's negative and positive labels first (when the store has it), then the others.
std::vector<std::string> class_order(const store::Contents& c) {
    const auto& l = c.longitudinal;
    std::set<std::string> seen;
    for (const auto& k : l.classes) seen.insert(class_name(k.label));
    std::vector<std::string> order;
    const std::string name = l.classes.empty() ? std::string() : l.classes.front().signature;
    for (const auto& s : c.signatures)
        if (s.name == name)
            for (const auto& label : {s.negative_label, s.positive_label})
                if (seen.erase(class_name(label))) order.push_back(class_name(label));
    order.insert(order.end(), seen.begin(), seen.end());
    return order;
}

namespace {

std::string row(const std::string& label, const std::string& value) {
    return "<tr><th>" + escape(label) + "</th><td>" + escape(value) + "</td></tr>\n";
}

Section summary_section(const store::Longitudinal& l) {
    Section s = longitudinal_block("longitudinal-summary", "Summary", "table");
    std::set<std::string> patients, signatures;
    for (const auto& b : l.burden) patients.insert(b.patient_id);
    for (const auto& k : l.classes) signatures.insert(k.signature);
    std::string tps, sigs;
    for (const auto& t : l.timepoints) tps += (tps.empty() ? "" : " \u2192 ") + t;
    for (const auto& g : signatures) sigs += (sigs.empty() ? "" : ", ") + g;
    std::string rows = row("timepoints (in order)", tps) + row("patients (burden rows)", std::to_string(patients.size()) + " (" +
                                                                                           std::to_string(l.burden.size()) + ")");
    rows += row("lesion changes", std::to_string(l.changes.size()) + " rows \u00d7 " + std::to_string(l.columns.size()) + " features");
    rows += row("paired tests", std::to_string(l.tests.size()));
    rows += row("signature followed", sigs.empty() ? std::string("none (the job's longitudinal.signature is not set)")
                                                   : sigs + " (" + std::to_string(l.classes.size()) + " classes)");
    rows += row("computed", store::iso_time(l.computed_at));
    rows += row("table hash", l.table_hash);
    std::string notes;
    for (const auto& n : l.notes) notes += "<li>" + escape(n) + "</li>\n";
    s.body = "<table class=\"longitudinal-summary\">\n" + rows + "</table>\n" +
             (notes.empty() ? std::string() : "<p>Notes of radhpc longitudinal:</p>\n<ul class=\"issues\">\n" + notes + "</ul>\n") +
             "<details><summary>settings (the job's longitudinal section as used)</summary><pre>" + escape(l.settings) +
             "</pre></details>\n";
    s.attrs = attr("timepoints", double(l.timepoints.size())) + attr("patients", double(patients.size()));
    s.note = "longitudinal: " + std::to_string(l.timepoints.size()) + " timepoints, " + std::to_string(patients.size()) + " patients";
    return s;
}

// Per patient, the class label at each timepoint (index into the timepoints; -1: none).
struct ClassGrid {
    std::vector<std::string> classes;                    // node order
    std::map<std::string, std::vector<int>> by_patient;  // patient -> class index per timepoint
};
ClassGrid class_grid(const store::Contents& c) {
    const auto& l = c.longitudinal;
    ClassGrid g;
    g.classes = class_order(c);
    const auto tp = timepoint_index(l);
    for (const auto& k : l.classes) {
        const auto t = tp.find(k.timepoint);
        if (t == tp.end()) continue;
        auto& v = g.by_patient.try_emplace(k.patient_id, std::vector<int>(l.timepoints.size(), -1)).first->second;
        if (v[t->second] >= 0) continue;  // one class per (patient, timepoint): the first row
        v[t->second] = int(std::find(g.classes.begin(), g.classes.end(), class_name(k.label)) - g.classes.begin());
    }
    return g;
}

// counts[k][i][j]: patients in class i at timepoint k and class j at timepoint k + 1.
using Counts = std::vector<std::vector<std::vector<int>>>;

std::string ribbon(double x0, double y0, double x1, double y1, double h, const std::string& attrs, const std::string& tip) {
    const double xm = (x0 + x1) / 2;
    auto p = [](double v) { return svg::fixed(v, 2); };
    return "<path d=\"M" + p(x0) + " " + p(y0) + " C" + p(xm) + " " + p(y0) + " " + p(xm) + " " + p(y1) + " " + p(x1) + " " + p(y1) +
           " L" + p(x1) + " " + p(y1 + h) + " C" + p(xm) + " " + p(y1 + h) + " " + p(xm) + " " + p(y0 + h) + " " + p(x0) + " " +
           p(y0 + h) + " Z\" " + attrs + "><title>" + escape(tip) + "</title></path>\n";
}

std::string sankey_svg(const ClassGrid& g, const std::vector<std::string>& tps, const std::vector<std::vector<int>>& nodes,
                       const Counts& counts, double& scale) {
    const std::size_t T = tps.size(), C = g.classes.size();
    const double node_w = 16, gap = 14, top = 34, height = 300, step_w = 240, left = 30;
    int most = 1;
    for (const auto& col : nodes) {
        int total = 0;
        for (int n : col) total += n;
        most = std::max(most, total);
    }
    scale = (height - gap * double(C - 1)) / double(most);
    // node tops: stacked in class order, empty classes take no height
    std::vector<std::vector<double>> y(T, std::vector<double>(C, top));
    for (std::size_t k = 0; k < T; ++k)
        for (std::size_t i = 1; i < C; ++i) y[k][i] = y[k][i - 1] + scale * nodes[k][i - 1] + (nodes[k][i - 1] ? gap : 0);
    svg::Figure fig(left + step_w * double(T - 1) + node_w + 150, top + height + 30);
    auto x_of = [&](std::size_t k) { return left + step_w * double(k); };
    for (std::size_t k = 0; k + 1 < T; ++k) {
        std::vector<double> out(y[k]);
        for (std::size_t i = 0; i < C; ++i)
            for (std::size_t j = 0; j < C; ++j) {
                const int n = counts[k][i][j];
                if (!n) continue;
                const double h = scale * n;
                // ribbons leave a node in target order and enter in source order
                double y_in = y[k + 1][j];
                for (std::size_t i2 = 0; i2 < i; ++i2) y_in += scale * counts[k][i2][j];
                const std::string attrs = "class=\"ribbon\" fill=\"" + std::string(kPalette[i % std::size(kPalette)]) +
                                          "\" fill-opacity=\"0.35\" stroke=\"none\"" + attr("step", double(k)) + attr("from", g.classes[i]) +
                                          attr("to", g.classes[j]) + attr("count", double(n)) + attr("thickness", h);
                fig.raw(ribbon(x_of(k) + node_w, out[i], x_of(k + 1), y_in, h, attrs,
                               std::to_string(n) + " patient" + (n == 1 ? "" : "s") + ": " + g.classes[i] + " at " + tps[k] + " \u2192 " +
                                   g.classes[j] + " at " + tps[k + 1]));
                out[i] += h;
            }
    }
    for (std::size_t k = 0; k < T; ++k) {
        fig.text(x_of(k) + node_w / 2, top - 14, tps[k], "middle", "class=\"axislabel\"");
        for (std::size_t i = 0; i < C; ++i) {
            const int n = nodes[k][i];
            if (!n) continue;
            const std::string tip = g.classes[i] + " at " + tps[k] + ": " + std::to_string(n) + " patient" + (n == 1 ? "" : "s");
            fig.rect(x_of(k), y[k][i], node_w, scale * n,
                     "class=\"node\" fill=\"" + std::string(kPalette[i % std::size(kPalette)]) + "\"" + attr("timepoint", tps[k]) +
                         attr("class", g.classes[i]) + attr("count", double(n)),
                     tip);
            fig.text(x_of(k) + node_w + 5, y[k][i] + scale * n / 2 + 4, g.classes[i] + " (" + std::to_string(n) + ")", "start",
                     "class=\"legendtext\"");
        }
    }
    return fig.str("longitudinal-transitions-plot", "Transitions between signature classes across timepoints");
}

}  // namespace

// (1) Sankey diagram of the followed signature's classes: a column of class nodes per timepoint
// (heights = patients), ribbons between consecutive timepoints (widths = patients moving).
Section transitions_section(const store::Contents& c) {
    const std::string id = "longitudinal-transitions", title = "Transitions between signature classes";
    const auto& l = c.longitudinal;
    if (l.classes.empty())
        return longitudinal_missing(id, title,
                                    "no signature is followed: the job's longitudinal.signature is not set (name a scored signature "
                                    "there and rerun radhpc longitudinal to see its classes across timepoints)");
    const ClassGrid g = class_grid(c);
    const std::size_t T = l.timepoints.size(), C = g.classes.size();
    std::vector<std::vector<int>> nodes(T, std::vector<int>(C, 0));
    Counts counts(T ? T - 1 : 0, std::vector<std::vector<int>>(C, std::vector<int>(C, 0)));
    std::vector<int> one_side(counts.size(), 0);
    for (const auto& [patient, v] : g.by_patient)
        for (std::size_t k = 0; k < T; ++k) {
            if (v[k] >= 0) ++nodes[k][std::size_t(v[k])];
            if (k + 1 < T && v[k] >= 0 && v[k + 1] >= 0) ++counts[k][std::size_t(v[k])][std::size_t(v[k + 1])];
            if (k + 1 < T && (v[k] >= 0) != (v[k + 1] >= 0)) ++one_side[k];
        }
    double scale = 0;
    const std::string plot = sankey_svg(g, l.timepoints, nodes, counts, scale);
    std::string table = "<table class=\"transitions\"><tr><th>from</th><th>to</th><th>class at from</th><th>class at to</th><th>patients</th></tr>\n";
    std::string moved;
    int both = 0;
    for (std::size_t k = 0; k < counts.size(); ++k) {
        int step_total = 0;
        for (std::size_t i = 0; i < C; ++i)
            for (std::size_t j = 0; j < C; ++j) {
                if (!nodes[k][i] || !nodes[k + 1][j]) continue;  // a class absent at either timepoint
                const int n = counts[k][i][j];
                step_total += n;
                table += "<tr class=\"transition\"" + attr("from-timepoint", l.timepoints[k]) + attr("to-timepoint", l.timepoints[k + 1]) +
                         attr("from", g.classes[i]) + attr("to", g.classes[j]) + attr("count", double(n)) + "><td>" +
                         escape(l.timepoints[k]) + "</td><td>" + escape(l.timepoints[k + 1]) + "</td><td>" + escape(g.classes[i]) +
                         "</td><td>" + escape(g.classes[j]) + "</td><td>" + std::to_string(n) + "</td></tr>\n";
            }
        both += step_total;
        moved += (k ? "; " : "") + l.timepoints[k] + " \u2192 " + l.timepoints[k + 1] + ": " + std::to_string(step_total) +
                 " patients with a class at both" + (one_side[k] ? ", " + std::to_string(one_side[k]) + " at only one (no ribbon)" : "");
    }
    table += "</table>\n";
    Section s = longitudinal_block(id, title, "plot");
    const std::string signature = l.classes.front().signature;
    s.body = plot +
             caption("Signature <b>" + escape(signature) + "</b>: its class per patient and timepoint (classes of /longitudinal, the "
                     "patient's lesion scores at that study aggregated and classified as the signature does). One column per timepoint in "
                     "order; node heights: patients in the class there; ribbons: patients in class i at one timepoint and class j at the "
                     "next (width proportional to the count). " + escape(moved.empty() ? std::string("One timepoint: no transitions.") : moved + ".")) +
             "<p>Counts of the ribbons:</p>\n" + table;
    std::string classes;
    for (const auto& k : g.classes) classes += (classes.empty() ? "" : ";") + k;
    s.attrs = attr("signature", signature) + attr("classes", classes) + attr("patients-both", double(both)) + attr("px-per-patient", scale);
    s.note = "longitudinal transitions of " + signature + ": " + (moved.empty() ? std::string("one timepoint") : moved);
    return s;
}

std::vector<Section> longitudinal_sections(const store::Contents& c) {
    std::vector<Section> out;
    if (c.longitudinal.empty()) return out;
    out.push_back(summary_section(c.longitudinal));
    out.push_back(transitions_section(c));
    out.push_back(trajectories_section(c));
    out.push_back(waterfall_section(c.longitudinal));
    out.push_back(paired_tests_section(c.longitudinal));
    return out;
}

}  // namespace radhpc::report::report_detail
