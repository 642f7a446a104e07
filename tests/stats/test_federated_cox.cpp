// Federated stratified Cox (issue 17): per-site Efron terms summed by a coordinator.
// Tolerances: federated vs pooled cox_ph_stratified 1e-12 relative (the same arithmetic up to the
// order in which the sites' sums are added; the Newton path is the same); against R survival's
// coxph(... + strata(site), ties = "efron", eps = 1e-14) the tolerances of test_survival.cpp:
// coef, se, HR CIs, Wald 1e-6, loglik 1e-9, score 1e-9, LR 1e-8.
#include <catch2/catch.hpp>

#include <algorithm>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/federated_cox.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;

namespace {

bool close(double a, double b, double tol) { return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b)); }

struct Site {
    Eigen::MatrixXd x;
    std::vector<double> time;
    std::vector<int> status;
};

// Sites of different sizes, each with its own baseline hazard and censoring; times rounded to 0.1
// (ties within and across sites); x1, x2 normal (site-shifted), x3 binary.
std::vector<Site> make_sites(const std::vector<int>& sizes, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::vector<Site> sites;
    for (std::size_t s = 0; s < sizes.size(); ++s) {
        Site site;
        const int n = sizes[s];
        const double baseline = std::exp(0.5 * g.normal()), shift = 0.5 * g.normal();
        site.x.resize(n, 3);
        for (int i = 0; i < n; ++i) {
            site.x(i, 0) = g.normal() + shift;
            site.x(i, 1) = 2.0 * g.normal();
            site.x(i, 2) = double(g.below(2));
            const double rate = baseline * std::exp(0.6 * site.x(i, 0) - 0.25 * site.x(i, 1) + 0.5 * site.x(i, 2));
            const double t = -std::log(1.0 - g.uniform()) / rate, c = (2.0 + double(s)) * g.uniform();
            site.time.push_back(std::ceil(std::min(t, c) / 0.1) * 0.1);
            site.status.push_back(t <= c ? 1 : 0);
        }
        sites.push_back(std::move(site));
    }
    return sites;
}

}  // namespace

TEST_CASE("federated stratified Cox equals pooled cox_ph_stratified and R coxph with strata(site)", "[stats][survival][federated]") {
    const auto sites = make_sites({60, 45, 30, 12}, 1701);
    // Round 0: the pooled column means from each site's n and column sums.
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(3);
    double n = 0;
    for (const auto& s : sites) {
        sum += s.x.colwise().sum().transpose();
        n += double(s.x.rows());
    }
    const Eigen::VectorXd center = sum / n;
    int evaluations = 0;
    const auto fed = cox_ph_from_terms(3, [&](const Eigen::VectorXd& beta) {
        ++evaluations;
        CoxTerms total;
        for (const auto& s : sites) total += cox_efron_terms(s.x, s.time, s.status, beta, center);  // what each site sends
        CHECK(total.n == 147);
        return total;
    });
    CHECK(fed.linear_predictor.size() == 0);

    // The pooled rows (site order) for the pooled fit and for R.
    Eigen::MatrixXd x(147, 3);
    std::vector<double> time;
    std::vector<int> status, strata;
    Eigen::Index row = 0;
    for (std::size_t s = 0; s < sites.size(); ++s) {
        x.middleRows(row, sites[s].x.rows()) = sites[s].x;
        row += sites[s].x.rows();
        time.insert(time.end(), sites[s].time.begin(), sites[s].time.end());
        status.insert(status.end(), sites[s].status.begin(), sites[s].status.end());
        strata.insert(strata.end(), sites[s].time.size(), int(s) + 1);
    }
    const auto pooled = cox_ph_stratified(x, time, status, strata);
    CHECK(fed.iterations == pooled.iterations);
    for (int j = 0; j < 3; ++j) {
        CHECK(close(fed.coef(j), pooled.coef(j), 1e-12));
        CHECK(close(fed.se(j), pooled.se(j), 1e-12));
    }
    CHECK(close(fed.loglik, pooled.loglik, 1e-12));
    CHECK(close(fed.loglik_null, pooled.loglik_null, 1e-12));

    rtest::Table t;
    t.add("time", time);
    t.add_int("status", status);
    t.add_int("site", strata);
    for (int j = 0; j < 3; ++j) t.add("x" + std::to_string(j + 1), std::vector<double>(x.col(j).data(), x.col(j).data() + x.rows()));
    const auto r = rtest::run_r("cox_strata.R", "cox_strata", t);
    for (std::size_t j = 0; j < 3; ++j) {
        CHECK(close(fed.coef(Eigen::Index(j)), rtest::get(r, "coef", j), 1e-6));
        CHECK(close(fed.se(Eigen::Index(j)), rtest::get(r, "se", j), 1e-6));
        CHECK(close(fed.hazard_ratio[j].lower, rtest::get(r, "hr_lower", j), 1e-6));
        CHECK(close(fed.hazard_ratio[j].upper, rtest::get(r, "hr_upper", j), 1e-6));
    }
    CHECK(close(fed.loglik_null, rtest::get(r, "loglik", 0), 1e-9));
    CHECK(close(fed.loglik, rtest::get(r, "loglik", 1), 1e-9));
    CHECK(close(fed.wald_chisq, rtest::get(r, "wald"), 1e-6));
    CHECK(close(fed.score_chisq, rtest::get(r, "score"), 1e-9));
    CHECK(close(fed.lr_chisq, rtest::get(r, "lr"), 1e-8));
    // stratification matters here: the unstratified fit is another model
    CHECK_FALSE(close(cox_ph(x, time, status).loglik, pooled.loglik, 1e-6));
}

TEST_CASE("cox_ph_stratified with one stratum is cox_ph, and cox terms add up", "[stats][survival][federated]") {
    const auto sites = make_sites({80}, 1702);
    const auto& s = sites[0];
    const std::vector<int> one(s.time.size(), 7);
    const auto a = cox_ph(s.x, s.time, s.status), b = cox_ph_stratified(s.x, s.time, s.status, one);
    // one stratum in row order: the same arithmetic, bit for bit
    CHECK((a.coef - b.coef).cwiseAbs().maxCoeff() == 0.0);
    CHECK((a.variance - b.variance).cwiseAbs().maxCoeff() == 0.0);
    CHECK(a.loglik == b.loglik);
    CHECK((a.linear_predictor - b.linear_predictor).cwiseAbs().maxCoeff() == 0.0);
    // the information is the negative Hessian: check against central differences of the score
    const Eigen::VectorXd center = s.x.colwise().mean().transpose(), beta = a.coef * 0.5;
    const auto terms = cox_efron_terms(s.x, s.time, s.status, beta, center);
    CHECK(terms.events == std::count(s.status.begin(), s.status.end(), 1));
    for (int j = 0; j < 3; ++j) {
        Eigen::VectorXd hi = beta, lo = beta;
        hi(j) += 1e-6;
        lo(j) -= 1e-6;
        const Eigen::VectorXd d = (cox_efron_terms(s.x, s.time, s.status, hi, center).score -
                                   cox_efron_terms(s.x, s.time, s.status, lo, center).score) / 2e-6;
        // finite differences: truncation O(h^2) and rounding O(eps / h) ~ 1e-10 of the entries (~10)
        CHECK((d + terms.information.col(j)).cwiseAbs().maxCoeff() <= 1e-6);
    }
    CoxTerms wrong;
    wrong.score = Eigen::VectorXd::Zero(2);
    wrong.information = Eigen::MatrixXd::Zero(2, 2);
    CHECK_THROWS_AS(wrong += terms, radhpc::Error);
}
