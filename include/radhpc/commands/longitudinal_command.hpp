// `radhpc longitudinal JOB.yaml [--manifest F] [--store DIR]` (issue 18) and the export of its
// tables. Layer `commands`; the computation is analysis/longitudinal.
#pragma once
#include <iosfwd>
#include <string>

namespace radhpc::commands {

struct LongitudinalOptions {
    std::string job_path, manifest, store;  // manifest / store override the job's
};
// Reads the manifest's timepoints and lesion identities and the store's rows, computes the
// longitudinal tables and writes them into the store's /longitudinal. Returns the exit status.
int longitudinal(const LongitudinalOptions& o, std::ostream& log);

// `radhpc export STORE --table longitudinal|longitudinal-burden|longitudinal-tests|longitudinal-classes`.
void export_longitudinal(const std::string& store, const std::string& table, std::ostream& out);

// `radhpc export`: every table of a store (features, robust stage, validation, longitudinal).
struct ExportOptions {
    std::string store, format = "csv", names = "ibsi", out, table = "features", name;
    bool metadata = false;
};
int export_table(const ExportOptions& o, std::ostream& log);

}  // namespace radhpc::commands
