#include "radhpc/stats/signature.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "radhpc/core/error.hpp"

namespace radhpc::stats {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string join(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
    return s;
}
}  // namespace

std::vector<std::string> missing_inputs(const SignatureSpec& spec) {
    std::vector<std::string> missing;
    if (spec.terms.empty()) missing.push_back("signature.features (no feature terms)");
    std::vector<std::string> no_coefficient, no_standardisation;
    for (const auto& t : spec.terms) {
        if (!t.coefficient) no_coefficient.push_back(t.feature);
        if (spec.standardisation_required && (!t.mean || !t.sd)) no_standardisation.push_back(t.feature);
    }
    if (!no_coefficient.empty())
        missing.push_back("signature.coefficients or signature.coefficients_csv (no coefficient for " + join(no_coefficient) + ")");
    if (!spec.intercept) missing.push_back("signature.intercept");
    if (!no_standardisation.empty())
        missing.push_back("signature.standardisation (mean and sd of " +
                          (no_standardisation.size() == spec.terms.size() && spec.terms.size() > 3
                               ? "every feature term, " + std::to_string(spec.terms.size()) + " features"
                               : join(no_standardisation)) +
                          ")");
    return missing;
}

std::string refusal_message(const SignatureSpec& spec) {
    const auto missing = missing_inputs(spec);
    if (missing.empty()) return {};
    std::string msg = "signature '" + spec.name + "'" + (spec.origin.empty() ? "" : " (" + spec.origin + ")") +
                      " cannot score: not published or not given; supply ";
    for (std::size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
    if (!spec.fit_hint.empty()) msg += ". " + spec.fit_hint;
    return msg;
}

std::vector<std::string> missing_patient_model_inputs(const SignatureSpec& spec) {
    std::vector<std::string> missing;
    if (!spec.patient_model) return missing;
    std::vector<std::string> no_coefficient;
    for (const auto& t : spec.patient_model->terms)
        if (!t.coefficient) no_coefficient.push_back(t.term);
    if (!no_coefficient.empty()) missing.push_back("signature.patient_model.terms[].value (no coefficient for " + join(no_coefficient) + ")");
    if (!spec.patient_model->intercept) missing.push_back("signature.patient_model.intercept");
    return missing;
}

std::string patient_model_refusal_message(const SignatureSpec& spec) {
    const auto missing = missing_patient_model_inputs(spec);
    if (missing.empty()) return {};
    std::string msg = "patient model '" + spec.name + "/" + spec.patient_model->name + "' cannot score: not published or not given; supply ";
    for (std::size_t i = 0; i < missing.size(); ++i) msg += (i ? "; " : "") + missing[i];
    return msg;
}

double apply_link(SignatureLink link, double lp) {
    // logistic: 1 / (1 + exp(-lp)), the expression of R's plogis (so scores equal R's)
    if (link == SignatureLink::linear) return lp;
    return 1.0 / (1.0 + std::exp(-lp));
}

LesionScore score_lesion(const SignatureSpec& spec, std::span<const double> x, const std::string& level) {
    LesionScore s;
    if (!missing_inputs(spec).empty()) throw Error(ErrorKind::settings, refusal_message(spec));
    if (x.size() != spec.terms.size()) throw Error(ErrorKind::internal, "score_lesion: feature values and terms differ in length");
    // lp = b0 + sum_j b_j z_j (+ b_level): summed in term order, so the result is reproducible
    double lp = *spec.intercept;
    for (std::size_t j = 0; j < x.size(); ++j) {
        const auto& t = spec.terms[j];
        double v = x[j];
        if (std::isnan(v)) {
            s.message = "feature " + t.feature + " has no value for this lesion";
            s.linear_predictor = s.score = kNaN;
            return s;
        }
        if (t.transform == FeatureTransform::log) {
            if (!(v > 0)) {
                s.message = "feature " + t.feature + " = " + std::to_string(v) + ": the log transform needs a positive value";
                s.linear_predictor = s.score = kNaN;
                return s;
            }
            v = std::log(v);
        }
        if (t.mean && t.sd) v = (v - *t.mean) / *t.sd;
        lp += *t.coefficient * v;
    }
    if (spec.category) {
        std::string lv = level;
        for (const auto& [alias, target] : spec.category->map)
            if (alias == lv) {
                lv = target;
                break;
            }
        if (lv != spec.category->reference) {
            auto it = std::find_if(spec.category->levels.begin(), spec.category->levels.end(),
                                   [&](const auto& p) { return p.first == lv; });
            if (it == spec.category->levels.end()) {
                std::string known = spec.category->reference;
                for (const auto& p : spec.category->levels) known += ", " + p.first;
                s.message = spec.category->column + " '" + level + "' has no coefficient (levels: " + known +
                            "; map it with signature.category.map)";
                s.linear_predictor = s.score = kNaN;
                return s;
            }
            lp += it->second;
        }
    }
    s.linear_predictor = lp;
    s.score = apply_link(spec.link, lp);
    s.ok = std::isfinite(s.score);
    if (!s.ok) s.message = "score is not finite";
    return s;
}

double AggregateScores::of(ScoreAggregation a) const {
    switch (a) {
        case ScoreAggregation::mean: return mean;
        case ScoreAggregation::median: return median;
        case ScoreAggregation::min: return min;
        case ScoreAggregation::max: return max;
    }
    return mean;
}

AggregateScores aggregate_scores(std::span<const double> values) {
    AggregateScores a;
    if (values.empty()) {
        a.mean = a.median = a.min = a.max = kNaN;
        return a;
    }
    double sum = 0;
    for (double v : values) sum += v;
    std::vector<double> sorted(values.begin(), values.end());
    std::sort(sorted.begin(), sorted.end());
    const std::size_t n = sorted.size();
    a.mean = sum / double(n);
    a.median = n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);  // R's median
    a.min = sorted.front();
    a.max = sorted.back();
    return a;
}

int classify(ClassRule rule, double threshold, double score) {
    switch (rule) {
        case ClassRule::greater: return score > threshold;
        case ClassRule::greater_equal: return score >= threshold;
        case ClassRule::less: return score < threshold;
        case ClassRule::less_equal: return score <= threshold;
    }
    return 0;
}

int classify(const SignatureSpec& spec, double score) { return classify(spec.rule, spec.threshold, score); }

SignatureMetrics signature_metrics(const SignatureSpec& spec, std::span<const double> scores, std::span<const int> classes,
                                   std::span<const int> outcome) {
    return signature_metrics(spec.rule, spec.threshold, spec.level, scores, classes, outcome);
}

SignatureMetrics signature_metrics(ClassRule rule, double threshold, double level, std::span<const double> scores,
                                   std::span<const int> classes, std::span<const int> outcome) {
    if (scores.size() != classes.size() || scores.size() != outcome.size())
        throw Error(ErrorKind::internal, "signature_metrics: lengths differ");
    SignatureMetrics m;
    m.n = std::int64_t(scores.size());
    std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    for (std::size_t i = 0; i < scores.size(); ++i) {
        if (outcome[i] != 0 && outcome[i] != 1) throw Error(ErrorKind::invalid_input, "signature_metrics: outcome must be 0 or 1");
        if (outcome[i] == 1) (classes[i] ? tp : fn)++;
        else (classes[i] ? fp : tn)++;
    }
    m.cases = tp + fn;
    m.controls = tn + fp;
    // positive class = high scores for > / >=: pROC direction "<" (controls lower)
    const bool high_positive = rule == ClassRule::greater || rule == ClassRule::greater_equal;
    if (m.cases > 0 && m.controls > 0) {
        m.auc = delong_ci(scores, outcome, level, high_positive ? Direction::controls_lower : Direction::controls_higher);
        m.auc_defined = true;
    }
    m.at_threshold = diagnostic_metrics_from_counts(tp, fp, tn, fn, level);
    m.at_threshold.threshold = threshold;
    return m;
}

const char* to_string(ScoreAggregation a) {
    switch (a) {
        case ScoreAggregation::mean: return "mean";
        case ScoreAggregation::median: return "median";
        case ScoreAggregation::min: return "min";
        case ScoreAggregation::max: return "max";
    }
    return "?";
}
const char* to_string(SignatureLink l) { return l == SignatureLink::logistic ? "logistic" : "linear"; }
const char* to_string(ClassRule r) {
    switch (r) {
        case ClassRule::greater: return ">";
        case ClassRule::greater_equal: return ">=";
        case ClassRule::less: return "<";
        case ClassRule::less_equal: return "<=";
    }
    return "?";
}
const char* to_string(FeatureTransform t) { return t == FeatureTransform::log ? "log" : "none"; }

}  // namespace radhpc::stats
