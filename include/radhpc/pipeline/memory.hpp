// How much memory this process may plan for, and the check a lesion's grids pass before they are
// allocated (issue 13: every allocation an input or a setting can inflate is estimated first).
// Layer `pipeline`.
#pragma once
#include <string>

#include "radhpc/core/settings.hpp"

namespace radhpc::pipeline {

// The node's memory in MiB: MemTotal (what a batch run divides among its ranks) or MemAvailable
// (what `radhpc extract` may take now), capped by the cgroup limit a batch system sets. 0 if unknown.
enum class NodeMemory { total, available };
double node_memory_mb(NodeMemory which);

// Estimated bytes a study holds for all its lesions, from the image header (NIfTI, NRRD; 0 if
// unknown or not a regular file): image, label map, a lesion mask, whole-image copies a setting asks
// for. Each lesion's own grids are checked by extract() before they are allocated.
double estimate_study_bytes(const std::string& image_path, const Settings& settings);

// True when `bytes` exceed settings.memory_budget_mb (0: no limit).
bool over_memory_budget(const Settings& settings, double bytes);
// Throws Error(memory) naming `what` when over_memory_budget(settings, bytes).
void check_memory_budget(const Settings& settings, double bytes, const std::string& who, const std::string& what);

// One lesion on this machine, outside the batch (radhpc extract, the Python module): the job's
// run.memory_budget_mb, else what the machine has free now.
void budget_for_one_lesion(Settings& settings);

}  // namespace radhpc::pipeline
