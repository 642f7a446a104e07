// Signature scoring of a store: the job's `signature` section applied to the feature table
// (perturbation "none" rows), lesion -> patient aggregation, classes, metrics against the outcome.
// The steps are in signature_lesions.cpp, signature_patients.cpp and signature_metrics.cpp; this
// file runs them, and writes the spec as used and the result's CSV tables.
#include "radhpc/analysis/signature.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/io/signature_io.hpp"
#include "radhpc/store/hash.hpp"
#include "signature_internal.hpp"

namespace radhpc::analysis {
namespace fs = std::filesystem;
namespace {

double now_unix() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

using text::csv_cell;

// missing numbers are empty cells
std::string fmt17(double v) { return std::isnan(v) ? std::string() : text::format17(v); }

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
    using namespace signature_detail;
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
    std::vector<std::string> absent;
    const std::vector<std::size_t> term_column = term_columns(c, spec, absent);
    if (!absent.empty()) {
        r.status = "unavailable";
        r.message = "the store has no column for";
        for (std::size_t i = 0; i < absent.size(); ++i) r.message += (i ? ", " : " ") + absent[i];
        r.message += " (compute them with the signature's feature settings, e.g. profile pyradiomics with these classes)";
        return r;
    }
    std::vector<std::size_t> rows;  // the unperturbed lesions, table order (study id, lesion)
    for (std::size_t i = 0; i < c.features.rows(); ++i)
        if (c.features.keys[i].perturbation == "none") rows.push_back(i);
    if (rows.empty()) {
        r.status = "no_lesions";
        r.message = "the store has no feature rows to score";
        return r;
    }
    const StudyMetadata meta(c);
    std::set<std::string> notes;
    const bool outcome_seen = score_lesions(c, spec, term_column, rows, meta, r, notes);
    aggregate_patients(spec, meta, r, notes);
    outcome_metrics(spec, outcome_seen, r, notes);
    r.status = "scored";
    for (const auto& n : notes) r.message += (r.message.empty() ? "" : "; ") + n;
    return r;
}

std::vector<store::SignatureResult> score_signatures(const store::Contents& contents, const stats::SignatureSpec& spec,
                                                     const std::string& job_path) {
    std::vector<store::SignatureResult> out;
    out.push_back(score_signature(contents, spec, job_path));
    if (spec.patient_model) out.push_back(signature_detail::score_patient_model(contents, spec, out.front(), job_path));
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
