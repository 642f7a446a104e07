#include "radhpc/stats/combat.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "combat_detail.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::stats {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::RowVectorXd;
using Eigen::VectorXd;

double sample_variance(const Eigen::Ref<const RowVectorXd>& v) {
    const double m = v.mean();
    return (v.array() - m).square().sum() / double(v.size() - 1);
}

MatrixXd normal_equations(const MatrixXd& design, const MatrixXd& y) {
    return combat_detail::solve_normal_equations(design.transpose() * design, design.transpose() * y);
}

Index matrix_rank(const MatrixXd& m) {
    Eigen::ColPivHouseholderQR<MatrixXd> qr(m);
    qr.setThreshold(1e-7);  // R's qr() tolerance
    return qr.rank();
}

void check_inputs(const MatrixXd& data, const std::vector<int>& batch, const MatrixXd& covariates, int& n_batches) {
    if (static_cast<std::size_t>(data.rows()) != batch.size())
        throw Error(ErrorKind::invalid_input, "combat: " + std::to_string(batch.size()) + " batch labels for " +
                                                  std::to_string(data.rows()) + " samples");
    if (covariates.rows() != data.rows() && covariates.cols() > 0)
        throw Error(ErrorKind::invalid_input, "combat: covariates have a different number of samples than the data");
    if (!data.allFinite()) throw Error(ErrorKind::invalid_input, "combat: missing or non-finite values in the data");
    if (covariates.cols() > 0 && !covariates.allFinite())
        throw Error(ErrorKind::invalid_input, "combat: missing or non-finite covariate values");
    n_batches = 0;
    for (int b : batch) {
        if (b < 0) throw Error(ErrorKind::invalid_input, "combat: negative batch index");
        n_batches = std::max(n_batches, b + 1);
    }
}

// sva's it.sol: alternate the normal posterior mean of gamma and the inverse-gamma posterior of
// delta until the largest relative change (sva's max(abs(new - old) / old), signed denominator
// kept) is <= conv.
int iterate_solution(const MatrixXd& sdat /* batch samples x features */, const RowVectorXd& g_hat, const RowVectorXd& d_hat,
                     double g_bar, double t2, double a, double b, double conv, RowVectorXd& g_out, RowVectorXd& d_out) {
    const double n = double(sdat.rows());
    RowVectorXd g_old = g_hat, d_old = d_hat, g_new, d_new;
    double change = 1;
    int count = 0;
    constexpr int kMaxIterations = 100000;  // sva has no limit; a runaway means a degenerate prior
    while (change > conv) {
        // postmean: (t2 n g_hat + d* g_bar) / (t2 n + d*)
        g_new = ((t2 * n) * g_hat.array() + d_old.array() * g_bar) / (t2 * n + d_old.array());
        // postvar: (sum2 / 2 + b) / (n / 2 + a - 1), sum2 = sum over the batch of (z - gamma*)^2
        const RowVectorXd sum2 = (sdat.rowwise() - g_new).array().square().colwise().sum();
        d_new = (0.5 * sum2.array() + b) / (n / 2 + a - 1);
        change = std::max(((g_new - g_old).array().abs() / g_old.array()).maxCoeff(),
                          ((d_new - d_old).array().abs() / d_old.array()).maxCoeff());
        if (std::isnan(change)) throw Error(ErrorKind::invalid_input, "combat: the parametric iteration produced NaN");
        g_old = g_new;
        d_old = d_new;
        if (++count > kMaxIterations) throw Error(ErrorKind::invalid_input, "combat: the parametric iteration did not converge");
    }
    g_out = g_new;
    d_out = d_new;
    return count;
}

// sva's int.eprior: for each feature, the other features' (gamma_hat, delta_hat) pairs weighted
// by the normal likelihood of this feature's standardised batch values,
// LH_j = (2 pi d_j)^(-n/2) exp(-sum_k (z_k - g_j)^2 / (2 d_j)). The weights are formed in log
// space relative to their maximum: the same ratios where sva's product does not underflow, and
// defined where it would (sva then returns NaN).
void integrate_prior(const MatrixXd& sdat /* batch samples x features */, const RowVectorXd& g_hat, const RowVectorXd& d_hat,
                     RowVectorXd& g_out, RowVectorXd& d_out) {
    const Index features = sdat.cols();
    const double n = double(sdat.rows());
    g_out.resize(features);
    d_out.resize(features);
    // sum_k (z_k - g)^2 = S2 - 2 g S1 + n g^2 would cancel badly; keep the direct sum.
    VectorXd log_lh(features);
    for (Index f = 0; f < features; ++f) {
        const auto z = sdat.col(f);
        double max_log = -std::numeric_limits<double>::infinity();
        for (Index j = 0; j < features; ++j) {
            if (j == f) continue;
            const double sum2 = (z.array() - g_hat(j)).square().sum();
            double l = -0.5 * n * std::log(2 * M_PI * d_hat(j)) - sum2 / (2 * d_hat(j));
            if (std::isnan(l)) l = -std::numeric_limits<double>::infinity();  // sva: LH NaN -> 0
            log_lh(j) = l;
            max_log = std::max(max_log, l);
        }
        double w_sum = 0, wg = 0, wd = 0;
        for (Index j = 0; j < features; ++j) {
            if (j == f) continue;
            const double w = std::exp(log_lh(j) - max_log);
            w_sum += w;
            wg += w * g_hat(j);
            wd += w * d_hat(j);
        }
        g_out(f) = wg / w_sum;
        d_out(f) = wd / w_sum;
    }
}

}  // namespace

namespace combat_detail {

MatrixXd solve_normal_equations(const MatrixXd& dtd, const MatrixXd& dty) { return dtd.partialPivLu().solve(dty); }

bool all_ones(const Eigen::Ref<const VectorXd>& column) { return (column.array() == 1.0).all(); }

void check_confounding(Index design_rank, Index design_cols, Index nc, const std::function<Index()>& covariate_rank) {
    if (design_rank >= design_cols) return;
    if (nc == 1) throw Error(ErrorKind::invalid_input, "combat: the covariate is confounded with batch");
    if (nc > 1 && covariate_rank() < nc) throw Error(ErrorKind::invalid_input, "combat: the covariates are confounded");
    throw Error(ErrorKind::invalid_input, "combat: at least one covariate is confounded with batch");
}

MatrixXd standardise(const MatrixXd& x, const MatrixXd& kept_covariates, const MatrixXd& coefficients, const RowVectorXd& grand_mean,
                     const RowVectorXd& sd) {
    const MatrixXd stand_mean = kept_covariates * coefficients + MatrixXd::Ones(x.rows(), 1) * grand_mean;
    return (x - stand_mean).array().rowwise() / sd.array();
}

BatchEffects estimate_batch(const MatrixXd& zb, const RowVectorXd& gamma_hat, bool mean_only, const CombatOptions& options) {
    const Index p = zb.cols();
    BatchEffects e;
    e.gamma_hat = gamma_hat;
    e.delta_hat = RowVectorXd::Ones(p);
    if (!mean_only)
        for (Index f = 0; f < p; ++f) e.delta_hat(f) = sample_variance(zb.col(f).transpose());
    // Priors across features: gamma ~ N(gamma_bar, tau2); delta ~ InvGamma(a, b) by moments,
    // a = (2 s2 + m^2) / s2, b = (m s2 + m^3) / s2 with m, s2 the mean and variance of delta_hat.
    e.gamma_bar = gamma_hat.mean();
    e.tau2 = sample_variance(gamma_hat);
    const double m = e.delta_hat.mean(), s2 = sample_variance(e.delta_hat);
    e.a_prior = (2 * s2 + m * m) / s2;
    e.b_prior = (m * s2 + m * m * m) / s2;
    if (options.parametric && mean_only) {
        // sva: postmean(gamma_hat, gamma_bar, n = 1, d* = 1, tau2)
        e.gamma_star = (e.tau2 * gamma_hat.array() + e.gamma_bar) / (e.tau2 + 1);
        e.delta_star = RowVectorXd::Ones(p);
    } else if (options.parametric) {
        e.iterations = iterate_solution(zb, gamma_hat, e.delta_hat, e.gamma_bar, e.tau2, e.a_prior, e.b_prior, options.convergence,
                                        e.gamma_star, e.delta_star);
    } else {
        integrate_prior(zb, gamma_hat, e.delta_hat, e.gamma_star, e.delta_star);
    }
    return e;
}

}  // namespace combat_detail

CombatResult combat(const MatrixXd& data, const std::vector<int>& batch, const MatrixXd& covariates, const CombatOptions& options) {
    int n_batches = 0;
    check_inputs(data, batch, covariates, n_batches);
    const Index n = data.rows(), features = data.cols();
    CombatResult result;
    CombatFit& fit = result.fit;
    fit.n_batches = n_batches;
    fit.batch_sizes.assign(std::size_t(n_batches), 0);
    for (int b : batch) ++fit.batch_sizes[std::size_t(b)];
    for (int b = 0; b < n_batches; ++b)
        if (fit.batch_sizes[std::size_t(b)] == 0)
            throw Error(ErrorKind::invalid_input, "combat: batch " + std::to_string(b) + " has no samples");
    if (n_batches < 2) throw Error(ErrorKind::invalid_input, "combat: need at least 2 batches");
    if (options.reference_batch && (*options.reference_batch < 0 || *options.reference_batch >= n_batches))
        throw Error(ErrorKind::invalid_input, "combat: the reference batch is not one of the batches");
    fit.reference_batch = options.reference_batch;
    // sva: any one-sample batch forces the mean-only model (no within-batch variance).
    fit.mean_only = options.mean_only ||
                    std::any_of(fit.batch_sizes.begin(), fit.batch_sizes.end(), [](int s) { return s == 1; });

    // Features constant within a batch of >= 2 samples are left as they are (sva's zero rows).
    fit.adjusted.assign(std::size_t(features), true);
    for (Index f = 0; f < features; ++f)
        for (int b = 0; b < n_batches; ++b) {
            if (fit.batch_sizes[std::size_t(b)] < 2) continue;
            bool constant = true, first = true;
            double v0 = 0;
            for (Index i = 0; i < n && constant; ++i) {
                if (batch[std::size_t(i)] != b) continue;
                if (first) {
                    v0 = data(i, f);
                    first = false;
                } else if (data(i, f) != v0) {
                    constant = false;
                }
            }
            if (constant) fit.adjusted[std::size_t(f)] = false;
        }
    std::vector<Index> kept_features;
    for (Index f = 0; f < features; ++f)
        if (fit.adjusted[std::size_t(f)]) kept_features.push_back(f);
    const Index p = Index(kept_features.size());
    if (p < 2) throw Error(ErrorKind::invalid_input, "combat: need at least 2 features that vary within every batch");
    MatrixXd x(n, p);
    for (Index j = 0; j < p; ++j) x.col(j) = data.col(kept_features[std::size_t(j)]);

    // Design: batch indicators (the reference batch's column all ones) then the covariates;
    // all-ones covariate columns (an intercept) are dropped as sva drops them.
    std::vector<Index> kept_covariates;
    fit.covariate_kept.assign(std::size_t(covariates.cols()), false);
    for (Index c = 0; c < covariates.cols(); ++c)
        if (!combat_detail::all_ones(covariates.col(c))) {
            kept_covariates.push_back(c);
            fit.covariate_kept[std::size_t(c)] = true;
        }
    const Index nb = n_batches, nc = Index(kept_covariates.size());
    MatrixXd design = MatrixXd::Zero(n, nb + nc);
    for (Index i = 0; i < n; ++i) {
        design(i, batch[std::size_t(i)]) = 1;
        if (fit.reference_batch) design(i, *fit.reference_batch) = 1;
        for (Index c = 0; c < nc; ++c) design(i, nb + c) = covariates(i, kept_covariates[std::size_t(c)]);
    }
    combat_detail::check_confounding(matrix_rank(design), design.cols(), nc, [&] { return matrix_rank(design.rightCols(nc)); });

    // Standardisation: z = (x - grand mean - covariate effects) / sqrt(pooled residual variance).
    const MatrixXd b_hat = normal_equations(design, x);
    const RowVectorXd batch_size_weights = [&] {
        RowVectorXd w(nb);
        for (Index b = 0; b < nb; ++b) w(b) = double(fit.batch_sizes[std::size_t(b)]) / double(n);
        return w;
    }();
    fit.grand_mean = fit.reference_batch ? RowVectorXd(b_hat.row(*fit.reference_batch)) : RowVectorXd(batch_size_weights * b_hat.topRows(nb));
    const MatrixXd residual = x - design * b_hat;
    fit.var_pooled = RowVectorXd::Zero(p);
    {
        // mean of squared residuals (divisor n, not n - 1), over the reference batch when given
        const int pooled_batch = fit.reference_batch.value_or(-1);
        const double count = pooled_batch >= 0 ? double(fit.batch_sizes[std::size_t(pooled_batch)]) : double(n);
        for (Index i = 0; i < n; ++i)
            if (pooled_batch < 0 || batch[std::size_t(i)] == pooled_batch)
                fit.var_pooled += residual.row(i).array().square().matrix() * (1.0 / count);
    }
    fit.covariate_coefficients = b_hat.bottomRows(nc);
    const MatrixXd z = combat_detail::standardise(x, design.rightCols(nc), fit.covariate_coefficients, fit.grand_mean,
                                                  fit.var_pooled.array().sqrt());

    // Batch effects on the standardised scale: gamma_hat from the batch part of the design, then
    // each batch's delta_hat, priors and empirical-Bayes estimates from its own samples.
    const MatrixXd batch_design = design.leftCols(nb);
    fit.gamma_hat = normal_equations(batch_design, z);
    fit.delta_hat.resize(nb, p);
    fit.gamma_star.resize(nb, p);
    fit.delta_star.resize(nb, p);
    fit.gamma_bar.resize(nb);
    fit.tau2.resize(nb);
    fit.a_prior.resize(nb);
    fit.b_prior.resize(nb);
    fit.iterations.assign(std::size_t(nb), 0);
    for (Index b = 0; b < nb; ++b) {
        MatrixXd zb(fit.batch_sizes[std::size_t(b)], p);
        Index r = 0;
        for (Index i = 0; i < n; ++i)
            if (batch[std::size_t(i)] == b) zb.row(r++) = z.row(i);
        const auto e = combat_detail::estimate_batch(zb, fit.gamma_hat.row(b), fit.mean_only, options);
        fit.delta_hat.row(b) = e.delta_hat;
        fit.gamma_star.row(b) = e.gamma_star;
        fit.delta_star.row(b) = e.delta_star;
        fit.gamma_bar(b) = e.gamma_bar;
        fit.tau2(b) = e.tau2;
        fit.a_prior(b) = e.a_prior;
        fit.b_prior(b) = e.b_prior;
        fit.iterations[std::size_t(b)] = e.iterations;
    }
    if (fit.reference_batch) {
        fit.gamma_star.row(*fit.reference_batch).setZero();
        fit.delta_star.row(*fit.reference_batch).setOnes();
    }
    result.data = combat_apply(fit, data, batch, covariates);
    return result;
}

MatrixXd combat_apply(const CombatFit& fit, const MatrixXd& data, const std::vector<int>& batch, const MatrixXd& covariates) {
    if (data.cols() != Index(fit.adjusted.size()))
        throw Error(ErrorKind::invalid_input, "combat apply: " + std::to_string(data.cols()) + " features, the fit has " +
                                                  std::to_string(fit.adjusted.size()));
    if (static_cast<std::size_t>(data.rows()) != batch.size())
        throw Error(ErrorKind::invalid_input, "combat apply: one batch label per sample needed");
    if (covariates.cols() != Index(fit.covariate_kept.size()) || (covariates.cols() > 0 && covariates.rows() != data.rows()))
        throw Error(ErrorKind::invalid_input, "combat apply: the covariate columns differ from the fit's");
    if (!data.allFinite() || (covariates.cols() > 0 && !covariates.allFinite()))
        throw Error(ErrorKind::invalid_input, "combat apply: missing or non-finite values");
    std::vector<Index> kept_covariates;
    for (std::size_t c = 0; c < fit.covariate_kept.size(); ++c)
        if (fit.covariate_kept[c]) kept_covariates.push_back(Index(c));
    MatrixXd out = data;
    const RowVectorXd sd = fit.var_pooled.array().sqrt();
    Index j = 0;
    for (Index f = 0; f < data.cols(); ++f) {
        if (!fit.adjusted[std::size_t(f)]) continue;
        for (Index i = 0; i < data.rows(); ++i) {
            const int b = batch[std::size_t(i)];
            if (b < 0 || b >= fit.n_batches) throw Error(ErrorKind::invalid_input, "combat apply: a batch the fit did not see");
            if (fit.reference_batch && b == *fit.reference_batch) continue;  // the reference batch stays as it is
            double m = fit.grand_mean(j);
            for (std::size_t c = 0; c < kept_covariates.size(); ++c)
                m += covariates(i, kept_covariates[c]) * fit.covariate_coefficients(Index(c), j);
            // x* = ((x - m)/sd - gamma*) / sqrt(delta*) * sd + m
            const double zs = (data(i, f) - m) / sd(j);
            out(i, f) = (zs - fit.gamma_star(b, j)) / std::sqrt(fit.delta_star(b, j)) * sd(j) + m;
        }
        ++j;
    }
    return out;
}

}  // namespace radhpc::stats
