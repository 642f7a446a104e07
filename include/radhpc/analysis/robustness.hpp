// `radhpc robust`: robustness sweep (or test-retest / inter-observer rows) -> ICC per feature ->
// robust features -> |Spearman| redundancy clusters with one archetype each -> optional ComBat of
// the selected features -> the store's /robustness group (schemas/store_layout.md "Robustness").
// Layer `analysis` (the sweep runs through the batch engine; the stage itself is rank 0 only and
// needs no MPI). The command (`radhpc robust`, `export --table`) is commands/robust_command.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "radhpc/store/store.hpp"

namespace radhpc::analysis {

// The job's `robust` section (schemas/job.schema.json), defaults filled in.
struct RobustSettings {
    std::string source = "perturbation";  // perturbation: raters = perturbation ids; rater: manifest column `rater`
    std::string icc_type = "ICC1";        // ICC1 | ICC2 | ICC3 | ICC1k | ICC2k | ICC3k (psych::ICC names)
    double threshold = 0.7;               // robust when the criterion value >= threshold
    std::string criterion = "icc";        // icc | ci_lower (lower bound of the confidence interval)
    double confidence = 0.95;             // level of the ICC confidence intervals
    double redundancy_threshold = 0.9;    // |Spearman| at which features are redundant (cut at 1 - threshold)
    std::string archetype = "most_robust";  // most_robust (highest ICC in the cluster) | medoid
    std::string reference;                // analysis rows: perturbation id (default none, else the first) or rater label (default: first in order)
    struct Combat {
        std::string batch;                // metadata key: a manifest column or a DICOM key (dicom_manufacturer, ...)
        std::vector<std::string> covariates;  // numeric metadata keys whose effects are preserved
        std::string ref_batch;            // batch left unchanged
        bool mean_only = false, nonparametric = false;
    };
    std::optional<Combat> combat;
};

// Parses the `robust` section of a job text (absent: defaults). Throws Error(settings) naming the key.
RobustSettings parse_robust_settings(const std::string& job_text);

// The robust stage on a store's contents. `perturbation_ids`: the sweep's ids in job order
// (empty: every id in the table). Throws Error(invalid_input) when no ICC can be formed.
store::Robustness compute_robustness(const store::Contents& contents, const RobustSettings& settings,
                                     const std::vector<std::string>& perturbation_ids);

// XXH64 over a feature table's columns, row keys and values (store::Robustness::table_hash):
// differs from the stored hash when the table changed after the robust stage ran.
std::string feature_table_hash(const store::FeatureTable& table);

// Loads the store, computes, writes the result into store.h5 (consolidation). Prints a summary.
void robust_stage(const std::string& store_path, const std::string& job_text, std::ostream& log);

}  // namespace radhpc::analysis
