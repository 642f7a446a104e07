// Crash isolation of the per-study computation (internal to layer `engine`).
//
// A rank does not compute a study in its own address space: it keeps one study process, a fresh
// `radhpc worker-child` (posix_spawn + exec of the same binary: no MPI, its own TBB pool), and sends
// it one task at a time over a socket in the wire format of src/engine/wire.hpp. The rank supervises
// it: a child killed by a signal gives the study an error record of kind `crashed` naming the
// signal; a child past run.study_time_limit_s is SIGKILLed (kind `time_limit`). Either way the
// child is replaced before the next study, and no other study is affected.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

#include "radhpc/engine/study.hpp"

namespace radhpc::engine {

// What the study process needs to rebuild the rank's WorkerOptions (the job is parsed by the same
// code in the child; settings are never serialised field by field).
struct ChildSetup {
    std::string job_text, job_path, version;
    double memory_budget_mb = 0;
    std::size_t noop_features = 0;
    int threads = 1;
    int rank = 0;
    int log_level = 1;
};

// process_study plus the test-only triggers (RADHPC_TEST_CRASH_STUDY, RADHPC_TEST_HANG_STUDY: a
// comma-separated list of study ids whose computation raises SIGSEGV / sleeps forever). Always
// compiled in; they exist only so the tests can stand in for a library bug not yet found.
StudyOutcome compute_study(const StudyTask& task, const WorkerOptions& options, int rank);

class StudySupervisor {
public:
    StudySupervisor(ChildSetup setup, double time_limit_s);
    ~StudySupervisor();
    StudySupervisor(const StudySupervisor&) = delete;
    StudySupervisor& operator=(const StudySupervisor&) = delete;

    // Computes the task in the study process (started on first use, restarted after a crash or a
    // time limit). Never throws for a study's fault; throws Error(internal) only when a fresh
    // study process cannot even start.
    StudyOutcome run(const StudyTask& task);

    std::size_t restarts() const { return spawned_ > 0 ? spawned_ - 1 : 0; }

private:
    void spawn();
    void stop_child(bool kill_it);
    int reap();  // waitpid status of the child (blocking)

    ChildSetup setup_;
    double time_limit_s_;
    bool restart_each_ = false;  // RADHPC_ISOLATION_RESTART_EACH=1: a new process per study (benchmark)
    pid_t pid_ = -1;
    int fd_ = -1;
    std::size_t spawned_ = 0;
    std::vector<std::string> last_names_;  // feature-name compression state of the current child
};

}  // namespace radhpc::engine
