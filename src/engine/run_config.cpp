// The job's engine options and settings identity; see run_config.hpp.
#include "run_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/store/hash.hpp"
#include "isolate.hpp"
#include "sweep.hpp"

namespace radhpc::engine {

RunConfig parse_run_config(const std::string& job_text, const std::string& version) {
    RunConfig c;
    YAML::Node root = YAML::Load(job_text);
    if (root["manifest"]) c.manifest = root["manifest"].as<std::string>();
    if (root["store"]) c.store = root["store"].as<std::string>();
    std::string lesion_key = "labels";
    if (auto r = root["run"]) {
        if (r["lesions"]) lesion_key = r["lesions"].as<std::string>();
        if (r["min_lesion_voxels"]) c.min_lesion_voxels = r["min_lesion_voxels"].as<std::size_t>();
        if (r["min_lesion_volume_mm3"]) c.min_lesion_volume_mm3 = r["min_lesion_volume_mm3"].as<double>();
        if (r["study_time_limit_s"]) c.time_limit_s = r["study_time_limit_s"].as<double>();
        if (r["memory_budget_mb"]) c.memory_budget_mb = r["memory_budget_mb"].as<double>();
        if (r["threads"]) c.threads = r["threads"].as<int>();
        if (r["flush_interval_s"]) c.flush_interval_s = r["flush_interval_s"].as<double>();
        if (r["flush_results"]) c.flush_results = r["flush_results"].as<std::size_t>();
        if (r["progress_interval_s"]) c.progress_interval_s = r["progress_interval_s"].as<double>();
        if (r["fsync"]) c.fsync = r["fsync"].as<bool>();
        if (r["checksums"]) c.full_checksums = r["checksums"].as<std::string>() == "always";
        if (r["master_computes"]) c.master_computes = r["master_computes"].as<bool>();
        if (r["retry_errors"]) c.retry_errors = r["retry_errors"].as<bool>();
        if (r["queue_depth"]) c.queue_depth = std::max(1, r["queue_depth"].as<int>());
        if (r["isolation"]) c.isolate = r["isolation"].as<std::string>() != "none";
    }
    c.lesion_mode = lesion_key == "components" ? LesionMode::components : LesionMode::labels;
    // Settings identity: the job without names, paths and engine options (comments and key
    // spelling of the YAML do not matter, values do), plus what changes rows and the version.
    // A sweep's perturbations enter each unit's hash one by one (Master::plan), and the robust
    // stage's options change no feature: neither is part of the identity. Nor does `privacy`
    // (how input paths are written).
    for (const char* k : {"name", "description", "manifest", "store", "run", "perturbations", "robust", "signature", "privacy"})
        root.remove(k);
    YAML::Emitter e;
    e << root;
    const std::string identity = std::string(e.c_str()) + "\nlesions=" + lesion_key +
                                 "\nmin_lesion_voxels=" + std::to_string(c.min_lesion_voxels) +
                                 "\nmin_lesion_volume_mm3=" + std::to_string(c.min_lesion_volume_mm3) + "\nradhpc=" + version;
    c.settings_hash = store::to_hex(store::xxh64(identity.data(), identity.size()));
    return c;
}

WorkerOptions make_worker_options(const std::string& text, const std::string& job_path, const std::string& version) {
    const io::JobSettings job = io::parse_job_text(text, job_path);
    const RunConfig cfg = parse_run_config(text, version);
    WorkerOptions w;
    w.settings = job.settings;
    w.diagnostics = job.output.diagnostics;
    w.lesion_mode = cfg.lesion_mode;
    w.min_lesion_voxels = cfg.min_lesion_voxels;
    w.min_lesion_volume_mm3 = cfg.min_lesion_volume_mm3;
    w.time_limit_s = cfg.time_limit_s;
    w.memory_budget_mb = cfg.memory_budget_mb;
    w.perturbations = job_perturbations(job);
    return w;
}

}  // namespace radhpc::engine
