// Unit tests of the batch engine's parts: XXH64, manifest parsing, store files and reconcile.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "batch_fixture.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/engine/manifest.hpp"
#include "radhpc/store/hash.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;
namespace store = radhpc::store;
namespace engine = radhpc::engine;

TEST_CASE("XXH64 equals the reference implementation", "[batch][hash]") {
    // Reference digests published by other XXH64 implementations' test suites (ClickHouse
    // 00803_xxhash.sql, nim-xxhash tests/test_xxh64_update.nim, and a C++ doctest suite).
    auto h = [](const std::string& s, std::uint64_t seed = 0) { return store::xxh64(s.data(), s.size(), seed); };
    CHECK(h("") == 0xef46db3751d8e999ull);
    CHECK(h("", 668718853) == 0x04e830582a31a119ull);
    CHECK(h("a") == 0xd24ec4f1a98c6e5bull);
    CHECK(h("a", 191961062) == 0x6e05ba2887c97977ull);
    CHECK(h("abc") == 4952883123889572249ull);
    CHECK(h("ABC") == 0xe66ae7354fcfee98ull);
    CHECK(h("xxhash") == 0x32dd38952c4bc720ull);
    CHECK(h("abcdefghijklmnopqrstuvwxyz12345") == 0x467605901b01d6f6ull);
    CHECK(h("abcdefghijklmnopqrstuvwxyz12345", 877380273) == 0x37b562ec5715e132ull);
    // Streaming in arbitrary pieces equals one shot (stripes of 32 bytes crossing the pieces).
    std::vector<unsigned char> data(1000);
    std::mt19937 rng(5);
    for (auto& b : data) b = static_cast<unsigned char>(rng());
    const auto one = store::xxh64(data.data(), data.size(), 42);
    for (int trial = 0; trial < 20; ++trial) {
        store::Xxh64 s(42);
        std::size_t at = 0;
        while (at < data.size()) {
            const std::size_t n = std::min<std::size_t>(data.size() - at, rng() % 70);
            s.update(data.data() + at, n);
            at += n;
        }
        CHECK(s.digest() == one);
    }
}

TEST_CASE("manifest: quoted fields, BOM, CRLF, lists, relative paths, issues by line and column", "[batch][manifest]") {
    const std::string text =
        "\xEF\xBB\xBFstudy_id,patient_id,image,mask,labels,site\r\n"
        "S1,P1,img/a.nii.gz,img/a_m.nii.gz,1;2,\"Hospital, North\"\r\n"
        "S2,P1,/abs/b.nrrd,\"m1.nii.gz;m2.nii.gz\",,\"say \"\"hi\"\"\"\r\n"
        "\r\n"
        "S3,P2,c.nii.gz,c_m.nii.gz,x,South\r\n"
        "S1,P9,d.nii.gz,d_m.nii.gz,1,West\r\n"
        "S4,P3,e.nii.gz\r\n";
    const auto m = engine::parse_manifest(text, "m.csv", "/data");
    REQUIRE(m.rows.size() == 4);  // S1, S2, S3 (error), S4 (error); the duplicate S1 is not a row
    CHECK(m.rows[0].image == "/data/img/a.nii.gz");
    CHECK(m.rows[0].labels == std::vector<int>{1, 2});
    CHECK(m.rows[0].metadata == std::vector<std::pair<std::string, std::string>>{{"site", "Hospital, North"}});
    CHECK(m.rows[1].image == "/abs/b.nrrd");
    CHECK(m.rows[1].masks == std::vector<std::string>{"/data/m1.nii.gz", "/data/m2.nii.gz"});
    CHECK(m.rows[1].metadata[0].second == "say \"hi\"");
    CHECK(m.rows[0].error.empty());
    CHECK(m.rows[1].error.empty());
    CHECK(m.rows[2].line == 5);
    CHECK(m.rows[2].error == "m.csv:5:27: label 'x' is not an integer in 1..65535");
    INFO(m.rows[3].error);
    CHECK(m.rows[3].error.find("m.csv:7:16: row has 3 columns, header has 6 (missing column 'mask')") == 0);
    REQUIRE(m.issues.size() == 3);
    CHECK(m.issues[1].text() == "m.csv:6:1: duplicate study_id 'S1' (first on line 2); row ignored");

    // Fatal: a missing required column, an unterminated quote (with their positions)
    CHECK_THROWS_WITH(engine::parse_manifest("study_id,image,mask\nA,b,c\n", "x.csv", "/"),
                      "x.csv:1:16: missing required column 'patient_id' (required: study_id, patient_id, image, mask)");
    CHECK_THROWS_WITH(engine::parse_manifest("study_id,patient_id,image,mask\nA,P,\"b,c\n", "x.csv", "/"),
                      "x.csv:2:5: unterminated quoted field");
}

TEST_CASE("store: file round trip, feature table widening, reconcile picks the latest record", "[batch][store]") {
    const auto dir = scratch("storeunit");
    store::Contents a;
    store::StudyRecord r;
    r.study_id = "S1";
    r.patient_id = "P1";
    r.status = "ok";
    r.content_hash = "h1";
    r.finished_at = 100;
    r.sequence = 1;
    r.inputs = {{"image", "/x/a.nii.gz", 123, 456, "abcd"}};
    r.metadata = {{"outcome", "1"}};
    a.studies.push_back(r);
    a.features.add_row({"S1", "P1", 1, "none"}, {"f1", "f2"}, {1.5, -2.0});
    a.features.add_row({"S1", "P1", 2, "none"}, {"f1", "f3"}, {3.0, 4.0});  // widens: f3 added, f2 NaN
    REQUIRE(a.features.columns == std::vector<std::string>{"f1", "f2", "f3"});
    CHECK(std::isnan(a.features.values[0 * 3 + 2]));
    CHECK(std::isnan(a.features.values[1 * 3 + 1]));
    a.registry = {{"f1", "f1", "CODE", "original_x_F1", "fam", "mm"}};
    a.qc = {{"S1", "ser1", "kvp", "pass", "120", "80..140"}};
    a.runs = {{"run1", "cmd", "job: text", "0.1.0", "abc", "hdf5", "host", "", "complete", 1, 2, 1, 1, 0, 0}};
    const auto file = (dir / "one.h5").string();
    store::write_file(a, file);
    const auto b = store::read_file(file);
    REQUIRE(b.studies.size() == 1);
    CHECK(b.studies[0].inputs[0].checksum == "abcd");
    CHECK(b.studies[0].inputs[0].size == 123);
    CHECK(b.studies[0].metadata[0].second == "1");
    CHECK(b.features.columns == a.features.columns);
    CHECK(b.features.values[0] == 1.5);
    CHECK(std::isnan(b.features.values[5 - 0] * 0 + b.features.values[1 * 3 + 1]));
    CHECK(b.runs[0].job_text == "job: text");
    CHECK(b.registry[0].pyradiomics_name == "original_x_F1");
    REQUIRE(b.qc.size() == 1);
    CHECK(b.qc[0].expected == "80..140");

    // A newer record of S1 (an error) replaces the old one and its rows; S2 is added.
    store::Contents newer;
    r.status = "error";
    r.finished_at = 200;
    r.content_hash = "h2";
    newer.studies.push_back(r);
    store::StudyRecord s2 = r;
    s2.study_id = "S2";
    s2.status = "ok";
    newer.studies.push_back(s2);
    newer.features.add_row({"S2", "P1", 1, "none"}, {"f1"}, {9.0});
    std::vector<store::Contents> parts{b, newer};
    const auto c = store::reconcile(parts);
    REQUIRE(c.studies.size() == 2);
    CHECK(c.studies[0].status == "error");
    REQUIRE(c.features.rows() == 1);
    CHECK(c.features.keys[0].study_id == "S2");
    CHECK(c.qc.empty());  // S1's QC rows went with its replaced record
    // the order of the inputs does not matter
    std::vector<store::Contents> reversed{newer, b};
    const auto d = store::reconcile(reversed);
    CHECK(d.studies[0].content_hash == "h2");
    CHECK(d.features.rows() == 1);

    // A store directory: parts + consolidation; loading is the same before and after.
    const auto sdir = (dir / "st").string();
    store::write_part(sdir, b);
    store::write_part(sdir, newer);
    const auto before = store::load(sdir);
    store::consolidate(sdir, before);
    CHECK(!fs::exists(dir / "st" / "parts"));
    const auto after = store::load(sdir);
    CHECK(after.studies.size() == before.studies.size());
    CHECK(after.features.values == before.features.values);
    fs::remove_all(dir);
}
