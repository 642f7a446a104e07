// Robustness sweeps in the store (schemas/store_layout.md "Robustness"): the perturbation list of
// the sweeps (/perturbations) and the result of the robust stage (/robustness: ICC table, robust
// flags, redundancy clusters, the selected robust non-redundant features, an optional ComBat-
// harmonised table of them, the settings used). Layer `store`: plain data here, HDF5 in
// src/store/robustness.cpp.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc::store {

// One perturbation of a sweep: its id (the feature rows' `perturbation` key), its steps as text
// (e.g. "rotation(angle_deg=5); noise(scale=1)") and its seed.
struct PerturbationRecord {
    std::string id, spec;
    std::uint64_t seed = 0;
};

struct IccRow {
    std::string feature, type;  // type: ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k (psych::ICC's names)
    double icc = 0, ci_lower = 0, ci_upper = 0;
    std::int64_t subjects = 0, raters = 0;  // complete subjects (lesions) and raters the ICC used
};

struct ClusterRow {
    std::string feature;
    int cluster = 0;        // 1-based (cutree numbering) over the robust features
    std::string archetype;  // the cluster's representative
};

// A samples x features table (the harmonised selected features).
struct SampleTable {
    std::vector<std::string> columns, study_id, patient_id;
    std::vector<std::int64_t> lesion;
    std::vector<double> values;  // rows x columns, row-major
};

struct Robustness {
    double computed_at = 0;          // unix time; 0 = no robust stage has run
    std::string run_id;              // the latest run whose table the stage read
    std::string table_hash;          // XXH64 of the feature table it read (stale when it differs)
    std::string settings;            // the job's `robust` section as used (YAML, defaults filled in)
    std::string source;              // perturbation | rater
    std::string icc_type;            // the ICC form that decides robustness
    std::string criterion;           // icc | ci_lower
    double threshold = 0, redundancy_threshold = 0;
    std::vector<IccRow> icc;         // every feature x six forms
    std::vector<std::string> robust; // features passing the criterion, table column order
    std::vector<ClusterRow> clusters;
    std::vector<std::string> selected;  // one archetype per cluster, in cluster order
    // The analysis table: the reference rows (unperturbed lesions, or the reference rater's) with the
    // selected features, ComBat-harmonised when the job asks for it (`harmonised`). Input of
    // `radhpc validate` via `radhpc export STORE --table selected`.
    std::string reference;           // perturbation id or rater label of the analysis rows
    SampleTable selected_table;
    bool harmonised = false;
    std::vector<std::string> notes;  // what was excluded and why (constant features, incomplete subjects)
    bool empty() const { return computed_at == 0; }
};

}  // namespace radhpc::store
