// sbatch of template (a) (slurm/run_mpi.sbatch) with 2 tasks on a real slurmctld + slurmd started
// by this test on localhost (recipe: shared/notes/toolchain.md); its export equals mpirun's.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include "batch_fixture.hpp"

using namespace batch_test;

namespace {

// Starts the daemons in `dir`; stops them (by the PIDs in their pid files) on destruction.
struct LocalSlurm {
    fs::path dir;
    std::string env;  // "SLURM_CONF=... "
    explicit LocalSlurm(const fs::path& d) : dir(d) {
        char host[256] = {0};
        gethostname(host, sizeof host - 1);
        std::string h = host;
        h = h.substr(0, h.find('.'));
        fs::create_directories(dir / "state");
        fs::create_directories(dir / "spool");
        const std::string D = dir.string();
        std::ofstream c(dir / "slurm.conf");
        c << "ClusterName=radhpctest\nSlurmctldHost=" << h << "(127.0.0.1)\nSlurmUser=root\nSlurmdUser=root\n"
          << "AuthType=auth/none\nCredType=cred/none\nStateSaveLocation=" << D << "/state\nSlurmdSpoolDir=" << D << "/spool\n"
          << "SlurmctldPidFile=" << D << "/slurmctld.pid\nSlurmdPidFile=" << D << "/slurmd.pid\n"
          << "SlurmctldLogFile=" << D << "/slurmctld.log\nSlurmdLogFile=" << D << "/slurmd.log\n"
          << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nSelectType=select/cons_tres\n"
          << "SelectTypeParameters=CR_Core\nMpiDefault=pmix\nReturnToService=2\nSchedulerType=sched/backfill\n"
          << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\nMailProg=/bin/true\n"
          << "SlurmdParameters=config_overrides\n"
          // own ports, so that a second test run (or a real SLURM) on this host does not collide
          << "SlurmctldPort=" << 20000 + getpid() % 20000 << "\nSlurmdPort=" << 40001 + getpid() % 20000 << "\n"
          << "NodeName=" << h << " NodeAddr=127.0.0.1 CPUs=8 RealMemory=20000 State=UNKNOWN\n"
          << "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
        c.close();
        env = "SLURM_CONF='" + (dir / "slurm.conf").string() + "' ";
    }
    bool start() {
        if (sh(env + "slurmctld -f '" + (dir / "slurm.conf").string() + "'", dir / "start-ctld.log") != 0) return false;
        if (sh(env + "slurmd -f '" + (dir / "slurm.conf").string() + "'", dir / "start-d.log") != 0) return false;
        for (int i = 0; i < 100; ++i) {
            sh(env + "sinfo -h -o %T", dir / "sinfo.log");
            if (slurp(dir / "sinfo.log").rfind("idle", 0) == 0) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        return false;
    }
    void stop() {
        if (stopped) return;
        stopped = true;
        for (const char* pidfile : {"slurmd.pid", "slurmctld.pid"}) {
            const std::string s = slurp(dir / pidfile);
            if (!s.empty()) kill(pid_t(std::stoi(s)), SIGTERM);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    ~LocalSlurm() { stop(); }
    bool stopped = false;
};

}  // namespace

TEST_CASE("sbatch templates on a local slurmctld: (a) 2-task MPI run, (d) extract-robust-validate chain, (c) shard array + merge, (b) nightly requeue after the time-limit signal, exports equal mpirun's", "[batch][slurm]") {
    REQUIRE(sh("command -v slurmctld && command -v slurmd && command -v sbatch", fs::temp_directory_path() / "radhpc-which-slurm.log") == 0);
    const std::string archive = tiny_archive(200);
    const auto dir = scratch("slurm");
    const std::string job = tiny_job(dir);
    const std::string manifest = archive + "/manifest.csv";

    REQUIRE(sh(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + (dir / "mpi").string(),
               dir / "mpi.log") == 0);
    const std::string expected = export_csv(dir / "mpi", dir / "mpi.csv");

    LocalSlurm slurm(dir / "slurm");
    INFO(slurp(dir / "slurm" / "slurmctld.log") << slurp(dir / "slurm" / "slurmd.log"));
    REQUIRE(slurm.start());
    const std::string tmpl = std::string(RADHPC_SOURCE_DIR) + "/slurm/run_mpi.sbatch";
    const int rc = sh(slurm.env + "RADHPC='" + kRadhpc + "' sbatch --wait --ntasks=2 -o '" + (dir / "job.out").string() + "' '" +
                          tmpl + "' '" + job + "' '" + manifest + "' '" + (dir / "slurm-store").string() + "'",
                      dir / "sbatch.log");
    INFO(slurp(dir / "sbatch.log") << slurp(dir / "job.out"));
    REQUIRE(rc == 0);
    CHECK(slurp(dir / "job.out").find("2 rank(s)") != std::string::npos);  // one MPI job of 2 tasks
    CHECK(export_csv(dir / "slurm-store", dir / "slurm.csv") == expected);
    // The same template runs a robustness sweep (RADHPC_COMMAND=robust): 20 studies x (none + one
    // rotation) over the 2 tasks, then the robust stage; equal to the sweep under mpirun.
    {
        std::string sweep = slurp(job) + "perturbations: {seed: 3, include_original: true, rotation: {angles: [7]}}\n"
                                         "robust: {icc_type: ICC1, threshold: 0.7, redundancy_threshold: 0.9}\n";
        std::ofstream(dir / "sweep.yaml") << sweep;
        const std::string all = slurp(manifest);
        std::size_t cut = 0;
        for (int line = 0; line < 21; ++line) cut = all.find('\n', cut) + 1;
        std::string head = all.substr(0, cut);  // paths made absolute: the manifest lives elsewhere
        for (const std::string folder : {",images/", ",masks/"})
            for (auto at = head.find(folder); at != std::string::npos; at = head.find(folder, at + 1)) head.insert(at + 1, archive + "/");
        std::ofstream(dir / "sweep-manifest.csv") << head;
        const std::string args = " '" + (dir / "sweep.yaml").string() + "' --manifest '" + (dir / "sweep-manifest.csv").string() + "' --store ";
        REQUIRE(sh(mpirun(2) + kRadhpc + " robust" + args + "'" + (dir / "sweep-mpi").string() + "'", dir / "sweep-mpi.log") == 0);
        const int rc_sweep = sh(slurm.env + "RADHPC_COMMAND=robust RADHPC='" + kRadhpc + "' sbatch --wait --ntasks=2 -o '" +
                                    (dir / "sweep.out").string() + "' '" + tmpl + "' '" + (dir / "sweep.yaml").string() + "' '" +
                                    (dir / "sweep-manifest.csv").string() + "' '" + (dir / "sweep-slurm").string() + "'",
                                dir / "sweep-sbatch.log");
        INFO(slurp(dir / "sweep-sbatch.log") << slurp(dir / "sweep.out"));
        REQUIRE(rc_sweep == 0);
        CHECK(slurp(dir / "sweep.out").find("20 studies x 2 perturbations = 40 units: 40 computed") != std::string::npos);
        CHECK(slurp(dir / "sweep.out").find("radhpc robust: ") != std::string::npos);
        for (const char* table : {"icc", "selected"}) {
            const auto a = dir / (std::string("sweep-mpi-") + table + ".csv"), b = dir / (std::string("sweep-slurm-") + table + ".csv");
            REQUIRE(sh(kRadhpc + " export '" + (dir / "sweep-mpi").string() + "' --table " + table + " --out '" + a.string() + "'", a.string() + ".log") == 0);
            REQUIRE(sh(kRadhpc + " export '" + (dir / "sweep-slurm").string() + "' --table " + table + " --out '" + b.string() + "'", b.string() + ".log") == 0);
            INFO(table);
            CHECK(!slurp(a).empty());
            CHECK(slurp(a) == slurp(b));
        }
    }

    // Template (d): the chain extract -> robust -> validate over one store (validate.table:
    // selected, 2 tasks); its validation equals the same job under mpirun on the sweep's store.
    {
        std::ofstream(dir / "chain-validate.yaml") << "name: chain\nvalidate:\n  table: selected\n  outcome: outcome\n"
                                                      "  fixed: {alpha: 1, lambda: 0.02}\n  bootstrap: {replicates: 6, seed: 2}\n";
        const std::string chain = std::string(RADHPC_SOURCE_DIR) + "/slurm/chain.sh";
        REQUIRE(sh("cd '" + dir.string() + "' && " + slurm.env + "SBATCH_OPTS='--ntasks=2' RADHPC='" + kRadhpc + "' '" + chain + "' '" + job +
                       "' '" + (dir / "sweep-manifest.csv").string() + "' '" + (dir / "chain-store").string() + "' '" +
                       (dir / "chain-validate.yaml").string() + "' '" + (dir / "sweep.yaml").string() + "'",
                   dir / "chain.log") == 0);
        INFO(slurp(dir / "chain.log"));
        CHECK(slurp(dir / "chain.log").find("-> robust job") != std::string::npos);
        for (int i = 0; i < 1200; ++i) {  // the three jobs run one after the other
            sh(slurm.env + "squeue -h", dir / "squeue.log");
            if (slurp(dir / "squeue.log").empty()) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        REQUIRE(sh(kRadhpc + " inspect '" + (dir / "chain-store").string() + "'", dir / "chain-inspect.log") == 0);
        const std::string listing = slurp(dir / "chain-inspect.log");
        INFO(listing);
        CHECK(listing.find("robustness (") != std::string::npos);
        CHECK(listing.find("validation chain: complete") != std::string::npos);
        REQUIRE(sh("cd '" + dir.string() + "' && " + mpirun(2) + kRadhpc + " validate chain-validate.yaml --store sweep-mpi", dir / "chain-mpi.log") == 0);
        const auto exported = [&](const std::string& store) {
            const auto out = dir / (store + "-validation");
            REQUIRE(sh(kRadhpc + " export '" + (dir / store).string() + "' --table validation --out '" + out.string() + "'", out.string() + ".log") == 0);
            return slurp(out / "metrics.json") + slurp(out / "coefficients.csv") + slurp(out / "bootstrap_replicates.csv");
        };
        CHECK(exported("chain-store") == exported("sweep-mpi"));
    }

    // Template (c): a job array over 3 shards and the dependent merge.
    const std::string submit = std::string(RADHPC_SOURCE_DIR) + "/slurm/submit_shards.sh";
    REQUIRE(sh("cd '" + dir.string() + "' && " + slurm.env + "RADHPC='" + kRadhpc + "' '" + submit + "' '" + job + "' '" + manifest +
                   "' '" + (dir / "shards").string() + "' 3",
               dir / "submit.log") == 0);
    INFO(slurp(dir / "submit.log"));
    for (int i = 0; i < 600; ++i) {  // wait until the queue is empty (array tasks and merge done)
        sh(slurm.env + "squeue -h", dir / "squeue.log");
        if (slurp(dir / "squeue.log").empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    CHECK(slurp(dir / "squeue.log").empty());
    CHECK(export_csv(dir / "shards" / "merged", dir / "merged.csv") == expected);
    // Template (b): nightly run interrupted by its time-limit signal (USR1 to every task, sent by
    // hand here): rank 0 stores what it has and exits 99, the script requeues the job, and the
    // requeued job resumes (SLURM delays a requeued job's start; the test releases it at once).
    const std::string slow_job = (dir / "slow.yaml").string();
    {
        std::string t = slurp(job);
        t.replace(t.find("preprocess:\n") + 12, 0, "  resample: {spacing: [0.4, 0.4, 0.4], interpolation: linear}\n");
        std::ofstream(slow_job) << t;
    }
    REQUIRE(sh(mpirun(2) + kRadhpc + " run " + slow_job + " --manifest " + manifest + " --store " + (dir / "slow-ref").string(),
               dir / "slow-ref.log") == 0);
    const std::string slow_expected = export_csv(dir / "slow-ref", dir / "slow-ref.csv");
    const std::string nightly = std::string(RADHPC_SOURCE_DIR) + "/slurm/nightly.sbatch";
    REQUIRE(sh(slurm.env + "RADHPC='" + kRadhpc + "' sbatch --parsable --ntasks=2 -o '" + (dir / "nightly.out").string() + "' '" +
                   nightly + "' '" + slow_job + "' '" + manifest + "' '" + (dir / "nightly").string() + "'",
               dir / "nightly-submit.log") == 0);
    const std::string jid = slurp(dir / "nightly-submit.log").substr(0, slurp(dir / "nightly-submit.log").find_first_of(";\n"));
    for (int i = 0; i < 600 && slurp(dir / "nightly.out").find("to compute") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (int i = 0; i < 600 && !fs::exists(dir / "nightly" / "parts"); ++i)  // some results written
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(sh(slurm.env + "scancel --signal=USR1 " + jid, dir / "scancel.log") == 0);
    for (int i = 0; i < 600 && slurp(dir / "nightly.out").find("requeueing") == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (int i = 0; i < 1200; ++i) {
        // Release the requeued job again and again: under load the requeue may land after an
        // earlier release, and SLURM would then hold the job for its requeue delay.
        if (i % 20 == 0) sh(slurm.env + "scontrol update JobId=" + jid + " StartTime=now", dir / "release.log");
        sh(slurm.env + "squeue -h -j " + jid, dir / "squeue2.log");
        if (slurp(dir / "squeue2.log").empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::string out = slurp(dir / "nightly.out");
    INFO(out);
    CHECK(out.find("rerun the same command to resume") != std::string::npos);
    CHECK(out.find("status 99; requeueing") != std::string::npos);
    CHECK(out.find("already done") != std::string::npos);
    CHECK(out.find(" 0 already done") == out.rfind(" 0 already done"));  // the second run skipped what the first stored
    CHECK(export_csv(dir / "nightly", dir / "nightly.csv") == slow_expected);
    // The next night over the unchanged archive: the script snapshots the store first and
    // `radhpc diff` reports what changed since (nothing).
    REQUIRE(sh(slurm.env + "RADHPC='" + kRadhpc + "' sbatch --parsable --wait --ntasks=2 -o '" + (dir / "night2.out").string() + "' '" +
                   nightly + "' '" + slow_job + "' '" + manifest + "' '" + (dir / "nightly").string() + "'",
               dir / "night2-submit.log") == 0);
    const std::string night2 = slurp(dir / "night2.out");
    INFO(night2);
    CHECK(fs::is_directory(dir / "nightly.last-night"));
    CHECK(night2.find("studies compared: ") != std::string::npos);
    CHECK(night2.find("no differences") != std::string::npos);
    slurm.stop();
    fs::remove_all(dir);
}
