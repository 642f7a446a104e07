// `radhpc extract`: one lesion -> feature,value CSV (or a filled IBSI submission table). Layer `commands`.
#pragma once
#include <optional>
#include <string>

namespace radhpc::commands {

struct ExtractCommand {
    std::string image, mask;
    std::optional<int> label;          // default: the settings' label
    std::string roi;                   // RTSTRUCT ROI / SEG segment (default: the job's dicom.roi)
    std::string settings, pyradiomics_params;  // exactly one
    std::string names;                 // ibsi | pyradiomics | empty (the job's output.names)
    std::string out;                   // empty or "-": stdout
    std::string ibsi_table;            // fill this IBSI submission table into `out` instead
    bool timings = false, diagnostics = false;
};
// Exit status 0; errors are thrown (radhpc::Error).
int extract(const ExtractCommand& command);

}  // namespace radhpc::commands
