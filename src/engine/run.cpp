// `radhpc run`: starts MPI, reads and broadcasts the job, then rank 0 runs the Master
// (master.cpp) and every other rank a remote worker (workers.cpp); each computes its studies in a
// supervised study process (isolate.cpp) unless run.isolation is none.
#include "radhpc/engine/run.hpp"

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only (parallel HDF5 and Open MPI headers pull in the C++ bindings otherwise)
#endif
#include <mpi.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "radhpc/core/error.hpp"
#include "radhpc/engine/log.hpp"
#include "radhpc/engine/signature_stage.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/io/settings_io.hpp"
#include "run_config.hpp"
#include "isolate.hpp"
#include "master.hpp"
#include "run_inputs.hpp"
#include "workers.hpp"

namespace radhpc::engine {

MpiWorld start_mpi(int& argc, char**& argv) {
    MpiWorld w;
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &w.node_size);
    MPI_Comm_free(&node);
    // Rank 0 flushes what it has and ends the job on these (SLURM time limit, scancel, Ctrl-C);
    // other ranks ignore them and are ended with the job.
    if (w.rank == 0) {
        std::signal(SIGTERM, on_stop_signal);
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGUSR1, on_stop_signal);
        // A file-size limit (ulimit -f, RLIMIT_FSIZE) makes the store write fail with EFBIG, a clear
        // io error, instead of killing the writer with SIGXFSZ. (A small limit also stops Open
        // MPI's PMIx shared-memory files; the disk-full test uses a tmpfs instead.)
        std::signal(SIGXFSZ, SIG_IGN);
    } else {
        std::signal(SIGTERM, SIG_IGN);
        std::signal(SIGUSR1, SIG_IGN);
    }
    return w;
}

int run(const RunOptions& options, int& argc, char**& argv) {
    const MpiWorld world = start_mpi(argc, argv);
    const int rank = world.rank, size = world.size, node_size = world.node_size;
    log::configure(log::level(), rank);  // lines of ranks > 0 name their rank

    // The job text is read once and broadcast: every rank parses the same settings.
    std::string text, read_error;
    if (rank == 0) {
        try {
            text = io::read_job_file(options.job_path).text;
        } catch (const std::exception& e) {
            read_error = e.what();
        }
    }
    std::uint64_t len = text.size();
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    text.resize(len);
    if (len > 0) MPI_Bcast(text.data(), int(len), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (len == 0) {
        MPI_Finalize();
        if (rank == 0) throw Error(ErrorKind::settings, read_error.empty() ? options.job_path + ": empty job file" : read_error);
        return 0;
    }

    int status = 0;
    std::string error;
    ErrorKind error_kind = ErrorKind::internal;
    try {
        const io::Job job = io::parse_job(text, options.job_path);
        if (rank == 0 && job.signature) signature_preflight(*job.signature);
        const RunConfig cfg = run_config(job, options.version);
        WorkerOptions w = worker_options(job);  // the study process derives the same from the same text
        if (w.memory_budget_mb <= 0) w.memory_budget_mb = default_memory_budget_mb(node_size);
        w.settings.memory_budget_mb = w.memory_budget_mb;  // each lesion's grids are held to it too
        w.noop_features = options.bench_noop_features;
        int threads = options.threads > 0 ? options.threads : cfg.run.threads;
        if (threads <= 0) threads = std::max(1, int(std::thread::hardware_concurrency()) / std::max(1, node_size));
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
        // How a worker computes a study: in a supervised study process (default), or in the rank
        // itself (run.isolation: none; a crash then takes the rank and the run down).
        auto make_compute = [&, threads, rank]() -> ComputeFn {
            if (!cfg.run.isolation_process) return [&w, rank](const StudyTask& t) { return compute_study(t, w, rank); };
            ChildSetup setup{text, options.job_path, options.version, w.memory_budget_mb, w.noop_features, threads, rank,
                             int(log::level())};
            auto sup = std::make_shared<StudySupervisor>(std::move(setup), w.time_limit_s);
            return [sup](const StudyTask& t) { return sup->run(t); };
        };
        if (rank == 0) {
            Master master(options, cfg, w, size, make_compute);
            try {
                status = master.run(text);
            } catch (...) {
                // Release the workers before reporting: they wait for tasks or a stop.
                for (int r = 1; r < size; ++r) MPI_Send(nullptr, 0, MPI_BYTE, r, kTagStop, MPI_COMM_WORLD);
                throw;
            }
            if (options.after_run) options.after_run(!options.store.empty() ? options.store : cfg.store, text);
        } else {
            remote_worker(make_compute());
        }
    } catch (const Error& e) {
        error = e.what();
        error_kind = e.kind();
    } catch (const std::exception& e) {
        error = e.what();
    }
    MPI_Finalize();
    if (!error.empty()) throw Error(error_kind, error);
    if (abandoned_threads()) {
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(status);  // a runaway study thread is still running: skip static destructors
    }
    return status;
}

}  // namespace radhpc::engine
