// A job of independent units of work on MPI ranks, for stages other than extraction (radhpc
// validate: the tuning step and the bootstrap replicates). The same shape as `radhpc run`: rank 0
// plans, hands units out by dynamic self-scheduling (a small queue per rank), computes on a thread
// of its own, and alone receives the results; every other rank computes what it is sent.
// Layer `engine`: knows nothing of what a unit is; results travel as bytes.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace radhpc::engine {

struct UnitJob {
    // Every rank, before anything else: reads what computing needs. An exception ends the run on
    // every rank (rank 0 rethrows it, or names the rank that failed).
    std::function<void()> prepare;
    // Rank 0 after prepare: ids of the units to compute, in dispatch order (largest first).
    std::function<std::vector<std::uint64_t>()> plan;
    // Any rank, one unit at a time per rank: the unit's result. An exception ends the run (rank 0
    // stops handing out units, waits for those out, and rethrows it after `flush`).
    std::function<std::vector<char>(std::uint64_t unit)> compute;
    // Rank 0's main thread, as each result arrives (arrival order differs between runs: what it
    // stores must not depend on that order).
    std::function<void(std::uint64_t unit, std::vector<char> result)> collect;
    // Rank 0: stores what it holds (called periodically, on a stop signal and before an error).
    std::function<void(const std::string& state)> flush;
    // Rank 0 after every unit is back.
    std::function<void()> finish;
};

struct UnitRunStats {
    int rank = 0, ranks = 1;
    std::size_t units = 0;
    double wall_s = 0, compute_wall_s = 0;  // whole run; from the first dispatch to the last result
    double master_busy_s = 0;               // rank 0's main thread receiving, collecting, dispatching
};

// Starts MPI (a singleton without a launcher), limits each rank's TBB threads to `threads` (0:
// cores / ranks on the node), runs the job; SIGTERM/SIGINT/SIGUSR1 on rank 0 flush and exit 99.
// Returns 0; errors are thrown on rank 0 (other ranks return 1).
int run_units(UnitJob& job, int threads, int& argc, char**& argv, UnitRunStats* stats = nullptr);

}  // namespace radhpc::engine
