// Private to `radhpc validate` (validate_command.cpp: the procedure and its summary;
// validate_output.cpp: the CSV/JSON folder; validate_store.cpp: units on the MPI engine, the store).
#pragma once
#include <Eigen/Dense>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "radhpc/commands/table.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::commands::validation {

using Config = io::ValidateSection;

// The validation table: outcome, patients (labels numbered in order of first appearance),
// survival columns, the feature matrix and its terms.
struct Data {
    std::vector<int> y01;
    std::vector<double> y;
    std::size_t n = 0, n_patients = 0;
    std::vector<int> patient;
    std::vector<std::string> patient_label;
    std::vector<double> time;
    std::vector<int> event;
    std::size_t n_features = 0;
    Eigen::MatrixXd x;
    std::vector<std::string> terms{"(Intercept)"};
    std::string source;  // store | selected | the CSV path
};

// Where the table comes from: `validate.table` is `store` (the store's feature table, unperturbed
// rows, joined with the manifest's columns), `selected` (the robust stage's table) or a CSV path.
bool table_from_store(const Config& cfg);
// validate.table longitudinal: one row per lesion present at the baseline and at the chosen later
// timepoint (validate_longitudinal.cpp): patient_id, lesion_id, study_id (the later study), that
// study's metadata, and per feature the absolute (delta_<f>) or relative (relative_<f>) change;
// `features` receives the change columns.
CsvTable longitudinal_table(const store::Contents& contents, const Config& cfg, std::vector<std::string>& features);
// Reads the table. `store` is needed (loaded) when the table comes from it.
Data read_data(const Config& cfg, const store::Contents* store, const std::string& store_path, std::ostream& log);
// XXH64 of everything the procedure reads: terms, outcome, patient labels, survival columns and
// every value of the matrix (bit patterns). A recompute that changes one value changes it.
std::string data_hash(const Data& d);

// The tuning step on the whole table (the apparent model; curves, folds and out-of-fold
// predictions of a CV-tuned procedure).
store::ValidationTuning compute_tuning(const Config& cfg, const Data& d);
// Bootstrap replicate `index`: the whole procedure on the resampled patients.
store::ValidationReplicate compute_replicate(const Config& cfg, const Data& d, std::uint64_t index);
// Coefficients with bootstrap CIs and selection frequency, predictions and metrics, from the
// tuning and the replicates held in `v` (sorted by index).
void summarise(const Config& cfg, const Data& d, store::ValidationResult& v);

// The CSV/JSON folder (cv_curves.csv, folds.csv, tuning.json, bootstrap_replicates.csv,
// bootstrap_samples.csv, coefficients.csv, predictions.csv, metrics.json) of a complete validation.
void write_folder(const Config& cfg, const store::ValidationResult& v, const std::string& dir);
// metrics.json's text from the flat metric list (dotted names become nested objects).
std::string metrics_json(const std::vector<store::ValidationMetric>& metrics);

// The validate section as stored (YAML text, table path absolute), and back.
std::string settings_text(const std::string& job_text, const Config& cfg);
Config settings_of(const store::ValidationResult& v);

}  // namespace radhpc::commands::validation
