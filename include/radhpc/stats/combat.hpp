// ComBat batch harmonisation (Johnson, Li & Rabinovic, Biostatistics 2007) as sva::ComBat
// implements it: location/scale model per feature with the batch and the covariates to preserve
// in one least-squares design, standardisation by the pooled residual variance, empirical-Bayes
// shrinkage of the per-batch shifts (gamma) and scales (delta) towards priors estimated across
// features — parametric (normal / inverse-gamma, iterated to sva's conv = 1e-4) or
// non-parametric (sva's int.eprior: leave-one-feature-out likelihood-weighted averages) —
// optionally mean-only and/or with a reference batch left unchanged.
//
// Orientation: radiomics tables are samples x features (sva works on features x samples).
// The fitted estimates are kept (CombatFit) so a fit on one set can harmonise another set from
// the same batches (combat_apply): new samples get exactly the per-feature, per-batch affine map
// that the fit applied to its own samples of that batch.
#pragma once
#include <Eigen/Dense>
#include <optional>
#include <vector>

namespace radhpc::stats {

struct CombatOptions {
    bool parametric = true;                 // sva par.prior
    bool mean_only = false;                 // sva mean.only (forced when a batch has one sample)
    std::optional<int> reference_batch;     // sva ref.batch (a batch index)
    double convergence = 1e-4;              // sva it.sol conv (relative change of gamma*, delta*)
};

struct CombatFit {
    int n_batches = 0;
    std::optional<int> reference_batch;
    bool mean_only = false;                 // as used (after sva's one-sample-batch rule)
    std::vector<int> batch_sizes;
    // Features left unadjusted: constant within some batch of >= 2 samples (sva's "zero rows").
    std::vector<bool> adjusted;             // per feature
    std::vector<bool> covariate_kept;       // per covariate column: false when dropped as all-ones (an intercept)
    // Per adjusted feature (columns index the adjusted features in order):
    Eigen::RowVectorXd grand_mean, var_pooled;
    Eigen::MatrixXd covariate_coefficients;  // kept covariates x adjusted features (B.hat rows after the batches)
    Eigen::MatrixXd gamma_hat, delta_hat;    // batches x adjusted features (before shrinkage)
    Eigen::MatrixXd gamma_star, delta_star;  // batches x adjusted features (reference batch: 0 and 1)
    Eigen::VectorXd gamma_bar, tau2, a_prior, b_prior;  // per batch
    std::vector<int> iterations;             // parametric, not mean-only: it.sol iterations per batch
};

struct CombatResult {
    Eigen::MatrixXd data;  // samples x features, harmonised
    CombatFit fit;
};

// data: samples x features (finite). batch: per sample, 0 .. n_batches-1, every batch present,
// >= 2 batches. covariates: samples x c numeric columns to preserve (0 columns for none; factor
// covariates are passed as dummy columns). Throws Error(invalid_input) on confounded designs as
// sva stops.
CombatResult combat(const Eigen::MatrixXd& data, const std::vector<int>& batch, const Eigen::MatrixXd& covariates,
                    const CombatOptions& options = {});

// Harmonises new samples (same features, batches of the fit, same covariate columns) with the
// fitted estimates: x* = (x - m - gamma*_b sd) / sqrt(delta*_b) + m with m = grand mean +
// covariates * coefficients and sd = sqrt(var_pooled); reference-batch samples are returned as
// they are. combat_apply(fit, training data) equals combat(training data).data.
Eigen::MatrixXd combat_apply(const CombatFit& fit, const Eigen::MatrixXd& data, const std::vector<int>& batch,
                             const Eigen::MatrixXd& covariates);

}  // namespace radhpc::stats
