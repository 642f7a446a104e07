// Longitudinal results in the store (schemas/store_layout.md "Longitudinal"): per (patient, lesion,
// timepoint pair) the change of every feature, per (patient, timepoint) the tumour burden, per
// (feature, pair of timepoints) the paired tests, per (patient, timepoint) the signature's class.
// Layer `store`: plain data here, HDF5 in src/store/longitudinal_h5.cpp; the computation is
// analysis/longitudinal.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc::store {

// One row per (patient, lesion, from, to): `pair` is `baseline` (every later timepoint against the
// baseline) or `previous` (against the timepoint before it). status: `both` (present at both),
// `resolved` (present at from, absent at to), `new` (absent at from, present at to).
struct LongitudinalChangeRow {
    std::string patient_id, lesion_id, from_timepoint, to_timepoint, pair, status;
    std::string from_study, to_study;    // empty where the lesion is absent
    std::int64_t from_lesion = 0, to_lesion = 0;  // the rows' lesion keys (0 where absent)
    double volume_from = 0, volume_to = 0;  // mm^3; 0 where absent (a resolved lesion's volume change is -100%)
};

struct LongitudinalBurdenRow {
    std::string patient_id, timepoint, study_id;
    std::int64_t lesions = 0;
    double total_volume = 0;       // mm^3, NaN without a volume column
    double sum_diameters = 0;      // sum of longest axial (2D) diameters, mm; NaN without such a column
    double volume_change = 0;      // relative to the baseline's total (NaN at the baseline or when it is 0)
    double diameter_change = 0;    // relative to the baseline's sum (RECIST-style)
};

struct LongitudinalTestRow {
    std::string feature, from_timepoint, to_timepoint;
    std::int64_t n = 0;            // lesions present at both
    double mean_change = 0;
    double wilcoxon_v = 0, wilcoxon_p = 1, wilcoxon_p_bh = 1;  // wilcox.test(paired = TRUE), p.adjust("BH") over features
    double t = 0, t_df = 0, t_p = 1, t_p_bh = 1;              // t.test(paired = TRUE)
};

struct LongitudinalClassRow {
    std::string signature, patient_id, timepoint, study_id;
    double score = 0;              // the signature's patient aggregation over the study's lesions
    std::string label;             // class label at that timepoint, empty when not computable
};

// Survival by the signature's class at a timepoint (CT-TIME's Figure 4A): per (timepoint, class)
// the patients and events with the Kaplan-Meier median; per timepoint the log-rank test (survdiff)
// and the Cox hazard ratio of the positive class (coxph, Efron; Wald CI).
struct LongitudinalSurvivalRow {
    std::string signature, timepoint, label;
    std::int64_t patients = 0, events = 0;
    double km_median = 0;                          // NaN when the curve does not reach 0.5
    double logrank_chisq = 0, logrank_p = 1;
    double hazard_ratio = 0, hr_lower = 0, hr_upper = 0, cox_p = 1;  // positive vs negative class (NaN with one class)
};

struct Longitudinal {
    double computed_at = 0;        // unix time; 0 = never computed
    std::string settings;          // the job's `longitudinal` section as used (YAML)
    std::string table_hash;        // XXH64 of the feature rows and timepoints it read (stale when it differs)
    std::vector<std::string> timepoints;  // in order, baseline first
    std::vector<std::string> notes;       // what was left out and why
    std::vector<std::string> columns;     // features
    std::vector<LongitudinalChangeRow> changes;
    std::vector<double> absolute, relative;        // changes x columns, row-major: to - from, (to - from) / from
    std::vector<std::uint8_t> relative_undefined;  // changes x columns: 1 where from == 0 (relative is NaN)
    std::vector<LongitudinalBurdenRow> burden;
    std::vector<LongitudinalTestRow> tests;
    std::vector<LongitudinalClassRow> classes;
    std::vector<LongitudinalSurvivalRow> survival;
    bool empty() const { return computed_at == 0; }
};

}  // namespace radhpc::store
