// One study as a unit of work: read image and masks once, extract every lesion, never throw.
// Layer `engine` (used by the workers; no MPI here).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "radhpc/core/perturbation.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::engine {

struct StudyTask {
    std::uint64_t index = 0;  // position in the master's plan
    std::string study_id, image;
    std::vector<std::string> masks;
    std::vector<int> labels;
    int perturbation = -1;  // sweeps: index into WorkerOptions::perturbations; -1 = no sweep (original lesion)
};

struct LesionRow {
    int lesion = 0;
    std::vector<std::string> names;
    std::vector<double> values;
};

// The outcome fields are store::UnitOutcome's, so the master stores them as they come.
struct StudyOutcome : store::UnitOutcome {
    StudyOutcome() {
        status = "ok";
        rank = 0;
    }
    std::uint64_t index = 0;
    std::vector<LesionRow> lesions;
    std::vector<store::QcRow> qc;  // image-quality checks of DICOM inputs (study_id filled by the master)
    std::vector<std::pair<std::string, std::string>> acquisition;  // DICOM acquisition metadata ("dicom_kvp", ...)
};

enum class LesionMode { labels, components };

struct WorkerOptions {
    Settings settings;
    bool diagnostics = false;
    LesionMode lesion_mode = LesionMode::labels;
    std::size_t min_lesion_voxels = 1;   // components: smaller components are dropped
    double min_lesion_volume_mm3 = 0;    // components: and those below this volume
    double time_limit_s = 0;             // 0 = none
    double memory_budget_mb = 0;         // 0 = none
    std::size_t noop_features = 0;       // benchmark: >0 returns this many synthetic values, reads nothing
    // Robustness sweep: the job's perturbations. Each lesion of a task gets its perturbation with
    // the seed task_seed(seed, study_id, lesion) (src/engine/sweep.hpp). Within a sweep a worker
    // keeps the last study's image and label image, so consecutive units of a study read once.
    std::vector<Perturbation> perturbations;
};

// Lesion mode "components": the 26-connected components of the non-zero voxels of a label map,
// numbered in raster order of their first voxel (deterministic), keeping those with at least
// `min_voxels` voxels; each a mask on the label map's grid (lesion k = the k-th of them).
std::vector<Mask> connected_components(const Volume<std::int16_t>& labels, std::size_t min_voxels);
// The lesions of the label map `mask_path` in mode "components": connected_components with
// min_voxels = max(1, min_lesion_voxels, min_lesion_volume_mm3 / voxel volume rounded up) (the job's
// run.min_lesion_voxels / run.min_lesion_volume_mm3). None left: Error(empty_roi) naming the file.
std::vector<Mask> lesion_components(const Volume<std::int16_t>& labels, std::size_t min_lesion_voxels, double min_lesion_volume_mm3,
                                    const std::string& mask_path);

// Computes every lesion of the study. Bad input becomes status "error" with the kind and a
// message naming the file or lesion; a study over the time limit becomes error "time_limit"
// (its thread is abandoned and finishes in the background); a study whose estimated memory
// exceeds the budget is refused with error "memory" before anything is read.
StudyOutcome process_study(const StudyTask& task, const WorkerOptions& options, int rank);


// True when a study thread was abandoned after its time limit (the process should end with
// _exit after MPI_Finalize instead of running static destructors under it).
bool abandoned_threads();

std::string host_name();
double unix_now();

}  // namespace radhpc::engine
