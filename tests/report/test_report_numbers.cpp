// radhpc report's numbers against R on the suite's synthetic store (report_fixture.hpp): AUC and
// DeLong CI (pROC ci.auc), the log-rank test by risk group (survival::survdiff), the calibration
// intercept and slope (glm), from the machine-readable data-* attributes of the page's blocks;
// the shown (rounded) text must be the rounding of those numbers.
// Tolerances: 1e-9 for AUC/CI and calibration (tests/stats/test_roc.cpp, test_calibration_screening
// use 1e-9 and 1e-8: closed-form / converged-IRLS quantities), 1e-8 for the log-rank chi^2 and p
// (tests/stats/test_survival.cpp).
#include <catch2/catch.hpp>

#include "radhpc/report/svg.hpp"
#include "radhpc/store/store.hpp"
#include "report_fixture.hpp"

using namespace report_test;
namespace svg = radhpc::report::svg;

TEST_CASE("report: AUC/CI, log-rank and calibration of a metadata probability equal R", "[report][numbers]") {
    const auto fx = report_fixture();
    const auto dir = scratch("numbers-meta");
    const std::string html = report_page(fx.store, dir, " --score risk --bootstrap 200");
    const auto r = run_r("report_oracle.R", {"metadata", fx.manifest.string(), "risk"}, dir);

    const double auc = data_number(html, "roc", "auc"), lower = data_number(html, "roc", "auc-lower"), upper = data_number(html, "roc", "auc-upper");
    CHECK(close(auc, r_get(r, "auc"), 1e-9));
    CHECK(close(lower, r_get(r, "auc_lower"), 1e-9));
    CHECK(close(upper, r_get(r, "auc_upper"), 1e-9));
    CHECK(data_number(html, "roc", "cases") == r_get(r, "cases"));
    CHECK(data_number(html, "roc", "controls") == r_get(r, "controls"));
    // the legend shows the same numbers rounded
    CHECK(html.find("AUC " + svg::fixed(auc, 3) + " (95% CI " + svg::fixed(lower, 3) + "\u2013" + svg::fixed(upper, 3) + ", DeLong)") !=
          std::string::npos);

    CHECK(close(data_number(html, "km", "threshold"), r_get(r, "threshold"), 1e-12));
    const double chisq = data_number(html, "km", "logrank-chisq"), p = data_number(html, "km", "logrank-p");
    CHECK(close(chisq, r_get(r, "logrank_chisq"), 1e-8));
    CHECK(close(p, r_get(r, "logrank_p"), 1e-8));
    CHECK(html.find("p = " + svg::p_value(p)) != std::string::npos);

    CHECK(close(data_number(html, "calibration", "calibration-slope"), r_get(r, "cal_slope"), 1e-8));
    CHECK(close(data_number(html, "calibration", "calibration-slope-intercept"), r_get(r, "cal_slope_intercept"), 1e-8));
    CHECK(close(data_number(html, "calibration", "calibration-intercept"), r_get(r, "cal_intercept"), 1e-8));
    fs::remove_all(dir);
}

TEST_CASE("report: a feature score (mean over the patient's lesions) gives R's AUC and log-rank", "[report][numbers]") {
    const auto fx = report_fixture();
    const auto dir = scratch("numbers-feature");
    const fs::path table = dir / "features.csv";
    REQUIRE(sh(kRadhpc + " export '" + fx.store.string() + "' --format csv --metadata --out '" + table.string() + "'", dir / "export.log") == 0);
    const std::string html = report_page(fx.store, dir, " --score stat_mean --bootstrap 100");
    const auto r = run_r("report_oracle.R", {"feature", table.string(), "stat_mean", fx.manifest.string()}, dir);
    CHECK(close(data_number(html, "roc", "auc"), r_get(r, "auc"), 1e-9));
    CHECK(close(data_number(html, "roc", "auc-lower"), r_get(r, "auc_lower"), 1e-9));
    CHECK(close(data_number(html, "roc", "auc-upper"), r_get(r, "auc_upper"), 1e-9));
    CHECK(close(data_number(html, "km", "logrank-chisq"), r_get(r, "logrank_chisq"), 1e-8));
    CHECK(close(data_number(html, "km", "logrank-p"), r_get(r, "logrank_p"), 1e-8));
    // stat_mean is not a probability: the calibration block says so instead of plotting
    CHECK(data_attr(html, "calibration", "state") == "missing");
    CHECK(html.find("is not a probability") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("report: the page is a function of the store and the options (byte-identical reruns)", "[report]") {
    const auto fx = report_fixture();
    const auto dir = scratch("determinism");
    const std::string cmd = kRadhpc + " report '" + fx.store.string() + "' --score risk --bootstrap 300 --seed 7 --out ";
    REQUIRE(sh(cmd + "'" + (dir / "a.html").string() + "'", dir / "a.log") == 0);
    REQUIRE(sh(cmd + "'" + (dir / "b.html").string() + "'", dir / "b.log") == 0);
    REQUIRE(sh(kRadhpc + " report '" + fx.store.string() + "' --score risk --bootstrap 300 --seed 8 --out '" + (dir / "c.html").string() + "'",
               dir / "c.log") == 0);
    const std::string a = slurp(dir / "a.html");
    CHECK(a == slurp(dir / "b.html"));
    // another seed: another band, the same AUC
    const std::string c = slurp(dir / "c.html");
    CHECK(data_attr(a, "roc", "band") != data_attr(c, "roc", "band"));
    CHECK(data_attr(a, "roc", "auc") == data_attr(c, "roc", "auc"));
    fs::remove_all(dir);
}

TEST_CASE("report: a score column or signature the store does not have is an error naming it", "[report]") {
    const auto fx = report_fixture();
    const auto dir = scratch("badscore");
    CHECK(sh(kRadhpc + " report '" + fx.store.string() + "' --score no_such_column --out '" + (dir / "x.html").string() + "'", dir / "x.log") == 2);
    CHECK(slurp(dir / "x.log").find("no_such_column") != std::string::npos);
    CHECK(sh(kRadhpc + " report '" + (dir / "nostore").string() + "' --out '" + (dir / "y.html").string() + "'", dir / "y.log") == 2);
    CHECK(slurp(dir / "y.log").find("no such store") != std::string::npos);
    CHECK(sh(kRadhpc + " report '" + fx.store.string() + "' --signature nope --out '" + (dir / "z.html").string() + "'", dir / "z.log") == 2);
    CHECK(slurp(dir / "z.log").find("--signature nope") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("report: ICC bars are the robust stage's table, the heatmap's clusters equal the stage's clusters", "[report]") {
    const auto fx = report_fixture();
    const auto dir = scratch("robust");
    const std::string html = report_page(fx.store, dir);
    const radhpc::store::Contents c = radhpc::store::load(fx.store.string());
    REQUIRE(!c.robustness.empty());
    std::size_t rows = 0;
    for (const auto& r : c.robustness.icc) rows += r.type == c.robustness.icc_type;
    REQUIRE(rows > 0);
    CHECK(data_attr(html, "icc", "state") == "plot");
    CHECK(data_attr(html, "icc", "form") == c.robustness.icc_type);
    CHECK(data_number(html, "icc", "features") == double(rows));
    CHECK(data_number(html, "icc", "robust") == double(c.robustness.robust.size()));
    // one bar per feature, dark when robust
    std::size_t bars = 0, robust_bars = 0;
    for (auto k = html.find("class=\"bar"); k != std::string::npos; k = html.find("class=\"bar", k + 1)) {
        ++bars;
        robust_bars += html.compare(k, 17, "class=\"bar robust") == 0;
    }
    CHECK(bars == rows);
    CHECK(robust_bars == c.robustness.robust.size());
    // the heatmap clusters the stage's features over its reference rows at its threshold
    CHECK(data_number(html, "heatmap", "features") == double(c.robustness.clusters.size()));
    CHECK(data_attr(html, "heatmap", "clusters-agree") == "yes");
    int clusters = 0;
    for (const auto& r : c.robustness.clusters) clusters = std::max(clusters, r.cluster);
    CHECK(data_number(html, "heatmap", "clusters") == double(clusters));
    fs::remove_all(dir);
}

TEST_CASE("report: without --score the plots use the stored signature: AUC, log-rank by its classes and calibration equal R", "[report][numbers]") {
    const auto fx = report_fixture();
    const auto dir = scratch("signature");
    const fs::path table = dir / "features.csv";
    const std::string html = report_page(fx.store, dir, " --bootstrap 200");
    REQUIRE(sh(kRadhpc + " export '" + fx.store.string() + "' --format csv --out '" + table.string() + "'", dir / "export.log") == 0);
    // R computes the signature itself from the exported feature: mean over lesions of plogis(a + b x)
    const auto r = run_r("report_oracle.R",
                         {"signature", table.string(), "stat_mean", fx.manifest.string(), kSignatureIntercept, kSignatureSlope, kSignatureThreshold},
                         dir);
    CHECK(data_attr(html, "roc", "state") == "plot");
    CHECK(html.find("signature &#39;report-test&#39; patient scores") != std::string::npos);
    const double auc = data_number(html, "roc", "auc");
    CHECK(close(auc, r_get(r, "auc"), 1e-9));
    CHECK(close(data_number(html, "roc", "auc-lower"), r_get(r, "auc_lower"), 1e-9));
    CHECK(close(data_number(html, "roc", "auc-upper"), r_get(r, "auc_upper"), 1e-9));
    // the AUC radhpc score stored with the signature (same patients, same scores)
    CHECK(close(data_number(html, "roc", "signature-auc"), auc, 1e-12));
    // its operating point and stored metrics are shown with the curve
    CHECK(html.find("class=\"oppoint\"") != std::string::npos);
    CHECK(html.find("metrics stored with the signature") != std::string::npos);
    // risk groups = the signature's classes at its threshold
    CHECK(data_number(html, "km", "threshold") == std::stod(kSignatureThreshold));
    CHECK(close(data_number(html, "km", "logrank-chisq"), r_get(r, "logrank_chisq"), 1e-8));
    CHECK(close(data_number(html, "km", "logrank-p"), r_get(r, "logrank_p"), 1e-8));
    CHECK(close(data_number(html, "calibration", "calibration-slope"), r_get(r, "cal_slope"), 1e-8));
    CHECK(close(data_number(html, "calibration", "calibration-intercept"), r_get(r, "cal_intercept"), 1e-8));
    fs::remove_all(dir);
}
