// Resume and nightly reprocessing, time limit, memory budget, connected-component lesions,
// patient table, plain-HDF5 readability (issue 4).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "batch_fixture.hpp"
#include "radhpc/pipeline/synth.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;
namespace store = radhpc::store;

namespace {

std::map<std::string, store::StudyRecord> studies_of(const fs::path& s) {
    std::map<std::string, store::StudyRecord> out;
    for (auto& r : store::load(s.string()).studies) out[r.study_id] = r;
    return out;
}

std::string run_cmd(const fs::path& dir, const std::string& job, const std::string& extra = "") {
    return kRadhpc + " run " + job + " --manifest " + (dir / "manifest.csv").string() + " --store " + (dir / "store").string() + extra;
}

}  // namespace

TEST_CASE("resume: unchanged studies skipped, changed recomputed, vanished marked with rows kept", "[batch][resume]") {
    const auto dir = private_archive("resume", 20);
    const std::string job = tiny_job(dir);
    REQUIRE(sh(run_cmd(dir, job), dir / "r1.log") == 0);
    const auto first = studies_of(dir / "store");
    REQUIRE(first.size() == 20);

    // Unchanged: nothing recomputed.
    REQUIRE(sh(run_cmd(dir, job), dir / "r2.log") == 0);
    CHECK(slurp(dir / "r2.log").find("0 computed (0 ok), 20 skipped") != std::string::npos);

    // The manifest's outcome column changes (follow-up): metadata updated, nothing recomputed.
    {
        const std::string before_meta = export_csv(dir / "store", dir / "before_meta.csv");
        std::string t = slurp(dir / "manifest.csv");
        const auto at = t.find("T0002,");
        const auto eol = t.find('\n', at);
        t[eol - 1] = t[eol - 1] == '0' ? '1' : '0';
        std::ofstream(dir / "manifest.csv") << t;
        REQUIRE(sh(run_cmd(dir, job), dir / "r2b.log") == 0);
        CHECK(slurp(dir / "r2b.log").find("0 computed (0 ok), 20 skipped") != std::string::npos);
        const auto s = studies_of(dir / "store");
        CHECK(s.at("T0002").run_id == first.at("T0002").run_id);  // features still those of the first run
        REQUIRE(s.at("T0002").metadata.size() == 1);
        CHECK(s.at("T0002").metadata[0].second != first.at("T0002").metadata[0].second);
        CHECK(s.at("T0002").metadata[0].second == std::string(1, t[eol - 1]));
        CHECK(export_csv(dir / "store", dir / "after_meta.csv") == before_meta);
    }

    // One image changes content (another study's pixels): only that study is recomputed.
    {
        auto st = make_tiny_study(3, 4);
        for (auto& v : st.image.data) v = std::int16_t(v + 3);
        radhpc::io::write_image(st.image, (dir / "img" / "T0004.nii.gz").string());
    }
    REQUIRE(sh(run_cmd(dir, job), dir / "r3.log") == 0);
    INFO(slurp(dir / "r3.log"));
    CHECK(slurp(dir / "r3.log").find("1 computed (1 ok), 19 skipped") != std::string::npos);
    const auto third = studies_of(dir / "store");
    CHECK(third.at("T0004").run_id != first.at("T0004").run_id);
    CHECK(third.at("T0004").content_hash != first.at("T0004").content_hash);
    CHECK(third.at("T0003").run_id == first.at("T0003").run_id);

    // An input vanishes: the study is marked, its rows stay.
    const std::string before = export_csv(dir / "store", dir / "before.csv");
    fs::remove(dir / "img" / "T0007.nii.gz");
    REQUIRE(sh(run_cmd(dir, job), dir / "r4.log") == 0);
    INFO(slurp(dir / "r4.log"));
    CHECK(slurp(dir / "r4.log").find("1 vanished") != std::string::npos);
    const auto fourth = studies_of(dir / "store");
    CHECK(fourth.at("T0007").status == "vanished");
    CHECK(fourth.at("T0007").message.find("T0007.nii.gz") != std::string::npos);
    CHECK(export_csv(dir / "store", dir / "after.csv") == before);

    // A row broken in the manifest (missing columns) is reported, and the stored study stays.
    {
        const std::string good_manifest = slurp(dir / "manifest.csv");
        std::string broken = good_manifest;
        const auto at = broken.find("T0010,");
        broken.erase(broken.find(",img/T0010_m", at), broken.find('\n', at) - broken.find(",img/T0010_m", at));
        std::ofstream(dir / "manifest.csv") << broken;
        CHECK(sh(run_cmd(dir, job), dir / "r4b.log") == 1);
        INFO(slurp(dir / "r4b.log"));
        CHECK(slurp(dir / "r4b.log").find("missing column 'mask'") != std::string::npos);
        CHECK(studies_of(dir / "store").at("T0010").status == "ok");
        CHECK(export_csv(dir / "store", dir / "after_broken.csv") == before);
        std::ofstream(dir / "manifest.csv") << good_manifest;
    }

    // Settings change (bin width): everything present is recomputed.
    const fs::path job2 = dir / "job2.yaml";
    {
        std::string t = slurp(job);
        t.replace(t.find("bin_width: 25"), 13, "bin_width: 20");
        std::ofstream(job2) << t;
    }
    REQUIRE(sh(run_cmd(dir, job2.string()), dir / "r5.log") == 0);
    INFO(slurp(dir / "r5.log"));
    CHECK(slurp(dir / "r5.log").find("19 computed (19 ok)") != std::string::npos);

    // HDF5 store readable by plain HDF5 tools, also without POSIX file locks.
    REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + run_cmd(dir, job2.string()), dir / "r6.log") == 0);
    REQUIRE(sh("h5dump -H " + (dir / "store" / "store.h5").string(), dir / "h5dump.log") == 0);
    const std::string h = slurp(dir / "h5dump.log");
    for (const char* path : {"GROUP \"features\"", "DATASET \"values\"", "GROUP \"registry\"", "DATASET \"pyradiomics_name\"",
                             "GROUP \"studies\"", "DATASET \"content_hash\"", "GROUP \"provenance\"", "DATASET \"job_text\"",
                             "GROUP \"inputs\"", "DATASET \"checksum\"", "GROUP \"patients\""})
        CHECK(h.find(path) != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("patient table: lesion count, total volume, per-feature mean/median/min/max", "[batch][patients]") {
    const auto dir = private_archive("patients", 6);
    REQUIRE(sh(run_cmd(dir, tiny_job(dir)), dir / "run.log") == 0);
    const auto c = store::load((dir / "store").string());
    REQUIRE(c.patients.patient_ids.size() == 3);
    const auto& pt = c.patients;
    const std::size_t nc = pt.columns.size();
    auto col = [&](const std::string& n) { return std::size_t(std::find(pt.columns.begin(), pt.columns.end(), n) - pt.columns.begin()); };
    const auto vol = std::size_t(std::find(c.features.columns.begin(), c.features.columns.end(), "morph_volume") - c.features.columns.begin());
    REQUIRE(vol < c.features.columns.size());
    for (std::size_t p = 0; p < 3; ++p) {
        std::vector<double> v;
        for (std::size_t r = 0; r < c.features.rows(); ++r)
            if (c.features.keys[r].patient_id == pt.patient_ids[p]) v.push_back(c.features.values[r * c.features.columns.size() + vol]);
        CHECK(pt.values[p * nc + col("lesion_count")] == double(v.size()));
        double sum = 0;
        for (double x : v) sum += x;
        CHECK(pt.values[p * nc + col("total_volume")] == Approx(sum).epsilon(1e-12));
        CHECK(pt.values[p * nc + col("morph_volume_min")] == *std::min_element(v.begin(), v.end()));
        CHECK(pt.values[p * nc + col("morph_volume_max")] == *std::max_element(v.begin(), v.end()));
        CHECK(pt.values[p * nc + col("morph_volume_mean")] == Approx(sum / double(v.size())).epsilon(1e-12));
        std::sort(v.begin(), v.end());
        const double med = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
        CHECK(pt.values[p * nc + col("morph_volume_median")] == med);
        CHECK(std::isfinite(pt.values[p * nc + col("total_surface")]));
    }
    fs::remove_all(dir);
}

TEST_CASE("time limit and memory budget turn a heavy study into an error record", "[batch][limits]") {
    const auto dir = private_archive("limits", 6);
    // One heavy study: a ~1,500,000-voxel lesion at 1 mm (several seconds of work, so that the
    // 0.25 s limit holds on fast machines too; the abandoned thread ends with the process).
    const auto big = radhpc::pipeline::make_lesion_phantom(5, 1500000);
    radhpc::io::write_image(big.image, (dir / "img" / "BIG.nii.gz").string());
    radhpc::io::write_labels(big.labels, (dir / "img" / "BIG_m.nii.gz").string());
    std::ofstream(dir / "manifest.csv", std::ios::app) << "BIG,PBIG,img/BIG.nii.gz,img/BIG_m.nii.gz,1,0\n";

    const std::string job_t = tiny_job(dir, ", study_time_limit_s: 0.25");
    const int rc = sh(run_cmd(dir, job_t), dir / "t.log");
    INFO(slurp(dir / "t.log"));
    CHECK(rc == 1);
    auto s = studies_of(dir / "store");
    CHECK(s.at("BIG").status == "error");
    CHECK(s.at("BIG").error_kind == "time_limit");
    CHECK(s.at("BIG").message.find("time limit of 0.25 s") != std::string::npos);
    for (int i = 0; i < 6; ++i) CHECK(s.at(study_id(i)).status == "ok");

    fs::remove_all(dir / "store");
    fs::path job_m = dir / "job_m.yaml";
    {
        std::string t = slurp(tiny_job(dir, ", memory_budget_mb: 8"));
        std::ofstream(job_m) << t;
    }
    const int rc2 = sh(run_cmd(dir, job_m.string()), dir / "m.log");
    INFO(slurp(dir / "m.log"));
    CHECK(rc2 == 1);
    s = studies_of(dir / "store");
    CHECK(s.at("BIG").error_kind == "memory");
    CHECK(s.at("BIG").message.find("exceeds the worker budget of 8 MiB") != std::string::npos);
    for (int i = 0; i < 6; ++i) CHECK(s.at(study_id(i)).status == "ok");
    fs::remove_all(dir);
}

TEST_CASE("lesions by connected components with a minimum volume", "[batch][components]") {
    const auto dir = scratch("components");
    auto st = make_tiny_study(3, 1);
    // Three balls of label 1, 3 voxels apart (separate 26-connected components), and a 1-voxel
    // speck below the minimum lesion size.
    std::fill(st.labels.data.begin(), st.labels.data.end(), 0);
    for (int z = 0; z < 12; ++z)
        for (int y = 0; y < 24; ++y)
            for (int x = 0; x < 24; ++x)
                for (int cx : {4, 12, 20})
                    if ((x - cx) * (x - cx) + (y - 12) * (y - 12) + (z - 6) * (z - 6) <= 6) st.labels.data[st.labels.index(x, y, z)] = 1;
    st.labels.data[st.labels.index(23, 23, 11)] = 1;
    st.lesions = 3;
    radhpc::io::write_image(st.image, (dir / "img.nii.gz").string());
    radhpc::io::write_labels(st.labels, (dir / "mask.nii.gz").string());
    std::ofstream(dir / "manifest.csv") << "study_id,patient_id,image,mask\nC1,P1,img.nii.gz,mask.nii.gz\n";
    const std::string job = tiny_job(dir, ", lesions: components, min_lesion_voxels: 5");
    REQUIRE(sh(run_cmd(dir, job), dir / "run.log") == 0);
    const auto c = store::load((dir / "store").string());
    REQUIRE(c.features.rows() == std::size_t(st.lesions));
    for (std::size_t r = 0; r < c.features.rows(); ++r) CHECK(c.features.keys[r].lesion == int(r) + 1);

    // The same by volume: each ball is 81 voxels of 1.5 mm^3 (121.5 mm^3), the speck 1.5 mm^3.
    fs::remove_all(dir / "store");
    REQUIRE(sh(run_cmd(dir, tiny_job(dir, ", lesions: components, min_lesion_volume_mm3: 40")), dir / "run2.log") == 0);
    CHECK(store::load((dir / "store").string()).features.rows() == 3);
    fs::remove_all(dir / "store");
    REQUIRE(sh(run_cmd(dir, tiny_job(dir, ", lesions: components, min_lesion_volume_mm3: 130")), dir / "run3.log") == 1);
    CHECK(studies_of(dir / "store").at("C1").message.find("no connected component of at least 87 voxels") != std::string::npos);
    fs::remove_all(dir);
}
