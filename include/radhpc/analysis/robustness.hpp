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

#include "radhpc/io/job.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::analysis {

// The job's `robust` section (io::Job::robust; schemas/job.schema.json), defaults filled in.
using RobustSettings = io::RobustSection;

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
