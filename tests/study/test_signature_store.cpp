// The /signatures group: HDF5 round trip of every field (NaN and -1 for missing values), and
// reconciliation (per name the latest computed_at; sorted by name) as merge and consolidation use.
#include <catch2/catch.hpp>

#include <cmath>

#include "radhpc/store/store.hpp"
#include "study_util.hpp"

using namespace radhpc;

namespace {
store::SignatureResult result(const std::string& name, double at) {
    store::SignatureResult s;
    s.name = name;
    s.status = "scored";
    s.message = "note";
    s.source = "paper, table 2";
    s.spec = "name: " + name + "\nintercept: 1\n";
    s.job = "jobs/x.yaml";
    s.table_hash = "00ff";
    s.computed_at = at;
    s.link = "logistic";
    s.aggregation = "median";
    s.rule = ">";
    s.outcome_column = "y";
    s.positive_label = "inflamed";
    s.negative_label = "non-inflamed";
    s.threshold = 0.5;
    s.level = 0.9;
    s.lesions.push_back({"S1", "P1", 3, "liver", 0.25, 0.562, 1, "inflamed", 1, ""});
    s.lesions.push_back({"S1", "P1", 4, "lung", std::nan(""), std::nan(""), -1, "", -1, "no coefficient"});
    store::SignaturePatientRow p;
    p.patient_id = "P1";
    p.lesions = 1;
    p.lesions_failed = 1;
    p.score = p.mean = p.median = p.min = p.max = 0.562;
    p.cls = 1;
    p.label = "inflamed";
    p.outcome = 1;
    p.time = std::nan("");
    p.event = -1;
    s.patients.push_back(p);
    s.metrics.push_back({"lesion", "sensitivity", 1.0, 0.025, 1.0, "Clopper-Pearson exact"});
    s.metrics.push_back({"lesion", "n", 1.0, std::nan(""), std::nan(""), "count"});
    return s;
}
}  // namespace

TEST_CASE("store /signatures: round trip of every field, reconcile keeps the latest per name", "[study][store]") {
    const auto dir = studytest::scratch("sigstore");
    store::Contents c;
    c.signatures = {result("a", 10), result("b/model", 20)};
    store::write_file(c, (dir / "one.h5").string());
    const auto back = store::read_file((dir / "one.h5").string());
    REQUIRE(back.signatures.size() == 2);
    const auto& s = back.signatures[0];
    const auto want = result("a", 10);
    CHECK(s.name == want.name);
    CHECK(s.status == want.status);
    CHECK(s.message == want.message);
    CHECK(s.source == want.source);
    CHECK(s.spec == want.spec);
    CHECK(s.job == want.job);
    CHECK(s.table_hash == want.table_hash);
    CHECK(s.computed_at == want.computed_at);
    CHECK(s.link == want.link);
    CHECK(s.aggregation == want.aggregation);
    CHECK(s.rule == want.rule);
    CHECK(s.outcome_column == want.outcome_column);
    CHECK(s.positive_label == want.positive_label);
    CHECK(s.negative_label == want.negative_label);
    CHECK(s.threshold == want.threshold);
    CHECK(s.level == want.level);
    REQUIRE(s.lesions.size() == 2);
    CHECK(s.lesions[0].study_id == "S1");
    CHECK(s.lesions[0].lesion == 3);
    CHECK(s.lesions[0].category == "liver");
    CHECK(s.lesions[0].linear_predictor == 0.25);
    CHECK(s.lesions[0].score == 0.562);
    CHECK(s.lesions[0].cls == 1);
    CHECK(s.lesions[0].label == "inflamed");
    CHECK(s.lesions[0].outcome == 1);
    CHECK(std::isnan(s.lesions[1].score));
    CHECK(s.lesions[1].cls == -1);
    CHECK(s.lesions[1].message == "no coefficient");
    REQUIRE(s.patients.size() == 1);
    CHECK(s.patients[0].lesions_failed == 1);
    CHECK(s.patients[0].median == 0.562);
    CHECK(std::isnan(s.patients[0].time));
    CHECK(s.patients[0].event == -1);
    REQUIRE(s.metrics.size() == 2);
    CHECK(s.metrics[0].metric == "sensitivity");
    CHECK(s.metrics[0].lower == 0.025);
    CHECK(s.metrics[0].method == "Clopper-Pearson exact");
    CHECK(std::isnan(s.metrics[1].upper));
    CHECK(back.signatures[1].name == "b/model");
    CHECK(back.signatures[1].lesions.size() == 2);  // rows go to their own signature

    // reconcile (merge / consolidate): the later computation of a name wins, whatever the order
    store::Contents newer;
    auto a2 = result("a", 30);
    a2.status = "refused";
    a2.lesions.clear();
    newer.signatures = {a2};
    for (int order = 0; order < 2; ++order) {
        std::vector<store::Contents> parts;
        parts.push_back(order ? newer : back);
        parts.push_back(order ? back : newer);
        const auto merged = store::reconcile(std::move(parts));
        REQUIRE(merged.signatures.size() == 2);
        CHECK(merged.signatures[0].name == "a");
        CHECK(merged.signatures[0].status == "refused");
        CHECK(merged.signatures[0].lesions.empty());
        CHECK(merged.signatures[1].name == "b/model");
    }
}
