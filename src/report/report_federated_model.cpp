// The federated page's model blocks: the elastic-net signature's coefficients, the CV curve, the
// coefficient path, per-site and pooled ROC from the sites' score histograms, and the forest plot
// of the site AUCs with the DerSimonian-Laird meta-analysis.
#include <algorithm>
#include <cmath>

#include "radhpc/report/svg.hpp"
#include "report_federated.hpp"

namespace radhpc::report::federated_detail {
using report_detail::attr;
using report_detail::caption;
using svg::escape;
namespace {

// Column k of a {rows, cols, data (column-major)} matrix of the results.
std::vector<double> matrix_column(const json& m, std::size_t k) {
    const auto data = nums(member(m, "data"));
    const auto rows = std::size_t(std::max(0.0, num(member(m, "rows"))));
    std::vector<double> col;
    for (std::size_t i = 0; i < rows && k * rows + i < data.size(); ++i) col.push_back(data[k * rows + i]);
    return col;
}

std::string ci(double estimate, double lower, double upper) { return dec(estimate) + " [" + dec(lower) + ", " + dec(upper) + "]"; }

}  // namespace

// (4a) The validated signature's coefficients (else the fixed-lambda fit) as bars.
Section fed_coefficients_section(const json& results) {
    const std::string id = "fed-coefficients", title = "Elastic-net signature";
    const json& signature = member(member(results, "validation"), "signature");
    const json& fixed = member(member(results, "elastic_net"), "fixed");
    std::vector<double> beta;
    double a0 = std::nan("");
    std::string source;
    if (signature.is_object()) {
        beta = nums(member(signature, "beta")), a0 = num(member(signature, "a0"));
        source = member(signature, "source").is_string() ? member(signature, "source").get<std::string>() : "validation signature";
    } else if (fixed.is_object()) {
        beta = matrix_column(member(fixed, "beta"), 0), a0 = num(member(fixed, "a0")[0]);
        source = "elastic_net at the fixed lambda";
    } else {
        return absent_block(id, title, "validated signature or fixed-lambda elastic net");
    }
    const auto features = feature_names(results);
    std::vector<std::size_t> rows;
    for (std::size_t j = 0; j < beta.size(); ++j)
        if (beta[j] != 0 || beta.size() <= 30) rows.push_back(j);
    if (rows.empty()) {
        Section s = report_detail::missing_section(id, title, "every coefficient of the signature (" + source + ") is zero: the model is its intercept " + svg::sig(a0, 6));
        s.attrs = attr("nonzero", 0.0);
        return s;
    }
    std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return std::fabs(beta[a]) > std::fabs(beta[b]); });
    double lo = 0, hi = 0;
    std::size_t longest = 4, nonzero = 0;
    for (std::size_t j : rows) {
        lo = std::min(lo, beta[j]), hi = std::max(hi, beta[j]);
        longest = std::max(longest, j < features.size() ? features[j].size() : 4);
        nonzero += beta[j] != 0;
    }
    const double pad = 0.08 * std::max(hi - lo, 1e-9), row_h = 18, label_w = std::min(300.0, 6.2 * double(longest) + 14);
    svg::Figure fig(label_w + 480, row_h * double(rows.size()) + 60);
    svg::Plot plot(fig, label_w + 10, 12, 440, row_h * double(rows.size()), svg::Axis{lo - pad, hi + pad, "coefficient (per unit of the feature)", {}},
                   svg::Axis{0, double(rows.size()), "", {0}, false});
    plot.axes();
    fig.line(plot.px(0), 12, plot.px(0), 12 + row_h * double(rows.size()), "class=\"diag\"");
    std::string terms, values;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::size_t j = rows[i];
        const std::string name = j < features.size() ? features[j] : "x" + std::to_string(j + 1);
        const double y = 12 + row_h * double(i);
        const double x0 = plot.px(std::min(0.0, beta[j])), x1 = plot.px(std::max(0.0, beta[j]));
        fig.rect(x0, y + 3, x1 - x0, row_h - 6, beta[j] != 0 ? "class=\"bar robust coef-bar\"" : "class=\"bar coef-bar\"", name + ": " + svg::sig(beta[j], 6));
        fig.text(label_w + 4, y + row_h / 2 + 4, name, "end", beta[j] != 0 ? "class=\"rowlabel selected\"" : "class=\"rowlabel\"");
        terms += (i ? ";" : "") + name;
        values += (i ? ";" : "") + svg::full(beta[j]);
    }
    Section s = make_block(id, title, "plot");
    s.body = fig.str(id + "-plot", "Signature coefficients") +
             caption("The signature validated at the sites: " + escape(source) + ". " + std::to_string(nonzero) + " of " +
                     std::to_string(beta.size()) + " coefficients nonzero" + (rows.size() < beta.size() ? " (zeros not drawn)" : "") +
                     ", by absolute size; intercept " + svg::sig(a0, 6) + ".");
    s.attrs = attr("terms", terms) + attr("estimates", values) + attr("nonzero", double(nonzero)) + attr("a0", a0);
    s.note = "fed-coefficients: " + std::to_string(nonzero) + " nonzero of " + std::to_string(beta.size());
    return s;
}

// (4b) The cross-validation curve: cvm +- cvsd against log(lambda), lambda.min and lambda.1se marked.
Section fed_cv_section(const json& results) {
    const std::string id = "fed-cv", title = "Cross-validation curve";
    const json& cv = member(results, "cv");
    if (!cv.is_object()) return absent_block(id, title, "cv analysis");
    const auto lambda = nums(member(cv, "lambda")), cvm = nums(member(cv, "cvm")), cvsd = nums(member(cv, "cvsd"));
    std::vector<double> x, y, lo, up;
    for (std::size_t k = 0; k < lambda.size() && k < cvm.size() && k < cvsd.size(); ++k) {
        if (!(lambda[k] > 0) || !std::isfinite(cvm[k])) continue;
        const double sd = std::isfinite(cvsd[k]) ? cvsd[k] : 0;
        x.push_back(std::log(lambda[k])), y.push_back(cvm[k]), lo.push_back(cvm[k] - sd), up.push_back(cvm[k] + sd);
    }
    if (x.empty()) return report_detail::missing_section(id, title, "the cv results hold no finite point");
    const double xmin = *std::min_element(x.begin(), x.end()), xmax = *std::max_element(x.begin(), x.end());
    const double ymin = *std::min_element(lo.begin(), lo.end()), ymax = *std::max_element(up.begin(), up.end());
    const double ypad = 0.05 * std::max(ymax - ymin, 1e-9), xpad = xmax - xmin < 1e-9 ? 0.5 : 0;
    svg::Figure fig(640, 380);
    svg::Plot plot(fig, 70, 14, 530, 300, svg::Axis{xmin - xpad, xmax + xpad, "log(\u03bb)", {}},
                   svg::Axis{ymin - ypad, ymax + ypad, "CV binomial deviance (cvm \u00b1 cvsd)", {}});
    plot.axes();
    plot.band(x, lo, up, "class=\"band0\"", "cvm \u00b1 cvsd");
    plot.line(x, y, "class=\"curve s0\"");
    for (std::size_t k = 0; k < x.size(); ++k)
        plot.point(x[k], y[k], 2.5, "class=\"pt0\"", "\u03bb " + svg::sig(std::exp(x[k]), 4) + ": cvm " + svg::sig(y[k], 5));
    const double lmin = num(member(cv, "lambda_min")), l1se = num(member(cv, "lambda_1se"));
    if (lmin > 0) plot.segment(std::log(lmin), ymin - ypad, std::log(lmin), ymax + ypad, "class=\"threshold\"");
    if (l1se > 0) plot.segment(std::log(l1se), ymin - ypad, std::log(l1se), ymax + ypad, "class=\"diag\"");
    plot.legend({{"class=\"curve s0\"", "cvm"}, {"class=\"threshold\"", "\u03bb.min " + svg::sig(lmin, 4)}, {"class=\"diag\"", "\u03bb.1se " + svg::sig(l1se, 4)}},
                "tl");
    Section s = make_block(id, title, "plot");
    s.body = fig.str(id + "-plot", "Cross-validation curve") +
             caption("Mean held-out binomial deviance over the folds (cvm, from the sites' held-out deviances of every fold's path at the "
                     "full-data \u03bb) with \u00b1 cvsd; \u03bb.min " + svg::sig(lmin, 6) + " (red dashed), \u03bb.1se " + svg::sig(l1se, 6) + " (grey dashed).");
    s.attrs = attr("points", double(x.size())) + attr("lambda-min", lmin) + attr("lambda-1se", l1se);
    s.note = "fed-cv: " + std::to_string(x.size()) + " lambdas";
    return s;
}

// (4c) The coefficient path: one line per feature that is nonzero somewhere on the path.
Section fed_path_section(const json& results) {
    const std::string id = "fed-path", title = "Coefficient path";
    const json& path = member(member(results, "elastic_net"), "path");
    if (!path.is_object()) return absent_block(id, title, "elastic_net path");
    const auto lambda = nums(member(path, "lambda"));
    const auto features = feature_names(results);
    std::vector<double> x;
    for (double l : lambda) x.push_back(l > 0 ? std::log(l) : std::nan(""));
    std::vector<std::vector<double>> lines(features.size());  // [feature][lambda]
    for (std::size_t k = 0; k < lambda.size(); ++k) {
        const auto col = matrix_column(member(path, "beta"), k);
        for (std::size_t j = 0; j < col.size() && j < lines.size(); ++j) lines[j].push_back(col[j]);
    }
    std::vector<std::size_t> active;
    double ylo = 0, yhi = 0, xlo = INFINITY, xhi = -INFINITY;
    for (std::size_t j = 0; j < lines.size(); ++j) {
        bool nonzero = false;
        for (double b : lines[j]) nonzero |= b != 0 && std::isfinite(b), ylo = std::min(ylo, b), yhi = std::max(yhi, b);
        if (nonzero) active.push_back(j);
    }
    for (double v : x)
        if (std::isfinite(v)) xlo = std::min(xlo, v), xhi = std::max(xhi, v);
    if (active.empty() || !std::isfinite(xlo)) return report_detail::missing_section(id, title, "no coefficient is nonzero on the path");
    if (xhi - xlo < 1e-9) xlo -= 0.5, xhi += 0.5;
    const double pad = 0.05 * std::max(yhi - ylo, 1e-9);
    svg::Figure fig(720, 380);
    svg::Plot plot(fig, 70, 14, 500, 300, svg::Axis{xlo, xhi, "log(\u03bb)", {}}, svg::Axis{ylo - pad, yhi + pad, "coefficient", {}});
    plot.axes();
    plot.segment(xlo, 0, xhi, 0, "class=\"diag\"");
    for (std::size_t i = 0; i < active.size(); ++i) {
        const std::size_t j = active[i];
        plot.line(x, lines[j], "class=\"curve path-line\" stroke-width=\"1.5\" stroke=\"" + site_colour(i) + "\"");
        if (i < 16) {  // labels to the right of the plot, in the order of the lines
            fig.line(582, 24 + 16 * double(i), 598, 24 + 16 * double(i), "stroke-width=\"2\" stroke=\"" + site_colour(i) + "\"");
            fig.text(602, 28 + 16 * double(i), features[j], "start", "class=\"legendtext\"");
        }
    }
    const double lmin = num(member(member(results, "cv"), "lambda_min"));
    if (lmin > 0) plot.segment(std::log(lmin), ylo - pad, std::log(lmin), yhi + pad, "class=\"threshold\"");
    Section s = make_block(id, title, "plot");
    s.body = fig.str(id + "-plot", "Coefficient path") +
             caption("Elastic-net logistic path (" + std::to_string(lambda.size()) + " \u03bb values): " + std::to_string(active.size()) +
                     " of " + std::to_string(features.size()) + " features nonzero somewhere" + (active.size() > 16 ? " (the first 16 named)" : "") +
                     (lmin > 0 ? "; dashed: the CV's \u03bb.min" : "") + ".");
    s.attrs = attr("lines", double(active.size())) + attr("lambdas", double(lambda.size()));
    s.note = "fed-path: " + std::to_string(active.size()) + " active features";
    return s;
}

namespace {

struct ScoreHistogram {
    std::vector<double> counts;
    double below = 0, above = 0;
    void add(const json& h) {
        const auto c = nums(member(h, "counts"));
        if (counts.empty()) counts.assign(c.size(), 0);
        for (std::size_t i = 0; i < c.size() && i < counts.size(); ++i) counts[i] += c[i];
        below += num(member(h, "below")), above += num(member(h, "above"));
    }
};

// Empirical ROC at the grid's bin edges: thresholds from the top (above the grid, each bin, below
// it); a point where either count changed. Returns (1 - specificity, sensitivity) pairs.
std::pair<std::vector<double>, std::vector<double>> histogram_roc(const ScoreHistogram& cases, const ScoreHistogram& controls) {
    double p = cases.below + cases.above, n = controls.below + controls.above;
    for (double c : cases.counts) p += c;
    for (double c : controls.counts) n += c;
    std::vector<double> fpr = {0}, tpr = {0};
    if (!(p > 0) || !(n > 0)) return {fpr, tpr};
    double tp = cases.above, fp = controls.above;
    const auto push = [&] {
        if (tp / p != tpr.back() || fp / n != fpr.back()) fpr.push_back(fp / n), tpr.push_back(tp / p);
    };
    push();
    for (std::size_t i = cases.counts.size(); i-- > 0;) {
        tp += cases.counts[i];
        fp += i < controls.counts.size() ? controls.counts[i] : 0;
        push();
    }
    tp += cases.below, fp += controls.below;
    push();
    return {fpr, tpr};
}

}  // namespace

// (5) Per-site and pooled ROC from the sites' histograms of the signature's linear predictor.
Section fed_roc_section(const json& results) {
    const std::string id = "fed-roc", title = "ROC per site and pooled";
    const json& sites = member(member(results, "validation"), "sites");
    if (!sites.is_array() || sites.empty()) return absent_block(id, title, "validation analysis");
    const auto names = site_names(results);
    svg::Figure fig(720, 470);
    svg::Plot plot(fig, 70, 14, 400, 400, svg::Axis{0, 1, "1 \u2212 specificity", {}}, svg::Axis{0, 1, "sensitivity", {}});
    plot.axes();
    plot.segment(0, 0, 1, 1, "class=\"diag\"");
    ScoreHistogram pooled_cases, pooled_controls;
    std::string aucs;
    std::size_t bins = 0;
    for (std::size_t s = 0; s < sites.size(); ++s) {
        ScoreHistogram cases, controls;
        cases.add(member(sites[s], "histogram_cases")), controls.add(member(sites[s], "histogram_controls"));
        pooled_cases.add(member(sites[s], "histogram_cases")), pooled_controls.add(member(sites[s], "histogram_controls"));
        bins = cases.counts.size();
        const auto [fpr, tpr] = histogram_roc(cases, controls);
        plot.line(fpr, tpr, "class=\"curve roc-site\" stroke-width=\"1.5\" stroke=\"" + site_colour(s) + "\"");
        const double sens = num(member(member(sites[s], "sensitivity"), "estimate")), spec = num(member(member(sites[s], "specificity"), "estimate"));
        if (std::isfinite(sens) && std::isfinite(spec))
            plot.point(1 - spec, sens, 4, "fill=\"" + site_colour(s) + "\" stroke=\"#fff\"",
                       (s < names.size() ? names[s] : "") + " at the job's threshold: sensitivity " + dec(sens) + ", specificity " + dec(spec));
        const json& auc = member(sites[s], "auc");
        const std::string label = (s < names.size() ? names[s] : "site") + ": AUC " + ci(num(member(auc, "estimate")), num(member(auc, "lower")), num(member(auc, "upper")));
        fig.line(486, 30 + 18 * double(s), 506, 30 + 18 * double(s), "stroke-width=\"2\" stroke=\"" + site_colour(s) + "\"");
        fig.text(510, 34 + 18 * double(s), label, "start", "class=\"legendtext\"");
        aucs += (s ? ";" : "") + svg::full(num(member(auc, "estimate")));
    }
    const auto [fpr, tpr] = histogram_roc(pooled_cases, pooled_controls);
    plot.line(fpr, tpr, "class=\"curve roc-pooled\" stroke-width=\"2.5\" stroke=\"#111111\"");
    const json& pooled = member(member(results, "validation"), "pooled");
    const double hist_auc = num(member(pooled, "auc_histogram")), max_error = num(member(pooled, "auc_max_error"));
    const double ly = 30 + 18 * double(sites.size()) + 6;
    fig.line(486, ly, 506, ly, "stroke-width=\"2.5\" stroke=\"#111111\"");
    fig.text(510, ly + 4, "pooled: AUC " + dec(hist_auc) + " \u00b1 " + svg::sig(max_error, 2), "start", "class=\"legendtext\"");
    Section s = make_block(id, title, "plot");
    s.body = fig.str(id + "-plot", "ROC per site and pooled") +
             caption("Empirical ROC curves computed here from each site's histograms of the signature's linear predictor for cases and "
                     "controls (" + std::to_string(bins) + " bins over [\u22128, 8] plus the counts below and above), thresholds at the bin "
                     "edges; the pooled curve (black) from the summed histograms. Site AUCs are the sites' exact DeLong estimates with "
                     "their CIs (the job's federated.level); the pooled AUC is the coordinator's AUC of the summed histograms \u00b1 its "
                     "largest error from ties within bins. Points: each site's sensitivity and specificity at the job's threshold.");
    s.attrs = attr("curves", double(sites.size())) + attr("site-aucs", aucs) + attr("pooled-auc", hist_auc);
    s.note = "fed-roc: " + std::to_string(sites.size()) + " site curves + pooled";
    return s;
}

namespace {

// Per site: rows, counts at the threshold, sensitivity, specificity, calibration, AUC, weight.
std::string validation_table(const json& validation, const std::vector<std::string>& names, const std::vector<double>& weights) {
    const json& sites = member(validation, "sites");
    std::string t = "<table class=\"fed-validation\">\n" +
                    header_row({"site", "rows", "TP / FP / TN / FN", "sensitivity [CI]", "specificity [CI]", "calibration intercept, slope",
                                "AUC [DeLong CI]", "meta weight"});
    const auto est = [](const json& e) { return ci(num(member(e, "estimate")), num(member(e, "lower")), num(member(e, "upper"))); };
    for (std::size_t s = 0; s < sites.size(); ++s) {
        const json& site = sites[s];
        const json& c = member(site, "counts");
        t += data_row({escape(s < names.size() ? names[s] : "?"), dec(num(member(site, "rows")), 0),
                       dec(num(member(c, "tp")), 0) + " / " + dec(num(member(c, "fp")), 0) + " / " + dec(num(member(c, "tn")), 0) + " / " +
                           dec(num(member(c, "fn")), 0),
                       est(member(site, "sensitivity")), est(member(site, "specificity")),
                       dec(num(member(member(site, "calibration"), "intercept"))) + ", " + dec(num(member(member(site, "calibration"), "slope"))),
                       est(member(site, "auc")), s < weights.size() ? dec(weights[s], 1) + "%" : "NA"});
    }
    const json& pooled = member(validation, "pooled");
    t += data_row({"<b>pooled</b>", "", "", est(member(pooled, "sensitivity")), est(member(pooled, "specificity")), "",
                   dec(num(member(pooled, "auc_histogram"))) + " \u00b1 " + svg::sig(num(member(pooled, "auc_max_error")), 2) + " (histograms)", ""});
    return t + "</table>\n";
}

}  // namespace

// (6) Forest plot of the site AUCs (DeLong CIs), the random-effects diamond, the pooled histogram AUC.
Section fed_forest_section(const json& results) {
    const std::string id = "fed-forest", title = "Site AUCs: forest plot and meta-analysis";
    const json& validation = member(results, "validation");
    const json& sites = member(validation, "sites");
    if (!sites.is_array() || sites.empty()) return absent_block(id, title, "validation analysis");
    const auto names = site_names(results);
    const json& meta = member(validation, "meta");
    const auto weights = nums(member(meta, "weights"));
    const double m_est = num(member(meta, "estimate")), m_lo = num(member(meta, "lower")), m_up = num(member(meta, "upper"));
    const double hist_auc = num(member(member(validation, "pooled"), "auc_histogram"));
    const double max_error = num(member(member(validation, "pooled"), "auc_max_error"));
    double lo = INFINITY, hi = -INFINITY, wmax = 0;
    for (const auto& site : sites)
        for (const char* k : {"lower", "upper", "estimate"})
            if (const double v = num(member(member(site, "auc"), k)); std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    for (double v : {m_lo, m_up, hist_auc - max_error, hist_auc + max_error})
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    for (double w : weights)
        if (std::isfinite(w)) wmax = std::max(wmax, w);
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    const double pad = 0.05 * std::max(hi - lo, 0.05), row_h = 24, rows = double(sites.size() + 2);
    svg::Figure fig(820, row_h * rows + 70);
    svg::Plot plot(fig, 150, 20, 400, row_h * rows, svg::Axis{lo - pad, hi + pad, "AUC", {}}, svg::Axis{0, rows, "", {0}, false});
    plot.axes();
    if (0.5 > lo - pad && 0.5 < hi + pad) fig.line(plot.px(0.5), 20, plot.px(0.5), 20 + row_h * rows, "stroke=\"#999\"");
    if (std::isfinite(m_est)) fig.line(plot.px(m_est), 20, plot.px(m_est), 20 + row_h * rows, "class=\"diag\"");
    fig.text(566, 14, "AUC [CI]", "start", "class=\"ticklabel\"");
    fig.text(770, 14, "weight", "start", "class=\"ticklabel\"");
    const auto row_y = [&](std::size_t i) { return 20 + row_h * (double(i) + 0.5); };
    for (std::size_t s = 0; s < sites.size(); ++s) {
        const json& auc = member(sites[s], "auc");
        const double e = num(member(auc, "estimate")), l = num(member(auc, "lower")), u = num(member(auc, "upper"));
        const double y = row_y(s), w = s < weights.size() ? weights[s] : std::nan("");
        const double half = 3 + 5 * (std::isfinite(w) && wmax > 0 ? std::sqrt(w / wmax) : 0.5);
        if (std::isfinite(l) && std::isfinite(u)) fig.line(plot.px(l), y, plot.px(u), y, "class=\"whisker\"");
        fig.rect(plot.px(e) - half, y - half, 2 * half, 2 * half, "class=\"forest-site\" fill=\"" + site_colour(s) + "\"",
                 (s < names.size() ? names[s] : "") + ": AUC " + ci(e, l, u) + ", weight " + dec(w, 1) + "%");
        fig.text(144, y + 4, s < names.size() ? names[s] : "?", "end", "class=\"rowlabel\"");
        fig.text(566, y + 4, ci(e, l, u), "start", "class=\"ticklabel\"");
        fig.text(770, y + 4, dec(w, 1) + "%", "start", "class=\"ticklabel\"");
    }
    const double yh = row_y(sites.size()), yd = row_y(sites.size() + 1);
    if (std::isfinite(hist_auc)) {
        fig.line(plot.px(hist_auc - max_error), yh, plot.px(hist_auc + max_error), yh, "class=\"whisker\"");
        fig.circle(plot.px(hist_auc), yh, 4.5, "class=\"forest-histogram\" fill=\"#111\"",
                   "pooled AUC of the summed histograms " + dec(hist_auc) + " \u00b1 " + svg::sig(max_error, 2));
    }
    fig.text(144, yh + 4, "pooled (histograms)", "end", "class=\"rowlabel\"");
    fig.text(566, yh + 4, dec(hist_auc) + " \u00b1 " + svg::sig(max_error, 2), "start", "class=\"ticklabel\"");
    if (std::isfinite(m_est) && std::isfinite(m_lo) && std::isfinite(m_up))
        fig.polygon({{plot.px(m_lo), yd}, {plot.px(m_est), yd - 8}, {plot.px(m_up), yd}, {plot.px(m_est), yd + 8}}, "class=\"diamond\" fill=\"#1f5fa8\"",
                    "random effects (DerSimonian-Laird): " + ci(m_est, m_lo, m_up));
    fig.text(144, yd + 4, "random effects (DL)", "end", "class=\"rowlabel selected\"");
    fig.text(566, yd + 4, ci(m_est, m_lo, m_up), "start", "class=\"ticklabel\"");
    Section s = make_block(id, title, "plot");
    s.body = fig.str(id + "-plot", "Forest plot of the site AUCs") +
             "<p>Random-effects meta-analysis (DerSimonian\u2013Laird) of the site AUCs: <b>" + ci(m_est, m_lo, m_up) + "</b> (se " +
             svg::sig(num(member(meta, "se")), 3) + "); \u03c4\u00b2 = " + svg::sig(num(member(meta, "tau2")), 3) + ", I\u00b2 = " +
             dec(num(member(meta, "i2")), 1) + "%, Q = " + dec(num(member(meta, "q")), 2) + " (p = " + svg::p_value(num(member(meta, "q_p_value"))) +
             "). Pooled AUC of the summed score histograms " + dec(hist_auc) + " \u00b1 " + svg::sig(max_error, 2) + ".</p>\n" +
             caption("Squares: each site's AUC (area by its random-effects weight) with its DeLong CI at the job's federated.level; "
                     "diamond: the meta-analysis estimate and CI; black point: the pooled AUC from the summed histograms with its bound on "
                     "the error of ties within bins. The signature validated is the one of the coefficients block.") +
             validation_table(validation, names, weights);
    s.attrs = attr("rows", double(sites.size())) + attr("meta-estimate", m_est) + attr("meta-lower", m_lo) + attr("meta-upper", m_up) +
              attr("tau2", num(member(meta, "tau2"))) + attr("i2", num(member(meta, "i2"))) + attr("pooled-auc", hist_auc);
    s.note = "fed-forest: " + std::to_string(sites.size()) + " sites, meta AUC " + dec(m_est);
    return s;
}

}  // namespace radhpc::report::federated_detail
