// radhpc report of a federated results folder (issue 17): a small 4-site `radhpc federated
// simulate` (site offsets and scales, an outcome from f1 and f2, survival from f1 and f3), then
// `radhpc report SIM --out page.html`. The page renders in headless Chromium with its self-check
// ok and no console message; every block has content (the forest plot one row per site and the
// meta-analysis diamond, the ROC a curve per site and the pooled one, the ComBat panels a line per
// site before and after), and the numbers shown are the results' own. A folder whose job ran
// only the summary renders too, its other blocks saying what is absent.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "report_fixture.hpp"

using namespace report_test;
using json = nlohmann::json;

namespace {

const char* kFederatedBlocks[] = {"fed-sites", "fed-qc", "fed-combat", "fed-coefficients", "fed-cv",
                                  "fed-path", "fed-roc", "fed-forest", "fed-cox", "fed-comparison"};

// Site k: rows patient,outcome,time,event,age,f1..f4 with a site offset and scale on the features.
void write_sites(const fs::path& dir, std::uint64_t seed) {
    const int sizes[] = {80, 70, 60, 50};
    const double offset[] = {0, 0.8, -0.5, 1.2}, scale[] = {1, 1.5, 0.7, 1.2};
    auto uniform = [&] { return (double(radhpc::splitmix64(seed) >> 11) + 0.5) * 0x1.0p-53; };
    auto normal = [&] { return std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform()); };
    char buf[300];
    for (int k = 0; k < 4; ++k) {
        std::ofstream csv(dir / ("site-" + std::to_string(k + 1) + ".csv"));
        csv << "patient,outcome,time,event,age,f1,f2,f3,f4\n";
        for (int i = 0; i < sizes[k]; ++i) {
            double f[4];
            const double shared = normal();
            for (double& v : f) v = 0.5 * shared + normal();
            const double age = 60 + 10 * normal();
            const int y = uniform() < 1 / (1 + std::exp(-(f[0] - 0.8 * f[1] + 0.03 * (age - 60))));
            const double t = -std::log(uniform()) / std::exp(0.5 * f[0] + 0.3 * f[2]), censor = 3 * uniform();
            for (int j = 0; j < 4; ++j) f[j] = offset[k] + scale[k] * (1 + 0.2 * j) * f[j];
            std::snprintf(buf, sizeof buf, "s%d-p%d,%d,%.17g,%d,%.17g,%.17g,%.17g,%.17g,%.17g\n", k + 1, i + 1, y, std::min(t, censor),
                          t <= censor ? 1 : 0, age, f[0], f[1], f[2], f[3]);
            csv << buf;
        }
    }
}

void write_job(const fs::path& dir, const std::string& analyses = "") {
    std::ofstream job(dir / "job.yaml");
    job << "name: federated-report\nfederated:\n  sites:\n";
    for (int k = 1; k <= 4; ++k) job << "    - {name: site-" << k << ", table: site-" << k << ".csv}\n";
    job << "  outcome: outcome\n  patient: patient\n  time: time\n  event: event\n  covariates: [age]\n"
        << "  elastic_net: {alpha: 0.5, nlambda: 20}\n  cv: {folds: 3}\n  cox: {features: [f1, f2]}\n";
    if (!analyses.empty()) job << "  analyses: " << analyses << "\n";
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

// The HTML of one block (its <figure> element).
std::string block_html(const std::string& html, const std::string& id) {
    const auto at = html.find("<figure class=\"block\" id=\"" + id + "\"");
    if (at == std::string::npos) FAIL("page lacks block " << id);
    return html.substr(at, html.find("</figure>", at) - at);
}

std::string fixed3(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

void check_rendered(const fs::path& page, const fs::path& dir, int height) {
    const Rendered r = render(page, dir, 1200, height);
    INFO("chromium log:\n" << r.log);
    CHECK(r.dom.find("data-selfcheck=\"ok\"") != std::string::npos);
    if (r.dom.find("data-selfcheck=\"ok\"") == std::string::npos) {
        const auto k = r.dom.find("data-selfcheck=");
        FAIL_CHECK("self-check: " << (k == std::string::npos ? std::string("did not run") : r.dom.substr(k, 300)));
    }
    for (const char* id : kFederatedBlocks) {  // the self-check covered every block
        INFO(id);
        CHECK(r.dom.find(std::string("'") + id + "'") != std::string::npos);
    }
    CHECK(r.log.find(":CONSOLE") == std::string::npos);
    REQUIRE(r.png.size() > 33);
    CHECK(r.png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    CHECK(r.png.size() > 20000);
}

}  // namespace

TEST_CASE("report: a federated simulate folder renders sites, QC, ComBat, model, ROC, forest, Cox and comparison in Chromium",
          "[report][browser][federated]") {
    const auto dir = scratch("federated");
    write_sites(dir, 2024);
    write_job(dir);
    REQUIRE(sh(kRadhpc + " federated simulate '" + (dir / "job.yaml").string() + "' --out '" + (dir / "sim").string() + "'", dir / "sim.log") == 0);
    const json res = json::parse(slurp(dir / "sim" / "results" / "results.json"));
    const std::string html = report_page(dir / "sim", dir);
    INFO(slurp(dir / "report.log"));
    for (const char* external : {"src=\"http", "href=\"http", "<link", "@import", "url("}) CHECK(html.find(external) == std::string::npos);
    for (const char* id : {"fed-qc", "fed-combat", "fed-coefficients", "fed-cv", "fed-path", "fed-roc", "fed-forest"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "plot");
    }
    for (const char* id : {"fed-sites", "fed-cox", "fed-comparison"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "table");
    }
    // (1) sites: one row each with its counts; the traffic of exchange.json
    CHECK(data_number(html, "fed-sites", "sites") == 4);
    const std::string sites = block_html(html, "fed-sites");
    for (const auto& s : res["sites"]) {
        INFO(s.dump());
        CHECK(sites.find(s["name"].get<std::string>() + "</td><td>" + std::to_string(s["rows"].get<int>()) + "</td><td>" +
                         std::to_string(s["patients"].get<int>()) + "</td><td>" + std::to_string(s["cases"].get<int>()) + "</td><td>" +
                         std::to_string(s["events"].get<int>()) + "</td>") != std::string::npos);
    }
    CHECK(sites.find("<td>elastic_net</td><td>" + std::to_string(res["rounds"]["elastic_net"].get<int>()) + "</td>") != std::string::npos);
    // (2) QC: a panel per feature, a table row per feature with site and pooled moments, quantiles
    const std::string qc = block_html(html, "fed-qc");
    CHECK(occurrences(qc, "class=\"axislabel\">f") >= 4);
    CHECK(occurrences(qc, "<tr><td>f") == 8);  // moments and quantile tables
    // (3) ComBat: four features, each two panels with a line per site
    CHECK(data_number(html, "fed-combat", "features-drawn") == 4);
    CHECK(occurrences(block_html(html, "fed-combat"), "class=\"curve combat-site\"") == 4 * 2 * 4);
    // (4) coefficients: the validated signature's, the CV's lambda.min and 1se, the path's lines
    const auto beta = res["validation"]["signature"]["beta"];
    std::size_t nonzero = 0;
    for (const auto& b : beta) nonzero += b.get<double>() != 0;
    CHECK(data_number(html, "fed-coefficients", "nonzero") == double(nonzero));
    CHECK(nonzero >= 1);
    CHECK(occurrences(block_html(html, "fed-coefficients"), "coef-bar") == beta.size());
    CHECK(data_number(html, "fed-cv", "lambda-min") == res["cv"]["lambda_min"].get<double>());
    CHECK(data_number(html, "fed-cv", "lambda-1se") == res["cv"]["lambda_1se"].get<double>());
    CHECK(data_number(html, "fed-path", "lines") >= 1);
    // (5) ROC: one curve per site and the pooled one, each site's AUC in the legend
    const std::string roc = block_html(html, "fed-roc");
    CHECK(occurrences(roc, "class=\"curve roc-site\"") == 4);
    CHECK(occurrences(roc, "class=\"curve roc-pooled\"") == 1);
    for (std::size_t s = 0; s < 4; ++s) {
        const auto& auc = res["validation"]["sites"][s]["auc"];
        CHECK(roc.find("site-" + std::to_string(s + 1) + ": AUC " + fixed3(auc["estimate"]) + " [" + fixed3(auc["lower"]) + ", " +
                       fixed3(auc["upper"]) + "]") != std::string::npos);
    }
    // (6) forest: a square per site, the diamond, the pooled histogram AUC; meta numbers are the results'
    const std::string forest = block_html(html, "fed-forest");
    CHECK(occurrences(forest, "class=\"forest-site\"") == 4);
    CHECK(occurrences(forest, "class=\"diamond\"") == 1);
    CHECK(occurrences(forest, "class=\"forest-histogram\"") == 1);
    const auto& meta = res["validation"]["meta"];
    CHECK(data_number(html, "fed-forest", "meta-estimate") == meta["estimate"].get<double>());
    CHECK(data_number(html, "fed-forest", "meta-lower") == meta["lower"].get<double>());
    CHECK(data_number(html, "fed-forest", "tau2") == meta["tau2"].get<double>());
    CHECK(data_number(html, "fed-forest", "pooled-auc") == res["validation"]["pooled"]["auc_histogram"].get<double>());
    CHECK(forest.find("I\u00b2 = ") != std::string::npos);
    // (7) Cox: HR = exp(coef) with the 95% Wald interval
    const std::string cox = block_html(html, "fed-cox");
    for (std::size_t j = 0; j < 2; ++j) {
        const double b = res["cox"]["coef"][j], se = res["cox"]["se"][j];
        CHECK(cox.find("<td>" + fixed3(std::exp(b)) + "</td><td>" + fixed3(std::exp(b - 1.959963984540054 * se)) + " \u2013 " +
                       fixed3(std::exp(b + 1.959963984540054 * se)) + "</td>") != std::string::npos);
    }
    CHECK(cox.find("95% CI") != std::string::npos);
    // (8) comparison: every entry of comparison.json
    CHECK(data_number(html, "fed-comparison", "entries") == double(json::parse(slurp(dir / "sim" / "comparison.json")).size()));

    check_rendered(dir / "report.html", dir, 7000);
    // the results folder itself gives the same page (its comparison and exchange found beside it), up to the title
    const std::string again = report_page(dir / "sim" / "results", dir);
    CHECK(data_attr(again, "fed-comparison", "state") == "table");
    CHECK(again.substr(again.find("<h2>")) == html.substr(html.find("<h2>")));
    fs::remove_all(dir);
}

TEST_CASE("report: a federated folder with the summary only says which analyses are absent", "[report][browser][federated]") {
    const auto dir = scratch("federated-summary");
    write_sites(dir, 2025);
    write_job(dir, "[summary]");
    REQUIRE(sh(kRadhpc + " federated simulate '" + (dir / "job.yaml").string() + "' --out '" + (dir / "sim").string() + "'", dir / "sim.log") == 0);
    // only the results folder, as a coordinator leaves it (no exchange.json, no comparison.json)
    fs::rename(dir / "sim" / "results", dir / "results");
    const std::string html = report_page(dir / "results", dir);
    INFO(slurp(dir / "report.log"));
    CHECK(data_attr(html, "fed-sites", "state") == "table");
    CHECK(data_attr(html, "fed-qc", "state") == "plot");
    for (const char* id : {"fed-combat", "fed-coefficients", "fed-cv", "fed-path", "fed-roc", "fed-forest", "fed-cox", "fed-comparison"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "missing");
    }
    CHECK(html.find("no comparison.json beside the results") != std::string::npos);
    CHECK(html.find("no validation analysis in these results") != std::string::npos);
    check_rendered(dir / "report.html", dir, 2500);
    fs::remove_all(dir);
}
