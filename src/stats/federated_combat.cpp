#include "radhpc/stats/federated_combat.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "combat_detail.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::stats::federated {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::RowVectorXd;
using Eigen::VectorXd;

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::invalid_input, "federated combat: " + what); }

void check_site_rows(const MatrixXd& data, int site, int n_sites, const MatrixXd& covariates) {
    if (site < 0 || site >= n_sites) fail("site " + std::to_string(site) + " is not one of the " + std::to_string(n_sites) + " sites");
    if (data.rows() == 0) fail("site " + std::to_string(site) + " has no samples");
    if (covariates.cols() > 0 && covariates.rows() != data.rows()) fail("covariates have a different number of samples than the data");
    if (!data.allFinite()) fail("missing or non-finite values in the data");
    if (covariates.cols() > 0 && !covariates.allFinite()) fail("missing or non-finite covariate values");
}

std::vector<Index> indices_of(const std::vector<std::uint8_t>& flags) {
    std::vector<Index> out;
    for (std::size_t i = 0; i < flags.size(); ++i)
        if (flags[i]) out.push_back(Index(i));
    return out;
}

// The site's adjusted feature columns and kept covariate columns.
void select_columns(const CombatModel& m, const MatrixXd& data, const MatrixXd& covariates, MatrixXd& x, MatrixXd& cov) {
    if (data.cols() != Index(m.adjusted.size()))
        fail(std::to_string(data.cols()) + " features, the model has " + std::to_string(m.adjusted.size()));
    if (covariates.cols() != Index(m.covariate_kept.size())) fail("the covariate columns differ from the model's");
    const auto features = indices_of(m.adjusted), kept = indices_of(m.covariate_kept);
    x.resize(data.rows(), Index(features.size()));
    for (std::size_t j = 0; j < features.size(); ++j) x.col(Index(j)) = data.col(features[j]);
    cov.resize(data.rows(), Index(kept.size()));
    for (std::size_t c = 0; c < kept.size(); ++c) cov.col(Index(c)) = covariates.col(kept[c]);
}

// Rank of X from X'X: Eigen's LDLT pivots on the largest remaining diagonal, i.e. the column
// column-pivoted QR of X would take next, and D_i = R_ii^2 (see the header).
Index rank_from_cross_products(const MatrixXd& xtx) {
    if (xtx.rows() == 0) return 0;
    const VectorXd d = xtx.ldlt().vectorD().cwiseAbs();
    const double threshold = 1e-7 * std::sqrt(d.maxCoeff());
    Index rank = 0;
    for (Index i = 0; i < d.size(); ++i)
        if (std::sqrt(d(i)) > threshold) ++rank;
    return rank;
}

}  // namespace

CombatSiteMoments combat_site_moments(const MatrixXd& data, int site, int n_sites, const MatrixXd& covariates) {
    check_site_rows(data, site, n_sites, covariates);
    const Index n = data.rows(), c = covariates.cols();
    MatrixXd design = MatrixXd::Zero(n, n_sites + c);
    design.col(site).setOnes();
    if (c > 0) design.rightCols(c) = covariates;
    CombatSiteMoments s;
    s.n = n;
    s.xtx = design.transpose() * design;
    s.xty = design.transpose() * data;
    s.constant.resize(std::size_t(data.cols()));
    for (Index f = 0; f < data.cols(); ++f) s.constant[std::size_t(f)] = (data.col(f).array() == data(0, f)).all() ? 1 : 0;
    s.covariate_all_ones.resize(std::size_t(c));
    for (Index j = 0; j < c; ++j) s.covariate_all_ones[std::size_t(j)] = combat_detail::all_ones(covariates.col(j)) ? 1 : 0;
    return s;
}

CombatModel combat_combine_moments(const std::vector<CombatSiteMoments>& sites, const CombatOptions& options) {
    const int k = int(sites.size());
    if (k < 2) fail("need at least 2 sites");
    const Index d = sites[0].xtx.rows(), c = d - k, features = sites[0].xty.cols();
    if (c < 0) fail("the moments have fewer columns than sites");
    CombatModel m;
    m.n_sites = k;
    MatrixXd xtx = MatrixXd::Zero(d, d), xty = MatrixXd::Zero(d, features);
    std::int64_t n = 0;
    m.adjusted.assign(std::size_t(features), 1);
    m.covariate_kept.assign(std::size_t(c), 0);
    for (int s = 0; s < k; ++s) {
        const auto& site = sites[std::size_t(s)];
        if (site.xtx.rows() != d || site.xtx.cols() != d || site.xty.rows() != d || site.xty.cols() != features ||
            Index(site.constant.size()) != features || Index(site.covariate_all_ones.size()) != c)
            fail("site " + std::to_string(s) + "'s moments have other dimensions than site 0's");
        if (site.n <= 0) fail("site " + std::to_string(s) + " has no samples");
        m.site_sizes.push_back(site.n);
        n += site.n;
        xtx += site.xtx;
        xty += site.xty;
        // sva's zero rows: a feature constant within a batch of >= 2 samples is left as it is
        for (Index f = 0; f < features; ++f)
            if (site.n >= 2 && site.constant[std::size_t(f)]) m.adjusted[std::size_t(f)] = 0;
        for (Index j = 0; j < c; ++j)
            if (!site.covariate_all_ones[std::size_t(j)]) m.covariate_kept[std::size_t(j)] = 1;
    }
    if (options.reference_batch && (*options.reference_batch < 0 || *options.reference_batch >= k))
        fail("the reference site is not one of the sites");
    m.reference_site = options.reference_batch.value_or(-1);
    m.mean_only = options.mean_only || std::find(m.site_sizes.begin(), m.site_sizes.end(), 1) != m.site_sizes.end();
    const auto kept_features = indices_of(m.adjusted), kept_covariates = indices_of(m.covariate_kept);
    const Index p = Index(kept_features.size()), nc = Index(kept_covariates.size());
    if (p < 2) throw Error(ErrorKind::invalid_input, "combat: need at least 2 features that vary within every batch");

    // sva's design from the indicator design: the reference site's column becomes all ones
    // (X_ref = X T, T = I with column ref replaced by ones over the site rows), then the kept
    // covariates. Cross products transform as T' X'X T and T' X'Y.
    std::vector<Index> columns;
    for (Index s = 0; s < k; ++s) columns.push_back(s);
    for (Index j : kept_covariates) columns.push_back(k + j);
    MatrixXd t = MatrixXd::Zero(d, Index(columns.size()));
    for (std::size_t j = 0; j < columns.size(); ++j) t(columns[j], Index(j)) = 1;
    if (m.reference_site >= 0) t.col(m.reference_site).head(k).setOnes();
    const MatrixXd dtd = t.transpose() * xtx * t;
    MatrixXd dty(Index(columns.size()), p);
    for (Index j = 0; j < p; ++j) dty.col(j) = t.transpose() * xty.col(kept_features[std::size_t(j)]);
    combat_detail::check_confounding(rank_from_cross_products(dtd), dtd.cols(), nc,
                                     [&] { return rank_from_cross_products(dtd.bottomRightCorner(nc, nc)); });

    const MatrixXd b_hat = combat_detail::solve_normal_equations(dtd, dty);
    m.site_coefficients = b_hat.topRows(k);
    m.covariate_coefficients = b_hat.bottomRows(nc);
    if (m.reference_site >= 0) {
        m.grand_mean = b_hat.row(m.reference_site);
    } else {
        RowVectorXd w(k);
        for (int s = 0; s < k; ++s) w(s) = double(m.site_sizes[std::size_t(s)]) / double(n);
        m.grand_mean = w * b_hat.topRows(k);
    }
    return m;
}

RowVectorXd combat_site_residual_ss(const CombatModel& m, const MatrixXd& data, int site, const MatrixXd& covariates) {
    check_site_rows(data, site, m.n_sites, covariates);
    MatrixXd x, cov;
    select_columns(m, data, covariates, x, cov);
    if (m.reference_site >= 0 && site != m.reference_site) return RowVectorXd::Zero(x.cols());
    // fitted = B.hat_site (+ B.hat_ref: its column is all ones; here site == ref) + covariates B.hat_cov
    const RowVectorXd batch_part = m.site_coefficients.row(site);
    const MatrixXd residual = x - cov * m.covariate_coefficients - MatrixXd::Ones(x.rows(), 1) * batch_part;
    return residual.array().square().colwise().sum();
}

void combat_set_pooled_variance(CombatModel& m, const std::vector<RowVectorXd>& residual_ss) {
    if (int(residual_ss.size()) != m.n_sites) fail("one residual sum of squares per site needed");
    const Index p = m.grand_mean.size();
    RowVectorXd total = RowVectorXd::Zero(p);
    std::int64_t count = 0;
    for (int s = 0; s < m.n_sites; ++s) {
        if (residual_ss[std::size_t(s)].size() != p) fail("site " + std::to_string(s) + "'s residual sums have the wrong length");
        if (m.reference_site >= 0 && s != m.reference_site) continue;
        total += residual_ss[std::size_t(s)];
        count += m.site_sizes[std::size_t(s)];
    }
    m.var_pooled = total / double(count);  // mean of squared residuals (divisor n, not n - 1), as sva
}

CombatSiteAdjustment combat_site_adjust(const CombatModel& m, const MatrixXd& data, int site, const MatrixXd& covariates,
                                        const CombatOptions& options) {
    check_site_rows(data, site, m.n_sites, covariates);
    if (m.var_pooled.size() != m.grand_mean.size()) fail("the model has no pooled variance yet (round 2)");
    if (options.reference_batch.value_or(-1) != m.reference_site) fail("the options' reference site differs from the model's");
    if (options.mean_only && !m.mean_only) fail("the options ask for mean-only, the model is not");
    if (data.rows() != m.site_sizes[std::size_t(site)]) fail("site " + std::to_string(site) + " has another number of rows than in round 1");
    MatrixXd x, cov;
    select_columns(m, data, covariates, x, cov);
    const MatrixXd z = combat_detail::standardise(x, cov, m.covariate_coefficients, m.grand_mean, m.var_pooled.array().sqrt());
    // gamma_hat: the batch column's least-squares coefficient on z, the site's mean of z (see the
    // header for the reference-site case).
    const auto e = combat_detail::estimate_batch(z, z.colwise().mean(), m.mean_only != 0, options);
    CombatSiteAdjustment a;
    a.gamma_hat = e.gamma_hat;
    a.delta_hat = e.delta_hat;
    a.gamma_star = e.gamma_star;
    a.delta_star = e.delta_star;
    if (site == m.reference_site) {
        a.gamma_star.setZero();
        a.delta_star.setOnes();
    }
    a.gamma_bar = e.gamma_bar;
    a.tau2 = e.tau2;
    a.a_prior = e.a_prior;
    a.b_prior = e.b_prior;
    a.iterations = e.iterations;
    a.data = combat_apply(combat_site_fit(m, site, a), data, std::vector<int>(std::size_t(data.rows()), site), covariates);
    return a;
}

CombatFit combat_site_fit(const CombatModel& m, int site, const CombatSiteAdjustment& adjustment) {
    if (site < 0 || site >= m.n_sites) fail("site " + std::to_string(site) + " is not one of the sites");
    const Index k = m.n_sites, p = m.grand_mean.size();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CombatFit fit;
    fit.n_batches = m.n_sites;
    if (m.reference_site >= 0) fit.reference_batch = m.reference_site;
    fit.mean_only = m.mean_only != 0;
    for (auto s : m.site_sizes) fit.batch_sizes.push_back(int(s));
    fit.adjusted.assign(m.adjusted.begin(), m.adjusted.end());
    fit.covariate_kept.assign(m.covariate_kept.begin(), m.covariate_kept.end());
    fit.grand_mean = m.grand_mean;
    fit.var_pooled = m.var_pooled;
    fit.covariate_coefficients = m.covariate_coefficients;
    for (MatrixXd* mat : {&fit.gamma_hat, &fit.delta_hat, &fit.gamma_star, &fit.delta_star}) mat->setConstant(k, p, nan);
    fit.gamma_hat.row(site) = adjustment.gamma_hat;
    fit.delta_hat.row(site) = adjustment.delta_hat;
    fit.gamma_star.row(site) = adjustment.gamma_star;
    fit.delta_star.row(site) = adjustment.delta_star;
    for (VectorXd* v : {&fit.gamma_bar, &fit.tau2, &fit.a_prior, &fit.b_prior}) v->setConstant(k, nan);
    fit.gamma_bar(site) = adjustment.gamma_bar;
    fit.tau2(site) = adjustment.tau2;
    fit.a_prior(site) = adjustment.a_prior;
    fit.b_prior(site) = adjustment.b_prior;
    fit.iterations.assign(std::size_t(k), 0);
    fit.iterations[std::size_t(site)] = adjustment.iterations;
    return fit;
}

}  // namespace radhpc::stats::federated
