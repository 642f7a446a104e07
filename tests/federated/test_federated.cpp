// radhpc federated (issue 17) end to end through the binary: a synthetic 4-site cohort (different
// sizes, one small site, site offsets and scales) as CSV tables; `federated simulate` must equal the
// pooled analyses (radhpc's and R's: sva::ComBat, glmnet, cv.glmnet, survival::coxph with strata,
// pROC + metafor::rma DL); every message is inspected for row-level content; a small site below
// min_patients refuses; a killed coordinator resumes to the identical result; sites and
// coordinator as separate processes give the same result.
#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "../stats/r_oracle.hpp"
#include "common/test_util.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;
using testutil::sh;
using testutil::slurp;

namespace {

const std::vector<int> kSiteSizes{150, 100, 80, 40};

struct Cohort {
    std::vector<std::string> patient_labels;
    std::set<double> row_values;  // every non-integer value of a row: features, covariate, time
};

// Site k (0-based): features shifted by offset_k and scaled by scale_k (the scanner effect);
// outcome from f1 - 0.8 f2 + 0.03 (age - 60); survival time exponential with rate exp(0.5 f1 + 0.3 f3).
Cohort write_cohort(const fs::path& dir, int multiplier, std::uint64_t seed) {
    const double offset[] = {0, 0.8, -0.5, 1.2}, scale[] = {1, 1.5, 0.7, 1.2};
    rtest::Gen g(seed);
    Cohort c;
    for (int k = 0; k < 4; ++k) {
        std::ofstream out(dir / ("site-" + std::to_string(k + 1) + ".csv"));
        out << "patient,outcome,time,event,age,f1,f2,f3,f4,f5,f6\n";
        char buf[64];
        for (int i = 0; i < kSiteSizes[std::size_t(k)] * multiplier; ++i) {
            double f[6];
            const double shared = g.normal();
            for (int j = 0; j < 6; ++j) f[j] = 0.5 * shared + g.normal();
            const double age = 60 + 10 * g.normal();
            const double eta = f[0] - 0.8 * f[1] + 0.03 * (age - 60);
            const int y = g.bernoulli(1 / (1 + std::exp(-eta)));
            const double t = -std::log(std::max(g.uniform(), 1e-12)) / std::exp(0.5 * f[0] + 0.3 * f[2]);
            const double censor = 3 * g.uniform();
            const std::string label = "s" + std::to_string(k + 1) + "-p" + std::to_string(i + 1);
            c.patient_labels.push_back(label);
            out << label << "," << y;
            const auto put = [&](double v) {
                std::snprintf(buf, sizeof buf, "%.17g", v);
                out << "," << buf;
                c.row_values.insert(std::stod(buf));
            };
            put(std::min(t, censor));
            out << "," << (t <= censor ? 1 : 0);
            put(age);
            for (int j = 0; j < 6; ++j) put(offset[k] + scale[k] * (1 + 0.2 * j) * f[j]);
            out << "\n";
        }
    }
    return c;
}

void write_job(const fs::path& dir, int min_patients, const std::string& analyses = "", const std::string& cv = "{folds: 3, seed: 7}") {
    std::ofstream job(dir / "job.yaml");
    job << "name: federated-test\nfederated:\n  sites:\n";
    for (int k = 1; k <= 4; ++k) job << "    - {name: site-" << k << ", table: site-" << k << ".csv}\n";
    job << "  outcome: outcome\n  patient: patient\n  time: time\n  event: event\n  covariates: [age]\n"
        << "  min_patients: " << min_patients << "\n"
        << "  elastic_net: {alpha: 0.5, lambda: 0.02, nlambda: 30}\n  cv: " << cv << "\n  cox: {features: [f1, f3]}\n";
    if (!analyses.empty()) job << "  analyses: " << analyses << "\n";
}

json read_json(const fs::path& p) { return json::parse(slurp(p)); }

std::string bin() { return RADHPC_BINARY; }

// Every number in a JSON value.
void numbers(const json& j, std::vector<double>& out) {
    if (j.is_number()) out.push_back(j.get<double>());
    else if (j.is_array() || j.is_object())
        for (const auto& v : j) numbers(v, out);
}

std::vector<fs::path> responses(const fs::path& messages) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(messages))
        if (e.path().filename().string().rfind("response-", 0) == 0) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

TEST_CASE("federated simulate equals the pooled analyses of radhpc and R", "[federated]") {
    const auto dir = testutil::scratch_dir("radhpc_fed_", "pooled");
    write_cohort(dir, 1, 17);
    write_job(dir, 5);
    REQUIRE(sh(bin() + " federated simulate " + (dir / "job.yaml").string() + " --out " + (dir / "sim").string(), dir / "sim.log") == 0);
    const json fed = read_json(dir / "sim/results/results.json");
    const json pool = read_json(dir / "sim/pooled/results.json");
    const json cmp = read_json(dir / "sim/comparison.json");
    INFO(cmp.dump(1));

    // Sums over sites vs sums over rows: summation order only (1e-10 on values of order 1-100).
    for (const char* key : {"summary.pooled.mean", "summary.pooled.variance", "summary.pooled.n", "combat.harmonised",
                            "combat.model.grand_mean", "combat.model.var_pooled"})
        CHECK(cmp.at(key).get<double>() < 1e-10);
    // Elastic net: the same outer logic (stats/glmnet_path.hpp) with covariance updates from the summed
    // Gram matrices instead of row updates, so the same iterates up to rounding (1e-9, the tolerance of
    // tests/stats' federated-vs-pooled glmnet test; measured ~1e-15).
    for (const char* key : {"elastic_net.fixed.beta.data", "elastic_net.fixed.a0", "elastic_net.path.beta.data", "elastic_net.path.a0",
                            "elastic_net.path.lambda", "cv.cvm", "cv.cvsd", "cv.lambda_min", "cv.lambda_1se"})
        CHECK(cmp.at(key).get<double>() < 1e-9);
    // Cox: Newton on summed strata terms vs on all strata at once, converged to coxph's eps 1e-9.
    for (const char* key : {"cox.coef", "cox.se", "cox.loglik"}) CHECK(cmp.at(key).get<double>() < 1e-8);
    // Site validation, meta-analysis, pooled counts: the same per-site numbers.
    for (const char* key : {"validation.meta.estimate", "validation.meta.tau2", "validation.pooled.sensitivity.estimate"})
        CHECK(cmp.at(key).get<double>() < 1e-12);

    // Histogram quantiles: the exact type-7 quantile lies within the stated bounds.
    const auto& q = fed["summary"]["quantiles"]["value"];
    const auto& lo = fed["summary"]["quantile_bounds"]["lower"];
    const auto& hi = fed["summary"]["quantile_bounds"]["upper"];
    for (std::size_t j = 0; j < q.size(); ++j)
        for (std::size_t k = 0; k < q[j].size(); ++k) {
            const double exact = pool["summary"]["quantiles"]["value"][j][k];
            CHECK(lo[j][k].get<double>() <= exact);
            CHECK(exact <= hi[j][k].get<double>());
        }
    // Histogram AUC within its stated accuracy of the exact pooled AUC.
    const double auc_h = fed["validation"]["pooled"]["auc_histogram"], err = fed["validation"]["pooled"]["auc_max_error"];
    const double auc_exact = pool["validation"]["pooled"]["auc_exact"];
    CHECK(std::abs(auc_h - auc_exact) <= err);
    CHECK(err < 0.01);

    // R on the pooled rows.
    {
        std::ofstream sig(dir / "signature.csv");
        sig << std::setprecision(17) << "a0,beta\n";
        const auto& s = fed["validation"]["signature"];
        for (const auto& b : s["beta"]) sig << s["a0"].get<double>() << "," << b.get<double>() << "\n";
    }
    rtest::require_rscript();
    const std::string cmd = "Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/federated/r/pooled.R " +
                            (dir / "sim/pooled/pooled.csv").string() + " " + (dir / "signature.csv").string() + " " +
                            (dir / "r.csv").string() + " 0.5 0.02 30";
    REQUIRE(sh(cmd, dir / "r.log") == 0);
    const auto r = rtest::read_results(dir / "r.csv");
    // ComBat: the sites' own harmonised tables, stacked in site order (sva's tolerance in tests/combat: 1e-8).
    std::vector<double> harmonised;  // column-major rows x features, as R writes it
    {
        std::vector<std::vector<double>> rows;
        for (int k = 1; k <= 4; ++k) {
            auto cells = testutil::csv_rows(slurp(dir / ("sim/sites/site-" + std::to_string(k) + "/harmonised.csv")));
            for (std::size_t i = 1; i < cells.size(); ++i) {
                rows.emplace_back();
                for (const auto& c : cells[i]) rows.back().push_back(std::stod(c));
            }
        }
        for (std::size_t j = 0; j < rows.front().size(); ++j)
            for (const auto& row : rows) harmonised.push_back(row[j]);
    }
    REQUIRE(r.at("combat").size() == harmonised.size());
    for (std::size_t i = 0; i < harmonised.size(); ++i) CHECK(harmonised[i] == Approx(r.at("combat")[i]).margin(1e-8));
    // glmnet at the fixed (alpha, lambda): 1e-5, as tests/stats' glmnet R comparisons.
    CHECK(fed["elastic_net"]["fixed"]["a0"][0].get<double>() == Approx(rtest::get(r, "fixed_a0")).margin(1e-5));
    for (std::size_t j = 0; j < 6; ++j)
        CHECK(fed["elastic_net"]["fixed"]["beta"]["data"][j].get<double>() == Approx(r.at("fixed_beta")[j]).margin(1e-5));
    // cv.glmnet with the sites' folds: the same lambda sequence and curve (1e-5 as above).
    REQUIRE(fed["cv"]["lambda"].size() == r.at("cv_lambda").size());
    for (std::size_t k = 0; k < r.at("cv_cvm").size(); ++k) {
        CHECK(fed["cv"]["lambda"][k].get<double>() == Approx(r.at("cv_lambda")[k]).epsilon(1e-6));
        CHECK(fed["cv"]["cvm"][k].get<double>() == Approx(r.at("cv_cvm")[k]).margin(1e-5));
    }
    CHECK(fed["cv"]["lambda_min"].get<double>() == Approx(rtest::get(r, "cv_lambda_min")).epsilon(1e-6));
    // coxph + strata(site), Efron: 1e-6 relative, the survival tests' tolerance (tests/stats/test_survival.cpp).
    for (std::size_t j = 0; j < 2; ++j) {
        CHECK(fed["cox"]["coef"][j].get<double>() == Approx(r.at("cox_coef")[j]).epsilon(1e-6));
        CHECK(fed["cox"]["se"][j].get<double>() == Approx(r.at("cox_se")[j]).epsilon(1e-6));
    }
    CHECK(fed["cox"]["loglik"].get<double>() == Approx(rtest::get(r, "cox_loglik")).epsilon(1e-9));
    // metafor::rma(method = "DL") on pROC's site AUCs and DeLong variances (1e-9: both are closed forms).
    const auto& meta = fed["validation"]["meta"];
    CHECK(meta["estimate"].get<double>() == Approx(rtest::get(r, "meta_estimate")).margin(1e-9));
    CHECK(meta["se"].get<double>() == Approx(rtest::get(r, "meta_se")).margin(1e-9));
    CHECK(meta["tau2"].get<double>() == Approx(rtest::get(r, "meta_tau2")).margin(1e-9));
    CHECK(meta["lower"].get<double>() == Approx(rtest::get(r, "meta_lower")).margin(1e-9));
    CHECK(meta["q"].get<double>() == Approx(rtest::get(r, "meta_q")).margin(1e-9));
    CHECK(auc_exact == Approx(rtest::get(r, "pooled_auc")).margin(1e-12));
}

TEST_CASE("federated leave-one-site-out cross-validation equals the pooled cv with foldid = site", "[federated]") {
    const auto dir = testutil::scratch_dir("radhpc_fed_", "loso");
    write_cohort(dir, 1, 23);
    write_job(dir, 5, "[elastic_net, cv, validation]", "{scheme: leave_site_out}");
    const int rc = sh(bin() + " federated simulate " + (dir / "job.yaml").string() + " --out " + (dir / "sim").string(), dir / "sim.log");
    INFO(slurp(dir / "sim.log"));
    REQUIRE(rc == 0);
    const json cmp = read_json(dir / "sim/comparison.json");
    INFO(cmp.dump(1));
    // The pooled run's folds are the sites (site_folds), so this is cv.glmnet(foldid = site); the
    // stats test compares the same scheme with R (tests/stats/test_federated_glmnet.cpp).
    for (const char* key : {"cv.cvm", "cv.cvsd", "cv.lambda_min", "cv.lambda_1se", "validation.meta.estimate"})
        CHECK(cmp.at(key).get<double>() < 1e-9);
    const json fed = read_json(dir / "sim/results/results.json");
    CHECK(fed["rounds"]["cv"].get<int>() > 4);
}

TEST_CASE("federated messages hold no row-level value and their sizes do not grow with the patients", "[federated]") {
    const auto dir = testutil::scratch_dir("radhpc_fed_", "privacy");
    std::map<std::string, std::set<std::size_t>> sizes[2];  // analysis.step -> numbers per response
    for (int m = 1; m <= 2; ++m) {
        const auto sub = dir / ("x" + std::to_string(m));
        fs::create_directories(sub);
        const Cohort c = write_cohort(sub, m, 100 + std::uint64_t(m));
        write_job(sub, 5);
        REQUIRE(sh(bin() + " federated simulate " + (sub / "job.yaml").string() + " --out " + (sub / "sim").string(), sub / "sim.log") == 0);
        const auto files = responses(sub / "sim/messages");
        REQUIRE(files.size() > 40);
        for (const auto& f : files) {
            const std::string text = slurp(f);
            for (const auto& label : c.patient_labels) REQUIRE(text.find("\"" + label + "\"") == std::string::npos);
            const json j = json::parse(text);
            std::vector<double> v;
            numbers(j.at("payload"), v);
            for (double x : v) {
                INFO(f.string() << " holds " << x);
                REQUIRE(!c.row_values.count(x));
            }
            const std::string step = j.at("analysis").get<std::string>() + "." + j.at("step").get<std::string>();
            // The held-out deviance has one value per lambda of the path, whose length glmnet's early
            // stopping sets from the data (not from the number of patients); all other steps are fixed.
            if (step != "elastic_net.heldout") sizes[m - 1][step].insert(v.size());
        }
        // The site's audit log lists every response it wrote.
        std::string audit;
        REQUIRE(sh(bin() + " federated site " + (sub / "job.yaml").string() + " --table " + (sub / "site-1.csv").string() + " --log " +
                       (sub / "sim/sites/site-1/audit.jsonl").string() + " --audit",
                   sub / "audit.txt") == 0);
        audit = slurp(sub / "audit.txt");
        CHECK(std::count(audit.begin(), audit.end(), '\n') == long(files.size() / 4 + 1));
    }
    CHECK(sizes[0] == sizes[1]);
}

TEST_CASE("federated: a site below min_patients refuses and the coordinator says which and why", "[federated]") {
    const auto dir = testutil::scratch_dir("radhpc_fed_", "refuse");
    write_cohort(dir, 1, 17);
    write_job(dir, 45, "[summary]");
    CHECK(sh(bin() + " federated simulate " + (dir / "job.yaml").string() + " --out " + (dir / "sim").string(), dir / "sim.log") == 2);
    const std::string log = slurp(dir / "sim.log");
    INFO(log);
    CHECK(log.find("site site-4 refused round 1") != std::string::npos);
    CHECK(log.find("covers 40 patients < federated.min_patients 45") != std::string::npos);
    const std::string response = slurp(dir / "sim/messages/site-4/response-000001.json");
    CHECK(response.find("\"refused\"") != std::string::npos);
    CHECK(response.find("payload") == std::string::npos);
}

TEST_CASE("federated: a killed coordinator resumes to the identical result, and sites as processes agree", "[federated]") {
    const auto dir = testutil::scratch_dir("radhpc_fed_", "resume");
    write_cohort(dir, 1, 17);
    write_job(dir, 5);
    const std::string job = (dir / "job.yaml").string();
    REQUIRE(sh(bin() + " federated simulate " + job + " --out " + (dir / "whole").string(), dir / "whole.log") == 0);
    // Killed once site-1 holds 30 responses, then run again over the same folder.
    const std::string cut = bin() + " federated simulate " + job + " --out " + (dir / "cut").string() + " & pid=$!; " +
                            "while [ $(ls " + (dir / "cut/messages/site-1").string() + " 2>/dev/null | grep -c response) -lt 30 ]; do sleep 0.05; done; " +
                            "kill -9 $pid; wait $pid; true";
    REQUIRE(sh(cut, dir / "cut.log") == 0);
    REQUIRE(!fs::exists(dir / "cut/results/results.json"));
    const auto first = dir / "cut/messages/site-1/response-000002.json";
    const auto before = fs::last_write_time(first);
    REQUIRE(sh(bin() + " federated simulate " + job + " --out " + (dir / "cut").string(), dir / "resume.log") == 0);
    CHECK(fs::last_write_time(first) == before);  // answered responses are reused, not recomputed
    CHECK(slurp(dir / "cut/results/results.json") == slurp(dir / "whole/results/results.json"));

    // Sites and coordinator as separate processes over an exchange folder (summary + combat).
    write_job(dir, 5, "[summary, combat]");
    const auto ex = dir / "exchange";
    int status = 75, rounds = 0;
    while (status == 75 && rounds++ < 20) {
        status = sh(bin() + " federated coordinate " + job + " --exchange " + ex.string(), dir / "coord.log");
        if (status != 75) break;
        for (int k = 1; k <= 4; ++k) {
            const auto site = ex / ("site-" + std::to_string(k));
            for (const auto& e : fs::directory_iterator(site)) {
                const std::string name = e.path().filename().string();
                if (name.rfind("request-", 0) != 0) continue;
                const auto response = site / ("response-" + name.substr(8));
                if (fs::exists(response)) continue;
                REQUIRE(sh(bin() + " federated site " + job + " --table " + (dir / ("site-" + std::to_string(k) + ".csv")).string() +
                               " --log " + (dir / ("audit-" + std::to_string(k) + ".jsonl")).string() + " --request " + e.path().string() +
                               " --response " + response.string(),
                           dir / "site.log") == 0);
            }
        }
    }
    INFO(slurp(dir / "coord.log"));
    REQUIRE(status == 0);
    const json a = read_json(ex / "results/results.json"), b = read_json(dir / "whole/results/results.json");
    CHECK(a["summary"] == b["summary"]);
    CHECK(a["combat"] == b["combat"]);
}

TEST_CASE("federated over the stores of a synth --sites cohort equals the pooled analyses", "[federated]") {
    // radhpc synth --signal --sites 4 (unequal sites with their own intensity offset and noise), each
    // site extracted into its own store, the sites read from their stores (feature table joined with
    // the manifest). 40 studies give sites of 8, 6, 5 and 5 patients (two studies each), too few per
    // outcome class for the default min_patients 5, so it is 2 here (a test setting; the refusal test
    // checks the rule).
    const auto dir = testutil::scratch_dir("radhpc_fed_", "synth");
    REQUIRE(sh(bin() + " synth --signal --sites 4 --studies 40 --seed 5 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    std::ofstream job(dir / "job.yaml");
    job << "version: 1\nname: fed-synth\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
        << "  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures:\n  families: [morph, stat, cm]\n  aggregation: [3D_avg]\n"
        << "federated:\n  sites:\n";
    for (int k = 1; k <= 4; ++k) job << "    - {name: site-" << k << ", store: archive/site-" << k << "/store}\n";
    job << "  outcome: outcome\n  patient: patient_id\n  time: time\n  event: event\n"
        << "  features: [morph_volume, morph_sphericity, stat_median, stat_var, cm_joint_entr_3D_avg, cm_contrast_3D_avg]\n"
        << "  min_patients: 2\n  analyses: [summary, combat, elastic_net, cox]\n  elastic_net: {alpha: 0.5, lambda: 0.05, nlambda: 20}\n"
        << "  cox: {features: [morph_volume, stat_median]}\n";
    job.close();
    for (int k = 1; k <= 4; ++k) {
        const std::string site = (dir / ("archive/site-" + std::to_string(k))).string();
        REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " run " + (dir / "job.yaml").string() + " --manifest " + site + "/manifest.csv --store " +
                       site + "/store -q",
                   dir / "run.log") == 0);
    }
    REQUIRE(sh(bin() + " federated simulate " + (dir / "job.yaml").string() + " --out " + (dir / "sim").string(), dir / "sim.log") == 0);
    const json cmp = read_json(dir / "sim/comparison.json");
    INFO(cmp.dump(1));
    // |federated - pooled| / max(1, |pooled|): summation order only (volumes in mm^3 have variances ~1e7).
    for (const char* key : {"summary.pooled.mean", "summary.pooled.variance", "combat.harmonised", "combat.model.var_pooled",
                            "elastic_net.fixed.beta.data", "elastic_net.path.beta.data", "cox.coef", "cox.se"})
        CHECK(cmp.at(key).get<double>() < 1e-9);
    const json fed = read_json(dir / "sim/results/results.json");
    CHECK(fed["sites"].size() == 4);
    CHECK(fed["features"].size() == 6);
}

// A site's response whose vectors do not have the request's sizes (a bug or a hostile site) must not
// reach the linear algebra: the coordinator, replaying the held responses, stops with an error
// naming the site and the field, and exit status 2 (not a crash, not a wrong pooled result).
TEST_CASE("federated: a response with a wrong-sized vector or matrix is refused naming the site", "[federated]") {
    const auto dir = testutil::scratch_dir("radhpc_fed_", "sizes");
    write_cohort(dir, 1, 17);
    write_job(dir, 5, "[summary, elastic_net]");
    const std::string run = bin() + " federated simulate " + (dir / "job.yaml").string() + " --out " + (dir / "sim").string();
    REQUIRE(sh(run, dir / "whole.log") == 0);
    const auto files = responses(dir / "sim/messages/site-2");
    // Each case: the first response holding `key`, with its vector shortened by one (or its matrix's
    // rows field changed); rerun, expect the refusal, then restore the file.
    for (const std::string key : {"moments", "sum_wx", "sum_wxx"}) {
        fs::path target;
        for (const auto& f : files)
            if (read_json(f).dump().find("\"" + key + "\"") != std::string::npos) {
                target = f;
                break;
            }
        REQUIRE(!target.empty());
        const std::string original = slurp(target);
        json r = json::parse(original);
        json& v = r["payload"][key];
        if (v.is_array()) v.erase(v.size() - 1);
        else v["rows"] = v["rows"].get<int>() + 1;
        std::ofstream(target) << r.dump();
        const int rc = sh(run, dir / ("bad-" + key + ".log"));
        const std::string log = slurp(dir / ("bad-" + key + ".log"));
        INFO(key << ": " << log);
        CHECK(rc == 2);
        CHECK(log.find("site site-2's answer to ") != std::string::npos);
        CHECK(log.find("'" + key + "' is not a") != std::string::npos);
        std::ofstream(target) << original;
    }
    CHECK(sh(run, dir / "again.log") == 0);  // the restored responses replay to a result again
}
