// Private to the store layer: the HDF5 group /validation (validation_h5.cpp).
#pragma once
#include "h5.hpp"
#include "radhpc/store/validation.hpp"

namespace radhpc::store {

// Writes /validation/<name> for each validation (no group when there is none).
void write_validation_group(hid_t file, const std::vector<ValidationResult>& validations, bool compress);
// An absent group (stores written before validations) leaves the output empty.
std::vector<ValidationResult> read_validation_group(hid_t file);

}  // namespace radhpc::store
