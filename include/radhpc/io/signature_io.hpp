// The job file's `signature` section (schemas/job.schema.json) -> stats::SignatureSpec, reading
// the coefficient and standardisation CSVs it names (paths relative to the job file's folder).
#pragma once
#include <optional>
#include <string>

#include "radhpc/stats/signature.hpp"

namespace YAML {
class Node;
}

namespace radhpc::io {

// `origin`: the job file (its folder resolves relative paths; "<job>" or empty: the working
// directory). Throws Error(settings) for contradictory or unreadable inputs (a CSV that cannot be
// read, a coefficient for an unknown term, sd <= 0). Numbers that are simply absent (intercept,
// standardisation) are not errors here: stats::missing_inputs reports them when scoring.
stats::SignatureSpec parse_signature(const YAML::Node& section, const std::string& origin);

// The `signature` section of a job text, if it has one (the text is already schema-validated).
std::optional<stats::SignatureSpec> signature_of_job_text(const std::string& yaml_text, const std::string& origin);

}  // namespace radhpc::io
