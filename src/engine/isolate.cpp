// Crash isolation: the rank's study process (`radhpc worker-child`) and its supervisor.
// See isolate.hpp for the design; README "Crash isolation" for the measured overhead.
#include "isolate.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <oneapi/tbb/global_control.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "radhpc/core/error.hpp"
#include "radhpc/engine/log.hpp"
#include "radhpc/engine/run.hpp"
#include "radhpc/io/job.hpp"
#include "run_config.hpp"
#include "wire.hpp"

extern char** environ;

namespace radhpc::engine {
namespace {

using Clock = std::chrono::steady_clock;

// ---- framing: u64 length + payload over a stream socket ----------------------------------------
bool send_all(int fd, const char* p, std::size_t n) {
    while (n > 0) {
        const ssize_t k = ::send(fd, p, n, MSG_NOSIGNAL);  // a dead peer is an error, never SIGPIPE
        if (k < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += k;
        n -= std::size_t(k);
    }
    return true;
}

bool send_frame(int fd, const std::vector<char>& msg) {
    const std::uint64_t n = msg.size();
    return send_all(fd, reinterpret_cast<const char*>(&n), 8) && send_all(fd, msg.data(), msg.size());
}

enum class Recv { ok, eof, timeout };

// Reads exactly n bytes; deadline_s <= 0: no deadline.
Recv recv_all(int fd, char* p, std::size_t n, Clock::time_point deadline, bool has_deadline) {
    while (n > 0) {
        int wait_ms = -1;
        if (has_deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) return Recv::timeout;
            wait_ms = int(std::min<long long>(left, 1 << 30));
        }
        pollfd pfd{fd, POLLIN, 0};
        const int r = ::poll(&pfd, 1, wait_ms);
        if (r < 0) {
            if (errno == EINTR) continue;
            return Recv::eof;
        }
        if (r == 0) return Recv::timeout;
        const ssize_t k = ::recv(fd, p, n, 0);
        if (k == 0) return Recv::eof;
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            return Recv::eof;
        }
        p += k;
        n -= std::size_t(k);
    }
    return Recv::ok;
}

Recv recv_frame(int fd, std::vector<char>& out, double timeout_s = 0) {
    const bool has_deadline = timeout_s > 0;
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s));
    std::uint64_t n = 0;
    if (auto r = recv_all(fd, reinterpret_cast<char*>(&n), 8, deadline, has_deadline); r != Recv::ok) return r;
    if (n > (std::uint64_t(1) << 36)) return Recv::eof;  // garbage: treat as a broken child
    out.resize(std::size_t(n));
    return recv_all(fd, out.data(), out.size(), deadline, has_deadline);
}

std::vector<char> encode_setup(const ChildSetup& s) {
    Writer w;
    w.str(s.job_text);
    w.str(s.job_path);
    w.str(s.version);
    w.f64(s.memory_budget_mb);
    w.u64(s.noop_features);
    w.u64(std::uint64_t(s.threads));
    w.u64(std::uint64_t(s.rank));
    w.u64(std::uint64_t(s.log_level));
    return std::move(w.buf);
}

ChildSetup decode_setup(const std::vector<char>& b) {
    Reader r{b.data(), b.data() + b.size()};
    ChildSetup s;
    s.job_text = r.str();
    s.job_path = r.str();
    s.version = r.str();
    s.memory_budget_mb = r.f64();
    s.noop_features = std::size_t(r.u64());
    s.threads = int(r.u64());
    s.rank = int(r.u64());
    s.log_level = int(r.u64());
    return s;
}

bool listed(const char* env, const std::string& id) {
    const char* v = std::getenv(env);
    if (!v || !*v) return false;
    std::istringstream in(v);
    std::string item;
    while (std::getline(in, item, ','))
        if (item == id) return true;
    return false;
}

std::string signal_text(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    const char* desc = sigdescr_np(sig);
    std::string s = "signal " + std::to_string(sig);
    if (abbrev) s += std::string(" (SIG") + abbrev + (desc ? std::string(", ") + desc : std::string()) + ")";
    return s;
}

std::string self_exe() {
    char buf[4096];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) throw Error(ErrorKind::internal, "cannot resolve /proc/self/exe to start the study process");
    return std::string(buf, std::size_t(n));
}

}  // namespace

StudyOutcome compute_study(const StudyTask& task, const WorkerOptions& opt, int rank) {
    // Test-only triggers (documented in schemas/store_layout.md): stand-ins for a library bug that
    // crashes or never returns, so the isolation can be tested on real processes.
    if (listed("RADHPC_TEST_CRASH_STUDY", task.study_id)) std::raise(SIGSEGV);
    if (listed("RADHPC_TEST_HANG_STUDY", task.study_id))
        for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
    return process_study(task, opt, rank);
}

StudySupervisor::StudySupervisor(ChildSetup setup, double time_limit_s) : setup_(std::move(setup)), time_limit_s_(time_limit_s) {
    const char* each = std::getenv("RADHPC_ISOLATION_RESTART_EACH");
    restart_each_ = each && std::string(each) == "1";
}

StudySupervisor::~StudySupervisor() { stop_child(false); }

int StudySupervisor::reap() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

void StudySupervisor::stop_child(bool kill_it) {
    if (pid_ <= 0) return;
    if (kill_it) ::kill(pid_, SIGKILL);
    ::close(fd_);  // EOF: an idle child exits on its own
    fd_ = -1;
    reap();
    pid_ = -1;
}

void StudySupervisor::spawn() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        throw Error(ErrorKind::internal, std::string("socketpair for the study process: ") + std::strerror(errno));
    // The child's end goes to fd 3 in the child; every other descriptor of the rank (MPI's
    // sockets and shared-memory files included) is closed there.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    const int child_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 10);  // never already 3 (dup2(3, 3) keeps CLOEXEC)
    ::close(sv[1]);
    posix_spawn_file_actions_adddup2(&fa, child_end, 3);
    posix_spawn_file_actions_addclosefrom_np(&fa, 4);
    const std::string exe = self_exe(), parent = std::to_string(::getpid());
    std::vector<std::string> args{exe, "worker-child", "3", parent};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // posix_spawn (vfork + exec): no copy of the rank's address space and nothing of MPI's or
    // TBB's state survives into the child, so no fork-safety rules of Open MPI or TBB apply.
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(child_end);
    if (rc != 0) {
        ::close(sv[0]);
        throw Error(ErrorKind::internal, exe + ": cannot start the study process: " + std::strerror(rc));
    }
    pid_ = pid;
    fd_ = sv[0];
    ++spawned_;
    last_names_.clear();
    std::vector<char> ready;
    if (!send_frame(fd_, encode_setup(setup_)) || recv_frame(fd_, ready, 300) != Recv::ok) {
        ::kill(pid_, SIGKILL);
        stop_child(false);
        throw Error(ErrorKind::internal, "the study process (" + exe + " worker-child) did not start");
    }
}

StudyOutcome StudySupervisor::run(const StudyTask& task) {
    if (pid_ <= 0) spawn();
    const double started = unix_now();
    std::vector<char> reply;
    Recv r = send_frame(fd_, encode(task)) ? recv_frame(fd_, reply, time_limit_s_) : Recv::eof;
    if (r == Recv::ok) {
        try {
            StudyOutcome o = decode_outcome(reply.data(), reply.size(), last_names_);
            if (restart_each_) stop_child(false);
            return o;
        } catch (const Error&) {
            r = Recv::eof;  // a garbled reply: the child is not trustworthy any more
            ::kill(pid_, SIGKILL);
        }
    }
    StudyOutcome out;
    out.index = task.index;
    out.status = "error";
    out.host = host_name();
    out.rank = setup_.rank;
    out.started_at = started;
    std::ostringstream s;
    if (r == Recv::timeout) {
        stop_child(true);  // SIGKILL really stops the study (no thread left running)
        out.error_kind = "time_limit";
        s << "study exceeded the time limit of " << time_limit_s_ << " s (run.study_time_limit_s); its process was killed";
    } else {
        ::close(fd_);
        fd_ = -1;
        const int status = reap();
        pid_ = -1;
        out.error_kind = "crashed";
        s << "the study's process ";
        if (WIFSIGNALED(status)) {
            const int sig = WTERMSIG(status);
            s << "was killed by " << signal_text(sig);
            if (sig == SIGKILL) s << " (the kernel's out-of-memory killer sends SIGKILL)";
        } else if (WIFEXITED(status)) {
            s << "exited with status " << WEXITSTATUS(status) << " before returning a result";
        } else {
            s << "ended without a result";
        }
        s << "; the worker started a new one and went on with the next study";
    }
    out.message = s.str();
    out.finished_at = unix_now();
    out.total_s = out.finished_at - started;
    return out;
}

// ---- the child: `radhpc worker-child FD PARENT_PID` -----------------------------------------------
int worker_child_main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "radhpc: worker-child is internal (started by `radhpc run`)\n");
        return 2;
    }
    const int fd = std::atoi(argv[2]);
    // Dies with its rank (a rank killed by SIGKILL leaves no orphan computing), and leaves the
    // stop signals to the rank: rank 0 flushes on SIGTERM/SIGINT/SIGUSR1, and a study interrupted
    // that way must not be recorded as crashed.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (std::to_string(::getppid()) != argv[3]) return 0;  // the rank is already gone
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGUSR1, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<char> buf;
    if (recv_frame(fd, buf) != Recv::ok) return 0;
    const ChildSetup setup = decode_setup(buf);
    log::configure(log::Level(setup.log_level), setup.rank);
    WorkerOptions opt = worker_options(io::parse_job(setup.job_text, setup.job_path));
    opt.memory_budget_mb = opt.settings.memory_budget_mb = setup.memory_budget_mb;
    opt.noop_features = setup.noop_features;
    opt.time_limit_s = 0;  // the supervisor enforces it with SIGKILL
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(std::max(1, setup.threads)));
    if (!send_frame(fd, std::vector<char>{'r'})) return 0;
    std::vector<std::string> last_names;
    while (recv_frame(fd, buf) == Recv::ok) {
        const StudyTask task = decode_task(buf);
        if (!send_frame(fd, encode(compute_study(task, opt, setup.rank), last_names))) break;
    }
    return 0;
}

}  // namespace radhpc::engine
