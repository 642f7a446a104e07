// Statistics shared by run-length, size-zone, distance-zone and dependence matrices:
// IBSI 1 sections 3.7-3.9 and 3.11 (rlm, szm, dzm, ngl); PyRadiomics glrlm.py, glszm.py, gldm.py.
// Computed from the non-zero cells only, so zone-size matrices with thousands of columns stay cheap.
// The families that use these statistics declare their features at the end of this file.
#include <algorithm>
#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/texture_detail.hpp"
#include "texture_internal.hpp"

namespace radhpc::features::detail {

std::array<double, zone_stat_count> zone_statistics(const DenseMatrix& counts, const std::vector<int>& lv,
                                                    double percentage_denominator, bool pyradiomics_entropy) {
    std::vector<Cell> cells;
    for (int r = 0; r < counts.rows; ++r)
        for (int c = 0; c < counts.cols; ++c)
            if (counts.at(r, c) != 0) cells.push_back({r, c + 1, counts.at(r, c)});
    return zone_statistics_cells(std::move(cells), lv, percentage_denominator, pyradiomics_entropy);
}

std::vector<Cell> zone_cells(const std::vector<Zone>& zones, const std::vector<int>* subset, bool distance) {
    // Most zones are small: count j <= dense_limit in a dense (level x j) table, sort only the rest.
    constexpr int dense_limit = 256;
    int levels = 0;
    auto each = [&](auto&& f) {
        if (subset) for (int k : *subset) f(zones[std::size_t(k)]);
        else for (const auto& z : zones) f(z);
    };
    each([&](const Zone& z) { levels = std::max(levels, z.level + 1); });
    std::vector<std::uint32_t> dense(std::size_t(levels) * dense_limit, 0);
    std::vector<std::pair<int, int>> large;
    each([&](const Zone& z) {
        const int j = distance ? z.distance : z.size;
        if (j >= 1 && j <= dense_limit) ++dense[std::size_t(z.level) * dense_limit + std::size_t(j - 1)];
        else large.emplace_back(z.level, j);
    });
    std::sort(large.begin(), large.end());
    std::vector<Cell> cells;
    std::size_t next_large = 0;
    for (int r = 0; r < levels; ++r) {
        // j < 1 (distance outside the morphological mask) sorts first within its row
        while (next_large < large.size() && large[next_large].first == r && large[next_large].second < 1) {
            if (!cells.empty() && cells.back().row == r && cells.back().j == large[next_large].second) cells.back().value += 1;
            else cells.push_back({r, large[next_large].second, 1.0});
            ++next_large;
        }
        for (int j = 1; j <= dense_limit; ++j)
            if (const auto c = dense[std::size_t(r) * dense_limit + std::size_t(j - 1)]) cells.push_back({r, j, double(c)});
        for (; next_large < large.size() && large[next_large].first == r; ++next_large) {
            if (!cells.empty() && cells.back().row == r && cells.back().j == large[next_large].second) cells.back().value += 1;
            else cells.push_back({r, large[next_large].second, 1.0});
        }
    }
    return cells;
}

std::array<double, zone_stat_count> zone_statistics_cells(std::vector<Cell> cells, const std::vector<int>& lv,
                                                          double percentage_denominator, bool pyradiomics_entropy) {
    std::array<double, zone_stat_count> f{};
    // Row-major order (row, then j), as a dense scan would visit the cells.
    std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
        return a.row < b.row || (a.row == b.row && a.j < b.j);
    });
    double total = 0;  // N: number of runs / zones / neighbourhoods
    for (const auto& c : cells) total += c.value;
    std::vector<double> row(lv.size(), 0.0);
    double covered = 0;  // sum_ij j P(i,j): voxels covered by the matrix
    for (const auto& cell : cells) {
        const double v = cell.value, i = lv[std::size_t(cell.row)], j = cell.j;
        row[std::size_t(cell.row)] += v;
        covered += j * v;
        f[zs_small_emphasis] += v / (j * j);            // sum P / j^2
        f[zs_large_emphasis] += v * j * j;              // sum P j^2
        f[zs_low_grey_emphasis] += v / (i * i);         // sum P / i^2
        f[zs_high_grey_emphasis] += v * i * i;          // sum P i^2
        f[zs_small_low_emphasis] += v / (i * i * j * j);
        f[zs_small_high_emphasis] += v * i * i / (j * j);
        f[zs_large_low_emphasis] += v * j * j / (i * i);
        f[zs_large_high_emphasis] += v * i * i * j * j;
    }
    for (int k = zs_small_emphasis; k <= zs_large_high_emphasis; ++k) f[std::size_t(k)] /= total;
    // Column sums in ascending j.
    std::vector<std::pair<int, double>> col;
    {
        std::vector<Cell> by_j = cells;
        std::stable_sort(by_j.begin(), by_j.end(), [](const Cell& a, const Cell& b) { return a.j < b.j; });
        for (const auto& c : by_j) {
            if (!col.empty() && col.back().first == c.j) col.back().second += c.value;
            else col.emplace_back(c.j, c.value);
        }
    }
    double glnu = 0, jnu = 0, mu_i = 0, mu_j = 0;
    for (std::size_t r = 0; r < row.size(); ++r) {
        glnu += row[r] * row[r];
        mu_i += lv[r] * row[r] / total;
    }
    for (const auto& [j, s] : col) {
        jnu += s * s;
        mu_j += j * s / total;
    }
    f[zs_grey_nonuniformity] = glnu / total;               // sum_i (sum_j P)^2 / N
    f[zs_grey_nonuniformity_norm] = glnu / (total * total);
    f[zs_j_nonuniformity] = jnu / total;                   // sum_j (sum_i P)^2 / N
    f[zs_j_nonuniformity_norm] = jnu / (total * total);
    f[zs_percentage] = total / (percentage_denominator > 0 ? percentage_denominator : covered);
    double gl_var = 0, j_var = 0, ent = 0, energy = 0;
    for (std::size_t r = 0; r < row.size(); ++r) {
        const double d = lv[r] - mu_i;
        gl_var += d * d * row[r] / total;                  // sum p (i - mu_i)^2
    }
    for (const auto& [j, s] : col) {
        const double d = j - mu_j;
        j_var += d * d * s / total;                        // sum p (j - mu_j)^2
    }
    for (const auto& c : cells) {
        const double p = c.value / total;
        energy += p * p;
        ent -= pyradiomics_entropy ? p * std::log2(p + pyradiomics_eps) : p * std::log2(p);
    }
    f[zs_grey_variance] = gl_var;
    f[zs_j_variance] = j_var;
    f[zs_entropy] = ent;
    f[zs_energy] = energy;
    return f;
}

// ---- the features of the families that share these statistics ---------------------------------------
namespace {

// IBSI 1 section 3.7, grey level run length matrix (j: run length).
constexpr IbsiFeature kRlm[] = {
    {"rlm_sre", "22OV", "", "Short runs emphasis", zs_small_emphasis},
    {"rlm_lre", "W4KF", "", "Long runs emphasis", zs_large_emphasis},
    {"rlm_lgre", "V3SW", "", "Low grey level run emphasis", zs_low_grey_emphasis},
    {"rlm_hgre", "G3QZ", "", "High grey level run emphasis", zs_high_grey_emphasis},
    {"rlm_srlge", "HTZT", "", "Short run low grey level emphasis", zs_small_low_emphasis},
    {"rlm_srhge", "GD3A", "", "Short run high grey level emphasis", zs_small_high_emphasis},
    {"rlm_lrlge", "IVPO", "", "Long run low grey level emphasis", zs_large_low_emphasis},
    {"rlm_lrhge", "3KUM", "", "Long run high grey level emphasis", zs_large_high_emphasis},
    {"rlm_glnu", "R5YN", "", "Grey level non-uniformity", zs_grey_nonuniformity},
    {"rlm_glnu_norm", "OVBL", "", "Normalised grey level non-uniformity", zs_grey_nonuniformity_norm},
    {"rlm_rlnu", "W92Y", "", "Run length non-uniformity", zs_j_nonuniformity},
    {"rlm_rlnu_norm", "IC23", "", "Normalised run length non-uniformity", zs_j_nonuniformity_norm},
    {"rlm_r_perc", "9ZK5", "", "Run percentage", zs_percentage},
    {"rlm_gl_var", "8CE5", "", "Grey level variance", zs_grey_variance},
    {"rlm_rl_var", "SXLW", "", "Run length variance", zs_j_variance},
    {"rlm_rl_entr", "HJ9O", "", "Run entropy", zs_entropy},
};

// IBSI 1 section 3.8, grey level size zone matrix (j: zone size).
constexpr IbsiFeature kSzm[] = {
    {"szm_sze", "5QRC", "", "Small zone emphasis", zs_small_emphasis},
    {"szm_lze", "48P8", "", "Large zone emphasis", zs_large_emphasis},
    {"szm_lgze", "XMSY", "", "Low grey level emphasis", zs_low_grey_emphasis},
    {"szm_hgze", "5GN9", "", "High grey level emphasis", zs_high_grey_emphasis},
    {"szm_szlge", "5RAI", "", "Small zone low grey level emphasis", zs_small_low_emphasis},
    {"szm_szhge", "HW1V", "", "Small zone high grey level emphasis", zs_small_high_emphasis},
    {"szm_lzlge", "YH51", "", "Large zone low grey level emphasis", zs_large_low_emphasis},
    {"szm_lzhge", "J17V", "", "Large zone high grey level emphasis", zs_large_high_emphasis},
    {"szm_glnu", "JNSA", "", "Grey level non-uniformity", zs_grey_nonuniformity},
    {"szm_glnu_norm", "Y1RO", "", "Normalised grey level non-uniformity", zs_grey_nonuniformity_norm},
    {"szm_zsnu", "4JP3", "", "Zone size non-uniformity", zs_j_nonuniformity},
    {"szm_zsnu_norm", "VB3A", "", "Normalised zone size non-uniformity", zs_j_nonuniformity_norm},
    {"szm_z_perc", "P30P", "", "Zone percentage", zs_percentage},
    {"szm_gl_var", "BYLV", "", "Grey level variance", zs_grey_variance},
    {"szm_zs_var", "3NSA", "", "Zone size variance", zs_j_variance},
    {"szm_zs_entr", "GU8N", "", "Zone size entropy", zs_entropy},
};

// IBSI 1 section 3.9, grey level distance zone matrix (j: distance to the ROI border).
constexpr IbsiFeature kDzm[] = {
    {"dzm_sde", "0GBI", "", "Small distance emphasis", zs_small_emphasis},
    {"dzm_lde", "MB4I", "", "Large distance emphasis", zs_large_emphasis},
    {"dzm_lgze", "S1RA", "", "Low grey level emphasis", zs_low_grey_emphasis},
    {"dzm_hgze", "K26C", "", "High grey level emphasis", zs_high_grey_emphasis},
    {"dzm_sdlge", "RUVG", "", "Small distance low grey level emphasis", zs_small_low_emphasis},
    {"dzm_sdhge", "DKNJ", "", "Small distance high grey level emphasis", zs_small_high_emphasis},
    {"dzm_ldlge", "A7WM", "", "Large distance low grey level emphasis", zs_large_low_emphasis},
    {"dzm_ldhge", "KLTH", "", "Large distance high grey level emphasis", zs_large_high_emphasis},
    {"dzm_glnu", "VFT7", "", "Grey level non-uniformity", zs_grey_nonuniformity},
    {"dzm_glnu_norm", "7HP3", "", "Normalised grey level non-uniformity", zs_grey_nonuniformity_norm},
    {"dzm_zdnu", "V294", "", "Zone distance non-uniformity", zs_j_nonuniformity},
    {"dzm_zdnu_norm", "IATH", "", "Normalised zone distance non-uniformity", zs_j_nonuniformity_norm},
    {"dzm_z_perc", "VIWW", "", "Zone percentage", zs_percentage},
    {"dzm_gl_var", "QK93", "", "Grey level variance", zs_grey_variance},
    {"dzm_zd_var", "7WT1", "", "Zone distance variance", zs_j_variance},
    {"dzm_zd_entr", "GBDU", "", "Zone distance entropy", zs_entropy},
};

// IBSI 1 section 3.11, neighbouring grey level dependence matrix (j - 1: dependence count).
constexpr IbsiFeature kNgl[] = {
    {"ngl_lde", "SODN", "", "Low dependence emphasis", zs_small_emphasis},
    {"ngl_hde", "IMOQ", "", "High dependence emphasis", zs_large_emphasis},
    {"ngl_lgce", "TL9H", "", "Low grey level count emphasis", zs_low_grey_emphasis},
    {"ngl_hgce", "OAE7", "", "High grey level count emphasis", zs_high_grey_emphasis},
    {"ngl_ldlge", "EQ3F", "", "Low dependence low grey level emphasis", zs_small_low_emphasis},
    {"ngl_ldhge", "JA6D", "", "Low dependence high grey level emphasis", zs_small_high_emphasis},
    {"ngl_hdlge", "NBZI", "", "High dependence low grey level emphasis", zs_large_low_emphasis},
    {"ngl_hdhge", "9QMG", "", "High dependence high grey level emphasis", zs_large_high_emphasis},
    {"ngl_glnu", "FP8K", "", "Grey level non-uniformity", zs_grey_nonuniformity},
    {"ngl_glnu_norm", "5SPA", "", "Normalised grey level non-uniformity", zs_grey_nonuniformity_norm},
    {"ngl_dcnu", "Z87G", "", "Dependence count non-uniformity", zs_j_nonuniformity},
    {"ngl_dcnu_norm", "OKJI", "", "Normalised dependence count non-uniformity", zs_j_nonuniformity_norm},
    {"ngl_dc_perc", "6XV8", "", "Dependence count percentage", zs_percentage},
    {"ngl_gl_var", "1PFV", "", "Grey level variance", zs_grey_variance},
    {"ngl_dc_var", "DNX2", "", "Dependence count variance", zs_j_variance},
    {"ngl_dc_entr", "FCBV", "", "Dependence count entropy", zs_entropy},
    {"ngl_dc_energy", "CAS9", "", "Dependence count energy", zs_energy},
};

// PyRadiomics glrlm.py.
constexpr PyradiomicsFeature kGlrlm[] = {
    {"ShortRunEmphasis", "rlm_sre_3D_avg", "", zs_small_emphasis},
    {"LongRunEmphasis", "rlm_lre_3D_avg", "", zs_large_emphasis},
    {"LowGrayLevelRunEmphasis", "rlm_lgre_3D_avg", "", zs_low_grey_emphasis},
    {"HighGrayLevelRunEmphasis", "rlm_hgre_3D_avg", "", zs_high_grey_emphasis},
    {"ShortRunLowGrayLevelEmphasis", "rlm_srlge_3D_avg", "", zs_small_low_emphasis},
    {"ShortRunHighGrayLevelEmphasis", "rlm_srhge_3D_avg", "", zs_small_high_emphasis},
    {"LongRunLowGrayLevelEmphasis", "rlm_lrlge_3D_avg", "", zs_large_low_emphasis},
    {"LongRunHighGrayLevelEmphasis", "rlm_lrhge_3D_avg", "", zs_large_high_emphasis},
    {"GrayLevelNonUniformity", "rlm_glnu_3D_avg", "", zs_grey_nonuniformity},
    {"GrayLevelNonUniformityNormalized", "rlm_glnu_norm_3D_avg", "", zs_grey_nonuniformity_norm},
    {"RunLengthNonUniformity", "rlm_rlnu_3D_avg", "", zs_j_nonuniformity},
    {"RunLengthNonUniformityNormalized", "rlm_rlnu_norm_3D_avg", "", zs_j_nonuniformity_norm},
    {"RunPercentage", "rlm_r_perc_3D_avg", "", zs_percentage},
    {"GrayLevelVariance", "rlm_gl_var_3D_avg", "", zs_grey_variance},
    {"RunVariance", "rlm_rl_var_3D_avg", "", zs_j_variance},
    {"RunEntropy", "rlm_rl_entr_3D_avg", "", zs_entropy},
};

// PyRadiomics glszm.py.
constexpr PyradiomicsFeature kGlszm[] = {
    {"SmallAreaEmphasis", "szm_sze_3D", "", zs_small_emphasis},
    {"LargeAreaEmphasis", "szm_lze_3D", "", zs_large_emphasis},
    {"LowGrayLevelZoneEmphasis", "szm_lgze_3D", "", zs_low_grey_emphasis},
    {"HighGrayLevelZoneEmphasis", "szm_hgze_3D", "", zs_high_grey_emphasis},
    {"SmallAreaLowGrayLevelEmphasis", "szm_szlge_3D", "", zs_small_low_emphasis},
    {"SmallAreaHighGrayLevelEmphasis", "szm_szhge_3D", "", zs_small_high_emphasis},
    {"LargeAreaLowGrayLevelEmphasis", "szm_lzlge_3D", "", zs_large_low_emphasis},
    {"LargeAreaHighGrayLevelEmphasis", "szm_lzhge_3D", "", zs_large_high_emphasis},
    {"GrayLevelNonUniformity", "szm_glnu_3D", "", zs_grey_nonuniformity},
    {"GrayLevelNonUniformityNormalized", "szm_glnu_norm_3D", "", zs_grey_nonuniformity_norm},
    {"SizeZoneNonUniformity", "szm_zsnu_3D", "", zs_j_nonuniformity},
    {"SizeZoneNonUniformityNormalized", "szm_zsnu_norm_3D", "", zs_j_nonuniformity_norm},
    {"ZonePercentage", "szm_z_perc_3D", "", zs_percentage},
    {"GrayLevelVariance", "szm_gl_var_3D", "", zs_grey_variance},
    {"ZoneVariance", "szm_zs_var_3D", "", zs_j_variance},
    {"ZoneEntropy", "szm_zs_entr_3D", "", zs_entropy},
};

// PyRadiomics gldm.py: no normalised grey level non-uniformity and no percentage (deprecated there).
constexpr PyradiomicsFeature kGldm[] = {
    {"SmallDependenceEmphasis", "ngl_lde_3D", "", zs_small_emphasis},
    {"LargeDependenceEmphasis", "ngl_hde_3D", "", zs_large_emphasis},
    {"LowGrayLevelEmphasis", "ngl_lgce_3D", "", zs_low_grey_emphasis},
    {"HighGrayLevelEmphasis", "ngl_hgce_3D", "", zs_high_grey_emphasis},
    {"SmallDependenceLowGrayLevelEmphasis", "ngl_ldlge_3D", "", zs_small_low_emphasis},
    {"SmallDependenceHighGrayLevelEmphasis", "ngl_ldhge_3D", "", zs_small_high_emphasis},
    {"LargeDependenceLowGrayLevelEmphasis", "ngl_hdlge_3D", "", zs_large_low_emphasis},
    {"LargeDependenceHighGrayLevelEmphasis", "ngl_hdhge_3D", "", zs_large_high_emphasis},
    {"GrayLevelNonUniformity", "ngl_glnu_3D", "", zs_grey_nonuniformity},
    {"DependenceNonUniformity", "ngl_dcnu_3D", "", zs_j_nonuniformity},
    {"DependenceNonUniformityNormalized", "ngl_dcnu_norm_3D", "", zs_j_nonuniformity_norm},
    {"GrayLevelVariance", "ngl_gl_var_3D", "", zs_grey_variance},
    {"DependenceVariance", "ngl_dc_var_3D", "", zs_j_variance},
    {"DependenceEntropy", "ngl_dc_entr_3D", "", zs_entropy},
};

}  // namespace
}  // namespace radhpc::features::detail

namespace radhpc::features {
constexpr FamilyDecl kRlmFamily{"rlm", detail::kDirectionalAggregations, detail::kRlm, {}};
constexpr FamilyDecl kSzmFamily{"szm", detail::kVolumeAggregations, detail::kSzm, {}};
constexpr FamilyDecl kDzmFamily{"dzm", detail::kVolumeAggregations, detail::kDzm, {}};
constexpr FamilyDecl kNglFamily{"ngl", detail::kVolumeAggregations, detail::kNgl, {}};
constexpr FamilyDecl kGlrlmFamily{"glrlm", kNoVariant, {}, detail::kGlrlm};
constexpr FamilyDecl kGlszmFamily{"glszm", kNoVariant, {}, detail::kGlszm};
constexpr FamilyDecl kGldmFamily{"gldm", kNoVariant, {}, detail::kGldm};
}  // namespace radhpc::features

namespace radhpc::features::detail {

// ---- aggregation: the IBSI families over slices and directions, the PyRadiomics classes ----------------

void rlm_family(const TextureContext& c, FeatureValues& out) {
    auto matrix = [&](const Offset3& o) { return to_dense(c.glrlm_cache.at(o)); };
    auto slice_matrices = [&](int slice) {
        std::vector<DenseMatrix> mats;
        for (const auto& m : glrlm_matrices(c.roi, directions_2d(), slice)) mats.push_back(to_dense(m));
        return mats;
    };
    auto feats = [&](const DenseMatrix& m) { return to_feat(zone_statistics(m, c.lv(), 0, false)); };
    ibsi_directional(c.plan, c.slices, directions_2d(), directions_3d(), matrix, slice_matrices, feats, zone_stat_count,
                     putter(kRlmFamily, out));
}

namespace {

// szm (zone sizes) and dzm (zone distances) over the shared zone labellings.
void zone_family(const TextureContext& c, const FamilyDecl& family, bool distance, FeatureValues& out) {
    // Percentage denominator: the voxels of the zones (slice, or box), i.e. N_v of IBSI.
    auto one = [&](const std::vector<Zone>& zones, const std::vector<int>* subset) -> OptFeat {
        auto cells = zone_cells(zones, subset, distance);
        if (cells.empty()) return std::nullopt;
        double voxels = 0;
        if (subset) for (int k : *subset) voxels += zones[std::size_t(k)].size;
        else for (const auto& z : zones) voxels += z.size;
        if (distance)
            for (const auto& cell : cells)
                if (cell.j < 1) throw Error(ErrorKind::invalid_input, "GLDZM: ROI voxel outside the morphological mask");
        return to_feat(zone_statistics_cells(std::move(cells), c.lv(), voxels, false));
    };
    ibsi_nondirectional(
        c.plan, c.slices, [&](int s) { return one(c.zones_2d, &c.zones_by_slice[std::size_t(s)]); },
        [&] { return one(c.zones_2d, nullptr); }, [&] { return one(c.zones_3d, nullptr); }, zone_stat_count,
        putter(family, out));
}

}  // namespace

void szm_family(const TextureContext& c, FeatureValues& out) { zone_family(c, kSzmFamily, false, out); }
void dzm_family(const TextureContext& c, FeatureValues& out) { zone_family(c, kDzmFamily, true, out); }

void ngl_family(const TextureContext& c, FeatureValues& out) {
    auto feats = [&](const CountMatrix& m) -> OptFeat {
        const double total = double(m.total());
        if (total == 0) return std::nullopt;
        // dependence count percentage = neighbourhoods / voxels = 1 (every voxel has one)
        return to_feat(zone_statistics(to_dense(m), c.lv(), total, false));
    };
    const auto hood2d = chebyshev_offsets({c.settings.ngldm_distance}, true, false);
    ibsi_nondirectional(
        c.plan, c.slices, [&](int s) { return feats(ngldm_matrix(c.roi, hood2d, c.settings.ngldm_alpha, s)); },
        [&] { return feats(c.ngl_25d); }, [&] { return feats(c.ngl_3d); }, zone_stat_count, putter(kNglFamily, out));
}

void glrlm_family(const TextureContext& c, FeatureValues& out) {
    std::vector<DenseMatrix> mats;
    std::vector<double> weights;
    for (const auto& a : c.pyr_unit_angles) {
        // cmatrices: an angle along which no line holds two ROI voxels is zeroed (then deleted)
        DenseMatrix m = to_dense(c.glrlm_cache.at(a));
        if (!glrlm_angle_has_multiple_elements(c.roi, a)) std::fill(m.v.begin(), m.v.end(), 0.0);
        mats.push_back(std::move(m));
        weights.push_back(c.settings.weighting == DistanceWeighting::none
                              ? 1.0
                              : pyradiomics_weight(a, c.spacing, c.settings.weighting, false));
    }
    auto feats = [&](const DenseMatrix& m) { return to_feat(zone_statistics(m, c.lv(), 0, true)); };
    const Feat result = pyradiomics_angles(mats, weights, c.pyr_merge, zone_stat_count, feats);
    emit(kGlrlmFamily, "", result, out);
}

void glszm_family(const TextureContext& c, FeatureValues& out) {
    // ZonePercentage = N_z / N_p with N_p the ROI voxel count
    emit(kGlszmFamily, "",
         zone_statistics_cells(zone_cells(c.zones_pyr, nullptr, false), c.lv(), double(c.roi.voxels.size()), true), out);
}

void gldm_family(const TextureContext& c, FeatureValues& out) {
    emit(kGldmFamily, "", zone_statistics(to_dense(c.gldm_pyr), c.lv(), 0, true), out);
}

}  // namespace radhpc::features::detail
