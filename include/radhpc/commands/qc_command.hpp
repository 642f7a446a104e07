// `radhpc qc`: DICOM discovery + quality checks over a folder tree or a manifest -> QC CSV (+ metadata CSV).
// Layer `commands`.
#pragma once
#include <string>

namespace radhpc::commands {

struct QcCommand {
    std::string input;     // folder of DICOM files, or a manifest CSV
    std::string settings;  // job file whose dicom/qc keys configure the checks
    std::string out;       // empty or "-": stdout
    std::string metadata;  // also the acquisition metadata table
    bool headers_only = false;
};
int qc(const QcCommand& command);

}  // namespace radhpc::commands
