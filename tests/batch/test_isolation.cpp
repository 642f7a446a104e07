// Crash isolation (issue 13): studies whose computation crashes the process (SIGSEGV) or never
// returns become error records (`crashed`, `time_limit`) and every other study completes, on 2
// real MPI ranks. The crashes and the hang are the test-only triggers RADHPC_TEST_CRASH_STUDY /
// RADHPC_TEST_HANG_STUDY (stand-ins for a library bug not yet found).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "batch_fixture.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;

namespace {

// Export rows without the given studies (the header stays).
std::string without_studies(const std::string& csv, const std::set<std::string>& ids) {
    std::istringstream in(csv);
    std::string line, out;
    bool header = true;
    while (std::getline(in, line)) {
        if (!header && ids.count(line.substr(0, line.find(',')))) continue;
        header = false;
        out += line + "\n";
    }
    return out;
}

}  // namespace

TEST_CASE("3 studies crash their worker, 1 hangs: 26 stored, 4 error records, exit 1, rerun recomputes nothing",
          "[batch][isolation][mpi]") {
    const std::string archive = tiny_archive(30);
    const auto dir = scratch("isolation");
    const std::string job = tiny_job(dir, ", study_time_limit_s: 3");
    const std::string manifest = archive + "/manifest.csv";
    const std::set<std::string> crash{study_id(3), study_id(11), study_id(20)}, hang{study_id(27)};

    // Undisturbed reference: one process, no triggers.
    const auto ref = dir / "ref";
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + ref.string(), dir / "ref.log") == 0);
    const std::string reference = export_csv(ref, dir / "ref.csv");

    const auto store = dir / "store";
    const std::string env = "RADHPC_TEST_CRASH_STUDY=" + study_id(3) + "," + study_id(11) + "," + study_id(20) +
                            " RADHPC_TEST_HANG_STUDY=" + study_id(27) + " ";
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = sh("env " + env + mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(),
                      dir / "run.log");
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::string log = slurp(dir / "run.log");
    INFO(log);
    CHECK(rc == 1);  // as for any failed study
    CHECK(log.find("30 computed (26 ok)") != std::string::npos);
    CHECK(wall < 60);  // the hang was stopped by its time limit, not waited for

    const auto c = radhpc::store::load(store.string());
    REQUIRE(c.studies.size() == 30);
    std::map<std::string, const radhpc::store::StudyRecord*> by_id;
    for (const auto& s : c.studies) by_id[s.study_id] = &s;
    for (int i = 0; i < 30; ++i) {
        const auto& s = *by_id.at(study_id(i));
        INFO(s.study_id << " " << s.status << " " << s.error_kind << ": " << s.message);
        if (crash.count(s.study_id)) {
            CHECK(s.status == "error");
            CHECK(s.error_kind == "crashed");
            CHECK(s.message.find("signal 11 (SIGSEGV") != std::string::npos);
        } else if (hang.count(s.study_id)) {
            CHECK(s.status == "error");
            CHECK(s.error_kind == "time_limit");
            CHECK(s.message.find("time limit of 3 s") != std::string::npos);
        } else {
            CHECK(s.status == "ok");
        }
    }
    // The 26 others are exactly what an undisturbed run stores.
    std::set<std::string> failed = crash;
    failed.insert(hang.begin(), hang.end());
    CHECK(export_csv(store, dir / "crash.csv") == without_studies(reference, failed));
    // inspect names the failures with their kinds.
    REQUIRE(sh(kRadhpc + " inspect " + store.string(), dir / "inspect.log") == 0);
    const std::string inspect = slurp(dir / "inspect.log");
    CHECK(inspect.find("[crashed]") != std::string::npos);
    CHECK(inspect.find("[time_limit]") != std::string::npos);

    // Rerun (no triggers): everything is stored (ok or error records), nothing is recomputed.
    REQUIRE(sh(mpirun(2) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(), dir / "rerun.log") == 0);
    CHECK(slurp(dir / "rerun.log").find("0 computed (0 ok), 30 skipped") != std::string::npos);
    // With run.retry_errors the 4 are computed again and the store equals the undisturbed run.
    const std::string retry = tiny_job(dir, ", retry_errors: true");
    REQUIRE(sh(mpirun(2) + kRadhpc + " run " + retry + " --manifest " + manifest + " --store " + store.string(), dir / "retry.log") == 0);
    CHECK(slurp(dir / "retry.log").find("4 computed (4 ok), 26 skipped") != std::string::npos);
    CHECK(export_csv(store, dir / "retry.csv") == reference);
}

TEST_CASE("run.isolation: none computes in the rank (same results)", "[batch][isolation]") {
    const std::string archive = tiny_archive(30);
    const auto dir = scratch("isolation-none");
    const std::string manifest = archive + "/manifest.csv";
    const auto a = dir / "a", b = dir / "b";
    REQUIRE(sh(kRadhpc + " run " + tiny_job(dir) + " --manifest " + manifest + " --store " + a.string(), dir / "a.log") == 0);
    REQUIRE(sh(kRadhpc + " run " + tiny_job(dir, ", isolation: none") + " --manifest " + manifest + " --store " + b.string(),
               dir / "b.log") == 0);
    CHECK(export_csv(a, dir / "a.csv") == export_csv(b, dir / "b.csv"));
}
