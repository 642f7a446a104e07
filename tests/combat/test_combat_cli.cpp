// `radhpc stats combat` against sva::ComBat on the same CSV (text batch labels, a reference batch,
// covariates). Tolerance kTol = 1e-9 absolute, as for the library tests (measured agreement is
// ~1e-13: the same it.sol iterations; the CSV carries 17 significant digits both ways).
#include "combat_test_util.hpp"

#include "radhpc/stats/combat.hpp"

namespace {

constexpr double kTol = 1e-9;

// Appends a text column "site" (3 levels, independent of batch) to a written table.
void add_site_column(const std::filesystem::path& csv, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::istringstream in(clitest::slurp(csv));
    std::ostringstream out;
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
        out << line << "," << (header ? std::string("site") : "site_" + std::string(1, char('a' + g.below(3)))) << "\n";
        header = false;
    }
    std::ofstream(csv) << out.str();
}

void check_cli(const combattest::BatchTable& t, const std::string& tag, const std::string& options, bool parametric, bool mean_only,
               const std::string& ref, const std::string& covariates, bool with_site = false) {
    INFO(tag << ": " << options);
    const auto csv = combattest::write_table(t, tag, /*text_batch=*/true);
    if (with_site) add_site_column(csv, 713);
    const auto r = combattest::run_oracle("combat.R", csv, tag, {parametric ? "1" : "0", mean_only ? "1" : "0", ref, covariates});
    const auto out = rtest::temp_dir() / (tag + "_out.csv");
    const auto run = clitest::run_radhpc("stats combat --csv " + csv.string() + " --batch batch " + options + " --out " + out.string(), tag);
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto rows = clitest::csv_rows(clitest::slurp(out));
    const auto input = clitest::csv_rows(clitest::slurp(csv));
    REQUIRE(rows.size() == input.size());
    REQUIRE(rows[0] == input[0]);
    double max_diff = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        REQUIRE(rows[i].size() == input[i].size());
        for (std::size_t c = 0; c < rows[i].size(); ++c)
            if (c < 3 || c >= 3 + t.names.size()) CHECK(rows[i][c] == input[i][c]);  // batch, age, sex, site copied
        for (std::size_t f = 0; f < t.names.size(); ++f)
            max_diff = std::max(max_diff, std::abs(std::stod(rows[i][3 + f]) - rtest::get(r, t.names[f], i - 1)));
    }
    INFO("max |radhpc - sva| = " << max_diff);
    CHECK(max_diff <= kTol);
}

}  // namespace

TEST_CASE("stats combat equals sva::ComBat", "[combat][cli]") {
    const auto t = combattest::make_batches({22, 15, 19}, 12, 711);
    check_cli(t, "cli_par", "--exclude age,sex", true, false, "none", "none");
    check_cli(t, "cli_nonpar_cov", "--covariates age,sex --nonparametric", false, false, "none", "age,sex");
    check_cli(t, "cli_ref_cov", "--covariates age,sex --ref-batch B2", true, false, "B2", "age,sex");
    check_cli(t, "cli_mean_only", "--exclude age,sex --mean-only", true, true, "none", "none");
    // a text covariate is a factor (model.matrix dummy columns)
    check_cli(t, "cli_factor_cov", "--covariates age,site --exclude sex", true, false, "none", "age,site", true);
    check_cli(t, "cli_factor_cov_nonpar_ref", "--covariates site --exclude age,sex --nonparametric --ref-batch B3", false, false, "B3", "site", true);
}

TEST_CASE("stats combat errors", "[combat][cli][errors]") {
    const auto t = combattest::make_batches({8, 9}, 4, 712);
    const auto csv = combattest::write_table(t, "cli_errors", true);
    auto run = clitest::run_radhpc("stats combat --csv " + csv.string() + " --batch batch --ref-batch B7", "cli_err_ref");
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("reference batch 'B7'") != std::string::npos);
    run = clitest::run_radhpc("stats combat --csv " + csv.string() + " --batch nosuch", "cli_err_col");
    CHECK(run.exit_code == 2);
}

// --apply-csv: the library's combat_apply (checked against sva's per-batch maps in
// test_combat.cpp) through the command line. Applying to the fitted table itself reproduces
// --out exactly; applying to new samples equals stats::combat_apply on the same numbers.
TEST_CASE("stats combat --apply-csv harmonises another table with the fitted estimates", "[combat][cli][apply]") {
    const auto a = combattest::make_batches({21, 16, 18}, 9, 714);
    const auto b = combattest::make_batches({4, 6, 5}, 9, 715);
    const auto csv_a = combattest::write_table(a, "apply_cli_a", true), csv_b = combattest::write_table(b, "apply_cli_b", true);
    add_site_column(csv_a, 716);
    add_site_column(csv_b, 717);
    const auto dir = rtest::temp_dir();
    const std::string common = "stats combat --batch batch --covariates age,site --exclude sex --ref-batch B1 --csv " + csv_a.string() +
                               " --out " + (dir / "apply_cli_out_a.csv").string();
    auto run = clitest::run_radhpc(common + " --apply-csv " + csv_a.string() + " --apply-out " + (dir / "apply_cli_self.csv").string(),
                                   "apply_cli_self");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(clitest::slurp(dir / "apply_cli_self.csv") == clitest::slurp(dir / "apply_cli_out_a.csv"));

    run = clitest::run_radhpc(common + " --apply-csv " + csv_b.string() + " --apply-out " + (dir / "apply_cli_b_out.csv").string(),
                              "apply_cli_b");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    // the same computation in the library: covariates age + site dummies (levels of A, sorted)
    auto covariates_of = [](const std::filesystem::path& csv, const combattest::BatchTable& t) {
        const auto rows = clitest::csv_rows(clitest::slurp(csv));
        Eigen::MatrixXd m(t.data.rows(), 3);
        for (Eigen::Index i = 0; i < t.data.rows(); ++i) {
            const auto& site = rows[std::size_t(i + 1)].back();
            m(i, 0) = t.covariates(i, 0);
            m(i, 1) = site == "site_b";
            m(i, 2) = site == "site_c";
        }
        return m;
    };
    radhpc::stats::CombatOptions o;
    o.reference_batch = 0;
    const auto fit = radhpc::stats::combat(a.data, a.batch, covariates_of(csv_a, a), o).fit;
    const Eigen::MatrixXd expected = radhpc::stats::combat_apply(fit, b.data, b.batch, covariates_of(csv_b, b));
    const auto rows = clitest::csv_rows(clitest::slurp(dir / "apply_cli_b_out.csv"));
    REQUIRE(rows.size() == std::size_t(b.data.rows() + 1));
    double max_diff = 0;
    for (Eigen::Index i = 0; i < b.data.rows(); ++i)
        for (Eigen::Index f = 0; f < b.data.cols(); ++f)
            max_diff = std::max(max_diff, std::abs(std::stod(rows[std::size_t(i + 1)][std::size_t(3 + f)]) - expected(i, f)));
    CHECK(max_diff == 0.0);  // 17 significant digits round-trip exactly
    // reference-batch rows come back as they were
    const auto input = clitest::csv_rows(clitest::slurp(csv_b));
    for (std::size_t i = 1; i < rows.size(); ++i)
        if (rows[i][0] == "B1") CHECK(rows[i] == input[i]);
}
