// Properties that the reference tables cannot show: results independent of the thread count, the fast
// sphere-mean of local intensity equal to a direct evaluation of the IBSI definition, IVH equal to a
// literal evaluation of the IBSI formulas, and histogram-based order statistics equal to the sorted ones.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include "radhpc/core/error.hpp"
#include "radhpc/core/random.hpp"
#include "radhpc/features/intensity.hpp"

using namespace radhpc;

namespace {

using SplitMix = SplitMix64;  // core/random.hpp: the same numbers on every platform

// CT-like integer intensities: a soft-tissue bulk plus a long low tail.
std::vector<double> ct_like(std::size_t n, std::uint64_t seed) {
    SplitMix rng{seed};
    std::vector<double> v(n);
    for (auto& x : v) x = rng.uniform() < 0.8 ? double(rng.integer(-20, 90)) : double(rng.integer(-1000, 400));
    return v;
}

std::map<std::string, double> as_map(const FeatureValues& values) {
    std::map<std::string, double> m;
    for (const auto& f : values) m[f.name] = f.value;
    return m;
}

FeatureValues everything(const std::vector<double>& values, const std::vector<std::int32_t>& levels, const Image& image,
                         const Mask& mask) {
    FeatureValues all;
    IvhSettings ivh_fbs;
    ivh_fbs.method = BinningMethod::fixed_bin_size;
    ResegmentSettings reseg;
    reseg.range_min = -1000;
    reseg.range_max = 400;
    for (auto&& part : {features::intensity_statistics(values), features::intensity_histogram(levels, 60),
                        features::intensity_volume_histogram(values, IvhSettings{}, reseg),
                        features::intensity_volume_histogram(values, ivh_fbs, reseg),
                        features::pyradiomics_firstorder(values, levels, 1.5, 2000), features::local_intensity(image, mask)})
        all.insert(all.end(), part.begin(), part.end());
    return all;
}

Image random_image(const Size3& size, const Vec3& spacing, std::uint64_t seed) {
    Geometry g;
    g.size = size;
    g.spacing = spacing;
    Image image(g);
    SplitMix rng{seed};
    for (auto& v : image.data) v = rng.uniform() * 200.0 - 50.0;
    return image;
}

}  // namespace

TEST_CASE("intensity families give bit-identical results for 1, 2 and 8 threads", "[features_intensity][determinism]") {
    const auto values = ct_like(300'000, 7);  // > 64k: parallel sort and parallel block sums are used
    std::vector<std::int32_t> levels(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) levels[i] = std::int32_t(std::floor((values[i] + 1000) / 25)) + 1;
    const Image image = random_image({60, 50, 40}, {0.8, 0.9, 1.5}, 11);
    Mask mask(image.geometry);
    for (std::size_t i = 0; i < mask.data.size(); ++i) mask.data[i] = (i % 7) != 0;

    FeatureValues single;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        single = everything(values, levels, image, mask);
    }
    const FeatureValues two = tbb::task_arena(2).execute([&] { return everything(values, levels, image, mask); });
    FeatureValues eight;
    {
        // More threads than this machine's cores: lift TBB's default worker limit for this run.
        tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
        eight = tbb::task_arena(8).execute([&] { return everything(values, levels, image, mask); });
    }
    REQUIRE(single.size() == two.size());
    REQUIRE(single.size() == eight.size());
    for (std::size_t i = 0; i < single.size(); ++i) {
        INFO(single[i].name);
        CHECK(std::memcmp(&single[i].value, &two[i].value, sizeof(double)) == 0);
        CHECK(std::memcmp(&single[i].value, &eight[i].value, sizeof(double)) == 0);
    }
}

TEST_CASE("local intensity equals a direct evaluation of the IBSI definition", "[features_intensity][local]") {
    // Anisotropic spacing, ROI touching the grid border, several voxels sharing the maximum intensity.
    for (const Vec3 spacing : {Vec3{0.8, 1.1, 2.5}, Vec3{2.0, 2.0, 2.0}, Vec3{0.5, 0.5, 0.5}}) {
        Image image = random_image({23, 19, 11}, spacing, 3);
        for (auto& v : image.data) v = std::round(v / 10);  // ties in the maximum
        Mask mask(image.geometry);
        for (std::size_t z = 0; z < 11; ++z)
            for (std::size_t y = 0; y < 19; ++y)
                for (std::size_t x = 0; x < 23; ++x) mask.at(x, y, z) = (x + 2 * y + 3 * z) % 5 != 0 && x < 15;

        const double r = 10.0 * std::cbrt(3.0 / (4.0 * std::numbers::pi));
        auto direct_sphere_mean = [&](std::int64_t cx, std::int64_t cy, std::int64_t cz) {
            double sum = 0;
            int n = 0;
            for (std::int64_t z = 0; z < 11; ++z)
                for (std::int64_t y = 0; y < 19; ++y)
                    for (std::int64_t x = 0; x < 23; ++x) {
                        const double dx = double(x - cx) * spacing[0], dy = double(y - cy) * spacing[1],
                                     dz = double(z - cz) * spacing[2];
                        if (dx * dx + dy * dy + dz * dz <= r * r) {
                            sum += image.at(x, y, z);
                            ++n;
                        }
                    }
            return sum / n;
        };
        double max_intensity = -1e300, local = -1e300, global = -1e300;
        for (std::size_t z = 0; z < 11; ++z)
            for (std::size_t y = 0; y < 19; ++y)
                for (std::size_t x = 0; x < 23; ++x)
                    if (mask.at(x, y, z)) max_intensity = std::max(max_intensity, image.at(x, y, z));
        for (std::int64_t z = 0; z < 11; ++z)
            for (std::int64_t y = 0; y < 19; ++y)
                for (std::int64_t x = 0; x < 23; ++x) {
                    if (!mask.at(x, y, z)) continue;
                    const double m = direct_sphere_mean(x, y, z);
                    global = std::max(global, m);
                    if (image.at(x, y, z) == max_intensity) local = std::max(local, m);
                }
        const auto fast = as_map(features::local_intensity(image, mask));
        INFO("spacing " << spacing[0] << " " << spacing[1] << " " << spacing[2]);
        CHECK(fast.at("loc_peak_loc") == Approx(local).epsilon(1e-12));
        CHECK(fast.at("loc_peak_glob") == Approx(global).epsilon(1e-12));
    }
}

TEST_CASE("IVH equals a literal evaluation of the IBSI 3.5 formulas", "[features_intensity][ivh]") {
    const auto values = ct_like(20'000, 5);
    struct Case {
        std::string name;
        IvhSettings ivh;
        ResegmentSettings reseg;
    };
    std::vector<Case> cases(4);
    cases[0].name = "discrete, re-segmentation range";
    cases[0].reseg.range_min = -1000;
    cases[0].reseg.range_max = 400;
    cases[1].name = "discrete, ROI range";
    cases[2].name = "continuous, bin 2.5, re-segmentation range";
    cases[2].ivh.method = BinningMethod::fixed_bin_size;
    cases[2].ivh.bin_width = 2.5;
    cases[2].reseg = cases[0].reseg;
    cases[3].name = "arbitrary units, 1000 bins";
    cases[3].ivh.method = BinningMethod::fixed_bin_number;
    cases[3].ivh.bin_count = 1000;
    cases[3].reseg = cases[0].reseg;  // must be ignored

    const auto [mn, mx] = std::minmax_element(values.begin(), values.end());
    for (const auto& c : cases) {
        INFO(c.name);
        // X_d,gl, min G, max G and the interval w_d exactly as the manual defines them.
        std::vector<double> xdgl(values.size());
        double g_min = 0, g_max = 0, w_d = 1;
        if (c.ivh.method == BinningMethod::none) {
            xdgl = values;
            g_min = c.reseg.range_min.value_or(*mn);
            g_max = c.reseg.range_max.value_or(*mx);
        } else if (c.ivh.method == BinningMethod::fixed_bin_size) {
            const double w = c.ivh.bin_width, lo = *c.reseg.range_min, hi = *c.reseg.range_max;
            for (std::size_t i = 0; i < values.size(); ++i) xdgl[i] = lo + (std::floor((values[i] - lo) / w) + 1 - 0.5) * w;
            g_min = lo + 0.5 * w;
            g_max = hi - 0.5 * w;
            w_d = w;
        } else {
            const int ng = c.ivh.bin_count;
            for (std::size_t i = 0; i < values.size(); ++i)
                xdgl[i] = std::min<double>(ng, std::floor(ng * (values[i] - *mn) / (*mx - *mn)) + 1);
            g_min = 1;
            g_max = ng;
        }
        std::vector<double> level, gamma, nu;
        for (double i = g_min; i <= g_max + 1e-9; i += w_d) {
            std::size_t below = 0;
            for (double x : xdgl) below += x < i;
            level.push_back(i);
            gamma.push_back((i - g_min) / (g_max - g_min));
            nu.push_back(1.0 - double(below) / double(values.size()));
        }
        auto v_at = [&](double x) {
            double best = 0;
            for (std::size_t k = 0; k < level.size(); ++k)
                if (gamma[k] >= x) best = std::max(best, nu[k]);
            return best;
        };
        auto i_at = [&](double x) {
            for (std::size_t k = 0; k < level.size(); ++k)
                if (nu[k] <= x) return level[k];
            return level.back() + w_d;
        };
        double auc = 0;
        for (std::size_t k = 0; k + 1 < level.size(); ++k) auc += (gamma[k + 1] - gamma[k]) * (nu[k] + nu[k + 1]) / 2;

        const auto got = as_map(features::intensity_volume_histogram(values, c.ivh, c.reseg));
        CHECK(got.at("ivh_v10") == Approx(v_at(0.1)).epsilon(1e-12));
        CHECK(got.at("ivh_v90") == Approx(v_at(0.9)).epsilon(1e-12));
        CHECK(got.at("ivh_i10") == Approx(i_at(0.1)).epsilon(1e-12));
        CHECK(got.at("ivh_i90") == Approx(i_at(0.9)).epsilon(1e-12));
        CHECK(got.at("ivh_auc") == Approx(auc).epsilon(1e-9));
    }
}

TEST_CASE("intensity histogram order statistics equal the sorted-array statistics", "[features_intensity][ih]") {
    for (std::size_t n : {1u, 2u, 7u, 10u, 101u, 5000u}) {
        SplitMix rng{n};
        std::vector<std::int32_t> levels(n);
        std::vector<double> as_double(n);
        for (std::size_t i = 0; i < n; ++i) {
            levels[i] = rng.integer(1, 12);
            as_double[i] = levels[i];
        }
        const auto ih = as_map(features::intensity_histogram(levels, 12));
        const auto stat = as_map(features::intensity_statistics(as_double));
        INFO("n = " << n);
        for (const std::string f : {"mean", "median", "min", "p10", "p90", "max", "iqr", "range", "mad", "rmad", "medad",
                                    "qcod"})
            CHECK(ih.at("ih_" + f) == Approx(stat.at("stat_" + f)).epsilon(1e-12).margin(1e-12));
        CHECK(ih.at("ih_var") == Approx(stat.at("stat_var")).epsilon(1e-10).margin(1e-12));
    }
}

TEST_CASE("flat ROIs give zero skewness and kurtosis", "[features_intensity][flat]") {
    // 0.1 is not exact in binary: the computed mean of 0.1 repeated is not exactly 0.1.
    const std::vector<double> flat(1001, 0.1);
    const std::vector<std::int32_t> levels(flat.size(), 1);
    const auto stat = as_map(features::intensity_statistics(flat));
    CHECK(stat.at("stat_skew") == 0);
    CHECK(stat.at("stat_kurt") == 0);
    const auto fo = as_map(features::pyradiomics_firstorder(flat, levels, 1, 0));
    CHECK(fo.at("firstorder_Skewness") == 0);
    CHECK(fo.at("firstorder_Kurtosis") == 0);
    CHECK(fo.at("firstorder_Entropy") == Approx(0).margin(1e-12));
    CHECK(fo.at("firstorder_Uniformity") == 1);
    const auto ih = as_map(features::intensity_histogram(levels, 1));
    CHECK(ih.at("ih_skew") == 0);
    CHECK(ih.at("ih_max_grad") == 0);
}

TEST_CASE("intensity families reject empty and invalid input", "[features_intensity][errors]") {
    const std::vector<double> none;
    const std::vector<std::int32_t> no_levels;
    CHECK_THROWS_AS(features::intensity_statistics(none), Error);
    CHECK_THROWS_AS(features::intensity_histogram(no_levels, 4), Error);
    CHECK_THROWS_AS(features::intensity_volume_histogram(none, {}, {}), Error);
    CHECK_THROWS_AS(features::pyradiomics_firstorder(none, no_levels, 1, 0), Error);
    const std::vector<std::int32_t> zero_level{0, 1, 2};
    CHECK_THROWS_AS(features::intensity_histogram(zero_level, 2), Error);
    const std::vector<double> three{1, 2, 3};
    CHECK_THROWS_AS(features::pyradiomics_firstorder(three, std::span<const std::int32_t>(zero_level).subspan(0, 2), 1, 0), Error);
    Geometry g;
    g.size = {3, 3, 3};
    const Image image(g);
    const Mask empty(g);
    CHECK_THROWS_AS(features::local_intensity(image, empty), Error);
}
