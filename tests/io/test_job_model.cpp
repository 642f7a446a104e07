// The job model (io::Job): every section of the schema is declared with whether it changes
// results, the settings identity follows those declarations, and the engine / robust / validate
// sections are read once with their defaults.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/io/job.hpp"

using radhpc::io::Job;
using radhpc::io::parse_job;

TEST_CASE("job model: every top-level key of the job schema is a declared section", "[io][job]") {
    std::ifstream in(std::string(RADHPC_SOURCE_DIR) + "/schemas/job.schema.json");
    REQUIRE(in);
    const auto schema = nlohmann::json::parse(in);
    REQUIRE(schema.at("additionalProperties") == false);  // so an undeclared key cannot slip in
    std::set<std::string> declared;
    for (const auto& s : radhpc::io::job_sections()) declared.insert(std::string(s.key));
    for (const auto& [key, value] : schema.at("properties").items()) {
        INFO(key);
        CHECK(declared.count(key) == 1);
    }
}

TEST_CASE("job model: the settings identity changes with result settings only", "[io][job]") {
    const std::string base = "version: 1\nname: a\nprofile: ibsi\npreprocess: {discretisation: {method: fixed_bin_number, bin_count: 32}}\n";
    const std::string id = parse_job(base).settings_identity("0.1.0");
    // labels, engine options, paths and privacy do not change a feature
    CHECK(parse_job(base + "description: other\nrun: {threads: 3, queue_depth: 4}\nprivacy: {paths: hashed}\n").settings_identity("0.1.0") == id);
    CHECK(parse_job("version: 1\nname: b\nprofile: ibsi\npreprocess: {discretisation: {method: fixed_bin_number, bin_count: 32}}\n")
              .settings_identity("0.1.0") == id);
    // values that change rows or features do; so does the version
    CHECK(parse_job("version: 1\nname: a\nprofile: ibsi\npreprocess: {discretisation: {method: fixed_bin_number, bin_count: 16}}\n")
              .settings_identity("0.1.0") != id);
    CHECK(parse_job(base + "run: {lesions: components}\n").settings_identity("0.1.0") != id);
    CHECK(parse_job(base + "run: {lesions: components, min_lesion_voxels: 5}\n").settings_identity("0.1.0") !=
          parse_job(base + "run: {lesions: components}\n").settings_identity("0.1.0"));
    CHECK(parse_job(base).settings_identity("0.2.0") != id);
}

TEST_CASE("job model: run, robust and validate sections with their defaults", "[io][job]") {
    const Job d = parse_job("version: 1\n");
    CHECK(d.run.queue_depth == 2);
    CHECK(d.run.isolation_process);
    CHECK(!d.run.checksums_always);
    CHECK(d.robust.icc_type == "ICC1");
    CHECK(!d.validate);
    const Job j = parse_job(
        "version: 1\nmanifest: m.csv\nstore: out\nrun: {lesions: components, checksums: always, isolation: none, queue_depth: 3}\n"
        "robust: {icc_type: ICC3k, threshold: 0.8}\n"
        "validate: {table: t.csv, outcome: response, output: v, bootstrap: {replicates: 200}, lambda_rule: 1se}\n",
        "/data/jobs/j.yaml");
    CHECK(j.manifest == "m.csv");
    CHECK(j.store == "out");
    CHECK(j.run.lesions_from_components);
    CHECK(j.run.checksums_always);
    CHECK(!j.run.isolation_process);
    CHECK(j.run.queue_depth == 3);
    CHECK(j.robust.icc_type == "ICC3k");
    CHECK(j.robust.threshold == 0.8);
    REQUIRE(j.validate);
    CHECK(j.validate->table == "/data/jobs/t.csv");  // relative to the job's folder
    CHECK(j.validate->replicates == 200);
    CHECK(j.validate->use_1se);
    // schema errors name the key
    try {
        parse_job("version: 1\nrun: {queue_depht: 3}\n");
        FAIL("no error");
    } catch (const radhpc::Error& e) {
        CHECK(std::string(e.what()).find("queue_depht") != std::string::npos);
    }
}
