// `radhpc stats enet` against glmnet(x, y, family = "binomial", alpha, lambda, thresh = 1e-12) on
// the same CSV. Tolerance 1e-5 absolute: issue 6's bound for glmnet coefficients at fixed (alpha, lambda).
#include "cli_test_util.hpp"

#include <map>

namespace {

constexpr double kTol = 1e-5;

// Table with an id text column, a numeric patient column (excluded), features on mixed scales.
std::filesystem::path make_table(const std::string& name, int n, int p, bool collinear, double event_rate, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::vector<std::vector<double>> x(static_cast<std::size_t>(p), std::vector<double>(static_cast<std::size_t>(n)));
    std::vector<double> y(static_cast<std::size_t>(n)), patient(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        double eta = std::log(event_rate / (1 - event_rate));
        for (int j = 0; j < p; ++j) {
            double v = g.normal();
            if (collinear && j % 2 == 1) v = x[std::size_t(j - 1)][std::size_t(i)] + 0.05 * v;
            x[std::size_t(j)][std::size_t(i)] = v;
            if (j < 3) eta += (j == 1 ? -0.8 : 0.6) * v;
        }
        y[std::size_t(i)] = g.bernoulli(1 / (1 + std::exp(-eta)));
        patient[std::size_t(i)] = i / 2 + 1;
    }
    rtest::Table t;
    t.add("patient", patient);
    for (int j = 0; j < p; ++j) {
        // mixed scales and offsets, so standardisation and the back-transform matter
        std::vector<double> scaled = x[std::size_t(j)];
        for (auto& v : scaled) v = (j % 3 == 0 ? 50.0 : 0.2) * v + (j % 4 == 1 ? 100.0 : 0.0);
        t.add("f" + std::to_string(j + 1), scaled);
    }
    t.add("label", y);
    const auto csv = rtest::temp_dir() / ("enet_" + name + ".csv");
    rtest::write_csv(csv, t);
    // add a text column (lesion id), which the command must skip as non-numeric
    std::ifstream in(csv);
    std::stringstream out;
    std::string line;
    for (int i = 0; std::getline(in, line); ++i) out << (i == 0 ? "lesion" : "L" + std::to_string(i)) << "," << line << "\n";
    in.close();
    std::ofstream(csv) << out.str();
    return csv;
}

void check_fit(const std::filesystem::path& csv, const std::string& tag, double alpha, double lambda) {
    char a[32], l[32];
    std::snprintf(a, sizeof a, "%.17g", alpha);
    std::snprintf(l, sizeof l, "%.17g", lambda);
    const auto r = clitest::run_oracle("enet.R", csv, tag, {"label", a, l, "patient"});
    const auto run = clitest::run_radhpc("stats enet --csv " + csv.string() + " --outcome label --alpha " + a + " --lambda " + l +
                                             " --exclude patient",
                                         tag);
    INFO(tag << " alpha=" << a << " lambda=" << l << "\n" << run.err);
    REQUIRE(run.exit_code == 0);
    const auto rows = clitest::csv_rows(run.out);
    REQUIRE(rows.size() == r.size() + 1);
    CHECK(rows[0] == std::vector<std::string>{"term", "estimate"});
    CHECK(rows[1][0] == "(Intercept)");
    for (std::size_t i = 1; i < rows.size(); ++i) {
        REQUIRE(rows[i].size() == 2);
        INFO("term " << rows[i][0]);
        CHECK(std::abs(std::stod(rows[i][1]) - rtest::get(r, rows[i][0])) <= kTol);
    }
}

}  // namespace

TEST_CASE("stats enet equals glmnet at fixed (alpha, lambda)", "[stats_cli][enet]") {
    const auto well = make_table("well", 150, 6, false, 0.4, 11);
    check_fit(well, "enet_well_lasso", 1.0, 0.02);
    check_fit(well, "enet_well_mix", 0.55, 0.012);  // CT-TIME's published setting
    check_fit(well, "enet_well_ridge", 0.0, 0.05);
    const auto collinear = make_table("collinear", 80, 10, true, 0.5, 12);
    check_fit(collinear, "enet_collinear_mix", 0.5, 0.01);
    check_fit(collinear, "enet_collinear_lasso", 1.0, 0.001);  // Ligero 2021's published setting
    const auto rare = make_table("rare", 300, 5, false, 0.08, 13);
    check_fit(rare, "enet_rare", 0.9, 0.005);
    check_fit(rare, "enet_rare_null", 1.0, 10.0);  // lambda above lambda_max: intercept only
}

TEST_CASE("stats enet --out and errors", "[stats_cli][enet]") {
    const auto csv = make_table("out", 40, 3, false, 0.5, 21);
    const auto file = rtest::temp_dir() / "enet_out_coef.csv";
    const auto a = clitest::run_radhpc("stats enet --csv " + csv.string() + " --outcome label --alpha 1 --lambda 0.01 --exclude patient",
                                       "enet_out_a");
    const auto b = clitest::run_radhpc("stats enet --csv " + csv.string() +
                                           " --outcome label --alpha 1 --lambda 0.01 --exclude patient --out " + file.string(),
                                       "enet_out_b");
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    CHECK(clitest::slurp(file) == a.out);
    // without --exclude the numeric patient column is a feature
    const auto c = clitest::run_radhpc("stats enet --csv " + csv.string() + " --outcome label --alpha 1 --lambda 0.01", "enet_out_c");
    REQUIRE(c.exit_code == 0);
    CHECK(c.out.find("\npatient,") != std::string::npos);
    // a misspelt exclusion and a non-binary outcome are errors
    const auto d = clitest::run_radhpc("stats enet --csv " + csv.string() + " --outcome label --alpha 1 --lambda 0.01 --exclude patiant",
                                       "enet_err_d");
    CHECK(d.exit_code == 2);
    const auto e = clitest::run_radhpc("stats enet --csv " + csv.string() + " --outcome f1 --alpha 1 --lambda 0.01", "enet_err_e");
    CHECK(e.exit_code == 2);
}

TEST_CASE("stats enet reads BOM, CRLF and quoted cells and quotes names on output", "[stats_cli][enet][csv]") {
    rtest::Gen g(22);
    std::ostringstream plain, fancy;
    plain << "id,y,a,b\n";
    fancy << "\xEF\xBB\xBF" << "\"id\",y,\"shape, volume\",\"say \"\"hi\"\"\"\r\n";
    char buf[64];
    for (int i = 0; i < 40; ++i) {
        const int y = i % 2;
        std::string a, b;
        std::snprintf(buf, sizeof buf, "%.17g", g.normal() + y);
        a = buf;
        std::snprintf(buf, sizeof buf, "%.17g", g.normal());
        b = buf;
        plain << "L" << i << "," << y << "," << a << "," << b << "\n";
        fancy << "\"L, " << i << "\"," << y << "," << a << "," << b << "\r\n";
    }
    const auto p = rtest::temp_dir() / "enet_plain.csv", f = rtest::temp_dir() / "enet_fancy.csv";
    std::ofstream(p) << plain.str();
    std::ofstream(f) << fancy.str();
    const auto rp = clitest::run_radhpc("stats enet --csv " + p.string() + " --outcome y --alpha 1 --lambda 0.01", "enet_plain");
    const auto rf = clitest::run_radhpc("stats enet --csv " + f.string() + " --outcome y --alpha 1 --lambda 0.01", "enet_fancy");
    INFO(rf.err);
    REQUIRE(rp.exit_code == 0);
    REQUIRE(rf.exit_code == 0);
    std::string expected = rp.out;
    expected.replace(expected.find("\na,"), 3, "\n\"shape, volume\",");
    expected.replace(expected.find("\nb,"), 3, "\n\"say \"\"hi\"\"\",");
    CHECK(rf.out == expected);
}

TEST_CASE("stats enet: a feature column with missing values is an error, a text column is skipped", "[stats_cli][enet][csv]") {
    std::ostringstream csv;
    csv << "y,a,b,site\n";
    for (int i = 0; i < 20; ++i) csv << i % 2 << "," << i * 0.37 << "," << (i == 7 ? std::string("NA") : std::to_string(i % 5)) << ",S" << i % 3 << "\n";
    const auto p = rtest::temp_dir() / "enet_missing.csv";
    std::ofstream(p) << csv.str();
    const auto r = clitest::run_radhpc("stats enet --csv " + p.string() + " --outcome y --alpha 1 --lambda 0.01", "enet_missing");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("'b' has 1 missing values (first in data row 8)") != std::string::npos);
    const auto ok = clitest::run_radhpc("stats enet --csv " + p.string() + " --outcome y --alpha 1 --lambda 0.01 --exclude b", "enet_missing_ok");
    REQUIRE(ok.exit_code == 0);
    CHECK(clitest::csv_rows(ok.out).size() == 3);  // header, (Intercept), a: site is text
}
