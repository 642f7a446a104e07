// radhpc report's data: each patient's score and endpoints from the store (metadata, patient
// table, feature columns or a stored signature) and the risk groups of the Kaplan-Meier plot.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/report/svg.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "report_internal.hpp"

namespace radhpc::report::report_detail {
namespace {

std::string trim(const std::string& s) { return text::trim(s, " \t\r\n"); }

// A whole-string finite number, or NaN.
double parse_number(const std::string& text) {
    const std::string s = trim(text);
    if (s.empty()) return std::nan("");
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nan("");
    return v;
}

// The manifest metadata of each patient: first non-empty value in study-id order.
struct PatientMetadata {
    std::map<std::string, std::map<std::string, std::string>> values;               // patient -> key -> value
    std::map<std::string, std::map<std::string, std::vector<double>>> score_numbers;  // for a metadata score
    std::set<std::string> keys;                                                      // every key of any study
    std::set<std::string> disagreements;                                             // on an endpoint column
};

PatientMetadata read_metadata(const store::Contents& c, const ReportOptions& o) {
    PatientMetadata pm;
    std::vector<const store::StudyRecord*> studies;
    for (const auto& s : c.studies)
        if (s.perturbation == "none") studies.push_back(&s);  // sweeps: one record per perturbation, same metadata
    std::stable_sort(studies.begin(), studies.end(), [](auto* a, auto* b) { return a->study_id < b->study_id; });
    for (const auto* s : studies) {
        auto& m = pm.values[s->patient_id];
        for (const auto& [k, v0] : s->metadata) {
            const std::string v = trim(v0);
            pm.keys.insert(k);
            if (v.empty()) continue;
            if (k == o.score) pm.score_numbers[s->patient_id][k].push_back(parse_number(v));
            const auto it = m.find(k);
            if (it == m.end())
                m[k] = v;
            else if (it->second != v && (k == o.outcome || k == o.time || k == o.event))
                pm.disagreements.insert("patient " + s->patient_id + ": studies disagree on '" + k + "' (the first study's value is used)");
        }
    }
    return pm;
}

using Scores = std::map<std::string, double>;                                       // patient -> score
using SignatureRows = std::map<std::string, const store::SignaturePatientRow*>;  // patient -> row

std::string no_scores_text(const store::SignatureResult& sig) {
    return "signature '" + sig.name + "' has no scores (" + sig.status + (sig.message.empty() ? "" : ": " + sig.message) + ")";
}

// The --signature, else the first scored one by name, a signature before a patient model ("<sig>/<model>").
const store::SignatureResult* choose_signature(const store::Contents& c, const ReportOptions& o) {
    const store::SignatureResult* chosen = nullptr;
    if (!o.signature.empty()) {
        for (const auto& sig : c.signatures)
            if (sig.name == o.signature) chosen = &sig;
        if (!chosen) throw Error(ErrorKind::settings, "report --signature " + o.signature + ": no signature of that name in the store");
        return chosen;
    }
    for (const auto& sig : c.signatures)
        if (!chosen && sig.status == "scored" && sig.name.find('/') == std::string::npos) chosen = &sig;
    for (const auto& sig : c.signatures)
        if (!chosen && sig.status == "scored") chosen = &sig;
    return chosen;
}

// Without --score: the patient scores of the store's signature.
void signature_scores(const store::Contents& c, const ReportOptions& o, PatientEndpoints& d, Scores& score, SignatureRows& rows) {
    if (!o.score.empty() || c.signatures.empty()) return;
    const store::SignatureResult* chosen = choose_signature(c, o);
    if (!chosen) {
        d.no_score_reason = no_scores_text(c.signatures.front());
    } else if (chosen->status != "scored") {
        d.no_score_reason = no_scores_text(*chosen);
    } else {
        d.signature = chosen;
        d.score_name = chosen->name;
        d.score_source = "signature '" + chosen->name + "' patient scores (" + chosen->aggregation + " of the lesion scores, link " + chosen->link + ")";
        for (const auto& row : chosen->patients) {
            score[row.patient_id] = row.score;
            rows[row.patient_id] = &row;
        }
    }
}

// --score COL: a metadata column (mean over the patient's studies), else a patient-table column,
// else a feature (the patient table's mean over the patient's lesions).
void column_scores(const store::Contents& c, const ReportOptions& o, const PatientMetadata& pm, PatientEndpoints& d, Scores& score) {
    if (o.score.empty()) return;
    d.score_name = o.score;
    if (pm.keys.count(o.score)) {
        d.score_source = "metadata column '" + o.score + "' (mean over the patient's studies)";
        for (const auto& [pid, m] : pm.score_numbers) {
            const auto& v = m.at(o.score);
            double sum = 0;
            for (double x : v) sum += x;  // NaN (a non-number) makes the patient's score missing
            score[pid] = sum / double(v.size());
        }
        return;
    }
    const store::PatientTable pt = c.patients.patient_ids.empty() ? store::patient_table(c) : c.patients;
    auto col = std::find(pt.columns.begin(), pt.columns.end(), o.score);
    if (col != pt.columns.end()) {
        d.score_source = "patient-table column '" + o.score + "'";
    } else if (std::find(c.features.columns.begin(), c.features.columns.end(), o.score) != c.features.columns.end()) {
        col = std::find(pt.columns.begin(), pt.columns.end(), o.score + "_mean");
        d.score_source = "feature '" + o.score + "', mean over the patient's lesions";
    }
    if (col == pt.columns.end())
        throw Error(ErrorKind::settings, "report --score " + o.score + ": no metadata, patient-table or feature column of that name");
    const std::size_t j = std::size_t(col - pt.columns.begin()), nc = pt.columns.size();
    for (std::size_t i = 0; i < pt.patient_ids.size(); ++i) score[pt.patient_ids[i]] = pt.values[i * nc + j];
}

// One row per patient (ascending id): score, and endpoints from the metadata unless the
// signature's own (its outcome, time and event columns) are there. Bad values become issues.
void patient_rows(PatientMetadata& pm, const Scores& score, const SignatureRows& signature_rows, const ReportOptions& o,
                  PatientEndpoints& d) {
    std::set<std::string> patients;
    if (!d.signature)  // a signature's patients are its rows
        for (const auto& [pid, m] : pm.values) patients.insert(pid);
    for (const auto& [pid, v] : score) patients.insert(pid);
    std::vector<std::string> bad_values;
    for (const auto& pid : patients) {
        d.patient_id.push_back(pid);
        const auto sc = score.find(pid);
        d.score.push_back(sc == score.end() ? std::nan("") : sc->second);
        const auto& m = pm.values[pid];
        auto binary = [&](const std::string& key) {
            const auto it = m.find(key);
            if (it == m.end()) return -1;
            const double v = parse_number(it->second);
            if (v == 0 || v == 1) return int(v);
            bad_values.push_back("patient " + pid + ": " + key + " '" + it->second + "' is not 0/1");
            return -1;
        };
        d.outcome.push_back(binary(o.outcome));
        d.event.push_back(binary(o.event));
        const auto tt = m.find(o.time);
        double time = tt == m.end() ? std::nan("") : parse_number(tt->second);
        if (tt != m.end() && !(time >= 0)) {
            bad_values.push_back("patient " + pid + ": " + o.time + " '" + tt->second + "' is not a non-negative number");
            time = std::nan("");
        }
        d.time.push_back(time);
        const auto sr = signature_rows.find(pid);
        if (sr != signature_rows.end()) {
            const auto& row = *sr->second;
            // the signature's outcome (-1: unknown or conflicting across the patient's lesions, left
            // out as in its own patient metrics)
            d.outcome.back() = row.outcome == 0 || row.outcome == 1 ? int(row.outcome) : -1;
            if (std::isfinite(row.time) && (row.event == 0 || row.event == 1)) {
                d.time.back() = row.time;
                d.event.back() = int(row.event);
            }
        }
    }
    d.issues.insert(d.issues.end(), bad_values.begin(), bad_values.end());
}

// Direction and risk groups: the signature's rule and classes at its threshold, else the score
// against --threshold or the median.
void risk_groups(const SignatureRows& signature_rows, const ReportOptions& o, PatientEndpoints& d) {
    std::vector<double> finite;
    for (double v : d.score)
        if (std::isfinite(v)) finite.push_back(v);
    d.score_is_probability = !finite.empty() && std::all_of(finite.begin(), finite.end(), [](double v) { return v > 0 && v < 1; });
    // direction: the option, else the signature's rule (">"/">=": higher scores positive)
    const bool rule_lower = d.signature && (d.signature->rule == "<" || d.signature->rule == "<=");
    d.direction = !o.direction.empty() ? o.direction : rule_lower ? ">" : "<";
    if (d.signature && d.signature->link == "linear") d.score_is_probability = false;
    const bool higher_is_risk = d.direction != ">";
    if (d.signature && !std::isfinite(o.threshold)) {
        d.threshold = d.signature->threshold;
        d.group_rule = "high = the signature's positive class (score " + d.signature->rule + " " + svg::sig(d.threshold, 6) + ")";
        for (const auto& pid : d.patient_id) {
            const auto sr = signature_rows.find(pid);
            d.group.push_back(sr == signature_rows.end() || sr->second->cls < 0 ? -1 : int(sr->second->cls));
        }
    } else {
        d.threshold = std::isfinite(o.threshold) ? o.threshold : stats::quantile_type7(finite, 0.5);
        d.group_rule = "high = score " + std::string(higher_is_risk ? ">= " : "<= ") + svg::sig(d.threshold, 6) +
                       (std::isfinite(o.threshold) ? " (--threshold)" : " (the median score)");
        for (double v : d.score)
            d.group.push_back(!std::isfinite(v) ? -1 : higher_is_risk ? (v >= d.threshold ? 1 : 0) : (v <= d.threshold ? 1 : 0));
    }
}

}  // namespace

PatientEndpoints collect_endpoints(const store::Contents& c, const ReportOptions& o) {
    PatientEndpoints d;
    PatientMetadata pm = read_metadata(c, o);
    d.issues.assign(pm.disagreements.begin(), pm.disagreements.end());
    Scores score;
    SignatureRows signature_rows;
    d.no_score_reason = "no signature scores in this store (radhpc report --score COL plots a metadata, patient-table or feature column)";
    signature_scores(c, o, d, score, signature_rows);
    column_scores(c, o, pm, d, score);
    patient_rows(pm, score, signature_rows, o, d);
    risk_groups(signature_rows, o, d);
    return d;
}

}  // namespace radhpc::report::report_detail
