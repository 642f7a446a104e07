// Hosmer-Lemeshow (textbook formula written out in R with hoslem.test's decile grouping), AIC and
// calibration slope/intercept (glm, epsilon 1e-14: 1e-8), lesion -> patient aggregation (exact),
// univariate screening (wilcox.test, p.adjust, pROC, cor: closed form, 1e-9) and psych::ICC
// (ANOVA mean squares and qf: 1e-9) against R.
#include <catch2/catch.hpp>

#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/screening.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;

namespace {
bool close(double a, double b, double tol = 1e-9) { return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b)); }
}  // namespace

TEST_CASE("Hosmer-Lemeshow, AIC, calibration, aggregation and screening equal R", "[stats][calibration]") {
    const int n = 240, m = 12;
    rtest::Gen g(61);
    Eigen::MatrixXd f(n, m);
    std::vector<double> y(n), lp(n), prob(n), volume(n);
    std::vector<int> patient(n);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < m; ++j) f(i, j) = g.normal();
        f(i, 3) = std::round(f(i, 3) * 2.0);  // a feature with ties
        const double eta = -0.3 + 0.9 * f(i, 0) - 0.6 * f(i, 1) + 0.4 * f(i, 2);
        y[std::size_t(i)] = g.uniform() < 1.0 / (1.0 + std::exp(-eta)) ? 1.0 : 0.0;
        lp[std::size_t(i)] = 1.3 * eta + 0.2;  // a miscalibrated model
        prob[std::size_t(i)] = 1.0 / (1.0 + std::exp(-lp[std::size_t(i)]));
        volume[std::size_t(i)] = std::exp(f(i, 0) + 0.5 * g.normal());
        patient[std::size_t(i)] = 1000 - i / 3;  // 3 lesions per patient, ids descending
    }
    rtest::Table t;
    t.add("y", y);
    t.add("prob", prob);
    t.add("lp", lp);
    t.add_int("patient", patient);
    t.add("volume", volume);
    for (int j = 0; j < m; ++j) t.add("f" + std::to_string(j + 1), std::vector<double>(f.col(j).data(), f.col(j).data() + n));
    const auto r = rtest::run_r("calibration.R", "calibration", t);

    const auto hl = hosmer_lemeshow(y, prob, 10);
    CHECK(close(hl.chisq, rtest::get(r, "hl_chisq")));
    CHECK(double(hl.df) == rtest::get(r, "hl_df"));
    CHECK(close(hl.p_value, rtest::get(r, "hl_p")));

    const auto lr = logistic_regression(f.leftCols(2), y);
    const Eigen::VectorXd lin = lr.link(f.leftCols(2));
    std::vector<double> p2(n);
    for (int i = 0; i < n; ++i) p2[std::size_t(i)] = 1.0 / (1.0 + std::exp(-lin(i)));
    CHECK(close(binomial_aic(y, p2, 3), rtest::get(r, "aic"), 1e-8));

    const auto cal = calibration(y, lp);
    CHECK(close(cal.slope_intercept, rtest::get(r, "cal_slope", 0), 1e-8));
    CHECK(close(cal.slope, rtest::get(r, "cal_slope", 1), 1e-8));
    CHECK(close(cal.intercept, rtest::get(r, "cal_intercept"), 1e-8));

    const std::pair<Aggregation, const char*> aggs[] = {{Aggregation::mean, "agg_mean"},
                                                        {Aggregation::median, "agg_median"},
                                                        {Aggregation::min, "agg_min"},
                                                        {Aggregation::max, "agg_max"}};
    for (const auto& [how, name] : aggs) {
        const auto a = aggregate_by_patient(lp, y, patient, how);
        REQUIRE(a.score.size() == r.at(name).size());
        for (std::size_t i = 0; i < a.score.size(); ++i) {
            CHECK(close(a.score[i], rtest::get(r, name, i), 1e-15));
            CHECK(a.outcome[i] == rtest::get(r, "agg_outcome", i));
        }
    }

    const auto screen = screen_features(f, y, volume);
    for (int j = 0; j < m; ++j) {
        INFO("feature " << j + 1);
        const auto& s = screen[std::size_t(j)];
        CHECK(close(s.mann_whitney_p, rtest::get(r, "mw_p", std::size_t(j))));
        CHECK(close(s.p_bonferroni, rtest::get(r, "p_bonf", std::size_t(j))));
        CHECK(close(s.p_bh, rtest::get(r, "p_bh", std::size_t(j))));
        CHECK(close(s.auc, rtest::get(r, "auc", std::size_t(j))));
        CHECK(close(s.spearman_volume, rtest::get(r, "spearman", std::size_t(j)), 1e-12));
    }
}

TEST_CASE("ICC: all six forms with F tests and CIs equal psych::ICC", "[stats][icc]") {
    for (const auto& [n, k, seed] : {std::tuple{30, 3, 71}, std::tuple{12, 2, 72}, std::tuple{80, 5, 73}}) {
        rtest::Gen g{static_cast<std::uint64_t>(seed)};
        Eigen::MatrixXd x(n, k);
        for (int i = 0; i < n; ++i) {
            const double subject = 2.0 * g.normal();
            for (int j = 0; j < k; ++j) x(i, j) = subject + 0.3 * j + 0.8 * g.normal();
        }
        rtest::Table t;
        for (int j = 0; j < k; ++j) t.add("r" + std::to_string(j + 1), std::vector<double>(x.col(j).data(), x.col(j).data() + n));
        const auto r = rtest::run_r("icc.R", "icc_" + std::to_string(seed), t);
        const auto res = icc(x);
        for (std::size_t f = 0; f < 6; ++f) {
            INFO("n " << n << " k " << k << " form " << f);
            const auto& e = res.forms[f];
            CHECK(close(e.icc, rtest::get(r, "icc", f)));
            CHECK(close(e.f, rtest::get(r, "f", f)));
            CHECK(e.df1 == rtest::get(r, "df1", f));
            CHECK(e.df2 == rtest::get(r, "df2", f));
            CHECK(close(e.p_value, rtest::get(r, "p", f)));
            CHECK(close(e.lower, rtest::get(r, "lower", f)));
            CHECK(close(e.upper, rtest::get(r, "upper", f)));
        }
    }
}
