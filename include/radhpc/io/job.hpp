// The job model: one typed struct of every section of a job file, parsed and schema-checked once
// (schemas/job.schema.json, compiled in) from the YAML text. Every command takes what it needs
// from it: extract the extraction sections, run the engine options (`run`), robust its `robust`
// section, validate its `validate` section, score the `signature`.
//
// The settings identity (the hash a store keys its results on) is made from the sections that
// change results, as the section table below declares them (kJobSections). The schema refuses any
// top-level key it does not know, and a test checks that every key of the schema has a row here:
// a new section cannot be added without saying whether it changes results.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/glmnet.hpp"

namespace radhpc::io {

// `run`: the batch engine's options (schemas/job.schema.json "run").
struct RunSection {
    bool lesions_from_components = false;  // lesions: labels (each label one lesion) | components
    std::size_t min_lesion_voxels = 1;
    double min_lesion_volume_mm3 = 0;
    double study_time_limit_s = 0;
    double memory_budget_mb = 0;  // 0: the node's memory shared by its ranks
    int threads = 0;
    double flush_interval_s = 2.0;
    std::size_t flush_results = 1000;
    double progress_interval_s = 10.0;
    bool fsync = true;
    bool checksums_always = false;  // checksums: always | changed (size or mtime differ)
    bool master_computes = true;
    bool retry_errors = false;
    int queue_depth = 2;
    bool isolation_process = true;  // isolation: process (a study process per rank) | none
};

// `robust`: the robustness stage (ICC, redundancy, ComBat), defaults filled in.
struct RobustSection {
    std::string source = "perturbation";  // perturbation: raters = perturbation ids; rater: manifest column `rater`
    std::string icc_type = "ICC1";        // ICC1 | ICC2 | ICC3 | ICC1k | ICC2k | ICC3k (psych::ICC names)
    double threshold = 0.7;               // robust when the criterion value >= threshold
    std::string criterion = "icc";        // icc | ci_lower (lower bound of the confidence interval)
    double confidence = 0.95;             // level of the ICC confidence intervals
    double redundancy_threshold = 0.9;    // |Spearman| at which features are redundant (cut at 1 - threshold)
    std::string archetype = "most_robust";  // most_robust (highest ICC in the cluster) | medoid
    std::string reference;                // analysis rows: perturbation id (default none, else the first) or rater label (default: first in order)
    struct Combat {
        std::string batch;                    // metadata key: a manifest column or a DICOM key (dicom_manufacturer, ...)
        std::vector<std::string> covariates;  // numeric metadata keys whose effects are preserved
        std::string ref_batch;                // batch left unchanged
        bool mean_only = false, nonparametric = false;
    };
    std::optional<Combat> combat;
};

// `validate`: model validation of a feature table (paths resolved against the job's folder).
struct ValidateSection {
    std::string name;           // the store's /validation/<name> (default: the job's name, else "default")
    std::string table, output;  // table: store | selected | longitudinal | a CSV path; output: the CSV/JSON folder
    std::string longitudinal_timepoint;          // table longitudinal: the `to` timepoint (default: the first after baseline)
    std::string longitudinal_change = "absolute";  // table longitudinal: absolute | relative changes as the features
    std::string outcome, patient, time, event;
    std::vector<std::string> features, exclude;
    std::vector<double> alphas{1.0};
    stats::GlmnetOptions glmnet;
    int folds = 5, repeats = 10;
    std::uint64_t seed = 1;
    stats::CvMeasure measure = stats::CvMeasure::deviance;
    bool use_1se = false;
    bool fixed = false;
    double fixed_alpha = 1, fixed_lambda = 0;
    int replicates = 1000;
    std::uint64_t bootstrap_seed = 1;
    double bootstrap_level = 0.95;
    bool export_samples = false;
    std::string threshold_rule = "youden";
    double min_specificity = 0.5, threshold_value = 0.5;
    std::string patient_aggregation;
    double level = 0.95;
    int threads = 0;
};

// `federated` (issue 17): a multi-centre analysis in which each site answers aggregate-only
// requests from its own rows and a coordinator combines them (radhpc federated site|coordinate|
// simulate). Paths resolve against the job's folder.
struct FederatedSection {
    struct Site {
        std::string name;
        std::string table;  // a CSV file, one row per lesion, or
        std::string store;  // a store: its feature table joined with the manifest's columns
    };
    std::vector<Site> sites;
    std::string outcome, patient, time, event;
    std::vector<std::string> features, exclude, covariates;
    std::vector<std::string> analyses{"summary", "combat", "elastic_net", "cv", "cox", "validation"};
    int min_patients = 5;          // a site refuses an aggregate over fewer patients or class members
    int bins = 64;                 // summary: histogram bins over mean +- 4 sd (pooled moments)
    bool combat_parametric = true, combat_mean_only = false;
    double alpha = 1.0;
    std::optional<double> lambda;  // elastic_net: a fixed lambda (else the path; cv picks lambda.min)
    int nlambda = 100;
    double lambda_min_ratio = -1, thresh = 1e-7;
    int folds = 5;
    std::string cv_scheme = "within_sites";  // or leave_site_out
    std::uint64_t seed = 1;
    std::vector<std::string> cox_features;   // covariates of the site-stratified Cox model
    double threshold = 0.5;        // validation: probability threshold of sensitivity/specificity
    double score_step = 0.01;      // validation: histogram grid step of the linear predictor, over [-8, 8]
    double level = 0.95;
};

// `longitudinal` (issue 18): changes of every lesion's features between a patient's timepoints.
// The timepoint and lesion identities come from the manifest (radhpc longitudinal JOB).
struct LongitudinalSection {
    std::string timepoint = "timepoint";   // manifest column with the timepoint label
    std::string order;                     // numeric manifest column ordering the timepoints (e.g. day)
    std::vector<std::string> timepoints;   // explicit order, baseline first (else by `order`, else first appearance)
    std::string identity = "auto";         // auto | label | lesion_ids | roi
    std::string lesion_ids = "lesion_ids"; // manifest column: ids in the order of `labels` (or of the masks)
    std::vector<std::string> features, exclude;
    std::string diameter_feature;          // longest axial diameter (default: a Maximum2DDiameterSlice column)
    std::string signature;                 // a scored signature whose class is followed per timepoint
    std::string time, event;               // manifest survival columns: survival by the class at each timepoint
    double match_threshold_mm = 0;         // > 0: propose matches by centroid (label-file masks), written for review
    bool match_use = false;                // use the proposals as the identities (else only written)
    std::string match_output;              // the proposals CSV (default <store>/longitudinal-matches.csv)
};

// The whole job. The extraction sections (profile, input, dicom, qc, preprocess, features,
// perturbations, signature, output, privacy) are JobSettings, which extract and the workers use.
struct Job : JobSettings {
    std::string origin;  // the file it came from ("<job>" for a text)
    std::string name, description, manifest, store;
    RunSection run;
    RobustSection robust;
    std::optional<ValidateSection> validate;
    std::optional<FederatedSection> federated;
    std::optional<LongitudinalSection> longitudinal;

    // The settings identity: the sections that change results (kJobSections) as YAML (comments
    // and layout do not matter, values do), plus the `run` keys that change rows and the radhpc
    // version. The engine keys stored results on its XXH64; the text is the one stores made before
    // this model hashed, so they are reused without recomputing.
    std::string settings_identity(const std::string& version) const;
};

// A top-level section and whether its values change the results stored under the identity.
struct JobSection {
    std::string_view key;
    bool changes_results;
    std::string_view why;
};
std::span<const JobSection> job_sections();

// Parses and schema-checks a job text once. Throws Error(settings) listing every problem, each
// naming its key.
Job parse_job(const std::string& text, const std::string& origin = "<job>");
// Reads the file and parses it; relative paths of `validate` resolve against its folder.
Job read_job(const std::string& path);

}  // namespace radhpc::io
