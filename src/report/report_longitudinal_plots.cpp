// radhpc report's longitudinal blocks drawn from the burden, classes and tests of /longitudinal
// (report_longitudinal.cpp assembles the group): per-patient trajectories over the timepoints, the
// waterfall of each patient's best relative burden change and the paired tests per feature.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

#include "radhpc/report/svg.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
using svg::escape;
namespace {

std::string pct(double v) { return (v > 0 ? "+" : "") + svg::fixed(100 * v, 1) + "%"; }

// One patient's line: (timepoint index, value) in timepoint order with a tooltip per point.
struct Series {
    std::string patient;
    std::map<std::size_t, std::pair<double, std::string>> points;
};

// Patients of the burden and classes tables in id order: a patient keeps its colour across plots.
std::map<std::string, std::size_t> patient_colours(const store::Longitudinal& l) {
    std::set<std::string> ids;
    for (const auto& b : l.burden) ids.insert(b.patient_id);
    for (const auto& k : l.classes) ids.insert(k.patient_id);
    std::map<std::string, std::size_t> out;
    for (const auto& id : ids) out.emplace(id, out.size());
    return out;
}

// Lines over categorical x = the timepoints in order; `refs`: dashed horizontal reference lines.
std::string trajectory_svg(const std::string& plot_id, const std::string& title, const std::string& y_label,
                           const std::vector<std::string>& tps, const std::vector<Series>& series,
                           const std::map<std::string, std::size_t>& colours, const std::vector<std::pair<double, std::string>>& refs) {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& s : series)
        for (const auto& [k, p] : s.points) lo = std::min(lo, p.first), hi = std::max(hi, p.first);
    for (const auto& r : refs) lo = std::min(lo, r.first), hi = std::max(hi, r.first);
    if (hi - lo < 1e-12) lo -= 0.5, hi += 0.5;
    const double pad = 0.06 * (hi - lo), T = double(tps.size());
    svg::Figure fig(std::max(420.0, 160 + 130 * T), 330);
    const double left = 80, top = 14, w = fig.width() - 110, h = 260;
    svg::Plot plot(fig, left, top, w, h, svg::Axis{-0.3, T - 0.7, "timepoint", {}, false}, svg::Axis{lo - pad, hi + pad, y_label, {}});
    for (std::size_t k = 0; k < tps.size(); ++k) {
        fig.line(plot.px(double(k)), top, plot.px(double(k)), top + h, "class=\"grid\"");
        fig.text(plot.px(double(k)), top + h + 16, tps[k], "middle", "class=\"ticklabel\"");
    }
    plot.axes();
    for (const auto& [y, label] : refs) {
        fig.line(left, plot.py(y), left + w, plot.py(y), "class=\"threshold\"");
        fig.text(left + w - 4, plot.py(y) - 4, label, "end", "class=\"legendtext\"");
    }
    for (const auto& s : series) {
        const std::string colour = kPalette[colours.at(s.patient) % std::size(kPalette)];
        std::vector<double> xs, ys;
        for (const auto& [k, p] : s.points) xs.push_back(double(k)), ys.push_back(p.first);
        plot.line(xs, ys, "class=\"curve trajectory\" stroke=\"" + colour + "\" stroke-opacity=\"0.8\"" + attr("patient", s.patient));
        for (const auto& [k, p] : s.points)
            plot.point(double(k), p.first, 3.5, "fill=\"" + colour + "\" stroke=\"#fff\"", s.patient + " at " + tps[k] + ": " + p.second);
    }
    return fig.str(plot_id, title);
}

// Burden relative to the baseline in %, from the stored changes (0 at the baseline itself).
std::vector<Series> burden_series(const store::Longitudinal& l, bool diameters) {
    std::map<std::string, Series> by;
    const auto tp = timepoint_index(l);
    for (const auto& b : l.burden) {
        const auto t = tp.find(b.timepoint);
        const double level = diameters ? b.sum_diameters : b.total_volume, change = diameters ? b.diameter_change : b.volume_change;
        if (t == tp.end() || !std::isfinite(level)) continue;
        const bool baseline = t->second == 0;
        if (!baseline && !std::isfinite(change)) continue;
        const std::string what = diameters ? svg::sig(level, 5) + " mm" : svg::sig(level, 5) + " mm\u00b3";
        Series& s = by[b.patient_id];
        s.patient = b.patient_id;
        s.points.emplace(t->second, std::make_pair(baseline ? 0.0 : 100 * change,
                                                   what + (baseline ? " (baseline)" : ", " + pct(change) + " vs baseline") + ", " +
                                                       std::to_string(b.lesions) + " lesions"));
    }
    std::vector<Series> out;
    for (auto& [id, s] : by) out.push_back(std::move(s));
    return out;
}

bool has_diameters(const store::Longitudinal& l) {
    return std::any_of(l.burden.begin(), l.burden.end(), [](const auto& b) { return std::isfinite(b.diameter_change); });
}

std::string tests_row(const store::LongitudinalTestRow& t) {
    auto td = [](const std::string& v) { return "<td>" + escape(v) + "</td>"; };
    return "<tr class=\"paired-test\"" + attr("feature", t.feature) + attr("wilcoxon-p-bh", t.wilcoxon_p_bh) + ">" + td(t.feature) +
           td(t.from_timepoint + " \u2192 " + t.to_timepoint) + td(std::to_string(t.n)) + td(svg::sig(t.mean_change, 4)) +
           td(svg::sig(t.wilcoxon_v, 6)) + td(svg::p_value(t.wilcoxon_p)) + td(svg::p_value(t.wilcoxon_p_bh)) + td(svg::sig(t.t, 4)) +
           td(svg::sig(t.t_df, 4)) + td(svg::p_value(t.t_p)) + td(svg::p_value(t.t_p_bh)) + "</tr>\n";
}

}  // namespace

// (2) Per patient: the signature's score at each timepoint, the total volume and the sum of
// diameters relative to the baseline.
Section trajectories_section(const store::Contents& c) {
    const std::string id = "longitudinal-trajectories", title = "Per-patient trajectories";
    const auto& l = c.longitudinal;
    const auto colours = patient_colours(l);
    const auto tp = timepoint_index(l);
    std::string body;
    std::size_t plots = 0;
    // the signature's scores
    std::map<std::string, Series> by;
    for (const auto& k : l.classes) {
        const auto t = tp.find(k.timepoint);
        if (t == tp.end() || !std::isfinite(k.score)) continue;
        by[k.patient_id].patient = k.patient_id;
        by[k.patient_id].points.emplace(t->second, std::make_pair(k.score, svg::sig(k.score, 4) + " (" + class_name(k.label) + ")"));
    }
    std::vector<Series> scores;
    for (auto& [p, s] : by) scores.push_back(std::move(s));
    if (scores.empty()) {
        body += "<p class=\"small\">Signature score: no signature is followed (the job's longitudinal.signature is not set).</p>\n";
    } else {
        const std::string signature = l.classes.front().signature;
        std::vector<std::pair<double, std::string>> refs;
        for (const auto& s : c.signatures)
            if (s.name == signature && std::isfinite(s.threshold)) refs.push_back({s.threshold, "threshold " + svg::sig(s.threshold, 4)});
        body += trajectory_svg(id + "-score", "Signature score per timepoint", signature + " score", l.timepoints, scores, colours, refs) +
                caption("Score of signature <b>" + escape(signature) + "</b> at each timepoint (classes of /longitudinal), one line per "
                        "patient; dashed: the signature's threshold. Hover a point for its class.");
        ++plots;
    }
    const auto volume = burden_series(l, false);
    if (volume.empty()) {
        body += "<p class=\"small\">Total volume: no patient has a volume at its timepoints (no volume column).</p>\n";
    } else {
        body += trajectory_svg(id + "-volume", "Total volume relative to baseline", "total volume vs baseline (%)", l.timepoints, volume,
                               colours, {}) +
                caption("Total lesion volume per patient and timepoint relative to the patient's baseline total (burden of /longitudinal; "
                        "0 at the baseline), one line per patient.");
        ++plots;
    }
    std::vector<Series> diameters;
    if (has_diameters(l)) {
        diameters = burden_series(l, true);
        body += trajectory_svg(id + "-diameters", "Sum of diameters relative to baseline", "sum of diameters vs baseline (%)", l.timepoints,
                               diameters, colours, {{-30, "\u221230%"}, {20, "+20%"}}) +
                caption("Sum of the lesions' longest axial diameters relative to the baseline sum (RECIST-style), one line per patient; "
                        "dashed: the RECIST thresholds of partial response (\u221230%) and progression (+20%).");
        ++plots;
    } else {
        body += "<p class=\"small\">Sum of diameters: not stored (no diameter column: the job's longitudinal.diameter_feature).</p>\n";
    }
    if (!plots) return longitudinal_missing(id, title, "no signature is followed and no patient has a burden to draw");
    Section s = longitudinal_block(id, title, "plot");
    s.body = body;
    s.attrs = attr("score-lines", double(scores.size())) + attr("volume-lines", double(volume.size())) +
              attr("diameter-lines", double(diameters.size()));
    s.note = "longitudinal trajectories: " + std::to_string(scores.size()) + " score, " + std::to_string(volume.size()) + " volume lines";
    return s;
}

// (3) Waterfall: per patient, the minimum over its later timepoints of the relative change of the
// sum of diameters (when stored) or else of the total volume, bars sorted from largest increase.
Section waterfall_section(const store::Longitudinal& l) {
    const std::string id = "longitudinal-waterfall", title = "Waterfall of the best burden change";
    const bool diameters = has_diameters(l);
    const std::string measure = diameters ? "sum of diameters" : "total volume";
    std::map<std::string, std::pair<double, std::string>> best;  // patient -> (change, timepoint)
    for (const auto& b : l.burden) {
        const double v = diameters ? b.diameter_change : b.volume_change;
        if (l.timepoints.empty() || b.timepoint == l.timepoints.front() || !std::isfinite(v)) continue;
        auto [it, added] = best.try_emplace(b.patient_id, v, b.timepoint);
        if (!added && v < it->second.first) it->second = {v, b.timepoint};
    }
    if (best.empty())
        return longitudinal_missing(id, title, "no patient has a later timepoint with a relative change of the " + measure + " (stored changes are "
                                               "relative to the baseline: none without a later study or with a baseline of 0)");
    std::vector<std::tuple<double, std::string, std::string>> bars;
    for (const auto& [p, v] : best) bars.emplace_back(v.first, p, v.second);
    std::stable_sort(bars.begin(), bars.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    double lo = -35, hi = 25;
    for (const auto& b : bars) lo = std::min(lo, 100 * std::get<0>(b) - 5), hi = std::max(hi, 100 * std::get<0>(b) + 5);
    const double bar_w = std::clamp(560.0 / double(bars.size()), 6.0, 60.0), plot_w = bar_w * double(bars.size());
    svg::Figure fig(plot_w + 400, 380);
    svg::Plot plot(fig, 80, 14, plot_w, 300, svg::Axis{0, double(bars.size()), "patients (sorted)", {0}, false},
                   svg::Axis{lo, hi, "best " + measure + " change vs baseline (%)", {}});
    plot.axes();
    std::string patients, values;
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& [v, p, t] = bars[i];
        const double y0 = plot.py(0), y1 = plot.py(100 * v);
        const int cat = v <= -0.3 ? 0 : v >= 0.2 ? 1 : 2;
        fig.rect(plot.px(double(i)) + 1, std::min(y0, y1), bar_w - 2, std::fabs(y1 - y0),
                 "class=\"wfbar cat" + std::to_string(cat) + "\"" + attr("patient", p) + attr("value", v),
                 p + ": " + pct(v) + " at " + t + " (" + measure + " vs baseline)");
        if (bar_w >= 14)  // room for the patient's id under its bar
            fig.text(plot.px(double(i) + 0.5), 14 + 300 + 14, p, "middle", "class=\"ticklabel\" font-size=\"9\"");
        patients += (i ? ";" : "") + p;
        values += (i ? ";" : "") + svg::full(v);
    }
    const std::string kind = diameters ? "" : ", a diameter threshold";
    const double right = plot.px(double(bars.size()));
    fig.line(80, plot.py(0), right, plot.py(0), "class=\"tick\"");
    for (const auto& [y, label] : std::vector<std::pair<double, std::string>>{
             {-30, "\u221230%: RECIST partial response" + kind}, {20, "+20%: RECIST progression" + kind}}) {
        fig.line(80, plot.py(y), right, plot.py(y), "class=\"threshold\"");
        fig.text(right + 6, plot.py(y) + (y < 0 ? 12 : -4), label, "start", "class=\"legendtext\"");  // apart when close
    }
    Section s = longitudinal_block(id, title, "plot");
    s.body = fig.str(id + "-plot", "Waterfall of the best " + measure + " change") +
             caption("One bar per patient with a later timepoint: the smallest (best) stored relative change of the " + measure +
                     " against the patient's baseline over its later timepoints, sorted from the largest increase. Dashed lines: the "
                     "RECIST 1.1 thresholds of partial response (\u221230%) and progressive disease (+20%)" +
                     (diameters ? std::string(".")
                                : std::string(". <b>These thresholds are defined for the sum of diameters; this store has no diameter column, "
                                              "so the bars are volume changes and the lines are a reference only</b> (for a sphere, "
                                              "\u221230% in diameter is about \u221266% in volume, +20% about +73%).")));
    s.attrs = attr("measure", diameters ? "sum_diameters" : "total_volume") + attr("bars", double(bars.size())) + attr("patients", patients) +
              attr("values", values);
    s.note = "longitudinal waterfall: " + std::to_string(bars.size()) + " patients (" + measure + ")";
    return s;
}

// (4) The paired tests per feature (later timepoint vs baseline), sorted by the Wilcoxon test's BH p.
Section paired_tests_section(const store::Longitudinal& l) {
    const std::string id = "longitudinal-tests", title = "Paired tests per feature";
    if (l.tests.empty())
        return longitudinal_missing(id, title, "no paired tests stored (no lesion is present at the baseline and a later timepoint)");
    std::vector<const store::LongitudinalTestRow*> rows;
    for (const auto& t : l.tests) rows.push_back(&t);
    auto key = [](double p) { return std::isfinite(p) ? p : 2.0; };
    std::stable_sort(rows.begin(), rows.end(), [&](auto* a, auto* b) {
        return std::make_tuple(key(a->wilcoxon_p_bh), key(a->t_p_bh), a->feature) < std::make_tuple(key(b->wilcoxon_p_bh), key(b->t_p_bh), b->feature);
    });
    const std::string head = "<tr><th rowspan=\"2\">feature</th><th rowspan=\"2\">timepoints</th><th rowspan=\"2\">n</th><th rowspan=\"2\">mean "
                             "change</th><th colspan=\"3\">Wilcoxon signed rank</th><th colspan=\"4\">paired t</th></tr>\n<tr><th>V</th><th>p</th>"
                             "<th>BH p</th><th>t</th><th>df</th><th>p</th><th>BH p</th></tr>\n";
    constexpr std::size_t kTop = 20;
    std::string top = "<table class=\"paired-tests\">\n" + head, rest, order;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        (i < kTop ? top : rest) += tests_row(*rows[i]);
        order += (i ? ";" : "") + rows[i]->feature;
    }
    top += "</table>\n";
    Section s = longitudinal_block(id, title, "table");
    s.body = top +
             (rest.empty() ? std::string()
                           : "<details><summary>the other " + std::to_string(rows.size() - kTop) + " tests</summary><table class=\"paired-tests\">\n" +
                                 head + rest + "</table></details>\n") +
             caption("Per feature and later timepoint, over the lesions present at the baseline and at that timepoint: n, the mean "
                     "change (later \u2212 baseline), wilcox.test(paired = TRUE) and t.test(paired = TRUE) with p.adjust(\"BH\") over the "
                     "features, as stored by radhpc longitudinal; sorted by the Wilcoxon BH p" +
                     std::string(rows.size() > kTop ? ", the first 20 shown" : "") + ".");
    s.attrs = attr("tests", double(rows.size())) + attr("shown", double(std::min(rows.size(), kTop))) + attr("order", order);
    s.note = "longitudinal paired tests: " + std::to_string(rows.size());
    return s;
}

}  // namespace radhpc::report::report_detail
