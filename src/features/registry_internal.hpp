// Registry rows that no family declares (registry_table.cpp); registry.cpp collects them with the
// declared families.
#pragma once
#include <span>

#include "radhpc/features/registry.hpp"

namespace radhpc::features::detail {

std::span<const FeatureInfo> hand_rows_before();
std::span<const FeatureInfo> hand_rows_after();

}  // namespace radhpc::features::detail
