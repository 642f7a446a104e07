// Federated logistic elastic net (issue 17): the rows stay at their sites; only aggregates whose
// size depends on the number of features p (never on the number of patients) leave a site, and a
// coordinator combining them gets glmnet's binomial path and cv.glmnet's deviance curve on the
// pooled rows.
//   round 0: each site's LogisticMoments (n, sums of y, x, x^2, x x', x y) -> standardisation,
//            null model, lambda_max, the first quadratic approximation;
//   one round per IRLS (outer) step: each site's LogisticGram at the current (a0, beta) -> the
//            coordinator runs glmnet's coordinate descent on the quadratic approximation with
//            covariance updates (the same outer logic as glmnet_binomial: strong rules,
//            convergence rules, KKT checks, path stopping, fix-up of lambda[0]);
//   cross-validation: fold f's path is fitted like the full one on the rows not in fold f; the
//            sites receive its coefficients at the full-data lambdas (p x L) and return the summed
//            held-out deviance per lambda.
// The statistics only: no files, no transport.
#pragma once
#include <Eigen/Dense>
#include <functional>
#include <span>
#include <vector>

#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/glmnet.hpp"

namespace radhpc::stats::federated {

// Round 0 over one site's rows (or a subset, e.g. the rows not in a CV fold). y is 0/1.
struct LogisticMoments {
    double n = 0, sum_y = 0;
    Eigen::VectorXd sum_x, sum_x2, sum_xy;  // p
    Eigen::MatrixXd sum_xxt;                // p x p: sum of x x' (the first quadratic approximation)
};
LogisticMoments logistic_site_moments(const Eigen::MatrixXd& x, std::span<const double> y);
LogisticMoments& operator+=(LogisticMoments& a, const LogisticMoments& b);

// One IRLS step's sufficient statistics over a site's rows at (a0, beta), ORIGINAL feature scale.
// p_i = expit(a0 + x_i' beta), set to 0 / 1 beyond logit(pmin) as glmnet does; w_i = p_i (1 - p_i);
// working response z_i = eta_i + (y_i - p_i) / w_i, carried as w_i z_i = w_i eta_i + (y_i - p_i)
// (finite where w_i = 0). deviance = -2 sum log(clamped probability of y_i), probabilities clamped
// to [pmin, 1 - pmin] (glmnet's dev2). The solver uses sum_r / sum_rx (the score, y - p) rather
// than sum_wz / sum_wzx - w eta terms, which would cancel.
struct LogisticGram {
    double n = 0, sum_w = 0, sum_wz = 0, sum_r = 0, deviance = 0;
    Eigen::VectorXd sum_wx, sum_wzx, sum_rx;  // p
    Eigen::MatrixXd sum_wxx;                  // p x p
};
LogisticGram logistic_site_gram(const Eigen::MatrixXd& x, std::span<const double> y, double a0,
                                const Eigen::VectorXd& beta, double pmin = 1e-9);
LogisticGram& operator+=(LogisticGram& a, const LogisticGram& b);

// The SUM over sites of logistic_site_gram at (a0, beta), with options.pmin.
using GramFunction = std::function<LogisticGram(double a0, const Eigen::VectorXd& beta)>;

struct FederatedFitInfo {
    int gram_rounds = 0;  // calls of `gram` (communication rounds after round 0)
};

// glmnet_binomial on the pooled rows (same lambda sequence and options semantics, same GlmnetPath
// output) from the pooled moments and one gram round per IRLS step. Observation weights are 1.
// Constant columns (glmnet's ju) are those whose pooled variance is below 1e-13 of their mean square.
GlmnetPath glmnet_binomial_federated(const LogisticMoments& pooled, const GramFunction& gram,
                                     const GlmnetOptions& options, FederatedFitInfo* info = nullptr);

// A fold's path at the full-data lambdas (glmnet's lambda.interp, as cv.glmnet predicts it): the
// coordinator -> site message, p x L.
struct PathCoefficients {
    std::vector<double> lambda, intercept;  // L
    Eigen::MatrixXd beta;                   // p x L
};
PathCoefficients path_coefficients_at(const GlmnetPath& path_of_fold, std::span<const double> lambdas);

// Held-out binomial deviance of one site's rows of a fold, per lambda: the sum over rows of
// cv.glmnet's per-observation deviance (probabilities clamped to [1e-5, 1 - 1e-5]) and the count.
struct HeldOutDeviance {
    std::vector<double> sum_deviance;
    double n = 0;
};
HeldOutDeviance logistic_heldout_deviance(const PathCoefficients& coefficients, const Eigen::MatrixXd& x,
                                          std::span<const double> y);
// Same, from the fold's path (path_coefficients_at(path_of_fold, lambdas) applied at the site).
HeldOutDeviance logistic_heldout_deviance(const GlmnetPath& path_of_fold, std::span<const double> lambdas,
                                          const Eigen::MatrixXd& x, std::span<const double> y);
HeldOutDeviance& operator+=(HeldOutDeviance& a, const HeldOutDeviance& b);

// cv.glmnet's deviance curve (cvm, cvsd, lambda.min, lambda.1se, nzero) from the full-data path and
// per fold (1..K, in order) the held-out deviance summed over sites: equal to
// cv_glmnet(x, y, foldid, options, CvMeasure::deviance) on the pooled rows.
CvCurve cv_curve_from_fold_deviance(const GlmnetPath& full_path, const std::vector<HeldOutDeviance>& per_fold,
                                    const GlmnetOptions& options);

}  // namespace radhpc::stats::federated
