// `radhpc validate JOB.yaml` against R on the same feature table:
//  - CV: with radhpc's exported fold ids, cv.glmnet's curve per alpha (repeats > 1: the fold values
//    of every repeat pooled in R by the formula of tests/stats/r/cv_repeated.R) (cvm, cvsd to 1e-8
//    relative, as tests/stats/test_cv.cpp: fold fits agree to ~1e-13 at thresh 1e-12 in both; lambdas
//    to 1e-12 relative), the (alpha, lambda) choice, and coef(cv, s) to 1e-5 absolute (issue 6's glmnet bound).
//  - Bootstrap (fixed alpha, lambda): the exported samples replayed with glmnet + pROC; AUC-based
//    summaries to 1e-9 (rank statistics of fits equal to ~1e-13), coefficient percentiles to 1e-5.
//  - Apparent metrics from predictions.csv: pROC DeLong CI and coords "best", binom.test, wilcox.test,
//    survival::concordance (1e-9), coxph of the linear predictor (1e-6: issue 6's coxph bound).
#include "cli_test_util.hpp"

#include <map>

namespace {

const std::vector<std::string> kFeatures{"f1", "f2", "f3", "f4", "f5", "f6"};

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + e;
    return s;
}

// Lesion table: lesion_id (numeric, excluded), patient_id (text; 1-3 lesions), outcome per patient,
// features on mixed scales (f1, f2 informative), follow-up time and event.
std::filesystem::path make_table(const std::filesystem::path& dir, int patients, std::uint64_t seed) {
    rtest::Gen g(seed);
    std::ostringstream csv;
    csv << "lesion_id,patient_id,outcome,f1,f2,f3,f4,f5,f6,followup_months,progression\n";
    char buf[64];
    const auto num = [&](double v) {
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return std::string(buf);
    };
    int lesion = 0;
    for (int p = 0; p < patients; ++p) {
        const int y = g.bernoulli(0.4);
        const int lesions = 1 + int(g.below(3));
        const double patient_effect = g.normal();
        for (int l = 0; l < lesions; ++l) {
            const double f1 = 0.9 * y + 0.5 * patient_effect + g.normal();
            const double f2 = -0.6 * y + g.normal();
            csv << ++lesion << ",PT-" << p + 1 << "," << y << "," << num(100 + 20 * f1) << "," << num(0.01 * f2);
            for (int j = 0; j < 4; ++j) csv << "," << num((j + 1) * g.normal() + 0.3 * f1 * (j == 0));
            const double hazard = 0.05 * std::exp(0.7 * y);
            csv << "," << num(-std::log(std::max(g.uniform(), 1e-12)) / hazard) << "," << g.bernoulli(0.75) << "\n";
        }
    }
    const auto path = dir / "features.csv";
    std::ofstream(path) << csv.str();
    return path;
}

std::filesystem::path job_dir(const std::string& name) {
    const auto d = rtest::temp_dir() / ("validate_" + name);
    std::filesystem::create_directories(d);
    return d;
}

clitest::RunResult run_validate(const std::filesystem::path& dir, const std::string& yaml, const std::string& tag) {
    std::ofstream(dir / "job.yaml") << yaml;
    return clitest::run_radhpc("validate " + (dir / "job.yaml").string(), tag);
}

// Flat lookup of `"key": number` anywhere in the JSON text (keys are unique in metrics.json).
double json_any(const std::string& json, const std::string& key) { return clitest::json_value(json, key); }

// The JSON text from `"key"` on (for keys repeated in nested objects).
std::string section2(const std::string& json, const std::string& key) { return json.substr(json.find("\"" + key + "\"")); }

std::map<std::string, double> read_coefficients(const std::filesystem::path& p, int column = 1) {
    std::map<std::string, double> m;
    const auto rows = clitest::csv_rows(clitest::slurp(p));
    for (std::size_t i = 1; i < rows.size(); ++i) m[rows[i][0]] = std::stod(rows[i][std::size_t(column)]);
    return m;
}

void check_cv_job(const std::string& name, const std::string& alphas, const std::string& measure, const std::string& rule,
                  std::uint64_t seed, int repeats = 1) {
    const auto dir = job_dir(name);
    const auto table = make_table(dir, 70, seed);
    const std::string yaml = "validate:\n  table: features.csv\n  outcome: outcome\n  patient: patient_id\n  exclude: [lesion_id]\n"
                             "  features: [" + join(kFeatures) + "]\n  output: out\n  alphas: [" + alphas + "]\n  folds: 5\n  repeats: " + std::to_string(repeats) + "\n"
                             "  seed: 7\n  measure: " + measure + "\n  lambda_rule: " + rule + "\n  thresh: 1.0e-12\n  bootstrap: {replicates: 0}\n";
    const auto run = run_validate(dir, yaml, name);
    INFO(name << "\n" << run.err);
    REQUIRE(run.exit_code == 0);
    const auto r = clitest::run_oracle(repeats == 1 ? "validate_cv.R" : "validate_cv_repeated.R", table, name,
                                       {"outcome", join(kFeatures), (dir / "out" / "folds.csv").string(), alphas, measure, rule});
    // folds.csv: within a repeat, a patient never spans two folds
    {
        const auto rows = clitest::csv_rows(clitest::slurp(dir / "out" / "folds.csv"));
        std::map<std::string, std::string> fold_of;
        for (std::size_t i = 1; i < rows.size(); ++i) {
            const auto [it, inserted] = fold_of.emplace(rows[i][2] + "/" + rows[i][1], rows[i][3]);  // repeat/patient
            CHECK(it->second == rows[i][3]);
        }
    }
    // cv_curves.csv: alpha,lambda,cvm,cvsd,nzero,measure in the order of `alphas`
    const auto curves = clitest::csv_rows(clitest::slurp(dir / "out" / "cv_curves.csv"));
    std::map<std::string, std::vector<const std::vector<std::string>*>> by_alpha;
    std::vector<std::string> alpha_order;
    for (std::size_t i = 1; i < curves.size(); ++i) {
        if (!by_alpha.count(curves[i][0])) alpha_order.push_back(curves[i][0]);
        by_alpha[curves[i][0]].push_back(&curves[i]);
    }
    REQUIRE(alpha_order.size() == std::size_t(std::count(alphas.begin(), alphas.end(), ',') + 1));
    for (std::size_t a = 0; a < alpha_order.size(); ++a) {
        const std::string s = "_" + std::to_string(a + 1);
        const auto& rows = by_alpha[alpha_order[a]];
        REQUIRE(rows.size() == r.at("lambda" + s).size());
        for (std::size_t l = 0; l < rows.size(); ++l) {
            const auto& row = *rows[l];
            CHECK(std::stod(row[1]) == Approx(rtest::get(r, "lambda" + s, l)).epsilon(1e-12));
            CHECK(std::stod(row[2]) == Approx(rtest::get(r, "cvm" + s, l)).epsilon(1e-8));
            CHECK(std::stod(row[3]) == Approx(rtest::get(r, "cvsd" + s, l)).epsilon(1e-8).margin(1e-12));
            CHECK(row[5] == measure);
        }
    }
    const std::string tuning = clitest::slurp(dir / "out" / "tuning.json");
    CHECK(json_any(tuning, "alpha") == rtest::get(r, "best_alpha"));
    CHECK(json_any(tuning, "lambda") == Approx(rtest::get(r, "best_lambda")).epsilon(1e-12));
    const auto coef = read_coefficients(dir / "out" / "coefficients.csv");
    REQUIRE(coef.size() == kFeatures.size() + 1);
    for (const auto& [term, value] : coef) {
        INFO("term " << term);
        CHECK(std::abs(value - rtest::get(r, "coef_" + term)) <= 1e-5);
    }
}

}  // namespace

TEST_CASE("validate: CV curves, (alpha, lambda) and coefficients equal cv.glmnet with the exported folds",
          "[stats_cli][validate]") {
    check_cv_job("cv_deviance_min", "0.5,1", "deviance", "min", 41);
    check_cv_job("cv_auc_1se", "0.2,0.8", "auc", "1se", 42);
}

TEST_CASE("validate: repeated CV (3 x 5-fold) equals cv.glmnet per repeat pooled in R", "[stats_cli][validate]") {
    check_cv_job("cv_repeated_deviance", "0.3,0.7,1", "deviance", "min", 47, 3);
    check_cv_job("cv_repeated_auc", "0.5,1", "auc", "1se", 48, 3);
}

TEST_CASE("validate: bootstrap of a fixed (alpha, lambda) equals its replay in R", "[stats_cli][validate][bootstrap]") {
    const auto dir = job_dir("boot");
    const auto table = make_table(dir, 60, 43);
    const std::string yaml = "validate:\n  table: features.csv\n  outcome: outcome\n  patient: patient_id\n  exclude: [lesion_id, followup_months, progression]\n"
                             "  output: out\n  fixed: {alpha: 0.55, lambda: 0.012}\n  thresh: 1.0e-12\n"
                             "  bootstrap: {replicates: 40, seed: 5, level: 0.9, export_samples: true}\n";
    const auto run = run_validate(dir, yaml, "boot");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto r = clitest::run_oracle("validate_boot.R", table, "boot",
                                       {"outcome", join(kFeatures), (dir / "out" / "bootstrap_samples.csv").string(), "0.55", "0.012", "0.9"});
    const std::string m = clitest::slurp(dir / "out" / "metrics.json");
    CHECK(json_any(m, "replicates_used") == 40);
    CHECK(std::abs(json_any(m, "apparent_auc") - rtest::get(r, "apparent")) <= 1e-9);
    CHECK(std::abs(json_any(m, "optimism") - rtest::get(r, "optimism")) <= 1e-9);
    CHECK(std::abs(json_any(m, "corrected_auc") - rtest::get(r, "corrected")) <= 1e-9);
    CHECK(std::abs(json_any(m, "oob_auc") - rtest::get(r, "oob")) <= 1e-9);
    CHECK(std::abs(json_any(m, "auc_632") - rtest::get(r, "auc632")) <= 1e-9);
    CHECK(std::abs(json_any(m, "auc_632plus") - rtest::get(r, "auc632plus")) <= 1e-9);
    // metrics.json nests the interval: "optimism_ci": {"lower": ..., "upper": ...}
    const auto opt_ci = section2(m, "optimism_ci");
    CHECK(std::abs(json_any(opt_ci, "lower") - rtest::get(r, "opt_ci", 0)) <= 1e-9);
    CHECK(std::abs(json_any(opt_ci, "upper") - rtest::get(r, "opt_ci", 1)) <= 1e-9);
    const auto lower = read_coefficients(dir / "out" / "coefficients.csv", 2), upper = read_coefficients(dir / "out" / "coefficients.csv", 3);
    std::vector<std::string> terms{"(Intercept)"};
    terms.insert(terms.end(), kFeatures.begin(), kFeatures.end());
    for (std::size_t j = 0; j < terms.size(); ++j) {
        INFO("term " << terms[j]);
        CHECK(std::abs(lower.at(terms[j]) - rtest::get(r, "coef_ci", 2 * j)) <= 1e-5);
        CHECK(std::abs(upper.at(terms[j]) - rtest::get(r, "coef_ci", 2 * j + 1)) <= 1e-5);
    }
    const auto tuning = clitest::slurp(dir / "out" / "tuning.json");
    CHECK(tuning.find("\"procedure\": \"fixed\"") != std::string::npos);
}

TEST_CASE("validate: apparent metrics equal pROC, binom.test, wilcox.test and survival", "[stats_cli][validate][metrics]") {
    const auto dir = job_dir("metrics");
    const auto table = make_table(dir, 80, 44);
    const std::string yaml = "validate:\n  table: features.csv\n  outcome: outcome\n  patient: patient_id\n  time: followup_months\n"
                             "  event: progression\n  exclude: [lesion_id]\n  output: out\n  alphas: [1]\n  repeats: 2\n"
                             "  bootstrap: {replicates: 0}\n  patient_aggregation: max\n";
    const auto run = run_validate(dir, yaml, "metrics");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto pred = dir / "out" / "predictions.csv";
    const auto r = clitest::run_oracle("validate_metrics.R", table, "metrics", {pred.string(), "followup_months", "progression", "0.6"});
    const std::string m = clitest::slurp(dir / "out" / "metrics.json");
    const auto section = [&](const std::string& key) { return m.substr(m.find("\"" + key + "\"")); };
    CHECK(std::abs(json_any(m, "auc") - rtest::get(r, "auc")) <= 1e-9);
    CHECK(std::abs(json_any(m, "auc_ci_lower") - rtest::get(r, "auc_ci", 0)) <= 1e-9);
    CHECK(std::abs(json_any(m, "auc_ci_upper") - rtest::get(r, "auc_ci", 1)) <= 1e-9);
    CHECK(std::abs(json_any(m, "mann_whitney_p") - rtest::get(r, "mw_p")) <= 1e-9);
    CHECK(std::abs(json_any(section("threshold"), "probability") - rtest::get(r, "threshold")) <= 1e-9);
    for (const auto& [key, name] : {std::pair{"sensitivity", "sens"}, std::pair{"specificity", "spec"}}) {
        const auto s = section(key);
        CHECK(std::abs(json_any(s, "estimate") - rtest::get(r, name, 0)) <= 1e-9);
        CHECK(std::abs(json_any(s, "lower") - rtest::get(r, name, 1)) <= 1e-9);
        CHECK(std::abs(json_any(s, "upper") - rtest::get(r, name, 2)) <= 1e-9);
    }
    CHECK(std::abs(json_any(m, "c_index") - rtest::get(r, "c_index")) <= 1e-9);
    CHECK(std::abs(json_any(m, "cox_coef") - rtest::get(r, "cox_coef")) <= 1e-6);
    CHECK(std::abs(json_any(m, "cox_se") - rtest::get(r, "cox_se")) <= 1e-6);
    CHECK(std::abs(json_any(section("patient_level"), "auc") - rtest::get(r, "patient_auc")) <= 1e-9);
    // Hosmer-Lemeshow and calibration: tests/stats' bounds (1e-9 relative; glm-based 1e-8)
    const auto rel = [](double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1.0, std::abs(b)); };
    CHECK(rel(json_any(m, "hosmer_lemeshow_chisq"), rtest::get(r, "hl_chisq"), 1e-9));
    CHECK(json_any(m, "hosmer_lemeshow_df") == rtest::get(r, "hl_df"));
    CHECK(rel(json_any(m, "hosmer_lemeshow_p"), rtest::get(r, "hl_p"), 1e-9));
    CHECK(rel(json_any(m, "slope_intercept"), rtest::get(r, "cal_slope", 0), 1e-8));
    CHECK(rel(json_any(m, "slope"), rtest::get(r, "cal_slope", 1), 1e-8));
    CHECK(rel(json_any(m, "intercept_in_the_large"), rtest::get(r, "cal_intercept"), 1e-8));
    // the seeds' operating point: maximum sensitivity with specificity >= 0.6 (same model, other output)
    const std::string first_predictions = clitest::slurp(pred);
    const auto run2 = run_validate(dir, yaml + "  threshold: {rule: max_sensitivity, min_specificity: 0.6}\n", "metrics_msens");
    REQUIRE(run2.exit_code == 0);
    CHECK(clitest::slurp(pred) == first_predictions);
    const auto t = section2(clitest::slurp(dir / "out" / "metrics.json"), "threshold");
    CHECK(std::abs(json_any(t, "probability") - rtest::get(r, "msens_threshold")) <= 1e-9);
    CHECK(std::abs(json_any(t.substr(t.find("\"sensitivity\"")), "estimate") - rtest::get(r, "msens_sens")) <= 1e-9);
    CHECK(std::abs(json_any(t.substr(t.find("\"specificity\"")), "estimate") - rtest::get(r, "msens_spec")) <= 1e-9);
}

TEST_CASE("validate: the demo job runs, with outputs independent of the thread count", "[stats_cli][validate]") {
    const auto dir = job_dir("demo");
    make_table(dir, 60, 45);
    std::string demo = clitest::slurp(std::filesystem::path(RADHPC_SOURCE_DIR) / "jobs" / "validate-demo.yaml");
    REQUIRE(!demo.empty());
    // the demo's procedure, shortened: 3 alphas, 2 repeats, 20 replicates
    const auto replace = [&](const std::string& from, const std::string& to) {
        const auto at = demo.find(from);
        REQUIRE(at != std::string::npos);
        demo.replace(at, from.size(), to);
    };
    replace("alphas: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]", "alphas: [0.1, 0.5, 1.0]");
    replace("repeats: 10", "repeats: 2");
    replace("replicates: 200", "replicates: 20");
    const auto a = run_validate(dir, demo + "  threads: 1\n", "demo_1");
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    std::filesystem::rename(dir / "validate-demo-results", dir / "one_thread");
    const auto b = run_validate(dir, demo, "demo_all");
    REQUIRE(b.exit_code == 0);
    for (const char* f : {"coefficients.csv", "tuning.json", "cv_curves.csv", "folds.csv", "bootstrap_replicates.csv", "predictions.csv",
                          "metrics.json"}) {
        INFO(f);
        const auto one = clitest::slurp(dir / "one_thread" / f);
        CHECK(!one.empty());
        CHECK(one == clitest::slurp(dir / "validate-demo-results" / f));
    }
}

TEST_CASE("validate: job errors name the problem", "[stats_cli][validate][errors]") {
    const auto dir = job_dir("errors");
    make_table(dir, 20, 46);
    const auto no_object = run_validate(dir, "version: 1\n", "err_none");
    CHECK(no_object.exit_code == 2);
    CHECK(no_object.err.find("no 'validate' object") != std::string::npos);
    const auto bad_key = run_validate(dir, "validate: {table: features.csv, outcome: outcome, output: out, folds: 1, colour: red}\n", "err_key");
    CHECK(bad_key.exit_code == 2);
    CHECK(bad_key.err.find("validate.colour: unknown key") != std::string::npos);
    CHECK(bad_key.err.find("validate.folds") != std::string::npos);
    const auto bad_column = run_validate(dir, "validate: {table: features.csv, outcome: nope, output: out}\n", "err_col");
    CHECK(bad_column.exit_code == 2);
    CHECK(bad_column.err.find("no column 'nope'") != std::string::npos);
}
