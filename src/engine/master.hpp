// Rank 0 of `radhpc run`: plans (manifest x store -> units of work), hands out units by dynamic
// self-scheduling (largest first, a small queue per worker), computes on a thread of its own,
// and is the single writer of the store. Internal to layer `engine`.
#pragma once
#include <chrono>
#include <csignal>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "radhpc/engine/log.hpp"
#include "radhpc/engine/manifest.hpp"
#include "radhpc/engine/run.hpp"
#include "radhpc/engine/study.hpp"
#include "radhpc/store/privacy.hpp"
#include "radhpc/store/store.hpp"
#include "run_config.hpp"
#include "workers.hpp"

namespace radhpc::engine {

// SIGTERM / SIGINT / SIGUSR1 on rank 0 (SLURM time limit, scancel, Ctrl-C): the master flushes
// what it has and ends the run (rerun resumes).
extern "C" void on_stop_signal(int sig);
extern volatile std::sig_atomic_t g_stop_signal;  // the signal rank 0 received (0: none)

// MPI started (MPI_THREAD_FUNNELED; a singleton without a launcher) and the stop signals set:
// rank 0 records SIGTERM/SIGINT/SIGUSR1 in g_stop_signal, other ranks ignore them (run.cpp).
struct MpiWorld {
    int rank = 0, size = 1, node_size = 1;
};
MpiWorld start_mpi(int& argc, char**& argv);

using Clock = std::chrono::steady_clock;

struct PlannedStudy {
    const ManifestRow* row = nullptr;
    std::vector<store::InputFile> inputs;
    std::string content_hash;
    std::uint64_t image_size = 0;
    std::string missing;  // first input that does not exist
    std::string io_error;
};

class Master {
public:
    Master(const RunOptions& o, const RunConfig& c, const WorkerOptions& w, int size, std::function<ComputeFn()> make_compute)
        : opt_(o), cfg_(c), wopt_(w), size_(size), make_compute_(std::move(make_compute)) {}

    // Errors leave with their paths in the job's privacy.paths form.
    int run(const std::string& job_text);

private:
    int run_job(const std::string& job_text);
    void plan();
    // Fills p.inputs (paths in the privacy form, checksums reused when size and mtime match the
    // stored record) and p.content_hash for p.row. Runs in parallel over the studies.
    void plan_inputs(PlannedStudy& p) const;
    // Decides unit (study i, perturbation k) of the plan: a record now (failed row, missing or
    // unreadable input, vanished, unchanged and skipped) or a task to compute.
    void plan_unit(std::size_t i, int k, double now);
    // Hands out the tasks and records the outcomes until every task is back.
    void compute_all();
    // Consolidates the store (signature stage included), prints the summary; the exit status.
    int finish(const std::string& job_text);
    void handle(const StudyOutcome& o);
    void add_record(store::StudyRecord r);
    // Re-records a stored study (same features, rows and QC rows copied into this run's batch)
    // with `record` as its new record: marks and metadata change without recomputing.
    void carry_forward(store::StudyRecord record);
    void flush(const std::string& state);
    void progress(bool final);
    void register_columns(const std::vector<std::string>& names);
    // The study's input files as the manifest gives them (masks without "#ROI"): the known paths
    // replaced in its messages.
    std::vector<std::string> input_paths(const std::string& study_id) const;
    // Everything read back from the store in this run's privacy.paths form (a store written under
    // another mode is rewritten at consolidation; nothing is recomputed).
    void apply_privacy(store::Contents& all) const;

    const RunOptions& opt_;
    RunConfig cfg_;
    WorkerOptions wopt_;
    int size_;
    std::function<ComputeFn()> make_compute_;
    std::string manifest_path_, store_path_;
    store::PathPrivacy privacy_;  // full (identity) until the manifest is known
    Manifest manifest_;
    store::Contents existing_;
    // Stored records by unit key (study id, perturbation id) and, for checksum reuse, by study.
    std::unordered_map<std::string, const store::StudyRecord*> existing_by_id_, existing_by_study_;
    std::unordered_multimap<std::string, std::size_t> existing_rows_, existing_qc_;  // built on first use
    std::vector<PlannedStudy> planned_;
    std::unordered_map<std::string, std::size_t> planned_by_id_;  // study id -> planned_ index
    // Units of work: (study, perturbation index; -1 without a sweep). tasks_ index units_.
    struct Unit {
        std::size_t study = 0;
        int perturbation = -1;
        std::string content_hash;
    };
    std::vector<Unit> units_;
    std::vector<std::size_t> tasks_;  // indices into units_, in dispatch order
    std::vector<store::PerturbationRecord> perturbation_records_;
    std::string perturbation_id(int k) const { return k < 0 ? std::string("none") : wopt_.perturbations[std::size_t(k)].id; }
    static std::string unit_key(const std::string& study, const std::string& perturbation) { return study + '\x1f' + perturbation; }
    store::Contents batch_;
    store::RunRecord run_;
    std::set<std::string> known_columns_;
    std::vector<store::RegistryEntry> registry_;
    std::uint64_t sequence_ = 0;
    std::size_t done_ = 0, computed_failed_ = 0, failed_ = 0, skipped_ = 0, vanished_ = 0, manifest_failed_ = 0;
    bool progress_on_terminal_ = log::stderr_is_terminal();
    Clock::time_point t_start_, t_last_flush_, t_last_progress_, t_compute_start_;
    double plan_s_ = 0, loop_s_ = 0, consolidate_s_ = 0, busy_s_ = 0;  // busy: receive + record + dispatch + write
};

}  // namespace radhpc::engine
