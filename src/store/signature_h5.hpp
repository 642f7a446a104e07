// Private to the store layer: the HDF5 group /signatures (signature_h5.cpp).
#pragma once
#include "h5.hpp"
#include "radhpc/store/signature.hpp"

namespace radhpc::store {

// Writes /signatures (also when empty: readers see the group).
void write_signature_group(hid_t file, const std::vector<SignatureResult>& signatures);
// An absent group (stores written before signatures) leaves the output empty.
std::vector<SignatureResult> read_signature_group(hid_t file);

}  // namespace radhpc::store
