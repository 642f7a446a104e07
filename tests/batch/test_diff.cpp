// radhpc diff (issue 8): two stores of the same archive, one with a changed study, list exactly
// that study; added and removed studies; identical stores give no differences and exit 0.
#include <catch2/catch.hpp>

#include <sstream>

#include "batch_fixture.hpp"

using namespace batch_test;

namespace {

std::string run_into(const fs::path& dir, const std::string& job, const fs::path& manifest, const fs::path& store, const std::string& log) {
    const int rc = sh(kRadhpc + " run " + job + " --manifest " + manifest.string() + " --store " + store.string(), dir / log);
    return rc == 0 ? "" : "run failed: " + slurp(dir / log);
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l.rfind(prefix, 0) == 0) out.push_back(l);
    return out;
}

// The archive's study `index` gets a new image: its tiny study with every voxel + `hu` (a re-export).
void change_image(const fs::path& dir, int index, int hu) {
    auto st = make_tiny_study(3, index);
    for (auto& v : st.image.data) v = std::int16_t(v + hu);
    radhpc::io::write_image(st.image, (dir / "img" / (study_id(index) + ".nii.gz")).string());
}

struct DiffRun {
    int rc;
    std::string out;
};
// Tonight's run after change_image(dir, index, hu) into night2 (a copy of night1), then
// radhpc diff night1 night2 --csv diff.csv.
DiffRun change_rerun_diff(const fs::path& dir, const std::string& job, int index, int hu) {
    change_image(dir, index, hu);
    REQUIRE(run_into(dir, job, dir / "manifest.csv", dir / "night2", "n2.log").empty());
    const int rc = sh(kRadhpc + " diff " + (dir / "night1").string() + " " + (dir / "night2").string() + " --csv " +
                          (dir / "diff.csv").string(),
                      dir / "diff.log");
    return {rc, slurp(dir / "diff.log")};
}

}  // namespace

TEST_CASE("diff: a changed study is the only one listed, with its changed values", "[batch][diff]") {
    const auto dir = private_archive("diff", 8);
    const std::string job = tiny_job(dir);
    REQUIRE(run_into(dir, job, dir / "manifest.csv", dir / "night1", "n1.log").empty());
    fs::copy(dir / "night1", dir / "night2", fs::copy_options::recursive);

    // Identical stores: nothing to report, exit 0.
    REQUIRE(sh(kRadhpc + " diff " + (dir / "night1").string() + " " + (dir / "night2").string(), dir / "same.log") == 0);
    CHECK(slurp(dir / "same.log").find("no differences") != std::string::npos);

    // Tonight one image has new content (a re-export of the scan): the nightly run recomputes it.
    const auto [rc, out] = change_rerun_diff(dir, job, 5, 11);
    INFO(out);
    CHECK(rc == 1);
    const auto recomputed = lines_starting(out, "recomputed ");
    REQUIRE(recomputed.size() == 1);
    CHECK(recomputed[0].rfind("recomputed T0005: image ", 0) == 0);
    CHECK(recomputed[0].find("changed (checksum") != std::string::npos);
    CHECK(lines_starting(out, "added ").empty());
    CHECK(lines_starting(out, "removed ").empty());
    CHECK(out.find("recomputed 1, status changed 0") != std::string::npos);

    // Every changed value belongs to T0005, and the intensity mean moved by the added 11 HU.
    const auto csv = slurp(dir / "diff.csv");
    const auto values = lines_starting(csv, "value,");
    REQUIRE(!values.empty());
    bool mean_seen = false;
    for (const auto& v : values) {
        CHECK(v.rfind("value,T0005,", 0) == 0);
        if (v.find(",none,stat_mean,") != std::string::npos) {
            mean_seen = true;
            std::istringstream f(v);
            std::vector<std::string> cell;
            for (std::string c; std::getline(f, c, ',');) cell.push_back(c);
            REQUIRE(cell.size() >= 7);
            CHECK(std::stod(cell[6]) - std::stod(cell[5]) == Approx(11.0).margin(1e-9));
        }
    }
    CHECK(mean_seen);
    // Shape does not depend on intensities: morphology is unchanged for the changed study.
    CHECK(csv.find(",morph_volume,") == std::string::npos);
}

TEST_CASE("diff: studies added and removed between two archives", "[batch][diff]") {
    const auto dir = private_archive("diff-add", 6);
    const std::string job = tiny_job(dir);
    const std::string all = slurp(dir / "manifest.csv");
    // Night 1 saw T0000..T0004; night 2 sees T0001..T0005 (T0000 left the archive's manifest).
    std::string first = all.substr(0, all.find("T0005,"));
    std::string second = all.substr(0, all.find('\n') + 1) + all.substr(all.find("T0001,"));
    std::ofstream(dir / "m1.csv") << first;
    std::ofstream(dir / "m2.csv") << second;
    REQUIRE(run_into(dir, job, dir / "m1.csv", dir / "a", "a.log").empty());
    REQUIRE(run_into(dir, job, dir / "m2.csv", dir / "b", "b.log").empty());
    const int rc = sh(kRadhpc + " diff " + (dir / "a").string() + " " + (dir / "b").string(), dir / "diff.log");
    const std::string out = slurp(dir / "diff.log");
    INFO(out);
    CHECK(rc == 1);
    const auto added = lines_starting(out, "added "), removed = lines_starting(out, "removed ");
    REQUIRE(added.size() == 1);
    REQUIRE(removed.size() == 1);
    CHECK(added[0].rfind("added T0005", 0) == 0);
    CHECK(removed[0].rfind("removed T0000", 0) == 0);
    // The four common studies were computed by two different runs from the same inputs and
    // settings: listed as recomputed (same inputs), with no value beyond the tolerance.
    CHECK(lines_starting(out, "recomputed ").size() == 4);
    CHECK(out.find("same inputs and settings") != std::string::npos);
    CHECK(out.find("values beyond tolerance (|a-b| > 0 + 1e-09 * max(|a|,|b|)): 0 of") != std::string::npos);
}

TEST_CASE("diff: a path that is not a store is an error", "[batch][diff]") {
    const auto dir = scratch("diff-bad");
    CHECK(sh(kRadhpc + " diff " + (dir / "nope").string() + " " + (dir / "nope2").string(), dir / "bad.log") == 2);
    CHECK(slurp(dir / "bad.log").find("no such store") != std::string::npos);
}

TEST_CASE("diff: sweep stores are compared per (study, perturbation) unit", "[batch][diff]") {
    const auto dir = private_archive("diff-sweep", 4);
    std::string job_text = slurp(tiny_job(dir));
    job_text += "perturbations: {seed: 5, include_original: true, combine: separate, rotation: {angles: [10]}, translation: {fractions: [0.5], axes: xy}}\n";
    std::ofstream(dir / "sweep.yaml") << job_text;
    const std::string job = (dir / "sweep.yaml").string();
    REQUIRE(run_into(dir, job, dir / "manifest.csv", dir / "night1", "n1.log").empty());
    fs::copy(dir / "night1", dir / "night2", fs::copy_options::recursive);
    const auto [rc, out] = change_rerun_diff(dir, job, 1, 5);
    INFO(out);
    CHECK(rc == 1);
    // Every unit of T0001 (unperturbed, rotated, translated) and nothing else.
    const auto recomputed = lines_starting(out, "recomputed ");
    CHECK(recomputed.size() == 3);
    for (const auto& l : recomputed) CHECK(l.rfind("recomputed T0001", 0) == 0);
    CHECK(lines_starting(out, "added ").empty());
    CHECK(lines_starting(out, "removed ").empty());
    for (const auto& v : lines_starting(slurp(dir / "diff.csv"), "value,")) CHECK(v.rfind("value,T0001,", 0) == 0);
}
