// Study manifest (CSV; columns in schemas/store_layout.md "Manifest"). Parsing reports every
// problem by line and column before any work starts; a bad row does not stop the others.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace radhpc::engine {

struct ManifestRow {
    int line = 0;  // 1-based line of the row in the file (first line of a quoted multi-line row)
    std::string study_id, patient_id;
    std::string image;                // absolute or relative to the manifest's folder (resolved)
    std::vector<std::string> masks;   // one label file, or one file per lesion ("a.nii.gz;b.nii.gz")
    std::vector<int> labels;          // label values in the label file; empty = job label / components
    std::vector<std::pair<std::string, std::string>> metadata;  // outcome and every extra column
    std::string error;                // non-empty: the row is unusable (message names line and column)
};

struct ManifestIssue {
    int line = 0, column = 0;  // 1-based; column 0 = the whole row
    std::string study_id, message;
    std::string text() const;  // "manifest.csv:12:3: message"
    std::string file;
};

struct Manifest {
    std::string path;
    std::vector<std::string> header;
    std::vector<ManifestRow> rows;       // every row with a study id that is not a duplicate
    std::vector<ManifestIssue> issues;   // every problem (rows with errors and duplicates included)
};

// Required columns: study_id, patient_id, image, mask. Optional: labels, outcome; any other
// column is kept as metadata. A missing required header column or an unreadable file throws
// Error(settings / io) naming line and column; row problems become issues.
Manifest read_manifest(const std::string& path);
Manifest parse_manifest(const std::string& text, const std::string& path, const std::string& base_dir);

}  // namespace radhpc::engine
