// `radhpc merge`, `inspect`, `export`: read-side commands over stores (no MPI).
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace radhpc::commands {

// Combines stores (shards) into `out` (a store directory); identical to one run over all studies.
void merge(const std::vector<std::string>& stores, const std::string& out);

// Human-readable summary: counts, failures with reasons, manifest issues, runs, settings.
void inspect(const std::string& store, std::ostream& out);

// Feature table as CSV (one row per study/lesion/perturbation).
void export_csv(const std::string& store, bool pyradiomics_names, std::ostream& out, bool with_metadata = false);

}  // namespace radhpc::commands
