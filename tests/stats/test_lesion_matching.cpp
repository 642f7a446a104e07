// Lesion matching by centroids (issue 18) on synthetic scans with a known answer: follow-up centroids
// are the baseline ones moved by a rigid motion (a few degrees, tens of mm) plus +-1 mm noise, with
// one lesion resolved, one new and the rows shuffled.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "r_oracle.hpp"
#include "radhpc/stats/lesion_matching.hpp"

using namespace radhpc::stats;

namespace {

struct Scans {
    Eigen::MatrixXd a, b;
    std::map<int, int> truth;  // row of a -> row of b
    int resolved = -1, added = -1;
    Eigen::Matrix3d rotation;  // a ~ rotation * b + translation
    Eigen::Vector3d translation;
};

Eigen::Vector3d random_centroid(rtest::Gen& g) {
    return {-90 + 180 * g.uniform(), -160 + 120 * g.uniform(), 1100 + 240 * g.uniform()};
}

// n baseline lesions at least 30 mm apart; the follow-up loses one and gains one when n >= 3.
Scans make_scans(int n, std::uint64_t seed, double degrees) {
    rtest::Gen g(seed);
    std::vector<Eigen::Vector3d> base;
    while (int(base.size()) < n) {
        const Eigen::Vector3d c = random_centroid(g);
        if (std::all_of(base.begin(), base.end(), [&](const Eigen::Vector3d& o) { return (o - c).norm() > 30; }))
            base.push_back(c);
    }
    Scans s;
    const Eigen::Vector3d axis = Eigen::Vector3d(0.3 + g.uniform(), -0.5 + g.uniform(), 1.0).normalized();
    s.rotation = Eigen::AngleAxisd(degrees * M_PI / 180, axis).toRotationMatrix();
    s.translation = Eigen::Vector3d(20 + 20 * g.uniform(), -40 + 10 * g.uniform(), 30 + 40 * g.uniform());
    std::vector<std::pair<int, Eigen::Vector3d>> follow;  // (row of a or -1, centroid)
    const bool churn = n >= 3;
    if (churn) s.resolved = int(g.below(std::uint64_t(n)));
    for (int i = 0; i < n; ++i) {
        if (i == s.resolved) continue;
        Eigen::Vector3d noise(g.uniform() * 2 - 1, g.uniform() * 2 - 1, g.uniform() * 2 - 1);
        follow.emplace_back(i, s.rotation.transpose() * (base[std::size_t(i)] - s.translation) + noise);
    }
    if (churn) {  // a new lesion away from every moved baseline lesion
        Eigen::Vector3d c;
        do c = random_centroid(g);
        while (std::any_of(base.begin(), base.end(), [&](const Eigen::Vector3d& o) {
            return (o - (s.rotation * c + s.translation)).norm() < 40;
        }));
        follow.emplace_back(-1, c);
    }
    for (std::size_t k = follow.size(); k > 1; --k) std::swap(follow[k - 1], follow[g.below(k)]);
    s.a.resize(n, 3);
    for (int i = 0; i < n; ++i) s.a.row(i) = base[std::size_t(i)].transpose();
    s.b.resize(Eigen::Index(follow.size()), 3);
    for (std::size_t j = 0; j < follow.size(); ++j) {
        s.b.row(Eigen::Index(j)) = follow[j].second.transpose();
        if (follow[j].first < 0) s.added = int(j);
        else s.truth[follow[j].first] = int(j);
    }
    return s;
}

double angle_deg(const Eigen::Matrix3d& r) {
    return std::acos(std::clamp((r.trace() - 1) / 2, -1.0, 1.0)) * 180 / M_PI;
}

}  // namespace

TEST_CASE("match_lesions recovers rotated and translated lesions with one resolved and one new", "[stats][lesion_matching]") {
    const std::pair<int, double> configs[] = {{8, 4}, {12, 3}, {6, 5}, {20, 2}, {40, 4}, {5, -3}};
    std::uint64_t seed = 100;
    for (const auto& [n, degrees] : configs) {
        const Scans s = make_scans(n, ++seed, degrees);
        INFO("n = " << n << ", rotation " << degrees << " degrees, seed " << seed);
        const auto m = match_lesions(s.a, s.b, 10.0);
        std::map<int, int> found;
        for (const auto& x : m.matches) {
            CHECK(x.distance_mm <= 10.0);
            CHECK(x.distance_mm < 3.5);  // noise: +-1 mm per coordinate
            found[x.a] = x.b;
        }
        CHECK(found == s.truth);
        CHECK(found.count(s.resolved) == 0);
        CHECK(std::none_of(m.matches.begin(), m.matches.end(), [&](const LesionMatch& x) { return x.b == s.added; }));
        CHECK(angle_deg(m.rotation * s.rotation.transpose()) < 1.0);
        double moved_apart = 0;  // the two motions applied to the follow-up lesions (far from the origin)
        for (Eigen::Index j = 0; j < s.b.rows(); ++j) {
            const Eigen::Vector3d c = s.b.row(j).transpose();
            moved_apart = std::max(moved_apart, (m.rotation * c + m.translation - s.rotation * c - s.translation).norm());
        }
        CHECK(moved_apart < 3.0);
        const auto again = match_lesions(s.a, s.b, 10.0);  // deterministic
        REQUIRE(again.matches.size() == m.matches.size());
        for (std::size_t k = 0; k < m.matches.size(); ++k) {
            CHECK(again.matches[k].a == m.matches[k].a);
            CHECK(again.matches[k].b == m.matches[k].b);
            CHECK(again.matches[k].distance_mm == m.matches[k].distance_mm);
        }
    }
}

TEST_CASE("match_lesions proposes nothing with a threshold below the noise", "[stats][lesion_matching]") {
    for (std::uint64_t seed : {7, 8, 9}) {
        const Scans s = make_scans(10, seed, 4);
        INFO("seed " << seed);
        CHECK(match_lesions(s.a, s.b, 0.05).matches.empty());
    }
}

TEST_CASE("match_lesions with 1 and 2 lesions aligns by translation only", "[stats][lesion_matching]") {
    const Scans one = make_scans(1, 21, 4);
    const auto m1 = match_lesions(one.a, one.b, 5.0);
    REQUIRE(m1.matches.size() == 1);
    CHECK(m1.matches[0].a == 0);
    CHECK(m1.matches[0].b == 0);
    CHECK(m1.matches[0].distance_mm < 1e-9);
    CHECK(m1.rotation == Eigen::Matrix3d::Identity());
    CHECK((m1.translation - (one.a.row(0) - one.b.row(0)).transpose()).norm() < 1e-9);

    const Scans two = make_scans(2, 22, 2);
    const auto m2 = match_lesions(two.a, two.b, 8.0);
    std::map<int, int> found;
    for (const auto& x : m2.matches) found[x.a] = x.b;
    CHECK(found == two.truth);
    CHECK(m2.rotation == Eigen::Matrix3d::Identity());

    // One lesion against two: any pair fits a translation exactly, so nothing is proposed.
    const auto m12 = match_lesions(one.a, two.b, 8.0);
    CHECK(m12.matches.empty());
    CHECK(match_lesions(two.a, Eigen::MatrixXd(0, 3), 8.0).matches.empty());
}

TEST_CASE("match_lesions rejects malformed input", "[stats][lesion_matching]") {
    const Eigen::MatrixXd a = Eigen::MatrixXd::Zero(2, 3), bad = Eigen::MatrixXd::Zero(2, 2);
    CHECK_THROWS(match_lesions(a, bad, 5.0));
    CHECK_THROWS(match_lesions(a, a, 0.0));
    Eigen::MatrixXd nan = a;
    nan(1, 1) = std::nan("");
    CHECK_THROWS(match_lesions(a, nan, 5.0));
}
