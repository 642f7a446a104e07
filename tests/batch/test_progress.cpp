// Progress and log lines of radhpc run (issue 8): plain timestamped lines when stderr is a file
// (SLURM logs), one redrawn line on a terminal, --quiet and --verbose, failures as warnings.
#include <catch2/catch.hpp>

#include <regex>

#include "batch_fixture.hpp"

using namespace batch_test;

namespace {

std::string run_cmd(const fs::path& dir, const std::string& job, const std::string& store, const std::string& extra = "") {
    return kRadhpc + " run " + job + " --manifest " + (dir / "manifest.csv").string() + " --store " + (dir / store).string() + extra;
}

}  // namespace

TEST_CASE("progress: timestamped plain lines in a log file, levels", "[batch][progress]") {
    const auto dir = private_archive("progress", 4);
    {  // one study whose image is missing: a failure, reported as a warning
        std::string m = slurp(dir / "manifest.csv");
        m.replace(m.find("img/T0002.nii.gz"), 16, "img/gone.nii.gz");
        std::ofstream(dir / "manifest.csv") << m;
    }
    const std::string job = tiny_job(dir);
    REQUIRE(sh(run_cmd(dir, job, "s1") + " 2> " + (dir / "s1.err").string(), dir / "s1.out") == 1);
    const std::string err = slurp(dir / "s1.err");
    INFO(err);
    // Every stderr line: UTC timestamp, "radhpc: ", message.
    const std::regex line(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ radhpc: .+)");
    std::istringstream in(err);
    int lines = 0;
    for (std::string l; std::getline(in, l); ++lines) CHECK(std::regex_match(l, line));
    CHECK(lines >= 4);
    CHECK(err.find("radhpc: done: 3/3 studies (100.0%), 1 failed, ") != std::string::npos);  // 3 computed; the failure happened while planning
    CHECK(err.find("radhpc: warning: T0002 failed before start: io: ") != std::string::npos);
    CHECK(err.find("gone.nii.gz") != std::string::npos);
    CHECK(err.find("debug:") == std::string::npos);
    CHECK(slurp(dir / "s1.out").find("radhpc run: 4 studies: 3 computed (3 ok)") != std::string::npos);

    // --quiet: the warning stays, progress and info lines go; the summary on stdout stays.
    REQUIRE(sh(run_cmd(dir, job, "s2", " --quiet") + " 2> " + (dir / "s2.err").string(), dir / "s2.out") == 1);
    const std::string quiet = slurp(dir / "s2.err");
    CHECK(quiet.find("warning: T0002 failed") != std::string::npos);
    CHECK(quiet.find("done:") == std::string::npos);
    CHECK(quiet.find("to compute") == std::string::npos);
    CHECK(slurp(dir / "s2.out").find("radhpc run: 4 studies") != std::string::npos);

    // --verbose: one debug line per computed study.
    REQUIRE(sh(run_cmd(dir, job, "s3", " -v") + " 2> " + (dir / "s3.err").string(), dir / "s3.out") == 1);
    const std::string verbose = slurp(dir / "s3.err");
    for (const char* id : {"T0000", "T0001", "T0003"}) CHECK(verbose.find(std::string("debug: ") + id + ": ok on ") != std::string::npos);
}

TEST_CASE("progress: on a terminal the line is redrawn in place, without timestamps", "[batch][progress]") {
    const auto dir = private_archive("progress-tty", 3);
    const std::string job = tiny_job(dir);
    // script(1) runs the command on a pseudo-terminal (util-linux, in every Debian).
    REQUIRE(sh("script -qec \"" + run_cmd(dir, job, "s") + "\" /dev/null", dir / "tty.log") == 0);
    const std::string out = slurp(dir / "tty.log");
    INFO(out);
    CHECK(out.find("\r\033[Kradhpc: done: 3/3 studies (100.0%), 0 failed, ") != std::string::npos);
    CHECK(out.find("Z radhpc:") == std::string::npos);
}
