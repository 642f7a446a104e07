// Grey level co-occurrence features: IBSI 1 section 3.6 (cm_*) and PyRadiomics 3.x glcm.py.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>

#include "radhpc/features/texture_detail.hpp"

namespace radhpc::features::detail {

double DenseMatrix::total() const {
    double t = 0;
    for (double x : v) t += x;
    return t;
}

DenseMatrix to_dense(const CountMatrix& m) {
    DenseMatrix d{m.rows, m.cols, std::vector<double>(m.counts.size())};
    for (std::size_t i = 0; i < m.counts.size(); ++i) d.v[i] = double(m.counts[i]);
    return d;
}

DenseMatrix symmetrised(const CountMatrix& m) {
    DenseMatrix d{m.rows, m.cols, std::vector<double>(m.counts.size())};
    for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c)
            d.v[std::size_t(r) * std::size_t(m.cols) + std::size_t(c)] = double(m.at(r, c) + m.at(c, r));
    return d;
}

const std::array<const char*, ibsi_cm_count> ibsi_cm_names = {
    "joint_max", "joint_avg",   "joint_var",     "joint_entr",        "diff_avg",   "diff_var",
    "diff_entr", "sum_avg",     "sum_var",       "sum_entr",          "energy",     "contrast",
    "dissimilarity", "inv_diff", "inv_diff_norm", "inv_diff_mom",     "inv_diff_mom_norm", "inv_var",
    "corr",      "auto_corr",   "clust_tend",    "clust_shade",       "clust_prom", "info_corr1",
    "info_corr2"};

std::array<double, ibsi_cm_count> ibsi_cm_features(const DenseMatrix& counts, const std::vector<int>& lv,
                                                   int n_levels) {
    std::array<double, ibsi_cm_count> f{};
    const int n = counts.rows;
    const double total = counts.total();
    const int max_value = lv.empty() ? 0 : lv.back();
    std::vector<double> px(std::size_t(n), 0.0), py(std::size_t(n), 0.0);
    std::vector<double> p_sum(std::size_t(2 * max_value + 1), 0.0), p_diff(std::size_t(max_value + 1), 0.0);
    const double ng = double(n_levels);
    double joint_max = 0, mu_x = 0, mu_y = 0, hxy = 0, energy = 0, contrast = 0, dissimilarity = 0;
    double inv_diff = 0, inv_diff_norm = 0, inv_diff_mom = 0, inv_diff_mom_norm = 0, inv_var = 0, auto_corr = 0;
    // Slice matrices are sparse: collect the non-zero cells once, then every sum runs over them.
    struct NonZero {
        int r, c;
        double p;
    };
    std::vector<NonZero> cells;
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c)
            if (counts.at(r, c) != 0) cells.push_back({r, c, counts.at(r, c) / total});
    for (const auto& cell : cells) {
        const int r = cell.r, c = cell.c;
        const double p = cell.p;
        const double i = lv[std::size_t(r)], j = lv[std::size_t(c)], d = std::fabs(i - j);
        px[std::size_t(r)] += p;
        py[std::size_t(c)] += p;
        joint_max = std::max(joint_max, p);
        mu_x += i * p;  // joint average mu = sum_ij i p_ij
        mu_y += j * p;
        hxy -= p * std::log2(p);
        p_sum[std::size_t(lv[std::size_t(r)] + lv[std::size_t(c)])] += p;
        p_diff[std::size_t(std::abs(lv[std::size_t(r)] - lv[std::size_t(c)]))] += p;
        energy += p * p;
        contrast += d * d * p;
        dissimilarity += d * p;
        inv_diff += p / (1 + d);               // sum p / (1 + |i-j|)
        inv_diff_norm += p / (1 + d / ng);     // sum p / (1 + |i-j| / Ng)
        inv_diff_mom += p / (1 + d * d);       // sum p / (1 + (i-j)^2)
        inv_diff_mom_norm += p / (1 + d * d / (ng * ng));
        if (d > 0) inv_var += p / (d * d);     // sum_{i != j} p / (i-j)^2
        auto_corr += i * j * p;
    }
    // Marginal entropies and log-marginals; HXY1 and HXY2 use log2(px py) = log2 px + log2 py, so no
    // logarithm is taken per cell (HXY2 = -sum_ij px py log2(px py) = HX sum py + HY sum px).
    std::vector<double> lpx(std::size_t(n), 0.0), lpy(std::size_t(n), 0.0);
    double var_x = 0, var_y = 0, hx = 0, hy = 0, sum_px = 0, sum_py = 0;
    for (int r = 0; r < n; ++r) {
        const double i = lv[std::size_t(r)], a = px[std::size_t(r)], b = py[std::size_t(r)];
        var_x += (i - mu_x) * (i - mu_x) * a;
        var_y += (i - mu_y) * (i - mu_y) * b;
        if (a > 0) lpx[std::size_t(r)] = std::log2(a);
        if (b > 0) lpy[std::size_t(r)] = std::log2(b);
        hx -= a * lpx[std::size_t(r)];
        hy -= b * lpy[std::size_t(r)];
        sum_px += a;
        sum_py += b;
    }
    const double hxy2 = hx * sum_py + hy * sum_px;
    double joint_var = 0, cov = 0, clust_tend = 0, clust_shade = 0, clust_prom = 0, hxy1 = 0;
    for (const auto& cell : cells) {
        const int r = cell.r, c = cell.c;
        const double p = cell.p;
        const double i = lv[std::size_t(r)], j = lv[std::size_t(c)];
        joint_var += (i - mu_x) * (i - mu_x) * p;
        cov += (i - mu_x) * (j - mu_y) * p;
        const double t = i + j - mu_x - mu_y;
        clust_tend += t * t * p;
        clust_shade += t * t * t * p;
        clust_prom += t * t * t * t * p;
        hxy1 -= p * (lpx[std::size_t(r)] + lpy[std::size_t(c)]);  // HXY1 = -sum p(i,j) log2(px(i) py(j))
    }
    double diff_avg = 0, diff_var = 0, diff_entr = 0, sum_avg = 0, sum_var = 0, sum_entr = 0;
    for (std::size_t k = 0; k < p_diff.size(); ++k) diff_avg += double(k) * p_diff[k];
    for (std::size_t k = 0; k < p_diff.size(); ++k) {
        if (p_diff[k] == 0) continue;
        diff_var += (double(k) - diff_avg) * (double(k) - diff_avg) * p_diff[k];
        diff_entr -= p_diff[k] * std::log2(p_diff[k]);
    }
    for (std::size_t k = 0; k < p_sum.size(); ++k) sum_avg += double(k) * p_sum[k];
    for (std::size_t k = 0; k < p_sum.size(); ++k) {
        if (p_sum[k] == 0) continue;
        sum_var += (double(k) - sum_avg) * (double(k) - sum_avg) * p_sum[k];
        sum_entr -= p_sum[k] * std::log2(p_sum[k]);
    }
    f = {joint_max, mu_x, joint_var, hxy, diff_avg, diff_var, diff_entr, sum_avg, sum_var, sum_entr, energy,
         contrast, dissimilarity, inv_diff, inv_diff_norm, inv_diff_mom, inv_diff_mom_norm, inv_var,
         cov / std::sqrt(var_x * var_y),                      // correlation
         auto_corr, clust_tend, clust_shade, clust_prom,
         (hxy - hxy1) / std::max(hx, hy),                      // info_corr1 = (HXY - HXY1) / max(HX, HY)
         std::sqrt(1 - std::exp(-2 * (hxy2 - hxy)))};          // info_corr2 = sqrt(1 - e^{-2 (HXY2 - HXY)})
    return f;
}

const std::array<const char*, pyradiomics_glcm_count> pyradiomics_glcm_names = {
    "Autocorrelation", "JointAverage", "ClusterProminence", "ClusterShade", "ClusterTendency", "Contrast",
    "Correlation", "DifferenceAverage", "DifferenceEntropy", "DifferenceVariance", "JointEnergy", "JointEntropy",
    "Imc1", "Imc2", "Idm", "MCC", "Idmn", "Id", "Idn", "InverseVariance", "MaximumProbability", "SumAverage",
    "SumEntropy", "SumSquares"};

namespace {

// MCC = sqrt(second largest eigenvalue of Q), Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps), with
// numpy's conventions: eigenvalues sorted by (real, imag); a real spectrum stays real (sqrt(<0) = NaN).
double pyradiomics_mcc(const std::vector<double>& p, const std::vector<double>& px, const std::vector<double>& py,
                       int n) {
    if (n < 2) return 1.0;  // flat region: PyRadiomics returns 1
    // Rows/columns with px(i) = 0 are zero in Q and only add zero eigenvalues.
    std::vector<int> live;
    for (int i = 0; i < n; ++i)
        if (px[std::size_t(i)] > 0) live.push_back(i);
    const int m = int(live.size());
    std::vector<std::complex<double>> ev;
    if (m > 0) {
        // Q = W P^T with W(i,k) = p(i,k) / (px(i) py(k) + eps), over the live rows (one matrix product)
        Eigen::MatrixXd w(m, n), pl(m, n);
        for (int a = 0; a < m; ++a) {
            const int i = live[std::size_t(a)];
            for (int k = 0; k < n; ++k) {
                const double pik = p[std::size_t(i) * n + k];
                pl(a, k) = pik;
                w(a, k) = pik / (px[std::size_t(i)] * py[std::size_t(k)] + pyradiomics_eps);
            }
        }
        const Eigen::MatrixXd q = w * pl.transpose();
        Eigen::EigenSolver<Eigen::MatrixXd> solver(q, false);
        for (int k = 0; k < m; ++k) ev.push_back(solver.eigenvalues()[k]);
    }
    for (int k = m; k < n; ++k) ev.emplace_back(0.0, 0.0);
    bool real_spectrum = true;
    for (const auto& e : ev)
        if (e.imag() != 0) real_spectrum = false;
    std::sort(ev.begin(), ev.end(), [](const auto& a, const auto& b) {
        return a.real() < b.real() || (a.real() == b.real() && a.imag() < b.imag());
    });
    const auto second = ev[ev.size() - 2];
    if (real_spectrum) return second.real() < 0 ? std::numeric_limits<double>::quiet_NaN() : std::sqrt(second.real());
    return std::sqrt(second).real();
}

}  // namespace

std::array<double, pyradiomics_glcm_count> pyradiomics_glcm_features(const DenseMatrix& counts,
                                                                     const std::vector<int>& lv, int max_level) {
    const double eps = pyradiomics_eps;
    const int n = counts.rows;
    const double total = counts.total();
    std::vector<double> p(counts.v.size());
    for (std::size_t k = 0; k < p.size(); ++k) p[k] = counts.v[k] / total;
    std::vector<double> px(std::size_t(n), 0.0), py(std::size_t(n), 0.0);
    // p_{x+y}(k), k = 2..2Ng and p_{x-y}(k), k = 0..Ng-1, indexed by grey-level value
    std::vector<double> p_add(std::size_t(2 * max_level + 1), 0.0), p_sub(std::size_t(max_level), 0.0);
    double ux = 0, uy = 0, hxy = 0, autocorr = 0, contrast = 0, energy = 0, maxprob = 0;
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const double v = p[std::size_t(r) * n + c];
            const double i = lv[std::size_t(r)], j = lv[std::size_t(c)];
            px[std::size_t(r)] += v;
            py[std::size_t(c)] += v;
            ux += i * v;
            uy += j * v;
            hxy -= v * std::log2(v + eps);  // HXY = -sum p log2(p + eps)
            autocorr += v * i * j;
            contrast += v * (i - j) * (i - j);
            energy += v * v;
            maxprob = std::max(maxprob, v);
            p_add[std::size_t(lv[std::size_t(r)] + lv[std::size_t(c)])] += v;
            p_sub[std::size_t(std::abs(lv[std::size_t(r)] - lv[std::size_t(c)]))] += v;
        }
    double prom = 0, shade = 0, tend = 0, sigx2 = 0, sigy2 = 0, corm = 0, sumsq = 0, hxy1 = 0, hxy2 = 0;
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const double v = p[std::size_t(r) * n + c];
            const double i = lv[std::size_t(r)], j = lv[std::size_t(c)];
            const double t = i + j - ux - uy;
            tend += v * t * t;
            shade += v * t * t * t;
            prom += v * t * t * t * t;
            sigx2 += v * (i - ux) * (i - ux);
            sigy2 += v * (j - uy) * (j - uy);
            corm += v * (i - ux) * (j - uy);
            const double pxy = px[std::size_t(r)] * py[std::size_t(c)];
            hxy1 -= v * std::log2(pxy + eps);    // HXY1 = -sum p log2(px py + eps)
            hxy2 -= pxy * std::log2(pxy + eps);  // HXY2 = -sum px py log2(px py + eps)
        }
    sumsq = sigx2;  // sum p (i - ux)^2
    double hx = 0, hy = 0;
    for (int r = 0; r < n; ++r) {
        hx -= px[std::size_t(r)] * std::log2(px[std::size_t(r)] + eps);
        hy -= py[std::size_t(r)] * std::log2(py[std::size_t(r)] + eps);
    }
    const double sigx = std::sqrt(sigx2), sigy = std::sqrt(sigy2);
    const double correlation = (sigx * sigy == 0) ? 1.0 : corm / (sigx * sigy + eps);
    double diffavg = 0, diffent = 0, idm = 0, idmn = 0, id = 0, idn = 0, invvar = 0;
    const double ng = double(max_level);
    for (std::size_t k = 0; k < p_sub.size(); ++k) {
        const double kk = double(k), v = p_sub[k];
        diffavg += kk * v;
        diffent -= v * std::log2(v + eps);
        idm += v / (1 + kk * kk);
        idmn += v / (1 + (kk * kk) / (ng * ng));
        id += v / (1 + kk);
        idn += v / (1 + kk / ng);
        if (k >= 1) invvar += v / (kk * kk);
    }
    double diffvar = 0;
    for (std::size_t k = 0; k < p_sub.size(); ++k) diffvar += p_sub[k] * (double(k) - diffavg) * (double(k) - diffavg);
    double sumavg = 0, sument = 0;
    for (std::size_t k = 2; k < p_add.size(); ++k) {
        sumavg += double(k) * p_add[k];
        sument -= p_add[k] * std::log2(p_add[k] + eps);
    }
    const double div = std::max(hx, hy);
    const double imc1 = div != 0 ? (hxy - hxy1) / div : 0.0;
    const double imc2 = hxy2 == hxy ? 0.0 : std::sqrt(1 - std::pow(M_E, -2 * (hxy2 - hxy)));
    const double mcc = pyradiomics_mcc(p, px, py, n);
    return {autocorr, ux, prom, shade, tend, contrast, correlation, diffavg, diffent, diffvar, energy, hxy,
            imc1, imc2, idm, mcc, idmn, id, idn, invvar, maxprob, sumavg, sument, sumsq};
}

}  // namespace radhpc::features::detail
