// Federated ComBat (issue 17): each site (= one ComBat batch) keeps its rows; only aggregates whose
// sizes depend on the number of features and covariates, never on the number of patients, leave
// a site. Three rounds reproduce combat(pooled data, batch = site, covariates, options):
//   1. every site: combat_site_moments -> coordinator: combat_combine_moments (sizes, sva's zero
//      rows, kept covariates, confounding checks, B.hat = solve(sum X'X, sum X'Y), grand mean);
//   2. every site: combat_site_residual_ss(model) -> coordinator: combat_set_pooled_variance;
//   3. every site: combat_site_adjust(model), purely local: ComBat's empirical-Bayes step shrinks
//      one batch's gamma/delta across the features using that batch's samples only.
// Parametric and non-parametric priors, mean-only and a reference site (sva's ref.batch) are all
// distributed exactly: every pooled quantity is a sum over sites of per-site sums, so the rounds
// equal the pooled combat() up to floating-point summation order. Two rules are evaluated from the
// aggregates instead of the rows, equal in exact arithmetic:
//   - the design's rank (sva's confounding stops) is taken from the pivoted LDL' of sum X'X
//     (pivoted Cholesky chooses the pivots column-pivoted QR of X chooses; a pivot counts when
//     sqrt(D_i) > 1e-7 sqrt(D_max), the QR threshold combat() uses), so a design within rounding of
//     rank-deficient may be judged differently;
//   - with a reference site, sva's gamma_hat of another batch is its mean of z minus the reference
//     batch's mean of z, which is exactly 0 (the reference rows' residuals sum to 0) and is
//     rounding noise in combat(); a site uses its own mean of z, i.e. takes that term as its exact
//     value 0 (measured effect on the harmonised values: ~1e-14 relative).
//
// Messages: every struct here has plain fields only (integers, std::vector, Eigen matrices and
// vectors; no std::optional: "no reference site" is -1), so the protocol writes them field by field
// as JSON numbers/arrays. There are no combat_model_to_values/from_values helpers.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "radhpc/stats/combat.hpp"

namespace radhpc::stats::federated {

// Round 1, one site's rows. The design is sva's: one indicator column per site (sites 0..K-1,
// site = batch), then the c covariate columns as given (a reference site's all-ones column and the
// dropping of all-ones covariates are applied by the coordinator).
struct CombatSiteMoments {
    std::int64_t n = 0;
    Eigen::MatrixXd xtx;                           // d x d (d = K + c)
    Eigen::MatrixXd xty;                           // d x p, p = all features
    std::vector<std::uint8_t> constant;            // per feature: 1 if constant over this site's rows (sva's zero rows)
    std::vector<std::uint8_t> covariate_all_ones;  // per covariate: 1 if exactly 1 on every row of this site
};
// data: n x p (finite), covariates: n x c (0 columns for none; the same c at every site).
CombatSiteMoments combat_site_moments(const Eigen::MatrixXd& data, int site, int n_sites, const Eigen::MatrixXd& covariates);

struct CombatModel {
    int n_sites = 0;
    std::vector<std::int64_t> site_sizes;
    int reference_site = -1;                       // -1: none (sva ref.batch = NULL)
    int mean_only = 0;                             // 1 when mean-only as used (options, or a one-row site)
    std::vector<std::uint8_t> adjusted;            // per feature: 0 = left as it is (constant within a site of >= 2 rows)
    std::vector<std::uint8_t> covariate_kept;      // per covariate: 0 = dropped (all ones)
    // Columns index the adjusted features in order:
    Eigen::MatrixXd site_coefficients;             // K x adjusted (B.hat rows of the site columns)
    Eigen::MatrixXd covariate_coefficients;        // kept covariates x adjusted (B.hat rows after the sites)
    Eigen::RowVectorXd grand_mean;                 // sum_k n_k/n B.hat_k, or B.hat of the reference site
    Eigen::RowVectorXd var_pooled;                 // empty until combat_set_pooled_variance
};
// Throws radhpc::Error(invalid_input) as combat() does: fewer than 2 sites, an empty site, an
// unknown reference site, fewer than 2 adjustable features, a confounded design; and on moments of
// inconsistent shapes. options.reference_batch names the reference site.
CombatModel combat_combine_moments(const std::vector<CombatSiteMoments>& sites, const CombatOptions& options);

// Round 2: per adjusted feature, the sum over this site's rows of (x - fitted)^2. With a reference
// site only its residuals enter var_pooled (as in sva); the other sites return zeros.
Eigen::RowVectorXd combat_site_residual_ss(const CombatModel& m, const Eigen::MatrixXd& data, int site, const Eigen::MatrixXd& covariates);
// Coordinator: residual_ss in site order; sets m.var_pooled (divisor n, or the reference site's n).
void combat_set_pooled_variance(CombatModel& m, const std::vector<Eigen::RowVectorXd>& residual_ss);

// Round 3, purely local. Vectors index the adjusted features (reference site: gamma_star 0, delta_star 1).
struct CombatSiteAdjustment {
    Eigen::MatrixXd data;  // harmonised n x p, the same layout as combat()'s output
    Eigen::RowVectorXd gamma_hat, delta_hat, gamma_star, delta_star;
    double gamma_bar = 0, tau2 = 0, a_prior = 0, b_prior = 0;
    int iterations = 0;    // it.sol iterations (parametric, not mean-only)
};
// options: parametric and convergence are used; mean_only and reference_batch must agree with the
// model's (a mismatch throws); the model's mean_only (which may be forced) is applied.
CombatSiteAdjustment combat_site_adjust(const CombatModel& m, const Eigen::MatrixXd& data, int site, const Eigen::MatrixXd& covariates,
                                        const CombatOptions& options);

// The pooled CombatFit restricted to what one site can know: the model's estimates and this site's
// row of gamma*/delta* (other sites' rows NaN); combat_apply(fit, new rows of this site) harmonises
// further samples of the site exactly as combat_apply on the pooled fit would.
CombatFit combat_site_fit(const CombatModel& m, int site, const CombatSiteAdjustment& adjustment);

}  // namespace radhpc::stats::federated
