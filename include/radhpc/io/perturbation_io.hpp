// The job file's `perturbations` section (schemas/job.schema.json) -> an expanded list of
// Perturbation chains (core/perturbation.hpp), one per extraction of every lesion.
//
// Expansion (documented in the schema too):
//  - kinds: rotation angles, translations (every combination of `fractions` over `axes`), noise
//    repetitions, volume (grow_mm or fractions), contour repetitions.
//  - combine: product -> the cartesian product of the listed kinds (IBSI 1's tolerance scheme:
//    7 angles x 16 in-plane translations x 3 ROI versions = 336 chains); separate -> each value of
//    each kind alone, in the order rotation, translation, noise, volume, contour.
//  - include_original (default true) prepends {id "none", no steps}.
//  - steps of a chain are in the order rotation, translation, noise, volume, contour; zero steps
//    are kept (they are no-ops at extraction) so every combination has its row.
//  - ids: "none", "rot-15_tx0.25_ty0.50_vol-2mm", "noise1x_r0", "volfrac+0.10", "contour_r2";
//    duplicate ids (e.g. an angle listed twice) are an error naming the key path.
//
// Seeds: perturbation i (0-based position in the expanded list, "none" included) gets
//   seed_i = derive_seed(job_seed, i)
// and the batch worker should give each (study, lesion) its own draws with
//   derive_seed(seed_i, "<study_id>/<lesion label>")
// so a lesion's noise/contour realisation does not depend on which rank ran it or on the
// manifest order. Within a chain, step k draws from derive_seed(perturbation.seed, k)
// (preprocess/perturb.hpp).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "radhpc/core/perturbation.hpp"

namespace YAML {
class Node;
}

namespace radhpc::io {

struct PerturbationPlan {
    std::uint64_t seed = 0;
    bool include_original = true;
    bool product = true;                        // combine: product (true) | separate (false)
    std::vector<double> rotation_angles;        // degrees; empty = no rotation kind
    std::vector<double> translation_fractions;  // fractions of the working spacing; empty = none
    std::string translation_axes = "xy";        // x, y, z, xy, xyz
    int noise_repetitions = 0;                  // 0 = no noise kind
    double noise_scale = 1.0;
    std::vector<double> volume_grow_mm;         // either this ...
    std::vector<double> volume_fractions;       // ... or this (not both)
    int contour_repetitions = 0;                // 0 = no contour kind
};

// IBSI 1's CT tolerance scheme (IBSI manual, "Benchmarks"): rotations -15..15 deg in 5 deg steps,
// translations {0, 0.25, 0.5, 0.75} x voxel spacing in x and y, ROI eroded 2 mm / kept / dilated 2 mm.
// 336 perturbations (include_original = false).
PerturbationPlan ibsi_tolerance_plan();

// The expanded list. Throws Error(settings) naming the key path for duplicate ids.
std::vector<Perturbation> expand_perturbations(const PerturbationPlan& plan, const std::string& path = "perturbations");

// Reads the `perturbations` node (already schema-validated). Errors name the key path.
PerturbationPlan parse_perturbation_plan(const YAML::Node& node, const std::string& path = "perturbations");
std::vector<Perturbation> parse_perturbations(const YAML::Node& node, const std::string& path = "perturbations");

// splitmix64-based seed derivation (same on every platform).
std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index);
std::uint64_t derive_seed(std::uint64_t seed, std::string_view key);

// The seed of one (perturbation, study, lesion) task, as the batch worker draws it:
// derive_seed(perturbation_seed, "<study_id>/<lesion>"). Deterministic, independent of ranks, order
// and resume; `radhpc mask --perturbation --study-id --lesion` reproduces a run's draws with it.
std::uint64_t lesion_seed(std::uint64_t perturbation_seed, const std::string& study_id, int lesion);

}  // namespace radhpc::io
