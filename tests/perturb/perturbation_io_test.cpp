// The job file's `perturbations` section: expansion, ids, seeds, errors naming the key path.
#include <catch2/catch.hpp>

#include <set>

#include "radhpc/core/error.hpp"
#include "radhpc/io/perturbation_io.hpp"
#include "radhpc/io/settings_io.hpp"

using namespace radhpc;

namespace {
std::string job(const std::string& perturbations) {
    return "version: 1\nprofile: ibsi\nperturbations:\n" + perturbations;
}
std::string error_of(const std::string& text) {
    try {
        io::parse_job_text(text, "job.yaml");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("IBSI tolerance scheme expands to 336 perturbations with unique readable ids", "[perturb][io]") {
    // IBSI 1 manual, Benchmarks: 7 rotations x 4x4 in-plane translations x 3 ROI versions = 336.
    const auto text = job(
        "  seed: 42\n  include_original: false\n  combine: product\n"
        "  rotation: {angles: [-15, -10, -5, 0, 5, 10, 15]}\n"
        "  translation: {fractions: [0, 0.25, 0.5, 0.75], axes: xy}\n"
        "  volume: {grow_mm: [-2, 0, 2]}\n");
    const auto j = io::parse_job_text(text, "job.yaml");
    REQUIRE(j.perturbations.size() == 336);
    std::set<std::string> ids;
    std::set<std::uint64_t> seeds;
    for (const auto& p : j.perturbations) {
        ids.insert(p.id);
        seeds.insert(p.seed);
        CHECK(p.steps.size() == 3);
    }
    CHECK(ids.size() == 336);
    CHECK(seeds.size() == 336);
    CHECK(ids.count("rot-15_tx0.25_ty0.50_vol-2mm") == 1);
    CHECK(ids.count("rot0_tx0.00_ty0.00_vol0mm") == 1);
    CHECK(ids.count("rot10_tx0.75_ty0.50_vol2mm") == 1);
    CHECK(j.perturbations.front().id == "rot-15_tx0.00_ty0.00_vol-2mm");
    // the same expansion as the built-in plan
    auto plan = io::ibsi_tolerance_plan();
    plan.seed = 42;
    const auto built = io::expand_perturbations(plan);
    REQUIRE(built.size() == 336);
    for (std::size_t i = 0; i < built.size(); ++i) {
        CHECK(built[i].id == j.perturbations[i].id);
        CHECK(built[i].seed == j.perturbations[i].seed);
    }
}

TEST_CASE("include_original prepends 'none' - separate lists each kind alone", "[perturb][io]") {
    const auto j = io::parse_job_text(job("  combine: separate\n  rotation: {angles: [-5, 5]}\n"
                                          "  noise: {repetitions: 2, scale: 1.5}\n  volume: {fractions: [-0.1, 0.1]}\n"
                                          "  contour: {repetitions: 3}\n  translation: {fractions: [0.5], axes: z}\n"),
                                      "job.yaml");
    std::vector<std::string> ids;
    for (const auto& p : j.perturbations) ids.push_back(p.id);
    const std::vector<std::string> expected{"none",        "rot-5",          "rot5",        "tz0.50",     "noise1.5x_r0",
                                            "noise1.5x_r1", "volfrac-0.1",    "volfrac+0.1", "contour_r0", "contour_r1",
                                            "contour_r2"};
    CHECK(ids == expected);
    CHECK(j.perturbations.front().none());
    for (std::size_t i = 1; i < j.perturbations.size(); ++i) CHECK(j.perturbations[i].steps.size() == 1);
}

TEST_CASE("seeds follow the job seed and the index", "[perturb][io]") {
    const auto a = io::parse_job_text(job("  seed: 1\n  noise: {repetitions: 3}\n"), "a").perturbations;
    const auto b = io::parse_job_text(job("  seed: 1\n  noise: {repetitions: 3}\n"), "b").perturbations;
    const auto c = io::parse_job_text(job("  seed: 2\n  noise: {repetitions: 3}\n"), "c").perturbations;
    REQUIRE(a.size() == 4);
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].seed == b[i].seed);
        CHECK(a[i].seed != c[i].seed);
        CHECK(a[i].seed == io::derive_seed(1, std::uint64_t(i)));
    }
}

TEST_CASE("perturbation errors name the key path", "[perturb][io]") {
    CHECK_THAT(error_of(job("  rotation: {angles: [5, 5]}\n")), Catch::Contains("perturbations.rotation.angles[1]"));
    CHECK_THAT(error_of(job("  volume: {grow_mm: [1], fractions: [0.1]}\n")), Catch::Contains("perturbations.volume"));
    CHECK_THAT(error_of(job("  rotation: {angle: [5]}\n")), Catch::Contains("perturbations.rotation.angle: unknown key"));
    CHECK_THAT(error_of(job("  combine: mix\n")), Catch::Contains("perturbations.combine"));
    CHECK_THAT(error_of(job("  noise: {repetitions: 0}\n")), Catch::Contains("perturbations.noise.repetitions"));
    CHECK_THAT(error_of(job("  translation: {fractions: [0.5], axes: yz}\n")), Catch::Contains("perturbations.translation.axes"));
    CHECK(error_of(job("  seed: 3\n")).empty());
}

TEST_CASE("jobs/ibsi/config-C-tolerance.yaml: the original plus IBSI's 336", "[perturb][io]") {
    const auto j = io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/config-C-tolerance.yaml");
    REQUIRE(j.perturbations.size() == 337);
    CHECK(j.perturbations.front().id == "none");
    CHECK(j.settings.resample.enabled);
}
