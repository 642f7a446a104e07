// Same export from 1 process, mpirun -np 2 and -np 4, and --shard + merge (issue 4 "Done when").
#include <catch2/catch.hpp>

#include "batch_fixture.hpp"

using namespace batch_test;

TEST_CASE("200 tiny studies: exports byte-identical across 1/2/4 ranks and shard+merge", "[batch][mpi]") {
    const std::string archive = tiny_archive(200);
    const auto dir = scratch("determinism");
    const std::string job = tiny_job(dir);
    const std::string manifest = archive + "/manifest.csv";

    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + (dir / "s1").string(), dir / "s1.log") == 0);
    const std::string e1 = export_csv(dir / "s1", dir / "e1.csv");
    INFO(slurp(dir / "s1.log"));
    // 200 studies, every lesion a row
    std::size_t rows = std::count(e1.begin(), e1.end(), '\n') - 1;
    int lesions = 0;
    for (int i = 0; i < 200; ++i) lesions += make_tiny_study(7, i).lesions;
    CHECK(rows == std::size_t(lesions));

    for (int ranks : {2, 4}) {
        const auto store = dir / ("s" + std::to_string(ranks));
        const int rc = sh(mpirun(ranks) + kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string(),
                          store.string() + ".log");
        INFO(slurp(store.string() + ".log"));
        REQUIRE(rc == 0);
        CHECK(export_csv(store, dir / ("e" + std::to_string(ranks) + ".csv")) == e1);
    }

    // Shards: disjoint, together everything; merged export identical.
    for (int i = 0; i < 3; ++i) {
        const auto store = dir / ("shard" + std::to_string(i));
        REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + store.string() + " --shard " +
                       std::to_string(i) + "/3",
                   store.string() + ".log") == 0);
    }
    REQUIRE(sh(kRadhpc + " merge " + (dir / "shard0").string() + " " + (dir / "shard1").string() + " " +
                   (dir / "shard2").string() + " --out " + (dir / "merged").string(),
               dir / "merge.log") == 0);
    CHECK(export_csv(dir / "merged", dir / "em.csv") == e1);
    const std::string s0 = export_csv(dir / "shard0", dir / "es0.csv");
    CHECK(std::count(s0.begin(), s0.end(), '\n') > 1);
    CHECK(std::count(s0.begin(), s0.end(), '\n') < std::count(e1.begin(), e1.end(), '\n'));

    // A rerun skips everything (content hash unchanged) and changes nothing.
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + manifest + " --store " + (dir / "s1").string(), dir / "rerun.log") == 0);
    CHECK(slurp(dir / "rerun.log").find("0 computed") != std::string::npos);
    CHECK(slurp(dir / "rerun.log").find("200 skipped") != std::string::npos);
    CHECK(export_csv(dir / "s1", dir / "e1b.csv") == e1);

    // With the manifest's metadata columns (outcome, scanner) for modelling tools.
    REQUIRE(sh(kRadhpc + " export " + (dir / "s1").string() + " --metadata --out " + (dir / "m1.csv").string(), dir / "m1.log") == 0);
    REQUIRE(sh(kRadhpc + " export " + (dir / "merged").string() + " --metadata --out " + (dir / "mm.csv").string(), dir / "mm.log") == 0);
    CHECK(slurp(dir / "m1.csv").rfind("study_id,patient_id,lesion,perturbation,outcome,scanner,morph_volume,", 0) == 0);
    CHECK(slurp(dir / "m1.csv") == slurp(dir / "mm.csv"));

    // PyRadiomics-style column names are available
    const std::string pyr = export_csv(dir / "s1", dir / "epyr.csv", "pyradiomics");
    CHECK(pyr.find("original_shape_MeshVolume") != std::string::npos);
    fs::remove_all(dir);
}
