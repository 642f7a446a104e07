// Paired tests of change (issue 18) against R: wilcox.test(x, y, paired = TRUE) and
// t.test(x, y, paired = TRUE) with their defaults, and p.adjust("BH") over the per-set p-values.
// Tolerance 1e-10 relative (absolute below 1): the exact signed-rank p is a ratio of integer counts,
// the normal approximation and t are closed form; measured differences are ~1e-15.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "r_oracle.hpp"
#include "radhpc/stats/distributions.hpp"
#include "radhpc/stats/paired.hpp"
#include "radhpc/stats/screening.hpp"

using namespace radhpc::stats;

namespace {

constexpr double kTol = 1e-10;

bool close(double a, double b, double tol = kTol) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b));
}

struct PairedSet {
    std::string name;
    std::vector<double> x, y;
    bool exact = false;
};

double rounded_half(double v) { return std::round(2.0 * v) / 2.0; }

std::vector<PairedSet> make_sets() {
    rtest::Gen g(1818);
    std::vector<PairedSet> sets;
    auto add = [&](const char* name, std::size_t n, auto&& make, bool exact) {
        PairedSet s{name, {}, {}, exact};
        for (std::size_t i = 0; i < n; ++i) {
            const auto [x, y] = make(i);
            s.x.push_back(x);
            s.y.push_back(y);
        }
        sets.push_back(std::move(s));
    };
    auto shifted = [&](double shift) {
        return [&g, shift](std::size_t) {
            const double y = 10.0 + 2.0 * g.normal();
            return std::pair{y + shift + g.normal(), y};
        };
    };
    add("small exact n=8", 8, shifted(0.6), true);
    add("normal approximation n=60", 60, shifted(0.25), false);
    add("ties n=30", 30, [&](std::size_t) {  // multiples of 0.5: tied absolute differences, no zeros
        const double y = rounded_half(5.0 + 3.0 * g.normal());
        double x = y + rounded_half(0.5 + 1.5 * g.normal());
        if (x == y) x += 0.5;
        return std::pair{x, y};
    }, false);
    add("zero differences n=15", 15, [&](std::size_t i) {
        const double y = 3.0 + g.normal();
        return std::pair{i % 5 == 2 ? y : y + 0.4 + g.normal(), y};
    }, false);
    add("all positive n=10", 10, [&](std::size_t) {
        const double y = g.normal();
        return std::pair{y + 0.1 + std::fabs(g.normal()), y};
    }, true);
    add("all positive n=60", 60, [&](std::size_t) {
        const double y = g.normal();
        return std::pair{y + 0.1 + std::fabs(g.normal()), y};
    }, false);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    add("NaN pairs dropped n=14", 14, [&, nan](std::size_t i) {  // 4 incomplete pairs: exact on n = 10
        const double y = g.normal();
        const double x = y - 0.3 + g.normal();
        return std::pair{i == 3 || i == 9 ? nan : x, i == 5 || i == 9 || i == 11 ? nan : y};
    }, true);
    return sets;
}

}  // namespace

TEST_CASE("signrank_cdf equals the enumeration of sign vectors", "[stats][paired]") {
    for (int n : {1, 2, 5, 9}) {
        const int total = n * (n + 1) / 2;
        std::vector<double> count(std::size_t(total) + 1, 0.0);
        for (int mask = 0; mask < (1 << n); ++mask) {
            int v = 0;
            for (int i = 0; i < n; ++i)
                if (mask >> i & 1) v += i + 1;
            count[std::size_t(v)] += 1;
        }
        double cum = 0;
        for (int q = 0; q <= total; ++q) {
            cum += count[std::size_t(q)];
            CHECK(signrank_cdf(q, n) == Approx(cum / (1 << n)).epsilon(1e-14));
            const double upper = 1.0 - (cum - count[std::size_t(q)]) / (1 << n);  // P(V >= q)
            CHECK(signrank_tail(q, n) == Approx(std::min(cum / (1 << n), upper)).epsilon(1e-14));
        }
        CHECK(signrank_cdf(-1, n) == 0.0);
        CHECK(signrank_cdf(total, n) == 1.0);
    }
}

TEST_CASE("wilcoxon_signed_rank, paired_t_test and BH equal R on exact, normal, tied, zero and NaN sets",
          "[stats][paired]") {
    const auto sets = make_sets();
    std::size_t rows = 0;
    for (const auto& s : sets) rows = std::max(rows, s.x.size());
    rtest::Table table;
    for (std::size_t k = 0; k < sets.size(); ++k) {  // shorter sets padded with NaN: incomplete pairs
        auto x = sets[k].x, y = sets[k].y;
        x.resize(rows, std::numeric_limits<double>::quiet_NaN());
        y.resize(rows, std::numeric_limits<double>::quiet_NaN());
        table.add("x" + std::to_string(k + 1), x);
        table.add("y" + std::to_string(k + 1), y);
    }
    const auto r = rtest::run_r("paired.R", "paired", table);
    std::vector<double> wp, tp;
    double worst = 0;
    auto check = [&](double mine, double ref) {
        CHECK(close(mine, ref));
        if (std::isfinite(ref)) worst = std::max(worst, std::fabs(mine - ref) / std::max(1.0, std::fabs(ref)));
    };
    for (std::size_t k = 0; k < sets.size(); ++k) {
        INFO(sets[k].name);
        const auto w = wilcoxon_signed_rank(sets[k].x, sets[k].y);
        CHECK(w.exact == sets[k].exact);
        CHECK(w.exact == (rtest::get(r, "w_exact", k) == 1.0));
        check(w.statistic, rtest::get(r, "w_v", k));
        check(w.p_value, rtest::get(r, "w_p", k));
        const auto t = paired_t_test(sets[k].x, sets[k].y);
        check(t.statistic, rtest::get(r, "t_t", k));
        check(t.p_value, rtest::get(r, "t_p", k));
        check(t.df, rtest::get(r, "t_df", k));
        check(t.estimate, rtest::get(r, "t_estimate", k));
        check(t.lower, rtest::get(r, "t_ci", 2 * k));
        check(t.upper, rtest::get(r, "t_ci", 2 * k + 1));
        const auto t90 = paired_t_test(sets[k].x, sets[k].y, 0.9);
        check(t90.lower, rtest::get(r, "t_ci90", 2 * k));
        check(t90.upper, rtest::get(r, "t_ci90", 2 * k + 1));
        wp.push_back(w.p_value);
        tp.push_back(t.p_value);
    }
    const auto wbh = p_adjust_bh(wp), tbh = p_adjust_bh(tp);
    for (std::size_t k = 0; k < sets.size(); ++k) {
        check(wbh[k], rtest::get(r, "w_bh", k));
        check(tbh[k], rtest::get(r, "t_bh", k));
    }
    WARN("paired tests: largest relative difference from R " << worst);
}

TEST_CASE("Paired tests with every difference zero give NaN p-values as R", "[stats][paired]") {
    const std::vector<double> x{1, 2, 3}, y{1, 2, 3};
    const auto w = wilcoxon_signed_rank(x, y);
    CHECK(w.statistic == 0);
    CHECK(std::isnan(w.p_value));
    CHECK(w.n == 0);
    CHECK(w.n_zero == 3);
    const auto t = paired_t_test(x, y);
    CHECK(t.estimate == 0);
    CHECK((std::isnan(t.statistic) && std::isnan(t.p_value) && std::isnan(t.lower) && std::isnan(t.upper)));
    const std::vector<double> constant_shift{2, 3, 4};
    CHECK_THROWS(paired_t_test(constant_shift, y));  // R: "data are essentially constant"
    const std::vector<double> shorter{1, 2};
    CHECK_THROWS(wilcoxon_signed_rank(x, shorter));
    const std::vector<double> nan(3, std::numeric_limits<double>::quiet_NaN());
    CHECK_THROWS(wilcoxon_signed_rank(x, nan));
}
