// Private to the dist layer: opening an existing store for the read-side commands (inspect,
// export, diff, report) and printing its timestamps.
#pragma once
#include <string>

#include "radhpc/store/store.hpp"

namespace radhpc::dist {

// store::load, but a path that is not a store is an error (store::load treats it as empty).
store::Contents load_existing(const std::string& path);

// How a record is named in messages: its study, or in a sweep "<study> <perturbation id>".
inline std::string unit_label(const std::string& study_id, const std::string& perturbation) {
    return perturbation == "none" ? study_id : study_id + " " + perturbation;
}

// A stored unix time as UTC ISO 8601 ("2026-01-02T03:04:05Z"); "-" when not set (<= 0).
std::string iso_time(double unix_seconds);

}  // namespace radhpc::dist
