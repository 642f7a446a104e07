// Federated multi-centre summaries (issue 17): what a site can share instead of its rows, and how a
// coordinator pools it. Every summary here is mergeable (+=) or combines per-site estimates:
//   - DerSimonian-Laird random-effects meta-analysis of per-site estimates (metafor::rma(method = "DL"));
//   - histograms on a grid the coordinator sets, with the pooled AUC and quantiles they bound;
//   - moments (n, mean, M2, min, max) whose merge gives the pooled mean and variance exactly.
#pragma once
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace radhpc::stats::federated {

// ---- DerSimonian-Laird random-effects meta-analysis, equal to metafor::rma(yi, vi, method = "DL") ----
// w_i = 1 / v_i; Q = sum w_i (y_i - y_FE)^2 (y_FE the inverse-variance mean); C = sum w - sum w^2 / sum w;
// tau2 = max(0, (Q - (k - 1)) / C); w*_i = 1 / (v_i + tau2); estimate = sum w*_i y_i / sum w*_i, se =
// 1 / sqrt(sum w*), Wald CI and two-sided p; Q's p on k - 1 df; I2 = 100 tau2 / (tau2 + (k - 1) / C) and
// H2 = (tau2 + (k - 1) / C) / ((k - 1) / C) (metafor's "typical within-study variance" forms);
// weights = 100 w*_i / sum w* (weights(rma), percent). k = 1: tau2 = 0, Q = 0, Q's p = 1, I2 = 0, H2 = 1.
// yi finite, vi finite and > 0, same length >= 1, 0 < level < 1; otherwise Error(invalid_input).
struct MetaAnalysis {
    double estimate = 0, se = 0, lower = 0, upper = 0, z = 0, p_value = 1, tau2 = 0, q = 0, q_p_value = 1, i2 = 0, h2 = 1;
    int k = 0;
    std::vector<double> weights;  // percent, as weights(rma)
};
MetaAnalysis meta_dersimonian_laird(std::span<const double> yi, std::span<const double> vi, double level = 0.95);

// ---- Histograms on a coordinator's grid ----
// counts[i]: values in [edges[i], edges[i+1]) (the last bin closed: [edges[m-1], edges[m]]); below: values
// < edges.front() (-inf included), above: values > edges.back() (+inf included), missing: NaN.
// edges: >= 2, finite, strictly increasing (otherwise Error(invalid_input)).
struct Histogram {
    std::vector<double> edges;
    std::vector<std::int64_t> counts;
    std::int64_t below = 0, above = 0, missing = 0;
    std::int64_t total() const;  // all non-missing values (bins + below + above)
};
Histogram histogram(std::span<const double> values, std::span<const double> edges);
Histogram& operator+=(Histogram& a, const Histogram& b);  // same edges (exactly), else Error(invalid_input)

// Pooled AUC (cases higher, as stats::auc's default direction) from per-class histograms on one grid:
// the ordered bins are below, counts[0..m-1], above; a case-control pair in different bins is ordered
// exactly, a pair in the same bin counts 1/2. The exact AUC (midrank, ties 1/2) differs only on the
// same-bin pairs, each by at most 1/2, so |auc - exact| <= max_error = (1/2) sum_b cases_b controls_b /
// (n_cases n_controls). Missing values are left out; both classes need a non-missing value.
struct HistogramAuc {
    double auc = 0, max_error = 0;
};
HistogramAuc auc_from_histograms(const Histogram& cases, const Histogram& controls);

// Quantile with R's type 7 as the target: with n non-missing values and h = (n - 1) p, Q = x_(j) +
// (h - j)(x_(j+1) - x_(j)), j = floor(h) (order statistics 0-based). Inside a bin of count c the
// order statistics are taken as evenly spread (the r-th of the bin at lower + width (r + 1/2) / c), and
// Q is interpolated between the two so placed. Bound: x_(j) and x_(j+1) lie in known bins, so the exact
// quantile lies in [lower edge of x_(j)'s bin, upper edge of x_(j+1)'s bin] (one bin when both share
// it; -inf / +inf when one is below / above the grid, where value is the grid's end).
// 0 <= probability <= 1 and at least one non-missing value, otherwise Error(invalid_input).
struct HistogramQuantile {
    double value = 0, lower_bound = 0, upper_bound = 0;
};
HistogramQuantile quantile_from_histogram(const Histogram& h, double probability);

// ---- Mergeable moments: pooled mean and variance equal to mean() and var() on the union ----
// moments(): two-pass within the values (NaN counted as missing, left out); += merges by Chan et al.:
// delta = mean_b - mean_a, M2 = M2_a + M2_b + delta^2 n_a n_b / n. variance() = M2 / (n - 1) (NaN for n < 2).
struct Moments {
    std::int64_t n = 0, missing = 0;
    double mean = 0, m2 = 0;
    double min = std::numeric_limits<double>::infinity(), max = -std::numeric_limits<double>::infinity();
    double variance() const;
};
Moments moments(std::span<const double> values);
Moments& operator+=(Moments& a, const Moments& b);

}  // namespace radhpc::stats::federated
