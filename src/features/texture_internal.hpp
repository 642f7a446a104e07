// Internal interface of the texture dispatcher (texture_features.cpp): the shared matrices of one ROI
// (texture_shared.cpp), the IBSI and PyRadiomics aggregation rules (texture_aggregation.cpp), and the
// per-family functions that apply them to the formulas (in each family's formula file, beside its
// declared features).
#pragma once
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "radhpc/features/family.hpp"
#include "radhpc/features/texture.hpp"
#include "radhpc/features/texture_detail.hpp"

namespace radhpc::features::detail {

using Feat = std::vector<double>;
using OptFeat = std::optional<Feat>;
inline constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

template <class A>
Feat to_feat(const A& a) {
    return Feat(a.begin(), a.end());
}

// Which IBSI aggregations the settings ask for.
struct Plan {
    bool d2_avg = false, d2_comb = false, d25_avg = false, d25_comb = false, d3_avg = false, d3_comb = false;
    bool any_2d() const { return d2_avg || d2_comb; }
    bool any_25d() const { return d25_avg || d25_comb; }
    bool any_3d() const { return d3_avg || d3_comb; }
};
Plan make_plan(const TextureSettings& s);

// Everything the family functions read: the ROI, the settings, and the matrices several families share,
// each computed once (IBSI 3D co-occurrence/run matrices are PyRadiomics' angles; zone labellings serve
// GLSZM and GLDZM; the NGLDM matrix is PyRadiomics' GLDM).
struct TextureContext {
    TextureContext(const TextureRoi& r, const Mask& morph, const TextureSettings& s)
        : roi(r), morphological_mask(morph), settings(s) {}
    const TextureRoi& roi;
    const Mask& morphological_mask;
    const TextureSettings& settings;
    int n_levels = 0;
    Plan plan;
    Vec3 spacing{};
    int max_level = 0;
    std::vector<int> slices;  // box slices holding ROI voxels
    int pyr_fixed_axis = -1;  // PyRadiomics force2D: the axis left out (x, y, z numbering), -1 none
    bool pyr_merge = false;   // PyRadiomics: merge the angles' matrices before the features
    std::vector<Offset3> ibsi_dirs3d, ibsi_dirs2d, pyr_glcm_angles, pyr_unit_angles;

    std::map<Offset3, CountMatrix> glcm_cache, glrlm_cache;  // whole-box matrices per offset
    std::vector<Zone> zones_2d, zones_3d, zones_pyr;
    std::vector<std::vector<int>> zones_by_slice;  // indices into zones_2d per box slice
    NgtdmMatrix ngt_25d, ngt_3d, ngtdm_pyr;
    CountMatrix ngl_25d, ngl_3d, gldm_pyr;

    const std::vector<int>& lv() const { return roi.level_values; }
};
// Computes the shared matrices that the requested families need (in parallel, deterministic).
void build_shared_matrices(TextureContext& ctx, const std::set<std::string>& families);

// Appends one variant's values under the family's declared names.
using Put = std::function<void(std::string_view variant, const Feat&)>;
Put putter(const FamilyDecl& family, FeatureValues& out);

// Mean over the present items, in order. nan_aware: numpy.nanmean (NaN entries ignored).
Feat mean_of(const std::vector<OptFeat>& items, std::size_t n, bool nan_aware);
// a + weight_b * b (a may be empty; b may have more columns than a).
DenseMatrix add_dense(DenseMatrix a, const DenseMatrix& b, double weight_b = 1.0);
// PyRadiomics distance weights, d = |angle| * spacing: glcm uses exp(-||d||^2), glrlm uses ||d||.
double pyradiomics_weight(const Offset3& a, const Vec3& spacing, DistanceWeighting w, bool exponential);

// PyRadiomics' rule over angles (glcm, glrlm): features of the weighted sum of the angles' matrices
// (merge), else numpy.nanmean of the per-angle features over the non-empty angles.
Feat pyradiomics_angles(const std::vector<DenseMatrix>& mats, const std::vector<double>& weights, bool merge,
                        std::size_t nf, const std::function<Feat(const DenseMatrix&)>& features);

// IBSI aggregation for directional matrices (cm, rlm), variants kDirectionalAggregations.
void ibsi_directional(const Plan& plan, const std::vector<int>& slices, const std::vector<Offset3>& dirs2d,
                      const std::vector<Offset3>& dirs3d, const std::function<DenseMatrix(const Offset3&)>& matrix,
                      const std::function<std::vector<DenseMatrix>(int slice)>& slice_matrices,
                      const std::function<Feat(const DenseMatrix&)>& features, std::size_t nf, const Put& put);
// IBSI aggregation for non-directional matrices (szm, dzm, ngt, ngl), variants kVolumeAggregations.
void ibsi_nondirectional(const Plan& plan, const std::vector<int>& slices,
                         const std::function<OptFeat(int slice)>& slice_features,
                         const std::function<OptFeat()>& merged_25d, const std::function<OptFeat()>& volume_3d,
                         std::size_t nf, const Put& put);

// The family functions: each appends its family's features (texture_cm_features.cpp,
// texture_zone_features.cpp, texture_ngt_features.cpp).
void cm_family(const TextureContext& ctx, FeatureValues& out);
void glcm_family(const TextureContext& ctx, FeatureValues& out);
void rlm_family(const TextureContext& ctx, FeatureValues& out);
void szm_family(const TextureContext& ctx, FeatureValues& out);
void dzm_family(const TextureContext& ctx, FeatureValues& out);
void ngl_family(const TextureContext& ctx, FeatureValues& out);
void glrlm_family(const TextureContext& ctx, FeatureValues& out);
void glszm_family(const TextureContext& ctx, FeatureValues& out);
void gldm_family(const TextureContext& ctx, FeatureValues& out);
void ngt_family(const TextureContext& ctx, FeatureValues& out);
void ngtdm_family(const TextureContext& ctx, FeatureValues& out);

}  // namespace radhpc::features::detail
