// Signature scoring, per patient: the aggregation of a patient's lesion scores with its class,
// outcome and follow-up, and the patient model (a second model on the patient score and manifest
// columns).
#include <map>

#include "signature_internal.hpp"

namespace radhpc::analysis::signature_detail {
namespace {

// Follow-up: the value shared by the patient's studies (differing values: unknown).
std::optional<std::string> shared_value(const StudyMetadata& meta, const std::set<std::string>& studies, const std::string& column) {
    std::set<std::string> values;
    for (const auto& s : studies)
        if (auto v = meta.value(s, column); v && !v->empty()) values.insert(*v);
    if (values.size() == 1) return *values.begin();
    return std::nullopt;
}

// A patient-model term from the manifest: the one number the patient's studies share.
double shared_number(const StudyMetadata& meta, const std::set<std::string>& studies, const std::string& column, std::string& problem) {
    std::set<std::string> values;
    for (const auto& sid : studies) {
        const store::StudyRecord* s = meta.study(sid);
        if (!s) continue;
        for (const auto& [k, v] : s->metadata)
            if (k == column && !v.empty()) values.insert(v);
    }
    if (values.size() != 1) {
        problem = values.empty() ? "no '" + column + "' value" : "'" + column + "' differs between the patient's studies";
        return kNaN;
    }
    try {
        std::size_t used = 0;
        const double v = std::stod(*values.begin(), &used);
        if (used == values.begin()->size()) return v;
    } catch (const std::exception&) {
    }
    problem = "'" + column + "' = '" + *values.begin() + "' is not a number";
    return kNaN;
}

// The patient model's score of one patient: lp = b0 + sum b_k x_k in term order; NaN and `problem`
// set when a term has no value.
double patient_model_score(const stats::PatientModel& pm, const store::SignaturePatientRow& mp, const StudyMetadata& meta,
                           const std::set<std::string>& studies, std::string& problem) {
    double lp = *pm.intercept;
    for (const auto& t : pm.terms) {
        double x = kNaN;
        if (t.term == stats::kSignatureScoreTerm) {
            if (mp.cls >= 0) x = mp.score;
            else problem = "the patient has no signature score";
        } else {
            x = shared_number(meta, studies, t.term, problem);
        }
        if (!problem.empty()) return kNaN;
        lp += *t.coefficient * x;
    }
    return stats::apply_link(pm.link, lp);
}

}  // namespace

void aggregate_patients(const stats::SignatureSpec& spec, const StudyMetadata& meta, store::SignatureResult& r, std::set<std::string>& notes) {
    std::map<std::string, std::vector<const store::SignatureLesionRow*>> by_patient;  // lesions in table order
    for (const auto& l : r.lesions) by_patient[l.patient_id].push_back(&l);
    for (const auto& [pid, lesions] : by_patient) {
        store::SignaturePatientRow p;
        p.patient_id = pid;
        std::vector<double> scores;
        std::set<std::int64_t> outcomes;
        std::set<std::string> studies;
        for (const auto* l : lesions) {
            studies.insert(l->study_id);
            if (l->cls < 0) {
                ++p.lesions_failed;
                continue;
            }
            scores.push_back(l->score);
            if (l->outcome >= 0) outcomes.insert(l->outcome);  // unknown (e.g. a follow-up study without the column) does not conflict
        }
        p.lesions = std::int64_t(scores.size());
        const auto a = stats::aggregate_scores(scores);
        p.mean = a.mean;
        p.median = a.median;
        p.min = a.min;
        p.max = a.max;
        p.score = a.of(spec.aggregation);
        if (!scores.empty()) {
            p.cls = stats::classify(spec, p.score);
            p.label = p.cls ? spec.positive_label : spec.negative_label;
        } else {
            p.message = "no lesion of the patient could be scored";
        }
        if (outcomes.size() == 1) p.outcome = *outcomes.begin();
        else if (outcomes.size() > 1) {
            p.message += std::string(p.message.empty() ? "" : "; ") + "outcome differs between the patient's lesions or studies";
            notes.insert("patients with conflicting outcomes are left out of the patient metrics");
        }
        p.time = kNaN;
        if (auto v = shared_value(meta, studies, spec.time_column)) {
            try {
                p.time = std::stod(*v);
            } catch (const std::exception&) {
            }
        }
        if (auto v = shared_value(meta, studies, spec.event_column)) p.event = binary_of(*v);
        r.patients.push_back(std::move(p));
    }
}

store::SignatureResult score_patient_model(const store::Contents& c, const stats::SignatureSpec& spec, const store::SignatureResult& main,
                                          const std::string& job_path) {
    const auto& pm = *spec.patient_model;
    store::SignatureResult r;
    r.name = spec.name + "/" + pm.name;
    r.source = spec.source;
    r.spec = main.spec;
    r.job = job_path;
    r.computed_at = main.computed_at;
    r.table_hash = main.table_hash;
    r.link = stats::to_string(pm.link);
    r.aggregation = "patient model";
    r.rule = stats::to_string(pm.rule);
    r.outcome_column = spec.outcome_column;
    r.positive_label = pm.positive_label;
    r.negative_label = pm.negative_label;
    r.threshold = pm.threshold;
    r.level = spec.level;
    const auto refusal = stats::patient_model_refusal_message(spec);
    if (main.status != "scored") {
        r.status = "refused";
        r.message = "needs the signature '" + spec.name + "' scored first" + (refusal.empty() ? "" : "; also: " + refusal);
        return r;
    }
    if (!refusal.empty()) {
        r.status = "refused";
        r.message = refusal;
        return r;
    }
    // manifest columns of a patient: the value shared by the patient's studies
    const StudyMetadata meta(c);
    std::map<std::string, std::set<std::string>> studies_of_patient;
    for (const auto& l : main.lesions) studies_of_patient[l.patient_id].insert(l.study_id);
    std::vector<double> scores;
    std::vector<int> classes, outcome;
    for (const auto& mp : main.patients) {
        store::SignaturePatientRow p;
        p.patient_id = mp.patient_id;
        p.lesions = mp.lesions;
        p.lesions_failed = mp.lesions_failed;
        p.mean = p.median = p.min = p.max = kNaN;
        p.outcome = mp.outcome;
        p.time = mp.time;
        p.event = mp.event;
        std::string problem;
        const double score = patient_model_score(pm, mp, meta, studies_of_patient[mp.patient_id], problem);
        if (problem.empty()) {
            p.score = score;
            p.cls = stats::classify(pm.rule, pm.threshold, p.score);
            p.label = p.cls ? pm.positive_label : pm.negative_label;
            if (p.outcome >= 0) {
                scores.push_back(p.score);
                classes.push_back(int(p.cls));
                outcome.push_back(int(p.outcome));
            }
        } else {
            p.score = kNaN;
            p.message = problem;
        }
        r.patients.push_back(std::move(p));
    }
    r.status = "scored";
    if (!spec.outcome_column.empty() && !scores.empty())
        add_metrics(r, "patient", stats::signature_metrics(pm.rule, pm.threshold, spec.level, scores, classes, outcome));
    return r;
}

}  // namespace radhpc::analysis::signature_detail
