// Cross-validation of the binomial elastic net: cv.glmnet's semantics for one set of folds
// (each fold computes its own lambda path; predictions at the full-data lambdas by glmnet's
// lambda interpolation; grouped deviance or per-fold AUC; lambda.min / lambda.1se), plus
// repeated stratified k-fold CV grouped by patient over a grid of alpha values.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <vector>

#include "radhpc/stats/glmnet.hpp"

namespace radhpc::stats {

enum class CvMeasure { deviance, auc };

struct CvCurve {
    double alpha = 1;
    CvMeasure measure = CvMeasure::deviance;  // measure actually used (glmnet falls back to deviance
                                              // for AUC with < 10 observations per fold)
    std::vector<double> lambda, cvm, cvsd;
    std::vector<int> nzero;
    double lambda_min = 0, lambda_1se = 0;
    std::size_t index_min = 0, index_1se = 0;
    std::vector<std::vector<double>> fold_values;  // [fold][lambda]: per-fold deviance or AUC
    std::vector<double> fold_weights;
};

// Link predictions of `path` at arbitrary lambdas, as predict.glmnet(fit, newx, s = lambdas):
// coefficients linearly interpolated in the normalised lambda scale (glmnet's lambda.interp).
Eigen::MatrixXd predict_link_at(const GlmnetPath& path, const Eigen::MatrixXd& newx, std::span<const double> lambdas);

// cv.glmnet(x, y, family = "binomial", foldid = foldid, type.measure = measure, alpha = ...).
// foldid values are 1..K. Rows are weighted equally.
CvCurve cv_glmnet(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> foldid,
                  const GlmnetOptions& options, CvMeasure measure);

// Out-of-fold link predictions of each set of folds (as cv.glmnet(keep = TRUE)'s fit.preval): each
// fold's own path, fitted as cv_glmnet fits it, predicted at `lambdas` on its held-out rows.
// Result [set of folds]: rows x lambdas.
std::vector<Eigen::MatrixXd> out_of_fold_link(const Eigen::MatrixXd& x, std::span<const double> y,
                                              const std::vector<std::vector<int>>& foldids, const GlmnetOptions& options,
                                              std::span<const double> lambdas);

// Fold ids 1..k, stratified by outcome and grouped by patient: all rows of a patient share a fold;
// a patient's stratum is 1 if any of its rows has y = 1. Patients of each stratum are shuffled
// with the seeded generator and dealt to folds in turn (continuing across strata), so fold sizes
// differ by at most one patient per stratum. Reproducible from (seed, repeat_index).
std::vector<int> stratified_group_folds(std::span<const double> y, std::span<const int> patient, int k,
                                        std::uint64_t seed, std::uint64_t repeat_index = 0);

struct RepeatedCvOptions {
    std::vector<double> alphas{1.0};
    int folds = 5;
    int repeats = 10;
    std::uint64_t seed = 1;
    CvMeasure measure = CvMeasure::deviance;
    GlmnetOptions glmnet;  // alpha is taken from `alphas`
};

struct RepeatedCvResult {
    std::vector<CvCurve> curves;            // one per alpha: fold values pooled over all repeats
    std::vector<std::vector<int>> foldids;  // [repeat][row], exportable
    std::size_t best_alpha_index = 0;
    double alpha = 1, lambda_min = 0, lambda_1se = 0;
};

// Repeated CV: for each alpha, the full-data lambda path is fixed; for each repeat the folds'
// per-lambda values are computed as in cv_glmnet; cvm is the weighted mean over all repeats x
// folds and cvsd = sqrt(weighted mean squared deviation / (R*K - 1)). (alpha, lambda_min) minimises
// cvm (maximises AUC) over the grid; lambda_1se is taken within the chosen alpha.
// Alphas run in parallel (TBB); results do not depend on the thread count.
RepeatedCvResult repeated_cv(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> patient,
                             const RepeatedCvOptions& options);

}  // namespace radhpc::stats
