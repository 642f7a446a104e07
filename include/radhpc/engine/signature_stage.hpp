// The signature stage of `radhpc run` (rank 0, on the consolidated contents): scores the job's
// `signature` section with analysis::score_signatures and logs one line per result.
// Layer `engine` (it reports through engine::log).
#pragma once
#include <string>

#include "radhpc/stats/signature.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::engine {

// `radhpc run` stage: if the job text has a `signature` section, scores `all` and puts the
// result into all.signatures (replacing the one of the same name). Shard runs only log that the
// merged store must be scored. One summary line per result through engine::log (info; a refusal
// is a warning, so --quiet still shows it); never throws.
void signature_stage(store::Contents& all, const std::string& job_text, const std::string& job_path, bool shard_run);

// Before a run computes anything (rank 0): warns when the job's signature will not be able to
// score (numbers missing), so a long run does not end with that surprise.
void signature_preflight(const stats::SignatureSpec& spec);

}  // namespace radhpc::engine
