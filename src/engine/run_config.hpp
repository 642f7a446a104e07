// What the engine takes from the job model (io::Job): its `run` options, where the manifest and
// the store are, the privacy.paths mode, and the settings hash results are keyed on.
// Internal to layer `engine`.
#pragma once
#include <string>

#include "radhpc/engine/study.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/store/privacy.hpp"

namespace radhpc::engine {

struct RunConfig {
    io::RunSection run;
    std::string manifest, store;
    store::PathMode privacy = store::PathMode::relative;
    std::string settings_hash;  // XXH64 (hex) of io::Job::settings_identity
};

RunConfig run_config(const io::Job& job, const std::string& version);

// A worker's options (settings of each lesion, lesion rules, limits, the sweep) from the job.
WorkerOptions worker_options(const io::Job& job);

}  // namespace radhpc::engine
