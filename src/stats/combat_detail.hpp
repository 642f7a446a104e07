// Internal (not installed): the pieces of ComBat that the pooled combat() and the federated rounds
// (federated_combat.cpp) share, so that both run one implementation of sva's rules.
#pragma once
#include <Eigen/Dense>
#include <functional>

#include "radhpc/stats/combat.hpp"

namespace radhpc::stats::combat_detail {

// Least squares coefficients solve(crossprod(D), crossprod(D, Y)) as sva computes them, from the
// cross products.
Eigen::MatrixXd solve_normal_equations(const Eigen::MatrixXd& dtd, const Eigen::MatrixXd& dty);

// true when every value is exactly 1 (sva drops such a covariate column: an intercept).
bool all_ones(const Eigen::Ref<const Eigen::VectorXd>& column);

// sva's confounding stops, from the rank of the design (cols = batches + nc kept covariates) and,
// only asked for when needed, the rank of the covariate columns alone.
void check_confounding(Eigen::Index design_rank, Eigen::Index design_cols, Eigen::Index nc,
                       const std::function<Eigen::Index()>& covariate_rank);

// z = (x - grand mean - covariates * coefficients) / sd, x and covariates (kept columns) of the
// same samples; sd per adjusted feature.
Eigen::MatrixXd standardise(const Eigen::MatrixXd& x, const Eigen::MatrixXd& kept_covariates, const Eigen::MatrixXd& coefficients,
                            const Eigen::RowVectorXd& grand_mean, const Eigen::RowVectorXd& sd);

// One batch's empirical-Bayes step (ComBat shrinks each batch across the features, using that
// batch's standardised samples only): delta_hat (sample variance, 1 when mean-only), the priors
// and gamma*, delta* (parametric it.sol, mean-only postmean, or non-parametric int.eprior).
struct BatchEffects {
    Eigen::RowVectorXd gamma_hat, delta_hat, gamma_star, delta_star;
    double gamma_bar = 0, tau2 = 0, a_prior = 0, b_prior = 0;
    int iterations = 0;
};
BatchEffects estimate_batch(const Eigen::MatrixXd& zb /* batch samples x adjusted features */, const Eigen::RowVectorXd& gamma_hat,
                            bool mean_only, const CombatOptions& options);

}  // namespace radhpc::stats::combat_detail
