// Private to the dist layer: opening an existing store for the read-side commands.
#pragma once
#include <string>

#include "radhpc/store/store.hpp"

namespace radhpc::dist {

// store::load, but a path that is not a store is an error (store::load treats it as empty).
store::Contents load_existing(const std::string& path);

}  // namespace radhpc::dist
