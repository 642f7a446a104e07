// radhpc longitudinal (issue 18) through the binary on a synthetic archive whose patients have two
// studies each (radhpc synth: lesion sets that differ between a patient's studies), given a
// timepoint (baseline, fu1), a day and a lesion_ids column: every change equals the difference of
// the stored per-study features, resolved and new lesions are recorded as such, identities through
// the label values and through the lesion_ids column give the same table, the paired tests equal R
// (wilcox.test / t.test paired, p.adjust BH), and adding a study computes only that study.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>

#include "../stats/r_oracle.hpp"
#include "common/csv_table.hpp"
#include "common/test_util.hpp"

namespace fs = std::filesystem;
using testutil::csv_rows;
using testutil::sh;
using testutil::slurp;

namespace {

std::string bin() { return RADHPC_BINARY; }

using Csv = testutil::CsvTable;
Csv read_csv(const fs::path& p) { return testutil::read_csv_table(p); }

// The synth manifest plus timepoint (odd studies baseline, even fu1: the patient's second study),
// day, and lesion_ids "A<label>" for each label. `skip` leaves studies out.
void write_manifest(const fs::path& archive, const fs::path& out, const std::set<std::string>& skip = {}) {
    const Csv m = read_csv(archive / "manifest.csv");
    std::ofstream f(out);
    for (const auto& h : m.header) f << h << ",";
    f << "timepoint,day,lesion_ids\n";
    for (const auto& r : m.rows) {
        if (skip.count(r[0])) continue;
        const int n = std::stoi(r[0].substr(1));
        std::string ids;
        std::stringstream labels(r[m.col("labels")]);
        for (std::string l; std::getline(labels, l, ';');) ids += (ids.empty() ? "A" : ";A") + l;
        for (std::size_t j = 0; j < r.size(); ++j) f << (j == m.col("image") || j == m.col("mask") ? (archive / r[j]).string() : r[j]) << ",";
        f << (n % 2 ? "baseline" : "fu1") << "," << (n % 2 ? 0 : 90) << "," << ids << "\n";
    }
}

void write_job(const fs::path& dir, const std::string& identity) {
    std::ofstream job(dir / ("job-" + identity + ".yaml"));
    job << "version: 1\nname: longitudinal-test\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
        << "  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures:\n  families: [morph, stat]\n"
        << "longitudinal:\n  order: day\n  identity: " << identity << "\n  features: [morph_volume, stat_mean, stat_var, stat_skew]\n";
}

double num(const std::string& s) { return s.empty() ? std::nan("") : std::stod(s); }

}  // namespace

TEST_CASE("longitudinal changes equal the differences of the stored features, by labels and by lesion_ids", "[longitudinal]") {
    const auto dir = testutil::scratch_dir("radhpc_long_", "changes");
    REQUIRE(sh(bin() + " synth --studies 12 --seed 3 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    write_manifest(dir / "archive", dir / "manifest.csv");
    write_job(dir, "label");
    write_job(dir, "lesion_ids");
    const std::string store = (dir / "store").string();
    REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " run " + (dir / "job-label.yaml").string() + " --manifest " + (dir / "manifest.csv").string() +
                   " --store " + store + " -q",
               dir / "run.log") == 0);
    REQUIRE(sh(bin() + " export " + store + " --out " + (dir / "features.csv").string(), dir / "export.log") == 0);
    const Csv features = read_csv(dir / "features.csv");
    std::map<std::pair<std::string, std::string>, std::size_t> row_of;  // (study, lesion) -> row
    for (std::size_t i = 0; i < features.rows.size(); ++i) row_of[{features.rows[i][0], features.rows[i][2]}] = i;

    std::map<std::string, Csv> tables;
    for (const std::string identity : {"label", "lesion_ids"}) {
        REQUIRE(sh(bin() + " longitudinal " + (dir / ("job-" + identity + ".yaml")).string() + " --manifest " + (dir / "manifest.csv").string() +
                       " --store " + store,
                   dir / ("long-" + identity + ".log")) == 0);
        REQUIRE(sh(bin() + " export " + store + " --table longitudinal --out " + (dir / (identity + ".csv")).string(), dir / "x.log") == 0);
        tables[identity] = read_csv(dir / (identity + ".csv"));
    }
    const Csv& t = tables["label"];
    // Every patient: baseline vs fu1 under both pair kinds (fu1's previous timepoint is the baseline).
    std::map<std::string, int> status;
    for (const auto& r : t.rows) {
        ++status[r[t.col("status")]];
        const std::string from_study = r[t.col("from_study")], to_study = r[t.col("to_study")], lesion = r[t.col("lesion_id")];
        if (r[t.col("status")] != "both") {
            CHECK(num(r[t.col("delta_stat_mean")]) != num(r[t.col("delta_stat_mean")]));  // NaN: empty
            CHECK((r[t.col("status")] == "new" ? from_study : to_study).empty());
            continue;
        }
        const auto& a = features.rows[row_of.at({from_study, lesion})];
        const auto& b = features.rows[row_of.at({to_study, lesion})];
        for (const std::string f : {"morph_volume", "stat_mean", "stat_var", "stat_skew"}) {
            const double x = num(a[features.col(f)]), y = num(b[features.col(f)]);
            CHECK(num(r[t.col("delta_" + f)]) == y - x);  // the same subtraction of the same doubles: exact
            CHECK(num(r[t.col("relative_" + f)]) == (y - x) / x);
        }
        CHECK(num(r[t.col("volume_from")]) == num(a[features.col("morph_volume")]));
    }
    // A direct count from the manifest's labels: per patient, labels at baseline and fu1.
    const Csv m = read_csv(dir / "manifest.csv");
    std::map<std::string, std::set<std::string>> labels;
    for (const auto& r : m.rows) {
        std::stringstream ls(r[m.col("labels")]);
        for (std::string l; std::getline(ls, l, ';');) labels[r[m.col("patient_id")] + r[m.col("timepoint")]].insert(l);
    }
    int both = 0, resolved = 0, appeared = 0;
    for (int p = 1; p <= 6; ++p) {
        const std::string id = "P000" + std::to_string(p);
        for (const auto& l : labels[id + "baseline"]) (labels[id + "fu1"].count(l) ? both : resolved) += 1;
        for (const auto& l : labels[id + "fu1"]) appeared += !labels[id + "baseline"].count(l);
    }
    CHECK(status["both"] == 2 * both);
    CHECK(status["resolved"] == 2 * resolved);
    CHECK(status["new"] == 2 * appeared);
    CHECK(appeared > 0);
    // The lesion_ids identities name the same lesions "A<label>": the same table otherwise.
    const Csv& u = tables["lesion_ids"];
    REQUIRE(u.rows.size() == t.rows.size());
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        auto a = t.rows[i], b = u.rows[i];
        CHECK(b[u.col("lesion_id")] == "A" + a[t.col("lesion_id")]);
        a[t.col("lesion_id")] = b[u.col("lesion_id")] = "";
        CHECK(a == b);
    }

    // Paired tests against R on the lesions present at both timepoints.
    REQUIRE(sh(bin() + " export " + store + " --table longitudinal-tests --out " + (dir / "tests.csv").string(), dir / "x.log") == 0);
    const Csv tests = read_csv(dir / "tests.csv");
    REQUIRE(tests.rows.size() == 4);
    {
        std::ofstream pairs(dir / "pairs.csv");
        pairs << std::setprecision(17) << "feature,before,after\n";
        for (const auto& r : t.rows) {
            if (r[t.col("status")] != "both" || r[t.col("pair")] != "baseline") continue;
            const auto& a = features.rows[row_of.at({r[t.col("from_study")], r[t.col("lesion_id")]})];
            const auto& b = features.rows[row_of.at({r[t.col("to_study")], r[t.col("lesion_id")]})];
            for (const std::string f : {"morph_volume", "stat_mean", "stat_var", "stat_skew"})
                pairs << f << "," << a[features.col(f)] << "," << b[features.col(f)] << "\n";
        }
    }
    rtest::require_rscript();
    REQUIRE(sh("Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/longitudinal/r/paired.R " + (dir / "pairs.csv").string() + " " +
                   (dir / "r.csv").string(),
               dir / "r.log") == 0);
    const auto r = rtest::read_results(dir / "r.csv");
    for (const auto& row : tests.rows) {
        const std::string f = row[tests.col("feature")];
        CHECK(row[tests.col("n")] == std::to_string(both));
        // p-values of closed forms and exact distributions: 1e-10 relative (tests/stats' R tolerance).
        CHECK(num(row[tests.col("wilcoxon_v")]) == Approx(rtest::get(r, f + ".v")).epsilon(1e-12));
        CHECK(num(row[tests.col("wilcoxon_p")]) == Approx(rtest::get(r, f + ".wp")).epsilon(1e-10));
        CHECK(num(row[tests.col("wilcoxon_p_bh")]) == Approx(rtest::get(r, f + ".wbh")).epsilon(1e-10));
        CHECK(num(row[tests.col("t")]) == Approx(rtest::get(r, f + ".t")).epsilon(1e-10));
        CHECK(num(row[tests.col("t_df")]) == rtest::get(r, f + ".df"));
        CHECK(num(row[tests.col("t_p")]) == Approx(rtest::get(r, f + ".tp")).epsilon(1e-10));
        CHECK(num(row[tests.col("t_p_bh")]) == Approx(rtest::get(r, f + ".tbh")).epsilon(1e-10));
    }
}

TEST_CASE("longitudinal: a study added to the store is the only one computed and the other changes stay", "[longitudinal]") {
    const auto dir = testutil::scratch_dir("radhpc_long_", "incremental");
    REQUIRE(sh(bin() + " synth --studies 12 --seed 3 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    write_manifest(dir / "archive", dir / "before.csv", {"S0012"});
    write_manifest(dir / "archive", dir / "after.csv");
    write_job(dir, "label");
    const std::string job = (dir / "job-label.yaml").string(), store = (dir / "store").string();
    const auto step = [&](const std::string& manifest, const std::string& tag) {
        REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " run " + job + " --manifest " + manifest + " --store " + store, dir / ("run-" + tag + ".log")) == 0);
        REQUIRE(sh(bin() + " longitudinal " + job + " --manifest " + manifest + " --store " + store, dir / ("long-" + tag + ".log")) == 0);
        REQUIRE(sh(bin() + " export " + store + " --table longitudinal --out " + (dir / (tag + ".csv")).string(), dir / "x.log") == 0);
        return read_csv(dir / (tag + ".csv"));
    };
    const Csv before = step((dir / "before.csv").string(), "before");
    const Csv after = step((dir / "after.csv").string(), "after");
    const std::string log = slurp(dir / "run-after.log");
    INFO(log);
    CHECK(log.find("12 studies: 1 computed") != std::string::npos);
    CHECK(log.find("11 skipped (unchanged)") != std::string::npos);
    // P0006 gains its fu1 study: its rows appear; every earlier row is unchanged, bit for bit.
    std::set<std::vector<std::string>> after_rows(after.rows.begin(), after.rows.end());
    for (const auto& r : before.rows) CHECK(after_rows.count(r) == 1);
    std::size_t p6 = 0;
    for (const auto& r : after.rows) p6 += r[after.col("patient_id")] == "P0006";
    CHECK(p6 > 0);
    CHECK(after.rows.size() == before.rows.size() + p6);
}

TEST_CASE("longitudinal: a signature's class per timepoint and survival by it equal R", "[longitudinal]") {
    // synth --signal: outcome and survival planted through lesion intensity; a one-feature signature
    // (lower median intensity -> positive) scored by radhpc score, followed per timepoint.
    const auto dir = testutil::scratch_dir("radhpc_long_", "survival");
    REQUIRE(sh(bin() + " synth --signal --studies 40 --seed 11 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    write_manifest(dir / "archive", dir / "manifest.csv");
    {
        std::ofstream job(dir / "job.yaml");
        job << "version: 1\nname: longitudinal-survival\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
            << "  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures:\n  families: [morph, stat]\n"
            << "signature:\n  name: intensity\n  features: [stat_median]\n  coefficients: [{term: stat_median, value: -0.08}]\n  intercept: 4.8\n"
            << "  standardisation: {required: false}\n  threshold: 0.5\n  aggregation: mean\n"
            << "longitudinal:\n  order: day\n  identity: label\n  features: [morph_volume, stat_median]\n  signature: intensity\n  time: time\n  event: event\n";
    }
    const std::string job = (dir / "job.yaml").string(), store = (dir / "store").string(), manifest = (dir / "manifest.csv").string();
    REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " run " + job + " --manifest " + manifest + " --store " + store + " -q", dir / "run.log") == 0);
    REQUIRE(sh(bin() + " score " + store + " --job " + job, dir / "score.log") == 0);
    REQUIRE(sh(bin() + " longitudinal " + job + " --manifest " + manifest + " --store " + store, dir / "long.log") == 0);
    REQUIRE(sh(bin() + " export " + store + " --table longitudinal-classes --out " + (dir / "classes.csv").string(), dir / "x.log") == 0);
    REQUIRE(sh(bin() + " export " + store + " --table longitudinal-survival --out " + (dir / "survival.csv").string(), dir / "x.log") == 0);
    const Csv classes = read_csv(dir / "classes.csv"), survival = read_csv(dir / "survival.csv");
    const Csv m = read_csv(dir / "manifest.csv");
    REQUIRE(classes.rows.size() >= 30);
    {
        std::ofstream d(dir / "surv_in.csv");
        d << "timepoint,positive,time,event\n";
        for (const auto& k : classes.rows)
            for (const auto& r : m.rows)
                if (r[m.col("study_id")] == k[classes.col("study_id")])
                    d << k[classes.col("timepoint")] << "," << (k[classes.col("label")] == "positive") << "," << r[m.col("time")] << "," << r[m.col("event")] << "\n";
    }
    REQUIRE(sh("Rscript --vanilla " + std::string(RADHPC_SOURCE_DIR) + "/tests/longitudinal/r/survival.R " + (dir / "surv_in.csv").string() + " " +
                   (dir / "r.csv").string(),
               dir / "r.log") == 0);
    const auto r = rtest::read_results(dir / "r.csv");
    int compared = 0;
    for (const auto& row : survival.rows) {
        const std::string tp = row[survival.col("timepoint")];
        const int g = row[survival.col("label")] == "positive";
        // survfit's median, survdiff, coxph: the survival tests' tolerances (tests/stats/test_survival.cpp).
        const double median = num(row[survival.col("km_median")]);
        const double r_median = rtest::get(r, tp + ".median" + std::to_string(g));
        if (std::isnan(r_median)) CHECK(std::isnan(median));
        else CHECK(median == Approx(r_median).epsilon(1e-12));
        if (r.count(tp + ".chisq")) {
            CHECK(num(row[survival.col("logrank_chisq")]) == Approx(rtest::get(r, tp + ".chisq")).epsilon(1e-9));
            CHECK(num(row[survival.col("hazard_ratio")]) == Approx(rtest::get(r, tp + ".hr")).epsilon(1e-6));
            CHECK(num(row[survival.col("hr_lower")]) == Approx(rtest::get(r, tp + ".hr_lower")).epsilon(1e-6));
            CHECK(num(row[survival.col("hr_upper")]) == Approx(rtest::get(r, tp + ".hr_upper")).epsilon(1e-6));
            ++compared;
        }
    }
    CHECK(compared >= 2);  // both classes present at both timepoints

    // The change features as validate's table (a delta signature): one row per lesion present at the
    // baseline and at fu1, the features delta_<f>, the outcome from the later study's manifest row.
    {
        std::ofstream v(dir / "validate.yaml");
        v << "name: delta\nvalidate:\n  table: longitudinal\n  outcome: outcome\n  fixed: {alpha: 1, lambda: 0.01}\n"
          << "  bootstrap: {replicates: 0}\n  output: delta-out\n";
    }
    REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " validate " + (dir / "validate.yaml").string() + " --store " + store, dir / "validate.log") == 0);
    REQUIRE(sh(bin() + " export " + store + " --table longitudinal --out " + (dir / "changes.csv").string(), dir / "x.log") == 0);
    const Csv changes = read_csv(dir / "changes.csv"), predictions = read_csv(dir / "delta-out/predictions.csv");
    std::size_t both = 0;
    for (const auto& row : changes.rows) both += row[changes.col("pair")] == "baseline" && row[changes.col("status")] == "both";
    CHECK(predictions.rows.size() == both);
    const std::string coefficients = slurp(dir / "delta-out/coefficients.csv");
    CHECK(coefficients.find("delta_morph_volume") != std::string::npos);
    CHECK(coefficients.find("delta_stat_median") != std::string::npos);
}

namespace {

// A tiny extraction job with a longitudinal section (extra lines appended by the caller).
void write_tp_job(const fs::path& path, const std::string& longitudinal) {
    std::ofstream job(path);
    job << "version: 1\nname: longitudinal-tp\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
        << "  discretisation: {method: fixed_bin_size, bin_width: 25}\nfeatures:\n  families: [morph, stat]\n"
        << "longitudinal:\n  order: day\n  features: [morph_volume, stat_mean]\n" << longitudinal;
}

// Rows of a longitudinal export with the lesion id rewritten by `id` (other columns as written).
std::multiset<std::vector<std::string>> normalised(const Csv& t, const std::function<std::string(const std::string&)>& id, std::size_t columns) {
    std::multiset<std::vector<std::string>> out;
    for (auto r : t.rows) {
        r[t.col("lesion_id")] = id(r[t.col("lesion_id")]);
        r.resize(columns);
        out.insert(r);
    }
    return out;
}

}  // namespace

TEST_CASE("longitudinal over synth --timepoints: centroid matching recovers the label identities", "[longitudinal]") {
    const auto dir = testutil::scratch_dir("radhpc_long_", "matching");
    REQUIRE(sh(bin() + " synth --timepoints 3 --studies 15 --seed 4 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    const std::string manifest = (dir / "archive/manifest.csv").string(), store = (dir / "store").string();
    write_tp_job(dir / "label.yaml", "  identity: label\n");
    write_tp_job(dir / "match.yaml", "  identity: label\n  matching: {threshold_mm: 10, use: true}\n");
    REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " run " + (dir / "label.yaml").string() + " --manifest " + manifest + " --store " + store + " -q",
               dir / "run.log") == 0);
    std::map<std::string, Csv> t;
    for (const std::string name : {"label", "match"}) {
        REQUIRE(sh(bin() + " longitudinal " + (dir / (name + ".yaml")).string() + " --manifest " + manifest + " --store " + store, dir / (name + ".log")) == 0);
        REQUIRE(sh(bin() + " export " + store + " --table longitudinal --out " + (dir / (name + ".csv")).string(), dir / "x.log") == 0);
        t[name] = read_csv(dir / (name + ".csv"));
    }
    // synth --timepoints keeps a lesion's label value at every timepoint: the labels are the truth.
    const Csv proposals = read_csv(dir / "store/longitudinal-matches.csv");
    const Csv m = read_csv(manifest);
    std::map<std::string, std::vector<std::set<std::string>>> labels;  // patient -> labels per timepoint in order
    for (const auto& r : m.rows) {
        std::set<std::string> l;
        std::stringstream ls(r[m.col("labels")]);
        for (std::string x; std::getline(ls, x, ';');) l.insert(x);
        labels[r[m.col("patient_id")]].push_back(l);
    }
    std::size_t expected = 0;
    for (const auto& [p, per_tp] : labels)
        for (std::size_t k = 1; k < per_tp.size(); ++k)
            for (const auto& l : per_tp[k]) expected += per_tp[k - 1].count(l);
    CHECK(proposals.rows.size() == expected);  // every lesion present at consecutive timepoints, nothing else
    for (const auto& r : proposals.rows) {
        CHECK(r[proposals.col("from_lesion")] == r[proposals.col("to_lesion")]);
        CHECK(num(r[proposals.col("distance_mm")]) <= 10.0);
    }
    // Identities from the matches: the same table as by label (new lesions are named <timepoint>-<label>).
    const auto strip = [](const std::string& id) { return id.substr(id.find('-') == std::string::npos ? 0 : id.find('-') + 1); };
    const auto same = [](const std::string& id) { return id; };
    CHECK(normalised(t["match"], strip, t["match"].header.size()) == normalised(t["label"], same, t["label"].header.size()));
}

TEST_CASE("longitudinal identities by lesion_ids, RTSTRUCT ROI names and SEG segment labels give the same table", "[longitudinal]") {
    const auto dir = testutil::scratch_dir("radhpc_long_", "dicom");
    REQUIRE(sh(bin() + " synth --timepoints 2 --format dicom --studies 6 --seed 4 --out " + (dir / "archive").string(), dir / "synth.log") == 0);
    // The same archive with the SEG files as masks (segments named as the ROIs).
    {
        std::string text = slurp(dir / "archive/manifest.csv");
        for (std::size_t at; (at = text.find("rtstruct.dcm")) != std::string::npos;) text.replace(at, 12, "seg.dcm");
        std::ofstream(dir / "archive/manifest-seg.csv") << text;
    }
    write_tp_job(dir / "roi.yaml", "  identity: roi\n");
    write_tp_job(dir / "ids.yaml", "  identity: lesion_ids\n");
    std::map<std::string, Csv> t;
    const auto run = [&](const std::string& manifest, const std::string& store, const std::string& job, const std::string& tag) {
        const std::string m = (dir / "archive" / manifest).string(), s = (dir / store).string();
        if (!fs::exists(dir / store))
            REQUIRE(sh("HDF5_USE_FILE_LOCKING=FALSE " + bin() + " run " + (dir / job).string() + " --manifest " + m + " --store " + s + " -q", dir / "run.log") == 0);
        REQUIRE(sh(bin() + " longitudinal " + (dir / job).string() + " --manifest " + m + " --store " + s, dir / (tag + ".log")) == 0);
        REQUIRE(sh(bin() + " export " + s + " --table longitudinal --out " + (dir / (tag + ".csv")).string(), dir / "x.log") == 0);
        t[tag] = read_csv(dir / (tag + ".csv"));
    };
    run("manifest.csv", "rtstruct-store", "roi.yaml", "rtstruct-roi");
    run("manifest.csv", "rtstruct-store", "ids.yaml", "rtstruct-ids");
    run("manifest-seg.csv", "seg-store", "roi.yaml", "seg-roi");
    const auto roi = [](const std::string& id) { return id.rfind("lesion-", 0) == 0 ? id.substr(7) : std::string("?" + id); };
    const auto same = [](const std::string& id) { return id; };
    const auto& a = t["rtstruct-roi"];
    REQUIRE(a.rows.size() > 6);
    // Same store: every column equal, the ids "lesion-Lk" vs "Lk".
    CHECK(normalised(a, roi, a.header.size()) == normalised(t["rtstruct-ids"], same, a.header.size()));
    // RTSTRUCT polygons vs SEG bitmaps rasterise a little differently: the lesions, pairs and statuses agree.
    CHECK(normalised(a, roi, 6) == normalised(t["seg-roi"], roi, 6));
    int statuses = 0;
    for (const auto& r : a.rows) statuses += r[a.col("status")] != "both";
    CHECK(statuses > 0);  // lesions that resolve or appear are in the table as such
}
