// `radhpc diff STORE_A STORE_B`: what changed between two stores of the same archive (e.g. last
// night's and tonight's). Layer `commands` (reads stores; no MPI).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace radhpc::commands {

struct DiffOptions {
    // A value changed when |a - b| > abs_tolerance + rel_tolerance * max(|a|, |b|)
    // (NaN equals NaN; a value present on one side only is a change).
    double rel_tolerance = 1e-9;
    double abs_tolerance = 0;
    std::size_t max_values = 20;  // value lines printed per changed study (all are counted)
};

struct StudyChange {
    std::string study_id;  // in a sweep store: "<study_id> <perturbation id>" for perturbed units
    std::string kind;    // added | removed | recomputed | status
    std::string detail;  // why (inputs changed, settings changed, status ok -> error, ...)
};

struct FeatureChange {
    std::string study_id, perturbation, feature;
    int lesion = 0;
    double a = 0, b = 0;  // NaN where the row or column is absent on that side
};

struct StoreDiff {
    std::vector<StudyChange> studies;       // sorted by study id
    std::vector<FeatureChange> values;      // beyond the tolerance, sorted by study, lesion, perturbation, feature
    std::vector<std::string> columns_added, columns_removed;
    std::size_t studies_compared = 0, values_compared = 0;
    bool empty() const { return studies.empty() && values.empty() && columns_added.empty() && columns_removed.empty(); }
};

StoreDiff diff_stores(const std::string& store_a, const std::string& store_b, const DiffOptions& options = {});

// Text report: one line per changed study ("recomputed T0003: image changed (checksum ...)"),
// then per study its changed values, then a per-feature summary.
void write_diff(const StoreDiff& diff, const DiffOptions& options, std::ostream& out);
// CSV: kind,study_id,lesion,perturbation,feature,a,b,detail (one row per change).
void write_diff_csv(const StoreDiff& diff, std::ostream& out);

}  // namespace radhpc::commands
