// Signature scoring of a store (the job's `signature` section): per lesion and per patient scores
// and classes, metrics against the outcome, written to the store's /signatures group
// (schemas/store_layout.md "Signatures"). Runs as the last stage of `radhpc run` (rank 0, on the
// consolidated contents) and as `radhpc score STORE --job JOB.yaml`.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "radhpc/stats/signature.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::analysis {

// Scores the unperturbed feature rows of `contents`. Never throws for missing inputs: a spec that
// lacks numbers gives status "refused" (message = stats::refusal_message), features absent from
// the store give status "unavailable"; both without rows. computed_at = now.
store::SignatureResult score_signature(const store::Contents& contents, const stats::SignatureSpec& spec, const std::string& job_path);

// The signature and, when the spec has one, its patient model (named "<name>/<model name>":
// patient rows and patient metrics only; refused while its own numbers are missing).
std::vector<store::SignatureResult> score_signatures(const store::Contents& contents, const stats::SignatureSpec& spec,
                                                     const std::string& job_path);

// Fingerprint of the scored store: XXH64 (hex) over every study record's study_id, content_hash
// and status (each field followed by 0x1f, each record by 0x1e, records in store order). A stored
// result whose table_hash differs from this value for the current contents is stale.
std::string signature_table_hash(const store::Contents& contents);

// The spec as used (coefficients resolved from their CSVs), as YAML: provenance in the store.
std::string spec_yaml(const stats::SignatureSpec& spec);

// "signature 'X': N of M lesions and ... patients scored; patient AUC ..." (callers add the
// "radhpc: " prefix or the log's).
std::string signature_summary_line(const store::SignatureResult& result);

// The tables of one stored result as CSV (values %.17g; NaN written as empty cells).
void write_signature_csvs(const store::SignatureResult& result, const std::string& dir);

}  // namespace radhpc::analysis
