// The two kinds of worker of a run: another MPI rank (remote_worker), or a thread inside rank 0
// (LocalWorker) while rank 0's main thread owns MPI and the store. Internal to layer `engine`.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "radhpc/engine/study.hpp"

namespace radhpc::engine {

// MPI tags between rank 0 and the other ranks.
constexpr int kTagTask = 1, kTagStop = 2, kTagResult = 3;

using ComputeFn = std::function<StudyOutcome(const StudyTask&)>;

// Sleeps a little longer each idle round (a few microseconds while results stream in, at most
// 250 us when idle) so that a waiting rank does not take a core from a computing one.
struct Backoff {
    int us = 20;
    void idle() {
        std::this_thread::sleep_for(std::chrono::microseconds(us));
        us = std::min(us * 2, 250);
    }
    void busy() { us = 20; }
};

// A rank other than 0: receives task messages from rank 0, answers them in order, sends the
// answers back (non-blocking: it goes on computing while a large result waits for the master);
// returns when rank 0 says stop and every answer is sent.
using AnswerFn = std::function<std::vector<char>(const std::vector<char>& task)>;
void serve_rank0(const AnswerFn& answer);
// serve_rank0 for studies (wire.hpp's StudyTask / StudyOutcome).
void remote_worker(const ComputeFn& compute);

// A worker thread inside rank 0 (no MPI calls: the master thread owns MPI): computes the tasks
// pushed to it in order; the master polls the outcomes. `radhpc run` uses it for studies
// (LocalWorker), run_units for units of other stages.
template <class Task, class Outcome>
class LocalThreadWorker {
public:
    explicit LocalThreadWorker(std::function<Outcome(const Task&)> compute)
        : compute_(std::move(compute)), thread_([this] { loop(); }) {}
    ~LocalThreadWorker() {
        stop();
        if (thread_.joinable()) thread_.join();
    }
    void push(Task t) {
        std::lock_guard lk(m_);
        tasks_.push_back(std::move(t));
        cv_.notify_one();
    }
    void stop() {
        std::lock_guard lk(m_);
        stop_ = true;
        cv_.notify_one();
    }
    bool pop_result(Outcome& out) {
        std::lock_guard lk(m_);
        if (results_.empty()) return false;
        out = std::move(results_.front());
        results_.pop_front();
        return true;
    }

private:
    void loop() {
        for (;;) {
            Task t;
            {
                std::unique_lock lk(m_);
                cv_.wait(lk, [&] { return stop_ || !tasks_.empty(); });
                if (tasks_.empty()) return;
                t = std::move(tasks_.front());
                tasks_.pop_front();
            }
            Outcome o = compute_(t);
            std::lock_guard lk(m_);
            results_.push_back(std::move(o));
        }
    }
    std::function<Outcome(const Task&)> compute_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<Task> tasks_;
    std::deque<Outcome> results_;
    bool stop_ = false;
    std::thread thread_;
};

using LocalWorker = LocalThreadWorker<StudyTask, StudyOutcome>;

}  // namespace radhpc::engine
