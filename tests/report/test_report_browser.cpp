// radhpc report rendered in headless Chromium: the page loads from file:// without network, its
// inline self-check script finds every block drawn (html[data-selfcheck="ok"], read back with
// --dump-dom), nothing is written to the console (no script errors), and the screenshot is a real
// PNG of the window size with content. A missing chromium is a failure (scripts/setup.sh installs it).
#include <catch2/catch.hpp>

#include "radhpc/dist/report.hpp"
#include "report_fixture.hpp"

using namespace report_test;

namespace {

const char* kBlocks[] = {"roc", "calibration", "km", "icc", "heatmap", "qc", "failures", "provenance"};

struct Rendered {
    std::string dom, log;
    std::string png;
};

Rendered render(const fs::path& page, const fs::path& dir, int width, int height) {
    const std::string browser = chromium();
    const fs::path png = dir / "page.png", dom = dir / "dom.html", log = dir / "chromium.log";
    const std::string cmd = "timeout 120 " + browser + " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir='" +
                            (dir / "profile").string() + "' --enable-logging=stderr --v=0 --screenshot='" + png.string() +
                            "' --window-size=" + std::to_string(width) + "," + std::to_string(height) + " --dump-dom 'file://" +
                            page.string() + "' > '" + dom.string() + "' 2> '" + log.string() + "'";
    const int rc = std::system(cmd.c_str());
    INFO(cmd << "\n" << slurp(log));
    REQUIRE(WIFEXITED(rc));
    REQUIRE(WEXITSTATUS(rc) == 0);
    return {slurp(dom), slurp(log), slurp(png)};
}

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
    REQUIRE(sh(kRadhpc + " report '" + fx.store.string() + "' --out '" + page.string() + "' --score risk --bootstrap 500", dir / "report.log") == 0);
    const std::string html = slurp(page);
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
    REQUIRE(sh(kRadhpc + " report '" + (dir / "store").string() + "' --out '" + page.string() + "'", dir / "report.log") == 0);
    const std::string html = slurp(page);
    for (const char* id : kBlocks) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "missing");
    }
    CHECK(html.find("no signature scores in this store") != std::string::npos);
    const Rendered r = render(page, dir, 900, 700);
    check_page(r, 900, 700, 5000);
    fs::remove_all(dir);
}
