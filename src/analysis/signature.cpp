// Signature scoring of a store: the job's `signature` section applied to the feature table
// (perturbation "none" rows), lesion -> patient aggregation, classes, metrics against the outcome.
#include "radhpc/analysis/signature.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <unordered_map>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/io/signature_io.hpp"
#include "radhpc/store/hash.hpp"

namespace radhpc::analysis {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double now_unix() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using text::csv_cell;

// missing numbers are empty cells
std::string fmt17(double v) { return std::isnan(v) ? std::string() : text::format17(v); }

// A manifest cell that may hold one value for the whole study, one value per lesion separated by
// ';' (in ascending lesion number), or explicit "lesion:value" pairs. Returns the value of
// `lesion`; `problem` is set when the cell cannot be read for it.
std::string lesion_value(const std::string& cell, int lesion, const std::vector<int>& study_lesions, std::string& problem) {
    problem.clear();
    if (cell.find(';') == std::string::npos && cell.find(':') == std::string::npos) return cell;
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const auto end = cell.find(';', start);
        std::string item = cell.substr(start, end == std::string::npos ? std::string::npos : end - start);
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        items.push_back(item);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    if (cell.find(':') != std::string::npos) {
        for (const auto& item : items) {
            const auto colon = item.find(':');
            if (colon == std::string::npos) {
                problem = "'" + cell + "': mixes 'lesion:value' pairs with plain values";
                return {};
            }
            if (item.substr(0, colon) == std::to_string(lesion)) return item.substr(colon + 1);
        }
        problem = "'" + cell + "' has no entry for lesion " + std::to_string(lesion);
        return {};
    }
    if (items.size() != study_lesions.size()) {
        problem = "'" + cell + "' has " + std::to_string(items.size()) + " values for " + std::to_string(study_lesions.size()) +
                  " lesions (use 'lesion:value' pairs)";
        return {};
    }
    const auto pos = std::find(study_lesions.begin(), study_lesions.end(), lesion) - study_lesions.begin();
    return items[std::size_t(pos)];
}

int binary_of(const std::string& v) {
    if (v == "1" || v == "1.0") return 1;
    if (v == "0" || v == "0.0") return 0;
    return -1;
}

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


}  // namespace

std::string signature_summary_line(const store::SignatureResult& r) {
    if (r.status != "scored") return "signature '" + r.name + "': not scored: " + r.message;
    std::size_t scored = 0;
    for (const auto& l : r.lesions) scored += l.cls >= 0;
    std::size_t patients = 0;
    for (const auto& p : r.patients) patients += p.cls >= 0;
    std::string s = "signature '" + r.name + "': " +
                    (r.lesions.empty() ? std::string()
                                       : std::to_string(scored) + " of " + std::to_string(r.lesions.size()) + " lesions and ") +
                    std::to_string(patients) + " of " + std::to_string(r.patients.size()) + " patients scored";
    for (const auto& m : r.metrics)
        if (m.metric == "auc" && m.level == "patient") {
            char buf[96];
            std::snprintf(buf, sizeof buf, "; patient AUC %.3f [%.3f, %.3f]", m.estimate, m.lower, m.upper);
            s += buf;
        }
    if (!r.message.empty()) s += " (" + r.message + ")";
    return s;
}

std::string signature_table_hash(const store::Contents& c) {
    // the study records (their content hash changes with inputs and settings) in store order
    std::string key;
    for (const auto& s : c.studies) key += s.study_id + '\x1f' + s.content_hash + '\x1f' + s.status + '\x1e';
    return store::to_hex(store::xxh64(key.data(), key.size()));
}

std::string spec_yaml(const stats::SignatureSpec& spec) {
    YAML::Emitter e;
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << spec.name;
    if (!spec.source.empty()) e << YAML::Key << "source" << YAML::Value << spec.source;
    if (spec.intercept) e << YAML::Key << "intercept" << YAML::Value << fmt17(*spec.intercept);
    e << YAML::Key << "terms" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : spec.terms) {
        e << YAML::Flow << YAML::BeginMap << YAML::Key << "feature" << YAML::Value << t.feature;
        if (t.coefficient) e << YAML::Key << "coefficient" << YAML::Value << fmt17(*t.coefficient);
        if (t.mean) e << YAML::Key << "mean" << YAML::Value << fmt17(*t.mean);
        if (t.sd) e << YAML::Key << "sd" << YAML::Value << fmt17(*t.sd);
        if (t.transform != stats::FeatureTransform::none) e << YAML::Key << "transform" << YAML::Value << stats::to_string(t.transform);
        e << YAML::EndMap;
    }
    e << YAML::EndSeq;
    if (spec.category) {
        e << YAML::Key << "category" << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "column" << YAML::Value << spec.category->column;
        e << YAML::Key << "reference" << YAML::Value << spec.category->reference;
        e << YAML::Key << "levels" << YAML::Value << YAML::Flow << YAML::BeginMap;
        for (const auto& [lv, b] : spec.category->levels) e << YAML::Key << lv << YAML::Value << fmt17(b);
        e << YAML::EndMap;
        if (!spec.category->map.empty()) {
            e << YAML::Key << "map" << YAML::Value << YAML::Flow << YAML::BeginMap;
            for (const auto& [from, to] : spec.category->map) e << YAML::Key << from << YAML::Value << to;
            e << YAML::EndMap;
        }
        e << YAML::EndMap;
    }
    e << YAML::Key << "standardisation_required" << YAML::Value << spec.standardisation_required;
    e << YAML::Key << "link" << YAML::Value << stats::to_string(spec.link);
    e << YAML::Key << "aggregation" << YAML::Value << stats::to_string(spec.aggregation);
    e << YAML::Key << "threshold" << YAML::Value << fmt17(spec.threshold);
    e << YAML::Key << "positive_if" << YAML::Value << stats::to_string(spec.rule);
    e << YAML::Key << "labels" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "positive" << YAML::Value
      << spec.positive_label << YAML::Key << "negative" << YAML::Value << spec.negative_label << YAML::EndMap;
    if (!spec.outcome_column.empty()) e << YAML::Key << "outcome" << YAML::Value << spec.outcome_column;
    if (!spec.time_column.empty()) e << YAML::Key << "time" << YAML::Value << spec.time_column;
    if (!spec.event_column.empty()) e << YAML::Key << "event" << YAML::Value << spec.event_column;
    e << YAML::Key << "level" << YAML::Value << fmt17(spec.level);
    if (const auto& pm = spec.patient_model) {
        e << YAML::Key << "patient_model" << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "name" << YAML::Value << pm->name;
        if (pm->intercept) e << YAML::Key << "intercept" << YAML::Value << fmt17(*pm->intercept);
        e << YAML::Key << "terms" << YAML::Value << YAML::BeginSeq;
        for (const auto& t : pm->terms) {
            e << YAML::Flow << YAML::BeginMap << YAML::Key << "term" << YAML::Value << t.term;
            if (t.coefficient) e << YAML::Key << "value" << YAML::Value << fmt17(*t.coefficient);
            e << YAML::EndMap;
        }
        e << YAML::EndSeq;
        e << YAML::Key << "link" << YAML::Value << stats::to_string(pm->link);
        e << YAML::Key << "threshold" << YAML::Value << fmt17(pm->threshold);
        e << YAML::Key << "positive_if" << YAML::Value << stats::to_string(pm->rule);
        e << YAML::EndMap;
    }
    e << YAML::EndMap;
    return e.c_str();
}

store::SignatureResult score_signature(const store::Contents& c, const stats::SignatureSpec& spec, const std::string& job_path) {
    store::SignatureResult r;
    r.name = spec.name;
    r.source = spec.source;
    r.spec = spec_yaml(spec);
    r.job = job_path;
    r.computed_at = now_unix();
    r.link = stats::to_string(spec.link);
    r.aggregation = stats::to_string(spec.aggregation);
    r.rule = stats::to_string(spec.rule);
    r.outcome_column = spec.outcome_column;
    r.positive_label = spec.positive_label;
    r.negative_label = spec.negative_label;
    r.threshold = spec.threshold;
    r.level = spec.level;
    r.table_hash = signature_table_hash(c);
    if (const std::string refusal = stats::refusal_message(spec); !refusal.empty()) {
        r.status = "refused";
        r.message = refusal;
        return r;
    }

    // --- feature columns by canonical key, PyRadiomics name or IBSI tag
    const auto& t = c.features;
    std::unordered_map<std::string, std::size_t> column_of;
    for (std::size_t j = 0; j < t.columns.size(); ++j) {
        column_of.emplace(t.columns[j], j);
        column_of.emplace("original_" + t.columns[j], j);
    }
    for (const auto& e : c.registry) {
        auto it = column_of.find(e.column);
        if (it == column_of.end()) continue;
        if (!e.pyradiomics_name.empty()) column_of.emplace(e.pyradiomics_name, it->second);
        if (!e.tag.empty()) column_of.emplace(e.tag, it->second);
    }
    std::vector<std::size_t> term_column;
    std::vector<std::string> absent;
    for (const auto& term : spec.terms) {
        auto it = column_of.find(term.feature);
        if (it == column_of.end()) absent.push_back(term.feature);
        else term_column.push_back(it->second);
    }
    if (!absent.empty()) {
        r.status = "unavailable";
        r.message = "the store has no column for";
        for (std::size_t i = 0; i < absent.size(); ++i) r.message += (i ? ", " : " ") + absent[i];
        r.message += " (compute them with the signature's feature settings, e.g. profile pyradiomics with these classes)";
        return r;
    }

    // --- per study: metadata and lesion numbers
    std::unordered_map<std::string, const store::StudyRecord*> study_of;
    for (const auto& s : c.studies) study_of.emplace(s.study_id, &s);  // a sweep's records of a study share its metadata
    auto meta = [&](const std::string& study, const std::string& key) -> std::optional<std::string> {
        auto it = study_of.find(study);
        if (it == study_of.end() || key.empty()) return std::nullopt;
        for (const auto& [k, v] : it->second->metadata)
            if (k == key) return v;
        return std::nullopt;
    };
    std::map<std::string, std::vector<int>> lesions_of_study;
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < t.rows(); ++i)
        if (t.keys[i].perturbation == "none") {
            rows.push_back(i);
            lesions_of_study[t.keys[i].study_id].push_back(t.keys[i].lesion);
        }
    for (auto& [s, v] : lesions_of_study) std::sort(v.begin(), v.end());
    if (rows.empty()) {
        r.status = "no_lesions";
        r.message = "the store has no feature rows to score";
        return r;
    }
    bool outcome_seen = false;
    std::set<std::string> notes;

    // --- lesions (table order: study id, lesion)
    std::vector<double> x(spec.terms.size());
    for (const std::size_t i : rows) {
        const auto& key = t.keys[i];
        store::SignatureLesionRow l;
        l.study_id = key.study_id;
        l.patient_id = key.patient_id;
        l.lesion = key.lesion;
        const auto& study_lesions = lesions_of_study[key.study_id];
        std::string problem;
        if (spec.category) {
            const auto cell = meta(key.study_id, spec.category->column);
            if (!cell) problem = "no '" + spec.category->column + "' value in the manifest";
            else l.category = lesion_value(*cell, key.lesion, study_lesions, problem);
            if (problem.empty() && l.category.empty()) problem = "empty '" + spec.category->column + "' value";
            if (!problem.empty()) problem = spec.category->column + ": " + problem;
        }
        if (const auto cell = meta(key.study_id, spec.outcome_column)) {
            outcome_seen = true;
            std::string outcome_problem;
            l.outcome = binary_of(lesion_value(*cell, key.lesion, study_lesions, outcome_problem));
            if (!outcome_problem.empty()) notes.insert(spec.outcome_column + " " + outcome_problem);
        }
        for (std::size_t j = 0; j < term_column.size(); ++j) x[j] = t.values[i * t.columns.size() + term_column[j]];
        if (problem.empty()) {
            const auto s = stats::score_lesion(spec, x, l.category);
            l.linear_predictor = s.linear_predictor;
            l.score = s.score;
            if (s.ok) {
                l.cls = stats::classify(spec, s.score);
                l.label = l.cls ? spec.positive_label : spec.negative_label;
            } else {
                l.message = s.message;
            }
        } else {
            l.linear_predictor = l.score = kNaN;
            l.message = problem;
        }
        r.lesions.push_back(std::move(l));
    }

    // --- patients: aggregation of the scored lesions (in table order)
    std::map<std::string, std::vector<const store::SignatureLesionRow*>> by_patient;
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
        // follow-up: the value shared by the patient's studies (differing values: unknown)
        auto shared = [&](const std::string& column) -> std::optional<std::string> {
            std::set<std::string> values;
            for (const auto& s : studies)
                if (auto v = meta(s, column); v && !v->empty()) values.insert(*v);
            if (values.size() == 1) return *values.begin();
            return std::nullopt;
        };
        p.time = kNaN;
        if (auto v = shared(spec.time_column)) {
            try {
                p.time = std::stod(*v);
            } catch (const std::exception&) {
            }
        }
        if (auto v = shared(spec.event_column)) p.event = binary_of(*v);
        r.patients.push_back(std::move(p));
    }

    // --- metrics against the outcome
    if (!spec.outcome_column.empty()) {
        if (!outcome_seen) {
            notes.insert("no '" + spec.outcome_column + "' column in the manifest metadata: no metrics");
        } else {
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
    }
    r.status = "scored";
    for (const auto& n : notes) r.message += (r.message.empty() ? "" : "; ") + n;
    return r;
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
    std::unordered_map<std::string, const store::StudyRecord*> study_of;
    for (const auto& s : c.studies) study_of.emplace(s.study_id, &s);
    std::map<std::string, std::set<std::string>> studies_of_patient;
    for (const auto& l : main.lesions) studies_of_patient[l.patient_id].insert(l.study_id);
    auto shared_number = [&](const std::string& pid, const std::string& column, std::string& problem) {
        std::set<std::string> values;
        for (const auto& sid : studies_of_patient[pid]) {
            auto it = study_of.find(sid);
            if (it == study_of.end()) continue;
            for (const auto& [k, v] : it->second->metadata)
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
    };
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
        // lp = b0 + sum b_k x_k, in term order
        double lp = *pm.intercept;
        std::string problem;
        for (const auto& t : pm.terms) {
            double x = kNaN;
            if (t.term == stats::kSignatureScoreTerm) {
                if (mp.cls >= 0) x = mp.score;
                else problem = "the patient has no signature score";
            } else {
                x = shared_number(mp.patient_id, t.term, problem);
            }
            if (!problem.empty()) break;
            lp += *t.coefficient * x;
        }
        if (problem.empty()) {
            p.score = stats::apply_link(pm.link, lp);
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

std::vector<store::SignatureResult> score_signatures(const store::Contents& contents, const stats::SignatureSpec& spec,
                                                     const std::string& job_path) {
    std::vector<store::SignatureResult> out;
    out.push_back(score_signature(contents, spec, job_path));
    if (spec.patient_model) out.push_back(score_patient_model(contents, spec, out.front(), job_path));
    return out;
}

void write_signature_csvs(const store::SignatureResult& r, const std::string& dir) {
    fs::create_directories(dir);
    auto open = [&](const std::string& name) {
        std::ofstream f(fs::path(dir) / name);
        if (!f) throw Error(ErrorKind::io, (fs::path(dir) / name).string() + ": cannot write");
        return f;
    };
    {
        auto f = open("lesions.csv");
        f << "signature,study_id,patient_id,lesion,category,linear_predictor,score,class,label,outcome,message\n";
        for (const auto& l : r.lesions)
            f << csv_cell(r.name) << ',' << csv_cell(l.study_id) << ',' << csv_cell(l.patient_id) << ',' << l.lesion << ','
              << csv_cell(l.category) << ',' << fmt17(l.linear_predictor) << ',' << fmt17(l.score) << ',' << l.cls << ','
              << csv_cell(l.label) << ',' << l.outcome << ',' << csv_cell(l.message) << '\n';
    }
    {
        auto f = open("patients.csv");
        f << "signature,patient_id,lesions,lesions_failed,score,mean,median,min,max,class,label,outcome,time,event,message\n";
        for (const auto& p : r.patients)
            f << csv_cell(r.name) << ',' << csv_cell(p.patient_id) << ',' << p.lesions << ',' << p.lesions_failed << ','
              << fmt17(p.score) << ',' << fmt17(p.mean) << ',' << fmt17(p.median) << ',' << fmt17(p.min) << ',' << fmt17(p.max)
              << ',' << p.cls << ',' << csv_cell(p.label) << ',' << p.outcome << ',' << fmt17(p.time) << ',' << p.event << ','
              << csv_cell(p.message) << '\n';
    }
    {
        auto f = open("metrics.csv");
        f << "signature,level,metric,estimate,lower,upper,method\n";
        for (const auto& m : r.metrics)
            f << csv_cell(r.name) << ',' << m.level << ',' << m.metric << ',' << fmt17(m.estimate) << ',' << fmt17(m.lower) << ','
              << fmt17(m.upper) << ',' << csv_cell(m.method) << '\n';
    }
}

}  // namespace radhpc::analysis
