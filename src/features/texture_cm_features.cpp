// Grey level co-occurrence features: IBSI 1 section 3.6 (cm_*) and PyRadiomics 3.x glcm.py; the two
// families declare their features at the end of this file.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>

#include "radhpc/features/family.hpp"
#include "radhpc/features/texture_detail.hpp"
#include "texture_internal.hpp"

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
    f[cm_joint_max] = joint_max;
    f[cm_joint_avg] = mu_x;
    f[cm_joint_var] = joint_var;
    f[cm_joint_entr] = hxy;
    f[cm_diff_avg] = diff_avg;
    f[cm_diff_var] = diff_var;
    f[cm_diff_entr] = diff_entr;
    f[cm_sum_avg] = sum_avg;
    f[cm_sum_var] = sum_var;
    f[cm_sum_entr] = sum_entr;
    f[cm_energy] = energy;
    f[cm_contrast] = contrast;
    f[cm_dissimilarity] = dissimilarity;
    f[cm_inv_diff] = inv_diff;
    f[cm_inv_diff_norm] = inv_diff_norm;
    f[cm_inv_diff_mom] = inv_diff_mom;
    f[cm_inv_diff_mom_norm] = inv_diff_mom_norm;
    f[cm_inv_var] = inv_var;
    f[cm_corr] = cov / std::sqrt(var_x * var_y);
    f[cm_auto_corr] = auto_corr;
    f[cm_clust_tend] = clust_tend;
    f[cm_clust_shade] = clust_shade;
    f[cm_clust_prom] = clust_prom;
    f[cm_info_corr1] = (hxy - hxy1) / std::max(hx, hy);              // (HXY - HXY1) / max(HX, HY)
    f[cm_info_corr2] = std::sqrt(1 - std::exp(-2 * (hxy2 - hxy)));  // sqrt(1 - e^{-2 (HXY2 - HXY)})
    return f;
}

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
    std::array<double, pyradiomics_glcm_count> f{};
    f[glcm_Autocorrelation] = autocorr;
    f[glcm_JointAverage] = ux;
    f[glcm_ClusterProminence] = prom;
    f[glcm_ClusterShade] = shade;
    f[glcm_ClusterTendency] = tend;
    f[glcm_Contrast] = contrast;
    f[glcm_Correlation] = correlation;
    f[glcm_DifferenceAverage] = diffavg;
    f[glcm_DifferenceEntropy] = diffent;
    f[glcm_DifferenceVariance] = diffvar;
    f[glcm_JointEnergy] = energy;
    f[glcm_JointEntropy] = hxy;
    f[glcm_Imc1] = imc1;
    f[glcm_Imc2] = imc2;
    f[glcm_Idm] = idm;
    f[glcm_MCC] = mcc;
    f[glcm_Idmn] = idmn;
    f[glcm_Id] = id;
    f[glcm_Idn] = idn;
    f[glcm_InverseVariance] = invvar;
    f[glcm_MaximumProbability] = maxprob;
    f[glcm_SumAverage] = sumavg;
    f[glcm_SumEntropy] = sument;
    f[glcm_SumSquares] = sumsq;
    return f;
}

// ---- the features of cm and glcm ------------------------------------------------------------------------
namespace {

// IBSI 1 section 3.6, grey level co-occurrence matrix.
constexpr IbsiFeature kCm[] = {
    {"cm_joint_max", "GYBY", "", "Joint maximum", cm_joint_max},
    {"cm_joint_avg", "60VM", "", "Joint average", cm_joint_avg},
    {"cm_joint_var", "UR99", "", "Joint variance", cm_joint_var},
    {"cm_joint_entr", "TU9B", "", "Joint entropy", cm_joint_entr},
    {"cm_diff_avg", "TF7R", "", "Difference average", cm_diff_avg},
    {"cm_diff_var", "D3YU", "", "Difference variance", cm_diff_var},
    {"cm_diff_entr", "NTRS", "", "Difference entropy", cm_diff_entr},
    {"cm_sum_avg", "ZGXS", "", "Sum average", cm_sum_avg},
    {"cm_sum_var", "OEEB", "", "Sum variance", cm_sum_var},
    {"cm_sum_entr", "P6QZ", "", "Sum entropy", cm_sum_entr},
    {"cm_energy", "8ZQL", "", "Angular second moment", cm_energy},
    {"cm_contrast", "ACUI", "", "Contrast", cm_contrast},
    {"cm_dissimilarity", "8S9J", "", "Dissimilarity", cm_dissimilarity},
    {"cm_inv_diff", "IB1Z", "", "Inverse difference", cm_inv_diff},
    {"cm_inv_diff_norm", "NDRX", "", "Normalised inverse difference", cm_inv_diff_norm},
    {"cm_inv_diff_mom", "WF0Z", "", "Inverse difference moment", cm_inv_diff_mom},
    {"cm_inv_diff_mom_norm", "1QCO", "", "Normalised inverse difference moment", cm_inv_diff_mom_norm},
    {"cm_inv_var", "E8JP", "", "Inverse variance", cm_inv_var},
    {"cm_corr", "NI2N", "", "Correlation", cm_corr},
    {"cm_auto_corr", "QWB0", "", "Autocorrelation", cm_auto_corr},
    {"cm_clust_tend", "DG8W", "", "Cluster tendency", cm_clust_tend},
    {"cm_clust_shade", "7NFM", "", "Cluster shade", cm_clust_shade},
    {"cm_clust_prom", "AE86", "", "Cluster prominence", cm_clust_prom},
    {"cm_info_corr1", "R8DG", "", "Information correlation 1", cm_info_corr1},
    {"cm_info_corr2", "JN9H", "", "Information correlation 2", cm_info_corr2},
};

// PyRadiomics glcm.py (its own formulas above: eps in logarithms, Ng = largest grey level, MCC).
constexpr PyradiomicsFeature kGlcm[] = {
    {"Autocorrelation", "cm_auto_corr_3D_avg", "", glcm_Autocorrelation},
    {"JointAverage", "cm_joint_avg_3D_avg", "", glcm_JointAverage},
    {"ClusterProminence", "cm_clust_prom_3D_avg", "", glcm_ClusterProminence},
    {"ClusterShade", "cm_clust_shade_3D_avg", "", glcm_ClusterShade},
    {"ClusterTendency", "cm_clust_tend_3D_avg", "", glcm_ClusterTendency},
    {"Contrast", "cm_contrast_3D_avg", "", glcm_Contrast},
    {"Correlation", "cm_corr_3D_avg", "", glcm_Correlation},
    {"DifferenceAverage", "cm_diff_avg_3D_avg", "", glcm_DifferenceAverage},
    {"DifferenceEntropy", "cm_diff_entr_3D_avg", "", glcm_DifferenceEntropy},
    {"DifferenceVariance", "cm_diff_var_3D_avg", "", glcm_DifferenceVariance},
    {"JointEnergy", "cm_energy_3D_avg", "", glcm_JointEnergy},
    {"JointEntropy", "cm_joint_entr_3D_avg", "", glcm_JointEntropy},
    {"Imc1", "cm_info_corr1_3D_avg", "", glcm_Imc1},
    {"Imc2", "cm_info_corr2_3D_avg", "", glcm_Imc2},
    {"Idm", "cm_inv_diff_mom_3D_avg", "", glcm_Idm},
    {"MCC", "", "", glcm_MCC},
    {"Idmn", "cm_inv_diff_mom_norm_3D_avg", "", glcm_Idmn},
    {"Id", "cm_inv_diff_3D_avg", "", glcm_Id},
    {"Idn", "cm_inv_diff_norm_3D_avg", "", glcm_Idn},
    {"InverseVariance", "cm_inv_var_3D_avg", "", glcm_InverseVariance},
    {"MaximumProbability", "cm_joint_max_3D_avg", "", glcm_MaximumProbability},
    {"SumAverage", "cm_sum_avg_3D_avg", "", glcm_SumAverage},
    {"SumEntropy", "cm_sum_entr_3D_avg", "", glcm_SumEntropy},
    {"SumSquares", "cm_joint_var_3D_avg", "", glcm_SumSquares},
};

}  // namespace
}  // namespace radhpc::features::detail

namespace radhpc::features {
constexpr FamilyDecl kCmFamily{"cm", detail::kDirectionalAggregations, detail::kCm, {}};
constexpr FamilyDecl kGlcmFamily{"glcm", kNoVariant, {}, detail::kGlcm};
}  // namespace radhpc::features

namespace radhpc::features::detail {

// ---- aggregation: the cm family over slices and directions, the glcm class over angles ------------------

void cm_family(const TextureContext& c, FeatureValues& out) {
    // whole-box matrices come from the shared cache; slice matrices are built per slice
    auto dense = [&](const CountMatrix& m) { return c.settings.symmetric_glcm ? symmetrised(m) : to_dense(m); };
    auto matrix = [&](const Offset3& o) { return dense(c.glcm_cache.at(o)); };
    auto slice_matrices = [&](int slice) {
        std::vector<DenseMatrix> mats;
        for (const auto& m : glcm_matrices(c.roi, c.ibsi_dirs2d, slice)) mats.push_back(dense(m));
        return mats;
    };
    auto feats = [&](const DenseMatrix& m) { return to_feat(ibsi_cm_features(m, c.lv(), c.n_levels)); };
    ibsi_directional(c.plan, c.slices, c.ibsi_dirs2d, c.ibsi_dirs3d, matrix, slice_matrices, feats, ibsi_cm_count,
                     putter(kCmFamily, out));
}

void glcm_family(const TextureContext& c, FeatureValues& out) {
    std::vector<DenseMatrix> mats;
    std::vector<double> weights;
    for (const auto& a : c.pyr_glcm_angles) {
        const CountMatrix& m = c.glcm_cache.at(a);
        mats.push_back(c.settings.symmetric_glcm ? symmetrised(m) : to_dense(m));
        weights.push_back(pyradiomics_weight(a, c.spacing, c.settings.weighting, true));
    }
    auto feats = [&](const DenseMatrix& m) { return to_feat(pyradiomics_glcm_features(m, c.lv(), c.max_level)); };
    const Feat result = pyradiomics_angles(mats, weights, c.pyr_merge, pyradiomics_glcm_count, feats);
    emit(kGlcmFamily, "", result, out);
}

}  // namespace radhpc::features::detail
