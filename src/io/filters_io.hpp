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
// The wavelet level bound of the job schema (filters.items.level / start_level: 0|1 .. 16), which the
// parameter-file reader applies too.
inline constexpr int kMaxWaveletLevel = 16;
// The message of a wavelet name that filters::known_wavelet refuses (all three readers).
inline std::string unknown_wavelet(const std::string& name) {
    return "unknown wavelet '" + name + "' (PyWavelets discrete names: haar, db1-db38, sym2-sym20, coif1-coif17, bior*, rbio*, dmey)";
}

std::vector<FilterSettings> parse_filters(const YAML::Node& list, Profile profile, const std::string& origin);

}  // namespace radhpc::io
