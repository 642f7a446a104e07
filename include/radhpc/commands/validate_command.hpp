// `radhpc validate JOB.yaml [--store DIR]` (the job's validate object). Layer `commands`.
#pragma once
#include <iosfwd>
#include <string>

#include "radhpc/store/store.hpp"

namespace radhpc::commands {

struct ValidateOptions {
    std::string job_path;
    std::string store;    // overrides the job's top-level store:
    std::string version;  // radhpc version: part of a stored validation's identity
};

// `radhpc validate JOB.yaml`: the job's "validate" object (schemas/job.schema.json) configures
// the procedure. Without a store (neither --store nor the job's store:) it computes on this
// node's threads and writes validate.output (a CSV/JSON folder). With a store it runs on the MPI
// engine (mpirun/srun or no launcher): the tuning step and each bootstrap replicate are units,
// stored in /validation/<name> as they finish (a rerun computes only the missing ones), then
// the summary; validate.output, if given, is exported from the store. Returns the exit status.
int validate(const ValidateOptions& options, int& argc, char**& argv, std::ostream& log);

// `radhpc export STORE --table validation --name N --out DIR`: the stored validation's folder.
void export_validation(const std::string& store_path, const std::string& name, const std::string& out_dir);

// Whether a stored validation's table changed since (its values are read again from the store or
// the CSV as the stored settings say). Empty: unchanged; else why it is stale.
std::string validation_staleness(const store::ValidationResult& v, const store::Contents& contents, const std::string& store_path);

}  // namespace radhpc::commands
