// What the engine takes from the job model; see run_config.hpp.
#include "run_config.hpp"

#include "radhpc/store/hash.hpp"

namespace radhpc::engine {

RunConfig run_config(const io::Job& job, const std::string& version) {
    RunConfig c;
    c.run = job.run;
    c.manifest = job.manifest;
    c.store = job.store;
    c.privacy = store::parse_path_mode(job.privacy_paths);
    const std::string identity = job.settings_identity(version);
    c.settings_hash = store::to_hex(store::xxh64(identity.data(), identity.size()));
    return c;
}

WorkerOptions worker_options(const io::Job& job) {
    WorkerOptions w;
    w.settings = job.settings;
    w.diagnostics = job.output.diagnostics;
    w.lesion_mode = job.run.lesions_from_components ? LesionMode::components : LesionMode::labels;
    w.min_lesion_voxels = job.run.min_lesion_voxels;
    w.min_lesion_volume_mm3 = job.run.min_lesion_volume_mm3;
    w.time_limit_s = job.run.study_time_limit_s;
    w.memory_budget_mb = job.run.memory_budget_mb;
    w.perturbations = job.perturbations;
    return w;
}

}  // namespace radhpc::engine
