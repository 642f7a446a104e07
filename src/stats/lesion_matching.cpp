// Lesion matching by centroids: ICP-style rigid alignment (Kabsch) from several starts, then an
// optimal assignment (Hungarian, O(k^3), k = max(n, m) <= ~50) within the distance threshold.
#include "radhpc/stats/lesion_matching.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "radhpc/core/error.hpp"

namespace radhpc::stats {
namespace {

using Pairs = std::vector<std::pair<int, int>>;  // (row of a, row of b), ascending a

constexpr int kMaxIterations = 50;
constexpr double kMaxRotationDeg = 30.0;
constexpr double kCollinear = 0.05;  // second / first singular value of the centred b centroids

struct Rigid {
    Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();
    Eigen::Vector3d translation = Eigen::Vector3d::Zero();
};

// D(i, j) = |a_i - (R b_j + t)|.
Eigen::MatrixXd aligned_distances(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, const Rigid& t) {
    const Eigen::MatrixXd moved = (b * t.rotation.transpose()).rowwise() + t.translation.transpose();
    Eigen::MatrixXd d(a.rows(), b.rows());
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < b.rows(); ++j) d(i, j) = (a.row(i) - moved.row(j)).norm();
    return d;
}

// Translation only: the mean of a_i - b_j. Kabsch when 3 or more pairs span a plane and the
// rotation is plausible for two scans of one patient.
Rigid fit_rigid(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, const Pairs& pairs) {
    const auto k = Eigen::Index(pairs.size());
    Eigen::MatrixXd pa(k, 3), pb(k, 3);
    for (Eigen::Index r = 0; r < k; ++r) {
        pa.row(r) = a.row(pairs[std::size_t(r)].first);
        pb.row(r) = b.row(pairs[std::size_t(r)].second);
    }
    const Eigen::Vector3d ca = pa.colwise().mean().transpose(), cb = pb.colwise().mean().transpose();
    Rigid out;
    out.translation = ca - cb;
    if (k < 3) return out;
    const Eigen::MatrixXd qa = pa.rowwise() - ca.transpose(), qb = pb.rowwise() - cb.transpose();
    const Eigen::JacobiSVD<Eigen::MatrixXd> spread(qb);
    const auto s = spread.singularValues();
    if (!(s(1) > kCollinear * s(0))) return out;
    const Eigen::Matrix3d h = qb.transpose() * qa;
    const Eigen::JacobiSVD<Eigen::Matrix3d> svd(h, Eigen::ComputeFullU | Eigen::ComputeFullV);
    Eigen::Matrix3d fix = Eigen::Matrix3d::Identity();
    fix(2, 2) = (svd.matrixV() * svd.matrixU().transpose()).determinant() < 0 ? -1.0 : 1.0;
    const Eigen::Matrix3d rot = svd.matrixV() * fix * svd.matrixU().transpose();
    const double cos_angle = std::clamp((rot.trace() - 1.0) / 2.0, -1.0, 1.0);
    if (std::acos(cos_angle) > kMaxRotationDeg * M_PI / 180.0) return out;
    out.rotation = rot;
    out.translation = ca - rot * cb;
    return out;
}

// Greedy one-to-one pairing by increasing distance within the threshold (the ICP starts).
Pairs greedy_pairs(const Eigen::MatrixXd& d, double threshold) {
    std::vector<std::tuple<double, int, int>> near;
    for (Eigen::Index i = 0; i < d.rows(); ++i)
        for (Eigen::Index j = 0; j < d.cols(); ++j)
            if (d(i, j) <= threshold) near.emplace_back(d(i, j), int(i), int(j));
    std::sort(near.begin(), near.end());
    std::vector<char> used_a(std::size_t(d.rows()), 0), used_b(std::size_t(d.cols()), 0);
    Pairs pairs;
    for (const auto& [dist, i, j] : near) {
        if (used_a[std::size_t(i)] || used_b[std::size_t(j)]) continue;
        used_a[std::size_t(i)] = used_b[std::size_t(j)] = 1;
        pairs.emplace_back(i, j);
    }
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

// Optimal one-to-one pairing: the most pairs within the threshold, then the least total distance.
// Hungarian algorithm (potentials, O(k^3)) on the square k = max(n, m) matrix where a pair above the
// threshold, or with a padding row/column, costs `big` > the total of any set of allowed pairs.
Pairs optimal_pairs(const Eigen::MatrixXd& d, double threshold) {
    const int n = int(d.rows()), m = int(d.cols()), k = std::max(n, m);
    if (n == 0 || m == 0) return {};
    const double big = threshold * (std::min(n, m) + 1) + 1.0;
    auto cost = [&](int i, int j) { return i < n && j < m && d(i, j) <= threshold ? d(i, j) : big; };
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> u(std::size_t(k) + 1, 0.0), v(std::size_t(k) + 1, 0.0);
    std::vector<int> p(std::size_t(k) + 1, 0), way(std::size_t(k) + 1, 0);
    for (int i = 1; i <= k; ++i) {
        p[0] = i;
        int j0 = 0;
        std::vector<double> minv(std::size_t(k) + 1, inf);
        std::vector<char> used(std::size_t(k) + 1, 0);
        do {
            used[std::size_t(j0)] = 1;
            const int i0 = p[std::size_t(j0)];
            double delta = inf;
            int j1 = 0;
            for (int j = 1; j <= k; ++j) {
                if (used[std::size_t(j)]) continue;
                const double cur = cost(i0 - 1, j - 1) - u[std::size_t(i0)] - v[std::size_t(j)];
                if (cur < minv[std::size_t(j)]) minv[std::size_t(j)] = cur, way[std::size_t(j)] = j0;
                if (minv[std::size_t(j)] < delta) delta = minv[std::size_t(j)], j1 = j;
            }
            for (int j = 0; j <= k; ++j) {
                if (used[std::size_t(j)]) {
                    u[std::size_t(p[std::size_t(j)])] += delta;
                    v[std::size_t(j)] -= delta;
                } else {
                    minv[std::size_t(j)] -= delta;
                }
            }
            j0 = j1;
        } while (p[std::size_t(j0)] != 0);
        do {
            const int j1 = way[std::size_t(j0)];
            p[std::size_t(j0)] = p[std::size_t(j1)];
            j0 = j1;
        } while (j0 != 0);
    }
    Pairs pairs;
    for (int j = 1; j <= k; ++j) {
        const int i = p[std::size_t(j)] - 1;
        if (i < n && j - 1 < m && d(i, j - 1) <= threshold) pairs.emplace_back(i, j - 1);
    }
    std::sort(pairs.begin(), pairs.end());
    return pairs;
}

struct Alignment {
    Rigid rigid;
    Pairs pairs;
    double total = 0;  // sum of the pairs' aligned distances
    int iterations = 0;
};

// ICP: pair under the current alignment, refit on the pairs, until the pairs repeat.
template <class Assign>
Alignment iterate(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, Rigid start, double threshold, Assign assign) {
    Alignment out;
    out.rigid = start;
    Pairs previous;
    for (int it = 1; it <= kMaxIterations; ++it) {
        const Pairs pairs = assign(aligned_distances(a, b, out.rigid), threshold);
        if (pairs.empty() || (it > 1 && pairs == previous)) break;
        out.rigid = fit_rigid(a, b, pairs);
        out.iterations = it;
        previous = pairs;
    }
    const Eigen::MatrixXd d = aligned_distances(a, b, out.rigid);
    out.pairs = assign(d, threshold);
    for (const auto& [i, j] : out.pairs) out.total += d(i, j);
    return out;
}

bool better(const Alignment& x, const Alignment& y) {
    if (x.pairs.size() != y.pairs.size()) return x.pairs.size() > y.pairs.size();
    return x.total < y.total;
}

void check_centroids(const Eigen::MatrixXd& c, const char* name) {
    if (c.rows() > 0 && c.cols() != 3)
        throw Error(ErrorKind::invalid_input, std::string("match_lesions: ") + name + " must have 3 columns");
    if (!c.allFinite()) throw Error(ErrorKind::invalid_input, std::string("match_lesions: ") + name + " is not finite");
}

}  // namespace

LesionMatching match_lesions(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double threshold_mm) {
    check_centroids(a, "a");
    check_centroids(b, "b");
    if (!(threshold_mm > 0) || !std::isfinite(threshold_mm))
        throw Error(ErrorKind::invalid_input, "match_lesions: threshold_mm must be positive and finite");
    LesionMatching out;
    const Eigen::Index n = a.rows(), m = b.rows();
    if (n == 0 || m == 0) return out;
    Rigid start;
    start.translation = (a.colwise().mean() - b.colwise().mean()).transpose();
    Alignment best = iterate(a, b, start, threshold_mm, greedy_pairs);
    out.starts = 1;
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < m; ++j) {
            start.translation = (a.row(i) - b.row(j)).transpose();
            ++out.starts;
            Alignment candidate = iterate(a, b, start, threshold_mm, greedy_pairs);
            if (candidate.pairs.size() >= 2 && better(candidate, best)) best = std::move(candidate);
        }
    }
    Alignment final_alignment = iterate(a, b, best.rigid, threshold_mm, optimal_pairs);
    out.iterations = best.iterations + final_alignment.iterations;
    out.rotation = final_alignment.rigid.rotation;
    out.translation = final_alignment.rigid.translation;
    if (final_alignment.pairs.size() <= 1 && (n > 1 || m > 1)) {
        // A lone pair is self-fulfilling (a translation fits any one pair): no alignment is
        // determined, so match in the scans' own patient coordinates instead (the same patient's
        // scans share the scanner frame up to positioning), pairs within the threshold as they are.
        final_alignment.rigid = Rigid{};
        final_alignment.pairs = optimal_pairs(aligned_distances(a, b, final_alignment.rigid), threshold_mm);
        out.rotation = Eigen::Matrix3d::Identity();
        out.translation = Eigen::Vector3d::Zero();
    }
    const Eigen::MatrixXd d = aligned_distances(a, b, final_alignment.rigid);
    double squares = 0;
    for (const auto& [i, j] : final_alignment.pairs) {
        out.matches.push_back({i, j, d(i, j)});
        squares += d(i, j) * d(i, j);
    }
    if (!out.matches.empty()) out.rms_mm = std::sqrt(squares / double(out.matches.size()));
    return out;
}

}  // namespace radhpc::stats
