// Elastic-net logistic regression with R glmnet's semantics (family = "binomial",
// type.logistic = "Newton"): the same standardisation, lambda path from lambda_max with warm
// starts, strong-rule screening, quadratic approximation + coordinate descent, convergence rule
// (max_j v_j * delta_j^2 < thresh * null deviance/2n), early path stopping and output scale.
// Follows the published lognet2n algorithm (Friedman, Hastie & Tibshirani 2010).
#pragma once
#include <Eigen/Dense>
#include <span>
#include <vector>

namespace radhpc::stats {

struct GlmnetOptions {
    double alpha = 1.0;                // 1 = lasso, 0 = ridge
    int nlambda = 100;
    double lambda_min_ratio = -1.0;    // < 0: glmnet's default (n < p ? 0.01 : 1e-4)
    std::vector<double> lambda;        // user path; when set, fitted in decreasing order, no fix-up
    bool standardize = true;
    bool intercept = true;
    double thresh = 1e-7;
    int maxit = 100000;
    std::vector<double> penalty_factor;  // empty: all 1 (rescaled to sum to p, as glmnet does)
    int dfmax = -1;                    // < 0: p + 1
    int pmax = -1;                     // < 0: min(2 * dfmax + 20, p)
    // glmnet.control() parameters
    double fdev = 1e-5, devmax = 0.999, eps = 1e-6, big = 9.9e35, pmin = 1e-9;
    int mnlam = 5;
};

struct GlmnetPath {
    std::vector<double> lambda;      // as reported by R (first value fixed up like fix.lam)
    std::vector<double> intercept;   // a0 per lambda, original scale
    Eigen::MatrixXd beta;            // p x nlambda, original feature scale
    std::vector<double> dev_ratio;   // 1 - deviance / null deviance
    double null_deviance = 0;
    std::vector<int> df;             // non-zero coefficients
    int npasses = 0;
    int error_code = 0;              // glmnet's jerr (< 0: path truncated, fit is usable)

    std::size_t size() const { return lambda.size(); }
    // Linear predictor a0 + x' beta at path index k, for each row of x.
    Eigen::VectorXd link(const Eigen::MatrixXd& x, std::size_t k) const;
};

// y: 0/1 outcome. weights: empty = all 1.
GlmnetPath glmnet_binomial(const Eigen::MatrixXd& x, std::span<const double> y, const GlmnetOptions& options,
                           std::span<const double> weights = {});

// Fit at one (alpha, lambda), as glmnet(x, y, alpha = alpha, lambda = lambda): a single-lambda
// path started from zero.
GlmnetPath glmnet_binomial_fit(const Eigen::MatrixXd& x, std::span<const double> y, double alpha, double lambda,
                               GlmnetOptions options = {}, std::span<const double> weights = {});

}  // namespace radhpc::stats
