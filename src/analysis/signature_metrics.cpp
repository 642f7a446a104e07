// Signature scoring, metrics: lesion and patient level against the 0/1 outcome (AUC with DeLong
// CI, the 2x2 table at the threshold with exact intervals, likelihood ratios).
#include "signature_internal.hpp"

namespace radhpc::analysis::signature_detail {

void add_metrics(store::SignatureResult& r, const std::string& level, const stats::SignatureMetrics& m) {
    auto row = [&](const std::string& metric, double est, double lo, double hi, const std::string& method) {
        r.metrics.push_back({level, metric, est, lo, hi, method});
    };
    auto count = [&](const std::string& metric, std::int64_t v) { row(metric, double(v), kNaN, kNaN, "count"); };
    count("n", m.n);
    count("cases", m.cases);
    count("controls", m.controls);
    if (m.auc_defined) row("auc", m.auc.auc, m.auc.lower, m.auc.upper, "DeLong");
    const auto& d = m.at_threshold;
    row("threshold", d.threshold, kNaN, kNaN, "job");
    count("true_positive", d.true_positive);
    count("false_positive", d.false_positive);
    count("true_negative", d.true_negative);
    count("false_negative", d.false_negative);
    const std::pair<const char*, stats::Estimate> props[] = {
        {"sensitivity", d.sensitivity}, {"specificity", d.specificity}, {"ppv", d.ppv}, {"npv", d.npv}};
    for (const auto& [name, e] : props) row(name, e.estimate, e.lower, e.upper, "Clopper-Pearson exact");
    row("lr_positive", d.lr_positive.estimate, d.lr_positive.lower, d.lr_positive.upper, "log method (Simel 1991)");
    row("lr_negative", d.lr_negative.estimate, d.lr_negative.lower, d.lr_negative.upper, "log method (Simel 1991)");
}

void outcome_metrics(const stats::SignatureSpec& spec, bool outcome_seen, store::SignatureResult& r, std::set<std::string>& notes) {
    if (spec.outcome_column.empty()) return;
    if (!outcome_seen) {
        notes.insert("no '" + spec.outcome_column + "' column in the manifest metadata: no metrics");
        return;
    }
    // the rows (lesions or patients) with both a class and a 0/1 outcome
    auto level_metrics = [&](const std::string& level, auto const& items) {
        std::vector<double> scores;
        std::vector<int> classes, outcome;
        for (const auto& it : items)
            if (it.cls >= 0 && it.outcome >= 0) {
                scores.push_back(it.score);
                classes.push_back(int(it.cls));
                outcome.push_back(int(it.outcome));
            }
        if (scores.empty()) {
            notes.insert("no " + level + " with both a score and a 0/1 outcome: no " + level + " metrics");
            return;
        }
        add_metrics(r, level, stats::signature_metrics(spec, scores, classes, outcome));
    };
    level_metrics("lesion", r.lesions);
    level_metrics("patient", r.patients);
}

}  // namespace radhpc::analysis::signature_detail
