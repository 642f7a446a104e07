// Timings of the intensity feature families on synthetic CT-like ROIs of 100k and 1M voxels.
// Usage: perf_bench_intensity [repeats=3]. Prints the best wall time of `repeats` runs per function,
// with all TBB threads and with one thread.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <oneapi/tbb/global_control.h>

#include "radhpc/core/random.hpp"
#include "radhpc/features/intensity.hpp"

using namespace radhpc;

namespace {

using SplitMix = SplitMix64;

double best_seconds(int repeats, const std::function<void()>& run) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        run();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

// A cubic ROI of edge `edge` voxels inside a grid padded by enough voxels for the 6.2 mm sphere.
struct Case {
    Image image;
    Mask mask;
    std::vector<double> values;
    std::vector<std::int32_t> levels;
};

Case make_case(std::size_t edge, const Vec3& spacing) {
    Case c;
    std::array<std::size_t, 3> pad;
    for (int a = 0; a < 3; ++a) pad[a] = std::size_t(std::ceil(6.21 / spacing[a]));
    Geometry g;
    g.spacing = spacing;
    g.size = {edge + 2 * pad[0], edge + 2 * pad[1], edge + 2 * pad[2]};
    c.image = Image(g);
    c.mask = Mask(g);
    SplitMix rng{42};
    for (auto& v : c.image.data) v = std::round(rng.uniform() < 0.8 ? rng.uniform() * 110 - 20 : rng.uniform() * 1400 - 1000);
    for (std::size_t z = pad[2]; z < pad[2] + edge; ++z)
        for (std::size_t y = pad[1]; y < pad[1] + edge; ++y)
            for (std::size_t x = pad[0]; x < pad[0] + edge; ++x) {
                c.mask.at(x, y, z) = 1;
                c.values.push_back(c.image.at(x, y, z));
                c.levels.push_back(std::int32_t(std::floor((c.image.at(x, y, z) + 1000) / 25)) + 1);
            }
    return c;
}

void run_all(const Case& c, int repeats, const char* label) {
    IvhSettings ivh_fbs;
    ivh_fbs.method = BinningMethod::fixed_bin_size;
    ResegmentSettings reseg;
    reseg.range_min = -1000;
    reseg.range_max = 400;
    const double t_stat = best_seconds(repeats, [&] { features::intensity_statistics(c.values); });
    const double t_ih = best_seconds(repeats, [&] { features::intensity_histogram(c.levels, 57); });
    const double t_ivh = best_seconds(repeats, [&] { features::intensity_volume_histogram(c.values, {}, reseg); });
    const double t_ivh_fbs = best_seconds(repeats, [&] { features::intensity_volume_histogram(c.values, ivh_fbs, reseg); });
    const double t_fo = best_seconds(repeats, [&] { features::pyradiomics_firstorder(c.values, c.levels, 1.0, 2000); });
    const double t_loc = best_seconds(repeats, [&] { features::local_intensity(c.image, c.mask); });
    std::printf("%-34s ROI %8zu  grid %8zu | stat %7.1f ms  ih %6.1f ms  ivh %6.1f ms  ivh_fbs %6.1f ms  "
                "firstorder %7.1f ms  loc %7.1f ms\n",
                label, c.values.size(), c.image.data.size(), 1e3 * t_stat, 1e3 * t_ih, 1e3 * t_ivh, 1e3 * t_ivh_fbs,
                1e3 * t_fo, 1e3 * t_loc);
}

}  // namespace

int main(int argc, char** argv) {
    const int repeats = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
    struct Spec {
        std::size_t edge;
        Vec3 spacing;
        const char* name;
    };
    for (const Spec& s : {Spec{47, {1.0, 1.0, 1.0}, "100k, 1 mm iso"}, Spec{100, {1.0, 1.0, 1.0}, "1M, 1 mm iso"},
                          Spec{100, {0.977, 0.977, 3.0}, "1M, 0.977 x 0.977 x 3 mm"}}) {
        const Case c = make_case(s.edge, s.spacing);
        run_all(c, repeats, (std::string(s.name) + ", all threads").c_str());
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        run_all(c, repeats, (std::string(s.name) + ", 1 thread").c_str());
    }
    return 0;
}
