// run_units: see include/radhpc/engine/units.hpp.
#include "radhpc/engine/units.hpp"

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only
#endif
#include <mpi.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "radhpc/core/error.hpp"
#include "master.hpp"  // start_mpi, g_stop_signal
#include "workers.hpp"  // kTag*, Backoff

namespace radhpc::engine {

namespace {

using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// A result on the wire: unit id, ok flag, payload (the result, or the error message).
std::vector<char> encode_result(std::uint64_t unit, bool ok, const std::vector<char>& payload) {
    std::vector<char> b(9 + payload.size());
    std::memcpy(b.data(), &unit, 8);
    b[8] = ok ? 1 : 0;
    std::copy(payload.begin(), payload.end(), b.begin() + 9);
    return b;
}

struct Result {
    std::uint64_t unit = 0;
    bool ok = true;
    std::vector<char> payload;
};

Result decode_result(const std::vector<char>& b) {
    if (b.size() < 9) throw Error(ErrorKind::internal, "run_units: truncated result");
    Result r;
    std::memcpy(&r.unit, b.data(), 8);
    r.ok = b[8] != 0;
    r.payload.assign(b.begin() + 9, b.end());
    return r;
}

Result compute_guarded(const UnitJob& job, std::uint64_t unit) {
    try {
        return {unit, true, job.compute(unit)};
    } catch (const std::exception& e) {
        const std::string m = e.what();
        return {unit, false, std::vector<char>(m.begin(), m.end())};
    }
}

void worker_loop(const UnitJob& job) {
    serve_rank0([&](const std::vector<char>& task) {
        std::uint64_t u = 0;
        if (task.size() != 8) throw Error(ErrorKind::internal, "run_units: malformed unit message");
        std::memcpy(&u, task.data(), 8);
        const Result r = compute_guarded(job, u);
        return encode_result(r.unit, r.ok, r.payload);
    });
}

void stop_workers(int size) {
    for (int r = 1; r < size; ++r) MPI_Send(nullptr, 0, MPI_BYTE, r, kTagStop, MPI_COMM_WORLD);
}

// Rank 0: dispatch and collect. Throws the first unit error (after every unit out is back).
void master_loop(UnitJob& job, int size, UnitRunStats& stats) {
    const std::vector<std::uint64_t> units = job.plan();
    stats.units = units.size();
    const auto t0 = Clock::now();
    std::size_t next = 0, outstanding = 0;
    // Two units per rank: one computing, one waiting, so no rank idles between units.
    constexpr int kDepth = 2;
    std::vector<int> in_flight(std::size_t(size), 0);
    std::optional<std::string> error;
    LocalThreadWorker<std::uint64_t, Result> local([&job](const std::uint64_t& u) { return compute_guarded(job, u); });
    Backoff backoff;
    auto last_flush = Clock::now();
    auto dispatch = [&] {
        if (error) return;
        for (int r = 0; r < size && next < units.size(); ++r)
            while (in_flight[std::size_t(r)] < kDepth && next < units.size()) {
                const std::uint64_t u = units[next++];
                if (r == 0) local.push(u);
                else MPI_Send(&u, 8, MPI_BYTE, r, kTagTask, MPI_COMM_WORLD);
                ++in_flight[std::size_t(r)];
                ++outstanding;
            }
    };
    auto take = [&](int rank, Result r) {
        const auto b = Clock::now();
        --in_flight[std::size_t(rank)];
        --outstanding;
        if (!r.ok) {
            if (!error) error = std::string(r.payload.begin(), r.payload.end());
        } else if (!error) {
            try {
                job.collect(r.unit, std::move(r.payload));
            } catch (const std::exception& e) {
                error = e.what();
            }
        }
        stats.master_busy_s += seconds(b, Clock::now());
    };
    dispatch();
    std::vector<char> buf;
    while (outstanding > 0) {
        bool got = false;
        int flag = 0;
        MPI_Status st;
        while (MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &st), flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            buf.resize(std::size_t(std::max(n, 1)));
            MPI_Recv(buf.data(), n, MPI_BYTE, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            buf.resize(std::size_t(n));
            take(st.MPI_SOURCE, decode_result(buf));
            got = true;
        }
        for (Result r; local.pop_result(r);) {
            take(0, std::move(r));
            got = true;
        }
        if (got) {
            const auto b = Clock::now();
            dispatch();
            stats.master_busy_s += seconds(b, Clock::now());
            backoff.busy();
        } else {
            backoff.idle();
        }
        if (g_stop_signal) {
            if (job.flush) job.flush("interrupted");
            std::fprintf(stderr, "radhpc: signal %d: stored the units finished so far; rerun the same command to resume\n", int(g_stop_signal));
            std::fflush(stderr);
            if (size > 1) MPI_Abort(MPI_COMM_WORLD, 99);
            std::_Exit(99);
        }
        if (job.flush && seconds(last_flush, Clock::now()) >= 2.0) {
            try {
                job.flush("running");
            } catch (const std::exception& e) {
                if (!error) error = e.what();
            }
            last_flush = Clock::now();
        }
    }
    stats.compute_wall_s = seconds(t0, Clock::now());
    if (error) {
        if (job.flush) {
            try {
                job.flush("failed");
            } catch (...) {
            }
        }
        throw Error(ErrorKind::internal, *error);
    }
}

}  // namespace

int run_units(UnitJob& job, int threads, int& argc, char**& argv, UnitRunStats* stats_out) {
    const auto t_start = Clock::now();
    const MpiWorld world = start_mpi(argc, argv);
    const int rank = world.rank, size = world.size, node_size = world.node_size;
    if (threads <= 0) threads = std::max(1, int(std::thread::hardware_concurrency()) / std::max(1, node_size));
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));

    std::string error;
    ErrorKind kind = ErrorKind::internal;
    int ok = 1;
    try {
        job.prepare();
    } catch (const Error& e) {
        error = e.what(), kind = e.kind(), ok = 0;
    } catch (const std::exception& e) {
        error = e.what(), ok = 0;
    }
    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    UnitRunStats stats;
    stats.rank = rank;
    stats.ranks = size;
    if (all_ok) {
        if (rank == 0) {
            // master_loop returns (or throws) only when no unit is out, so every worker is idle
            // and takes the stop either way.
            try {
                master_loop(job, size, stats);
            } catch (const Error& e) {
                error = e.what(), kind = e.kind();
            } catch (const std::exception& e) {
                error = e.what();
            }
            stop_workers(size);
            if (error.empty()) {
                try {
                    job.finish();
                } catch (const Error& e) {
                    error = e.what(), kind = e.kind();
                } catch (const std::exception& e) {
                    error = e.what();
                }
            }
        } else {
            worker_loop(job);
        }
    } else if (rank == 0 && error.empty()) {
        error = "a rank could not read the validation inputs (its message is above)";
    } else if (rank != 0 && !error.empty()) {
        std::fprintf(stderr, "radhpc: rank %d: %s\n", rank, error.c_str());
    }
    MPI_Finalize();
    stats.wall_s = seconds(t_start, Clock::now());
    if (stats_out) *stats_out = stats;
    if (rank != 0) return error.empty() ? 0 : 1;
    if (!error.empty()) throw Error(kind, error);
    return 0;
}

}  // namespace radhpc::engine
