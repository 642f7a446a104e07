// `radhpc validate JOB.yaml` (the job's validate object). Layer `commands`.
#pragma once
#include <iosfwd>
#include <string>

namespace radhpc::commands {

// --- validate -------------------------------------------------------------------------------------
// `radhpc validate JOB.yaml`: the job's "validate" object (schemas/job.schema.json) configures
// the procedure. Returns the output folder.
std::string validate_job(const std::string& job_path, std::ostream& log);

}  // namespace radhpc::commands
