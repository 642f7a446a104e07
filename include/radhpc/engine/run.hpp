// `radhpc run`: the batch engine over a study manifest.
// Layer `engine`: MPI (master/worker), pipeline (per study) and store (HDF5).
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace radhpc::engine {

struct RunOptions {
    std::string job_path;
    std::string manifest;  // overrides the job file's `manifest`
    std::string store;     // overrides the job file's `store`
    std::string shard;     // "I/N" (0 <= I < N): only studies with hash(study_id) % N == I
    int threads = 0;       // TBB threads per rank; 0 = job file's run.threads, else cores / ranks per node
    std::string command_line, version, git_hash;  // provenance (compile definitions of the executable)
    std::size_t bench_noop_features = 0;  // benchmark: workers return this many fake values, read nothing
    bool bench_master_only = false;       // benchmark: rank 0 does not compute
    // Called on rank 0 after the run finished (store consolidated; other ranks wait in
    // MPI_Finalize): `radhpc robust` runs its stage here. Arguments: store path, job text.
    std::function<void(const std::string&, const std::string&)> after_run;
};

// Runs the job (initialises and finalises MPI; works with mpirun, srun or no launcher).
// Returns the exit status: 0 all studies ok or skipped, 1 some studies (or manifest rows) failed.
// Throws radhpc::Error for a job that cannot start (bad job file, unreadable manifest header).
int run(const RunOptions& options, int& argc, char**& argv);

// `radhpc worker-child FD PARENT_PID`: the study process a rank starts and supervises (crash
// isolation, src/engine/isolate.cpp); reads tasks from FD and answers outcomes. Internal.
int worker_child_main(int argc, char** argv);

}  // namespace radhpc::engine
