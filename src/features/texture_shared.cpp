// The matrices several texture families share, each computed once per ROI (see texture_internal.hpp).
// Matrices are built in parallel across directions, zone labellings and neighbourhoods; every builder
// sums integers, so the result does not depend on the thread count.
#include <tbb/parallel_for.h>

#include <tuple>

#include "texture_internal.hpp"

namespace radhpc::features::detail {
namespace {

using Jobs = std::vector<std::function<void()>>;

void run_parallel(Jobs& jobs) {
    tbb::parallel_for(std::size_t(0), jobs.size(), [&](std::size_t k) { jobs[k](); });
}

// All co-occurrence offsets in one fused pass, all run directions in another.
void directional_jobs(TextureContext& c, const std::set<std::string>& families, Jobs& jobs) {
    auto wants = [&](const char* f) { return families.count(f) > 0; };
    if (wants("cm")) {
        if (c.plan.any_25d()) for (const auto& o : c.ibsi_dirs2d) c.glcm_cache[o];
        if (c.plan.any_3d()) for (const auto& o : c.ibsi_dirs3d) c.glcm_cache[o];
    }
    if (wants("glcm")) for (const auto& o : c.pyr_glcm_angles) c.glcm_cache[o];
    if (wants("rlm")) {
        if (c.plan.any_25d()) for (const auto& o : directions_2d()) c.glrlm_cache[o];
        if (c.plan.any_3d()) for (const auto& o : directions_3d()) c.glrlm_cache[o];
    }
    if (wants("glrlm")) for (const auto& o : c.pyr_unit_angles) c.glrlm_cache[o];
    auto fill = [&c, &jobs](std::map<Offset3, CountMatrix>& cache, auto build) {
        if (cache.empty()) return;
        jobs.push_back([&c, &cache, build] {
            std::vector<Offset3> offsets;
            for (const auto& kv : cache) offsets.push_back(kv.first);
            auto mats = build(c.roi, offsets, -1);
            std::size_t k = 0;
            for (auto& kv : cache) kv.second = std::move(mats[k++]);
        });
    };
    fill(c.glcm_cache, glcm_matrices);
    fill(c.glrlm_cache, glrlm_matrices);
}

// Zone labellings: in-plane (IBSI 2D / 2.5D), 3D (IBSI 3D, and PyRadiomics' when its connectivity is 3D).
// Returns whether glszm reuses the IBSI 3D zones.
bool zone_jobs(TextureContext& c, const std::set<std::string>& families, Jobs& jobs,
               std::vector<std::int32_t>& dist_2d, std::vector<std::int32_t>& dist_3d) {
    auto wants = [&](const char* f) { return families.count(f) > 0; };
    const bool dzm = wants("dzm");
    const bool need_zones_2d = (wants("szm") || dzm) && (c.plan.any_2d() || c.plan.any_25d());
    const bool need_zones_3d = (wants("szm") || dzm) && c.plan.any_3d();
    const bool pyr_zones_shared = wants("glszm") && c.pyr_fixed_axis == -1 && need_zones_3d;
    if (need_zones_2d)
        jobs.push_back([&c, &dist_2d, dzm] {
            if (dzm) dist_2d = zone_distance_map(c.roi, c.morphological_mask, true);
            c.zones_2d = label_zones(c.roi, chebyshev_offsets({1}, true, false), dist_2d);
        });
    if (need_zones_3d)
        jobs.push_back([&c, &dist_3d, dzm] {
            if (dzm) dist_3d = zone_distance_map(c.roi, c.morphological_mask, false);
            c.zones_3d = label_zones(c.roi, chebyshev_offsets({1}, false, false), dist_3d);
        });
    if (wants("glszm") && !pyr_zones_shared)
        jobs.push_back([&c] { c.zones_pyr = label_zones(c.roi, chebyshev_offsets_fixed({1}, c.pyr_fixed_axis, false), {}); });
    return pyr_zones_shared;
}

// Neighbourhood matrices; an NGTDM and an NGLDM over the same neighbourhood share one pass, and
// PyRadiomics' GLDM / NGTDM reuse the IBSI 3D matrices when their neighbourhoods agree.
struct NeighbourhoodSharing {
    bool gldm_shared = false, ngtdm_shared = false;
};
NeighbourhoodSharing neighbourhood_jobs(TextureContext& c, const std::set<std::string>& families, Jobs& jobs) {
    auto wants = [&](const char* f) { return families.count(f) > 0; };
    const TextureSettings& s = c.settings;
    const std::set<int> pyr_distances(s.distances.begin(), s.distances.end());
    const auto ibsi_ngt_3d = chebyshev_offsets({s.ngtdm_distance}, false, false);
    const auto ibsi_ngl_3d = chebyshev_offsets({s.ngldm_distance}, false, false);
    const auto pyr_neighbourhood = chebyshev_offsets_fixed(pyr_distances, c.pyr_fixed_axis, false);
    NeighbourhoodSharing shared;
    shared.gldm_shared = wants("ngl") && c.plan.any_3d() && pyr_neighbourhood == ibsi_ngl_3d;
    shared.ngtdm_shared = wants("ngt") && c.plan.any_3d() && pyr_neighbourhood == ibsi_ngt_3d;
    const auto ngt_2d_hood = chebyshev_offsets({s.ngtdm_distance}, true, false);
    const auto ngl_2d_hood = chebyshev_offsets({s.ngldm_distance}, true, false);
    const bool want_ngt_25d = wants("ngt") && c.plan.any_25d(), want_ngl_25d = wants("ngl") && c.plan.any_25d();
    const bool want_ngt_3d = wants("ngt") && c.plan.any_3d(), want_ngl_3d = wants("ngl") && c.plan.any_3d();
    const bool want_ngtdm = wants("ngtdm") && !shared.ngtdm_shared, want_gldm = wants("gldm") && !shared.gldm_shared;
    const double alpha = s.ngldm_alpha;
    if (want_ngt_25d && want_ngl_25d && ngt_2d_hood == ngl_2d_hood)
        jobs.push_back([&c, hood = ngt_2d_hood, alpha] { std::tie(c.ngt_25d, c.ngl_25d) = ngtdm_ngldm_matrices(c.roi, hood, alpha); });
    else {
        if (want_ngt_25d) jobs.push_back([&c, hood = ngt_2d_hood] { c.ngt_25d = ngtdm_matrix(c.roi, hood); });
        if (want_ngl_25d) jobs.push_back([&c, hood = ngl_2d_hood, alpha] { c.ngl_25d = ngldm_matrix(c.roi, hood, alpha); });
    }
    if (want_ngt_3d && want_ngl_3d && ibsi_ngt_3d == ibsi_ngl_3d)
        jobs.push_back([&c, hood = ibsi_ngt_3d, alpha] { std::tie(c.ngt_3d, c.ngl_3d) = ngtdm_ngldm_matrices(c.roi, hood, alpha); });
    else {
        if (want_ngt_3d) jobs.push_back([&c, hood = ibsi_ngt_3d] { c.ngt_3d = ngtdm_matrix(c.roi, hood); });
        if (want_ngl_3d) jobs.push_back([&c, hood = ibsi_ngl_3d, alpha] { c.ngl_3d = ngldm_matrix(c.roi, hood, alpha); });
    }
    if (want_ngtdm && want_gldm)
        jobs.push_back([&c, hood = pyr_neighbourhood, alpha] {
            std::tie(c.ngtdm_pyr, c.gldm_pyr) = ngtdm_ngldm_matrices(c.roi, hood, alpha);
        });
    else {
        if (want_ngtdm) jobs.push_back([&c, hood = pyr_neighbourhood] { c.ngtdm_pyr = ngtdm_matrix(c.roi, hood); });
        if (want_gldm) jobs.push_back([&c, hood = pyr_neighbourhood, alpha] { c.gldm_pyr = ngldm_matrix(c.roi, hood, alpha); });
    }
    return shared;
}

}  // namespace

void build_shared_matrices(TextureContext& c, const std::set<std::string>& families) {
    Jobs jobs;
    std::vector<std::int32_t> dist_2d, dist_3d;
    directional_jobs(c, families, jobs);
    const bool pyr_zones_shared = zone_jobs(c, families, jobs, dist_2d, dist_3d);
    const NeighbourhoodSharing shared = neighbourhood_jobs(c, families, jobs);
    run_parallel(jobs);
    if (pyr_zones_shared) c.zones_pyr = c.zones_3d;
    if (shared.gldm_shared) c.gldm_pyr = c.ngl_3d;
    if (shared.ngtdm_shared) c.ngtdm_pyr = c.ngt_3d;
    // In-plane zones grouped by slice once (2D aggregation).
    c.zones_by_slice.assign(std::size_t(c.roi.nz), {});
    for (std::size_t k = 0; k < c.zones_2d.size(); ++k) c.zones_by_slice[std::size_t(c.zones_2d[k].slice)].push_back(int(k));
}

}  // namespace radhpc::features::detail
