// `radhpc synth`: a deterministic synthetic CT archive (pipeline/synth.hpp). Layer `commands`.
#pragma once
#include <cstdint>
#include <string>

namespace radhpc::commands {

struct SynthCommand {
    int studies = 10;
    std::uint64_t seed = 1;
    std::string out, size = "small", format = "nifti";  // size: small | clinical; format: nifti | nrrd | dicom
    bool signal = false;
    int sites = 0, timepoints = 0;  // 0: a single-site, single-timepoint archive
};
// Writes the archive and prints its one-line summary on stdout. Exit status 0; errors are thrown.
int synth(const SynthCommand& command);

}  // namespace radhpc::commands
