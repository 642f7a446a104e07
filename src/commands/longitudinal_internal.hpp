// Private to `radhpc longitudinal` (longitudinal_command.cpp, longitudinal_matching.cpp).
#pragma once
#include <iosfwd>
#include <map>
#include <string>

#include "radhpc/analysis/longitudinal.hpp"
#include "radhpc/engine/manifest.hpp"

namespace radhpc::commands {

// longitudinal.matching: per patient and pair of consecutive timepoints, matches of the lesions by
// centroid (label-file masks read here) after a rigid alignment (stats::match_lesions), written to
// `output` as CSV; with matching.use the matches become the studies' lesion identities (the first
// timepoint's lesions by label, a matched lesion inherits its earlier identity, others are new).
void propose_matches(const io::LongitudinalSection& cfg, const engine::Manifest& manifest,
                     std::map<std::string, analysis::StudyTimepoint>& studies, const std::string& output, std::ostream& log);

}  // namespace radhpc::commands
