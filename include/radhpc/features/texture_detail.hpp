// Internal interface between the texture dispatcher and the feature formulas (texture_*_features.cpp).
#pragma once
#include <array>
#include <string_view>
#include <vector>

#include "radhpc/features/texture.hpp"

namespace radhpc::features::detail {

// A matrix of (possibly weighted) counts in double precision, row-major.
struct DenseMatrix {
    int rows = 0, cols = 0;
    std::vector<double> v;
    double at(int r, int c) const { return v[std::size_t(r) * std::size_t(cols) + std::size_t(c)]; }
    double total() const;
};
DenseMatrix to_dense(const CountMatrix& m);
// m + m^T (symmetric co-occurrence matrix).
DenseMatrix symmetrised(const CountMatrix& m);

// numpy.spacing(1): PyRadiomics' epsilon in logarithms and denominators.
inline constexpr double pyradiomics_eps = 2.220446049250313e-16;

// IBSI aggregation suffixes of the feature tags (IBSI 1 section 3.6.1): directional matrices (cm, rlm)
// and the others (szm, dzm, ngt, ngl). The families' declarations use them as their variants.
inline constexpr std::string_view kDirectionalAggregations[] = {"_2D_avg",   "_2D_comb", "_2_5D_avg",
                                                                "_2_5D_comb", "_3D_avg",  "_3D_comb"};
inline constexpr std::string_view kVolumeAggregations[] = {"_2D", "_2_5D", "_3D"};

// ---- co-occurrence (texture_cm_features.cpp, which declares the cm and glcm features) ----
enum CmValue {
    cm_joint_max, cm_joint_avg, cm_joint_var, cm_joint_entr, cm_diff_avg, cm_diff_var, cm_diff_entr, cm_sum_avg,
    cm_sum_var, cm_sum_entr, cm_energy, cm_contrast, cm_dissimilarity, cm_inv_diff, cm_inv_diff_norm, cm_inv_diff_mom,
    cm_inv_diff_mom_norm, cm_inv_var, cm_corr, cm_auto_corr, cm_clust_tend, cm_clust_shade, cm_clust_prom,
    cm_info_corr1, cm_info_corr2, ibsi_cm_count
};
// levels: grey level of each row; n_levels: IBSI N_g (discretised range) for the normalised features.
std::array<double, ibsi_cm_count> ibsi_cm_features(const DenseMatrix& counts, const std::vector<int>& levels,
                                                   int n_levels);

enum GlcmValue {
    glcm_Autocorrelation, glcm_JointAverage, glcm_ClusterProminence, glcm_ClusterShade, glcm_ClusterTendency,
    glcm_Contrast, glcm_Correlation, glcm_DifferenceAverage, glcm_DifferenceEntropy, glcm_DifferenceVariance,
    glcm_JointEnergy, glcm_JointEntropy, glcm_Imc1, glcm_Imc2, glcm_Idm, glcm_MCC, glcm_Idmn, glcm_Id, glcm_Idn,
    glcm_InverseVariance, glcm_MaximumProbability, glcm_SumAverage, glcm_SumEntropy, glcm_SumSquares,
    pyradiomics_glcm_count
};
// One angle's matrix; max_level: PyRadiomics Ng (largest grey level in the ROI). Flat region (one grey
// level): MCC = 1 as in PyRadiomics.
std::array<double, pyradiomics_glcm_count> pyradiomics_glcm_features(const DenseMatrix& counts,
                                                                     const std::vector<int>& levels, int max_level);

// ---- run / zone / dependence matrices (texture_zone_features.cpp, which declares the features of
// rlm, szm, dzm, ngl, glrlm, glszm and gldm) ----
// The 17 statistics shared by rlm, szm, dzm and ngl (and glrlm, glszm, gldm): rows are grey levels,
// column c stands for j = c + 1 (run length, zone size, distance, dependence count).
enum ZoneStat {
    zs_small_emphasis, zs_large_emphasis, zs_low_grey_emphasis, zs_high_grey_emphasis, zs_small_low_emphasis,
    zs_small_high_emphasis, zs_large_low_emphasis, zs_large_high_emphasis, zs_grey_nonuniformity, zs_grey_nonuniformity_norm,
    zs_j_nonuniformity, zs_j_nonuniformity_norm, zs_percentage, zs_grey_variance, zs_j_variance, zs_entropy, zs_energy,
    zone_stat_count
};
// zs_percentage = N / denominator; denominator <= 0 uses sum_j j * P (voxels covered by the matrix).
// pyradiomics_entropy: -sum p log2(p + eps) over all cells instead of IBSI's -sum p log2 p over p > 0.
std::array<double, zone_stat_count> zone_statistics(const DenseMatrix& counts, const std::vector<int>& levels,
                                                    double percentage_denominator, bool pyradiomics_entropy);

// Sparse form: cells (row, j, count) with j >= 1 the column value; rows index `levels`. Matrices with very
// many columns (zone sizes of large ROIs) are summarised without a dense n x max(j) array.
struct Cell {
    int row;
    int j;
    double value;
};
std::array<double, zone_stat_count> zone_statistics_cells(std::vector<Cell> cells, const std::vector<int>& levels,
                                                          double percentage_denominator, bool pyradiomics_entropy);
// Cells of the zone-size (distance = false) or zone-distance (distance = true) matrix of the given zones.
std::vector<Cell> zone_cells(const std::vector<Zone>& zones, const std::vector<int>* subset, bool distance);

// ---- NGTDM (texture_ngt_features.cpp, which declares the ngt and ngtdm features) ----
enum NgtStat { ngt_coarseness, ngt_contrast, ngt_busyness, ngt_complexity, ngt_strength, ngt_stat_count };
// n: voxels per level counted by the profile's rule; s: summed differences.
std::array<double, ngt_stat_count> ngtdm_statistics(const std::vector<double>& n, const std::vector<double>& s,
                                                    const std::vector<int>& levels);

}  // namespace radhpc::features::detail
