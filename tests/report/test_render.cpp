// radhpc report without a browser: the SVG writer's number formats and ticks, and render_report on
// contents built in memory (QC checks, failures, manifest issues, runs; text from the store is
// escaped, the page's only script is the self-check).
#include <catch2/catch.hpp>

#include <cmath>

#include "radhpc/report/report.hpp"
#include "radhpc/report/svg.hpp"
#include "report_fixture.hpp"

using namespace radhpc;
namespace svg = radhpc::report::svg;

TEST_CASE("svg: deterministic number text, ticks and escaping", "[report][svg]") {
    CHECK(svg::fixed(-0.0001, 2) == "0.00");  // no "-0.00"
    CHECK(svg::fixed(2.345, 1) == "2.3");
    CHECK(svg::fixed(std::nan(""), 2) == "NA");
    CHECK(svg::fixed(INFINITY, 2) == "Inf");
    CHECK(svg::sig(0.000123456, 3) == "0.000123");
    CHECK(svg::full(0.1) == "0.10000000000000001");
    CHECK(svg::p_value(0.0123) == "0.012");
    CHECK(svg::p_value(0.00051) == "5.1e-04");
    CHECK(svg::escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    CHECK(svg::nice_ticks(0, 1) == std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1});
    CHECK(svg::nice_ticks(0, 72) == std::vector<double>{0, 20, 40, 60});
    CHECK(svg::nice_ticks(-1, 1) == std::vector<double>{-1, -0.5, 0, 0.5, 1});
    CHECK(svg::tick_decimals(svg::nice_ticks(0, 1)) == 1);
    CHECK(svg::tick_decimals(svg::nice_ticks(0, 72)) == 0);
    svg::Figure f(100, 50);
    f.text(1, 2, "x<y");
    const std::string s = f.str("id1", "t&t");
    CHECK(s.find("id=\"id1\"") != std::string::npos);
    CHECK(s.find("<title>t&amp;t</title>") != std::string::npos);
    CHECK(s.find(">x&lt;y</text>") != std::string::npos);
}

TEST_CASE("report: QC checks, failures, manifest issues and provenance from contents built in memory", "[report]") {
    store::Contents c;
    store::StudyRecord ok, bad;
    ok.study_id = "S1";
    ok.patient_id = "P1";
    ok.status = "ok";
    ok.lesions = 1;
    bad.study_id = "S2";
    bad.patient_id = "P2";
    bad.status = "error";
    bad.error_kind = "io";
    bad.message = "cannot read <script>alert(1)</script>.nii";
    c.studies = {ok, bad};
    c.qc = {{"S1", "1.2.3", "modality", "pass", "CT", "CT"},
            {"S1", "1.2.3", "kvp", "fail", "80", "120"},
            {"S1", "1.2.3", "kernel", "info", "B30f", ""},
            {"S2", "1.2.4", "kvp", "pass", "120", "120"}};
    c.manifest_issues = {{"run-1", 4, 2, "S3", "empty image path"}};
    store::RunRecord run;
    run.run_id = "run-1";
    run.state = "complete";
    run.command = "radhpc run job.yaml";
    run.job_text = "name: x # a < b\n";
    run.radhpc_version = "0.1.0";
    c.runs = {run};
    report::ReportOptions o;
    o.store = "memory";
    std::vector<std::string> notes;
    const std::string html = report::render_report(c, o, &notes);
    using report_test::data_attr;
    CHECK(data_attr(html, "qc", "state") == "plot");
    CHECK(data_attr(html, "qc", "qc-checks") == "4");
    CHECK(data_attr(html, "qc", "qc-failed") == "1");
    CHECK(html.find("id=\"qc-checks\"") != std::string::npos);  // the checks chart
    CHECK(data_attr(html, "failures", "state") == "plot");
    CHECK(data_attr(html, "failures", "failed") == "1");
    CHECK(data_attr(html, "failures", "manifest-issues") == "1");
    CHECK(html.find("empty image path") != std::string::npos);
    CHECK(data_attr(html, "provenance", "state") == "table");
    CHECK(html.find("name: x # a &lt; b") != std::string::npos);
    // no scores, no robust stage, one lesion: the other blocks say why in one line
    for (const char* id : {"roc", "calibration", "km", "icc", "heatmap"}) {
        INFO(id);
        CHECK(data_attr(html, id, "state") == "missing");
    }
    // store text is escaped: the only script is the self-check
    CHECK(html.find("<script>alert") == std::string::npos);
    CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
    const auto first = html.find("<script>");
    REQUIRE(first != std::string::npos);
    CHECK(html.find("<script>", first + 1) == std::string::npos);
    CHECK(notes.size() == 8);
}
