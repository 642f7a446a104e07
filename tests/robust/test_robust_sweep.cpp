// Robustness sweeps through the batch engine (issue 7): every (study, perturbation) is a unit of
// work over the MPI ranks. 20 perturbations + the original over >= 50 tiny lesions:
// `mpirun -np 2 radhpc robust` stores the ICC table, clusters and the robust non-redundant set;
// the stored ICC equals psych::ICC(x, lmer = FALSE) on the store's own sweep table (tolerance
// 1e-9, issue 7's bound); 1 rank and 2 ranks give byte-identical exports; a SIGKILLed sweep
// resumes without recomputing stored units; a failing unit is an error record and loses nothing else.
#include "robust_fixture.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

using namespace robust_test;

namespace {

constexpr double kTol = 1e-9;

std::string robust_cmd(const std::string& job, const std::string& archive, const fs::path& store, const std::string& launcher = "") {
    return launcher + kRadhpc + " robust " + job + " --manifest " + archive + "/manifest.csv --store " + store.string() + " --threads 1";
}

std::string all_exports(const fs::path& dir, const fs::path& store) {
    return export_csv(store, dir / (store.filename().string() + "_f.csv")) + export_table(store, "icc", dir / (store.filename().string() + "_i.csv")) +
           export_table(store, "clusters", dir / (store.filename().string() + "_c.csv")) +
           export_table(store, "selected", dir / (store.filename().string() + "_s.csv"), " --metadata");
}

// unit key (study, perturbation) -> (run id, finished_at) of the stored records
std::map<std::string, std::pair<std::string, double>> stored_units(const fs::path& store) {
    std::map<std::string, std::pair<std::string, double>> out;
    for (const auto& s : store::load(store.string()).studies)
        if (s.status == "ok") out[s.study_id + "/" + s.perturbation] = {s.run_id, s.finished_at};
    return out;
}

}  // namespace

TEST_CASE("sweep of 20 perturbations over >= 50 lesions on 2 ranks: ICC (= psych), clusters, selected set, 1 rank identical",
          "[robust][sweep][mpi]") {
    const std::string archive = tiny_archive(30, 17);
    const fs::path dir = scratch("sweep");
    const std::string job = sweep_job(dir, std::string(kSweep20) + "robust: {icc_type: ICC1, threshold: 0.7, redundancy_threshold: 0.9}\n");
    REQUIRE(sh(robust_cmd(job, archive, dir / "two", mpirun(2)), dir / "two.log") == 0);
    INFO(slurp(dir / "two.log"));
    REQUIRE(sh(robust_cmd(job, archive, dir / "one"), dir / "one.log") == 0);

    const store::Contents c = store::load((dir / "two").string());
    REQUIRE(c.perturbations.size() == 21);
    CHECK(c.perturbations.front().id == "none");
    std::set<std::string> ids;
    for (const auto& p : c.perturbations) {
        ids.insert(p.id);
        CHECK(!p.spec.empty());
    }
    std::size_t lesions = 0;
    for (const auto& k : c.features.keys) lesions += k.perturbation == "none";
    CHECK(lesions >= 50);
    CHECK(c.features.rows() == lesions * 21);
    CHECK(c.studies.size() == 30 * 21);  // one record per unit
    const auto& r = c.robustness;
    REQUIRE(!r.empty());
    CHECK(r.source == "perturbation");
    CHECK(r.reference == "none");
    CHECK(!r.robust.empty());
    CHECK(!r.clusters.empty());
    CHECK(!r.selected.empty());
    CHECK(r.selected_table.study_id.size() == lesions);

    // 1 rank and 2 ranks: byte-identical feature table, ICC table, clusters and selected table.
    CHECK(all_exports(dir, dir / "one") == all_exports(dir, dir / "two"));

    // psych::ICC on the store's sweep table: subject = study + lesion, rater = perturbation.
    const auto rows = csv_rows(export_csv(dir / "two", dir / "features.csv"));
    const auto& header = rows[0];
    std::vector<std::size_t> usable;  // no missing cells, not constant
    std::set<std::string> no_within_variance;
    for (std::size_t j = 4; j < header.size(); ++j) {
        std::set<std::string> distinct;
        std::map<std::string, std::set<std::string>> per_subject;
        bool missing = false;
        for (std::size_t i = 1; i < rows.size(); ++i) {
            missing = missing || rows[i][j].empty();
            distinct.insert(rows[i][j]);
            per_subject[rows[i][0] + "_L" + rows[i][2]].insert(rows[i][j]);
        }
        if (missing || distinct.size() < 2) continue;
        usable.push_back(j);
        // Zero within-subject mean square: F-based bounds are 0/0 artefacts in psych (see the rater test).
        if (std::all_of(per_subject.begin(), per_subject.end(), [](const auto& kv) { return kv.second.size() == 1; }))
            no_within_variance.insert(header[j]);
    }
    REQUIRE(usable.size() >= 20);
    CHECK(no_within_variance.empty());  // every feature moves under rotation/translation
    {
        std::ofstream long_csv(dir / "long.csv");
        long_csv << "subject,rater";
        for (auto j : usable) long_csv << "," << header[j];
        long_csv << "\n";
        for (std::size_t i = 1; i < rows.size(); ++i) {
            long_csv << rows[i][0] << "_L" << rows[i][2] << "," << rows[i][3];
            for (auto j : usable) long_csv << "," << rows[i][j];
            long_csv << "\n";
        }
    }
    const auto psych = psych_icc(dir / "long.csv", dir);
    const auto robust_by_r = check_icc_against_psych(r, psych, header, usable, no_within_variance, 21, lesions, kTol);
    CHECK(std::set<std::string>(r.robust.begin(), r.robust.end()) == robust_by_r);
    // Archetype = the most robust member (highest ICC1) of each cluster.
    std::map<std::string, double> icc1;
    for (const auto& e : r.icc)
        if (e.type == "ICC1") icc1[e.feature] = e.icc;
    for (const auto& cl : r.clusters) CHECK(icc1.at(cl.feature) <= icc1.at(cl.archetype));

    REQUIRE(sh(kRadhpc + " inspect " + (dir / "two").string(), dir / "inspect.log") == 0);
    CHECK(slurp(dir / "inspect.log").find("robustness (") != std::string::npos);
    CHECK(slurp(dir / "inspect.log").find("STALE") == std::string::npos);  // table_hash matches the stored table

    // Ready for `radhpc validate`: the selected table with the manifest's outcome is its input.
    REQUIRE(export_table(dir / "two", "selected", dir / "selected.csv", " --metadata").rfind("study_id,patient_id,lesion,outcome", 0) == 0);
    std::ofstream(dir / "validate.yaml") << "validate:\n  table: selected.csv\n  outcome: outcome\n  patient: patient_id\n"
                                            "  exclude: [lesion]\n  output: validate-out\n  fixed: {alpha: 0.5, lambda: 0.05}\n"
                                            "  bootstrap: {replicates: 20, seed: 1}\n";
    CHECK(sh(kRadhpc + " validate " + (dir / "validate.yaml").string(), dir / "validate.log") == 0);
    INFO(slurp(dir / "validate.log"));
    CHECK(fs::exists(dir / "validate-out"));
    fs::remove_all(dir);
}

TEST_CASE("a SIGKILLed sweep resumes without recomputing stored units and ends identical", "[robust][sweep][kill]") {
    const std::string archive = tiny_archive(30, 17);
    const fs::path dir = scratch("sweep-kill");
    // Noise in every chain (noise estimate + full-image noise) makes units slower: the kill lands mid-run.
    const std::string job = sweep_job(dir, std::string(kSweep20) + "  noise: {repetitions: 1}\n");
    const fs::path killed = dir / "killed", clean = dir / "clean";
    const std::string run_killed = kRadhpc + " run " + job + " --manifest " + archive + "/manifest.csv --store " + killed.string() + " --threads 1";
    const pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        execl("/bin/sh", "sh", "-c", ("exec " + run_killed + " > " + (dir / "killed.log").string() + " 2>&1").c_str(), (char*)nullptr);
        _exit(127);
    }
    // Kill once a part with units is on disk (flush_interval_s 0.2), well before the end.
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
        std::size_t parts = 0;
        std::error_code ec;
        if (fs::is_directory(killed / "parts"))
            for (const auto& e : fs::directory_iterator(killed / "parts", ec)) parts += e.path().filename().string().rfind("part-", 0) == 0;
        if (parts >= 2 || std::chrono::steady_clock::now() - t0 > std::chrono::seconds(60)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    const auto before = stored_units(killed);
    INFO(slurp(dir / "killed.log"));
    REQUIRE(!before.empty());

    // Resume on 2 ranks: the stored units are skipped, the rest computed.
    const std::string rerun = mpirun(2) + kRadhpc + " run " + job + " --manifest " + archive + "/manifest.csv --store " + killed.string() + " --threads 1";
    REQUIRE(sh(rerun, dir / "rerun.log") == 0);
    const std::string log = slurp(dir / "rerun.log");
    INFO(log);
    CHECK(log.find(std::to_string(before.size()) + " skipped (unchanged)") != std::string::npos);
    const auto after = stored_units(killed);
    for (const auto& [unit, stamp] : before) {
        INFO(unit);
        REQUIRE(after.count(unit) == 1);
        CHECK(after.at(unit) == stamp);  // same run, same finish time: not recomputed
    }
    CHECK(after.size() > before.size());

    // Uninterrupted run: the same table.
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + archive + "/manifest.csv --store " + clean.string() + " --threads 1", dir / "clean.log") == 0);
    CHECK(export_csv(killed, dir / "k.csv") == export_csv(clean, dir / "c.csv"));
    CHECK(store::load(killed.string()).perturbations.size() == store::load(clean.string()).perturbations.size());
    fs::remove_all(dir);
}

TEST_CASE("a failing (study, perturbation) is an error record with the reason, nothing else is lost", "[robust][sweep][errors]") {
    const std::string archive = tiny_archive(6, 7);
    const fs::path dir = scratch("sweep-fail");
    // Eroding by 6 mm empties every tiny lesion (radii 2.6-3.8 mm): those units fail.
    const std::string job = sweep_job(dir, "perturbations:\n  combine: separate\n  rotation: {angles: [5]}\n  volume: {grow_mm: [-6]}\n");
    const int rc = sh(kRadhpc + " run " + job + " --manifest " + archive + "/manifest.csv --store " + (dir / "store").string(), dir / "run.log");
    INFO(slurp(dir / "run.log"));
    CHECK(rc == 1);
    const store::Contents c = store::load((dir / "store").string());
    REQUIRE(c.perturbations.size() == 3);
    std::map<std::string, std::size_t> ok, failed;
    for (const auto& s : c.studies) {
        if (s.status == "ok") ++ok[s.perturbation];
        else {
            ++failed[s.perturbation];
            CHECK(!s.message.empty());
            CHECK(!s.error_kind.empty());
        }
    }
    const std::string vol = c.perturbations[2].id.rfind("vol", 0) == 0 ? c.perturbations[2].id : c.perturbations[1].id;
    CHECK(failed[vol] == 6);
    CHECK(ok["none"] == 6);
    CHECK(ok.size() == 2);  // none and the rotation: every study
    for (const auto& [p, n] : ok) CHECK(n == 6);
    std::size_t rows = 0;
    for (const auto& k : c.features.keys) rows += k.perturbation != vol;
    CHECK(rows == c.features.rows());
    // inspect names the failed units with their perturbation and reason.
    REQUIRE(sh(kRadhpc + " inspect " + (dir / "store").string(), dir / "inspect.log") == 0);
    const std::string inspect = slurp(dir / "inspect.log");
    CHECK(inspect.find("studies: 6 (18 records = (study, perturbation) units; sweep of 3 perturbations)") != std::string::npos);
    CHECK(inspect.find("T0000 / " + vol + "  error") != std::string::npos);
    // Rerun: the failed units are not retried (run.retry_errors false), nothing recomputed.
    sh(kRadhpc + " run " + job + " --manifest " + archive + "/manifest.csv --store " + (dir / "store").string(), dir / "rerun.log");
    CHECK(slurp(dir / "rerun.log").find("0 computed (0 ok), 18 skipped") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("adding perturbations to a job computes only the new units", "[robust][sweep][resume]") {
    const std::string archive = tiny_archive(6, 7);
    const fs::path dir = scratch("sweep-grow");
    const std::string small = sweep_job(dir, "perturbations:\n  seed: 3\n  rotation: {angles: [5, 10]}\n", "small.yaml");
    const std::string grown = sweep_job(dir, "perturbations:\n  seed: 3\n  rotation: {angles: [-5, 5, 10]}\n", "grown.yaml");
    const std::string tail = " --manifest " + archive + "/manifest.csv --store " + (dir / "store").string();
    REQUIRE(sh(kRadhpc + " run " + small + tail, dir / "small.log") == 0);
    const auto before = stored_units(dir / "store");
    REQUIRE(before.size() == 6 * 3);
    // -5 deg inserted first: the other rotations move to later indices (other seeds), which a
    // chain without random steps does not depend on: 6 new units, 18 skipped.
    REQUIRE(sh(kRadhpc + " run " + grown + tail, dir / "grown.log") == 0);
    INFO(slurp(dir / "grown.log"));
    CHECK(slurp(dir / "grown.log").find("6 computed (6 ok), 18 skipped") != std::string::npos);
    const auto after = stored_units(dir / "store");
    CHECK(after.size() == 6 * 4);
    for (const auto& [unit, stamp] : before) CHECK(after.at(unit) == stamp);
    fs::remove_all(dir);
}
