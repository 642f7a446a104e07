// Faults a nightly run meets (issue 13): the store's file system full mid-run, a read-only store,
// one worker rank killed alone, an input file changing while the run reads it. Real mounts (tmpfs,
// needs root or CAP_SYS_ADMIN: skipped with a warning otherwise), real MPI ranks, real HDF5.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/mount.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "batch_fixture.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;

namespace {

// A tmpfs of `size` at `dir`, unmounted at scope exit.
struct Tmpfs {
    fs::path dir;
    bool ok = false;
    Tmpfs(fs::path d, const std::string& size) : dir(std::move(d)) {
        fs::create_directories(dir);
        ok = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    bool remount(unsigned long flags, const std::string& opts) {
        return ::mount("tmpfs", dir.c_str(), "tmpfs", MS_REMOUNT | flags, opts.c_str()) == 0;
    }
    ~Tmpfs() {
        if (ok) ::umount2(dir.c_str(), MNT_DETACH);
    }
};

// Exit status of `pid`, or -1 after `seconds` (then the process group is killed).
int wait_for(pid_t pid, double seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
        int st = 0;
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > seconds) {
            kill(-pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

// The `radhpc run` process of MPI rank `rank` among the processes on this machine started after
// `since` under our mpirun (found by its environment).
pid_t rank_process(pid_t session, int rank) {
    for (const auto& e : fs::directory_iterator("/proc")) {
        const pid_t pid = pid_t(std::atoi(e.path().filename().c_str()));
        if (pid <= 0 || getsid(pid) != session) continue;
        const std::string cmd = slurp(e.path() / "cmdline");
        if (cmd.find("radhpc") == std::string::npos || cmd.find("run") == std::string::npos || cmd.find("worker-child") != std::string::npos)
            continue;
        std::string env = slurp(e.path() / "environ");
        for (char& c : env)
            if (c == '\0') c = '\n';
        if (env.find("\nOMPI_COMM_WORLD_RANK=" + std::to_string(rank) + "\n") != std::string::npos) return pid;
    }
    return -1;
}

std::size_t stored_ok(const fs::path& store) {
    std::size_t n = 0;
    for (const auto& s : radhpc::store::load(store.string()).studies) n += s.status == "ok";
    return n;
}

// A job whose studies take long enough (0.5 mm resampling) for a fault to land mid-run.
std::string slow_job(const fs::path& dir, const std::string& run_extra = "") {
    std::string t = slurp(tiny_job(dir, run_extra));
    t.replace(t.find("preprocess:\n") + 12, 0, "  resample: {spacing: [0.5, 0.5, 0.5], interpolation: linear}\n");
    const auto p = dir / "job-slow.yaml";
    std::ofstream(p) << t;
    return p.string();
}

}  // namespace

TEST_CASE("store file system full mid-run: clear error, store readable, rerun after freeing space equals an undisturbed run",
          "[batch][faults]") {
    const std::string archive = tiny_archive(30);
    const auto dir = scratch("fault-full");
    const std::string job = tiny_job(dir), manifest = archive + "/manifest.csv";
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + (dir / "ref").string(), dir / "ref.log") == 0);
    const std::string reference = export_csv(dir / "ref", dir / "ref.csv");

    Tmpfs fsys(dir / "mnt", "200k");  // room for a few parts of tiny studies, not for 30
    if (!fsys.ok) {
        WARN("cannot mount a tmpfs here (not root?): disk-full test skipped");
        return;
    }
    const auto store = fsys.dir / "store";
    const int rc = sh(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "full.log");
    const std::string log = slurp(dir / "full.log");
    INFO(log);
    CHECK(rc != 0);
    // Where the space runs out depends on timing: while parts are written mid-run ("cannot write
    // results"), or, when every study finished within one flush interval, while the final store.h5
    // is consolidated. Either way: one clear io error naming the reason.
    CHECK(log.find("radhpc: error [io]: ") != std::string::npos);
    CHECK(log.find(store.string()) != std::string::npos);
    CHECK(log.find("No space left on device") != std::string::npos);
    CHECK(log.find("Segmentation fault") == std::string::npos);
    // Readable: inspect and export work on what was stored before the disk filled up.
    REQUIRE(sh(kRadhpc + " inspect " + store.string(), dir / "inspect.log") == 0);
    const std::size_t before = stored_ok(store);
    CHECK(before <= 30);
    // Free space (the same mount, grown) and rerun: only the missing studies are computed.
    REQUIRE(fsys.remount(0, "size=64m"));
    REQUIRE(sh(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "rerun.log") == 0);
    CHECK(slurp(dir / "rerun.log").find(std::to_string(30 - before) + " computed") != std::string::npos);
    CHECK(export_csv(store, dir / "rerun.csv") == reference);
}

TEST_CASE("read-only store: clear error before computing - a read-only store stays readable", "[batch][faults]") {
    const std::string archive = tiny_archive(30);
    const auto dir = scratch("fault-ro");
    const std::string job = tiny_job(dir), manifest = archive + "/manifest.csv";
    Tmpfs fsys(dir / "mnt", "16m");
    if (!fsys.ok) {
        WARN("cannot mount a tmpfs here (not root?): read-only test skipped");
        return;
    }
    const auto store = fsys.dir / "store";
    fs::create_directories(store);
    REQUIRE(fsys.remount(MS_RDONLY, ""));  // root ignores permission bits: a read-only mount is the real case
    const int rc = sh(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "ro.log");
    const std::string log = slurp(dir / "ro.log");
    INFO(log);
    CHECK(rc == 2);
    CHECK(log.find("store " + store.string() + ": the store directory is not writable: Read-only file system; nothing was computed") !=
          std::string::npos);
    CHECK(log.find("studies in") == std::string::npos);  // refused before planning

    // A complete store on a file system remounted read-only: inspect and export still work.
    REQUIRE(fsys.remount(0, ""));
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "rw.log") == 0);
    REQUIRE(fsys.remount(MS_RDONLY, ""));
    CHECK(sh(kRadhpc + " inspect " + store.string(), dir / "inspect.log") == 0);
    CHECK(export_csv(store, dir / "ro.csv") == export_csv(store, dir / "ro2.csv"));
    CHECK(export_csv(store, dir / "ro.csv").find("T0029") != std::string::npos);
}

TEST_CASE("one worker rank killed alone: mpirun ends, store readable, rerun recomputes nothing stored, identical export",
          "[batch][faults][mpi]") {
    const std::string archive = tiny_archive(200);  // ~6 s on 2 ranks: the kill lands mid-run
    const auto dir = scratch("fault-rank");
    const std::string job = slow_job(dir, ", flush_interval_s: 0.05"), manifest = archive + "/manifest.csv";
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + (dir / "ref").string(), dir / "ref.log") == 0);
    const std::string reference = export_csv(dir / "ref", dir / "ref.csv");

    const auto store = dir / "store";
    const pid_t pid = spawn(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "run.log");
    // Once a few studies are stored, SIGKILL rank 1 (and only it).
    pid_t victim = -1;
    const auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(60)) {
        if (victim < 0) victim = rank_process(pid, 1);
        std::error_code ec;
        std::size_t parts = 0;
        for (const auto& e : fs::directory_iterator(store / "parts", ec)) parts += e.path().filename().string().rfind("part-", 0) == 0;
        if (victim > 0 && parts >= 3) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(victim > 0);
    REQUIRE(kill(victim, SIGKILL) == 0);
    const int rc = wait_for(pid, 60);
    INFO(slurp(dir / "run.log"));
    CHECK(rc != -1);  // mpirun ended by itself
    CHECK(rc != 0);

    REQUIRE(sh(kRadhpc + " inspect " + store.string(), dir / "inspect.log") == 0);
    std::map<std::string, std::string> run_of;  // stored study -> run that computed it
    for (const auto& s : radhpc::store::load(store.string()).studies)
        if (s.status == "ok") run_of[s.study_id] = s.run_id;
    const std::size_t before = run_of.size();
    INFO("stored before the rerun: " << before);
    CHECK(before < 200);
    REQUIRE(sh(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "rerun.log") == 0);
    CHECK(slurp(dir / "rerun.log").find(std::to_string(200 - before) + " computed") != std::string::npos);
    for (const auto& s : radhpc::store::load(store.string()).studies)
        if (run_of.count(s.study_id)) CHECK(s.run_id == run_of[s.study_id]);  // not recomputed
    CHECK(export_csv(store, dir / "rerun.csv") == reference);
}

TEST_CASE("an input file changing while the run reads it: detected by its checksum, recomputed next run", "[batch][faults]") {
    const auto dir = private_archive("fault-change", 12);
    const std::string job = slow_job(dir), manifest = (dir / "manifest.csv").string();
    const auto store = dir / "store";
    const auto image = dir / "img" / (study_id(11) + ".nii.gz");
    const pid_t pid = spawn(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "run.log");
    // After planning (checksums taken), while studies are being computed: replace one image.
    const auto t0 = std::chrono::steady_clock::now();
    while (slurp(dir / "run.log").find("studies in") == std::string::npos && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    const auto other = make_tiny_study(99, 11);  // another study's voxels in the same file name
    const auto tmp = dir / "img" / "changing.nii.gz";
    radhpc::io::write_image(other.image, tmp.string());
    fs::rename(tmp, image);
    REQUIRE(wait_for(pid, 120) == 0);
    const std::string log = slurp(dir / "run.log");
    INFO(log);
    CHECK(log.find("12 computed (12 ok)") != std::string::npos);

    // The stored checksum is the one taken before the change: the rerun sees a changed input and
    // recomputes that study only; the result equals a fresh run over the changed archive.
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "rerun.log") == 0);
    CHECK(slurp(dir / "rerun.log").find("1 computed (1 ok), 11 skipped") != std::string::npos);
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + (dir / "fresh").string(), dir / "fresh.log") == 0);
    CHECK(export_csv(store, dir / "a.csv") == export_csv(dir / "fresh", dir / "b.csv"));
}
