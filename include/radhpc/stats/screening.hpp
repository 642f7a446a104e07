// Lesion -> patient score aggregation and univariate feature screening (the thesis' toolbox):
// per feature Mann-Whitney p with Bonferroni and Benjamini-Hochberg adjustment, univariate AUC,
// Spearman correlation with tumour volume.
#pragma once
#include <Eigen/Dense>
#include <span>
#include <vector>

namespace radhpc::stats {

enum class Aggregation { mean, median, min, max };

struct PatientScores {
    std::vector<int> patient;      // ascending ids
    std::vector<double> score;     // aggregated lesion scores
    std::vector<double> outcome;   // patient outcome: max over its lesions (any positive lesion)
    std::vector<int> n_lesions;
};
PatientScores aggregate_by_patient(std::span<const double> lesion_score, std::span<const double> lesion_outcome,
                                   std::span<const int> patient, Aggregation how);

// p.adjust(p, "bonferroni") and p.adjust(p, "BH").
std::vector<double> p_adjust_bonferroni(std::span<const double> p);
std::vector<double> p_adjust_bh(std::span<const double> p);

// Spearman's rho: Pearson correlation of midranks (cor(method = "spearman")).
double spearman(std::span<const double> a, std::span<const double> b);

struct FeatureScreen {
    double mann_whitney_p = 1, p_bonferroni = 1, p_bh = 1;
    double auc = 0.5;               // direction "<": P(case > control)
    double spearman_volume = 0;     // NaN when no volume is given
};
// One entry per column of x (features run in parallel; results independent of thread count).
std::vector<FeatureScreen> screen_features(const Eigen::MatrixXd& x, std::span<const double> y,
                                           std::span<const double> volume = {});

}  // namespace radhpc::stats
