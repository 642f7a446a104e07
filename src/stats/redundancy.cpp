#include "radhpc/stats/redundancy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "radhpc/core/error.hpp"

namespace radhpc::stats {

namespace {

using Eigen::Index;

// Ranks 1..n, ties sharing their average rank (R's rank(ties.method = "average")).
Eigen::VectorXd average_ranks(const Eigen::VectorXd& v) {
    const Index n = v.size();
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Index(0));
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return v(a) < v(b); });
    Eigen::VectorXd rank(n);
    for (Index i = 0; i < n;) {
        Index j = i;
        while (j + 1 < n && v(order[std::size_t(j + 1)]) == v(order[std::size_t(i)])) ++j;
        const double r = 0.5 * double(i + j) + 1.0;
        for (Index k = i; k <= j; ++k) rank(order[std::size_t(k)]) = r;
        i = j + 1;
    }
    return rank;
}

}  // namespace

Eigen::MatrixXd spearman_correlation(const Eigen::MatrixXd& data) {
    if (data.rows() < 2) throw Error(ErrorKind::invalid_input, "spearman: need at least 2 samples");
    if (!data.allFinite()) throw Error(ErrorKind::invalid_input, "spearman: missing or non-finite values");
    const Index n = data.rows(), p = data.cols();
    Eigen::MatrixXd centred(n, p);
    for (Index j = 0; j < p; ++j) {
        const Eigen::VectorXd r = average_ranks(data.col(j));
        centred.col(j) = r.array() - r.mean();  // ranks are multiples of 1/2: exact
    }
    // R's cor: covariance sums / (n - 1), then divided by the product of the standard deviations,
    // clamped to [-1, 1]. Kept in this order so that exact duplicates and mirror images get
    // |rho| = 1 exactly, as in R (normalising the columns first can leave 1 - 1e-16).
    const Eigen::MatrixXd cov = (centred.transpose() * centred) / double(n - 1);
    const Eigen::VectorXd sd = cov.diagonal().cwiseSqrt();
    Eigen::MatrixXd rho(p, p);
    for (Index j = 0; j < p; ++j) {
        if (sd(j) == 0) throw Error(ErrorKind::invalid_input, "spearman: feature " + std::to_string(j + 1) + " is constant");
        for (Index i = 0; i < p; ++i) rho(i, j) = std::clamp(cov(i, j) / (sd(i) * sd(j)), -1.0, 1.0);
        rho(j, j) = 1.0;
    }
    return rho;
}

Dendrogram average_linkage(const Eigen::MatrixXd& distance) {
    const Index n = distance.rows();
    Dendrogram tree;
    if (n < 2) return tree;
    Eigen::MatrixXd d = distance;
    std::vector<int> size(static_cast<std::size_t>(n), 1), label(static_cast<std::size_t>(n));
    std::vector<bool> active(std::size_t(n), true);
    for (Index i = 0; i < n; ++i) label[std::size_t(i)] = -int(i + 1);
    for (Index step = 1; step < n; ++step) {
        Index best_i = -1, best_j = -1;
        double best = std::numeric_limits<double>::infinity();
        for (Index i = 0; i < n; ++i) {
            if (!active[std::size_t(i)]) continue;
            for (Index j = i + 1; j < n; ++j)
                if (active[std::size_t(j)] && d(i, j) < best) {
                    best = d(i, j);
                    best_i = i;
                    best_j = j;
                }
        }
        if (best_i < 0) throw Error(ErrorKind::invalid_input, "average linkage: non-finite distances");
        // hclust lists the singleton (negative) first, two singletons and two clusters in increasing order
        int a = label[std::size_t(best_i)], b = label[std::size_t(best_j)];
        if ((a > 0 && b < 0) || (a < 0 && b < 0 && a < b) || (a > 0 && b > 0 && a > b)) std::swap(a, b);
        tree.merge.emplace_back(a, b);
        tree.height.push_back(best);
        // Lance-Williams, average linkage: d(k, i+j) = (n_i d(k,i) + n_j d(k,j)) / (n_i + n_j)
        const double ni = size[std::size_t(best_i)], nj = size[std::size_t(best_j)];
        for (Index k = 0; k < n; ++k) {
            if (!active[std::size_t(k)] || k == best_i || k == best_j) continue;
            const double v = (ni * d(k, best_i) + nj * d(k, best_j)) / (ni + nj);
            d(k, best_i) = d(best_i, k) = v;
        }
        active[std::size_t(best_j)] = false;
        size[std::size_t(best_i)] += size[std::size_t(best_j)];
        label[std::size_t(best_i)] = int(step);
    }
    return tree;
}

std::vector<int> cut_tree(const Dendrogram& tree, std::size_t leaves, double h) {
    // union-find over the merges at height <= h
    std::vector<std::size_t> parent(leaves);
    std::iota(parent.begin(), parent.end(), std::size_t(0));
    auto find = [&](std::size_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    std::vector<std::size_t> step_leaf(tree.merge.size() + 1);  // a leaf of the cluster formed at each step
    auto leaf_of = [&](int m) { return m < 0 ? std::size_t(-m - 1) : step_leaf[std::size_t(m)]; };
    for (std::size_t s = 0; s < tree.merge.size(); ++s) {
        const std::size_t a = leaf_of(tree.merge[s].first), b = leaf_of(tree.merge[s].second);
        step_leaf[s + 1] = a;
        if (tree.height[s] <= h) parent[find(a)] = find(b);
    }
    std::vector<int> cluster(leaves, 0), root_cluster(leaves, 0);
    int next = 0;
    for (std::size_t i = 0; i < leaves; ++i) {
        int& c = root_cluster[find(i)];
        if (c == 0) c = ++next;
        cluster[i] = c;
    }
    return cluster;
}

RedundancyResult redundancy(const Eigen::MatrixXd& data, double threshold) {
    if (!(threshold >= 0 && threshold <= 1)) throw Error(ErrorKind::invalid_input, "redundancy: threshold must be in [0, 1]");
    RedundancyResult r;
    r.abs_correlation = spearman_correlation(data).cwiseAbs();
    const Index p = r.abs_correlation.rows();
    const Eigen::MatrixXd distance = 1.0 - r.abs_correlation.array();
    r.tree = average_linkage(distance);
    r.cluster = cut_tree(r.tree, std::size_t(p), 1.0 - threshold);
    const int clusters = p == 0 ? 0 : *std::max_element(r.cluster.begin(), r.cluster.end());
    r.archetype.assign(std::size_t(clusters), -1);
    std::vector<double> best(std::size_t(clusters), -1.0);
    // Medoid score: sum of |rho| over all members, self included, in column order. It ranks
    // members as the mean |rho| to the other members does, and exact duplicates (identical
    // |rho| rows) get bitwise-equal scores, so their tie goes to the earlier column.
    for (Index f = 0; f < p; ++f) {
        const int c = r.cluster[std::size_t(f)];
        double score = 0;
        for (Index g = 0; g < p; ++g)
            if (r.cluster[std::size_t(g)] == c) score += r.abs_correlation(f, g);
        if (score > best[std::size_t(c - 1)]) {  // strict: ties keep the earlier column
            best[std::size_t(c - 1)] = score;
            r.archetype[std::size_t(c - 1)] = int(f);
        }
    }
    return r;
}

}  // namespace radhpc::stats
