// The |Spearman| heatmap of radhpc report: features in dendrogram leaf order, the clusters of
// stats::redundancy (the function radhpc robust clusters with) boxed.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "radhpc/report/svg.hpp"
#include "radhpc/stats/redundancy.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
namespace {

using svg::escape;

// Leaf order of an hclust-style merge list: left subtree first, then the right one.
void leaf_order(const stats::Dendrogram& tree, int node, std::vector<int>& out) {
    if (node < 0) {
        out.push_back(-node - 1);
        return;
    }
    leaf_order(tree, tree.merge[std::size_t(node - 1)].first, out);
    leaf_order(tree, tree.merge[std::size_t(node - 1)].second, out);
}

// White to dark blue; integer RGB so that the colours are exact.
std::string heat_colour(double v) {
    v = std::clamp(v, 0.0, 1.0);
    const int r = int(std::lround(255 - v * (255 - 8))), g = int(std::lround(255 - v * (255 - 48))),
              b = int(std::lround(255 - v * (255 - 107)));
    char buf[16];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
    return buf;
}

// The rows and columns correlated, and how many columns were left out and why.
struct HeatmapInput {
    bool robust_stage = false;
    std::string reference;              // the rows' perturbation
    std::vector<std::size_t> rows, cols;  // of the feature table
    std::size_t usable = 0, incomplete = 0, constant = 0;
    std::string missing;  // why there is no heatmap; empty: there is one
};

// The robust stage's clustered features (table order) over its analysis rows, complete over
// those features, else every feature over the unperturbed rows; then the complete, non-constant
// columns, at most --heatmap-max-features.
HeatmapInput heatmap_input(const store::Contents& c, const ReportOptions& o) {
    const auto& t = c.features;
    const std::size_t nc = t.columns.size();
    const store::Robustness& rb = c.robustness;
    HeatmapInput in;
    in.robust_stage = !rb.empty() && !rb.clusters.empty();
    std::vector<std::size_t> candidates;
    std::set<std::string> clustered;
    for (const auto& row : rb.clusters) clustered.insert(row.feature);
    for (std::size_t j = 0; j < nc; ++j)
        if (!in.robust_stage || clustered.count(t.columns[j])) candidates.push_back(j);
    in.reference = in.robust_stage && !rb.reference.empty() ? rb.reference : "none";
    auto& rows = in.rows;
    for (std::size_t r = 0; r < t.rows(); ++r)
        if (t.keys[r].perturbation == in.reference) rows.push_back(r);
    if (in.robust_stage)  // as the robust stage: rows complete over its features
        std::erase_if(rows, [&](std::size_t r) { return std::any_of(candidates.begin(), candidates.end(), [&](std::size_t j) { return std::isnan(t.values[r * nc + j]); }); });
    if (rows.size() < 3 || candidates.empty()) {
        in.missing = "too few feature rows for correlations (" + std::to_string(rows.size()) + " lesions; at least 3 needed)";
        return in;
    }
    for (std::size_t j : candidates) {
        bool complete = true, varies = false;
        const double first = t.values[rows[0] * nc + j];
        for (auto r : rows) {
            const double v = t.values[r * nc + j];
            if (!std::isfinite(v)) complete = false;
            if (v != first) varies = true;
        }
        if (!complete)
            ++in.incomplete;
        else if (!varies)
            ++in.constant;
        else
            in.cols.push_back(j);
    }
    in.usable = in.cols.size();
    if (in.cols.size() > std::size_t(std::max(2, o.heatmap_max_features))) in.cols.resize(std::size_t(std::max(2, o.heatmap_max_features)));
    if (in.cols.size() < 2) in.missing = "fewer than two complete, non-constant feature columns";
    return in;
}

// Where the n x n cells go: cells of `cell` px from (left, top), row labels when cells are large enough.
struct HeatmapLayout {
    double cell = 0, font = 0, left = 0, top = 12, side = 0;
    bool labels = false;
};

HeatmapLayout heatmap_layout(const std::vector<std::string>& names, std::size_t n) {
    HeatmapLayout g;
    g.cell = std::clamp(720.0 / double(n), 3.0, 14.0);
    g.labels = g.cell >= 5;
    std::size_t longest = 0;
    for (const auto& name : names) longest = std::max(longest, name.size());
    g.font = std::min(11.0, g.cell * 0.85);
    g.left = g.labels ? std::min(300.0, 0.58 * g.font * double(longest) + 12) : 12;
    g.side = g.cell * double(n);
    return g;
}

// The cells in leaf order and the row labels (the robust stage's selected features bold).
void draw_cells(svg::Figure& fig, const HeatmapLayout& g, const stats::RedundancyResult& red, const std::vector<int>& order,
                const std::vector<std::string>& names, const std::set<std::string>& marked) {
    const std::size_t n = names.size();
    // Up to 60 features: one rect per cell with a tooltip. Above: the cells of each of 65 colour
    // levels (|rho| rounded to 1/64) as one path, a third of the bytes of rects.
    const bool cell_tooltips = n <= 60;
    constexpr int kLevels = 64;
    std::vector<std::string> level_paths(cell_tooltips ? 0 : kLevels + 1);
    const std::string side_text = svg::fixed(g.cell, 2);
    for (std::size_t a = 0; a < n; ++a) {
        const std::size_t ia = std::size_t(order[a]);
        for (std::size_t b = 0; b < n; ++b) {
            const std::size_t ib = std::size_t(order[b]);
            const double v = red.abs_correlation(Eigen::Index(ia), Eigen::Index(ib));
            if (cell_tooltips) {
                fig.rect(g.left + g.cell * double(b), g.top + g.cell * double(a), g.cell, g.cell,
                         "shape-rendering=\"crispEdges\" fill=\"" + heat_colour(v) + "\"", names[ia] + " / " + names[ib] + ": |rho| " + svg::fixed(v, 3));
            } else {
                auto& d = level_paths[std::size_t(std::lround(std::clamp(v, 0.0, 1.0) * kLevels))];
                d += "M" + svg::fixed(g.left + g.cell * double(b), 2) + " " + svg::fixed(g.top + g.cell * double(a), 2) + "h" + side_text + "v" +
                     side_text + "h-" + side_text + "z";
            }
        }
        if (g.labels)
            fig.text(g.left - 4, g.top + g.cell * (double(a) + 0.5) + g.font * 0.35, names[ia], "end",
                     std::string(marked.count(names[ia]) ? "class=\"rowlabel selected\"" : "class=\"rowlabel\"") +
                         " style=\"font-size:" + svg::fixed(g.font, 1) + "px\"");
    }
    for (std::size_t k = 0; k < level_paths.size(); ++k)
        if (!level_paths[k].empty())
            fig.raw("<path shape-rendering=\"crispEdges\" fill=\"" + heat_colour(double(k) / kLevels) + "\" d=\"" + level_paths[k] + "\"/>\n");
}

// A box around each cluster of more than one feature: contiguous in leaf order (a cut of the
// dendrogram is a set of subtrees). Returns how many were drawn.
std::size_t draw_clusters(svg::Figure& fig, const HeatmapLayout& g, const stats::RedundancyResult& red, const std::vector<int>& order) {
    const std::size_t n = order.size();
    std::size_t clusters_drawn = 0;
    for (std::size_t a = 0; a < n;) {
        std::size_t b = a;
        while (b + 1 < n && red.cluster[std::size_t(order[b + 1])] == red.cluster[std::size_t(order[a])]) ++b;
        if (b > a) {
            fig.rect(g.left + g.cell * double(a), g.top + g.cell * double(a), g.cell * double(b - a + 1), g.cell * double(b - a + 1), "class=\"cluster\"",
                     "cluster " + std::to_string(red.cluster[std::size_t(order[a])]) + ": " + std::to_string(b - a + 1) + " features");
            ++clusters_drawn;
        }
        a = b + 1;
    }
    return clusters_drawn;
}

void draw_colour_key(svg::Figure& fig, const HeatmapLayout& g) {
    const double kx = g.left + g.side + 20;
    for (int k = 0; k < 20; ++k)
        fig.rect(kx, g.top + 10 + 8.0 * (19 - k), 14, 8, "fill=\"" + heat_colour((k + 0.5) / 20) + "\"");
    fig.text(kx + 18, g.top + 18, "1", "start", "class=\"ticklabel\"");
    fig.text(kx + 18, g.top + 170, "0", "start", "class=\"ticklabel\"");
    fig.text(kx, g.top + 188, "|rho|", "start", "class=\"ticklabel\"");
}

// The robust stage clustered the same rows and columns with the same function: same clusters.
bool clusters_agree(const store::Robustness& rb, const HeatmapInput& in, double threshold, const std::vector<std::string>& names,
                    const stats::RedundancyResult& red) {
    bool agrees = in.robust_stage && threshold == rb.redundancy_threshold && names.size() == rb.clusters.size();
    if (agrees) {
        std::map<std::string, int> theirs;
        for (const auto& row : rb.clusters) theirs[row.feature] = row.cluster;
        for (std::size_t q = 0; q < names.size(); ++q) agrees = agrees && theirs[names[q]] == red.cluster[q];
    }
    return agrees;
}

}  // namespace

Section heatmap_section(const store::Contents& c, const ReportOptions& o, double threshold) {
    const std::string title = "Feature correlation (|Spearman|) by cluster";
    const auto& t = c.features;
    const std::size_t nc = t.columns.size();
    const store::Robustness& rb = c.robustness;
    const HeatmapInput in = heatmap_input(c, o);
    if (!in.missing.empty()) return missing_section("heatmap", title, in.missing);
    const auto& rows = in.rows;
    const auto& cols = in.cols;
    Eigen::MatrixXd data(rows.size(), cols.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (std::size_t j = 0; j < cols.size(); ++j) data(Eigen::Index(i), Eigen::Index(j)) = t.values[rows[i] * nc + cols[j]];
    const stats::RedundancyResult red = stats::redundancy(data, threshold);
    const std::size_t n = cols.size();
    std::vector<std::string> names;  // of the columns, in table order
    for (auto j : cols) names.push_back(t.columns[j]);
    std::vector<int> order;
    leaf_order(red.tree, int(red.tree.merge.size()), order);

    const std::set<std::string> marked(rb.selected.begin(), rb.selected.end());
    const HeatmapLayout g = heatmap_layout(names, n);
    svg::Figure fig(g.left + g.side + 90, g.top + g.side + 24);
    draw_cells(fig, g, red, order, names, marked);
    const std::size_t clusters_drawn = draw_clusters(fig, g, red, order);
    draw_colour_key(fig, g);

    int n_clusters = 0;
    for (int k : red.cluster) n_clusters = std::max(n_clusters, k);
    const bool agrees = clusters_agree(rb, in, threshold, names, red);
    std::string order_text;
    for (std::size_t a = 0; a < n; ++a) order_text += (a ? ", " : "") + names[std::size_t(order[a])];
    Section sec;
    sec.id = "heatmap";
    sec.title = title;
    sec.state = "plot";
    sec.body = fig.str("heatmap-plot", "|Spearman| correlation of " + std::to_string(n) + " features") +
               caption(std::to_string(n) + (in.robust_stage ? " robust features (radhpc robust's clustered set)" : std::string(" features")) +
                       " over " + std::to_string(rows.size()) + " lesions (perturbation " + escape(in.reference) + ")" +
                       (in.usable > n ? ", the first " + std::to_string(n) + " of " + std::to_string(in.usable) + " usable columns" : std::string()) +
                       (in.incomplete ? "; " + std::to_string(in.incomplete) + " columns with missing values left out" : std::string()) +
                       (in.constant ? "; " + std::to_string(in.constant) + " constant columns left out" : std::string()) +
                       ". Order: average-linkage dendrogram of 1 &minus; |rho|; boxes: the " + std::to_string(n_clusters) +
                       " clusters at |rho| &ge; " + svg::sig(threshold, 3) + " (cutree), " + std::to_string(clusters_drawn) +
                       " with more than one feature" + (marked.empty() ? "" : "; bold labels: the robust stage's selected features") +
                       ".") +
               (g.labels ? "" : "<details><summary>feature order</summary><p class=\"small\">" + escape(order_text) + "</p></details>\n");
    sec.attrs = attr("features", double(n)) + attr("clusters", double(n_clusters)) + attr("threshold", threshold);
    if (in.robust_stage) sec.attrs += attr("clusters-agree", std::string(agrees ? "yes" : "no"));
    sec.note = "heatmap: " + std::to_string(n) + " features in " + std::to_string(n_clusters) + " clusters";
    return sec;
}

}  // namespace radhpc::report::report_detail
