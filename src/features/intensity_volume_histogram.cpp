// IBSI 1 section 3.5: intensity-volume histogram (IVH) features.
//
// The IVH is evaluated at the grey levels i_k = min(G) + k w_d, k = 0..L-1, of the total range G:
//   nu_k    = 1 - (1/N) sum_voxels [X_d,gl < i_k]          (volume fraction with grey level >= i_k)
//   gamma_k = (i_k - min G) / (max G - min G)              (intensity fraction)
// Each voxel is reduced to the integer index of the first level it lies below, so nu is exact integer
// counting (no floating-point comparisons between bin centres), O(N + L).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "intensity_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/intensity.hpp"

namespace radhpc::features {
namespace {

// Beyond this many IVH levels the 'none' method was almost certainly applied to continuous data.
constexpr std::int64_t kMaxIvhLevels = 10'000'000;

struct IvhGrid {
    double g_min = 0, g_max = 0;  // total range G
    double interval = 1;          // w_d
    std::int64_t levels = 1;      // L
    // first_level_below[v]: smallest k with X_d,gl(v) < i_k, clamped to [0, L] (L = never below).
    std::vector<std::int64_t> first_level_below;
};

IvhGrid build_grid(std::span<const double> values, const IvhSettings& ivh, const ResegmentSettings& reseg) {
    const auto [mn_it, mx_it] = std::minmax_element(values.begin(), values.end());
    const double roi_min = *mn_it, roi_max = *mx_it;
    IvhGrid grid;
    grid.first_level_below.resize(values.size());

    switch (ivh.method) {
    case BinningMethod::none: {
        // Calibrated, discrete: X_d,gl = X, w_d = 1, G = re-segmentation range (else ROI range).
        grid.g_min = ivh.min_bound ? *ivh.min_bound : (reseg.range_min ? *reseg.range_min : roi_min);
        grid.g_max = ivh.max_bound ? *ivh.max_bound : (reseg.range_max ? *reseg.range_max : roi_max);
        grid.interval = 1.0;
        // X < g_min + k  <=>  k >= floor(X - g_min) + 1
        for (std::size_t v = 0; v < values.size(); ++v)
            grid.first_level_below[v] = std::int64_t(std::floor(values[v] - grid.g_min)) + 1;
        break;
    }
    case BinningMethod::fixed_bin_size: {
        // Calibrated, continuous: X_d = floor((X - X_min)/w) + 1, replaced by the bin centre
        // X_min + (X_d - 0.5) w; G = [X_min + w/2, X_max - w/2], w_d = w.
        const double w = ivh.bin_width;
        if (!(w > 0)) throw Error(ErrorKind::settings, "IVH fixed bin size: bin width must be > 0");
        const double x_min = ivh.min_bound ? *ivh.min_bound : (reseg.range_min ? *reseg.range_min : roi_min);
        const double x_max = ivh.max_bound ? *ivh.max_bound : (reseg.range_max ? *reseg.range_max : roi_max);
        grid.g_min = x_min + 0.5 * w;
        grid.g_max = x_max - 0.5 * w;
        grid.interval = w;
        // Bin centre of X_d is level k = X_d - 1, so it lies below i_k exactly when k >= X_d.
        for (std::size_t v = 0; v < values.size(); ++v)
            grid.first_level_below[v] = std::int64_t(std::floor((values[v] - x_min) / w)) + 1;
        break;
    }
    case BinningMethod::fixed_bin_number: {
        // Arbitrary units: IBSI FBN with Ng bins over [X_min, X_max] (ROI range unless set explicitly),
        // X_d,gl = X_d, G = [1, Ng], w_d = 1.
        const int ng = ivh.bin_count;
        if (ng < 1) throw Error(ErrorKind::settings, "IVH fixed bin number: bin count must be >= 1");
        const double x_min = ivh.min_bound ? *ivh.min_bound : roi_min;
        const double x_max = ivh.max_bound ? *ivh.max_bound : roi_max;
        grid.g_min = 1;
        grid.g_max = ng;
        grid.interval = 1;
        for (std::size_t v = 0; v < values.size(); ++v) {
            std::int64_t xd = 1;
            if (x_max > x_min)
                xd = std::clamp<std::int64_t>(
                    std::int64_t(std::floor(double(ng) * (values[v] - x_min) / (x_max - x_min))) + 1, 1, ng);
            grid.first_level_below[v] = xd;  // level k = X_d - 1
        }
        break;
    }
    }

    const double span_levels = (grid.g_max - grid.g_min) / grid.interval;
    grid.levels = span_levels > 0 ? std::int64_t(std::floor(span_levels + 1e-9)) + 1 : 1;
    if (grid.levels > kMaxIvhLevels)
        throw Error(ErrorKind::settings,
                    "IVH: " + std::to_string(grid.levels) +
                        " grey levels in the IVH range; use fixed_bin_size or fixed_bin_number IVH discretisation "
                        "for continuous intensities");
    for (auto& k : grid.first_level_below) k = std::clamp<std::int64_t>(k, 0, grid.levels);
    return grid;
}

}  // namespace

// ---- the features of this family, in output order; the formulas below fill their slots ----
namespace {

// IBSI 1 section 3.5, intensity-volume histogram.
enum IvhValue {
    ivh_v10, ivh_v90, ivh_i10, ivh_i90, ivh_diff_v10_v90, ivh_diff_i10_i90, ivh_auc, ivh_value_count
};
constexpr IbsiFeature kIvh[] = {
    {"ivh_v10", "BC2M", "", "Volume fraction at 10% intensity", ivh_v10},
    {"ivh_v90", "BC2M", "", "Volume fraction at 90% intensity", ivh_v90},
    {"ivh_i10", "GBPN", "I", "Intensity at 10% volume", ivh_i10},
    {"ivh_i90", "GBPN", "I", "Intensity at 90% volume", ivh_i90},
    {"ivh_diff_v10_v90", "DDTU", "", "Volume fraction difference between 10% and 90% intensity", ivh_diff_v10_v90},
    {"ivh_diff_i10_i90", "CNV2", "I", "Intensity difference between 10% and 90% volume", ivh_diff_i10_i90},
    {"ivh_auc", "9CMM", "", "Area under the IVH curve", ivh_auc},
};

}  // namespace

constexpr FamilyDecl kIvhFamily{"ivh", kNoVariant, kIvh, {}};

FeatureValues intensity_volume_histogram(std::span<const double> values, const IvhSettings& ivh,
                                         const ResegmentSettings& reseg) {
    if (values.empty()) throw Error(ErrorKind::empty_roi, "intensity-volume histogram: ROI intensity mask is empty");
    const IvhGrid grid = build_grid(values, ivh, reseg);
    const std::int64_t levels = grid.levels;
    const auto n = std::int64_t(values.size());

    // below[k] = #voxels with X_d,gl < i_k = #voxels whose first_level_below <= k.
    std::vector<std::int64_t> below(std::size_t(levels) + 1, 0);
    for (std::int64_t k : grid.first_level_below) ++below[std::size_t(k)];
    for (std::int64_t k = 1; k <= levels; ++k) below[k] += below[k - 1];

    const double g_range = grid.g_max - grid.g_min;
    // nu_k = (N - below_k) / N: one correctly rounded division, so exact fractions compare exactly.
    auto nu = [&](std::int64_t k) { return double(n - below[std::size_t(k)]) / double(n); };
    // gamma_k = k w_d / (max G - min G); a single-level range counts as the full intensity fraction.
    auto gamma = [&](std::int64_t k) { return g_range > 0 ? double(k) * grid.interval / g_range : 1.0; };
    auto level_value = [&](std::int64_t k) { return grid.g_min + double(k) * grid.interval; };

    // V_x: largest nu with gamma >= x, i.e. nu at the first such level (nu is non-increasing).
    auto volume_at = [&](double x) {
        for (std::int64_t k = 0; k < levels; ++k)
            if (gamma(k) >= x) return nu(k);
        return 0.0;
    };
    // I_x: lowest level with nu <= x; if even the top level holds more than x of the volume, the
    // next level above G (where nu would be 0).
    auto intensity_at = [&](double x) {
        for (std::int64_t k = 0; k < levels; ++k)
            if (nu(k) <= x) return level_value(k);
        return level_value(levels);
    };
    // Area under the IVH curve: trapezoidal rule over (gamma_k, nu_k).
    double auc = 0;
    for (std::int64_t k = 0; k + 1 < levels; ++k) auc += (gamma(k + 1) - gamma(k)) * (nu(k) + nu(k + 1)) / 2.0;

    const double v10 = volume_at(0.10), v90 = volume_at(0.90);
    const double i10 = intensity_at(0.10), i90 = intensity_at(0.90);
    std::array<double, ivh_value_count> v{};
    v[ivh_v10] = v10;
    v[ivh_v90] = v90;
    v[ivh_i10] = i10;
    v[ivh_i90] = i90;
    v[ivh_diff_v10_v90] = v10 - v90;
    v[ivh_diff_i10_i90] = i10 - i90;
    v[ivh_auc] = auc;
    return emitted(kIvhFamily, v);
}

}  // namespace radhpc::features
