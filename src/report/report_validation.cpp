// radhpc report's "Validated model" blocks, one group per validation stored by `radhpc validate
// --store` (store::ValidationResult): a summary table of the stored metrics, the out-of-fold ROC
// with its DeLong CI and the calibration of the out-of-fold probabilities (drawn by the ROC and
// calibration code of report_plots.cpp), a forest plot of the coefficients with their bootstrap
// CIs and selection frequencies, and the tuning curve (CV metric against log lambda per alpha).
// A validation still running gets one line. Whether a complete one is STALE is the commands
// layer's business (`radhpc inspect`): the page shows the stored table hash and status.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <iterator>
#include <map>

#include "radhpc/report/svg.hpp"
#include "radhpc/store/validation.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
using svg::escape;
namespace {

// "validation-<name>" with every character outside [A-Za-z0-9_-] as '-' (an HTML id, a JS string).
std::string block_id(const std::string& name) {
    std::string id = "validation-";
    for (char ch : name) id += std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' ? ch : '-';
    return id;
}

std::string number(double v, int decimals = 3) { return std::isfinite(v) ? svg::fixed(v, decimals) : std::string("NA"); }
std::string ci_text(double lower, double upper) {
    return std::isfinite(lower) && std::isfinite(upper) ? " [" + number(lower) + ", " + number(upper) + "]" : std::string();
}
std::string row(const std::string& label, const std::string& value) {
    return "<tr><th>" + escape(label) + "</th><td>" + escape(value) + "</td></tr>\n";
}

// A validation with units still missing: how many are stored, and how to finish it.
Section running_section(const store::ValidationResult& v, const std::string& id, const std::string& group) {
    const std::size_t stored = (v.tuning.done ? 1 : 0) + v.replicates.size(), total = std::size_t(1 + v.replicates_planned);
    const std::string text = "validation '" + v.name + "' is " + (v.status.empty() ? std::string("incomplete") : v.status) + ": " +
                             std::to_string(stored) + " of " + std::to_string(total) + " units stored (tuning " +
                             (v.tuning.done ? "done" : "not done") + ", " + std::to_string(v.replicates.size()) + " of " +
                             std::to_string(v.replicates_planned) + " bootstrap replicates); rerun `radhpc validate " +
                             (v.job.empty() ? std::string("JOB.yaml") : v.job) + " --store STORE` to finish it";
    Section s = missing_section(id + "-status", "Status", text);
    s.group = group;
    s.attrs = attr("status", v.status) + attr("units-stored", double(stored)) + attr("units-total", double(total));
    return s;
}

// The chosen model and the stored metrics (machine-readable in data-*: the test reads them back).
Section summary_section(const store::ValidationResult& v, const std::string& id, const std::string& group) {
    Section s = block_section(id + "-summary", group, "Summary", "table");
    const auto& t = v.tuning;
    const double oof = v.metric("out_of_fold.auc"), apparent = v.metric("apparent.auc");
    const double corrected = v.metric("bootstrap.corrected_auc"), plus = v.metric("bootstrap.auc_632plus");
    std::string rows;
    rows += row("status", v.status);
    rows += row("procedure", t.procedure + (t.measure.empty() ? "" : ", measure " + t.measure) +
                                 (t.repeats ? ", " + std::to_string(t.repeats) + " CV repeats" : ""));
    rows += row("chosen \u03b1, \u03bb", svg::sig(t.alpha, 6) + ", " + svg::sig(t.lambda, 6) +
                                             (t.lambda_rule.empty() ? "" : " (rule " + t.lambda_rule + "; \u03bb min " + svg::sig(t.lambda_min, 6) +
                                                                               ", \u03bb 1se " + svg::sig(t.lambda_1se, 6) + ")"));
    rows += row("CV " + t.measure + " at \u03bb", number(t.cvm_at_lambda, 4));
    rows += row("table", number(v.metric("n_rows"), 0) + " rows, " + number(v.metric("n_patients"), 0) + " patients, " +
                             number(v.metric("n_positive"), 0) + " positive, " + std::to_string(v.terms.empty() ? 0 : v.terms.size() - 1) +
                             " features (" + number(v.metric("n_nonzero"), 0) + " nonzero)");
    rows += row("apparent AUC", number(apparent) + ci_text(v.metric("apparent.auc_ci_lower"), v.metric("apparent.auc_ci_upper")));
    rows += row("out-of-fold AUC", number(oof) + ci_text(v.metric("out_of_fold.auc_ci_lower"), v.metric("out_of_fold.auc_ci_upper")));
    rows += row("bootstrap optimism", number(v.metric("bootstrap.optimism")) +
                                          ci_text(v.metric("bootstrap.optimism_ci.lower"), v.metric("bootstrap.optimism_ci.upper")));
    rows += row("optimism-corrected AUC", number(corrected));
    rows += row(".632+ AUC", number(plus));
    rows += row("bootstrap replicates", number(v.metric("bootstrap.replicates_used"), 0) + " used of " + std::to_string(v.replicates_planned) +
                                            " planned");
    rows += row("calibration (apparent model)", "slope " + number(v.metric("calibration.slope")) + ", intercept in the large " +
                                                    number(v.metric("calibration.intercept_in_the_large")));
    rows += row("table source", v.table_source);
    rows += row("table hash", v.table_hash + " (radhpc inspect marks the validation STALE when the table's values changed)");
    rows += row("run", "started " + store::iso_time(v.started_at) + ", finished " + store::iso_time(v.finished_at) +
                           (v.job.empty() ? "" : ", job " + v.job));
    std::string all;
    for (const auto& m : v.metrics)
        all += "<tr><td>" + escape(m.name) + "</td><td>" + (m.is_text ? escape(m.text) : svg::sig(m.value, 6)) + "</td></tr>\n";
    s.body = "<table class=\"validation-summary\">\n" + rows + "</table>\n<details><summary>every stored metric (" +
             std::to_string(v.metrics.size()) + ", as in metrics.json of radhpc export --table validation --name " + escape(v.name) +
             ")</summary><table><tr><th>metric</th><th>value</th></tr>\n" + all + "</table></details>\n";
    s.attrs = attr("name", v.name) + attr("status", v.status) + attr("alpha", t.alpha) + attr("lambda", t.lambda) +
              attr("apparent-auc", apparent) + attr("oof-auc", oof) + attr("corrected-auc", corrected) + attr("auc-632plus", plus) +
              attr("table-hash", v.table_hash);
    s.note = "validation " + v.name + ": alpha " + svg::sig(t.alpha, 6) + ", lambda " + svg::sig(t.lambda, 6) + ", out-of-fold AUC " +
             number(oof) + ", corrected " + number(corrected) + ", .632+ " + number(plus);
    return s;
}

// The predictions as the ROC and calibration code's rows: the mean out-of-fold linear predictor
// (probability: its logistic) and the outcome of each table row.
PatientEndpoints oof_rows(const store::ValidationResult& v, bool probability) {
    PatientEndpoints d;
    d.units = "table rows";
    d.direction = "<";
    d.score_name = "out-of-fold " + std::string(probability ? "probability" : "linear predictor") + " of " + v.name;
    d.score_source = "validation '" + v.name + "', " + (probability ? "logistic of the " : "") +
                     "out-of-fold linear predictor at the chosen \u03b1, \u03bb (mean over the " + std::to_string(v.tuning.repeats) +
                     " CV repeats, each row predicted by the fold model that did not see its patient)";
    d.score_is_probability = probability;
    for (const auto& p : v.predictions) {
        if (!std::isfinite(p.oof_linear_predictor)) continue;
        d.patient_id.push_back(p.patient);
        d.score.push_back(probability ? 1 / (1 + std::exp(-p.oof_linear_predictor)) : p.oof_linear_predictor);
        d.outcome.push_back(p.outcome == 0 || p.outcome == 1 ? int(p.outcome) : -1);
    }
    if (d.score.empty()) {
        d.score_name.clear();
        d.no_score_reason = "validation '" + v.name + "' has no out-of-fold predictions (procedure " + v.tuning.procedure +
                            ": no cross-validation)";
    }
    return d;
}

// Nonzero coefficients and those selected in at least half of the replicates, with bootstrap CIs.
Section forest_section(const store::ValidationResult& v, const std::string& id, const std::string& group) {
    const std::string title = "Coefficients";
    std::vector<const store::ValidationCoefficient*> rows;
    for (const auto& c : v.coefficients)
        if (c.term != "(Intercept)" && (c.estimate != 0 || c.selection_frequency >= 0.5)) rows.push_back(&c);
    if (rows.empty()) {
        Section s = missing_section(id + "-forest", title, "no coefficient is nonzero or selected in half of the replicates: the model is its intercept");
        s.group = group;
        return s;
    }
    std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
        const double fa = std::isfinite(a->selection_frequency) ? a->selection_frequency : 0;
        const double fb = std::isfinite(b->selection_frequency) ? b->selection_frequency : 0;
        return fa != fb ? fa > fb : std::fabs(a->estimate) > std::fabs(b->estimate);
    });
    double lo = 0, hi = 0;
    std::size_t longest = 0;
    for (const auto* c : rows) {
        for (double x : {c->estimate, c->ci_lower, c->ci_upper})
            if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
        longest = std::max(longest, c->term.size());
    }
    const double pad = 0.05 * std::max(hi - lo, 1e-12);
    lo -= pad, hi += pad;
    const double row_h = 20, label_w = std::min(320.0, 6.2 * double(longest) + 14), plot_w = 400, freq_w = 110;
    const double plot_h = row_h * double(rows.size());
    svg::Figure fig(label_w + plot_w + freq_w + 20, plot_h + 62);
    svg::Plot plot(fig, label_w + 10, 20, plot_w, plot_h, svg::Axis{lo, hi, "coefficient (bootstrap CI whiskers)", {}},
                   svg::Axis{0, double(rows.size()), "", {0}, false});
    plot.axes();
    fig.line(plot.px(0), 20, plot.px(0), 20 + plot_h, "class=\"diag\"");
    const double freq_x = label_w + 10 + plot_w + 10;
    fig.text(freq_x, 14, "selected in", "start", "class=\"ticklabel\"");
    std::string terms, estimates;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& c = *rows[i];
        const double y = plot.py(double(rows.size() - i)) + row_h / 2;
        if (std::isfinite(c.ci_lower) && std::isfinite(c.ci_upper)) {
            fig.line(plot.px(c.ci_lower), y, plot.px(c.ci_upper), y, "class=\"whisker\"");
            for (double x : {c.ci_lower, c.ci_upper}) fig.line(plot.px(x), y - 4, plot.px(x), y + 4, "class=\"whisker\"");
        }
        const std::string tip = c.term + ": " + svg::sig(c.estimate, 4) + ci_text(c.ci_lower, c.ci_upper) + ", selected in " +
                                number(100 * c.selection_frequency, 0) + "% of the replicates";
        fig.circle(plot.px(c.estimate), y, 5, c.estimate != 0 ? "class=\"pt0\"" : "class=\"pt0\" style=\"fill:#fff;stroke:#1f5fa8\"", tip);
        fig.text(label_w + 4, y + 4, c.term, "end", c.estimate != 0 ? "class=\"rowlabel selected\"" : "class=\"rowlabel\"");
        fig.text(freq_x, y + 4, std::isfinite(c.selection_frequency) ? number(100 * c.selection_frequency, 0) + "%" : "NA", "start",
                 "class=\"ticklabel\"");
        terms += (i ? ";" : "") + c.term;
        estimates += (i ? ";" : "") + svg::full(c.estimate);
    }
    double intercept = std::nan("");
    for (const auto& c : v.coefficients)
        if (c.term == "(Intercept)") intercept = c.estimate;
    const double level = v.metric("bootstrap.level");
    Section s = block_section(id + "-forest", group, title, "plot");
    s.body = fig.str(id + "-forest-plot", "Coefficients of validation " + v.name) +
             caption(std::to_string(rows.size()) + " of " + std::to_string(v.coefficients.empty() ? 0 : v.coefficients.size() - 1) +
                     " terms: the nonzero coefficients of the final model (filled points, bold names; fitted on the whole table at the "
                     "chosen \u03b1, \u03bb) and terms selected (nonzero) in at least half of the bootstrap replicates (open points). "
                     "Whiskers: " + (std::isfinite(level) ? svg::sig(100 * level, 4) + "% " : std::string()) +
                     "bootstrap percentile intervals; right: share of the used replicates in which the term was nonzero. Intercept " +
                     svg::sig(intercept, 6) + ".");
    s.attrs = attr("terms", terms) + attr("estimates", estimates) + attr("n-terms", double(rows.size()));
    s.note = "validation " + v.name + " coefficients: " + std::to_string(rows.size()) + " terms";
    return s;
}

// CV metric (cvm +- cvsd) against log(lambda), one line per alpha, the chosen lambda marked.
Section tuning_section(const store::ValidationResult& v, const std::string& id, const std::string& group) {
    const std::string title = "Tuning curve";
    const auto& t = v.tuning;
    std::map<double, std::vector<const store::ValidationCurveRow*>> by_alpha;
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (const auto& r : t.curves) {
        if (!(r.lambda > 0) || !std::isfinite(r.cvm)) continue;
        by_alpha[r.alpha].push_back(&r);
        const double sd = std::isfinite(r.cvsd) ? r.cvsd : 0;
        xlo = std::min(xlo, std::log(r.lambda)), xhi = std::max(xhi, std::log(r.lambda));
        ylo = std::min(ylo, r.cvm - sd), yhi = std::max(yhi, r.cvm + sd);
    }
    if (by_alpha.empty()) {
        Section s = missing_section(id + "-tuning", title,
                                    "no CV curves stored (procedure " + t.procedure + ": \u03b1 " + svg::sig(t.alpha, 6) + ", \u03bb " +
                                        svg::sig(t.lambda, 6) + " fixed)");
        s.group = group;
        return s;
    }
    if (xhi - xlo < 1e-9) xlo -= 0.5, xhi += 0.5;
    if (yhi - ylo < 1e-9) ylo -= 0.05, yhi += 0.05;
    const double ypad = 0.04 * (yhi - ylo);
    const std::string measure = t.measure.empty() ? t.curves.front().measure : t.measure;
    svg::Figure fig(720, 440);
    svg::Plot plot(fig, 70, 16, 470, 360, svg::Axis{xlo, xhi, "log(\u03bb)", {}},
                   svg::Axis{ylo - ypad, yhi + ypad, "CV " + measure + " (cvm \u00b1 cvsd)", {}});
    plot.axes();
    std::size_t k = 0;
    std::string alphas;
    for (auto& [alpha, rows] : by_alpha) {
        std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->lambda < b->lambda; });
        std::vector<double> xs, ys, lo, up;
        for (const auto* r : rows) {
            const double sd = std::isfinite(r->cvsd) ? r->cvsd : 0;
            xs.push_back(std::log(r->lambda)), ys.push_back(r->cvm), lo.push_back(r->cvm - sd), up.push_back(r->cvm + sd);
        }
        const std::string colour = kPalette[k % std::size(kPalette)];
        const std::string line = "class=\"curve\" stroke=\"" + colour + "\"";
        plot.band(xs, lo, up, "fill=\"" + colour + "\" fill-opacity=\"0.12\" stroke=\"none\"",
                  "\u03b1 = " + svg::sig(alpha, 4) + ": cvm \u00b1 cvsd");
        plot.line(xs, ys, line);
        // legend to the right of the plot area
        const double ly = 30 + 18 * double(k);
        fig.line(552, ly, 574, ly, line);
        fig.text(580, ly + 4, "\u03b1 = " + svg::sig(alpha, 4) + (alpha == t.alpha ? " (chosen)" : ""), "start", "class=\"legendtext\"");
        alphas += (k ? ";" : "") + svg::full(alpha);
        ++k;
    }
    const double lx = std::log(t.lambda);
    fig.line(plot.px(lx), 16, plot.px(lx), 376, "class=\"threshold\"");
    plot.point(lx, t.cvm_at_lambda, 5.5, "class=\"oppoint\"",
               "chosen \u03b1 = " + svg::sig(t.alpha, 6) + ", \u03bb = " + svg::sig(t.lambda, 6) + ": CV " + measure + " " +
                   number(t.cvm_at_lambda, 4));
    const double ly = 30 + 18 * double(k) + 8;
    fig.line(552, ly, 574, ly, "class=\"threshold\"");
    fig.text(580, ly + 4, "chosen \u03bb " + svg::sig(t.lambda, 4), "start", "class=\"legendtext\"");
    Section s = block_section(id + "-tuning", group, title, "plot");
    s.body = fig.str(id + "-tuning-plot", "Tuning curve of validation " + v.name) +
             caption("Repeated " + (t.repeats ? std::to_string(t.repeats) + "\u00d7 " : std::string()) +
                     "patient-grouped cross-validation on the whole table: mean CV " + escape(measure) +
                     " (cvm) over the folds per \u03bb, bands \u00b1 cvsd (glmnet's standard error of the mean), one line per \u03b1. "
                     "<b>Chosen \u03b1 " + svg::sig(t.alpha, 6) + ", \u03bb " + svg::sig(t.lambda, 6) + "</b> (dashed line, point; rule " +
                     escape(t.lambda_rule) + ": \u03bb min " + svg::sig(t.lambda_min, 6) + ", \u03bb 1se " + svg::sig(t.lambda_1se, 6) + ").");
    s.attrs = attr("alpha", t.alpha) + attr("lambda", t.lambda) + attr("alphas", alphas) + attr("measure", measure);
    s.note = "validation " + v.name + " tuning: " + std::to_string(t.curves.size()) + " (alpha, lambda) points";
    return s;
}

}  // namespace

std::vector<Section> validation_sections(const store::Contents& c, const ReportOptions& o) {
    std::vector<Section> out;
    for (const auto& v : c.validations) {
        const std::string id = block_id(v.name), group = "Validated model: " + v.name;
        if (v.status != "complete") {
            out.push_back(running_section(v, id, group));
            continue;
        }
        out.push_back(summary_section(v, id, group));
        // the ROC and its DeLong CI at the validation's own level, as its stored out-of-fold AUC
        ReportOptions ov = o;
        if (const double level = v.metric("level"); std::isfinite(level)) ov.level = level;
        Section roc = roc_section(oof_rows(v, false), ov, id + "-roc", "Out-of-fold ROC");
        Section cal = calibration_section(oof_rows(v, true), ov, id + "-calibration", "Calibration of the out-of-fold probabilities");
        for (Section* s : {&roc, &cal}) {
            s->group = group;
            s->note = "validation " + v.name + " " + s->note;
        }
        const double apparent = v.metric("apparent.auc"), corrected = v.metric("bootstrap.corrected_auc"), plus = v.metric("bootstrap.auc_632plus");
        if (roc.state == "plot")
            roc.body += "<p>Apparent AUC (final model on its own table) " + number(apparent) +
                        ci_text(v.metric("apparent.auc_ci_lower"), v.metric("apparent.auc_ci_upper")) + "; <b>optimism-corrected AUC " +
                        number(corrected) + "</b>, <b>.632+ AUC " + number(plus) + "</b> (" +
                        number(v.metric("bootstrap.replicates_used"), 0) + " bootstrap replicates).</p>\n";
        roc.attrs += attr("apparent-auc", apparent) + attr("corrected-auc", corrected) + attr("auc-632plus", plus);
        out.push_back(std::move(roc));
        out.push_back(std::move(cal));
        out.push_back(forest_section(v, id, group));
        out.push_back(tuning_section(v, id, group));
    }
    return out;
}

}  // namespace radhpc::report::report_detail
