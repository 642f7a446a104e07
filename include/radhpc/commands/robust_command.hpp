// `radhpc robust JOB.yaml` (the sweep through the engine, then the robust stage of
// analysis/robustness on rank 0) and `radhpc export STORE --table icc|robust|clusters|selected`.
#pragma once
#include <iosfwd>
#include <string>

#include "radhpc/engine/run.hpp"

namespace radhpc::commands {

// `radhpc robust`: engine::run (the sweep, under mpirun/srun or not), then the stage on rank 0.
// Exit status: the run's (0 or 1: some units failed; the ICC leaves their subjects out).
int robust(engine::RunOptions options, int& argc, char**& argv);

// `radhpc export STORE --table T`: icc | robust | clusters | selected (the analysis table with
// the selected features, harmonised when ComBat ran; `with_metadata` adds the studies' metadata).
void export_robustness(const std::string& store_path, const std::string& table, std::ostream& out, bool with_metadata);

}  // namespace radhpc::commands
