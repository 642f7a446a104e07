// The job's engine options (`manifest`, `store`, `run`, `privacy`) and the settings identity of a
// run's results. Internal to layer `engine`.
#pragma once
#include <cstddef>
#include <string>

#include "radhpc/engine/study.hpp"
#include "radhpc/store/privacy.hpp"

namespace radhpc::engine {

struct RunConfig {
    std::string manifest, store;
    LesionMode lesion_mode = LesionMode::labels;
    std::size_t min_lesion_voxels = 1;
    double min_lesion_volume_mm3 = 0;
    double time_limit_s = 0, memory_budget_mb = 0;
    int threads = 0;
    double flush_interval_s = 2.0;
    std::size_t flush_results = 1000;
    double progress_interval_s = 10.0;
    bool fsync = true;
    bool full_checksums = false;
    bool master_computes = true;
    bool retry_errors = false;
    int queue_depth = 2;
    bool isolate = true;  // run.isolation: process (a study process per rank, crash-proof) | none (in the rank)
    store::PathMode privacy = store::PathMode::relative;  // privacy.paths (from io::JobSettings)
    std::string settings_hash;
};

// Reads the engine options of a job text (absent keys: the defaults above) and its settings hash.
RunConfig parse_run_config(const std::string& job_text, const std::string& version);

}  // namespace radhpc::engine
