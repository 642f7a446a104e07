// Texture dispatcher: builds the shared ROI once, computes every distinct matrix the requested families need
// once (IBSI 3D co-occurrence/run matrices are PyRadiomics' angles; zone labellings serve GLSZM and GLDZM;
// the NGLDM matrix is PyRadiomics' GLDM), then applies the IBSI aggregations and PyRadiomics' angle rules.
//
// Parallelism (TBB): matrices are built in parallel across directions, zone labellings and neighbourhoods;
// per-slice 2D work runs in parallel across slices. Each parallel unit writes only its own slot and every
// floating-point reduction runs afterwards in a fixed order, so results do not depend on the thread count.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <tuple>

#include "radhpc/core/error.hpp"
#include "radhpc/features/texture.hpp"
#include "radhpc/features/texture_detail.hpp"

namespace radhpc::features {
namespace {

using detail::DenseMatrix;
using Feat = std::vector<double>;
using OptFeat = std::optional<Feat>;
constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

const std::set<std::string> known_families = {"cm",   "rlm",   "szm",   "dzm",  "ngt",  "ngl",
                                              "glcm", "glrlm", "glszm", "gldm", "ngtdm"};

void run_parallel(std::vector<std::function<void()>>& jobs) {
    tbb::parallel_for(std::size_t(0), jobs.size(), [&](std::size_t k) { jobs[k](); });
}

// Mean over the present items, in order. nan_aware: numpy.nanmean (NaN entries ignored).
Feat mean_of(const std::vector<OptFeat>& items, std::size_t n, bool nan_aware) {
    Feat sum(n, 0.0), count(n, 0.0);
    for (const auto& it : items) {
        if (!it) continue;
        for (std::size_t k = 0; k < n; ++k) {
            if (nan_aware && std::isnan((*it)[k])) continue;
            sum[k] += (*it)[k];
            count[k] += 1;
        }
    }
    for (std::size_t k = 0; k < n; ++k) sum[k] = count[k] > 0 ? sum[k] / count[k] : nan_value;
    return sum;
}

// a + weight_b * b (a may be empty; b may have more columns than a).
DenseMatrix add_dense(DenseMatrix a, const DenseMatrix& b, double weight_b = 1.0) {
    if (a.rows == 0) {
        for (auto& x : (a = b).v) x *= weight_b;
        return a;
    }
    if (b.cols > a.cols) {
        DenseMatrix grown{a.rows, b.cols, std::vector<double>(std::size_t(a.rows) * std::size_t(b.cols), 0.0)};
        for (int r = 0; r < a.rows; ++r)
            for (int c = 0; c < a.cols; ++c) grown.v[std::size_t(r) * grown.cols + c] = a.at(r, c);
        a = std::move(grown);
    }
    for (int r = 0; r < b.rows; ++r)
        for (int c = 0; c < b.cols; ++c) a.v[std::size_t(r) * a.cols + c] += weight_b * b.at(r, c);
    return a;
}

Offset3 scaled(const Offset3& o, int d) { return {o[0] * d, o[1] * d, o[2] * d}; }

// PyRadiomics distance weights, d = |angle| * spacing: glcm uses exp(-||d||^2), glrlm uses ||d||.
double pyradiomics_weight(const Offset3& a, const Vec3& spacing, DistanceWeighting w, bool exponential) {
    double manhattan = 0, euclid2 = 0, chebyshev = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        const double d = std::abs(a[k]) * spacing[k];
        manhattan += d;
        euclid2 += d * d;
        chebyshev = std::max(chebyshev, d);
    }
    double norm = 0;
    switch (w) {
        case DistanceWeighting::manhattan: norm = manhattan; break;
        case DistanceWeighting::euclidean: norm = std::sqrt(euclid2); break;
        case DistanceWeighting::chebyshev: norm = chebyshev; break;
        case DistanceWeighting::none: return 1.0;
    }
    return exponential ? std::exp(-norm * norm) : norm;
}

struct Plan {
    bool d2_avg = false, d2_comb = false, d25_avg = false, d25_comb = false, d3_avg = false, d3_comb = false;
    bool any_2d() const { return d2_avg || d2_comb; }
    bool any_25d() const { return d25_avg || d25_comb; }
    bool any_3d() const { return d3_avg || d3_comb; }
};

Plan make_plan(const TextureSettings& s) {
    Plan p;
    for (auto a : s.aggregations) switch (a) {
            case Aggregation::d2_avg: p.d2_avg = true; break;
            case Aggregation::d2_smrg: p.d2_comb = true; break;
            case Aggregation::d25_dmrg: p.d25_avg = true; break;
            case Aggregation::d25_mrg: p.d25_comb = true; break;
            case Aggregation::d3_avg: p.d3_avg = true; break;
            case Aggregation::d3_mrg: p.d3_comb = true; break;
        }
    return p;
}

using Put = std::function<void(const std::string& suffix, const Feat&)>;

// IBSI aggregation for directional matrices (IBSI 3.6.1): 2D avg = mean over slices x directions;
// 2D comb = per slice the direction-merged matrix, mean over slices; 2.5D avg = per direction the
// slice-merged matrix, mean over directions; 2.5D comb = all merged; 3D avg = mean over the 13 directions;
// 3D comb = all merged. Slice-merged in-plane matrices equal whole-box in-plane matrices.
void ibsi_directional(const Plan& plan, const std::vector<int>& slices, const std::vector<Offset3>& dirs2d,
                      const std::vector<Offset3>& dirs3d, const std::function<DenseMatrix(const Offset3&, int)>& matrix,
                      const std::function<std::vector<DenseMatrix>(int slice)>& slice_matrices,
                      const std::function<Feat(const DenseMatrix&)>& features, std::size_t nf, const Put& put) {
    if (plan.any_2d()) {
        std::vector<OptFeat> per_dir(slices.size() * dirs2d.size());
        std::vector<OptFeat> per_slice(slices.size());
        tbb::parallel_for(std::size_t(0), slices.size(), [&](std::size_t s) {
            DenseMatrix merged;
            const auto mats = slice_matrices(slices[s]);  // the in-plane directions of this slice
            for (std::size_t d = 0; d < dirs2d.size(); ++d) {
                const DenseMatrix& m = mats[d];
                if (m.total() == 0) continue;
                if (plan.d2_avg) per_dir[s * dirs2d.size() + d] = features(m);
                merged = add_dense(std::move(merged), m);
            }
            if (plan.d2_comb && merged.rows > 0) per_slice[s] = features(merged);
        });
        if (plan.d2_avg) put("_2D_avg", mean_of(per_dir, nf, false));
        if (plan.d2_comb) put("_2D_comb", mean_of(per_slice, nf, false));
    }
    auto whole = [&](const std::vector<Offset3>& dirs, bool avg, bool comb, const char* s_avg, const char* s_comb) {
        if (!avg && !comb) return;
        std::vector<DenseMatrix> mats(dirs.size());
        for (std::size_t d = 0; d < dirs.size(); ++d) mats[d] = matrix(dirs[d], -1);
        std::vector<OptFeat> per_dir(dirs.size());
        if (avg)
            tbb::parallel_for(std::size_t(0), dirs.size(), [&](std::size_t d) {
                if (mats[d].total() > 0) per_dir[d] = features(mats[d]);
            });
        if (avg) put(s_avg, mean_of(per_dir, nf, false));
        if (comb) {
            DenseMatrix merged;
            for (const auto& m : mats) merged = add_dense(std::move(merged), m);
            put(s_comb, merged.rows > 0 && merged.total() > 0 ? features(merged) : Feat(nf, nan_value));
        }
    };
    whole(dirs2d, plan.d25_avg, plan.d25_comb, "_2_5D_avg", "_2_5D_comb");
    whole(dirs3d, plan.d3_avg, plan.d3_comb, "_3D_avg", "_3D_comb");
}

// IBSI aggregation for non-directional matrices: 2D = mean over slices, 2.5D = slice-merged, 3D.
void ibsi_nondirectional(const Plan& plan, const std::vector<int>& slices,
                         const std::function<std::optional<Feat>(int slice)>& slice_features,
                         const std::function<std::optional<Feat>()>& merged_25d,
                         const std::function<std::optional<Feat>()>& volume_3d, std::size_t nf, const Put& put) {
    if (plan.any_2d()) {
        std::vector<OptFeat> per_slice(slices.size());
        tbb::parallel_for(std::size_t(0), slices.size(), [&](std::size_t s) { per_slice[s] = slice_features(slices[s]); });
        put("_2D", mean_of(per_slice, nf, false));
    }
    if (plan.any_25d()) {
        auto f = merged_25d();
        put("_2_5D", f ? *f : Feat(nf, nan_value));
    }
    if (plan.any_3d()) {
        auto f = volume_3d();
        put("_3D", f ? *f : Feat(nf, nan_value));
    }
}

// Names of the 17 zone statistics per family, in detail::ZoneStat order ("" = not reported).
const std::array<const char*, 17> rlm_names = {"sre", "lre", "lgre", "hgre", "srlge", "srhge", "lrlge", "lrhge",
                                               "glnu", "glnu_norm", "rlnu", "rlnu_norm", "r_perc", "gl_var",
                                               "rl_var", "rl_entr", ""};
const std::array<const char*, 17> szm_names = {"sze", "lze", "lgze", "hgze", "szlge", "szhge", "lzlge", "lzhge",
                                               "glnu", "glnu_norm", "zsnu", "zsnu_norm", "z_perc", "gl_var",
                                               "zs_var", "zs_entr", ""};
const std::array<const char*, 17> dzm_names = {"sde", "lde", "lgze", "hgze", "sdlge", "sdhge", "ldlge", "ldhge",
                                               "glnu", "glnu_norm", "zdnu", "zdnu_norm", "z_perc", "gl_var",
                                               "zd_var", "zd_entr", ""};
const std::array<const char*, 17> ngl_names = {"lde", "hde", "lgce", "hgce", "ldlge", "ldhge", "hdlge", "hdhge",
                                               "glnu", "glnu_norm", "dcnu", "dcnu_norm", "dc_perc", "gl_var",
                                               "dc_var", "dc_entr", "dc_energy"};
const std::array<const char*, 17> glrlm_names = {
    "ShortRunEmphasis", "LongRunEmphasis", "LowGrayLevelRunEmphasis", "HighGrayLevelRunEmphasis",
    "ShortRunLowGrayLevelEmphasis", "ShortRunHighGrayLevelEmphasis", "LongRunLowGrayLevelEmphasis",
    "LongRunHighGrayLevelEmphasis", "GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized",
    "RunLengthNonUniformity", "RunLengthNonUniformityNormalized", "RunPercentage", "GrayLevelVariance",
    "RunVariance", "RunEntropy", ""};
const std::array<const char*, 17> glszm_names = {
    "SmallAreaEmphasis", "LargeAreaEmphasis", "LowGrayLevelZoneEmphasis", "HighGrayLevelZoneEmphasis",
    "SmallAreaLowGrayLevelEmphasis", "SmallAreaHighGrayLevelEmphasis", "LargeAreaLowGrayLevelEmphasis",
    "LargeAreaHighGrayLevelEmphasis", "GrayLevelNonUniformity", "GrayLevelNonUniformityNormalized",
    "SizeZoneNonUniformity", "SizeZoneNonUniformityNormalized", "ZonePercentage", "GrayLevelVariance",
    "ZoneVariance", "ZoneEntropy", ""};
// GLDM: no normalised grey level non-uniformity and no percentage (deprecated in PyRadiomics).
const std::array<const char*, 17> gldm_names = {
    "SmallDependenceEmphasis", "LargeDependenceEmphasis", "LowGrayLevelEmphasis", "HighGrayLevelEmphasis",
    "SmallDependenceLowGrayLevelEmphasis", "SmallDependenceHighGrayLevelEmphasis",
    "LargeDependenceLowGrayLevelEmphasis", "LargeDependenceHighGrayLevelEmphasis", "GrayLevelNonUniformity", "",
    "DependenceNonUniformity", "DependenceNonUniformityNormalized", "", "GrayLevelVariance", "DependenceVariance",
    "DependenceEntropy", ""};
const std::array<const char*, 5> ngt_names = {"coarseness", "contrast", "busyness", "complexity", "strength"};
const std::array<const char*, 5> ngtdm_names = {"Coarseness", "Contrast", "Busyness", "Complexity", "Strength"};

template <std::size_t N>
Put putter(FeatureValues& out, const std::string& prefix, const std::array<const char*, N>& names) {
    return [&out, prefix, &names](const std::string& suffix, const Feat& f) {
        for (std::size_t k = 0; k < N && k < f.size(); ++k)
            if (names[k][0]) out.push_back({prefix + names[k] + suffix, f[k]});
    };
}

Feat to_feat(const auto& a) { return Feat(a.begin(), a.end()); }

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
    for (const auto& f : families)
        if (!known_families.count(f)) throw Error(ErrorKind::settings, "texture: unknown family '" + f + "'");
    auto wants = [&](const char* f) { return families.count(f) > 0; };
    if (families.empty()) return {};
    if (settings.distances.empty()) throw Error(ErrorKind::settings, "texture: empty distance list");
    for (int d : settings.distances)
        if (d < 1) throw Error(ErrorKind::settings, "texture: distances must be >= 1");
    if (wants("dzm") && !same_grid(levels.geometry, morphological_mask.geometry, 1e-6))
        throw Error(ErrorKind::geometry_mismatch, "texture: morphological mask grid differs from the grey levels");

    const std::set<int> pyr_distances(settings.distances.begin(), settings.distances.end());
    const int ibsi_delta = settings.distances.front();
    int pad = std::max({1, settings.ngtdm_distance, settings.ngldm_distance});
    for (int d : settings.distances) pad = std::max(pad, d);
    const TextureRoi roi(levels, intensity_mask, pad);
    const std::vector<int>& lv = roi.level_values;
    const Plan plan = make_plan(settings);
    const Vec3 spacing = levels.geometry.spacing;
    const int max_level = lv.back();
    std::vector<int> slices;
    for (int z = 0; z < int(roi.nz); ++z)
        if (roi.slice_begin[std::size_t(z) + 1] > roi.slice_begin[std::size_t(z)]) slices.push_back(z);

    // PyRadiomics force2D excludes one axis of its (z, y, x) array; ours is (x, y, z).
    if (extras.force2d && (extras.force2d_dimension < 0 || extras.force2d_dimension > 2))
        throw Error(ErrorKind::settings, "texture: force2Ddimension must be 0, 1 or 2");
    const int pyr_fixed_axis = extras.force2d ? 2 - extras.force2d_dimension : -1;
    const bool pyr_merge = settings.weighting != DistanceWeighting::none || extras.merge_angles_unweighted ||
                           settings.merge_angles_unweighted;

    std::vector<Offset3> ibsi_dirs3d, ibsi_dirs2d;
    for (const auto& o : directions_3d()) ibsi_dirs3d.push_back(scaled(o, ibsi_delta));
    for (const auto& o : directions_2d()) ibsi_dirs2d.push_back(scaled(o, ibsi_delta));
    const auto pyr_glcm_angles = chebyshev_offsets_fixed(pyr_distances, pyr_fixed_axis, true);
    const auto pyr_unit_angles = chebyshev_offsets_fixed({1}, pyr_fixed_axis, true);

    // ---------------- stage 1: shared whole-box matrices ----------------
    std::map<Offset3, CountMatrix> glcm_cache, glrlm_cache;
    if (wants("cm")) {
        if (plan.any_25d()) for (const auto& o : ibsi_dirs2d) glcm_cache[o];
        if (plan.any_3d()) for (const auto& o : ibsi_dirs3d) glcm_cache[o];
    }
    if (wants("glcm")) for (const auto& o : pyr_glcm_angles) glcm_cache[o];
    if (wants("rlm")) {
        if (plan.any_25d()) for (const auto& o : directions_2d()) glrlm_cache[o];
        if (plan.any_3d()) for (const auto& o : directions_3d()) glrlm_cache[o];
    }
    if (wants("glrlm")) for (const auto& o : pyr_unit_angles) glrlm_cache[o];

    const bool need_zones_2d = (wants("szm") || wants("dzm")) && (plan.any_2d() || plan.any_25d());
    const bool need_zones_3d = (wants("szm") || wants("dzm")) && plan.any_3d();
    const bool pyr_zones_shared = wants("glszm") && pyr_fixed_axis == -1 && need_zones_3d;
    std::vector<Zone> zones_2d, zones_3d, zones_pyr;

    const auto ibsi_ngt_3d = chebyshev_offsets({settings.ngtdm_distance}, false, false);
    const auto ibsi_ngl_3d = chebyshev_offsets({settings.ngldm_distance}, false, false);
    const auto pyr_neighbourhood = chebyshev_offsets_fixed(pyr_distances, pyr_fixed_axis, false);
    std::vector<std::int32_t> dist_2d, dist_3d;
    NgtdmMatrix ngt_25d, ngt_3d, ngtdm_pyr;
    CountMatrix ngl_25d, ngl_3d, gldm_pyr;
    const bool gldm_shared = wants("ngl") && plan.any_3d() && pyr_neighbourhood == ibsi_ngl_3d;
    const bool ngtdm_shared = wants("ngt") && plan.any_3d() && pyr_neighbourhood == ibsi_ngt_3d;

    {
        std::vector<std::function<void()>> jobs;
        // All co-occurrence offsets in one fused pass, all run directions in another.
        if (!glcm_cache.empty())
            jobs.push_back([&] {
                std::vector<Offset3> offs;
                for (const auto& kv : glcm_cache) offs.push_back(kv.first);
                auto mats = glcm_matrices(roi, offs);
                std::size_t k = 0;
                for (auto& kv : glcm_cache) kv.second = std::move(mats[k++]);
            });
        if (!glrlm_cache.empty())
            jobs.push_back([&] {
                std::vector<Offset3> dirs;
                for (const auto& kv : glrlm_cache) dirs.push_back(kv.first);
                auto mats = glrlm_matrices(roi, dirs);
                std::size_t k = 0;
                for (auto& kv : glrlm_cache) kv.second = std::move(mats[k++]);
            });
        if (need_zones_2d)
            jobs.push_back([&] {
                if (wants("dzm")) dist_2d = zone_distance_map(roi, morphological_mask, true);
                zones_2d = label_zones(roi, chebyshev_offsets({1}, true, false), dist_2d);
            });
        if (need_zones_3d)
            jobs.push_back([&] {
                if (wants("dzm")) dist_3d = zone_distance_map(roi, morphological_mask, false);
                zones_3d = label_zones(roi, chebyshev_offsets({1}, false, false), dist_3d);
            });
        if (wants("glszm") && !pyr_zones_shared)
            jobs.push_back([&] { zones_pyr = label_zones(roi, chebyshev_offsets_fixed({1}, pyr_fixed_axis, false), {}); });
        // Neighbourhood matrices; an NGTDM and an NGLDM over the same neighbourhood share one pass.
        const auto ngt_2d_hood = chebyshev_offsets({settings.ngtdm_distance}, true, false);
        const auto ngl_2d_hood = chebyshev_offsets({settings.ngldm_distance}, true, false);
        const bool want_ngt_25d = wants("ngt") && plan.any_25d(), want_ngl_25d = wants("ngl") && plan.any_25d();
        const bool want_ngt_3d = wants("ngt") && plan.any_3d(), want_ngl_3d = wants("ngl") && plan.any_3d();
        const bool want_ngtdm = wants("ngtdm") && !ngtdm_shared, want_gldm = wants("gldm") && !gldm_shared;
        if (want_ngt_25d && want_ngl_25d && ngt_2d_hood == ngl_2d_hood)
            jobs.push_back([&, hood = ngt_2d_hood] {
                std::tie(ngt_25d, ngl_25d) = ngtdm_ngldm_matrices(roi, hood, settings.ngldm_alpha);
            });
        else {
            if (want_ngt_25d) jobs.push_back([&, hood = ngt_2d_hood] { ngt_25d = ngtdm_matrix(roi, hood); });
            if (want_ngl_25d)
                jobs.push_back([&, hood = ngl_2d_hood] { ngl_25d = ngldm_matrix(roi, hood, settings.ngldm_alpha); });
        }
        if (want_ngt_3d && want_ngl_3d && ibsi_ngt_3d == ibsi_ngl_3d)
            jobs.push_back([&] { std::tie(ngt_3d, ngl_3d) = ngtdm_ngldm_matrices(roi, ibsi_ngt_3d, settings.ngldm_alpha); });
        else {
            if (want_ngt_3d) jobs.push_back([&] { ngt_3d = ngtdm_matrix(roi, ibsi_ngt_3d); });
            if (want_ngl_3d) jobs.push_back([&] { ngl_3d = ngldm_matrix(roi, ibsi_ngl_3d, settings.ngldm_alpha); });
        }
        if (want_ngtdm && want_gldm)
            jobs.push_back([&] {
                std::tie(ngtdm_pyr, gldm_pyr) = ngtdm_ngldm_matrices(roi, pyr_neighbourhood, settings.ngldm_alpha);
            });
        else {
            if (want_ngtdm) jobs.push_back([&] { ngtdm_pyr = ngtdm_matrix(roi, pyr_neighbourhood); });
            if (want_gldm) jobs.push_back([&] { gldm_pyr = ngldm_matrix(roi, pyr_neighbourhood, settings.ngldm_alpha); });
        }
        run_parallel(jobs);
    }
    if (pyr_zones_shared) zones_pyr = zones_3d;
    if (gldm_shared) gldm_pyr = ngl_3d;
    if (ngtdm_shared) ngtdm_pyr = ngt_3d;

    // ---------------- stage 2: features, one output block per family (fixed order) ----------------
    std::map<std::string, FeatureValues> blocks;
    for (const auto& f : families) blocks[f];
    std::vector<std::function<void()>> jobs;

    if (wants("cm"))
        jobs.push_back([&] {
            auto& out = blocks["cm"];
            // whole-box matrices come from the shared cache; slice matrices are built per slice
            auto dense = [&](const CountMatrix& m) {
                return settings.symmetric_glcm ? detail::symmetrised(m) : detail::to_dense(m);
            };
            auto matrix = [&](const Offset3& o, int) { return dense(glcm_cache.at(o)); };
            auto slice_matrices = [&](int slice) {
                std::vector<DenseMatrix> out;
                for (const auto& m : glcm_matrices(roi, ibsi_dirs2d, slice)) out.push_back(dense(m));
                return out;
            };
            auto feats = [&](const DenseMatrix& m) { return to_feat(detail::ibsi_cm_features(m, lv, n_levels)); };
            Put put = [&out](const std::string& suffix, const Feat& f) {
                for (std::size_t k = 0; k < f.size(); ++k)
                    out.push_back({std::string("cm_") + detail::ibsi_cm_names[k] + suffix, f[k]});
            };
            ibsi_directional(plan, slices, ibsi_dirs2d, ibsi_dirs3d, matrix, slice_matrices, feats, detail::ibsi_cm_count, put);
        });

    if (wants("rlm"))
        jobs.push_back([&] {
            auto& out = blocks["rlm"];
            auto matrix = [&](const Offset3& o, int) { return detail::to_dense(glrlm_cache.at(o)); };
            auto slice_matrices = [&](int slice) {
                std::vector<DenseMatrix> out;
                for (const auto& m : glrlm_matrices(roi, directions_2d(), slice)) out.push_back(detail::to_dense(m));
                return out;
            };
            auto feats = [&](const DenseMatrix& m) { return to_feat(detail::zone_statistics(m, lv, 0, false)); };
            ibsi_directional(plan, slices, directions_2d(), directions_3d(), matrix, slice_matrices, feats, 17,
                             putter(out, "rlm_", rlm_names));
        });

    // In-plane zones grouped by slice once (2D aggregation).
    std::vector<std::vector<int>> zones_by_slice(std::size_t(roi.nz));
    for (std::size_t k = 0; k < zones_2d.size(); ++k) zones_by_slice[std::size_t(zones_2d[k].slice)].push_back(int(k));

    auto zone_family = [&](const char* family, const std::array<const char*, 17>* names, bool distance) {
        jobs.push_back([&, family, names, distance] {
            auto& out = blocks[family];
            // Percentage denominator: the voxels of the zones (slice, or box), i.e. N_v of IBSI.
            auto one = [&](const std::vector<Zone>& zones, const std::vector<int>* subset) -> std::optional<Feat> {
                auto cells = detail::zone_cells(zones, subset, distance);
                if (cells.empty()) return std::nullopt;
                double voxels = 0;
                if (subset) for (int k : *subset) voxels += zones[std::size_t(k)].size;
                else for (const auto& z : zones) voxels += z.size;
                if (distance)
                    for (const auto& c : cells)
                        if (c.j < 1) throw Error(ErrorKind::invalid_input, "GLDZM: ROI voxel outside the morphological mask");
                return to_feat(detail::zone_statistics_cells(std::move(cells), lv, voxels, false));
            };
            ibsi_nondirectional(
                plan, slices, [&](int s) { return one(zones_2d, &zones_by_slice[std::size_t(s)]); },
                [&] { return one(zones_2d, nullptr); }, [&] { return one(zones_3d, nullptr); }, 17,
                putter(out, std::string(family) + "_", *names));
        });
    };
    if (wants("szm")) zone_family("szm", &szm_names, false);
    if (wants("dzm")) zone_family("dzm", &dzm_names, true);

    if (wants("ngt"))
        jobs.push_back([&] {
            auto& out = blocks["ngt"];
            auto feats = [&](const NgtdmMatrix& m) -> std::optional<Feat> {
                Feat n(m.n_with_neighbours.begin(), m.n_with_neighbours.end());
                double total = 0;
                for (double x : n) total += x;
                if (total == 0) return std::nullopt;
                return to_feat(detail::ngtdm_statistics(n, m.s, lv));
            };
            const auto hood2d = chebyshev_offsets({settings.ngtdm_distance}, true, false);
            ibsi_nondirectional(
                plan, slices, [&](int s) { return feats(ngtdm_matrix(roi, hood2d, s)); }, [&] { return feats(ngt_25d); },
                [&] { return feats(ngt_3d); }, 5, putter(out, "ngt_", ngt_names));
        });

    if (wants("ngl"))
        jobs.push_back([&] {
            auto& out = blocks["ngl"];
            auto feats = [&](const CountMatrix& m) -> std::optional<Feat> {
                const double total = double(m.total());
                if (total == 0) return std::nullopt;
                // dependence count percentage = neighbourhoods / voxels = 1 (every voxel has one)
                return to_feat(detail::zone_statistics(detail::to_dense(m), lv, total, false));
            };
            const auto hood2d = chebyshev_offsets({settings.ngldm_distance}, true, false);
            ibsi_nondirectional(
                plan, slices, [&](int s) { return feats(ngldm_matrix(roi, hood2d, settings.ngldm_alpha, s)); },
                [&] { return feats(ngl_25d); }, [&] { return feats(ngl_3d); }, 17, putter(out, "ngl_", ngl_names));
        });

    // ---- PyRadiomics classes ----
    if (wants("glcm"))
        jobs.push_back([&] {
            auto& out = blocks["glcm"];
            std::vector<DenseMatrix> mats;
            std::vector<double> weights;
            for (const auto& a : pyr_glcm_angles) {
                const CountMatrix& m = glcm_cache.at(a);
                mats.push_back(settings.symmetric_glcm ? detail::symmetrised(m) : detail::to_dense(m));
                weights.push_back(pyradiomics_weight(a, spacing, settings.weighting, true));
            }
            Feat result(detail::pyradiomics_glcm_count, nan_value);
            if (pyr_merge) {
                // weighted sum of the angle matrices, features on the merged matrix
                DenseMatrix merged;
                for (std::size_t k = 0; k < mats.size(); ++k) merged = add_dense(std::move(merged), mats[k], weights[k]);
                if (merged.total() > 0) result = to_feat(detail::pyradiomics_glcm_features(merged, lv, max_level));
            } else {
                // per-angle features (empty angles deleted), then numpy.nanmean over angles
                std::vector<OptFeat> per(mats.size());
                tbb::parallel_for(std::size_t(0), mats.size(), [&](std::size_t k) {
                    if (mats[k].total() > 0) per[k] = to_feat(detail::pyradiomics_glcm_features(mats[k], lv, max_level));
                });
                result = mean_of(per, detail::pyradiomics_glcm_count, true);
            }
            for (std::size_t k = 0; k < result.size(); ++k)
                out.push_back({std::string("glcm_") + detail::pyradiomics_glcm_names[k], result[k]});
        });

    if (wants("glrlm"))
        jobs.push_back([&] {
            auto& out = blocks["glrlm"];
            std::vector<DenseMatrix> mats;
            std::vector<double> weights;
            for (const auto& a : pyr_unit_angles) {
                // cmatrices: an angle along which no line holds two ROI voxels is zeroed (then deleted)
                DenseMatrix m = detail::to_dense(glrlm_cache.at(a));
                if (!glrlm_angle_has_multiple_elements(roi, a)) std::fill(m.v.begin(), m.v.end(), 0.0);
                mats.push_back(std::move(m));
                weights.push_back(settings.weighting == DistanceWeighting::none
                                      ? 1.0
                                      : pyradiomics_weight(a, spacing, settings.weighting, false));
            }
            Feat result(17, nan_value);
            if (pyr_merge) {
                DenseMatrix merged;
                for (std::size_t k = 0; k < mats.size(); ++k) merged = add_dense(std::move(merged), mats[k], weights[k]);
                if (merged.total() > 0) result = to_feat(detail::zone_statistics(merged, lv, 0, true));
            } else {
                std::vector<OptFeat> per(mats.size());
                for (std::size_t k = 0; k < mats.size(); ++k)
                    if (mats[k].total() > 0) per[k] = to_feat(detail::zone_statistics(mats[k], lv, 0, true));
                result = mean_of(per, 17, true);
            }
            putter(out, "glrlm_", glrlm_names)("", result);
        });

    if (wants("glszm"))
        jobs.push_back([&] {
            auto& out = blocks["glszm"];
            // ZonePercentage = N_z / N_p with N_p the ROI voxel count
            putter(out, "glszm_", glszm_names)(
                "", to_feat(detail::zone_statistics_cells(detail::zone_cells(zones_pyr, nullptr, false), lv,
                                                          double(roi.voxels.size()), true)));
        });

    if (wants("gldm"))
        jobs.push_back([&] {
            auto& out = blocks["gldm"];
            putter(out, "gldm_", gldm_names)("", to_feat(detail::zone_statistics(detail::to_dense(gldm_pyr), lv, 0, true)));
        });

    if (wants("ngtdm"))
        jobs.push_back([&] {
            auto& out = blocks["ngtdm"];
            Feat n(ngtdm_pyr.n_all.begin(), ngtdm_pyr.n_all.end());
            putter(out, "ngtdm_", ngtdm_names)("", to_feat(detail::ngtdm_statistics(n, ngtdm_pyr.s, lv)));
        });

    run_parallel(jobs);

    FeatureValues result;
    for (const char* f : {"cm", "rlm", "szm", "dzm", "ngt", "ngl", "glcm", "glrlm", "glszm", "gldm", "ngtdm"}) {
        auto it = blocks.find(f);
        if (it != blocks.end()) result.insert(result.end(), it->second.begin(), it->second.end());
    }
    return result;
}

}  // namespace radhpc::features
