// Test-retest / inter-observer ICC (issue 7): manifest rows of the same lesion with a `rater`
// column (retest scans here); `radhpc robust` writes the ICC table, the robust flags, the clusters
// and the selected set into the store. ICC against psych::ICC(x, lmer = FALSE) on the very table
// the store holds, tolerance 1e-9 (issue 7's agreement bound for the six forms and their CIs).
#include "robust_fixture.hpp"

#include <cmath>

#include "radhpc/io/image_io.hpp"

using namespace robust_test;

namespace {

constexpr double kTol = 1e-9;

// 30 patients, each scanned three times: the same anatomy with fresh noise (SD 12 HU) per scan.
fs::path retest_archive(const std::string& name) {
    const fs::path dir = scratch(name);
    fs::create_directories(dir / "images");
    fs::create_directories(dir / "masks");
    std::ofstream m(dir / "manifest.csv");
    m << "study_id,patient_id,image,mask,labels,rater,scanner,age\n";
    std::uint64_t noise_seed = 99;
    for (int i = 0; i < 30; ++i) {
        const auto st = make_tiny_study(21, i);
        const std::string mask = "masks/P" + std::to_string(i) + ".nii.gz";
        radhpc::io::write_labels(st.labels, (dir / mask).string());
        std::string labels;
        for (int l = 1; l <= st.lesions; ++l) labels += (l > 1 ? ";" : "") + std::to_string(l);
        for (int scan = 1; scan <= 3; ++scan) {
            auto img = st.image;
            for (auto& v : img.data) {
                // Box-Muller from the shared generator: retest noise
                const double u1 = std::max(uniform(noise_seed), 1e-300), u2 = uniform(noise_seed);
                v = std::int16_t(std::lround(double(v) + 12.0 * std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2)));
            }
            const std::string id = "P" + std::to_string(i) + "_scan" + std::to_string(scan);
            radhpc::io::write_image(img, (dir / "images" / (id + ".nii.gz")).string());
            m << id << ",P" << i << ",images/" << id << ".nii.gz," << mask << "," << labels << ",scan" << scan << ","
              << (i % 2 ? "A" : "B") << "," << 40 + i << "\n";
        }
    }
    return dir;
}

}  // namespace

TEST_CASE("robust over retest scans (manifest rater column): ICC equals psych::ICC, clusters and selected set in the store",
          "[robust][rater]") {
    const fs::path dir = retest_archive("rater");
    const std::string job = sweep_job(dir,
                                      "robust:\n  source: rater\n  icc_type: ICC1\n  threshold: 0.7\n  redundancy_threshold: 0.9\n"
                                      "  combat: {batch: scanner, covariates: [age]}\n");
    const std::string cmd = kRadhpc + " robust " + job + " --manifest " + (dir / "manifest.csv").string() + " --store " + (dir / "store").string();
    REQUIRE(sh(cmd, dir / "robust.log") == 0);
    INFO(slurp(dir / "robust.log"));

    const store::Contents c = store::load((dir / "store").string());
    const auto& r = c.robustness;
    REQUIRE(!r.empty());
    CHECK(r.source == "rater");
    CHECK(r.reference == "scan1");
    CHECK(r.harmonised);

    // The long table psych gets: the store's rows, subject = patient + lesion, rater = scan.
    const auto rows = csv_rows(export_csv(dir / "store", dir / "features.csv"));
    REQUIRE(rows.size() > 1);
    const auto& header = rows[0];
    std::map<std::string, std::string> rater_of;
    for (const auto& s : c.studies)
        for (const auto& [k, v] : s.metadata)
            if (k == "rater") rater_of[s.study_id] = v;
    std::vector<std::size_t> usable;  // features without missing cells and not constant
    for (std::size_t j = 4; j < header.size(); ++j) {
        std::set<std::string> distinct;
        bool missing = false;
        for (std::size_t i = 1; i < rows.size(); ++i) {
            missing = missing || rows[i][j].empty();
            distinct.insert(rows[i][j]);
        }
        if (!missing && distinct.size() > 1) usable.push_back(j);
    }
    REQUIRE(usable.size() >= 10);
    {
        std::ofstream long_csv(dir / "long.csv");
        long_csv << "subject,rater";
        for (auto j : usable) long_csv << "," << header[j];
        long_csv << "\n";
        for (std::size_t i = 1; i < rows.size(); ++i) {
            long_csv << rows[i][1] << "_L" << rows[i][2] << "," << rater_of.at(rows[i][0]);
            for (auto j : usable) long_csv << "," << rows[i][j];
            long_csv << "\n";
        }
    }
    const auto psych = psych_icc(dir / "long.csv", dir);
    // Features identical across the raters of every subject (shape features: the scans share the
    // mask) have a zero within-subject mean square: F is infinite and psych's F-based bounds are
    // 0/0 artefacts (NaN or +-Inf depending on rounding in the sums). For these only the point
    // estimates are compared; their bounds are listed here, not silently skipped.
    std::set<std::string> no_within_variance;
    for (auto j : usable) {
        std::map<std::string, std::set<std::string>> values_of_subject;
        for (std::size_t i = 1; i < rows.size(); ++i) values_of_subject[rows[i][1] + "_L" + rows[i][2]].insert(rows[i][j]);
        if (std::all_of(values_of_subject.begin(), values_of_subject.end(), [](const auto& kv) { return kv.second.size() == 1; }))
            no_within_variance.insert(header[j]);
    }
    INFO("features without within-subject variance (bounds not compared): " << no_within_variance.size());
    CHECK(no_within_variance.size() < usable.size() / 2);
    std::map<std::string, const store::IccRow*> stored;
    for (const auto& e : r.icc) stored[e.feature + "_" + e.type] = &e;
    std::size_t compared = 0;
    std::set<std::string> robust_by_r;
    for (auto j : usable)
        for (const char* type : {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}) {
            const std::string key = header[j] + "_" + type;
            INFO(key);
            REQUIRE(stored.count(key) == 1);
            const auto& want = psych.at(key);
            const auto* got = stored.at(key);
            CHECK(got->raters == 3);
            CHECK(std::abs(got->icc - want[0]) <= kTol);
            if (!no_within_variance.count(header[j])) {
                CHECK(std::abs(got->ci_lower - want[1]) <= kTol);
                CHECK(std::abs(got->ci_upper - want[2]) <= kTol);
            }
            if (std::string(type) == "ICC1" && want[0] >= 0.7) robust_by_r.insert(header[j]);
            ++compared;
        }
    CHECK(compared == usable.size() * 6);
    // The robust list is the features whose psych ICC(1,1) reaches 0.7 (constant ones are never robust).
    CHECK(std::set<std::string>(r.robust.begin(), r.robust.end()) == robust_by_r);

    // Clusters cover the robust features (minus constants), each cluster's archetype is a member
    // and the selected set is one archetype per cluster.
    REQUIRE(!r.clusters.empty());
    std::map<int, std::string> archetype_of;
    for (const auto& cl : r.clusters) {
        CHECK(robust_by_r.count(cl.feature) == 1);
        if (archetype_of.count(cl.cluster)) CHECK(archetype_of[cl.cluster] == cl.archetype);
        archetype_of[cl.cluster] = cl.archetype;
    }
    REQUIRE(r.selected.size() == archetype_of.size());
    for (const auto& [k, a] : archetype_of) CHECK(r.selected[std::size_t(k - 1)] == a);
    // The analysis table: one row per (scan1 study, lesion), the selected features, harmonised.
    CHECK(r.selected_table.columns == r.selected);
    std::size_t scan1_rows = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) scan1_rows += rater_of.at(rows[i][0]) == "scan1";
    CHECK(r.selected_table.study_id.size() == scan1_rows);

    // CSV exports of the group.
    const auto icc_rows = csv_rows(export_table(dir / "store", "icc", dir / "icc.csv"));
    REQUIRE(icc_rows.size() == 1 + r.icc.size());
    CHECK(icc_rows[0] == std::vector<std::string>{"feature", "type", "icc", "ci_lower", "ci_upper", "subjects", "raters"});
    const auto cl_rows = csv_rows(export_table(dir / "store", "clusters", dir / "clusters.csv"));
    CHECK(cl_rows.size() == 1 + r.clusters.size());
    const auto sel_rows = csv_rows(export_table(dir / "store", "selected", dir / "selected.csv", " --metadata"));
    REQUIRE(sel_rows.size() == 1 + scan1_rows);
    CHECK(std::find(sel_rows[0].begin(), sel_rows[0].end(), "scanner") != sel_rows[0].end());
    CHECK(sel_rows[0].back() == r.selected.back());
    fs::remove_all(dir);
}

TEST_CASE("robust without raters is an error naming the column", "[robust][rater][errors]") {
    const fs::path dir = scratch("norater");
    const std::string archive = tiny_archive(6);
    const std::string job = sweep_job(dir, "robust: {source: rater}\n");
    const std::string cmd = kRadhpc + " robust " + job + " --manifest " + archive + "/manifest.csv --store " + (dir / "store").string();
    CHECK(sh(cmd, dir / "log") == 2);
    CHECK(slurp(dir / "log").find("`rater` column") != std::string::npos);
    fs::remove_all(dir);
}
