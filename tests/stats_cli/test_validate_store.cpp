// `radhpc validate` on the MPI engine into the store (issue 16):
//  - no launcher and mpirun -np 1/2/3 store the same /validation group (all but provenance) and
//    export byte-identical folders, equal to the folder mode's (whose numbers test_validate.cpp
//    checks against R: cv.glmnet on the exported folds, the bootstrap replayed in R);
//  - SIGKILL of every process at random moments: each rerun computes only the units missing from
//    the store, and the final result is byte-identical to an uninterrupted run;
//  - `validate.table: store` reads the run's feature table; a feature recompute with changed
//    settings marks the validation STALE in `inspect`, an unchanged rerun does not.
#include "cli_test_util.hpp"

#include <random>
#include <regex>

#include "batch/batch_fixture.hpp"

namespace {

namespace fs = std::filesystem;

// Lesion table: 1-2 lesions per patient, outcome per patient, f1/f2 informative, f3/f4 noise.
void write_table(const fs::path& path, int patients, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::ofstream csv(path);
    csv << "patient_id,outcome,f1,f2,f3,f4\n";
    char buf[160];
    for (int p = 0; p < patients; ++p) {
        const int y = g.bernoulli(0.4);
        for (int l = 0; l <= p % 2; ++l) {
            std::snprintf(buf, sizeof buf, "P%d,%d,%.17g,%.17g,%.17g,%.17g\n", p, y, 0.9 * y + g.normal(), -0.5 * y + g.normal(), g.normal(),
                          g.normal());
            csv << buf;
        }
    }
}

void write_job(const fs::path& dir, int replicates, int repeats, const std::string& extra = "") {
    std::ofstream(dir / "job.yaml") << "name: enet\nvalidate:\n  table: table.csv\n  outcome: outcome\n  patient: patient_id\n"
                                       "  alphas: [0.5, 1]\n  repeats: "
                                    << repeats << "\n  nlambda: 30\n  bootstrap: {replicates: " << replicates << ", seed: 3, export_samples: true}\n"
                                    << extra;
}

std::string cmd(const std::string& args) { return batch_test::kRadhpc + " " + args; }

// The folder of `radhpc export --table validation`, every file's bytes by name.
std::map<std::string, std::string> exported(const fs::path& store, const fs::path& out) {
    fs::remove_all(out);
    const int rc = testutil::sh(cmd("export " + store.string() + " --table validation --name enet --out " + out.string()), out.string() + ".log");
    REQUIRE(rc == 0);
    std::map<std::string, std::string> files;
    for (const auto& e : fs::directory_iterator(out)) files[e.path().filename().string()] = testutil::slurp(e.path());
    return files;
}

// The stored /validation/enet group as h5dump prints it, without the provenance datasets.
std::string stored_group(const fs::path& store) {
    const auto dump = store.string() + ".dump";
    REQUIRE(testutil::sh("h5dump -g /validation/enet " + (store / "store.h5").string(), dump) == 0);
    std::string text = testutil::slurp(dump), kept;
    std::istringstream in(text);
    bool skip = false;
    for (std::string line; std::getline(in, line);) {
        if (line.find("HDF5 \"") != std::string::npos) continue;  // the file name
        if (line.find("DATASET \"started_at\"") != std::string::npos || line.find("DATASET \"finished_at\"") != std::string::npos ||
            line.find("DATASET \"job\"") != std::string::npos)
            skip = true;
        if (!skip) kept += line + "\n";
        if (skip && line == "   }") skip = false;
    }
    return kept;
}

// "N of M units stored, computing K" of a validate log.
std::array<int, 3> units_line(const std::string& log) {
    std::smatch m;
    const std::regex re("(\\d+) of (\\d+) units stored, computing (\\d+)");
    if (!std::regex_search(log, m, re)) return {-1, -1, -1};
    return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])};
}

}  // namespace

TEST_CASE("validate on the engine: no launcher and -np 1/2/3 store the same validation, exports equal the folder mode's", "[stats_cli][validate][mpi]") {
    const auto dir = rtest::temp_dir() / "validate_store_ranks";
    fs::remove_all(dir);
    fs::create_directories(dir);
    write_table(dir / "table.csv", 70, 11);
    write_job(dir, 10, 3, "  output: folder\n");
    // the folder mode (no store): the reference files
    REQUIRE(testutil::sh("cd " + dir.string() + " && " + cmd("validate job.yaml"), (dir / "folder.log").string()) == 0);
    std::map<std::string, std::string> folder;
    for (const auto& e : fs::directory_iterator(dir / "folder")) folder[e.path().filename().string()] = testutil::slurp(e.path());
    REQUIRE(folder.count("metrics.json"));
    REQUIRE(folder.count("bootstrap_samples.csv"));

    std::string group0;
    for (int ranks : {0, 1, 2, 3}) {
        INFO("ranks " << ranks);
        const auto store = dir / ("store" + std::to_string(ranks));
        const std::string launcher = ranks == 0 ? "" : batch_test::mpirun(ranks);
        const auto log = dir / ("run" + std::to_string(ranks) + ".log");
        REQUIRE(testutil::sh("cd " + dir.string() + " && " + launcher + cmd("validate job.yaml --store " + store.string()), log.string()) == 0);
        CHECK(units_line(testutil::slurp(log)) == std::array<int, 3>{0, 11, 11});
        CHECK(exported(store, dir / ("export" + std::to_string(ranks))) == folder);
        const auto group = stored_group(store);
        CHECK(group.find("\"complete\"") != std::string::npos);
        if (ranks == 0) group0 = group;
        else CHECK(group == group0);
    }
    // inspect lists it, not stale; a rerun is up to date and computes nothing
    const auto inspect = dir / "inspect.log";
    REQUIRE(testutil::sh(cmd("inspect " + (dir / "store2").string()), inspect.string()) == 0);
    const auto listing = testutil::slurp(inspect);
    CHECK(listing.find("validation enet: complete, AUC") != std::string::npos);
    CHECK(listing.find("STALE") == std::string::npos);
    const auto again = dir / "again.log";
    REQUIRE(testutil::sh("cd " + dir.string() + " && " + cmd("validate job.yaml --store store2"), again.string()) == 0);
    CHECK(units_line(testutil::slurp(again)) == std::array<int, 3>{11, 11, 0});
    // a changed value of the CSV table: STALE
    {
        std::string t = testutil::slurp(dir / "table.csv");
        t.replace(t.find("\nP3,") + 6, 1, t[t.find("\nP3,") + 6] == '1' ? "2" : "1");
        std::ofstream(dir / "table.csv") << t;
    }
    REQUIRE(testutil::sh(cmd("inspect " + (dir / "store2").string()), inspect.string()) == 0);
    CHECK(testutil::slurp(inspect).find("STALE: its table's values changed since") != std::string::npos);
}

TEST_CASE("validate: SIGKILL at random moments, each rerun computes only missing units, the result equals an uninterrupted run",
          "[stats_cli][validate][mpi][kill]") {
    const auto dir = rtest::temp_dir() / "validate_store_kill";
    fs::remove_all(dir);
    fs::create_directories(dir);
    write_table(dir / "table.csv", 70, 12);
    write_job(dir, 120, 5);
    REQUIRE(testutil::sh("cd " + dir.string() + " && " + cmd("validate job.yaml --store whole"), (dir / "whole.log").string()) == 0);
    const auto reference = exported(dir / "whole", dir / "whole-export");

    std::mt19937 rng(20261206);
    int stored_before = 0, interrupted = 0;
    for (int trial = 0; trial < 5; ++trial) {
        const auto log = dir / ("kill" + std::to_string(trial) + ".log");
        const pid_t pid = batch_test::spawn("cd " + dir.string() + " && exec " + batch_test::mpirun(2) + cmd("validate job.yaml --store killed"), log);
        // Kill once 1-3 progress lines (6 units each) of this run are out: mid-run however loaded the machine is.
        const std::size_t target = 1 + rng() % 3;
        for (int waited = 0; waited < 6000; waited += 10) {
            const auto text = testutil::slurp(log);
            std::size_t units = 0;
            for (std::size_t at = text.find(" units\n"); at != std::string::npos; at = text.find(" units\n", at + 1)) ++units;
            if (units >= target || text.find("apparent AUC") != std::string::npos) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        batch_test::kill_all(pid);
        const auto u = units_line(testutil::slurp(log));
        INFO("trial " << trial << ": " << testutil::slurp(log));
        if (u[0] >= 0) {
            // what the previous runs stored is not computed again
            CHECK(u[0] >= stored_before);
            CHECK(u[0] + u[2] == 121);
            stored_before = u[0];
            if (u[2] > 0) ++interrupted;
        }
        // the store stays readable after every kill (once the first unit is in, it exists)
        if (fs::exists(dir / "killed")) CHECK(testutil::sh(cmd("inspect " + (dir / "killed").string()), (dir / "inspect.log").string()) == 0);
    }
    CHECK(interrupted >= 2);
    const auto log = dir / "final.log";
    REQUIRE(testutil::sh("cd " + dir.string() + " && " + batch_test::mpirun(2) + cmd("validate job.yaml --store killed"), log.string()) == 0);
    const auto u = units_line(testutil::slurp(log));
    CHECK(u[0] >= stored_before);
    CHECK(u[0] + u[2] == 121);
    CHECK(exported(dir / "killed", dir / "killed-export") == reference);
}

TEST_CASE("validate.table store: the run's features, a recompute with changed settings marks the validation STALE", "[stats_cli][validate][store]") {
    const auto archive = batch_test::private_archive("validate_table_store", 24);
    const auto dir = archive;
    const auto job = batch_test::tiny_job(dir);
    const auto store = dir / "store";
    const auto run = [&](const std::string& job_path) {
        return testutil::sh(cmd("run " + job_path + " --manifest " + (dir / "manifest.csv").string() + " --store " + store.string()),
                            (dir / "run.log").string());
    };
    REQUIRE(run(job) == 0);
    std::ofstream(dir / "validate.yaml") << "name: enet\nvalidate:\n  table: store\n  outcome: outcome\n"
                                            "  features: [stat_mean, stat_var, ih_entropy, morph_volume]\n"
                                            "  fixed: {alpha: 1, lambda: 0.01}\n  bootstrap: {replicates: 4, seed: 1}\n";
    REQUIRE(testutil::sh(cmd("validate " + (dir / "validate.yaml").string() + " --store " + store.string()), (dir / "v.log").string()) == 0);
    const auto v = testutil::slurp(dir / "v.log");
    INFO(v);
    CHECK(v.find(" rows, 12 patients, 4 features") != std::string::npos);
    const auto inspect = dir / "inspect.log";
    REQUIRE(testutil::sh(cmd("inspect " + store.string()), inspect.string()) == 0);
    CHECK(testutil::slurp(inspect).find("validation enet: complete") != std::string::npos);
    CHECK(testutil::slurp(inspect).find("4 features from store") != std::string::npos);
    CHECK(testutil::slurp(inspect).find("STALE") == std::string::npos);
    // an unchanged rerun of the extraction: the same values, not stale
    REQUIRE(run(job) == 0);
    REQUIRE(testutil::sh(cmd("inspect " + store.string()), inspect.string()) == 0);
    CHECK(testutil::slurp(inspect).find("STALE") == std::string::npos);
    // another bin width changes ih_entropy: stale
    std::string text = testutil::slurp(job);
    text.replace(text.find("bin_width: 25"), 13, "bin_width: 10");
    std::ofstream(dir / "job-bw10.yaml") << text;
    REQUIRE(run((dir / "job-bw10.yaml").string()) == 0);
    REQUIRE(testutil::sh(cmd("inspect " + store.string()), inspect.string()) == 0);
    CHECK(testutil::slurp(inspect).find("STALE: its table's values changed since") != std::string::npos);
}
