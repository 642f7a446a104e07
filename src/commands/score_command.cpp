// `radhpc score`; see include/radhpc/commands/score_command.hpp.
#include "radhpc/commands/score_command.hpp"

#include <filesystem>
#include <ostream>

#include "radhpc/analysis/signature.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::commands {
namespace fs = std::filesystem;

int score_store(const ScoreOptions& o, std::ostream& out, std::ostream& log) {
    const io::Job job = io::read_job(o.job);
    if (!job.signature) throw Error(ErrorKind::settings, o.job + ": the job has no `signature` section");
    if (!fs::exists(store::main_file(o.store)) && !fs::is_directory(fs::path(o.store) / "parts"))
        throw Error(ErrorKind::io, o.store + ": no store here");
    std::vector<std::string> parts_read;
    store::Contents all = store::load(o.store, &parts_read);
    auto results = analysis::score_signatures(all, *job.signature, o.job);
    // the exit status is the signature's; a patient model that cannot score is reported only
    const bool scored = results.front().status == "scored";
    for (const auto& r : results) (r.status == "scored" ? out : log) << "radhpc: " << analysis::signature_summary_line(r) << "\n";
    if (!o.csv_dir.empty()) {
        analysis::write_signature_csvs(results.front(), o.csv_dir);
        if (results.size() > 1) analysis::write_signature_csvs(results[1], (fs::path(o.csv_dir) / "patient_model").string());
    }
    store::merge_signatures(all.signatures, std::move(results));
    store::consolidate(o.store, std::move(all), true, &parts_read);
    return scored ? 0 : 2;
}

}  // namespace radhpc::commands
