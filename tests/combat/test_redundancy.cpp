// stats::redundancy and `radhpc stats redundancy` against R: cor(method = "spearman"),
// hclust(as.dist(1 - |rho|), "average"), cutree(h = 1 - threshold). Correlations and merge
// heights <= 1e-12 (both are a few dozen floating-point operations on ranks), cluster
// memberships exact. The archetype (medoid) rule is radhpc's own (R has none): it is checked
// against R's correlation matrix.
#include "combat_test_util.hpp"

#include "radhpc/stats/redundancy.hpp"

namespace {

constexpr double kTol = 1e-12;

struct Generated {
    std::filesystem::path csv;
    std::vector<std::string> features;
    Eigen::MatrixXd data;
};

// Features from 5 latent factors with different noise (tight and loose groups), some rounded to
// create tied ranks, one monotone transform of another (|rho| = 1), plus an id (text) column and
// a numeric column to exclude.
Generated make_table(const std::string& name, int n, std::uint64_t seed, bool many_duplicates = false) {
    rtest::Gen g(seed);
    Generated t;
    const int factors = 5, per_factor = 6;
    std::vector<std::vector<double>> z(factors, std::vector<double>(std::size_t(n)));
    for (auto& f : z)
        for (auto& v : f) v = g.normal();
    std::vector<std::vector<double>> cols;
    for (int k = 0; k < factors; ++k)
        for (int m = 0; m < per_factor; ++m) {
            const double noise = 0.1 + 0.25 * m + 0.1 * k;
            std::vector<double> c(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) c[std::size_t(i)] = z[std::size_t(k)][std::size_t(i)] + noise * g.normal();
            if (m == 3)
                for (auto& v : c) v = std::round(v * 2) / 2;  // ties
            t.features.push_back("f" + std::to_string(k + 1) + "_" + std::to_string(m + 1));
            cols.push_back(c);
        }
    {
        std::vector<double> c = cols[0];
        for (auto& v : c) v = std::exp(v);  // monotone copy of f1_1
        t.features.push_back("f1_1_exp");
        cols.push_back(c);
    }
    if (many_duplicates) {
        // exact ties in the distances: copies (|rho| = 1) of several features, and a negated one
        for (int k : {2, 2, 7, 13, 13, 13}) {
            std::vector<double> c = cols[std::size_t(k)];
            for (auto& v : c) v = 3 * v + 1;
            t.features.push_back("copy_" + std::to_string(k) + "_" + std::to_string(cols.size()));
            cols.push_back(c);
        }
        std::vector<double> c = cols[20];
        for (auto& v : c) v = -v;
        t.features.push_back("neg_20");
        cols.push_back(c);
    }
    t.data.resize(n, Eigen::Index(cols.size()));
    t.csv = rtest::temp_dir() / ("redundancy_" + name + ".csv");
    std::ofstream out(t.csv);
    out << "id,scan_index";
    for (const auto& f : t.features) out << "," << f;
    out << "\n";
    char buf[64];
    for (int i = 0; i < n; ++i) {
        out << "P" << i << "," << (i % 3);
        for (std::size_t j = 0; j < cols.size(); ++j) {
            std::snprintf(buf, sizeof buf, "%.17g", cols[j][std::size_t(i)]);
            out << "," << buf;
            t.data(i, Eigen::Index(j)) = std::strtod(buf, nullptr);
        }
        out << "\n";
    }
    return t;
}

void check_archetypes(const std::vector<int>& cluster, const std::vector<int>& archetype, const Eigen::MatrixXd& abs_rho) {
    const int clusters = *std::max_element(cluster.begin(), cluster.end());
    REQUIRE(archetype.size() == std::size_t(clusters));
    for (int c = 1; c <= clusters; ++c) {
        // highest mean |rho| to the other members = highest sum over all members (self
        // included, summed in column order so exact duplicates tie exactly); ties: earlier column
        int best = -1;
        double best_score = -1;
        for (std::size_t f = 0; f < cluster.size(); ++f) {
            if (cluster[f] != c) continue;
            double score = 0;
            for (std::size_t h = 0; h < cluster.size(); ++h)
                if (cluster[h] == c) score += abs_rho(Eigen::Index(f), Eigen::Index(h));
            if (score > best_score) best_score = score, best = int(f);
        }
        CHECK(archetype[std::size_t(c - 1)] == best);
    }
}

}  // namespace

TEST_CASE("redundancy equals R's spearman / hclust average / cutree", "[redundancy]") {
    const auto t = make_table("lib", 80, 721);
    const auto p = Eigen::Index(t.features.size());
    for (const double threshold : {0.95, 0.8, 0.6, 0.3}) {
        INFO("threshold " << threshold);
        const auto r = combattest::run_oracle("redundancy.R", t.csv, "redundancy_lib", {std::to_string(threshold), "scan_index"});
        const auto got = radhpc::stats::redundancy(t.data, threshold);
        Eigen::MatrixXd r_abs(p, p);
        for (Eigen::Index j = 0; j < p; ++j)
            for (Eigen::Index i = 0; i < p; ++i) r_abs(i, j) = std::abs(rtest::get(r, "rho", std::size_t(j * p + i)));
        CHECK((got.abs_correlation - r_abs).cwiseAbs().maxCoeff() <= kTol);
        REQUIRE(got.tree.height.size() == std::size_t(p - 1));
        for (std::size_t s = 0; s < got.tree.height.size(); ++s) CHECK(std::abs(got.tree.height[s] - rtest::get(r, "height", s)) <= kTol);
        std::vector<int> r_cluster;
        for (Eigen::Index j = 0; j < p; ++j) r_cluster.push_back(int(rtest::get(r, "cluster", std::size_t(j))));
        CHECK(got.cluster == r_cluster);
        check_archetypes(got.cluster, got.archetype, r_abs);
    }
}

TEST_CASE("stats redundancy writes R's clusters with their archetypes", "[redundancy][cli]") {
    const auto t = make_table("cli", 60, 722);
    const auto p = Eigen::Index(t.features.size());
    const auto r = combattest::run_oracle("redundancy.R", t.csv, "redundancy_cli", {"0.75", "scan_index"});
    const auto run = clitest::run_radhpc("stats redundancy --csv " + t.csv.string() + " --threshold 0.75 --exclude scan_index", "redundancy_cli");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    const auto rows = clitest::csv_rows(run.out);
    REQUIRE(rows.size() == std::size_t(p + 1));
    CHECK(rows[0] == std::vector<std::string>{"feature", "cluster", "archetype"});
    Eigen::MatrixXd r_abs(p, p);
    for (Eigen::Index j = 0; j < p; ++j)
        for (Eigen::Index i = 0; i < p; ++i) r_abs(i, j) = std::abs(rtest::get(r, "rho", std::size_t(j * p + i)));
    std::vector<int> cluster;
    for (Eigen::Index j = 0; j < p; ++j) {
        REQUIRE(rows[std::size_t(j + 1)].size() == 3);
        CHECK(rows[std::size_t(j + 1)][0] == t.features[std::size_t(j)]);
        cluster.push_back(std::stoi(rows[std::size_t(j + 1)][1]));
        CHECK(cluster.back() == int(rtest::get(r, "cluster", std::size_t(j))));
    }
    // the archetype column names each cluster's medoid
    std::vector<int> archetype(std::size_t(*std::max_element(cluster.begin(), cluster.end())), -1);
    for (Eigen::Index j = 0; j < p; ++j) {
        const auto& name = rows[std::size_t(j + 1)][2];
        const auto it = std::find(t.features.begin(), t.features.end(), name);
        REQUIRE(it != t.features.end());
        archetype[std::size_t(cluster[std::size_t(j)] - 1)] = int(it - t.features.begin());
    }
    check_archetypes(cluster, archetype, r_abs);
}

TEST_CASE("redundancy with exact duplicates (tied distances) equals R", "[redundancy]") {
    const auto t = make_table("ties", 50, 723, true);
    const auto p = Eigen::Index(t.features.size());
    for (const double threshold : {1.0, 0.9, 0.7}) {
        INFO("threshold " << threshold);
        const auto r = combattest::run_oracle("redundancy.R", t.csv, "redundancy_ties", {std::to_string(threshold), "scan_index"});
        const auto got = radhpc::stats::redundancy(t.data, threshold);
        for (std::size_t s = 0; s < got.tree.height.size(); ++s) CHECK(std::abs(got.tree.height[s] - rtest::get(r, "height", s)) <= kTol);
        std::vector<int> r_cluster;
        for (Eigen::Index j = 0; j < p; ++j) r_cluster.push_back(int(rtest::get(r, "cluster", std::size_t(j))));
        CHECK(got.cluster == r_cluster);
        Eigen::MatrixXd r_abs(p, p);
        for (Eigen::Index j = 0; j < p; ++j)
            for (Eigen::Index i = 0; i < p; ++i) r_abs(i, j) = std::abs(rtest::get(r, "rho", std::size_t(j * p + i)));
        CHECK((got.abs_correlation - r_abs).cwiseAbs().maxCoeff() <= kTol);
        check_archetypes(got.cluster, got.archetype, r_abs);  // duplicates: the earlier column
    }
}
