// radhpc.store (python/radhpc/store.py, issue 19): the pure-Python reader of a store, run with
// Debian's /usr/bin/python3 (python3-h5py, python3-pandas) by tests/python/check_store.py, gives the
// DataFrames `radhpc export` and `radhpc inspect` give: every feature value bit-equal, both namings,
// with and without metadata, the counts and failures, the patient table, the longitudinal tables;
// also on the store of a run killed mid-way (store.h5 of an earlier run + unconsolidated parts).
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <thread>

#include "pystore_util.hpp"

namespace fs = std::filesystem;
using testutil::csv_rows;
using testutil::sh;
using testutil::slurp;

namespace {

using pystore::kBin;
using pystore::require_python_modules;

// 8 synthetic studies; the manifest (in the archive folder: relative paths) sends S0005's mask to a
// missing file (an io error record) and adds a timepoint (odd studies baseline, even fu1) and a day.
fs::path make_archive(const fs::path& dir) {
    REQUIRE(sh(kBin + " synth --studies 8 --seed 5 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    const auto rows = csv_rows(slurp(dir / "archive" / "manifest.csv"));
    std::ofstream m(dir / "archive" / "run.csv");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (const auto& cell : rows[i]) m << (i > 0 && rows[i][0] == "S0005" && cell.find("masks/") == 0 ? "masks/missing.nii.gz" : cell) << ",";
        const int n = i == 0 ? 0 : std::stoi(rows[i][0].substr(1));
        m << (i == 0 ? "timepoint,day" : n % 2 ? "baseline,0" : "fu1,90") << "\n";
    }
    return dir / "archive" / "run.csv";
}

std::string write_job(const fs::path& dir, const std::string& name, const std::string& families, int bin_width) {
    const fs::path p = dir / (name + ".yaml");
    std::ofstream(p) << "version: 1\nname: pystore\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
                     << "  discretisation: {method: fixed_bin_size, bin_width: " << bin_width << "}\nfeatures:\n  families: [" << families
                     << "]\nrun: {flush_interval_s: 0.05, fsync: false}\n"
                     << "longitudinal:\n  order: day\n  identity: label\n  features: [morph_volume, stat_mean, stat_var]\n";
    return p.string();
}

std::string run_cmd(const std::string& job, const fs::path& manifest, const fs::path& store) {
    return kBin + " run " + job + " --manifest " + manifest.string() + " --store " + store.string() + " -q";
}

void check_store(const fs::path& store, const std::string& flags, const fs::path& log) {
    pystore::check("check_store.py", store.string() + " " + flags, log);
}

std::size_t part_files(const fs::path& store) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(store / "parts", ec)) n += e.path().filename().string().rfind("part-", 0) == 0;
    return n;
}

}  // namespace

TEST_CASE("radhpc.store on a consolidated store equals export, inspect, patients and longitudinal tables", "[python][store]") {
    const auto dir = testutil::scratch_dir("radhpc_pystore_", "consolidated");
    require_python_modules(dir);
    const auto manifest = make_archive(dir);
    const std::string job = write_job(dir, "job", "morph, stat", 25);
    CHECK(sh(run_cmd(job, manifest, dir / "store"), dir / "run.log") == 1);  // S0005 fails, the rest is ok
    REQUIRE(part_files(dir / "store") == 0);
    REQUIRE(sh(kBin + " longitudinal " + job + " --manifest " + manifest.string() + " --store " + (dir / "store").string(), dir / "long.log") == 0);
    check_store(dir / "store", "--patients --longitudinal", dir / "check.log");
    const std::string report = slurp(dir / "check.log");
    CHECK(report.find("1 failures") != std::string::npos);
    CHECK(report.find("longitudinal changes") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("radhpc.store on the store of a killed run (store.h5 plus unconsolidated parts) equals export and inspect", "[python][store]") {
    const auto dir = testutil::scratch_dir("radhpc_pystore_", "killed");
    require_python_modules(dir);
    const auto manifest = make_archive(dir);
    const fs::path store = dir / "store";
    CHECK(sh(run_cmd(write_job(dir, "job", "morph, stat", 25), manifest, store), dir / "run1.log") == 1);

    // Second run: other settings (every study recomputed, ih columns added) and a new metadata
    // column; the study with the smallest image (computed last: largest first) hangs, so the run
    // stores the others as parts and never consolidates. Then SIGKILL to the whole process group.
    std::string hang;
    std::uintmax_t smallest = ~std::uintmax_t(0);
    for (const auto& e : fs::directory_iterator(dir / "archive" / "images"))
        if (e.path().filename().string().rfind("S0005", 0) != 0 && fs::file_size(e.path()) < smallest) {
            smallest = fs::file_size(e.path());
            hang = e.path().filename().string().substr(0, 5);
        }
    const fs::path manifest2 = dir / "archive" / "run2.csv";
    {
        const auto rows = csv_rows(slurp(manifest));
        std::ofstream m(manifest2);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            for (const auto& cell : rows[i]) m << cell << ",";
            m << (i == 0 ? "batch" : "b" + std::to_string(i % 3)) << "\n";
        }
    }
    const std::string job2 = write_job(dir, "job2", "morph, stat, ih", 20);
    REQUIRE(sh("RADHPC_TEST_HANG_STUDY=" + hang + " HDF5_USE_FILE_LOCKING=FALSE setsid " + run_cmd(job2, manifest2, store) + " > " + (dir / "run2.log").string() +
                   " 2>&1 & echo $! > " + (dir / "run2.pid").string(),
               dir / "spawn.log") == 0);
    const pid_t pid = std::stoi(slurp(dir / "run2.pid"));
    const auto t0 = std::chrono::steady_clock::now();
    std::size_t parts = 0;
    auto stable_since = t0;
    while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
        const std::size_t n = part_files(store);
        if (n != parts) parts = n, stable_since = std::chrono::steady_clock::now();
        if (parts > 0 && std::chrono::steady_clock::now() - stable_since > std::chrono::milliseconds(700)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    for (int i = 0; i < 100 && fs::exists("/proc/" + std::to_string(pid) + "/cwd"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    INFO("hanging study " << hang << "; run log:\n" << slurp(dir / "run2.log"));
    REQUIRE(part_files(store) > 0);

    check_store(store, "--expect-parts", dir / "check.log");
    // The parts matter: the exported table has the second run's ih columns (the hanging study's
    // rows, still those of store.h5, have them empty) and its batch column.
    REQUIRE(sh(kBin + " export " + store.string() + " --metadata --out " + (dir / "export.csv").string(), dir / "export.log") == 0);
    const std::string header = slurp(dir / "export.csv").substr(0, slurp(dir / "export.csv").find('\n'));
    CHECK(header.find(",ih_") != std::string::npos);
    CHECK(header.find(",batch,") != std::string::npos);
    fs::remove_all(dir);
}
