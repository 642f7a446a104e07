// radhpc report's "Longitudinal changes" blocks (issue 18): a synthetic archive regrouped into
// patients with three timepoints (baseline, fu1, fu2; the last patient has a baseline only), a
// linear signature on stat_mean and morph_volume scored with its threshold at the median score, and
// `radhpc longitudinal` following that signature. The page renders in headless Chromium (self-check
// ok, no console message) and each block holds what the store holds: the Sankey's ribbons and its
// table are the direct count of the exported classes, the waterfall has one bar per patient with a
// later timepoint (its best = the minimum of the exported changes), one trajectory per patient, the
// paired tests sorted by BH p. Without a followed signature the transitions block says so; with a
// diameter column the waterfall uses the sum of diameters.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "report_fixture.hpp"

using namespace report_test;

namespace {

// An exported table (no quoted commas) as rows of column -> cell.
using Row = std::map<std::string, std::string>;
std::vector<Row> read_table(const fs::path& p) {
    const auto cells = testutil::csv_rows(slurp(p));
    REQUIRE(!cells.empty());
    std::vector<Row> out;
    for (std::size_t i = 1; i < cells.size(); ++i) {
        Row r;
        for (std::size_t j = 0; j < cells[0].size() && j < cells[i].size(); ++j) r[cells[0][j]] = cells[i][j];
        out.push_back(std::move(r));
    }
    return out;
}

// Synth's studies S0001.. regrouped three to a patient Q1.. at baseline, fu1, fu2 (day 0, 90, 180).
void write_manifest(const fs::path& archive, const fs::path& out) {
    auto m = testutil::csv_rows(slurp(archive / "manifest.csv"));
    REQUIRE(m.size() > 1);
    std::ofstream f(out);
    const char* tps[] = {"baseline", "fu1", "fu2"};
    for (std::size_t i = 0; i < m.size(); ++i) {
        for (std::size_t j = 0; j < m[i].size(); ++j) {
            const std::string& h = m[0][j];
            std::string v = m[i][j];
            if (i && h == "patient_id") v = "Q" + std::to_string((std::stoi(m[i][0].substr(1)) - 1) / 3 + 1);
            if (i && (h == "image" || h == "mask")) v = (archive / v).string();
            f << v << ",";
        }
        const int n = i ? std::stoi(m[i][0].substr(1)) - 1 : 0;
        f << (i ? std::string(tps[n % 3]) + "," + std::to_string(90 * (n % 3)) : std::string("timepoint,day")) << "\n";
    }
}

void write_job(const fs::path& path, const std::string& threshold, const std::string& longitudinal_extra) {
    std::ofstream(path) << "version: 1\nname: report-longitudinal\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
                           "  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures:\n  families: [morph, stat]\n"
                           "signature:\n  name: lsig\n  source: test signature (linear in stat_mean and morph_volume)\n"
                           "  features: [stat_mean, morph_volume]\n  intercept: 0\n  coefficients:\n    - {term: stat_mean, value: 1}\n"
                           "    - {term: morph_volume, value: 0.001}\n  link: linear\n  threshold: "
                        << threshold << "\n  positive_if: \">\"\n  aggregation: mean\n  labels: {positive: high, negative: low}\n"
                        << "longitudinal:\n  order: day\n  identity: label\n  features: [morph_volume, stat_mean, stat_var, stat_skew]\n"
                        << longitudinal_extra;
}

// The opening tags <TAG ...> of the elements whose tag holds `marker`, in document order.
std::vector<std::string> tags(const std::string& html, const std::string& tag, const std::string& marker) {
    std::vector<std::string> out;
    for (std::size_t at = html.find("<" + tag + " "); at != std::string::npos; at = html.find("<" + tag + " ", at + 1)) {
        const std::string t = html.substr(at, html.find('>', at) - at);
        if (t.find(marker) != std::string::npos) out.push_back(t);
    }
    return out;
}
std::string value_of(const std::string& tag, const std::string& name) {
    const auto k = tag.find(" " + name + "=\"");
    if (k == std::string::npos) FAIL("tag lacks " << name << ": " << tag.substr(0, 200));
    const auto v = k + name.size() + 3;
    return tag.substr(v, tag.find('"', v) - v);
}
// The part of the page between id="ID" and the next block.
std::string block(const std::string& html, const std::string& id) {
    const auto at = html.find("id=\"" + id + "\"");
    if (at == std::string::npos) FAIL("page lacks id=" << id);
    return html.substr(at, html.find("</figure>", at) - at);
}

std::string run(const fs::path& dir, const std::string& args, const std::string& log) {
    return "export HDF5_USE_FILE_LOCKING=FALSE && cd '" + dir.string() + "' && { " + kRadhpc + " " + args + "; } > '" + log + "' 2>&1";
}

}  // namespace

TEST_CASE("report: longitudinal blocks draw the class transitions with trajectories and waterfall and paired tests in headless Chromium",
          "[report][browser][longitudinal]") {
    const auto dir = scratch("longitudinal");
    REQUIRE(sh(kRadhpc + " synth --studies 16 --seed 3 --out '" + (dir / "archive").string() + "'", dir / "synth.log") == 0);
    write_manifest(dir / "archive", dir / "manifest.csv");
    write_job(dir / "job0.yaml", "0", "  signature: lsig\n");
    REQUIRE(std::system(run(dir, "run job0.yaml --manifest manifest.csv --store st -q", "run.log").c_str()) == 0);
    // score, follow, export the classes; the signature's threshold then goes to the median score
    auto follow = [&](const std::string& job) {
        INFO(slurp(dir / "steps.log"));
        REQUIRE(std::system(run(dir, "score st --job " + job + " && " + kRadhpc + " longitudinal " + job +
                                         " --manifest manifest.csv --store st && " + kRadhpc +
                                         " export st --table longitudinal-classes --out classes.csv && " + kRadhpc +
                                         " export st --table longitudinal-burden --out burden.csv && " + kRadhpc +
                                         " export st --table longitudinal-tests --out tests.csv",
                                     "steps.log")
                                .c_str()) == 0);
        return read_table(dir / "classes.csv");
    };
    std::vector<Row> classes = follow("job0.yaml");
    std::vector<double> scores;
    for (const auto& r : classes) scores.push_back(std::stod(r.at("score")));
    REQUIRE(scores.size() == 16);
    std::sort(scores.begin(), scores.end());
    write_job(dir / "job.yaml", fmt((scores[7] + scores[8]) / 2), "  signature: lsig\n");
    classes = follow("job.yaml");
    const auto burden = read_table(dir / "burden.csv"), tests = read_table(dir / "tests.csv");

    const std::string html = report_page(dir / "st", dir);
    INFO(slurp(dir / "report.log"));
    const Rendered r = render(dir / "report.html", dir, 1200, 5200);
    INFO("chromium log:\n" << r.log);
    CHECK(r.dom.find("data-selfcheck=\"ok\"") != std::string::npos);
    CHECK(r.log.find(":CONSOLE") == std::string::npos);
    CHECK(r.dom.find("<h2>Longitudinal changes</h2>") != std::string::npos);
    for (const char* id : {"longitudinal-transitions", "longitudinal-trajectories", "longitudinal-waterfall"}) {
        INFO(id);
        CHECK(data_attr(r.dom, id, "state") == "plot");
        CHECK(r.dom.find(std::string("'") + id + "'") != std::string::npos);  // in the self-check's list
    }
    CHECK(data_attr(r.dom, "longitudinal-tests", "state") == "table");
    CHECK(data_attr(r.dom, "longitudinal-summary", "state") == "table");

    // (1) transitions: a direct count of the exported classes between consecutive timepoints
    const std::vector<std::string> tps = {"baseline", "fu1", "fu2"};
    std::map<std::string, std::map<std::string, std::string>> label;  // patient -> timepoint -> class
    for (const auto& row : classes) label[row.at("patient_id")][row.at("timepoint")] = row.at("label");
    std::map<std::string, int> direct, both;  // "step|from|to" -> patients; step -> patients with a class at both
    std::set<std::string> labels;
    for (const auto& [p, at] : label)
        for (std::size_t k = 0; k + 1 < tps.size(); ++k) {
            for (const auto& [t, l] : at) labels.insert(l);
            if (!at.count(tps[k]) || !at.count(tps[k + 1])) continue;
            ++direct[std::to_string(k) + "|" + at.at(tps[k]) + "|" + at.at(tps[k + 1])];
            ++both[std::to_string(k)];
        }
    CHECK(labels == std::set<std::string>{"high", "low"});
    CHECK(both["0"] == 5);  // Q6 has a baseline only
    const std::string transitions = block(r.dom, "longitudinal-transitions");
    std::map<std::string, int> table, ribbons, ribbon_total;
    for (const auto& t : tags(transitions, "tr", "class=\"transition\"")) {
        const std::size_t k = std::size_t(std::find(tps.begin(), tps.end(), value_of(t, "data-from-timepoint")) - tps.begin());
        REQUIRE(k + 1 < tps.size());
        CHECK(value_of(t, "data-to-timepoint") == tps[k + 1]);
        const int n = std::stoi(value_of(t, "data-count"));
        if (n) table[std::to_string(k) + "|" + value_of(t, "data-from") + "|" + value_of(t, "data-to")] = n;
    }
    CHECK(table == direct);
    const double scale = data_number(r.dom, "longitudinal-transitions", "px-per-patient");
    for (const auto& t : tags(transitions, "path", "class=\"ribbon\"")) {
        const int n = std::stoi(value_of(t, "data-count"));
        ribbons[value_of(t, "data-step") + "|" + value_of(t, "data-from") + "|" + value_of(t, "data-to")] += n;
        ribbon_total[value_of(t, "data-step")] += n;
        CHECK(close(std::stod(value_of(t, "data-thickness")), n * scale, 1e-9));  // width = patients
    }
    CHECK(ribbons == direct);
    CHECK(ribbon_total == both);
    CHECK(data_attr(r.dom, "longitudinal-transitions", "signature") == "lsig");

    // (2) trajectories: one line per patient (score: patients with classes; volume: patients in the burden table)
    std::set<std::string> burden_patients, later;
    std::map<std::string, double> best;
    for (const auto& row : burden) {
        const std::string p = row.at("patient_id"), change = row.at("volume_change");
        burden_patients.insert(p);
        if (row.at("timepoint") == "baseline" || change.empty()) continue;
        later.insert(p);
        best[p] = best.count(p) ? std::min(best[p], std::stod(change)) : std::stod(change);
    }
    const std::string trajectories = block(r.dom, "longitudinal-trajectories");
    const auto svg_of = [&](const std::string& id) { return trajectories.substr(trajectories.find("id=\"" + id + "\"")); };
    REQUIRE(trajectories.find("id=\"longitudinal-trajectories-score\"") != std::string::npos);
    REQUIRE(trajectories.find("id=\"longitudinal-trajectories-volume\"") != std::string::npos);
    const std::string score_svg = svg_of("longitudinal-trajectories-score");
    CHECK(tags(score_svg.substr(0, score_svg.find("</svg>")), "polyline", "trajectory").size() == label.size());
    CHECK(tags(svg_of("longitudinal-trajectories-volume"), "polyline", "trajectory").size() == burden_patients.size());
    CHECK(label.size() == 6);
    CHECK(trajectories.find("id=\"longitudinal-trajectories-diameters\"") == std::string::npos);

    // (3) waterfall: one bar per patient with a later timepoint, at the minimum of its stored changes
    const std::string waterfall = block(r.dom, "longitudinal-waterfall");
    const auto bars = tags(waterfall, "rect", "wfbar");
    CHECK(bars.size() == later.size());
    CHECK(later.size() == 5);
    double previous = INFINITY;
    for (const auto& b : bars) {
        const double v = std::stod(value_of(b, "data-value"));
        CHECK(v == best.at(value_of(b, "data-patient")));
        CHECK(v <= previous);  // sorted from the largest increase
        previous = v;
    }
    CHECK(data_attr(r.dom, "longitudinal-waterfall", "measure") == "total_volume");
    CHECK(waterfall.find("RECIST partial response, a diameter threshold") != std::string::npos);
    CHECK(waterfall.find("+20%: RECIST progression, a diameter threshold") != std::string::npos);

    // (4) the paired tests: every exported test, sorted by the Wilcoxon BH p
    const auto rows = tags(block(r.dom, "longitudinal-tests"), "tr", "class=\"paired-test\"");
    CHECK(rows.size() == tests.size());
    CHECK(tests.size() == 8);
    for (std::size_t i = 1; i < rows.size(); ++i) CHECK(std::stod(value_of(rows[i - 1], "data-wilcoxon-p-bh")) <= std::stod(value_of(rows[i], "data-wilcoxon-p-bh")));

    // no followed signature, a diameter column: the transitions say so, the waterfall uses the diameters
    write_job(dir / "job-plain.yaml", "0", "  diameter_feature: morph_diam\n");
    REQUIRE(std::system(run(dir, "longitudinal job-plain.yaml --manifest manifest.csv --store st", "plain.log").c_str()) == 0);
    const fs::path plain = dir / "plain";
    fs::create_directories(plain);
    const std::string page = report_page(dir / "st", plain);
    CHECK(data_attr(page, "longitudinal-transitions", "state") == "missing");
    CHECK(block(page, "longitudinal-transitions").find("no signature is followed") != std::string::npos);
    CHECK(data_attr(page, "longitudinal-waterfall", "measure") == "sum_diameters");
    CHECK(data_number(page, "longitudinal-waterfall", "bars") == 5);
    CHECK(block(page, "longitudinal-waterfall").find("a diameter threshold") == std::string::npos);
    CHECK(data_number(page, "longitudinal-trajectories", "score-lines") == 0);
    CHECK(data_number(page, "longitudinal-trajectories", "diameter-lines") == 6);
    fs::remove_all(dir);
}
