// Cross-validation against cv.glmnet (glmnet 4.1) with the same fold ids.
// Tolerance 1e-8 relative on cvm/cvsd: the fold fits agree with glmnet to ~1e-13 (test_glmnet)
// with thresh = 1e-12 in both; the CV curve is a smooth function of those fits.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "radhpc/stats/cv.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;

namespace {

void compare_cv(const rtest::BinaryData& d, const std::vector<int>& foldid, double alpha, CvMeasure measure,
                const std::string& tag) {
    INFO(tag);
    auto t = rtest::binary_table(d);
    t.add_int("fold", foldid);
    const auto r = rtest::run_r("cv.R", tag, t,
                                {rtest::num(alpha), measure == CvMeasure::auc ? "auc" : "deviance", "1e-12"});
    GlmnetOptions opt;
    opt.alpha = alpha;
    opt.thresh = 1e-12;
    const auto cv = cv_glmnet(d.x, d.y, foldid, opt, measure);
    CHECK((cv.measure == CvMeasure::auc ? 1.0 : 0.0) == rtest::get(r, "auc_used"));
    REQUIRE(cv.lambda.size() == r.at("lambda").size());
    double worst = 0;
    for (std::size_t l = 0; l < cv.lambda.size(); ++l) {
        CHECK(cv.lambda[l] == Approx(rtest::get(r, "lambda", l)).epsilon(1e-12));
        CHECK(cv.cvm[l] == Approx(rtest::get(r, "cvm", l)).epsilon(1e-8));
        CHECK(cv.cvsd[l] == Approx(rtest::get(r, "cvsd", l)).epsilon(1e-8).margin(1e-12));
        CHECK(double(cv.nzero[l]) == rtest::get(r, "nzero", l));
        worst = std::max(worst, std::fabs(cv.cvm[l] - rtest::get(r, "cvm", l)));
    }
    CHECK(cv.lambda_min == Approx(rtest::get(r, "lambda_min")).epsilon(1e-12));
    CHECK(cv.lambda_1se == Approx(rtest::get(r, "lambda_1se")).epsilon(1e-12));
    WARN("cv " << tag << ": max |cvm - R| = " << worst);
}

}  // namespace

TEST_CASE("cv.glmnet deviance curve equals R (n=150, p=20, 5 folds, alpha=1)", "[stats][cv]") {
    const auto d = rtest::make_binary(rtest::Design::well_conditioned, 150, 20, 31);
    const auto folds = stratified_group_folds(d.y, d.patient, 5, 99);
    compare_cv(d, folds, 1.0, CvMeasure::deviance, "cv_dev");
}

TEST_CASE("cv.glmnet AUC curve equals R (n=200, p=30, 5 folds, alpha=0.5) with fallback to deviance", "[stats][cv]") {
    const auto d = rtest::make_binary(rtest::Design::collinear, 200, 30, 32);
    compare_cv(d, stratified_group_folds(d.y, d.patient, 5, 7), 0.5, CvMeasure::auc, "cv_auc");
    const auto small = rtest::make_binary(rtest::Design::well_conditioned, 40, 5, 33);
    compare_cv(small, stratified_group_folds(small.y, small.patient, 5, 7), 1.0, CvMeasure::auc, "cv_auc_small");
}

TEST_CASE("Stratified patient-grouped folds are reproducible, grouped and balanced", "[stats][cv]") {
    auto d = rtest::make_binary(rtest::Design::well_conditioned, 120, 4, 34);
    for (std::size_t i = 0; i < d.patient.size(); ++i) d.patient[i] = int(i / 3);  // 3 lesions per patient
    const auto a = stratified_group_folds(d.y, d.patient, 5, 123, 4);
    const auto b = stratified_group_folds(d.y, d.patient, 5, 123, 4);
    const auto c = stratified_group_folds(d.y, d.patient, 5, 123, 5);
    CHECK(a == b);
    CHECK(a != c);
    std::map<int, int> fold_of_patient;
    std::map<int, int> pos_per_fold, pats_per_fold;
    std::set<int> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto [it, ins] = fold_of_patient.try_emplace(d.patient[i], a[i]);
        CHECK(it->second == a[i]);  // all lesions of a patient in one fold
    }
    std::map<int, int> positive;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (d.y[i] == 1.0) positive[d.patient[i]] = 1;
    for (const auto& [pid, f] : fold_of_patient) {
        pats_per_fold[f]++;
        pos_per_fold[f] += positive.count(pid);
    }
    int minp = 1 << 30, maxp = 0, minpos = 1 << 30, maxpos = 0;
    for (int f = 1; f <= 5; ++f) {
        minp = std::min(minp, pats_per_fold[f]);
        maxp = std::max(maxp, pats_per_fold[f]);
        minpos = std::min(minpos, pos_per_fold[f]);
        maxpos = std::max(maxpos, pos_per_fold[f]);
    }
    CHECK(maxp - minp <= 1);
    CHECK(maxpos - minpos <= 1);
}

namespace {
void compare_repeated(CvMeasure measure, const std::string& tag) {
    auto d = rtest::make_binary(rtest::Design::well_conditioned, 160, 12, 35);
    for (std::size_t i = 0; i < d.patient.size(); ++i) d.patient[i] = int(i / 2);  // 2 lesions per patient
    RepeatedCvOptions o;
    o.alphas = {0.5, 1.0};
    o.folds = 4;
    o.repeats = 3;
    o.seed = 2024;
    o.measure = measure;
    o.glmnet.thresh = 1e-12;
    const auto res = repeated_cv(d.x, d.y, d.patient, o);
    auto t = rtest::binary_table(d);
    for (int r = 0; r < o.repeats; ++r) t.add_int("fold" + std::to_string(r + 1), res.foldids[std::size_t(r)]);
    const auto r = rtest::run_r("cv_repeated.R", tag, t,
                                {"0.5,1", measure == CvMeasure::auc ? "auc" : "deviance", "1e-12"});
    for (const auto& c : res.curves) {
        const std::string a = c.alpha == 1.0 ? "1" : "0.5";
        INFO(tag << " alpha " << a);
        for (std::size_t l = 0; l < c.lambda.size(); ++l) {
            CHECK(c.cvm[l] == Approx(rtest::get(r, "cvm_" + a, l)).epsilon(1e-8));
            CHECK(c.cvsd[l] == Approx(rtest::get(r, "cvsd_" + a, l)).epsilon(1e-8).margin(1e-12));
        }
        CHECK(c.lambda_min == Approx(rtest::get(r, "lambda_min_" + a)).epsilon(1e-12));
        CHECK(c.lambda_1se == Approx(rtest::get(r, "lambda_1se_" + a)).epsilon(1e-12));
    }
    CHECK(res.alpha == rtest::get(r, "best_alpha"));
    CHECK(res.lambda_min == Approx(rtest::get(r, "best_lambda_min")).epsilon(1e-12));
    CHECK(res.lambda_1se == Approx(rtest::get(r, "best_lambda_1se")).epsilon(1e-12));
}
}  // namespace

TEST_CASE("Repeated grouped CV over an alpha grid equals cv.glmnet pooled over repeats (deviance)", "[stats][cv]") {
    compare_repeated(CvMeasure::deviance, "cv_repeated_dev");
}

TEST_CASE("Repeated grouped CV over an alpha grid equals cv.glmnet pooled over repeats (AUC)", "[stats][cv]") {
    compare_repeated(CvMeasure::auc, "cv_repeated_auc");
}
