// Test-retest / inter-observer ICC (issue 7): manifest rows of the same lesion with a `rater`
// column (retest scans here); `radhpc robust` writes the ICC table, the robust flags, the clusters
// and the selected set into the store. ICC against psych::ICC(x, lmer = FALSE) on the very table
// the store holds, tolerance 1e-9 (issue 7's agreement bound for the six forms and their CIs).
#include "robust_fixture.hpp"

#include <cmath>

#include "radhpc/io/image_io.hpp"
#include "radhpc/stats/redundancy.hpp"

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
    const auto robust_by_r = check_icc_against_psych(r, psych, header, usable, no_within_variance, 3, 0, kTol);
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

    // The harmonised table equals `radhpc stats combat` (sva::ComBat-equal, tests/combat) on the raw
    // scan-1 rows of the selected features with the same batch and covariate (tolerance 1e-9).
    {
        std::map<std::string, std::pair<std::string, std::string>> meta;  // study -> (scanner, age)
        for (const auto& s : c.studies) {
            std::string scanner, age;
            for (const auto& [k, v] : s.metadata) {
                if (k == "scanner") scanner = v;
                if (k == "age") age = v;
            }
            meta[s.study_id] = {scanner, age};
        }
        std::vector<std::size_t> cols;
        for (const auto& f : r.selected) cols.push_back(std::size_t(std::find(header.begin(), header.end(), f) - header.begin()));
        std::ofstream raw(dir / "raw.csv");
        raw << "study_id,scanner,age";
        for (const auto& f : r.selected) raw << "," << f;
        raw << "\n";
        for (std::size_t i = 1; i < rows.size(); ++i) {
            if (rater_of.at(rows[i][0]) != "scan1") continue;
            raw << rows[i][0] << "_L" << rows[i][2] << "," << meta.at(rows[i][0]).first << "," << meta.at(rows[i][0]).second;
            for (auto j : cols) raw << "," << rows[i][j];
            raw << "\n";
        }
        raw.close();
        REQUIRE(sh(kRadhpc + " stats combat --csv " + (dir / "raw.csv").string() + " --batch scanner --covariates age --out " +
                       (dir / "combat.csv").string(),
                   dir / "combat.log") == 0);
        const auto want = csv_rows(slurp(dir / "combat.csv"));
        REQUIRE(want.size() == sel_rows.size());
        for (std::size_t i = 1; i < want.size(); ++i) {
            CHECK(want[i][0] == sel_rows[i][0] + "_L" + sel_rows[i][2]);
            for (std::size_t q = 0; q < r.selected.size(); ++q) {
                const double a = std::stod(want[i][3 + q]);
                const double b = r.selected_table.values[(i - 1) * r.selected.size() + q];
                CHECK(std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(a)));
            }
        }
    }
    fs::remove_all(dir);
}

TEST_CASE("inter-observer ICC: explicit subject column, two observers' masks, medoid archetypes, reference observer",
          "[robust][rater][observer]") {
    // 30 lesions drawn by two observers: observer B leaves out the lesion's highest slice.
    const fs::path dir = scratch("observer");
    fs::create_directories(dir / "images");
    std::ofstream m(dir / "manifest.csv");
    m << "study_id,patient_id,image,mask,labels,subject,rater\n";
    for (int i = 0; i < 30; ++i) {
        const auto st = make_tiny_study(41, i);
        const std::string img = "images/L" + std::to_string(i) + ".nii.gz";
        radhpc::io::write_image(st.image, (dir / img).string());
        auto b = st.labels;
        for (int l = 1; l <= st.lesions; ++l) {
            std::size_t top = 0;
            for (std::size_t v = 0; v < b.data.size(); ++v)
                if (b.data[v] == l) top = std::max(top, v / (b.geometry.size[0] * b.geometry.size[1]));
            std::size_t left = 0;
            for (std::size_t v = 0; v < b.data.size(); ++v)
                if (b.data[v] == l && v / (b.geometry.size[0] * b.geometry.size[1]) == top) b.data[v] = 0;
            for (std::size_t v = 0; v < b.data.size(); ++v) left += b.data[v] == l;
            if (left == 0) b.data = st.labels.data;  // keep a lesion that would vanish as A drew it
        }
        radhpc::io::write_labels(st.labels, (dir / ("images/L" + std::to_string(i) + "_A.nii.gz")).string());
        radhpc::io::write_labels(b, (dir / ("images/L" + std::to_string(i) + "_B.nii.gz")).string());
        std::string labels;
        for (int l = 1; l <= st.lesions; ++l) labels += (l > 1 ? ";" : "") + std::to_string(l);
        for (const char* obs : {"A", "B"})
            m << "L" << i << "_" << obs << ",P" << i / 3 << "," << img << ",images/L" << i << "_" << obs << ".nii.gz," << labels
              << ",lesion" << i << ",observer" << obs << "\n";
    }
    m.close();
    const std::string job = sweep_job(dir, "robust:\n  source: rater\n  archetype: medoid\n  reference: observerB\n  criterion: ci_lower\n  threshold: 0.5\n");
    REQUIRE(sh(kRadhpc + " robust " + job + " --manifest " + (dir / "manifest.csv").string() + " --store " + (dir / "store").string(),
               dir / "robust.log") == 0);
    INFO(slurp(dir / "robust.log"));
    const store::Contents c = store::load((dir / "store").string());
    const auto& r = c.robustness;
    REQUIRE(!r.empty());
    CHECK(r.reference == "observerB");
    CHECK(!r.harmonised);
    // ICC subjects = (subject column, lesion): P-ids group three lesions each, the subject column splits them.
    std::size_t lesions = 0;
    for (const auto& k : c.features.keys) lesions += k.study_id.back() == 'A';
    for (const auto& e : r.icc) {
        CHECK(e.raters == 2);
        CHECK(std::size_t(e.subjects) == lesions);
    }
    // Robust = lower CI bound of ICC1 >= 0.5; the analysis rows are observer B's.
    std::set<std::string> robust(r.robust.begin(), r.robust.end());
    for (const auto& e : r.icc)
        if (e.type == "ICC1") CHECK((std::isfinite(e.ci_lower) && e.ci_lower >= 0.5) == (robust.count(e.feature) == 1));
    for (const auto& id : r.selected_table.study_id) CHECK(id.substr(id.size() - 2) == "_B");
    CHECK(r.selected_table.study_id.size() == lesions);
    // Clusters and medoids equal stats::redundancy (R-equal: tests/stats, tests/stats_cli) on the
    // observer-B rows of the exported feature table, columns in the stored cluster order.
    {
        const auto rows = csv_rows(export_csv(dir / "store", dir / "features.csv"));
        std::vector<std::size_t> cols;
        for (const auto& cl : r.clusters)
            cols.push_back(std::size_t(std::find(rows[0].begin(), rows[0].end(), cl.feature) - rows[0].begin()));
        std::vector<std::size_t> b_rows;
        for (std::size_t i = 1; i < rows.size(); ++i)
            if (rows[i][0].substr(rows[i][0].size() - 2) == "_B") b_rows.push_back(i);
        Eigen::MatrixXd data(Eigen::Index(b_rows.size()), Eigen::Index(cols.size()));
        for (std::size_t i = 0; i < b_rows.size(); ++i)
            for (std::size_t q = 0; q < cols.size(); ++q) data(Eigen::Index(i), Eigen::Index(q)) = std::stod(rows[b_rows[i]][cols[q]]);
        const auto red = radhpc::stats::redundancy(data, r.redundancy_threshold);
        for (std::size_t q = 0; q < cols.size(); ++q) {
            CHECK(red.cluster[q] == r.clusters[q].cluster);
            CHECK(r.clusters[std::size_t(red.archetype[std::size_t(red.cluster[q] - 1)])].feature == r.clusters[q].archetype);
        }
    }
    std::map<int, std::set<std::string>> members;
    for (const auto& cl : r.clusters) members[cl.cluster].insert(cl.feature);
    for (const auto& cl : r.clusters) CHECK(members[cl.cluster].count(cl.archetype) == 1);
    CHECK(r.selected.size() == members.size());
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
