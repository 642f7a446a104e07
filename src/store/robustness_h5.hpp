// Private to the store layer: HDF5 groups /perturbations and /robustness (robustness.cpp).
#pragma once
#include "h5.hpp"
#include "radhpc/store/robustness.hpp"

namespace radhpc::store {

void write_sweep_groups(hid_t file, const std::vector<PerturbationRecord>& perturbations, const Robustness& robustness,
                        bool compress);
// Absent groups (stores written before sweeps) leave the outputs empty.
void read_sweep_groups(hid_t file, std::vector<PerturbationRecord>& perturbations, Robustness& robustness);

}  // namespace radhpc::store
