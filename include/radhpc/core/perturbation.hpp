// Image perturbations for robustness sweeps (Zwanenburg et al., Sci Rep 2019; IBSI 1 CT tolerance
// scheme). A perturbation is a chain of steps applied to one lesion before feature extraction;
// each is deterministic from its seed. Layer `core`: plain data, the work is in preprocess/perturb.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc {

struct PerturbationStep {
    enum class Kind { rotation, translation, noise, volume, contour };
    Kind kind = Kind::rotation;
    double angle_deg = 0;                      // rotation: in-plane, about the z axis through the ROI centre
    std::array<double, 3> shift{0, 0, 0};      // translation: fraction of the working voxel spacing per axis
    double noise_scale = 0;                    // noise: SD as a multiple of the image's estimated noise level
    double grow_mm = 0;                        // volume: > 0 dilate, < 0 erode by this distance (mm)
    double volume_fraction = 0;                // volume: grow (> 0) / shrink (< 0) the ROI volume by this fraction
    // contour: supervoxel-based contour randomisation (draws from the perturbation's seed)
};

struct Perturbation {
    std::string id = "none";              // row label in the store; unique within a sweep
    std::vector<PerturbationStep> steps;  // applied in order; empty = the unperturbed lesion
    std::uint64_t seed = 0;               // noise and contour randomisation draw from this
    bool none() const { return steps.empty(); }
};

}  // namespace radhpc
