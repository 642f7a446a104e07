// The radhpc result store (layout: schemas/store_layout.md). Layer `store`: HDF5 only, no MPI,
// no knowledge of features beyond names. A store is a directory:
//   STORE/store.h5            consolidated file (atomically replaced)
//   STORE/parts/part-*.h5     batches written during a run (each atomically renamed into place)
// Every file has the same layout; loading a store is the union of store.h5 and its parts.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "radhpc/store/longitudinal.hpp"
#include "radhpc/store/robustness.hpp"
#include "radhpc/store/signature.hpp"
#include "radhpc/store/validation.hpp"

namespace radhpc::store {

inline constexpr int kFormatVersion = 1;

struct InputFile {
    std::string role;  // image, mask
    std::string path;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::string checksum;  // XXH64 hex of the bytes
};

// Per-study status: ok, error (with kind and message) or vanished (inputs gone since the study
// was stored; its rows are kept).
// What a worker reports of one unit of work and what the store keeps of it: one type for both
// (the engine's StudyOutcome and StudyRecord derive from it), so nothing is copied field by field.
struct UnitOutcome {
    std::string status;  // ok | error
    std::string error_kind, message;
    std::string host;
    int rank = -1;
    double read_s = 0, preprocess_s = 0, features_s = 0, total_s = 0;
    double started_at = 0, finished_at = 0;  // unix time, seconds
};

struct StudyRecord : UnitOutcome {
    std::string study_id, patient_id;
    std::string perturbation = "none";  // sweeps: one record per (study, perturbation) unit of work
    std::string content_hash;  // inputs + settings; equal hash => the study is not recomputed
    std::string run_id;
    int lesions = 0;
    int manifest_line = 0;
    std::uint64_t sequence = 0;  // order of writing within the store (later wins when merging parts)
    std::vector<InputFile> inputs;
    std::vector<std::pair<std::string, std::string>> metadata;  // outcome, clinical and batch columns
};

struct RowKey {
    std::string study_id, patient_id;
    int lesion = 0;                     // label value, mask file ordinal or component ordinal (1-based)
    std::string perturbation = "none";  // perturbation id of a sweep (store::PerturbationRecord)
};

// Feature table: rows x columns, row-major, NaN where a row lacks a column.
struct FeatureTable {
    std::vector<std::string> columns;
    std::vector<RowKey> keys;
    std::vector<double> values;
    std::size_t rows() const { return keys.size(); }
    // Appends a row; unknown names add columns (earlier rows get NaN).
    void add_row(RowKey key, const std::vector<std::string>& names, const std::vector<double>& row_values);
};

// One image-quality check of a study (io::qc rows): status pass / fail / info.
struct QcRow {
    std::string study_id, series_id, check, status, observed, expected;
};

struct RegistryEntry {
    std::string column, tag, ibsi_code, pyradiomics_name, family, unit;
};

struct RunRecord {
    std::string run_id, command, job_text, radhpc_version, git_hash, libraries, host, shard, state;
    double started_at = 0, finished_at = 0;
    int ranks = 1;
    std::int64_t ok = 0, failed = 0, skipped = 0;
};

struct ManifestIssue {
    std::string run_id;
    int line = 0, column = 0;
    std::string study_id, message;
};

struct PatientTable {
    std::vector<std::string> columns;
    std::vector<std::string> patient_ids;
    std::vector<double> values;  // patients x columns
};

struct Contents {
    std::vector<StudyRecord> studies;
    FeatureTable features;
    std::vector<RegistryEntry> registry;
    std::vector<RunRecord> runs;
    std::vector<ManifestIssue> manifest_issues;
    std::vector<QcRow> qc;  // travels with its study's winning record, like feature rows
    PatientTable patients;  // derived on write (see consolidate)
    // Columns that hold lesion volume and surface (for the patient table); empty = absent.
    std::string volume_column, surface_column;
    // Robustness sweeps (robustness.hpp): perturbation list (merged by id, later wins) and the
    // robust stage's result (the latest computed_at wins).
    std::vector<PerturbationRecord> perturbations;
    Robustness robustness;
    // Signature scores (signature.hpp, /signatures): per signature name the latest computed_at wins.
    std::vector<SignatureResult> signatures;
    // Model validations (validation.hpp, /validation): per name, units merged across parts.
    std::vector<ValidationResult> validations;
    // Longitudinal changes (longitudinal.hpp, /longitudinal): the latest computed_at wins.
    Longitudinal longitudinal;
};

// --- files -----------------------------------------------------------------------------------
// Writes one HDF5 file atomically (tmp + fsync + rename). `sync` false skips the fsyncs;
// `compress` chunks and deflates the matrices (parts are written uncompressed).
void write_file(const Contents& contents, const std::string& path, bool sync = true, bool compress = true);
Contents read_file(const std::string& path);

// --- store directories ---------------------------------------------------------------------
// Everything a store holds: store.h5 plus every complete part, reconciled (see reconcile).
// A missing store gives empty contents. `path` may also be a single .h5 file.
// `parts_read`, if given, receives the part files that were read.
Contents load(const std::string& store_path, std::vector<std::string>* parts_read = nullptr);
// Writes a batch of new records as the next part file (atomic). Returns the part's path.
std::string write_part(const std::string& store_path, const Contents& batch, bool sync = true);
// Replaces store.h5 by `contents` (reconciled, sorted, patient table derived), then removes the
// parts (only `parts_included` when given: a part written meanwhile by another run survives) and
// leftover temporaries. Crash-safe: parts are deleted only after the rename.
void consolidate(const std::string& store_path, Contents contents, bool sync = true,
                 const std::vector<std::string>* parts_included = nullptr);
std::string main_file(const std::string& store_path);

// Union of several contents: per study id (per (study id, perturbation) in a sweep) the record with
// the highest (finished_at, sequence) wins, its feature rows with it; runs and manifest issues are concatenated without duplicates.
// Rows sorted by (study id, lesion, perturbation), studies by id: the result does not depend on
// the order of the inputs or of the work.
Contents reconcile(std::vector<Contents> parts);

// Patient-level table: per patient lesion count, total volume and surface, and per feature the
// mean, median, min and max over the patient's lesions.
PatientTable patient_table(const Contents& contents);

// CSV of the feature table (study_id,patient_id,lesion,perturbation,<features>), values "%.17g".
// `pyradiomics_names` prints the registry's PyRadiomics names where it has them.
// `with_metadata` adds each study's metadata (manifest columns such as outcome, DICOM acquisition
// values) after the key columns, for modelling tools that read one table.
void write_csv(const Contents& contents, std::ostream& out, bool pyradiomics_names, bool with_metadata = false);
// The studies' metadata keys in order of first appearance over the studies (the exports' columns).
std::vector<std::string> metadata_keys(const Contents& contents);

// A store that must exist: store::load, but a path that is not a store is an error (load treats
// it as empty). For the read-side commands (inspect, export, diff, report, score).
Contents load_existing(const std::string& path);

// How a record is named in messages: its study, or in a sweep "<study> <perturbation id>".
inline std::string unit_label(const std::string& study_id, const std::string& perturbation) {
    return perturbation == "none" ? study_id : study_id + " " + perturbation;
}

// A stored unix time as UTC ISO 8601 ("2026-01-02T03:04:05Z"); "-" when not set (<= 0).
std::string iso_time(double unix_seconds);

// A study's metadata value for `key` (a manifest column or DICOM key); "" when absent or no study.
std::string metadata_value(const StudyRecord* study, const std::string& key);

// Library versions for provenance ("hdf5 1.10.8").
std::string hdf5_version();

}  // namespace radhpc::store
