// `radhpc stats icc` against psych::ICC(subjects x raters, lmer = FALSE) on the same long CSV.
// Tolerance 1e-9: issue 7's agreement bound for all six forms and their CIs.
#include "cli_test_util.hpp"

#include <algorithm>
#include <numeric>

namespace {

constexpr double kTol = 1e-9;

// Long table, rows shuffled: subject (text id), rater (text), numeric rater index (a non-feature
// numeric column, excluded), features with different reliability.
std::filesystem::path make_long_table(const std::string& name, int subjects, int raters, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::vector<int> order(std::size_t(subjects * raters));
    std::iota(order.begin(), order.end(), 0);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[g.below(i)]);
    std::vector<double> true_value(static_cast<std::size_t>(subjects)), rater_bias(static_cast<std::size_t>(raters));
    for (auto& v : true_value) v = g.normal();
    for (auto& v : rater_bias) v = g.normal();
    std::ostringstream csv;
    csv << "subject,rater,rater_index,robust,medium,noisy,biased\n";
    char buf[64];
    for (int cell : order) {
        const int s = cell / raters, r = cell % raters;
        const double t = true_value[std::size_t(s)];
        const double values[4] = {100 + 10 * t + 0.5 * g.normal(), t + g.normal(), 0.1 * t + g.normal(),
                                  t + 0.8 * rater_bias[std::size_t(r)] + 0.3 * g.normal()};
        csv << "S" << s + 1 << ",obs" << r + 1 << "," << r + 1;
        for (double v : values) {
            std::snprintf(buf, sizeof buf, "%.17g", v);
            csv << "," << buf;
        }
        csv << "\n";
    }
    const auto path = rtest::temp_dir() / ("icc_" + name + ".csv");
    std::ofstream(path) << csv.str();
    return path;
}

void check_icc(const std::filesystem::path& csv, const std::string& tag) {
    const auto r = clitest::run_oracle("icc.R", csv, tag, {"subject", "rater"});
    const auto run = clitest::run_radhpc("stats icc --csv " + csv.string() + " --subject subject --rater rater --exclude rater_index", tag);
    INFO(tag << "\n" << run.err);
    REQUIRE(run.exit_code == 0);
    const auto rows = clitest::csv_rows(run.out);
    REQUIRE(rows.size() == 1 + 4 * 6);
    CHECK(rows[0] == std::vector<std::string>{"feature", "type", "icc", "ci_lower", "ci_upper"});
    const char* types[6] = {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"};
    const char* features[4] = {"robust", "medium", "noisy", "biased"};
    for (std::size_t i = 1; i < rows.size(); ++i) {
        REQUIRE(rows[i].size() == 5);
        CHECK(rows[i][0] == features[(i - 1) / 6]);
        CHECK(rows[i][1] == types[(i - 1) % 6]);
        const std::string key = rows[i][0] + "_" + rows[i][1];
        INFO(key);
        for (int v = 0; v < 3; ++v) CHECK(std::abs(std::stod(rows[i][std::size_t(2 + v)]) - rtest::get(r, key, std::size_t(v))) <= kTol);
    }
}

}  // namespace

TEST_CASE("stats icc equals psych::ICC (six forms with F-based CIs)", "[stats_cli][icc]") {
    check_icc(make_long_table("k2", 40, 2, 31), "icc_k2");    // test-retest
    check_icc(make_long_table("k5", 25, 5, 32), "icc_k5");    // observers
    check_icc(make_long_table("k20", 60, 20, 33), "icc_k20");  // perturbation sweep
}

TEST_CASE("stats icc rejects incomplete designs", "[stats_cli][icc][errors]") {
    const auto csv = make_long_table("incomplete", 5, 3, 34);
    // drop the last data row: one subject lacks one rater
    std::string text = clitest::slurp(csv);
    text.erase(text.rfind('\n', text.size() - 2) + 1);
    std::ofstream(csv) << text;
    const auto run = clitest::run_radhpc("stats icc --csv " + csv.string() + " --subject subject --rater rater", "icc_incomplete");
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("exactly one row per rater") != std::string::npos);
}
