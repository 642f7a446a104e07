// `radhpc stats roc` against pROC (ci.auc, method = "delong") and wilcox.test on the same CSV.
// Tolerance 1e-9: issue 6's agreement bound for pROC quantities (the JSON carries 17 digits).
#include "cli_test_util.hpp"

namespace {

constexpr double kTol = 1e-9;

struct RocCase {
    std::string name;
    int n;
    double shift;      // mean score difference cases - controls
    double rounding;   // > 0: scores rounded to this step (ties)
    std::string direction;
    int missing_every = 0;  // > 0: every k-th score and every (k+1)-th outcome written as NA
};

void check_roc_case(const RocCase& c, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::vector<double> y(std::size_t(c.n)), score(std::size_t(c.n)), other(std::size_t(c.n));
    for (int i = 0; i < c.n; ++i) {
        y[std::size_t(i)] = g.bernoulli(0.35);
        double s = g.normal() + c.shift * y[std::size_t(i)];
        if (c.rounding > 0) s = std::round(s / c.rounding) * c.rounding;
        score[std::size_t(i)] = s;
        other[std::size_t(i)] = g.normal();
        if (c.missing_every > 0 && i % c.missing_every == 0) score[std::size_t(i)] = std::nan("");
        if (c.missing_every > 0 && i % (c.missing_every + 1) == 1) y[std::size_t(i)] = std::nan("");
    }
    rtest::Table t;
    t.add("other", other);
    t.add("score", score);
    t.add("outcome", y);
    const auto csv = rtest::temp_dir() / ("roc_" + c.name + ".csv");
    rtest::write_csv(csv, t);
    if (c.missing_every > 0) {  // R's missing-value token instead of printf's nan
        std::string text = clitest::slurp(csv);
        for (std::size_t at; (at = text.find("nan")) != std::string::npos;) text.replace(at, 3, "NA");
        std::ofstream(csv) << text;
    }
    const auto r = clitest::run_oracle("roc.R", csv, "roc_" + c.name, {"score", "outcome", c.direction});
    const auto run = clitest::run_radhpc("stats roc --csv " + csv.string() + " --score score --outcome outcome --direction '" +
                                             c.direction + "'",
                                         "roc_" + c.name);
    INFO(c.name << "\n" << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(std::abs(clitest::json_value(run.out, "auc") - rtest::get(r, "auc")) <= kTol);
    CHECK(std::abs(clitest::json_value(run.out, "auc_ci_lower") - rtest::get(r, "lower")) <= kTol);
    CHECK(std::abs(clitest::json_value(run.out, "auc_ci_upper") - rtest::get(r, "upper")) <= kTol);
    CHECK(std::abs(clitest::json_value(run.out, "mann_whitney_w") - rtest::get(r, "w")) <= kTol);
    const double p = clitest::json_value(run.out, "mann_whitney_p"), p_r = rtest::get(r, "p");
    CHECK(std::abs(p - p_r) <= kTol * std::max(1.0, std::abs(p_r)));
    CHECK(clitest::json_value(run.out, "n_cases") + clitest::json_value(run.out, "n_controls") == rtest::get(r, "n"));
    CHECK((clitest::json_value(run.out, "n_missing") > 0) == (c.missing_every > 0));
    const bool r_lower = rtest::get(r, "direction") == 0;
    CHECK((run.out.find("\"direction\": \"<\"") != std::string::npos) == r_lower);
}

}  // namespace

TEST_CASE("stats roc equals pROC DeLong CI and wilcox.test", "[stats_cli][roc]") {
    const std::vector<RocCase> cases{
        {"small_exact", 30, 1.0, 0.0, "<"},        // no ties, both groups < 50: exact Mann-Whitney p
        {"tied_scores", 400, 0.8, 0.5, "<"},       // heavy ties: normal approximation with tie correction
        {"reversed", 120, -0.7, 0.0, ">"},         // controls score higher
        {"auto_direction", 120, -0.7, 0.1, "auto"},  // pROC's median rule picks ">"
        {"weak_signal_lower", 200, -0.2, 0.0, "<"},  // AUC below 0.5 kept as is with a fixed direction
        {"large", 2000, 0.5, 0.0, "<"},
        {"missing_values", 150, 0.8, 0.0, "<", 9},  // rows without score or outcome left out (pROC na.rm)
    };
    std::uint64_t seed = 101;
    for (const auto& c : cases) check_roc_case(c, seed++);
}

TEST_CASE("stats roc --out writes the same JSON as stdout", "[stats_cli][roc]") {
    rtest::Gen g(7);
    rtest::Table t;
    std::vector<double> y, s;
    for (int i = 0; i < 50; ++i) {
        y.push_back(i % 3 == 0);
        s.push_back(g.normal() + y.back());
    }
    t.add("s", s);
    t.add("y", y);
    const auto csv = rtest::temp_dir() / "roc_out.csv";
    rtest::write_csv(csv, t);
    const auto json = rtest::temp_dir() / "roc_out.json";
    const auto a = clitest::run_radhpc("stats roc --csv " + csv.string() + " --score s --outcome y", "roc_out_a");
    const auto b = clitest::run_radhpc("stats roc --csv " + csv.string() + " --score s --outcome y --out " + json.string(), "roc_out_b");
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    CHECK(b.out.empty());
    CHECK(clitest::slurp(json) == a.out);
}

TEST_CASE("stats roc rejects bad input with radhpc's error exit code", "[stats_cli][roc][errors]") {
    rtest::Table t;
    t.add("s", {0.1, 0.2, 0.3, 0.4});
    t.add("y", {0, 1, 2, 1});
    const auto csv = rtest::temp_dir() / "roc_bad.csv";
    rtest::write_csv(csv, t);
    const auto bad_outcome = clitest::run_radhpc("stats roc --csv " + csv.string() + " --score s --outcome y", "roc_bad1");
    CHECK(bad_outcome.exit_code == 2);
    CHECK(bad_outcome.err.find("not 0 or 1") != std::string::npos);
    const auto missing = clitest::run_radhpc("stats roc --csv " + csv.string() + " --score nope --outcome y", "roc_bad2");
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("no column 'nope'") != std::string::npos);
    const auto no_file = clitest::run_radhpc("stats roc --csv /nonexistent.csv --score s --outcome y", "roc_bad3");
    CHECK(no_file.exit_code == 2);
}
