// jobs/robustness-sweep.yaml is a valid job: schema, perturbation expansion (3 x 2 x 3 x 2 = 36
// chains + none), robust section with its ComBat block; bad robust keys are errors naming them.
#include <catch2/catch.hpp>

#include "batch/batch_fixture.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/analysis/robustness.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/io/settings_io.hpp"

TEST_CASE("jobs/robustness-sweep.yaml: valid, 37 perturbations, robust settings as commented", "[robust][job]") {
    const auto job = radhpc::io::read_job(std::string(RADHPC_SOURCE_DIR) + "/jobs/robustness-sweep.yaml");
    CHECK(job.perturbations.size() == 37);
    CHECK(job.perturbations.front().id == "none");
    const auto& r = job.robust;
    CHECK(r.source == "perturbation");
    CHECK(r.icc_type == "ICC1");
    CHECK(r.threshold == 0.7);
    CHECK(r.criterion == "icc");
    CHECK(r.redundancy_threshold == 0.9);
    CHECK(r.archetype == "most_robust");
    REQUIRE(r.combat.has_value());
    CHECK(r.combat->batch == "scanner");
}

TEST_CASE("robust section: defaults, and wrong values are errors naming the key", "[robust][job][errors]") {
    const auto d = radhpc::io::parse_job("version: 1\n").robust;
    CHECK(d.source == "perturbation");
    CHECK(d.icc_type == "ICC1");
    CHECK(d.threshold == 0.7);
    CHECK(!d.combat.has_value());
    auto message = [](const std::string& yaml) {
        try {
            radhpc::io::parse_job("version: 1\n" + yaml);
        } catch (const radhpc::Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("robust: {icc_type: ICC4}\n").find("robust.icc_type") != std::string::npos);
    CHECK(message("robust: {source: scans}\n").find("robust.source") != std::string::npos);
    // (the schema requires combat.batch: its message names the section and the key)
    const std::string no_batch = message("robust: {combat: {covariates: [age]}}\n");
    CHECK(no_batch.find("robust.combat") != std::string::npos);
    CHECK(no_batch.find("batch") != std::string::npos);
    CHECK(message("robust: {threshold: high}\n").find("robust.threshold") != std::string::npos);
    // The schema rejects unknown keys in the section.
    const auto errors = radhpc::io::validate_job_text("version: 1\nrobust: {treshold: 0.7}\n");
    REQUIRE(!errors.empty());
    CHECK(errors.front().find("robust") != std::string::npos);
}
