// Federated ComBat (issue 17): the three rounds run through the API on per-site tables only, then
// compared with the pooled combat() (batch = site) and with sva::ComBat (tests/combat/r/combat.R).
// Tolerances: against combat() kPooledTol = 1e-12 relative (max |fed - pooled| / max(1, |pooled|)
// over the harmonised values): the same arithmetic up to the order of the sites' sums, and the
// it.sol iteration counts must agree; against sva kSvaTol = 1e-9 absolute, the tolerance of
// tests/combat/test_combat.cpp (kTol) that combat() itself meets.
#include <catch2/catch.hpp>

#include <map>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/federated_combat.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;

namespace {

constexpr double kPooledTol = 1e-12;
constexpr double kSvaTol = 1e-9;

struct Cohort {
    std::vector<Eigen::MatrixXd> data, covariates;  // per site: n_k x p, n_k x 1 (age)
};

// Sites of different sizes; per feature a mean and scale, per site an offset and a spread, and an
// age effect; age distributions differ between sites.
Cohort make_cohort(const std::vector<int>& sizes, int p, std::uint64_t seed) {
    rtest::Gen g(seed);
    const auto k = sizes.size();
    Eigen::VectorXd mean(p), scale(p), age_effect(p);
    Eigen::MatrixXd shift(Eigen::Index(k), p), spread(Eigen::Index(k), p);
    for (int f = 0; f < p; ++f) {
        mean(f) = 10 * g.normal();
        scale(f) = std::exp(g.normal());
        age_effect(f) = 0.05 * g.normal();
        for (std::size_t s = 0; s < k; ++s) {
            shift(Eigen::Index(s), f) = 0.8 * g.normal();
            spread(Eigen::Index(s), f) = std::exp(0.4 * g.normal());
        }
    }
    Cohort c;
    for (std::size_t s = 0; s < k; ++s) {
        const int n = sizes[s];
        Eigen::MatrixXd x(n, p), age(n, 1);
        for (int i = 0; i < n; ++i) {
            age(i, 0) = 55 + 3 * double(s) + 10 * g.normal();
            for (int f = 0; f < p; ++f)
                x(i, f) = mean(f) + scale(f) * (shift(Eigen::Index(s), f) + spread(Eigen::Index(s), f) * g.normal() +
                                                age_effect(f) * (age(i, 0) - 60));
        }
        c.data.push_back(x);
        c.covariates.push_back(age);
    }
    return c;
}

// The protocol, in one process: each call only sees one site's rows or the aggregates.
std::vector<federated::CombatSiteAdjustment> run_rounds(const Cohort& c, const CombatOptions& o, federated::CombatModel& model) {
    const int k = int(c.data.size());
    std::vector<federated::CombatSiteMoments> moments;
    for (int s = 0; s < k; ++s) moments.push_back(federated::combat_site_moments(c.data[std::size_t(s)], s, k, c.covariates[std::size_t(s)]));
    model = federated::combat_combine_moments(moments, o);
    std::vector<Eigen::RowVectorXd> ss;
    for (int s = 0; s < k; ++s)
        ss.push_back(federated::combat_site_residual_ss(model, c.data[std::size_t(s)], s, c.covariates[std::size_t(s)]));
    federated::combat_set_pooled_variance(model, ss);
    std::vector<federated::CombatSiteAdjustment> out;
    for (int s = 0; s < k; ++s)
        out.push_back(federated::combat_site_adjust(model, c.data[std::size_t(s)], s, c.covariates[std::size_t(s)], o));
    return out;
}

struct Pooled {
    Eigen::MatrixXd data, covariates;
    std::vector<int> batch;
};

Pooled pool(const Cohort& c) {
    Pooled p;
    Eigen::Index n = 0;
    for (const auto& d : c.data) n += d.rows();
    p.data.resize(n, c.data[0].cols());
    p.covariates.resize(n, c.covariates[0].cols());
    Eigen::Index row = 0;
    for (std::size_t s = 0; s < c.data.size(); ++s) {
        p.data.middleRows(row, c.data[s].rows()) = c.data[s];
        p.covariates.middleRows(row, c.data[s].rows()) = c.covariates[s];
        row += c.data[s].rows();
        p.batch.insert(p.batch.end(), std::size_t(c.data[s].rows()), int(s));
    }
    return p;
}

Eigen::MatrixXd stack(const std::vector<federated::CombatSiteAdjustment>& sites) {
    Eigen::Index n = 0;
    for (const auto& s : sites) n += s.data.rows();
    Eigen::MatrixXd out(n, sites[0].data.cols());
    Eigen::Index row = 0;
    for (const auto& s : sites) {
        out.middleRows(row, s.data.rows()) = s.data;
        row += s.data.rows();
    }
    return out;
}

double max_relative(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    return ((a - b).array().abs() / b.array().abs().max(1.0)).maxCoeff();
}

struct Case {
    std::string tag;
    bool parametric, mean_only;
    int reference;  // -1: none
};

// sva::ComBat(dat, batch = site, mod = model.matrix(~age), ...) for every case, one R run.
std::map<std::string, Eigen::MatrixXd> sva_results(const Pooled& p, const std::vector<Case>& cases) {
    rtest::Table t;
    std::vector<double> batch;
    for (int b : p.batch) batch.push_back(b + 1);
    t.add("batch", batch);
    t.add("age", std::vector<double>(p.covariates.data(), p.covariates.data() + p.covariates.rows()));
    for (Eigen::Index f = 0; f < p.data.cols(); ++f)
        t.add("f" + std::to_string(f + 1), std::vector<double>(p.data.col(f).data(), p.data.col(f).data() + p.data.rows()));
    std::vector<std::string> specs;
    for (const auto& c : cases)
        specs.push_back(c.tag + ":" + (c.parametric ? "1" : "0") + ":" + (c.mean_only ? "1" : "0") + ":" +
                        (c.reference < 0 ? "none" : std::to_string(c.reference + 1)));
    const auto r = rtest::run_r("combat_sites.R", "combat_sites", t, specs);
    std::map<std::string, Eigen::MatrixXd> out;
    for (const auto& c : cases) {
        Eigen::MatrixXd m(p.data.rows(), p.data.cols());
        for (Eigen::Index f = 0; f < p.data.cols(); ++f)
            for (Eigen::Index i = 0; i < p.data.rows(); ++i)
                m(i, f) = rtest::get(r, c.tag + ":f" + std::to_string(f + 1), std::size_t(i));
        out[c.tag] = m;
    }
    return out;
}

void check_case(const Cohort& c, const Case& cs, const Eigen::MatrixXd& sva) {
    INFO(cs.tag);
    CombatOptions o;
    o.parametric = cs.parametric;
    o.mean_only = cs.mean_only;
    if (cs.reference >= 0) o.reference_batch = cs.reference;
    federated::CombatModel model;
    const auto sites = run_rounds(c, o, model);
    const Eigen::MatrixXd fed = stack(sites);
    const Pooled p = pool(c);
    const auto pooled = combat(p.data, p.batch, p.covariates, o);
    INFO("max relative |federated - pooled| = " << max_relative(fed, pooled.data));
    CHECK(max_relative(fed, pooled.data) <= kPooledTol);
    CHECK(max_relative(model.var_pooled, pooled.fit.var_pooled) <= kPooledTol);
    CHECK(max_relative(model.grand_mean, pooled.fit.grand_mean) <= kPooledTol);
    for (std::size_t s = 0; s < sites.size(); ++s) {
        CHECK(sites[s].iterations == pooled.fit.iterations[s]);
        CHECK(max_relative(sites[s].gamma_star, pooled.fit.gamma_star.row(Eigen::Index(s))) <= kPooledTol);
        CHECK(max_relative(sites[s].delta_star, pooled.fit.delta_star.row(Eigen::Index(s))) <= kPooledTol);
    }
    INFO("max |federated - sva| = " << (fed - sva).cwiseAbs().maxCoeff());
    CHECK((fed - sva).cwiseAbs().maxCoeff() <= kSvaTol);
}

}  // namespace

TEST_CASE("federated ComBat over 4 sites equals pooled combat and sva::ComBat", "[stats][combat][federated]") {
    const auto c = make_cohort({60, 45, 30, 12}, 8, 1711);
    const std::vector<Case> cases = {{"parametric", true, false, -1},
                                     {"nonparametric", false, false, -1},
                                     {"mean_only", true, true, -1},
                                     {"reference_site", true, false, 3}};
    const auto sva = sva_results(pool(c), cases);
    for (const auto& cs : cases) check_case(c, cs, sva.at(cs.tag));
}

TEST_CASE("federated ComBat: zero rows, a one-row site and confounded designs as the pooled combat", "[stats][combat][federated]") {
    auto c = make_cohort({20, 15, 1}, 6, 1712);
    c.data[0].col(2).setConstant(4.25);  // constant within site 0: left unadjusted everywhere
    for (const bool parametric : {true, false}) {
        INFO((parametric ? "parametric" : "nonparametric"));
        CombatOptions o;
        o.parametric = parametric;
        federated::CombatModel model;
        const auto fed = stack(run_rounds(c, o, model));
        const Pooled p = pool(c);
        const auto pooled = combat(p.data, p.batch, p.covariates, o);
        CHECK(model.mean_only == 1);  // forced by the one-row site
        CHECK(model.adjusted[2] == 0);
        CHECK((fed.col(2) - p.data.col(2)).cwiseAbs().maxCoeff() == 0.0);
        CHECK(max_relative(fed, pooled.data) <= kPooledTol);
    }
    // an all-ones covariate (an intercept) is dropped, as combat() drops it
    auto with_ones = c;
    for (auto& cov : with_ones.covariates) {
        cov.conservativeResize(Eigen::NoChange, 2);
        cov.col(1).setOnes();
    }
    federated::CombatModel model;
    const auto fed = stack(run_rounds(with_ones, {}, model));
    CHECK(model.covariate_kept == std::vector<std::uint8_t>{1, 0});
    const Pooled p = pool(with_ones);
    CHECK(max_relative(fed, combat(p.data, p.batch, p.covariates).data) <= kPooledTol);
    // a covariate that is a site indicator: the pooled and the federated stop alike
    auto confounded = make_cohort({20, 15, 10}, 6, 1713);
    for (std::size_t s = 0; s < 3; ++s) confounded.covariates[s].setConstant(s == 1 ? 1.0 : 0.0);
    std::vector<federated::CombatSiteMoments> moments;
    for (int s = 0; s < 3; ++s)
        moments.push_back(federated::combat_site_moments(confounded.data[std::size_t(s)], s, 3, confounded.covariates[std::size_t(s)]));
    const Pooled q = pool(confounded);
    CHECK_THROWS_WITH(combat(q.data, q.batch, q.covariates), "combat: the covariate is confounded with batch");
    CHECK_THROWS_WITH(federated::combat_combine_moments(moments, {}), "combat: the covariate is confounded with batch");
    // a round-3 call before round 2 is refused
    auto early = federated::combat_combine_moments(
        {federated::combat_site_moments(c.data[0], 0, 2, c.covariates[0]), federated::combat_site_moments(c.data[1], 1, 2, c.covariates[1])}, {});
    CHECK_THROWS_AS(federated::combat_site_adjust(early, c.data[0], 0, c.covariates[0], {}), radhpc::Error);
}
