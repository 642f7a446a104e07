// Neighbourhood grey tone difference features: IBSI 1 section 3.10 and PyRadiomics ngtdm.py; the two
// families declare their features at the end of this file.
#include <cmath>

#include "radhpc/features/family.hpp"
#include "radhpc/features/texture_detail.hpp"
#include "texture_internal.hpp"

namespace radhpc::features::detail {

std::array<double, ngt_stat_count> ngtdm_statistics(const std::vector<double>& n, const std::vector<double>& s,
                                                    const std::vector<int>& lv) {
    // Only grey levels with n_i > 0 take part (p_i != 0); N_vp = sum n_i; N_gp = their number.
    std::vector<double> p, si, gi;
    double nvp = 0;
    for (std::size_t k = 0; k < n.size(); ++k) nvp += n[k];
    for (std::size_t k = 0; k < n.size(); ++k)
        if (n[k] > 0) {
            p.push_back(n[k] / nvp);
            si.push_back(s[k]);
            gi.push_back(lv[k]);
        }
    const std::size_t ngp = p.size();
    double sum_ps = 0, sum_s = 0;
    for (std::size_t a = 0; a < ngp; ++a) {
        sum_ps += p[a] * si[a];
        sum_s += si[a];
    }
    double pair_contrast = 0, abs_diff = 0, complexity = 0, strength = 0;
    for (std::size_t a = 0; a < ngp; ++a)
        for (std::size_t b = 0; b < ngp; ++b) {
            const double d = gi[a] - gi[b];
            pair_contrast += p[a] * p[b] * d * d;                                    // sum p_i p_j (i-j)^2
            abs_diff += std::fabs(gi[a] * p[a] - gi[b] * p[b]);                      // sum |i p_i - j p_j|
            complexity += std::fabs(d) * (p[a] * si[a] + p[b] * si[b]) / (p[a] + p[b]);
            strength += (p[a] + p[b]) * d * d;
        }
    std::array<double, ngt_stat_count> f{};
    // coarseness = 1 / sum p_i s_i; 10^6 when the sum is 0 (PyRadiomics convention)
    f[ngt_coarseness] = sum_ps == 0 ? 1e6 : 1 / sum_ps;
    // contrast = [sum p_i p_j (i-j)^2 / (N_gp (N_gp - 1))] [sum s_i / N_vp]; 0 when N_gp <= 1
    f[ngt_contrast] = ngp <= 1 ? 0.0 : pair_contrast / (double(ngp) * double(ngp - 1)) * (sum_s / nvp);
    // busyness = sum p_i s_i / sum |i p_i - j p_j|; 0 when the denominator is 0
    f[ngt_busyness] = abs_diff == 0 ? 0.0 : sum_ps / abs_diff;
    // complexity = sum |i-j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vp
    f[ngt_complexity] = complexity / nvp;
    // strength = sum (p_i + p_j)(i-j)^2 / sum s_i; 0 when sum s_i = 0
    f[ngt_strength] = sum_s == 0 ? 0.0 : strength / sum_s;
    return f;
}

// ---- the features of ngt and ngtdm --------------------------------------------------------------------
namespace {

// IBSI 1 section 3.10, neighbourhood grey tone difference matrix.
constexpr IbsiFeature kNgt[] = {
    {"ngt_coarseness", "QCDE", "", "Coarseness", ngt_coarseness},
    {"ngt_contrast", "65HE", "", "Contrast", ngt_contrast},
    {"ngt_busyness", "NQ30", "", "Busyness", ngt_busyness},
    {"ngt_complexity", "HDEZ", "", "Complexity", ngt_complexity},
    {"ngt_strength", "1X9X", "", "Strength", ngt_strength},
};

// PyRadiomics ngtdm.py (n_i counts every ROI voxel; see NgtdmMatrix).
constexpr PyradiomicsFeature kNgtdm[] = {
    {"Coarseness", "ngt_coarseness_3D", "", ngt_coarseness},
    {"Contrast", "ngt_contrast_3D", "", ngt_contrast},
    {"Busyness", "ngt_busyness_3D", "", ngt_busyness},
    {"Complexity", "ngt_complexity_3D", "", ngt_complexity},
    {"Strength", "ngt_strength_3D", "", ngt_strength},
};

}  // namespace
}  // namespace radhpc::features::detail

namespace radhpc::features {
constexpr FamilyDecl kNgtFamily{"ngt", detail::kVolumeAggregations, detail::kNgt, {}};
constexpr FamilyDecl kNgtdmFamily{"ngtdm", kNoVariant, {}, detail::kNgtdm};
}  // namespace radhpc::features

namespace radhpc::features::detail {

// ---- aggregation: ngt over slices (IBSI n_i: voxels with a neighbour), ngtdm on PyRadiomics' matrix ------

void ngt_family(const TextureContext& c, FeatureValues& out) {
    auto feats = [&](const NgtdmMatrix& m) -> OptFeat {
        Feat n(m.n_with_neighbours.begin(), m.n_with_neighbours.end());
        double total = 0;
        for (double x : n) total += x;
        if (total == 0) return std::nullopt;
        return to_feat(ngtdm_statistics(n, m.s, c.lv()));
    };
    const auto hood2d = chebyshev_offsets({c.settings.ngtdm_distance}, true, false);
    ibsi_nondirectional(
        c.plan, c.slices, [&](int s) { return feats(ngtdm_matrix(c.roi, hood2d, s)); }, [&] { return feats(c.ngt_25d); },
        [&] { return feats(c.ngt_3d); }, ngt_stat_count, putter(kNgtFamily, out));
}

void ngtdm_family(const TextureContext& c, FeatureValues& out) {
    Feat n(c.ngtdm_pyr.n_all.begin(), c.ngtdm_pyr.n_all.end());
    emit(kNgtdmFamily, "", ngtdm_statistics(n, c.ngtdm_pyr.s, c.lv()), out);
}

}  // namespace radhpc::features::detail
