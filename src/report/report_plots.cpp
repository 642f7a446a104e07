// The statistical plots of radhpc report: ROC with DeLong CI and bootstrap sensitivity band,
// calibration, Kaplan-Meier by risk group with the log-rank test, ICC bars (the |Spearman| heatmap
// is in report_heatmap.cpp).
// Numbers come from the stats layer (the same functions the stats commands and tests use).
#include <algorithm>
#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/report/svg.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/distributions.hpp"
#include "radhpc/stats/roc.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/roc_band.hpp"
#include "radhpc/stats/survival.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
using svg::escape;

std::string attr(const std::string& name, double v) { return " data-" + name + "=\"" + svg::full(v) + "\""; }
std::string attr(const std::string& name, const std::string& v) { return " data-" + name + "=\"" + escape(v) + "\""; }
std::string caption(const std::string& text) { return "<figcaption>" + text + "</figcaption>\n"; }

namespace {

std::string level_text(double level) { return svg::sig(100 * level, 4) + "%"; }

stats::Direction parse_direction(const std::string& d) {
    if (d == "<") return stats::Direction::controls_lower;
    if (d == ">") return stats::Direction::controls_higher;
    if (d == "auto") return stats::Direction::automatic;
    throw Error(ErrorKind::settings, "report --direction: '" + d + "' (expected <, > or auto)");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
Section roc_section(const PatientEndpoints& d, const ReportOptions& o, const std::string& id, const std::string& title) {
    if (d.score_name.empty())
        return missing_section(id, title, d.no_score_reason);
    std::vector<double> s;
    std::vector<int> y;
    for (std::size_t i = 0; i < d.patient_id.size(); ++i)
        if (std::isfinite(d.score[i]) && d.outcome[i] >= 0) {
            s.push_back(d.score[i]);
            y.push_back(d.outcome[i]);
        }
    const auto cases = std::count(y.begin(), y.end(), 1), controls = std::count(y.begin(), y.end(), 0);
    if (s.empty())
        return missing_section(id, title,
                               d.signature ? "no 0/1 outcome in the signature's patient rows (outcome column '" + d.signature->outcome_column +
                                                 "'; patients whose lesions disagree are left out)"
                                           : "no binary outcome (metadata column '" + o.outcome + "') for the patients with a score");
    if (cases == 0 || controls == 0)
        return missing_section(id, title,
                               "the outcome has one class only among the " + std::to_string(s.size()) + " scored " + d.units + " (" +
                                   std::to_string(cases) + " cases, " + std::to_string(controls) + " controls)");

    const stats::RocCurve curve = stats::roc_curve(s, y, parse_direction(d.direction));
    const stats::AucWithCi ci = stats::delong_ci(s, y, o.level, curve.direction);
    // pROC's default ci.se grid is seq(0, 1, .1); a finer grid draws a smoother band
    std::vector<double> grid;
    for (int k = 0; k <= 50; ++k) grid.push_back(k / 50.0);
    const stats::SensitivityBand band = stats::sensitivity_band(s, y, grid, o.bootstrap, o.seed, o.level, curve.direction);

    svg::Figure fig(540, 470);
    svg::Plot plot(fig, 64, 16, 440, 390, svg::Axis{0, 1, "1 \u2212 specificity (false-positive rate)", {}},
                   svg::Axis{0, 1, "sensitivity", {}});
    plot.axes();
    std::vector<double> band_x;
    for (double sp : grid) band_x.push_back(1 - sp);
    plot.band(band_x, band.lower, band.upper, "class=\"band0\"",
              level_text(o.level) + " pointwise band of the sensitivity (" + std::to_string(o.bootstrap) + " bootstrap replicates)");
    plot.segment(0, 0, 1, 1, "class=\"diag\"");
    std::vector<double> xs, ys;
    for (std::size_t k = 0; k < curve.sensitivities.size(); ++k) {
        xs.push_back(1 - curve.specificities[k]);
        ys.push_back(curve.sensitivities[k]);
    }
    plot.line(xs, ys, "class=\"curve s0\"");
    const std::string auc_text = "AUC " + svg::fixed(ci.auc, 3) + " (" + level_text(o.level) + " CI " + svg::fixed(ci.lower, 3) +
                                 "\u2013" + svg::fixed(ci.upper, 3) + ", DeLong)";
    std::vector<std::pair<std::string, std::string>> legend{
        {"class=\"curve s0\"", auc_text},
        {"class=\"bandkey0\"", level_text(o.level) + " band, " + std::to_string(o.bootstrap) + " bootstrap replicates"}};
    // the signature's operating point: its patient-level sensitivity and specificity at its threshold
    if (d.signature) {
        double sens = std::nan(""), spec = std::nan("");
        for (const auto& m : d.signature->metrics)
            if (m.level == "patient") {
                if (m.metric == "sensitivity") sens = m.estimate;
                if (m.metric == "specificity") spec = m.estimate;
            }
        if (std::isfinite(sens) && std::isfinite(spec)) {
            plot.point(1 - spec, sens, 5, "class=\"oppoint\"",
                       "threshold " + svg::sig(d.signature->threshold, 6) + ": sensitivity " + svg::fixed(sens, 3) + ", specificity " + svg::fixed(spec, 3));
            legend.push_back({"class=\"oppointkey\"", "threshold " + svg::sig(d.signature->threshold, 6) + " (sens " + svg::fixed(sens, 2) +
                                                          ", spec " + svg::fixed(spec, 2) + ")"});
        }
    }
    plot.legend(legend, "br");

    const bool lower_controls = curve.direction == stats::Direction::controls_lower;
    Section sec;
    sec.id = id;
    sec.title = title;
    sec.state = "plot";
    sec.body = fig.str(id + "-plot", "ROC curve of " + d.score_name) +
               caption("Score: " + escape(d.score_source) + ". " + std::to_string(s.size()) + " " + d.units + " (" + std::to_string(cases) +
                       " cases, " + std::to_string(controls) + " controls); direction " +
                       (lower_controls ? "controls &lt; cases" : "controls &gt; cases") + ". <b>" + escape(auc_text) +
                       "</b>. Band: pointwise " + level_text(o.level) +
                       " interval of the sensitivity at specificities 0, 0.02, \u2026, 1 from " + std::to_string(o.bootstrap) +
                       " stratified bootstrap replicates (cases and controls resampled separately, direction kept; pROC "
                       "<code>ci.se(boot.stratified = TRUE)</code> with linear interpolation between ROC points, quantile type 7), "
                       "seeded generator, seed " +
                       std::to_string(o.seed) + ": the band is a pure function of the data and the seed.");
    std::string band_text;
    for (std::size_t k = 0; k < grid.size(); ++k)
        band_text += (k ? ";" : "") + svg::full(grid[k]) + ":" + svg::full(band.lower[k]) + ":" + svg::full(band.upper[k]);
    sec.attrs = attr("auc", ci.auc) + attr("auc-lower", ci.lower) + attr("auc-upper", ci.upper) + attr("auc-variance", ci.variance) +
                attr("cases", double(cases)) + attr("controls", double(controls)) +
                attr("direction", std::string(lower_controls ? "<" : ">")) + attr("band-replicates", double(o.bootstrap)) +
                attr("band-seed", std::to_string(o.seed)) + attr("band", band_text);
    if (d.signature) {
        // the metrics radhpc score stored with the signature, per level
        std::string rows;
        for (const auto& m : d.signature->metrics) {
            if (m.level == "patient" && m.metric == "auc") sec.attrs += attr("signature-auc", m.estimate);
            const bool count = m.method == "count";
            rows += "<tr><td>" + escape(m.level) + "</td><td>" + escape(m.metric) + "</td><td>" +
                    (count ? svg::fixed(m.estimate, 0) : svg::fixed(m.estimate, 3)) + "</td><td>" +
                    (std::isnan(m.lower) ? std::string() : svg::fixed(m.lower, 3) + "\u2013" + svg::fixed(m.upper, 3)) + "</td><td>" +
                    escape(m.method) + "</td></tr>\n";
        }
        if (!rows.empty())
            sec.body += "<details><summary>metrics stored with the signature (radhpc score, threshold " + svg::sig(d.signature->threshold, 6) +
                        ")</summary><table><tr><th>level</th><th>metric</th><th>estimate</th><th>" + level_text(d.signature->level) +
                        " CI</th><th>method</th></tr>\n" + rows + "</table></details>\n";
    }
    sec.note = "roc: " + auc_text + ", " + std::to_string(s.size()) + " " + d.units;
    return sec;
}

// ---------------------------------------------------------------------------------------------
Section calibration_section(const PatientEndpoints& d, const ReportOptions& o, const std::string& id, const std::string& title) {
    if (d.score_name.empty()) return missing_section(id, title, d.no_score_reason);
    if (!d.score_is_probability)
        return missing_section(id, title,
                               "the score " + d.score_name + " is not a probability (values outside (0, 1)): calibration needs predicted probabilities");
    std::vector<double> p, y;
    for (std::size_t i = 0; i < d.patient_id.size(); ++i)
        if (std::isfinite(d.score[i]) && d.outcome[i] >= 0) {
            p.push_back(d.score[i]);
            y.push_back(d.outcome[i]);
        }
    const double events = std::count(y.begin(), y.end(), 1.0);
    if (p.size() < 3 || events == 0 || events == double(y.size()))
        return missing_section(id, title,
                               "too few " + d.units + " with a probability and both outcomes (" + std::to_string(p.size()) + " " + d.units + ", " +
                                   svg::fixed(events, 0) + " events)");
    std::vector<double> lp;
    for (double v : p) lp.push_back(std::log(v / (1 - v)));
    const stats::Calibration cal = stats::calibration(y, lp);

    // Groups as ResourceSelection::hoslem.test: cut(p, unique(quantile(p, 0:g/g)), include.lowest = TRUE)
    std::vector<double> breaks;
    // at most calibration_bins groups, at least about 5 patients per group
    const int g = std::max(1, std::min(o.calibration_bins, std::max(2, int(p.size()) / 5)));
    for (int k = 0; k <= g; ++k) breaks.push_back(stats::quantile_type7(p, double(k) / g));
    breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());
    const std::size_t bins = std::max<std::size_t>(1, breaks.size() - 1);
    std::vector<double> sum_p(bins, 0), sum_y(bins, 0), count(bins, 0);
    for (std::size_t i = 0; i < p.size(); ++i) {
        // interval (b_{j-1}, b_j], the first one closed on the left
        std::size_t j = std::size_t(std::lower_bound(breaks.begin() + 1, breaks.end(), p[i]) - (breaks.begin() + 1));
        j = std::min(j, bins - 1);
        sum_p[j] += p[i];
        sum_y[j] += y[i];
        count[j] += 1;
    }
    const double z = stats::normal_quantile(1 - (1 - o.level) / 2);
    svg::Figure fig(540, 470);
    svg::Plot plot(fig, 64, 16, 440, 390, svg::Axis{0, 1, "predicted probability", {}}, svg::Axis{0, 1, "observed fraction", {}});
    plot.axes();
    plot.segment(0, 0, 1, 1, "class=\"diag\"");
    // logistic recalibration curve: P(y) = expit(a + b lp), glm(y ~ lp)
    std::vector<double> cx, cy;
    for (int k = 1; k < 200; ++k) {
        const double q = k / 200.0, l = std::log(q / (1 - q));
        cx.push_back(q);
        cy.push_back(1 / (1 + std::exp(-(cal.slope_intercept + cal.slope * l))));
    }
    plot.line(cx, cy, "class=\"curve s1\"");
    std::string bins_text;
    for (std::size_t j = 0; j < bins; ++j) {
        if (count[j] == 0) continue;
        const double n = count[j], mp = sum_p[j] / n, obs = sum_y[j] / n;
        // Wilson score interval of the observed fraction
        const double centre = (obs + z * z / (2 * n)) / (1 + z * z / n);
        const double half = z * std::sqrt(obs * (1 - obs) / n + z * z / (4 * n * n)) / (1 + z * z / n);
        plot.segment(mp, centre - half, mp, centre + half, "class=\"whisker\"");
        plot.point(mp, obs, 4.5, "class=\"pt0\"",
                   "bin " + std::to_string(j + 1) + ": n = " + svg::fixed(n, 0) + ", mean predicted " + svg::fixed(mp, 3) +
                       ", observed " + svg::fixed(obs, 3));
        bins_text += (bins_text.empty() ? "" : ";") + svg::full(mp) + ":" + svg::full(obs) + ":" + svg::fixed(n, 0);
    }
    const std::string cal_text = "intercept " + svg::fixed(cal.intercept, 3) + ", slope " + svg::fixed(cal.slope, 3);
    plot.legend({{"class=\"curve s1\"", "logistic recalibration (" + cal_text + ")"},
                 {"class=\"diag\"", "ideal"}},
                "tl");
    Section sec;
    sec.id = id;
    sec.title = title;
    sec.state = "plot";
    sec.body = fig.str(id + "-plot", "Calibration of " + d.score_name) +
               caption("Predicted probability: " + escape(d.score_source) + ". " + std::to_string(p.size()) + " " + d.units + ", " +
                       svg::fixed(events, 0) + " events, " + std::to_string(bins) +
                       " quantile groups (hoslem.test's grouping, at least about 5 " + d.units + " per group); points: mean predicted vs observed fraction with Wilson " +
                       level_text(o.level) + " intervals. <b>Calibration intercept (in the large, glm(y ~ offset(lp))) " +
                       svg::fixed(cal.intercept, 3) + ", slope (glm(y ~ lp)) " + svg::fixed(cal.slope, 3) + "</b>.");
    sec.attrs = attr("calibration-intercept", cal.intercept) + attr("calibration-slope", cal.slope) +
                attr("calibration-slope-intercept", cal.slope_intercept) + attr("bins", bins_text);
    sec.note = "calibration: " + cal_text;
    return sec;
}

// ---------------------------------------------------------------------------------------------
Section km_section(const PatientEndpoints& d, const ReportOptions& o) {
    const std::string title = "Kaplan-Meier by risk group";
    if (d.score_name.empty()) return missing_section("km", title, d.no_score_reason);
    std::vector<double> t;
    std::vector<int> e, group;
    for (std::size_t i = 0; i < d.patient_id.size(); ++i)
        if (d.group[i] >= 0 && std::isfinite(d.time[i]) && d.event[i] >= 0) {
            t.push_back(d.time[i]);
            e.push_back(d.event[i]);
            group.push_back(d.group[i]);
        }
    if (t.empty())
        return missing_section("km", title,
                               "no survival data (metadata columns '" + o.time + "' and '" + o.event + "') for the patients with a score");
    const auto high = std::count(group.begin(), group.end(), 1);
    if (high == 0 || high == std::ptrdiff_t(group.size()))
        return missing_section("km", title,
                               "one risk group only (" + d.group_rule + ") among the " + std::to_string(group.size()) +
                                   " patients with survival data");
    const stats::LogRankResult lr = stats::log_rank(t, e, group);
    const double t_max = *std::max_element(t.begin(), t.end());
    svg::Figure fig(640, 440);
    svg::Plot plot(fig, 64, 16, 540, 360, svg::Axis{0, t_max, "time (" + o.time + ")", {}}, svg::Axis{0, 1, "survival probability", {}});
    plot.axes();
    std::vector<std::pair<std::string, std::string>> legend;
    std::string attrs;
    const char* names[2] = {"low risk", "high risk"};
    for (int gi = 0; gi < 2; ++gi) {
        std::vector<double> gt;
        std::vector<int> ge;
        for (std::size_t i = 0; i < t.size(); ++i)
            if (group[i] == gi) {
                gt.push_back(t[i]);
                ge.push_back(e[i]);
            }
        const stats::KaplanMeier km = stats::kaplan_meier(gt, ge, o.level);
        std::vector<double> xs{0}, ys{1}, lo{1}, up{1};
        for (std::size_t k = 0; k < km.time.size(); ++k) {
            xs.push_back(km.time[k]);
            ys.push_back(km.surv[k]);
            lo.push_back(std::isfinite(km.lower[k]) ? km.lower[k] : 0.0);
            up.push_back(std::isfinite(km.upper[k]) ? km.upper[k] : 1.0);
        }
        const double end = *std::max_element(gt.begin(), gt.end());
        const std::string k = std::to_string(gi);
        plot.step_band(xs, lo, up, "class=\"band" + k + "\"", end);
        plot.steps(xs, ys, "class=\"curve s" + k + "\"", end);
        for (std::size_t j = 0; j < km.time.size(); ++j)
            if (km.n_censor[j] > 0) {
                const double cx = plot.px(km.time[j]), cy = plot.py(km.surv[j]);
                fig.line(cx, cy - 4, cx, cy + 4, "class=\"censor s" + k + "\"");
            }
        const int events = int(std::count(ge.begin(), ge.end(), 1));
        legend.push_back({"class=\"curve s" + k + "\"",
                          std::string(names[gi]) + " (n = " + std::to_string(gt.size()) + ", " + std::to_string(events) + " events)"});
        attrs += attr("n-" + std::string(gi ? "high" : "low"), double(gt.size()));
    }
    const std::string lr_text = "log-rank \u03c7\u00b2 = " + svg::fixed(lr.chisq, 2) + " (df " + std::to_string(lr.df) +
                                "), p = " + svg::p_value(lr.p_value);
    legend.push_back({"class=\"nokey\"", lr_text});
    plot.legend(legend, "tr");
    Section sec;
    sec.id = "km";
    sec.title = title;
    sec.state = "plot";
    sec.body = fig.str("km-plot", "Kaplan-Meier curves by risk group of " + d.score_name) +
               caption("Risk groups: " + escape(d.group_rule) + "; score: " + escape(d.score_source) + ". " + std::to_string(t.size()) +
                       " patients with '" + escape(o.time) + "' and '" + escape(o.event) +
                       "'. Steps: Kaplan-Meier estimates (survfit), bands: " + level_text(o.level) +
                       " log-scale intervals, ticks: censored times. <b>" + escape(lr_text) + "</b> (survdiff).");
    sec.attrs = attrs + attr("logrank-chisq", lr.chisq) + attr("logrank-p", lr.p_value) + attr("threshold", d.threshold);
    sec.note = "km: " + lr_text;
    return sec;
}

// ---------------------------------------------------------------------------------------------
Section icc_section(const IccChart& chart, const std::string& missing_reason) {
    const std::string title = "Feature robustness (ICC)";
    if (chart.bars.empty()) return missing_section("icc", title, missing_reason);
    std::vector<IccBar> bars = chart.bars;
    std::stable_sort(bars.begin(), bars.end(), [](const IccBar& a, const IccBar& b) { return a.icc > b.icc; });
    double lo = 0;
    for (const auto& b : bars) lo = std::min(lo, std::isfinite(b.lower) ? b.lower : b.icc);
    lo = std::floor(lo * 10) / 10;
    std::size_t longest = 0;
    for (const auto& b : bars) longest = std::max(longest, b.feature.size());
    const double row = 13, label_w = std::min(320.0, 6.0 * double(longest) + 12), plot_w = 420;
    const double plot_h = row * double(bars.size());
    svg::Figure fig(label_w + plot_w + 40, plot_h + 70);
    svg::Plot plot(fig, label_w + 10, 10, plot_w, plot_h, svg::Axis{lo, 1, chart.form + " with " + "CI", {}},
                   svg::Axis{0, double(bars.size()), "", {0}, false});
    plot.axes();
    std::size_t robust = 0;
    for (std::size_t i = 0; i < bars.size(); ++i) {
        const auto& b = bars[i];
        robust += b.robust;
        const double top = plot.py(double(bars.size() - i)), y_mid = top + row / 2;
        const double x0 = plot.px(std::max(lo, 0.0)), x1 = plot.px(std::max(lo, b.icc));
        fig.rect(std::min(x0, x1), top + 2, std::fabs(x1 - x0), row - 4, b.robust ? "class=\"bar robust\"" : "class=\"bar\"",
                 b.feature + ": " + chart.form + " " + svg::fixed(b.icc, 3) + " [" + svg::fixed(b.lower, 3) + ", " +
                     svg::fixed(b.upper, 3) + "]" + (b.robust ? ", robust" : ""));
        if (std::isfinite(b.lower) && std::isfinite(b.upper))
            fig.line(plot.px(std::max(lo, b.lower)), y_mid, plot.px(std::min(1.0, b.upper)), y_mid, "class=\"whisker\"");
        fig.text(label_w + 4, y_mid + 4, b.feature, "end", "class=\"rowlabel\"");
    }
    fig.line(plot.px(chart.threshold), 10, plot.px(chart.threshold), 10 + plot_h, "class=\"threshold\"");
    Section sec;
    sec.id = "icc";
    sec.title = title;
    sec.state = "plot";
    sec.body = fig.str("icc-plot", chart.form + " per feature") +
               caption(std::to_string(bars.size()) + " features, " + std::to_string(robust) + " robust (" + escape(chart.criterion) +
                       " &ge; " + svg::sig(chart.threshold, 4) + ", dashed line; robust bars dark). Bars: " + escape(chart.form) +
                       " (psych::ICC), whiskers: its confidence interval; sorted by ICC.");
    sec.attrs = attr("features", double(bars.size())) + attr("robust", double(robust)) + attr("form", chart.form);
    sec.note = "icc: " + std::to_string(bars.size()) + " features, " + std::to_string(robust) + " robust";
    return sec;
}

}  // namespace radhpc::report::report_detail
