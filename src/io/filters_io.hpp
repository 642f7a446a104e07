// The job file's `filters` list -> typed FilterSettings (core/filter_settings.hpp). Internal to io:
// settings_io.cpp calls it after the schema check (types, enums, ranges, unknown keys).
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "radhpc/core/settings.hpp"

namespace radhpc::io {

// Checks what the schema cannot (which keys a filter type takes, required keys, odd supports, Laws
// kernel and wavelet names, sub-band letters, unique names) and converts. Every error names the key
// ("filters[1].kernel: ..."). `profile` decides the semantics; the pyradiomics profile's image types
// are not implemented yet and are refused.
std::vector<FilterSettings> parse_filters(const YAML::Node& list, Profile profile, const std::string& origin);

}  // namespace radhpc::io
