// Morphology benchmark (not a test): IBSI morphology() and PyRadiomics shape on brain1 and on
// noisy spheres of about 10k, 100k and 1M voxels, with 1 and 2 TBB threads.
// Usage: perf_bench_morphology [shared-data-dir]   (default ../shared/data relative to the working directory)
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "radhpc/features/morphology.hpp"
#include "radhpc/features/shape_pyradiomics.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;

namespace {

struct Case {
    std::string name;
    Image image;
    Mask mask;
};

Case noisy_sphere(double radius) {
    const auto n = std::size_t(2 * radius + 3);
    Geometry g;
    g.size = {n, n, n};
    g.spacing = {1.0, 1.0, 1.0};
    Case c{"sphere r=" + std::to_string(int(radius)), Image(g), Mask(g)};
    std::mt19937_64 rng(42);
    std::normal_distribution<double> noise(0.0, 20.0);
    const double centre = double(n - 1) / 2.0;
    for (std::size_t z = 0; z < n; ++z)
        for (std::size_t y = 0; y < n; ++y)
            for (std::size_t x = 0; x < n; ++x) {
                const double dx = x - centre, dy = y - centre, dz = z - centre;
                c.mask.at(x, y, z) = dx * dx + dy * dy + dz * dz <= radius * radius;
                c.image.at(x, y, z) = 40.0 * std::sin(x / 9.0) + 0.5 * double(z) + noise(rng);
            }
    return c;
}

double seconds(const std::function<void()>& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    const std::string data = argc > 1 ? argv[1] : "../shared/data";
    std::vector<Case> cases;
    try {
        cases.push_back({"brain1", io::read_image(data + "/pyradiomics/brain1_image.nrrd"),
                         io::read_label_mask(data + "/pyradiomics/brain1_label.nrrd", 1)});
    } catch (const std::exception& e) {
        std::printf("brain1 skipped: %s\n", e.what());
    }
    for (const double r : {13.0, 29.0, 62.0}) cases.push_back(noisy_sphere(r));
    std::printf("%-16s %9s %7s %14s %14s\n", "ROI", "voxels", "threads", "morphology s", "pyrad shape s");
    for (const auto& c : cases) {
        std::size_t voxels = 0;
        for (const auto v : c.mask.data) voxels += v;
        for (const int threads : {1, 2}) {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
            FeatureSettings settings;  // default moran_geary_exact_limit
            const double t_ibsi = seconds([&] { features::morphology(c.mask, c.mask, c.image, settings); });
            const double t_pyr = seconds([&] { features::pyradiomics_shape(c.mask); });
            std::printf("%-16s %9zu %7d %14.3f %14.3f\n", c.name.c_str(), voxels, threads, t_ibsi, t_pyr);
        }
    }
}
