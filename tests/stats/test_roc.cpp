// ROC/AUC/DeLong/threshold rules/Mann-Whitney/Clopper-Pearson against pROC 1.18 and R's stats.
// Tolerance 1e-9 (absolute, relative for values > 1): every quantity here is closed-form in R
// (pROC's DeLong uses the same placements; binom.test uses qbeta), so the only differences are
// floating-point summation order and the incomplete-beta/erfc implementations (~1e-13).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "r_oracle.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/distributions.hpp"
#include "radhpc/stats/roc.hpp"

using namespace radhpc::stats;

namespace {

constexpr double kTol = 1e-9;

bool close(double a, double b, double tol = kTol) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);  // e.g. LR CI with a zero cell
    if (std::isinf(a) || std::isinf(b)) return a == b;
    return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b));
}

struct RocData {
    std::vector<int> y;
    std::vector<double> s1, s2;
};

enum class Kind { well_conditioned, tied, small, separable, rare_event };

RocData make_data(Kind kind, std::size_t n, std::uint64_t seed) {
    rtest::Gen g(seed);
    RocData d;
    for (std::size_t i = 0; i < n; ++i) {
        int y = kind == Kind::rare_event ? g.bernoulli(0.03) : int(i % 2);
        if (kind == Kind::rare_event && i < 3) y = 1;  // at least a few cases
        const double a = g.normal(), b = g.normal();
        double s1 = 1.0 * y + a, s2 = 0.6 * y + 0.5 * a + b;
        if (kind == Kind::tied) {
            s1 = std::round(s1 * 2.0) / 2.0;
            s2 = std::round(s2 * 2.0) / 2.0;
        }
        if (kind == Kind::separable) s1 = y + 0.9 * g.uniform();
        d.y.push_back(y);
        d.s1.push_back(s1);
        d.s2.push_back(s2);
    }
    return d;
}

void check_against_r(const RocData& d, const std::string& tag, Direction direction, const char* r_direction,
                     double min_spec) {
    rtest::Table t;
    t.add_int("y", d.y);
    t.add("s1", d.s1);
    t.add("s2", d.s2);
    char spec_arg[32];
    std::snprintf(spec_arg, sizeof spec_arg, "%.17g", min_spec);
    const auto r = rtest::run_r("roc.R", tag, t, {std::string("'") + r_direction + "'", spec_arg});
    INFO("data set " << tag);

    const auto ci1 = delong_ci(d.s1, d.y, 0.95, direction);
    const Direction d1 = ci1.direction;
    CHECK((d1 == Direction::controls_higher ? 1.0 : 0.0) == rtest::get(r, "direction1"));
    CHECK(close(ci1.auc, rtest::get(r, "auc1")));
    CHECK(close(ci1.variance, rtest::get(r, "var1")));
    CHECK(close(ci1.lower, rtest::get(r, "ci1", 0)));
    CHECK(close(ci1.upper, rtest::get(r, "ci1", 1)));
    const auto ci2 = delong_ci(d.s2, d.y, 0.95, direction);
    CHECK(close(ci2.auc, rtest::get(r, "auc2")));
    CHECK(close(ci2.lower, rtest::get(r, "ci2", 0)));
    CHECK(close(ci2.upper, rtest::get(r, "ci2", 1)));
    const auto test = delong_test(d.s1, d.s2, d.y, direction, direction);
    CHECK(close(test.z, rtest::get(r, "test_z")));
    CHECK(close(test.p_value, rtest::get(r, "test_p")));

    const auto curve = roc_curve(d.s1, d.y, direction);
    const auto& thr = r.at("thresholds");
    REQUIRE(curve.thresholds.size() == thr.size());
    // pROC's coords() lists thresholds ascending for "<" and descending for ">".
    std::vector<std::size_t> order(thr.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = d1 == Direction::controls_lower ? i : order.size() - 1 - i;
    for (std::size_t i = 0; i < thr.size(); ++i) {
        CHECK(close(curve.thresholds[order[i]], thr[i], 0));
        CHECK(close(curve.sensitivities[order[i]], r.at("sens")[i], 1e-15));
        CHECK(close(curve.specificities[order[i]], r.at("spec")[i], 1e-15));
    }

    auto best = choose_threshold(curve, ThresholdRule::youden);
    auto best_r = r.at("best_threshold");
    std::sort(best_r.begin(), best_r.end());
    REQUIRE(best.thresholds.size() == best_r.size());
    for (std::size_t i = 0; i < best_r.size(); ++i) CHECK(close(best.thresholds[i], best_r[i], 0));
    CHECK(close(best.sensitivity, rtest::get(r, "best_sens"), 1e-15));
    CHECK(close(best.specificity, rtest::get(r, "best_spec"), 1e-15));

    auto topleft = choose_threshold(curve, ThresholdRule::closest_topleft);
    auto topleft_r = r.at("topleft_threshold");
    std::sort(topleft_r.begin(), topleft_r.end());
    REQUIRE(topleft.thresholds.size() == topleft_r.size());
    for (std::size_t i = 0; i < topleft_r.size(); ++i) CHECK(close(topleft.thresholds[i], topleft_r[i], 0));

    {
        // unpaired DeLong: first half of the subjects with s1 against the second half with s2
        const std::size_t half = d.y.size() / 2;
        const std::span<const double> s1(d.s1), s2(d.s2);
        const std::span<const int> y(d.y);
        const auto u = delong_test_unpaired(s1.first(half), y.first(half), s2.subspan(half), y.subspan(half), direction,
                                            direction);
        CHECK(close(u.z, rtest::get(r, "unpaired_z")));
        CHECK(close(u.p_value, rtest::get(r, "unpaired_p")));
    }

    auto msens = choose_threshold(curve, ThresholdRule::max_sensitivity_min_specificity, min_spec);
    auto msens_r = r.at("msens_threshold");
    std::sort(msens_r.begin(), msens_r.end());
    REQUIRE(msens.thresholds.size() == msens_r.size());
    for (std::size_t i = 0; i < msens_r.size(); ++i) CHECK(close(msens.thresholds[i], msens_r[i], 0));
    CHECK(close(msens.sensitivity, rtest::get(r, "msens_sens"), 1e-15));
    CHECK(close(msens.specificity, rtest::get(r, "msens_spec"), 1e-15));

    // R evaluates at the smallest Youden threshold in its output order, i.e. the first row.
    const double thr_used = rtest::get(r, "best_threshold", 0);
    const auto m = diagnostic_metrics(d.s1, d.y, thr_used, d1);
    CHECK(double(m.true_positive) == rtest::get(r, "counts", 0));
    CHECK(double(m.false_positive) == rtest::get(r, "counts", 1));
    CHECK(double(m.true_negative) == rtest::get(r, "counts", 2));
    CHECK(double(m.false_negative) == rtest::get(r, "counts", 3));
    const std::pair<const char*, Estimate> props[] = {
        {"cp_sens", m.sensitivity}, {"cp_spec", m.specificity}, {"cp_ppv", m.ppv}, {"cp_npv", m.npv}};
    for (const auto& [name, e] : props) {
        INFO(name);
        CHECK(close(e.estimate, rtest::get(r, name, 0)));
        CHECK(close(e.lower, rtest::get(r, name, 1)));
        CHECK(close(e.upper, rtest::get(r, name, 2)));
    }
    const std::pair<const char*, Estimate> lrs[] = {{"lr_pos", m.lr_positive}, {"lr_neg", m.lr_negative}};
    for (const auto& [name, e] : lrs) {
        INFO(name);
        const double ref = rtest::get(r, name, 0);
        CHECK(close(e.estimate, ref));
        CHECK(close(e.lower, rtest::get(r, name, 1)));
        CHECK(close(e.upper, rtest::get(r, name, 2)));
    }

    std::vector<double> cases, controls;
    for (std::size_t i = 0; i < d.y.size(); ++i) (d.y[i] ? cases : controls).push_back(d.s1[i]);
    const auto mw = mann_whitney(cases, controls);
    CHECK(close(mw.statistic, rtest::get(r, "mw_w")));
    CHECK(close(mw.p_value, rtest::get(r, "mw_p")));
}

}  // namespace

TEST_CASE("ROC, DeLong, thresholds and Mann-Whitney equal pROC/R: well-conditioned n=200", "[stats][roc]") {
    check_against_r(make_data(Kind::well_conditioned, 200, 11), "roc_well", Direction::controls_lower, "<", 0.5);
}

TEST_CASE("ROC equal pROC: tied scores n=120", "[stats][roc]") {
    check_against_r(make_data(Kind::tied, 120, 12), "roc_tied", Direction::controls_lower, "<", 0.5);
}

TEST_CASE("ROC equal pROC: small n=20, exact Mann-Whitney", "[stats][roc]") {
    check_against_r(make_data(Kind::small, 20, 13), "roc_small", Direction::controls_lower, "<", 0.7);
}

TEST_CASE("ROC equal pROC: separable scores n=60", "[stats][roc]") {
    check_against_r(make_data(Kind::separable, 60, 14), "roc_separable", Direction::controls_lower, "<", 0.5);
}

TEST_CASE("ROC equal pROC: rare events n=2000", "[stats][roc]") {
    check_against_r(make_data(Kind::rare_event, 2000, 15), "roc_rare", Direction::controls_lower, "<", 0.9);
}

TEST_CASE("ROC equal pROC: reversed scores with automatic direction", "[stats][roc]") {
    auto d = make_data(Kind::tied, 150, 16);
    for (auto& v : d.s1) v = -v;
    for (auto& v : d.s2) v = -v;
    check_against_r(d, "roc_reversed", Direction::automatic, "auto", 0.5);
}

TEST_CASE("Clopper-Pearson and distribution functions equal R at the extremes", "[stats][roc]") {
    rtest::Table t;
    std::vector<double> k{0, 1, 5, 19, 20, 0, 3, 997, 1000, 250}, n{20, 20, 20, 20, 20, 1000, 1000, 1000, 1000, 2000};
    t.add("k", k);
    t.add("n", n);
    const auto r = rtest::run_r("binom.R", "binom", t);
    for (std::size_t i = 0; i < k.size(); ++i) {
        INFO("k=" << k[i] << " n=" << n[i]);
        const auto e = clopper_pearson(std::int64_t(k[i]), std::int64_t(n[i]));
        CHECK(close(e.lower, rtest::get(r, "lower", i)));
        CHECK(close(e.upper, rtest::get(r, "upper", i)));
    }
    const double ps[] = {1e-12, 1e-5, 0.025, 0.3, 0.5, 0.975, 1 - 1e-9};
    for (std::size_t i = 0; i < 7; ++i) CHECK(close(normal_quantile(ps[i]), rtest::get(r, "qnorm", i), 1e-13));
    CHECK(close(chisq_upper(7.3, 3), rtest::get(r, "pchisq"), 1e-12));
    CHECK(close(f_quantile(0.975, 4, 37), rtest::get(r, "qf"), 1e-10));
    CHECK(close(student_t_quantile(0.975, 9), rtest::get(r, "qt"), 1e-10));
    CHECK(close(f_upper(2.7, 5, 60), rtest::get(r, "pf"), 1e-12));
}
