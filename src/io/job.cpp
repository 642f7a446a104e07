// The job model; see include/radhpc/io/job.hpp. The extraction sections are read by
// settings_io.cpp (parse_job_text); this file adds the engine, robust and validate sections and
// the settings identity, once, after the schema check.
#include "radhpc/core/file_text.hpp"
#include "radhpc/io/job.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "radhpc/core/error.hpp"

namespace radhpc::io {
namespace fs = std::filesystem;
namespace {

// Schema order. changes_results: the section's YAML is part of the settings identity.
constexpr JobSection kJobSections[] = {
    {"version", true, "the job format version"},
    {"name", false, "a label"},
    {"description", false, "a label"},
    {"profile", true, "IBSI or PyRadiomics definitions and defaults"},
    {"input", true, "label, mask correction, ROI size rules"},
    {"preprocess", true, "resampling, normalisation, re-segmentation, discretisation"},
    {"features", true, "which families and their options"},
    {"filters", true, "filtered images and their parameters"},
    {"output", true, "names and diagnostics columns of the rows"},
    {"dicom", true, "how a DICOM series becomes an image"},
    {"qc", true, "which studies are excluded"},
    {"manifest", false, "where the studies are listed"},
    {"store", false, "where results go"},
    {"run", false, "engine options; the keys that change rows (lesions, min_lesion_*) enter the identity one by one"},
    {"privacy", false, "how input paths are written, not a value"},
    {"perturbations", false, "each perturbation enters its own unit's hash"},
    {"signature", false, "scored after the run, with its own table hash"},
    {"robust", false, "a stage over the stored rows"},
    // Not a feature setting, but stores made before the job model hashed it: kept so that they
    // are reused without recomputing (a job that runs extraction rarely has a validate section).
    {"validate", true, "kept in the identity for stores made before the job model"},
    {"federated", false, "a multi-centre analysis over the sites' tables, not a feature setting"},
    {"longitudinal", false, "a stage over the stored rows"},
};

template <class T>
void get(const YAML::Node& n, const char* key, T& out, const std::string& where) {
    if (!n[key]) return;
    try {
        out = n[key].as<T>();
    } catch (const std::exception&) {
        throw Error(ErrorKind::settings, where + key + ": wrong type");
    }
}

RunSection run_section(const YAML::Node& r) {
    RunSection s;
    if (!r) return s;
    std::string lesions = "labels", checksums = "quick", isolation = "process";
    get(r, "lesions", lesions, "run.");
    get(r, "min_lesion_voxels", s.min_lesion_voxels, "run.");
    get(r, "min_lesion_volume_mm3", s.min_lesion_volume_mm3, "run.");
    get(r, "study_time_limit_s", s.study_time_limit_s, "run.");
    get(r, "memory_budget_mb", s.memory_budget_mb, "run.");
    get(r, "threads", s.threads, "run.");
    get(r, "flush_interval_s", s.flush_interval_s, "run.");
    get(r, "flush_results", s.flush_results, "run.");
    get(r, "progress_interval_s", s.progress_interval_s, "run.");
    get(r, "fsync", s.fsync, "run.");
    get(r, "checksums", checksums, "run.");
    get(r, "master_computes", s.master_computes, "run.");
    get(r, "retry_errors", s.retry_errors, "run.");
    get(r, "queue_depth", s.queue_depth, "run.");
    get(r, "isolation", isolation, "run.");
    s.lesions_from_components = lesions == "components";
    s.checksums_always = checksums == "always";
    s.isolation_process = isolation != "none";
    s.queue_depth = std::max(1, s.queue_depth);
    return s;
}

RobustSection robust_section(const YAML::Node& r) {
    RobustSection s;
    if (!r) return s;
    get(r, "source", s.source, "robust.");
    get(r, "icc_type", s.icc_type, "robust.");
    get(r, "threshold", s.threshold, "robust.");
    get(r, "criterion", s.criterion, "robust.");
    get(r, "confidence", s.confidence, "robust.");
    get(r, "redundancy_threshold", s.redundancy_threshold, "robust.");
    get(r, "archetype", s.archetype, "robust.");
    get(r, "reference", s.reference, "robust.");
    // (source, icc_type, criterion and archetype are enums of the schema, checked before this)
    if (!(s.confidence > 0 && s.confidence < 1)) throw Error(ErrorKind::settings, "robust.confidence: must be in (0, 1)");
    if (!(s.redundancy_threshold >= 0 && s.redundancy_threshold <= 1))
        throw Error(ErrorKind::settings, "robust.redundancy_threshold: must be in [0, 1]");
    if (const YAML::Node c = r["combat"]) {
        RobustSection::Combat cb;
        get(c, "batch", cb.batch, "robust.combat.");
        get(c, "covariates", cb.covariates, "robust.combat.");
        get(c, "ref_batch", cb.ref_batch, "robust.combat.");
        get(c, "mean_only", cb.mean_only, "robust.combat.");
        get(c, "nonparametric", cb.nonparametric, "robust.combat.");
        if (cb.batch.empty()) throw Error(ErrorKind::settings, "robust.combat.batch: required (a manifest column or a DICOM metadata key)");
        s.combat = cb;
    }
    return s;
}

ValidateSection validate_section(const YAML::Node& v, const std::string& origin, const fs::path& base) {
    const auto resolve = [&](const std::string& p) { return (fs::path(p).is_absolute() ? fs::path(p) : base / p).string(); };
    const std::string where = "validate.";
    ValidateSection c;
    get(v, "name", c.name, where);
    get(v, "table", c.table, where);
    get(v, "output", c.output, where);
    // `store` and `selected` name tables in the store (the run's feature table, the robust stage's
    // selection); anything else is a CSV file.
    if (c.table != "store" && c.table != "selected" && c.table != "longitudinal") c.table = resolve(c.table);
    get(v, "longitudinal_timepoint", c.longitudinal_timepoint, where);
    get(v, "longitudinal_change", c.longitudinal_change, where);
    if (!c.output.empty()) c.output = resolve(c.output);
    get(v, "outcome", c.outcome, where);
    get(v, "patient", c.patient, where);
    get(v, "time", c.time, where);
    get(v, "event", c.event, where);
    if (c.time.empty() != c.event.empty()) throw Error(ErrorKind::settings, origin + ": validate.time and validate.event go together");
    get(v, "features", c.features, where);
    get(v, "exclude", c.exclude, where);
    get(v, "alphas", c.alphas, where);
    get(v, "nlambda", c.glmnet.nlambda, where);
    get(v, "lambda_min_ratio", c.glmnet.lambda_min_ratio, where);
    get(v, "standardize", c.glmnet.standardize, where);
    get(v, "thresh", c.glmnet.thresh, where);
    get(v, "folds", c.folds, where);
    get(v, "repeats", c.repeats, where);
    get(v, "seed", c.seed, where);
    std::string measure = "deviance", lambda_rule = "min";
    get(v, "measure", measure, where);
    get(v, "lambda_rule", lambda_rule, where);
    c.measure = measure == "auc" ? stats::CvMeasure::auc : stats::CvMeasure::deviance;
    c.use_1se = lambda_rule == "1se";
    if (const auto f = v["fixed"]) {
        c.fixed = true;
        get(f, "alpha", c.fixed_alpha, where + "fixed.");
        get(f, "lambda", c.fixed_lambda, where + "fixed.");
    }
    if (const auto b = v["bootstrap"]) {
        get(b, "replicates", c.replicates, where + "bootstrap.");
        get(b, "seed", c.bootstrap_seed, where + "bootstrap.");
        get(b, "level", c.bootstrap_level, where + "bootstrap.");
        get(b, "export_samples", c.export_samples, where + "bootstrap.");
    }
    if (const auto t = v["threshold"]) {
        get(t, "rule", c.threshold_rule, where + "threshold.");
        get(t, "min_specificity", c.min_specificity, where + "threshold.");
        if (c.threshold_rule == "fixed" && !t["value"])
            throw Error(ErrorKind::settings, origin + ": validate.threshold.value is needed by rule fixed");
        get(t, "value", c.threshold_value, where + "threshold.");
    }
    get(v, "patient_aggregation", c.patient_aggregation, where);
    get(v, "level", c.level, where);
    get(v, "threads", c.threads, where);
    return c;
}

FederatedSection federated_section(const YAML::Node& v, const std::string& origin, const fs::path& base) {
    const auto resolve = [&](const std::string& p) { return (fs::path(p).is_absolute() ? fs::path(p) : base / p).string(); };
    const std::string where = "federated.";
    FederatedSection c;
    for (const auto& s : v["sites"]) {
        FederatedSection::Site site;
        get(s, "name", site.name, where + "sites.");
        get(s, "table", site.table, where + "sites.");
        get(s, "store", site.store, where + "sites.");
        if (!site.table.empty()) site.table = resolve(site.table);
        if (!site.store.empty()) site.store = resolve(site.store);
        for (const auto& other : c.sites)
            if (other.name == site.name) throw Error(ErrorKind::settings, origin + ": federated.sites: two sites named " + site.name);
        c.sites.push_back(site);
    }
    get(v, "outcome", c.outcome, where);
    get(v, "patient", c.patient, where);
    get(v, "time", c.time, where);
    get(v, "event", c.event, where);
    if (c.time.empty() != c.event.empty()) throw Error(ErrorKind::settings, origin + ": federated.time and federated.event go together");
    get(v, "features", c.features, where);
    get(v, "exclude", c.exclude, where);
    get(v, "covariates", c.covariates, where);
    get(v, "analyses", c.analyses, where);
    get(v, "min_patients", c.min_patients, where);
    get(v, "bins", c.bins, where);
    if (const auto cb = v["combat"]) {
        get(cb, "parametric", c.combat_parametric, where + "combat.");
        get(cb, "mean_only", c.combat_mean_only, where + "combat.");
    }
    if (const auto en = v["elastic_net"]) {
        get(en, "alpha", c.alpha, where + "elastic_net.");
        if (en["lambda"]) {
            double l = 0;
            get(en, "lambda", l, where + "elastic_net.");
            c.lambda = l;
        }
        get(en, "nlambda", c.nlambda, where + "elastic_net.");
        get(en, "lambda_min_ratio", c.lambda_min_ratio, where + "elastic_net.");
        get(en, "thresh", c.thresh, where + "elastic_net.");
    }
    if (const auto cv = v["cv"]) {
        get(cv, "folds", c.folds, where + "cv.");
        get(cv, "scheme", c.cv_scheme, where + "cv.");
        get(cv, "seed", c.seed, where + "cv.");
    }
    if (const auto cx = v["cox"]) get(cx, "features", c.cox_features, where + "cox.");
    if (const auto va = v["validation"]) {
        get(va, "threshold", c.threshold, where + "validation.");
        get(va, "score_step", c.score_step, where + "validation.");
    }
    get(v, "level", c.level, where);
    const bool wants_cox = std::find(c.analyses.begin(), c.analyses.end(), "cox") != c.analyses.end();
    if (wants_cox && (c.time.empty() || c.cox_features.empty()))
        throw Error(ErrorKind::settings, origin + ": federated analysis cox needs time, event and cox.features");
    return c;
}

LongitudinalSection longitudinal_section(const YAML::Node& v) {
    const std::string where = "longitudinal.";
    LongitudinalSection c;
    get(v, "timepoint", c.timepoint, where);
    get(v, "order", c.order, where);
    get(v, "timepoints", c.timepoints, where);
    get(v, "identity", c.identity, where);
    get(v, "lesion_ids", c.lesion_ids, where);
    get(v, "features", c.features, where);
    get(v, "exclude", c.exclude, where);
    get(v, "diameter_feature", c.diameter_feature, where);
    get(v, "signature", c.signature, where);
    get(v, "time", c.time, where);
    get(v, "event", c.event, where);
    if (c.time.empty() != c.event.empty()) throw Error(ErrorKind::settings, "longitudinal.time and longitudinal.event go together");
    if (const auto m = v["matching"]) {
        get(m, "threshold_mm", c.match_threshold_mm, where + "matching.");
        get(m, "use", c.match_use, where + "matching.");
        get(m, "output", c.match_output, where + "matching.");
    }
    return c;
}

Job parse_job_at(const std::string& text, const std::string& origin, const fs::path& base) {
    Job job;
    static_cast<JobSettings&>(job) = parse_job_text(text, origin);  // schema check + extraction sections
    job.origin = origin;
    try {
        const YAML::Node root = YAML::Load(text);
        get(root, "name", job.name, "");
        get(root, "description", job.description, "");
        get(root, "manifest", job.manifest, "");
        get(root, "store", job.store, "");
        job.run = run_section(root["run"]);
        job.robust = robust_section(root["robust"]);
        if (const auto v = root["validate"]) job.validate = validate_section(v, origin, base);
        if (const auto v = root["federated"]) job.federated = federated_section(v, origin, base);
        if (const auto v = root["longitudinal"]) job.longitudinal = longitudinal_section(v);
    } catch (const YAML::Exception& e) {
        throw Error(ErrorKind::settings, origin + ": " + e.what());
    }
    return job;
}

}  // namespace

std::span<const JobSection> job_sections() { return kJobSections; }

std::string Job::settings_identity(const std::string& version) const {
    YAML::Node root = YAML::Load(text);
    for (const auto& s : kJobSections)
        if (!s.changes_results) root.remove(std::string(s.key));
    YAML::Emitter e;
    e << root;
    const std::string identity = std::string(e.c_str()) + "\nlesions=" + (run.lesions_from_components ? "components" : "labels") +
                                 "\nmin_lesion_voxels=" + std::to_string(run.min_lesion_voxels) +
                                 "\nmin_lesion_volume_mm3=" + std::to_string(run.min_lesion_volume_mm3) + "\nradhpc=" + version;
    return identity;
}

Job parse_job(const std::string& text, const std::string& origin) { return parse_job_at(text, origin, fs::path(origin).parent_path()); }

Job read_job(const std::string& path) {
    return parse_job_at(read_file_text(path), path, fs::path(path).parent_path());
}

}  // namespace radhpc::io
