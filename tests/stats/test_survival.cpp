// Survival against R survival 3.5: coxph (Efron) coefficients and SEs <= 1e-6 (R run with
// eps = 1e-14, so both are at the optimum; the issue's criterion), survdiff chi-square <= 1e-8,
// concordance <= 1e-9 (pure counting), cox.zph <= 1e-6 (score test at the fitted coefficients,
// inherits their 1e-6), survfit estimates and Greenwood CIs <= 1e-9 (closed form).
#include <catch2/catch.hpp>

#include "radhpc/stats/survival.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;

namespace {

struct SurvData {
    Eigen::MatrixXd x;
    std::vector<double> time, score;
    std::vector<int> status, group;
};

SurvData make_surv(int n, int p, std::uint64_t seed, double time_round, bool non_ph) {
    rtest::Gen g(seed);
    SurvData d;
    d.x.resize(n, p);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < p; ++j) d.x(i, j) = j == 2 ? double(g.below(2)) : g.normal();
        double rate = std::exp(0.7 * d.x(i, 0) - 0.4 * (p > 1 ? d.x(i, 1) : 0.0) + (p > 2 ? 0.5 * d.x(i, 2) : 0.0));
        double t = -std::log(1.0 - g.uniform()) / rate;
        if (non_ph && d.x(i, 0) > 0) t = std::sqrt(t) * 0.8;  // time-varying effect of x1
        const double c = 3.0 * g.uniform();
        double obs = std::min(t, c);
        if (time_round > 0) obs = std::ceil(obs / time_round) * time_round;  // ties in time
        d.time.push_back(obs);
        d.status.push_back(t <= c ? 1 : 0);
        d.group.push_back(int(g.below(3)) + 1);
        d.score.push_back(std::round(d.x(i, 0) * 2.0) / 2.0);  // tied risk scores
    }
    return d;
}

bool close(double a, double b, double tol) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b));
}

void compare_survival(const SurvData& d, const std::string& tag) {
    INFO(tag);
    rtest::Table t;
    t.add("time", d.time);
    t.add_int("status", d.status);
    t.add_int("group", d.group);
    t.add("score", d.score);
    for (Eigen::Index j = 0; j < d.x.cols(); ++j)
        t.add("x" + std::to_string(j + 1), std::vector<double>(d.x.col(j).data(), d.x.col(j).data() + d.x.rows()));
    const auto r = rtest::run_r("survival.R", tag, t);

    const auto fit = cox_ph(d.x, d.time, d.status);
    for (Eigen::Index j = 0; j < d.x.cols(); ++j) {
        CHECK(close(fit.coef(j), rtest::get(r, "coef", std::size_t(j)), 1e-6));
        CHECK(close(fit.se(j), rtest::get(r, "se", std::size_t(j)), 1e-6));
        CHECK(close(fit.hazard_ratio[std::size_t(j)].lower, rtest::get(r, "hr_lower", std::size_t(j)), 1e-6));
        CHECK(close(fit.hazard_ratio[std::size_t(j)].upper, rtest::get(r, "hr_upper", std::size_t(j)), 1e-6));
    }
    CHECK(close(fit.loglik_null, rtest::get(r, "loglik", 0), 1e-9));
    CHECK(close(fit.loglik, rtest::get(r, "loglik", 1), 1e-9));
    CHECK(close(fit.wald_chisq, rtest::get(r, "wald"), 1e-6));
    CHECK(close(fit.score_chisq, rtest::get(r, "score"), 1e-9));  // at beta = 0: closed form
    CHECK(close(fit.lr_chisq, rtest::get(r, "lr"), 1e-8));

    const std::vector<double> lp(fit.linear_predictor.data(), fit.linear_predictor.data() + fit.linear_predictor.size());
    CHECK(close(harrell_c(d.time, d.status, lp), rtest::get(r, "c_lp"), 1e-9));
    CHECK(close(harrell_c(d.time, d.status, d.score), rtest::get(r, "c_score"), 1e-9));

    const auto km = kaplan_meier(d.time, d.status);
    REQUIRE(km.time.size() == r.at("km_time").size());
    for (std::size_t i = 0; i < km.time.size(); ++i) {
        CHECK(km.time[i] == rtest::get(r, "km_time", i));
        CHECK(km.n_risk[i] == rtest::get(r, "km_n_risk", i));
        CHECK(km.n_event[i] == rtest::get(r, "km_n_event", i));
        CHECK(km.n_censor[i] == rtest::get(r, "km_n_censor", i));
        CHECK(close(km.surv[i], rtest::get(r, "km_surv", i), 1e-9));
        CHECK(close(km.std_err[i], rtest::get(r, "km_std_err", i), 1e-9));
        CHECK(close(km.lower[i], rtest::get(r, "km_lower", i), 1e-9));
        CHECK(close(km.upper[i], rtest::get(r, "km_upper", i), 1e-9));
    }

    const double at_times[] = {0.5, 1.0, 1.5};
    for (std::size_t i = 0; i < 3; ++i) {
        const auto s = survival_at(km, at_times[i]);
        CHECK(close(s.surv, rtest::get(r, "at_surv", i), 1e-9));
        CHECK(close(s.lower, rtest::get(r, "at_lower", i), 1e-9));
        CHECK(close(s.upper, rtest::get(r, "at_upper", i), 1e-9));
    }

    const auto lr = log_rank(d.time, d.status, d.group);
    CHECK(close(lr.chisq, rtest::get(r, "lr_chisq"), 1e-8));
    for (std::size_t g = 0; g < lr.groups.size(); ++g) {
        CHECK(lr.observed[g] == rtest::get(r, "lr_obs", g));
        CHECK(close(lr.expected[g], rtest::get(r, "lr_exp", g), 1e-9));
    }

    const auto zph = cox_zph(d.x, d.time, d.status, fit);
    const Eigen::Index p = d.x.cols();
    for (Eigen::Index j = 0; j < p; ++j) {
        CHECK(close(zph.chisq[std::size_t(j)], rtest::get(r, "zph_chisq", std::size_t(j)), 1e-6));
        CHECK(close(zph.p_value[std::size_t(j)], rtest::get(r, "zph_p", std::size_t(j)), 1e-6));
    }
    CHECK(close(zph.global_chisq, rtest::get(r, "zph_chisq", std::size_t(p)), 1e-6));
    CHECK(close(zph.global_p, rtest::get(r, "zph_p", std::size_t(p)), 1e-6));
    const std::pair<ZphTransform, const char*> transforms[] = {
        {ZphTransform::rank, "zph_rank"}, {ZphTransform::identity, "zph_identity"}, {ZphTransform::log, "zph_log"}};
    for (const auto& [tr, name] : transforms) {
        INFO(name);
        const auto zt = cox_zph(d.x, d.time, d.status, fit, tr);
        for (Eigen::Index j = 0; j < p; ++j) CHECK(close(zt.chisq[std::size_t(j)], rtest::get(r, name, std::size_t(j)), 1e-6));
        CHECK(close(zt.global_chisq, rtest::get(r, name, std::size_t(p)), 1e-6));
    }
}

}  // namespace

TEST_CASE("Cox/KM/log-rank/C/zph equal R survival: continuous times n=200", "[stats][survival]") {
    compare_survival(make_surv(200, 3, 51, 0.0, false), "surv_continuous");
}

TEST_CASE("Cox/KM/log-rank/C/zph equal R survival: tied times (Efron) n=300", "[stats][survival]") {
    compare_survival(make_surv(300, 3, 52, 0.1, false), "surv_tied");
}

TEST_CASE("Cox/KM/log-rank/C/zph equal R survival: small n=30, non-proportional hazards n=400", "[stats][survival]") {
    compare_survival(make_surv(30, 2, 53, 0.0, false), "surv_small");
    compare_survival(make_surv(400, 2, 54, 0.05, true), "surv_nonph");
}
