// Feature redundancy: |Spearman| correlation matrix, average-linkage hierarchical clustering of
// the distance 1 - |rho| (R's hclust(as.dist(1 - abs(cor(x, method = "spearman"))), "average")),
// cut at height 1 - threshold (cutree(h = 1 - threshold)), and one archetype per cluster.
#pragma once
#include <Eigen/Dense>
#include <vector>

namespace radhpc::stats {

// samples x features -> features x features Spearman correlation (Pearson correlation of the
// column ranks, ties given their average rank, as cor(method = "spearman")). A constant column
// is an error (R gives NA).
Eigen::MatrixXd spearman_correlation(const Eigen::MatrixXd& data);

// Agglomerations in order: the two clusters joined (as R's hclust merge: -k is feature k
// (1-based), +s the cluster formed at step s (1-based)) and the average-linkage height.
struct Dendrogram {
    std::vector<std::pair<int, int>> merge;
    std::vector<double> height;
};
// distance: symmetric, zero diagonal. Lance-Williams average-linkage update (UPGMA), always
// joining the closest pair (first in row-major order among equals).
Dendrogram average_linkage(const Eigen::MatrixXd& distance);

// Cluster of each leaf (1-based) after the merges with height <= h; clusters numbered in order
// of their first leaf, as cutree numbers them.
std::vector<int> cut_tree(const Dendrogram& tree, std::size_t leaves, double h);

struct RedundancyResult {
    Eigen::MatrixXd abs_correlation;  // |rho|
    Dendrogram tree;
    std::vector<int> cluster;         // per feature, 1-based
    // per cluster (index cluster - 1): the medoid feature, the member with the highest mean |rho|
    // to the other members (a singleton is its own); ties go to the earlier column.
    std::vector<int> archetype;
};
// Features whose |rho| chains at average linkage >= threshold share a cluster.
RedundancyResult redundancy(const Eigen::MatrixXd& data, double threshold);

}  // namespace radhpc::stats
