// The signature stage of `radhpc run`; see include/radhpc/engine/signature_stage.hpp.
#include "radhpc/engine/signature_stage.hpp"

#include <exception>

#include "radhpc/analysis/signature.hpp"
#include "radhpc/engine/log.hpp"
#include "radhpc/io/signature_io.hpp"

namespace radhpc::engine {

void signature_preflight(const stats::SignatureSpec& spec) {
    if (const auto refusal = stats::refusal_message(spec); !refusal.empty())
        log::warn("features will be extracted, but the signature will not be scored: " + refusal);
}

void signature_stage(store::Contents& all, const std::string& job_text, const std::string& job_path, bool shard_run) {
    try {
        const auto spec = io::signature_of_job_text(job_text, job_path);
        if (!spec) return;
        if (shard_run) {
            log::info("signature '" + spec->name + "': not scored in a shard run; merge the shards, then: radhpc score MERGED --job " + job_path);
            return;
        }
        auto results = analysis::score_signatures(all, *spec, job_path);
        for (const auto& r : results) (r.status == "scored" ? log::info : log::warn)(analysis::signature_summary_line(r));
        store::merge_signatures(all.signatures, std::move(results));
    } catch (const std::exception& e) {
        log::error(std::string("signature stage failed (features are stored; rerun `radhpc score`): ") + e.what());
    }
}

}  // namespace radhpc::engine
