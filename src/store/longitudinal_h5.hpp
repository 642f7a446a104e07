// Private to the store layer: the HDF5 group /longitudinal (longitudinal_h5.cpp).
#pragma once
#include "h5.hpp"
#include "radhpc/store/longitudinal.hpp"

namespace radhpc::store {

void write_longitudinal_group(hid_t file, const Longitudinal& l, bool compress);
// An absent group (stores without a longitudinal stage) leaves it empty; tables that do not fit
// their row counts are an error naming the group.
Longitudinal read_longitudinal_group(hid_t file);

}  // namespace radhpc::store
