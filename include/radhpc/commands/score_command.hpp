// `radhpc score STORE --job JOB.yaml`: a job's signature scored on an existing store.
#pragma once
#include <iosfwd>
#include <string>

namespace radhpc::commands {

struct ScoreOptions {
    std::string store, job;
    std::string csv_dir;  // optional: lesions.csv, patients.csv, metrics.csv of the signature written here
};
// `radhpc score`: loads the store, scores the job's signature, consolidates the store with the
// result (atomic, as a run's consolidation). Returns 0 when scored, 2 when refused or unavailable
// (the message on `log`). Throws Error(settings) when the job has no `signature` section.
int score_store(const ScoreOptions& options, std::ostream& out, std::ostream& log);

}  // namespace radhpc::commands
