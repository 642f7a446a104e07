// radhpc report rendered in headless Chromium: the page loads from file:// without network, its
// inline self-check script finds every block drawn (html[data-selfcheck="ok"], read back with
// --dump-dom), nothing is written to the console (no script errors), and the screenshot is a real
// PNG of the window size with content. A missing chromium is a failure (scripts/setup.sh installs it).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "radhpc/store/store.hpp"
#include "radhpc/report/report.hpp"
#include "report_fixture.hpp"

using namespace report_test;

namespace {

const char* kBlocks[] = {"roc", "calibration", "km", "icc", "heatmap", "qc", "failures", "provenance"};

std::uint32_t be32(const std::string& s, std::size_t at) {
    return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
           (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

void check_page(const Rendered& r, int width, int height, std::size_t min_png_bytes) {
    // the self-check ran and found every block
    INFO("chromium log:\n" << r.log);
    CHECK(r.dom.find("data-selfcheck=\"ok\"") != std::string::npos);
    if (r.dom.find("data-selfcheck=\"ok\"") == std::string::npos) {
        const auto k = r.dom.find("data-selfcheck=");
        FAIL_CHECK("self-check: " << (k == std::string::npos ? std::string("did not run") : r.dom.substr(k, 300)));
    }
    for (const char* id : kBlocks) {
        INFO("block " << id);
        CHECK(r.dom.find(std::string("id=\"") + id + "\"") != std::string::npos);
    }
    // console messages (console.log/error, uncaught exceptions) appear as INFO:CONSOLE lines
    CHECK(r.log.find(":CONSOLE") == std::string::npos);
    // PNG: signature, IHDR of the window size, more bytes than a blank page compresses to
    REQUIRE(r.png.size() > 33);
    CHECK(r.png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
    CHECK(r.png.compare(12, 4, "IHDR") == 0);
    CHECK(be32(r.png, 16) == std::uint32_t(width));
    CHECK(be32(r.png, 20) == std::uint32_t(height));
    CHECK(r.png.size() > min_png_bytes);
}

}  // namespace

TEST_CASE("report: the full page renders in headless Chromium with every plot and no script error", "[report][browser]") {
    const auto fx = report_fixture();
    const auto dir = scratch("browser");
    const fs::path page = dir / "report.html";
    const std::string html = report_page(fx.store, dir, " --score risk --bootstrap 500");
    // self-contained: nothing fetched from elsewhere
    for (const char* external : {"src=\"http", "href=\"http", "<link", "@import", "url("}) {
        INFO(external);
        CHECK(html.find(external) == std::string::npos);
    }
    // this store has data for every block except the robustness ICC table
    for (const char* id : {"roc", "calibration", "km", "heatmap", "qc", "failures"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "plot");
    }
    CHECK(data_attr(html, "provenance", "state") == "table");
    CHECK(html.find("S9999") != std::string::npos);  // the failed study with its reason
    const Rendered r = render(page, dir, 1200, 2600);
    // a blank 1200 x 2600 page is a few kB of PNG; plots and text give far more
    check_page(r, 1200, 2600, 100000);
    fs::remove_all(dir);
}

TEST_CASE("report: a store without scores, survival, QC or runs still renders, each block saying what is missing", "[report][browser]") {
    const auto dir = scratch("browser-empty");
    // an empty store: store::load of a directory with an empty parts/ folder
    fs::create_directories(dir / "store" / "parts");
    const fs::path page = dir / "report.html";
    const std::string html = report_page(dir / "store", dir);
    for (const char* id : kBlocks) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "missing");
    }
    CHECK(html.find("no signature scores in this store") != std::string::npos);
    const Rendered r = render(page, dir, 900, 700);
    check_page(r, 900, 700, 5000);
    fs::remove_all(dir);
}

// Issue 8's end-to-end case: jobs/ct-time2025.yaml over a synthetic archive. The shipped job
// extracts the features and refuses to score (coefficients not published); the test then supplies
// coefficients (a user's choice, not CT-TIME's: standardised effects of fixed sign and size, with
// the intercept centring the score) and rescores; the report of that store renders in Chromium
// with every plot drawn from the stored CT-TIME scores.
TEST_CASE("report: CT-TIME job end to end (run with a sweep, user coefficients, score, report in Chromium)", "[report][browser][ct-time]") {
    const auto dir = scratch("ct-time");
    REQUIRE(sh(kRadhpc + " synth --studies 12 --seed 5 --out '" + (dir / "archive").string() + "'", dir / "synth.log") == 0);
    // manifest + per-patient endpoint (outcome of the patient's first study) and follow-up
    {
        std::ifstream in(dir / "archive" / "manifest.csv");
        std::ofstream out(dir / "archive" / "manifest_ct.csv");
        std::string line;
        std::getline(in, line);
        out << line << ",inflamed,time,event\n";
        std::map<std::string, std::string> first;
        std::uint64_t s = 77;
        while (std::getline(in, line)) {
            if (line.empty()) continue;
            const auto c = cells(line);
            const std::string y = first.emplace(c[1], c[5]).first->second;  // patient_id, outcome
            const double u = (double(radhpc::splitmix64(s) >> 11) + 0.5) * 0x1.0p-53;
            const double t = std::ceil(-std::log(u) / (y == "1" ? 0.1 : 0.04));
            out << line << "," << y << "," << fmt(t) << "," << (radhpc::splitmix64(s) % 4 ? 1 : 0) << "\n";
        }
    }
    const std::string shipped = slurp(fs::path(RADHPC_SOURCE_DIR) / "jobs" / "ct-time2025.yaml");
    const std::string sweep = "perturbations:\n  seed: 3\n  rotation: {angles: [10]}\n"
                              "robust: {icc_type: ICC1, threshold: 0.7, redundancy_threshold: 0.9}\n";
    std::ofstream(dir / "job.yaml") << shipped << sweep;
    const std::string manifest = (dir / "archive" / "manifest_ct.csv").string(), store = (dir / "store").string();
    REQUIRE(sh(kRadhpc + " robust '" + (dir / "job.yaml").string() + "' --manifest '" + manifest + "' --store '" + store + "'",
               dir / "robust.log") == 0);
    CHECK(slurp(dir / "robust.log").find("signature 'ct-time2025': not scored") != std::string::npos);

    // the user's coefficients: b_j = effect_j / sd_j over the unperturbed lesions, intercept = -sum b_j mean_j
    REQUIRE(sh(kRadhpc + " export '" + store + "' --names pyradiomics --out '" + (dir / "features.csv").string() + "'", dir / "export.log") == 0);
    const std::vector<std::pair<std::string, double>> effects = {{"original_shape_Elongation", 0.8},
                                                                 {"original_firstorder_90Percentile", -0.6},
                                                                 {"original_glcm_MaximumProbability", 0.5},
                                                                 {"original_glszm_SizeZoneNonUniformity", 0.7}};
    std::ifstream table(dir / "features.csv");
    std::string line;
    std::getline(table, line);
    const auto header = cells(line);
    auto col = [&](const std::string& name) { return std::size_t(std::find(header.begin(), header.end(), name) - header.begin()); };
    std::vector<std::vector<double>> values(effects.size());
    while (std::getline(table, line)) {
        const auto c = cells(line);
        if (c[col("perturbation")] != "none") continue;
        for (std::size_t j = 0; j < effects.size(); ++j) values[j].push_back(std::stod(c[col(effects[j].first)]));
    }
    REQUIRE(values[0].size() >= 12);
    std::string coefficients = "  coefficients:\n";
    double intercept = 0;
    for (std::size_t j = 0; j < effects.size(); ++j) {
        double m = 0, ss = 0;
        for (double v : values[j]) m += v / double(values[j].size());
        for (double v : values[j]) ss += (v - m) * (v - m);
        const double b = effects[j].second / std::sqrt(ss / double(values[j].size() - 1));
        intercept -= b * m;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", b);
        coefficients += "    - {term: " + effects[j].first + ", value: " + buf + "}\n";
    }
    char ibuf[64];
    std::snprintf(ibuf, sizeof ibuf, "%.17g", intercept);
    std::string user = shipped;
    const std::string anchor = "  link: logistic\n";
    REQUIRE(user.find(anchor) != std::string::npos);
    user.insert(user.find(anchor), "  intercept: " + std::string(ibuf) + "\n" + coefficients + "  time: time\n  event: event\n");
    std::ofstream(dir / "user.yaml") << user << sweep;
    REQUIRE(sh(kRadhpc + " score '" + store + "' --job '" + (dir / "user.yaml").string() + "'", dir / "score.log") == 0);
    const auto contents = radhpc::store::load(store);
    const radhpc::store::SignatureResult* sig = nullptr;
    for (const auto& s : contents.signatures)
        if (s.name == "ct-time2025") sig = &s;
    REQUIRE(sig != nullptr);
    CHECK(sig->status == "scored");
    CHECK(sig->lesions.size() == values[0].size());  // every unperturbed lesion, none of the sweep's rows
    std::set<std::int64_t> patient_classes;
    for (const auto& p : sig->patients) patient_classes.insert(p.cls);
    CHECK(patient_classes == std::set<std::int64_t>{0, 1});  // two risk groups for the Kaplan-Meier plot

    const fs::path page = dir / "report.html";
    const std::string html = report_page(store, dir, " --bootstrap 200");
    INFO(slurp(dir / "report.log"));
    for (const char* id : {"roc", "calibration", "km", "icc", "heatmap", "qc"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "plot");
    }
    CHECK(html.find("ct-time2025") != std::string::npos);
    const Rendered r = render(page, dir, 1200, 2600);
    check_page(r, 1200, 2600, 100000);
    fs::remove_all(dir);
}
