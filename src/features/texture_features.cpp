// Texture dispatcher: builds the shared ROI and the matrices the requested families share once
// (texture_shared.cpp), then runs each requested family as declared below; each family's file holds its
// declared features, its formulas and its aggregation.
//
// Parallelism (TBB): the families run concurrently and parallelise inside (directions, zone labellings,
// neighbourhoods, slices). Each parallel unit writes only its own slot and every floating-point
// reduction runs afterwards in a fixed order, so results do not depend on the thread count.
#include <tbb/parallel_for.h>

#include <algorithm>

#include "radhpc/core/error.hpp"
#include "texture_internal.hpp"

namespace radhpc::features {
namespace {

// The texture families in output order: the IBSI families, then the PyRadiomics classes.
struct TextureFamily {
    const FamilyDecl& decl;
    void (*compute)(const detail::TextureContext&, FeatureValues&);
};
const TextureFamily kTextureFamilies[] = {
    {kCmFamily, detail::cm_family},       {kRlmFamily, detail::rlm_family},     {kSzmFamily, detail::szm_family},
    {kDzmFamily, detail::dzm_family},     {kNgtFamily, detail::ngt_family},     {kNglFamily, detail::ngl_family},
    {kGlcmFamily, detail::glcm_family},   {kGlrlmFamily, detail::glrlm_family}, {kGlszmFamily, detail::glszm_family},
    {kGldmFamily, detail::gldm_family},   {kNgtdmFamily, detail::ngtdm_family},
};

Offset3 scaled(const Offset3& o, int d) { return {o[0] * d, o[1] * d, o[2] * d}; }

void check_families(const std::set<std::string>& families) {
    for (const auto& f : families)
        if (std::none_of(std::begin(kTextureFamilies), std::end(kTextureFamilies),
                         [&](const TextureFamily& t) { return t.decl.name == f; }))
            throw Error(ErrorKind::settings, "texture: unknown family '" + f + "'");
}

void check_settings(const Mask& morphological_mask, const GreyLevels& levels, const TextureSettings& settings,
                    const std::set<std::string>& families) {
    if (settings.distances.empty()) throw Error(ErrorKind::settings, "texture: empty distance list");
    for (int d : settings.distances)
        if (d < 1) throw Error(ErrorKind::settings, "texture: distances must be >= 1");
    if (families.count("dzm") && !same_grid(levels.geometry, morphological_mask.geometry, 1e-6))
        throw Error(ErrorKind::geometry_mismatch, "texture: morphological mask grid differs from the grey levels");
}

// The ROI-wide quantities every family reads: aggregation plan, slices, directions and PyRadiomics angles.
void describe_roi(detail::TextureContext& c, const TextureExtras& extras) {
    // PyRadiomics force2D excludes one axis of its (z, y, x) array; ours is (x, y, z).
    if (extras.force2d && (extras.force2d_dimension < 0 || extras.force2d_dimension > 2))
        throw Error(ErrorKind::settings, "texture: force2Ddimension must be 0, 1 or 2");
    const TextureSettings& settings = c.settings;
    c.plan = detail::make_plan(settings);
    c.max_level = c.lv().back();
    for (int z = 0; z < int(c.roi.nz); ++z)
        if (c.roi.slice_begin[std::size_t(z) + 1] > c.roi.slice_begin[std::size_t(z)]) c.slices.push_back(z);
    c.pyr_fixed_axis = extras.force2d ? 2 - extras.force2d_dimension : -1;
    c.pyr_merge = settings.weighting != DistanceWeighting::none || extras.merge_angles_unweighted ||
                  settings.merge_angles_unweighted;
    const int ibsi_delta = settings.distances.front();
    for (const auto& o : directions_3d()) c.ibsi_dirs3d.push_back(scaled(o, ibsi_delta));
    for (const auto& o : directions_2d()) c.ibsi_dirs2d.push_back(scaled(o, ibsi_delta));
    const std::set<int> pyr_distances(settings.distances.begin(), settings.distances.end());
    c.pyr_glcm_angles = chebyshev_offsets_fixed(pyr_distances, c.pyr_fixed_axis, true);
    c.pyr_unit_angles = chebyshev_offsets_fixed({1}, c.pyr_fixed_axis, true);
}

}  // namespace

FeatureValues texture_features(const GreyLevels& levels, const Mask& intensity_mask, const Mask& morphological_mask,
                               int n_levels, const TextureSettings& settings, Profile profile,
                               const std::set<std::string>& families) {
    return texture_features(levels, intensity_mask, morphological_mask, n_levels, settings, profile, families,
                            TextureExtras{});
}

FeatureValues texture_features(const GreyLevels& levels, const Mask& intensity_mask, const Mask& morphological_mask,
                               int n_levels, const TextureSettings& settings, Profile /*profile*/,
                               const std::set<std::string>& families, const TextureExtras& extras) {
    check_families(families);
    if (families.empty()) return {};
    check_settings(morphological_mask, levels, settings, families);
    int pad = std::max({1, settings.ngtdm_distance, settings.ngldm_distance});
    for (int d : settings.distances) pad = std::max(pad, d);
    const TextureRoi roi(levels, intensity_mask, pad);
    detail::TextureContext ctx(roi, morphological_mask, settings);
    ctx.n_levels = n_levels;
    ctx.spacing = levels.geometry.spacing;
    describe_roi(ctx, extras);
    detail::build_shared_matrices(ctx, families);

    // One output block per requested family, computed concurrently, appended in the declared order.
    std::vector<const TextureFamily*> wanted;
    for (const auto& f : kTextureFamilies)
        if (families.count(std::string(f.decl.name))) wanted.push_back(&f);
    std::vector<FeatureValues> blocks(wanted.size());
    tbb::parallel_for(std::size_t(0), wanted.size(), [&](std::size_t k) { wanted[k]->compute(ctx, blocks[k]); });
    FeatureValues result;
    for (auto& b : blocks) result.insert(result.end(), b.begin(), b.end());
    return result;
}

}  // namespace radhpc::features
