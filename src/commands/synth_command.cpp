#include "radhpc/commands/synth_command.hpp"

#include <iostream>

#include "radhpc/pipeline/synth.hpp"

namespace radhpc::commands {

int synth(const SynthCommand& o) {
    pipeline::SynthOptions so;
    so.size = o.size == "clinical" ? pipeline::SynthSize::clinical : pipeline::SynthSize::small;
    so.format = o.format == "nrrd"    ? pipeline::SynthFormat::nrrd
                : o.format == "dicom" ? pipeline::SynthFormat::dicom
                                      : pipeline::SynthFormat::nifti;
    so.signal = o.signal;
    so.sites = o.sites;
    so.timepoints = o.timepoints;
    std::cout << pipeline::synth_command(o.out, o.studies, o.seed, so) << "\n";
    return 0;
}

}  // namespace radhpc::commands
