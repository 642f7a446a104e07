// analysis::score_signature on hand-made store contents: the manifest-cell forms of category and
// outcome values, the per-lesion reasons for no score, the unavailable/refused states, the class
// rule and the patient outcome rule. The arithmetic itself is checked against R in
// test_signature_jobs.cpp; here the expected scores are the formula applied in the test.
#include <catch2/catch.hpp>

#include <cmath>

#include "radhpc/analysis/signature.hpp"
#include "radhpc/io/signature_io.hpp"
#include "study_util.hpp"

using namespace radhpc;

namespace {

// Three studies of two patients; feature "f" (and "g" on some rows), metadata per study.
store::Contents contents() {
    store::Contents c;
    auto study = [&](const std::string& sid, const std::string& pid, std::vector<std::pair<std::string, std::string>> meta) {
        store::StudyRecord r;
        r.study_id = sid;
        r.patient_id = pid;
        r.status = "ok";
        r.content_hash = "h" + sid;
        r.metadata = std::move(meta);
        c.studies.push_back(r);
    };
    study("S1", "P1", {{"site", "1:liver;2:node;5:lung"}, {"y", "1"}});
    study("S2", "P1", {{"site", "other"}, {"y", "0"}});  // conflicting outcome within P1
    study("S3", "P2", {{"site", "node;liver"}, {"y", "0;1"}});
    auto row = [&](const std::string& sid, const std::string& pid, int lesion, double f) {
        c.features.add_row({sid, pid, lesion, "none"}, {"shape_F"}, {f});
    };
    row("S1", "P1", 1, 2.0);
    row("S1", "P1", 2, 0.5);
    row("S1", "P1", 5, 1.0);
    row("S2", "P1", 1, -1.0);  // log of a non-positive value: no score
    row("S3", "P2", 1, 3.0);
    row("S3", "P2", 4, 0.25);
    c.registry.push_back({"shape_F", "shape_F", "", "original_shape_F", "shape", ""});
    return c;
}

stats::SignatureSpec spec_from(const std::string& yaml) { return io::parse_signature(YAML::Load(yaml), "<test>"); }

double plogis(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

TEST_CASE("score_signature: category cells (pairs, positional, one value), map, log transform, outcome cells", "[study][units]") {
    const auto spec = spec_from(R"(
features: [original_shape_F]
coefficients: [{term: original_shape_F, value: 0.7}, {term: site_liver, value: -1.5}, {term: site_other, value: 2.0}]
intercept: 0.3
standardisation: {transform: log, terms: [{term: original_shape_F, mean: 0.1, sd: 2.0}]}
category: {column: site, reference: node, map: [{from: lung, to: other}]}
threshold: 0.5
positive_if: ">="
outcome: y
)");
    const auto r = analysis::score_signature(contents(), spec, "<test>");
    REQUIRE(r.status == "scored");
    REQUIRE(r.lesions.size() == 6);
    auto expected_lp = [](double f, double level_term) { return 0.3 + 0.7 * ((std::log(f) - 0.1) / 2.0) + level_term; };
    const struct {
        const char* category;
        double f, level_term;
        int outcome;
    } want[] = {{"liver", 2.0, -1.5, 1}, {"node", 0.5, 0.0, 1}, {"lung", 1.0, 2.0, 1}, {"other", -1.0, 0, 0}, {"node", 3.0, 0.0, 0}, {"liver", 0.25, -1.5, 1}};
    for (std::size_t i = 0; i < 6; ++i) {
        const auto& l = r.lesions[i];
        INFO(l.study_id << " lesion " << l.lesion << ": " << l.message);
        CHECK(l.category == want[i].category);
        CHECK(l.outcome == want[i].outcome);
        if (want[i].f <= 0) {
            CHECK(l.cls == -1);
            CHECK(l.message.find("log transform needs a positive value") != std::string::npos);
            continue;
        }
        const double lp = expected_lp(want[i].f, want[i].level_term);
        CHECK(studytest::close(l.linear_predictor, lp, 1e-15));
        CHECK(studytest::close(l.score, plogis(lp), 1e-15));
        CHECK(l.cls == (plogis(lp) >= 0.5 ? 1 : 0));
    }
    REQUIRE(r.patients.size() == 2);
    CHECK(r.patients[0].patient_id == "P1");
    CHECK(r.patients[0].lesions == 3);
    CHECK(r.patients[0].lesions_failed == 1);
    CHECK(r.patients[0].outcome == 1);  // the scored lesions of P1 all have outcome 1 (S2's lesion has no score)
    CHECK(r.patients[1].outcome == -1);  // P2: per-lesion outcomes 0 and 1
    CHECK(r.patients[1].message.find("outcome differs") != std::string::npos);
    const double s1 = r.lesions[0].score, s2 = r.lesions[1].score, s3 = r.lesions[2].score;
    CHECK(studytest::close(r.patients[0].mean, (s1 + s2 + s3) / 3.0, 1e-15));
    CHECK(r.patients[0].min == std::min({s1, s2, s3}));
    CHECK(r.patients[0].max == std::max({s1, s2, s3}));
    CHECK(r.patients[0].score == r.patients[0].mean);
    // lesion metrics over the 5 scored lesions; no patient has a usable outcome besides P1 -> one
    // class only: counts and proportions, no AUC
    bool lesion_auc = false, patient_auc = false;
    for (const auto& m : r.metrics) {
        if (m.metric == "auc") (m.level == "lesion" ? lesion_auc : patient_auc) = true;
        if (m.level == "lesion" && m.metric == "n") CHECK(m.estimate == 5);
    }
    CHECK(lesion_auc);
    CHECK_FALSE(patient_auc);
}

TEST_CASE("score_signature: positional cells of the wrong length, unknown level, refused and unavailable states", "[study][units]") {
    auto c = contents();
    c.studies[2].metadata = {{"site", "node;liver;other"}};  // S3 has 2 lesions
    const auto spec = spec_from(R"(
features: [shape_F]
coefficients: [{term: shape_F, value: 1}, {term: site_liver, value: 1}]
intercept: 0
category: {column: site, reference: node}
link: linear
threshold: 0
positive_if: "<"
)");
    const auto r = analysis::score_signature(c, spec, "<test>");
    REQUIRE(r.status == "scored");
    CHECK(r.lesions[2].message.find("site 'lung' has no coefficient") != std::string::npos);  // no map this time
    CHECK(r.lesions[3].message.find("site 'other' has no coefficient") != std::string::npos);
    CHECK(r.lesions[4].message.find("3 values for 2 lesions") != std::string::npos);
    CHECK(r.lesions[1].score == 0.5);  // linear link: score = lp = 0.5 (node)
    CHECK(r.lesions[1].cls == 0);      // positive when score < 0
    CHECK(r.lesions[3].cls == -1);

    const auto refused = analysis::score_signature(c, spec_from("features: [shape_F]\nstandardisation: {required: true}\n"), "<test>");
    CHECK(refused.status == "refused");
    CHECK(refused.message.find("signature.coefficients") != std::string::npos);
    CHECK(refused.message.find("signature.intercept") != std::string::npos);
    CHECK(refused.message.find("signature.standardisation (mean and sd of shape_F)") != std::string::npos);
    CHECK(refused.lesions.empty());

    const auto unavailable =
        analysis::score_signature(c, spec_from("coefficients: [{term: original_glcm_Idm, value: 1}]\nintercept: 0\n"), "<test>");
    CHECK(unavailable.status == "unavailable");
    CHECK(unavailable.message.find("original_glcm_Idm") != std::string::npos);
}

TEST_CASE("score_signature: follow-up time and event per patient from the manifest (for survival plots)", "[study][units]") {
    auto c = contents();
    c.studies[0].metadata.push_back({"os_months", "14.5"});
    c.studies[0].metadata.push_back({"death", "1"});
    c.studies[1].metadata.push_back({"os_months", "14.5"});  // P1's two studies agree
    c.studies[2].metadata.push_back({"os_months", "7"});
    const auto spec = spec_from("features: [shape_F]\ncoefficients: [{term: shape_F, value: 1}]\nintercept: 0\ntime: os_months\nevent: death\n");
    const auto r = analysis::score_signature(c, spec, "<test>");
    REQUIRE(r.patients.size() == 2);
    CHECK(r.patients[0].time == 14.5);
    CHECK(r.patients[0].event == 1);
    CHECK(r.patients[1].time == 7);
    CHECK(r.patients[1].event == -1);  // no event value
}

TEST_CASE("score_signature: a patient's outcome is the one its lesions with a known outcome share", "[study][units]") {
    auto c = contents();
    c.studies[1].metadata = {};                      // S2 (P1's second study) has no outcome cell
    c.features.values[3 * c.features.columns.size()] = 2.0;  // and its lesion scores this time
    const auto spec = spec_from("features: [shape_F]\ncoefficients: [{term: shape_F, value: 1}]\nintercept: 0\noutcome: y\n");
    const auto r = analysis::score_signature(c, spec, "<test>");
    REQUIRE(r.lesions[3].cls >= 0);
    CHECK(r.lesions[3].outcome == -1);
    CHECK(r.patients[0].lesions == 4);
    CHECK(r.patients[0].outcome == 1);  // S1's lesions say 1, S2's lesion says nothing
    CHECK(r.patients[0].message.empty());
}

TEST_CASE("signature section: contradictory inputs are errors naming the key", "[study][units]") {
    CHECK_THROWS_WITH(spec_from("features: [a]\ncoefficients: [{term: b, value: 1}]\n"), Catch::Contains("'b'"));
    CHECK_THROWS_WITH(spec_from("features: [a]\nstandardisation: {terms: [{term: a, mean: 0, sd: 0}]}\n"), Catch::Contains("sd of 'a' must be > 0"));
    CHECK_THROWS_WITH(spec_from("coefficients_csv: /nonexistent/coefficients.csv\n"), Catch::Contains("cannot open"));
    CHECK_THROWS_WITH(spec_from("coefficients: [{term: a, value: 1}, {term: a, value: 2}]\n"), Catch::Contains("given twice"));
}
