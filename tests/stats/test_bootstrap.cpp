// Bootstrap validation.
// (1) Replay: the drawn samples are exported and R refits them (glm + pROC) and applies the
//     textbook formulas: optimism, corrected AUC, .632, .632+ and percentile CIs agree to 1e-8
//     (glm converged to epsilon 1e-14; our Newton iteration to 1e-12 relative steps).
// (2) rms::validate(lrm, B) uses its own random samples, so the corrected Dxy agrees only within
//     Monte-Carlo error: |ours - rms| <= 4 * sqrt(2) * sd(optimism_Dxy) / sqrt(B)
//     (two independent means of B replicates; 4 standard errors).
// (3) Thread-count independence and replicate-as-task reproducibility.
#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <set>

#include "radhpc/stats/bootstrap.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;

TEST_CASE("Logistic regression equals glm and bootstrap corrected Dxy agrees with rms::validate", "[stats][bootstrap]") {
    const auto d = rtest::make_binary(rtest::Design::well_conditioned, 200, 5, 41);
    const int B = 200;
    const auto r = rtest::run_r("bootstrap_rms.R", "boot_rms", rtest::binary_table(d), {std::to_string(B), "7"});
    const auto lr = logistic_regression(d.x, d.y);
    CHECK(lr.intercept == Approx(rtest::get(r, "glm_coef", 0)).epsilon(1e-8));
    for (Eigen::Index j = 0; j < lr.beta.size(); ++j)
        CHECK(lr.beta(j) == Approx(rtest::get(r, "glm_coef", std::size_t(j + 1))).epsilon(1e-8));
    const auto res = bootstrap_validate(d.x, d.y, d.patient, unpenalised_logistic(), B, 11);
    const double dxy_apparent = 2.0 * res.apparent_auc - 1.0;
    CHECK(dxy_apparent == Approx(rtest::get(r, "dxy_orig")).epsilon(1e-9));
    const double dxy_corrected = 2.0 * res.corrected_auc - 1.0;
    const double mc_bound = 4.0 * std::sqrt(2.0) * (2.0 * res.optimism_sd) / std::sqrt(double(B));
    WARN("corrected Dxy ours " << dxy_corrected << " rms " << rtest::get(r, "dxy_corrected") << " (MC bound "
                               << mc_bound << ")");
    CHECK(std::fabs(dxy_corrected - rtest::get(r, "dxy_corrected")) <= mc_bound);
}

TEST_CASE("Bootstrap replicates replayed in R give the same optimism, .632+ and CIs", "[stats][bootstrap]") {
    auto d = rtest::make_binary(rtest::Design::well_conditioned, 150, 4, 42);
    for (std::size_t i = 0; i < d.patient.size(); ++i) d.patient[i] = int(i / 3) * 7 + 3;  // 3 lesions per patient
    const int B = 60;
    const std::uint64_t seed = 5;
    const auto res = bootstrap_validate(d.x, d.y, d.patient, unpenalised_logistic(), B, seed);
    rtest::Table draws;
    std::vector<double> rep, row, oob;
    for (int b = 0; b < B; ++b) {
        const auto drawn = bootstrap_patients(d.patient, seed, std::uint64_t(b));
        std::set<int> in(drawn.begin(), drawn.end());
        for (int pid : drawn)
            for (std::size_t i = 0; i < d.patient.size(); ++i)
                if (d.patient[i] == pid) {
                    rep.push_back(b);
                    row.push_back(double(i + 1));
                    oob.push_back(0);
                }
        for (std::size_t i = 0; i < d.patient.size(); ++i)
            if (!in.count(d.patient[i])) {
                rep.push_back(b);
                row.push_back(double(i + 1));
                oob.push_back(1);
            }
    }
    draws.add("rep", rep);
    draws.add("row", row);
    draws.add("oob", oob);
    const auto draws_path = rtest::temp_dir() / "boot_replay_draws.csv";
    rtest::write_csv(draws_path, draws);
    const auto r = rtest::run_r("bootstrap_replay.R", "boot_replay", rtest::binary_table(d), {draws_path.string()});
    CHECK(res.apparent_auc == Approx(rtest::get(r, "apparent")).epsilon(1e-12));
    CHECK(res.optimism == Approx(rtest::get(r, "optimism")).epsilon(1e-8));
    CHECK(res.corrected_auc == Approx(rtest::get(r, "corrected")).epsilon(1e-8));
    CHECK(res.auc_632 == Approx(rtest::get(r, "auc632")).epsilon(1e-8));
    CHECK(res.auc_632plus == Approx(rtest::get(r, "auc632plus")).epsilon(1e-8));
    CHECK(res.optimism_ci.lower == Approx(rtest::get(r, "opt_ci", 0)).epsilon(1e-8));
    CHECK(res.optimism_ci.upper == Approx(rtest::get(r, "opt_ci", 1)).epsilon(1e-8));
    for (std::size_t j = 0; j < res.coefficient_ci.size(); ++j) {
        CHECK(res.coefficient_ci[j].lower == Approx(rtest::get(r, "coef_ci", 2 * j)).epsilon(1e-7));
        CHECK(res.coefficient_ci[j].upper == Approx(rtest::get(r, "coef_ci", 2 * j + 1)).epsilon(1e-7));
    }
}

TEST_CASE("Bootstrap results do not depend on the thread count and replicates are independent tasks",
          "[stats][bootstrap]") {
    const auto d = rtest::make_binary(rtest::Design::well_conditioned, 120, 8, 43);
    RepeatedCvOptions cv;
    cv.alphas = {0.5, 1.0};
    cv.folds = 5;
    cv.repeats = 2;
    cv.glmnet.nlambda = 30;
    const auto procedure = cv_tuned_elastic_net(cv);
    BootstrapResult one, two;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = bootstrap_validate(d.x, d.y, d.patient, procedure, 8, 77);
    }
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
        two = bootstrap_validate(d.x, d.y, d.patient, procedure, 8, 77);
    }
    CHECK(one.corrected_auc == two.corrected_auc);
    CHECK(one.auc_632plus == two.auc_632plus);
    for (int b = 0; b < 8; ++b) CHECK(one.replicates[std::size_t(b)].model.beta == two.replicates[std::size_t(b)].model.beta);
    // A replicate computed alone (as an MPI rank would) equals the one inside the batch.
    const auto alone = run_bootstrap_replicate(d.x, d.y, d.patient, procedure, 77, 5);
    CHECK(alone.auc_test == one.replicates[5].auc_test);
    CHECK(alone.model.beta == one.replicates[5].model.beta);
}

TEST_CASE("Bootstrap replicates the procedure cannot fit are flagged and left out", "[stats][bootstrap]") {
    auto d = rtest::make_binary(rtest::Design::well_conditioned, 30, 3, 44);
    for (std::size_t i = 0; i < d.y.size(); ++i) d.y[i] = i < 2 ? 1.0 : 0.0;  // two cases only
    const auto res = bootstrap_validate(d.x, d.y, d.patient, fixed_elastic_net(1.0, 0.01), 60, 3);
    int failed = 0;
    for (const auto& b : res.replicates)
        if (b.failed) {
            ++failed;
            CHECK(!b.failure.empty());
        }
    CHECK(failed > 0);  // P(no case drawn) = (28/30)^30 = 0.13 per replicate
    CHECK(res.replicates_used == 60 - failed);
    CHECK(std::isfinite(res.corrected_auc));
}
