// Robustness sweeps in the batch engine: a job's perturbations (io::JobSettings::perturbations)
// turn each study into one unit of work per perturbation. Private to the engine layer.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "radhpc/core/perturbation.hpp"
#include "radhpc/store/robustness.hpp"

namespace radhpc::engine {

// The job's perturbation list; empty when the job has none (or the settings reader predates
// sweeps), which is the ordinary one-record-per-study run.
template <class Job>
std::vector<Perturbation> job_perturbations(const Job& job) {
    if constexpr (requires { job.perturbations; }) return std::vector<Perturbation>(job.perturbations.begin(), job.perturbations.end());
    else return {};
}

// The steps as text, e.g. "rotation(angle_deg=5);noise(scale=1)" ("none" for no steps); numbers
// round-trip (%.17g). Part of a unit's content hash and of the store's /perturbations table.
std::string perturbation_spec(const Perturbation& p);

// True when a step draws from the seed (noise, contour randomisation).
bool draws_random(const Perturbation& p);

std::vector<store::PerturbationRecord> perturbation_records(const std::vector<Perturbation>& list);

}  // namespace radhpc::engine
