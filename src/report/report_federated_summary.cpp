// The federated page's per-site QC (moments per site and pooled, pooled quantiles with their
// bounds) and the ComBat effect (per-site distributions before and after harmonisation).
#include <algorithm>
#include <cmath>

#include "radhpc/report/svg.hpp"
#include "report_federated.hpp"

namespace radhpc::report::federated_detail {
using svg::escape;
namespace {

constexpr std::size_t kPanels = 12;     // features drawn (the tables list more)
constexpr std::size_t kTableRows = 60;  // features listed in a table

struct MeanSd {
    double mean = std::nan(""), sd = std::nan(""), n = 0, missing = 0;
};
// sd = sqrt(m2 / (n - 1)) of a site's moments {n, missing, mean, m2}
MeanSd from_moments(const json& m) {
    MeanSd v;
    v.n = num(member(m, "n"));
    v.missing = num(member(m, "missing"));
    v.mean = num(member(m, "mean"));
    const double m2 = num(member(m, "m2"));
    v.sd = v.n > 1 ? std::sqrt(m2 / (v.n - 1)) : std::nan("");
    return v;
}
std::string mean_sd_text(const MeanSd& v) { return svg::sig(v.mean, 4) + " \u00b1 " + svg::sig(v.sd, 3); }

struct DotRow {
    std::string label, colour;
    bool hollow = false;
};

// Small multiples, one panel per feature: per row a point at the mean with whiskers +- sd.
// values[row][k] belongs to features[k].
std::string dot_panels(const std::string& id, const std::string& title, const std::vector<std::string>& features,
                       const std::vector<DotRow>& rows, const std::vector<std::vector<MeanSd>>& values) {
    const std::size_t cols = std::min<std::size_t>(3, features.size()), panel_rows = (features.size() + cols - 1) / cols;
    const double row_h = 13, panel_w = 320, plot_w = 270, plot_h = row_h * double(rows.size()), panel_h = plot_h + 58, legend_h = 26;
    svg::Figure fig(panel_w * double(cols) + 20, legend_h + panel_h * double(panel_rows) + 4);
    double lx = 14;
    for (const auto& r : rows) {  // legend
        fig.circle(lx, 12, 4.5, r.hollow ? "fill=\"#fff\" stroke=\"" + r.colour + "\" stroke-width=\"1.5\"" : "fill=\"" + r.colour + "\"");
        fig.text(lx + 8, 16, r.label, "start", "class=\"legendtext\"");
        lx += 30 + 6.2 * double(r.label.size());
    }
    for (std::size_t k = 0; k < features.size(); ++k) {
        double lo = INFINITY, hi = -INFINITY;
        for (const auto& row : values)
            for (double x : {row[k].mean - row[k].sd, row[k].mean + row[k].sd, row[k].mean})
                if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
        if (!std::isfinite(lo)) lo = 0, hi = 1;
        const double pad = 0.05 * std::max(hi - lo, 1e-9);
        const double left = 30 + panel_w * double(k % cols), top = legend_h + panel_h * double(k / cols) + 20;
        fig.text(left, top - 6, features[k], "start", "class=\"axislabel\"");
        svg::Plot plot(fig, left, top, plot_w, plot_h, svg::Axis{lo - pad, hi + pad, "", svg::nice_ticks(lo - pad, hi + pad, 4)},
                       svg::Axis{0, double(rows.size()), "", {0}, false});
        plot.axes();
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const MeanSd& v = values[i][k];
            if (!std::isfinite(v.mean)) continue;
            const double y = double(rows.size() - i) - 0.5;
            if (std::isfinite(v.sd)) plot.segment(v.mean - v.sd, y, v.mean + v.sd, y, "stroke=\"" + rows[i].colour + "\" stroke-width=\"1.5\"");
            plot.point(v.mean, y, 4, rows[i].hollow ? "fill=\"#fff\" stroke=\"" + rows[i].colour + "\" stroke-width=\"1.5\"" : "fill=\"" + rows[i].colour + "\"",
                       rows[i].label + " " + features[k] + ": mean \u00b1 sd " + mean_sd_text(v) + " (n " + dec(v.n, 0) + ")");
        }
    }
    return fig.str(id, title);
}

// The features drawn: all if few, else the ones whose site means differ most before ComBat (in
// units of the sites' mean sd), in the results' order.
std::vector<std::size_t> chosen_features(const std::vector<std::vector<MeanSd>>& before, std::size_t n_features) {
    std::vector<std::size_t> all(n_features);
    for (std::size_t j = 0; j < n_features; ++j) all[j] = j;
    if (n_features <= kPanels || before.empty()) {
        all.resize(std::min(n_features, kPanels));
        return all;
    }
    std::vector<double> spread(n_features, 0);
    for (std::size_t j = 0; j < n_features; ++j) {
        double lo = INFINITY, hi = -INFINITY, sd = 0;
        for (const auto& site : before) lo = std::min(lo, site[j].mean), hi = std::max(hi, site[j].mean), sd += site[j].sd / double(before.size());
        spread[j] = sd > 0 && std::isfinite(hi - lo) ? (hi - lo) / sd : 0;
    }
    std::stable_sort(all.begin(), all.end(), [&](std::size_t a, std::size_t b) { return spread[a] > spread[b]; });
    all.resize(kPanels);
    std::sort(all.begin(), all.end());
    return all;
}

std::string quantile_table(const json& summary, const std::vector<std::string>& features) {
    const auto probs = nums(member(member(summary, "quantiles"), "probabilities"));
    const json& value = member(member(summary, "quantiles"), "value");
    const json& lower = member(member(summary, "quantile_bounds"), "lower");
    const json& upper = member(member(summary, "quantile_bounds"), "upper");
    std::vector<std::string> head = {"feature"};
    for (double p : probs) head.push_back("q" + svg::sig(100 * p, 3) + " [bounds]");
    std::string t = "<table class=\"fed-quantiles\">\n" + header_row(head);
    for (std::size_t j = 0; j < features.size() && j < kTableRows; ++j) {
        std::vector<std::string> cells = {escape(features[j])};
        for (std::size_t q = 0; q < probs.size(); ++q) {
            const auto at = [&](const json& m) { return j < m.size() && q < m[j].size() ? num(m[j][q]) : std::nan(""); };
            cells.push_back(svg::sig(at(value), 4) + " <span class=\"small\">[" + svg::sig(at(lower), 4) + ", " + svg::sig(at(upper), 4) + "]</span>");
        }
        t += data_row(cells);
    }
    return t + "</table>\n";
}

}  // namespace

// (2) Per-site QC: mean +- sd per site and pooled (table and dot plot), pooled quantiles.
Section fed_qc_section(const json& results) {
    const std::string id = "fed-qc", title = "Per-site QC";
    const json& summary = member(results, "summary");
    if (!summary.is_object()) return absent_block(id, title, "summary analysis");
    const auto features = feature_names(results);
    const auto names = site_names(results);
    const json& per_site = member(summary, "sites");
    const json& pooled = member(summary, "pooled");
    std::vector<std::vector<MeanSd>> values;  // [site + pooled][feature]
    std::vector<DotRow> rows;
    for (std::size_t s = 0; s < names.size(); ++s) {
        std::vector<MeanSd> v;
        for (std::size_t j = 0; j < features.size(); ++j) v.push_back(from_moments(s < per_site.size() ? per_site[s][j] : json()));
        values.push_back(v);
        rows.push_back({names[s], site_colour(s)});
    }
    std::vector<MeanSd> pool(features.size());
    for (std::size_t j = 0; j < features.size(); ++j) {
        pool[j].n = num(member(pooled, "n")[j]);
        pool[j].missing = num(member(pooled, "missing")[j]);
        pool[j].mean = num(member(pooled, "mean")[j]);
        pool[j].sd = std::sqrt(num(member(pooled, "variance")[j]));
    }
    values.push_back(pool);
    rows.push_back({"pooled", "#111111"});

    const std::size_t drawn = std::min(features.size(), kPanels);
    std::vector<std::vector<MeanSd>> shown(values.size());
    for (std::size_t r = 0; r < values.size(); ++r) shown[r].assign(values[r].begin(), values[r].begin() + std::ptrdiff_t(drawn));
    std::string body = dot_panels(id + "-plot", "Per-site mean \u00b1 sd", {features.begin(), features.begin() + std::ptrdiff_t(drawn)}, rows, shown);
    std::vector<std::string> head = {"feature"};
    for (const auto& r : rows) head.push_back(escape(r.label) + " mean \u00b1 sd (n)");
    head.push_back("pooled missing");
    std::string t = "<table class=\"fed-qc\">\n" + header_row(head);
    for (std::size_t j = 0; j < features.size() && j < kTableRows; ++j) {
        std::vector<std::string> cells = {escape(features[j])};
        for (const auto& v : values) cells.push_back(mean_sd_text(v[j]) + " (" + dec(v[j].n, 0) + ")");
        cells.push_back(dec(pool[j].missing, 0));
        t += data_row(cells);
    }
    t += "</table>\n";
    const std::string more = features.size() > kTableRows ? " (the first " + std::to_string(kTableRows) + " of " + std::to_string(features.size()) + " features)" : "";
    body += report_detail::caption("Mean \u00b1 sd per site (from each site's moments: sd = \u221a(m2 / (n \u2212 1))) and pooled (the "
                                   "coordinator's sums of the sites' moments), first " + std::to_string(drawn) + " features drawn." ) +
            t + "<p>Pooled quantiles from the summed site histograms" + more +
            ": value interpolated in its bin and, in brackets, the bin's bounds, which hold the exact pooled quantile.</p>\n" +
            quantile_table(summary, features);
    Section s = make_block(id, title, "plot");
    s.body = body;
    s.attrs = report_detail::attr("features", double(features.size())) + report_detail::attr("drawn", double(drawn));
    s.note = "fed-qc: " + std::to_string(features.size()) + " features over " + std::to_string(names.size()) + " sites";
    return s;
}

namespace {

// Before (left) and after (right) ComBat: per site the share of its rows in each bin of the summary's grid.
std::string histogram_pair(const std::string& id, const std::string& feature, const std::vector<double>& edges, const json& effect,
                           std::size_t j, const std::vector<std::string>& names) {
    // adjacent bins merged by `group` (about 16 drawn), so that a site of few rows draws a shape, not spikes
    const std::size_t group = std::max<std::size_t>(1, (edges.size() - 1) / 16), bins = (edges.size() - 2) / group + 1;
    std::vector<double> mid(bins);
    for (std::size_t b = 0; b < bins; ++b) mid[b] = 0.5 * (edges[b * group] + edges[std::min(b * group + group, edges.size() - 1)]);
    std::vector<std::vector<double>> share[2];
    double top = 0;
    for (int side = 0; side < 2; ++side)
        for (std::size_t s = 0; s < effect.size(); ++s) {
            const json& h = member(effect[s], side ? "histogram_after" : "histogram_before")[j];
            const auto counts = nums(member(h, "counts"));
            double total = num(member(h, "below")) + num(member(h, "above"));
            std::vector<double> merged(counts.size() + 1 == edges.size() ? bins : 0, 0.0);
            for (std::size_t b = 0; b < counts.size(); ++b) total += counts[b];
            for (std::size_t b = 0; b < counts.size() && !merged.empty(); ++b) merged[b / group] += total > 0 ? counts[b] / total : 0;
            for (double m : merged) top = std::max(top, m);
            share[side].push_back(merged);
        }
    svg::Figure fig(760, 210);
    fig.text(10, 14, feature, "start", "class=\"axislabel\"");
    for (int side = 0; side < 2; ++side) {
        const double left = 70 + 370 * side;
        fig.text(left, 32, side ? "after ComBat" : "before ComBat", "start", "class=\"legendtext\"");
        svg::Plot plot(fig, left, 40, 300, 120, svg::Axis{edges.front(), edges.back(), feature, svg::nice_ticks(edges.front(), edges.back(), 5)},
                       svg::Axis{0, top > 0 ? top * 1.05 : 1, side ? "" : "share of rows", {}});
        plot.axes();
        for (std::size_t s = 0; s < share[side].size(); ++s)
            if (share[side][s].size() == bins)
                plot.line(mid, share[side][s], "class=\"curve combat-site\" stroke-width=\"1.5\" stroke=\"" + site_colour(s) + "\"");
    }
    double lx = 300;
    for (std::size_t s = 0; s < names.size(); ++s) {
        fig.line(lx, 10, lx + 14, 10, "stroke-width=\"2\" stroke=\"" + site_colour(s) + "\"");
        fig.text(lx + 17, 14, names[s], "start", "class=\"legendtext\"");
        lx += 26 + 6.2 * double(names[s].size());
    }
    return fig.str(id, feature + " per site before and after ComBat");
}

}  // namespace

// (3) The ComBat effect: per-site distributions before and after, and their moments.
Section fed_combat_section(const json& results) {
    const std::string id = "fed-combat", title = "Harmonisation effect (ComBat)";
    const json& combat = member(results, "combat");
    const json& effect = member(combat, "effect");
    if (!effect.is_array() || effect.empty()) return absent_block(id, title, "combat analysis");
    const auto features = feature_names(results);
    const auto names = site_names(results);
    std::vector<std::vector<MeanSd>> before, after;  // [site][feature]
    for (const auto& e : effect) {
        before.emplace_back(), after.emplace_back();
        for (std::size_t j = 0; j < features.size(); ++j) {
            before.back().push_back(from_moments(member(e, "before")[j]));
            after.back().push_back(from_moments(member(e, "after")[j]));
        }
    }
    const auto chosen = chosen_features(before, features.size());
    const json& edges = member(member(results, "summary"), "edges");
    const bool histograms = edges.is_array() && member(effect[0], "histogram_before").is_array();
    std::string body;
    if (histograms) {
        for (std::size_t j : chosen) body += histogram_pair(id + "-" + std::to_string(j), features[j], nums(edges[j]), effect, j, names);
    } else {  // no summary grid: mean +- sd before (open) and after (filled)
        std::vector<DotRow> rows;
        std::vector<std::vector<MeanSd>> values;
        std::vector<std::string> shown_names;
        for (std::size_t j : chosen) shown_names.push_back(features[j]);
        for (std::size_t s = 0; s < names.size() && s < before.size(); ++s)
            for (int side = 0; side < 2; ++side) {
                rows.push_back({names[s] + (side ? " after" : " before"), site_colour(s), side == 0});
                values.emplace_back();
                for (std::size_t j : chosen) values.back().push_back((side ? after : before)[s][j]);
            }
        body = dot_panels(id + "-plot", "Per-site mean \u00b1 sd before and after ComBat", shown_names, rows, values);
    }
    std::string t = "<table class=\"fed-combat\">\n" + header_row({"feature", "site", "before: mean \u00b1 sd", "after: mean \u00b1 sd"});
    for (std::size_t j : chosen)
        for (std::size_t s = 0; s < before.size(); ++s)
            t += data_row({escape(features[j]), escape(s < names.size() ? names[s] : "?"), mean_sd_text(before[s][j]), mean_sd_text(after[s][j])});
    t += "</table>\n";
    const json& model = member(combat, "model");
    const double reference = num(member(model, "reference_site"));
    std::string covariates;
    for (const auto& c : member(member(results, "sites")[0], "covariates"))
        if (c.is_string()) covariates += (covariates.empty() ? "" : ", ") + c.get<std::string>();
    const std::string what = histograms ? "Share of each site's rows per bin of the summary's grid (the pooled mean \u00b1 4 sd; drawn with "
                                          "adjacent bins merged to about 16), before (left) and after (right) the sites applied the pooled "
                                          "ComBat model; rows outside the grid count in the total, not in a bin"
                                        : "Mean \u00b1 sd per site before (open) and after (filled) ComBat (no summary analysis: no histogram grid)";
    body += report_detail::caption(what + "; " + std::to_string(chosen.size()) + " of " + std::to_string(features.size()) + " features" +
                                   (chosen.size() < features.size() ? " (those whose site means differed most before harmonisation)" : "") +
                                   ". Model: site as batch, " + (num(member(model, "mean_only")) == 1 ? "location only" : "location and scale") +
                                   ", covariates kept: " + escape(covariates.empty() ? std::string("none") : covariates) +
                                   (std::isfinite(reference) && reference >= 0 && reference < double(names.size()) ? ", reference site " + escape(names[std::size_t(reference)])
                                                                                                     : ", no reference site") + ".") + t;
    Section s = make_block(id, title, "plot");
    s.body = body;
    s.attrs = report_detail::attr("features-drawn", double(chosen.size())) + report_detail::attr("histograms", histograms ? "yes" : "no");
    s.note = "fed-combat: " + std::to_string(chosen.size()) + " features drawn for " + std::to_string(before.size()) + " sites";
    return s;
}

}  // namespace radhpc::report::federated_detail
