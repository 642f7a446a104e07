// stats::federated (issue 17): DerSimonian-Laird against metafor 3.8 rma(method = "DL") (closed form:
// tolerance 1e-10 relative), histogram AUC against the exact pooled AUC (stats::auc on the union: within
// the histogram's own max_error, and the bound attained), histogram quantiles bracketing R's
// quantile(type = 7), and merged moments against R's mean/var on the union (1e-12 relative).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "r_oracle.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/stats/federated_summary.hpp"
#include "radhpc/stats/roc.hpp"

using namespace radhpc::stats;
namespace fed = radhpc::stats::federated;

namespace {

void require_close(double got, double want, double rel, const char* what) {
    INFO(what << ": radhpc " << got << ", R " << want);
    REQUIRE(std::abs(got - want) <= rel * std::max(1.0, std::abs(want)));
}

void check_meta(const std::string& tag, const std::vector<double>& yi, const std::vector<double>& vi, double level) {
    rtest::Table t;
    t.add("yi", yi);
    t.add("vi", vi);
    const auto r = rtest::run_r("federated.R", tag, t, {"meta", std::to_string(level)});
    const auto m = fed::meta_dersimonian_laird(yi, vi, level);
    constexpr double kTol = 1e-10;
    require_close(m.estimate, rtest::get(r, "estimate"), kTol, "estimate");
    require_close(m.se, rtest::get(r, "se"), kTol, "se");
    require_close(m.lower, rtest::get(r, "lower"), kTol, "ci.lb");
    require_close(m.upper, rtest::get(r, "upper"), kTol, "ci.ub");
    require_close(m.z, rtest::get(r, "z"), kTol, "zval");
    require_close(m.p_value, rtest::get(r, "p_value"), kTol, "pval");
    require_close(m.tau2, rtest::get(r, "tau2"), kTol, "tau2");
    require_close(m.q, rtest::get(r, "q"), kTol, "QE");
    require_close(m.q_p_value, rtest::get(r, "q_p_value"), kTol, "QEp");
    require_close(m.i2, rtest::get(r, "i2"), kTol, "I2");
    require_close(m.h2, rtest::get(r, "h2"), kTol, "H2");
    REQUIRE(m.k == int(rtest::get(r, "k")));
    REQUIRE(m.weights.size() == yi.size());
    for (std::size_t i = 0; i < yi.size(); ++i) require_close(m.weights[i], rtest::get(r, "weights", i), kTol, "weights");
}

// n scores split into `sites` sites; cases shifted by `shift`; `round_to` > 0 makes ties
struct Scores {
    std::vector<std::vector<double>> cases, controls;  // per site
    std::vector<double> all;
    std::vector<int> outcome;
};
Scores make_scores(std::uint64_t seed, int n, int sites, double shift, double round_to) {
    rtest::Gen g(seed);
    Scores s;
    s.cases.resize(std::size_t(sites));
    s.controls.resize(std::size_t(sites));
    for (int i = 0; i < n; ++i) {
        const int y = g.bernoulli(0.4), site = int(g.below(std::uint64_t(sites)));
        double x = g.normal() + (y ? shift : 0) + 0.3 * site;  // sites differ a little
        if (round_to > 0) x = std::round(x / round_to) * round_to;
        (y ? s.cases : s.controls)[std::size_t(site)].push_back(x);
        s.all.push_back(x);
        s.outcome.push_back(y);
    }
    return s;
}

std::vector<double> grid(double lo, double hi, int bins) {
    std::vector<double> e;
    for (int i = 0; i <= bins; ++i) e.push_back(lo + (hi - lo) * i / bins);
    return e;
}

fed::HistogramAuc pooled_auc(const Scores& s, const std::vector<double>& edges) {
    fed::Histogram cases = fed::histogram({}, edges), controls = fed::histogram({}, edges);
    for (std::size_t k = 0; k < s.cases.size(); ++k) {
        cases += fed::histogram(s.cases[k], edges);
        controls += fed::histogram(s.controls[k], edges);
    }
    return fed::auc_from_histograms(cases, controls);
}

}  // namespace

TEST_CASE("DerSimonian-Laird equals metafor rma DL: heterogeneous k=8", "[stats][federated]") {
    check_meta("dl_het", {-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01},
               {0.33, 0.19, 0.42, 0.02, 0.05, 0.007, 0.22, 0.004}, 0.95);
}

TEST_CASE("DerSimonian-Laird equals metafor rma DL: tau2 = 0 (Q below k-1), level 0.9", "[stats][federated]") {
    check_meta("dl_hom", {0.31, 0.35, 0.28, 0.40, 0.33}, {0.04, 0.09, 0.05, 0.12, 0.07}, 0.90);
    const auto m = fed::meta_dersimonian_laird(std::vector<double>{0.31, 0.35, 0.28, 0.40, 0.33},
                                               std::vector<double>{0.04, 0.09, 0.05, 0.12, 0.07});
    REQUIRE(m.tau2 == 0);
    REQUIRE(m.i2 == 0);
    REQUIRE(m.h2 == 1);
}

TEST_CASE("DerSimonian-Laird equals metafor rma DL: k=2 and random sites", "[stats][federated]") {
    check_meta("dl_k2", {1.2, 0.1}, {0.05, 0.08}, 0.95);
    rtest::Gen g(17);
    std::vector<double> yi, vi;
    for (int i = 0; i < 12; ++i) {
        vi.push_back(0.01 + 0.2 * g.uniform());
        yi.push_back(0.5 + 0.4 * g.normal() + std::sqrt(vi.back()) * g.normal());
    }
    check_meta("dl_rand", yi, vi, 0.99);
}

TEST_CASE("DerSimonian-Laird rejects bad input", "[stats][federated]") {
    REQUIRE_THROWS_AS(fed::meta_dersimonian_laird(std::vector<double>{}, std::vector<double>{}), radhpc::Error);
    REQUIRE_THROWS_AS(fed::meta_dersimonian_laird(std::vector<double>{1, 2}, std::vector<double>{0.1, 0}), radhpc::Error);
    REQUIRE_THROWS_AS(fed::meta_dersimonian_laird(std::vector<double>{1, NAN}, std::vector<double>{0.1, 0.1}), radhpc::Error);
}

TEST_CASE("histogram bins, below, above, missing and merge", "[stats][federated]") {
    const std::vector<double> edges{0, 1, 2, 3};
    const auto h = fed::histogram(std::vector<double>{-1, 0, 0.5, 1, 2.999, 3, 3.5, NAN, -INFINITY, INFINITY}, edges);
    REQUIRE(h.counts == std::vector<std::int64_t>{2, 1, 2});
    REQUIRE(h.below == 2);
    REQUIRE(h.above == 2);
    REQUIRE(h.missing == 1);
    REQUIRE(h.total() == 9);
    auto sum = h;
    sum += h;
    REQUIRE(sum.counts == std::vector<std::int64_t>{4, 2, 4});
    REQUIRE(sum.missing == 2);
    auto other = fed::histogram({}, std::vector<double>{0, 1, 2.5, 3});
    REQUIRE_THROWS_AS(sum += other, radhpc::Error);
    REQUIRE_THROWS_AS(fed::histogram({}, std::vector<double>{0, 0, 1}), radhpc::Error);
    REQUIRE_THROWS_AS(fed::histogram({}, std::vector<double>{0}), radhpc::Error);
}

TEST_CASE("histogram AUC lies within its max_error of the exact pooled AUC", "[stats][federated]") {
    struct Case {
        std::uint64_t seed;
        int n, sites;
        double shift, round_to, lo, hi;
    };
    // continuous; tied (rounded to 0.25); a grid narrower than the data (below/above bins in use)
    for (const Case& c : {Case{1, 400, 3, 1.0, 0, -4, 5}, Case{2, 300, 4, 0.5, 0.25, -4, 5}, Case{3, 500, 2, 0.8, 0, -1, 1.5},
                          Case{4, 200, 5, -0.4, 0, -3, 4}}) {
        const Scores s = make_scores(c.seed, c.n, c.sites, c.shift, c.round_to);
        const double exact = auc(s.all, s.outcome);
        double previous = 1;
        for (int bins : {4, 16, 64, 1024, 65536}) {
            const auto h = pooled_auc(s, grid(c.lo, c.hi, bins));
            INFO("seed " << c.seed << " bins " << bins << ": histogram " << h.auc << " +- " << h.max_error << ", exact " << exact);
            REQUIRE(std::abs(h.auc - exact) <= h.max_error + 1e-15);
            REQUIRE(h.max_error <= previous + 1e-15);  // nested grids: the bound only shrinks
            previous = h.max_error;
        }
        // a fine grid: for continuous scores inside the grid the bound (and so the error) vanishes
        if (c.round_to == 0 && c.seed != 3) REQUIRE(previous < 2e-4);
    }
}

TEST_CASE("histogram AUC bound is attained when every shared bin is ordered", "[stats][federated]") {
    // in each bin the case lies above the control: every same-bin pair, counted 1/2, is in truth 1
    std::vector<double> cases, controls;
    for (int b = 0; b < 10; ++b) {
        cases.push_back(b + 0.9);
        controls.push_back(b + 0.1);
    }
    const auto edges = grid(0, 10, 10);
    const auto h = fed::auc_from_histograms(fed::histogram(cases, edges), fed::histogram(controls, edges));
    REQUIRE(h.max_error == Approx(0.05).epsilon(1e-14));  // 10 same-bin pairs of 100, halved
    std::vector<double> all = cases;
    all.insert(all.end(), controls.begin(), controls.end());
    std::vector<int> y(20, 0);
    std::fill(y.begin(), y.begin() + 10, 1);
    const double exact = auc(all, y);  // 55 of 100 pairs
    REQUIRE(exact == Approx(0.55).epsilon(1e-14));
    REQUIRE(exact - h.auc == Approx(h.max_error).epsilon(1e-12));
}

TEST_CASE("histogram quantile brackets R's type-7 quantile", "[stats][federated]") {
    const std::vector<std::string> ps{"0", "0.01", "0.1", "0.25", "0.5", "0.75", "0.9", "0.99", "1"};
    for (int set = 0; set < 3; ++set) {
        rtest::Gen g(100 + std::uint64_t(set));
        std::vector<double> x;
        for (int i = 0; i < 5 + 150 * set; ++i) x.push_back(set == 2 ? std::exp(g.normal()) : g.normal() * 3 + 10);
        x.push_back(NAN);  // a missing value, left out on both sides
        rtest::Table t;
        t.add("x", x);
        std::vector<std::string> args{"quantile"};
        args.insert(args.end(), ps.begin(), ps.end());
        const auto r = rtest::run_r("federated.R", "quantile" + std::to_string(set), t, args);
        // set 1's grid ends inside the data: the extreme quantiles are then half-open
        const auto edges = set == 1 ? grid(6, 14, 40) : grid(0, 20, 80);
        const auto h = fed::histogram(x, edges);
        for (std::size_t i = 0; i < ps.size(); ++i) {
            const double exact = rtest::get(r, "quantile", i);
            const auto q = fed::quantile_from_histogram(h, std::stod(ps[i]));
            INFO("set " << set << " p " << ps[i] << ": [" << q.lower_bound << ", " << q.upper_bound << "] value " << q.value
                        << ", R " << exact);
            REQUIRE(q.lower_bound <= exact);
            REQUIRE(exact <= q.upper_bound);
            REQUIRE(q.lower_bound <= q.value);
            REQUIRE(q.value <= q.upper_bound);
            // where the data are dense the two order statistics lie in one bin or in neighbours
            const double p = std::stod(ps[i]);
            if (set > 0 && p >= 0.25 && p <= 0.75) REQUIRE(q.upper_bound - q.lower_bound <= 2 * (edges[1] - edges[0]) + 1e-12);
        }
    }
    REQUIRE_THROWS_AS(fed::quantile_from_histogram(fed::histogram(std::vector<double>{NAN}, grid(0, 1, 2)), 0.5), radhpc::Error);
    REQUIRE_THROWS_AS(fed::quantile_from_histogram(fed::histogram(std::vector<double>{0.5}, grid(0, 1, 2)), 1.5), radhpc::Error);
}

TEST_CASE("merged moments equal R's mean and var on the union", "[stats][federated]") {
    rtest::Gen g(7);
    std::vector<double> all;
    fed::Moments pooled;
    // sites of very different location and scale (and sizes 1, 2, 500), one with missing values
    const std::vector<std::pair<double, double>> sites{{1e6, 1}, {1e6 + 3, 0.01}, {-5, 100}, {0, 1e-3}};
    const std::vector<int> sizes{500, 2, 120, 1};
    for (std::size_t k = 0; k < sites.size(); ++k) {
        std::vector<double> x;
        for (int i = 0; i < sizes[k]; ++i) x.push_back(sites[k].first + sites[k].second * g.normal());
        all.insert(all.end(), x.begin(), x.end());
        if (k == 2) x.push_back(NAN);
        pooled += fed::moments(x);
    }
    rtest::Table t;
    t.add("x", all);
    const auto r = rtest::run_r("federated.R", "moments", t, {"quantile", "0.5"});
    REQUIRE(pooled.n == std::int64_t(all.size()));
    REQUIRE(pooled.missing == 1);
    require_close(pooled.mean, rtest::get(r, "mean"), 1e-12, "mean");
    INFO("var radhpc " << pooled.variance() << " R " << rtest::get(r, "var"));
    REQUIRE(std::abs(pooled.variance() - rtest::get(r, "var")) <= 1e-12 * rtest::get(r, "var"));
    REQUIRE(pooled.min == *std::min_element(all.begin(), all.end()));
    REQUIRE(pooled.max == *std::max_element(all.begin(), all.end()));
    fed::Moments empty;
    empty += fed::Moments{};
    REQUIRE(empty.n == 0);
    REQUIRE(std::isnan(empty.variance()));
}
