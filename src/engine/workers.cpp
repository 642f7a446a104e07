// A worker rank's loop; see workers.hpp.
#include "workers.hpp"

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only
#endif
#include <mpi.h>

#include <algorithm>
#include <vector>

#include "wire.hpp"

namespace radhpc::engine {

void serve_rank0(const AnswerFn& answer) {
    std::deque<std::vector<char>> queue;
    std::deque<std::pair<std::vector<char>, MPI_Request>> sending;  // results in flight (deque: stable addresses)
    bool stop = false;
    Backoff backoff;
    std::vector<char> buf;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        while (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            buf.resize(std::size_t(std::max(n, 1)));
            MPI_Recv(buf.data(), n, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            buf.resize(std::size_t(n));
            if (st.MPI_TAG == kTagStop) stop = true;
            else queue.push_back(buf);
        }
        if (queue.empty()) {
            if (stop) {
                for (auto& [msg, req] : sending) MPI_Wait(&req, MPI_STATUS_IGNORE);
                return;
            }
            backoff.idle();
            continue;
        }
        backoff.busy();
        const std::vector<char> task = std::move(queue.front());
        queue.pop_front();
        // Non-blocking send: a result above the eager limit waits for the master's receive,
        // and the worker goes on computing meanwhile.
        sending.emplace_back(answer(task), MPI_REQUEST_NULL);
        MPI_Isend(sending.back().first.data(), int(sending.back().first.size()), MPI_BYTE, 0, kTagResult, MPI_COMM_WORLD,
                  &sending.back().second);
        while (!sending.empty()) {
            int done = 0;
            MPI_Test(&sending.front().second, &done, MPI_STATUS_IGNORE);
            if (!done) break;
            sending.pop_front();
        }
    }
}

void remote_worker(const ComputeFn& compute) {
    std::vector<std::string> last_names;
    serve_rank0([&](const std::vector<char>& task) { return encode(compute(decode_task(task)), last_names); });
}

}  // namespace radhpc::engine
