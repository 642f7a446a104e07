// radhpc report's "Validated model" blocks (issue 16): a store with a validation stored by
// `radhpc validate --store` renders its summary, out-of-fold ROC, calibration, coefficient forest
// plot and tuning curve in headless Chromium (self-check ok, no console message), with the numbers
// of the store (out-of-fold AUC and its DeLong CI, the chosen alpha and lambda, the nonzero
// terms); a validation whose units are still missing gets one line saying how many are stored.
#include <catch2/catch.hpp>

#include <cstdio>

#include "radhpc/store/store.hpp"
#include "radhpc/store/validation.hpp"
#include "report_fixture.hpp"

using namespace report_test;

namespace {

// Lesion table: 1-2 lesions per patient, outcome per patient, f1/f2 informative, f3/f4 noise.
void write_table(const fs::path& path, int patients, std::uint64_t seed) {
    auto uniform = [&] { return (double(radhpc::splitmix64(seed) >> 11) + 0.5) * 0x1.0p-53; };
    auto normal = [&] { return std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform()); };
    std::ofstream csv(path);
    csv << "patient_id,outcome,f1,f2,f3,f4\n";
    char buf[200];
    for (int p = 0; p < patients; ++p) {
        const int y = uniform() < 0.4;
        for (int l = 0; l <= p % 2; ++l) {
            const double f1 = 0.9 * y + normal(), f2 = -0.5 * y + normal(), f3 = normal(), f4 = normal();
            std::snprintf(buf, sizeof buf, "P%d,%d,%.17g,%.17g,%.17g,%.17g\n", p, y, f1, f2, f3, f4);
            csv << buf;
        }
    }
}

std::string fixed3(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

}  // namespace

TEST_CASE("report: a stored validation draws its blocks with the store's numbers in headless Chromium", "[report][browser][validation]") {
    const auto dir = scratch("validation");
    write_table(dir / "t.csv", 70, 11);
    std::ofstream(dir / "job.yaml") << "name: enet\nvalidate: {table: t.csv, outcome: outcome, patient: patient_id, alphas: [0.5, 1], "
                                       "repeats: 3, nlambda: 30, bootstrap: {replicates: 20, seed: 3}}\n";
    REQUIRE(sh("cd '" + dir.string() + "' && " + kRadhpc + " validate job.yaml --store st", dir / "validate.log") == 0);
    const auto contents = radhpc::store::load((dir / "st").string());
    REQUIRE(contents.validations.size() == 1);
    const auto& v = contents.validations.front();
    REQUIRE(v.status == "complete");

    const std::string html = report_page(dir / "st", dir, " --bootstrap 200");
    INFO(slurp(dir / "report.log"));
    // every block drew; the page's own blocks say what this store lacks, as without a validation
    for (const char* id : {"validation-enet-roc", "validation-enet-calibration", "validation-enet-forest", "validation-enet-tuning"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "plot");
    }
    CHECK(data_attr(html, "validation-enet-summary", "state") == "table");
    CHECK(data_attr(html, "roc", "state") == "missing");
    CHECK(html.find("<h2>Validated model: enet</h2>") != std::string::npos);

    // the out-of-fold ROC is the store's out-of-fold AUC with its DeLong CI (same level)
    const double auc = v.metric("out_of_fold.auc"), lower = v.metric("out_of_fold.auc_ci_lower"), upper = v.metric("out_of_fold.auc_ci_upper");
    REQUIRE(std::isfinite(auc));
    CHECK(close(data_number(html, "validation-enet-roc", "auc"), auc, 1e-12));
    CHECK(close(data_number(html, "validation-enet-roc", "auc-lower"), lower, 1e-12));
    CHECK(close(data_number(html, "validation-enet-roc", "auc-upper"), upper, 1e-12));
    CHECK(html.find("AUC " + fixed3(auc) + " (95% CI " + fixed3(lower) + "\u2013" + fixed3(upper) + ", DeLong)") != std::string::npos);
    CHECK(close(data_number(html, "validation-enet-summary", "oof-auc"), auc, 0));
    // apparent, optimism-corrected and .632+ AUC from the stored metrics
    CHECK(close(data_number(html, "validation-enet-roc", "corrected-auc"), v.metric("bootstrap.corrected_auc"), 0));
    CHECK(close(data_number(html, "validation-enet-roc", "auc-632plus"), v.metric("bootstrap.auc_632plus"), 0));
    CHECK(html.find("optimism-corrected AUC " + fixed3(v.metric("bootstrap.corrected_auc"))) != std::string::npos);
    CHECK(html.find(".632+ AUC " + fixed3(v.metric("bootstrap.auc_632plus"))) != std::string::npos);
    // the chosen alpha and lambda
    for (const char* id : {"validation-enet-summary", "validation-enet-tuning"}) {
        INFO(id);
        CHECK(data_number(html, id, "alpha") == v.tuning.alpha);
        CHECK(data_number(html, id, "lambda") == v.tuning.lambda);
    }
    CHECK(data_attr(html, "validation-enet-tuning", "alphas") == "0.5;1");
    CHECK(data_attr(html, "validation-enet-summary", "table-hash") == v.table_hash);

    // the forest plot lists every nonzero term (and only terms that are nonzero or selected in half of the replicates)
    const std::string terms = ";" + data_attr(html, "validation-enet-forest", "terms") + ";";
    std::size_t nonzero = 0;
    for (const auto& c : v.coefficients) {
        if (c.term == "(Intercept)") continue;
        INFO(c.term << " " << c.estimate << " selected " << c.selection_frequency);
        const bool listed = terms.find(";" + c.term + ";") != std::string::npos;
        CHECK(listed == (c.estimate != 0 || c.selection_frequency >= 0.5));
        if (c.estimate != 0) {
            ++nonzero;
            CHECK(html.find(">" + c.term + "</text>") != std::string::npos);
        }
    }
    CHECK(nonzero >= 2);  // f1 and f2 carry the outcome
    CHECK(terms.find(";f1;") != std::string::npos);

    const Rendered r = render(dir / "report.html", dir, 1200, 4200);
    INFO("chromium log:\n" << r.log);
    CHECK(r.dom.find("data-selfcheck=\"ok\"") != std::string::npos);
    CHECK(r.log.find(":CONSOLE") == std::string::npos);
    // the self-check covered the validation's blocks
    CHECK(r.dom.find("'validation-enet-tuning'") != std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("report: a validation still running gets one line with the units stored", "[report][browser][validation]") {
    const auto dir = scratch("validation-running");
    radhpc::store::Contents c;
    radhpc::store::ValidationResult v;
    v.name = "half done";
    v.status = "running";
    v.identity = "0123456789abcdef";
    v.table_hash = "fedcba9876543210";
    v.table_source = "t.csv";
    v.job = "job.yaml";
    v.started_at = 1.8e9;
    v.replicates_planned = 20;
    v.terms = {"(Intercept)", "f1", "f2"};
    v.patients = {"P1", "P2", "P3", "P4"};
    v.tuning.done = true;
    v.tuning.procedure = "repeated_cv";
    v.tuning.alpha = 1;
    v.tuning.lambda = 0.05;
    v.tuning.coefficients = {0.1, 0.5, 0};
    for (int i = 1; i <= 5; ++i) {
        radhpc::store::ValidationReplicate rep;
        rep.index = i;
        rep.auc_train = 0.8, rep.auc_test = 0.7, rep.auc_oob = 0.7, rep.alpha = 1, rep.lambda = 0.05;
        rep.coefficients = {0.1, 0.4, 0};
        v.replicates.push_back(rep);
    }
    c.validations.push_back(v);
    radhpc::store::write_part((dir / "st").string(), c, false);

    const std::string html = report_page(dir / "st", dir);
    INFO(slurp(dir / "report.log"));
    CHECK(data_attr(html, "validation-half-done-status", "state") == "missing");
    CHECK(data_attr(html, "validation-half-done-status", "status") == "running");
    CHECK(data_number(html, "validation-half-done-status", "units-stored") == 6);
    CHECK(data_number(html, "validation-half-done-status", "units-total") == 21);
    CHECK(html.find("is running: 6 of 21 units stored (tuning done, 5 of 20 bootstrap replicates); rerun `radhpc validate job.yaml") !=
          std::string::npos);
    CHECK(html.find("id=\"validation-half-done-roc\"") == std::string::npos);  // nothing drawn from an unfinished summary
    const Rendered r = render(dir / "report.html", dir, 900, 1400);
    INFO("chromium log:\n" << r.log);
    CHECK(r.dom.find("data-selfcheck=\"ok\"") != std::string::npos);
    CHECK(r.log.find(":CONSOLE") == std::string::npos);
    fs::remove_all(dir);
}
