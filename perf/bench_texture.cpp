// Texture benchmark (not a test): time per family on brain1 and on synthetic ROIs of about 10k, 100k and
// 1M voxels (noisy spheres discretised to 32 levels) and on the IBSI CT phantom lesion at 1 mm (CT-TIME
// settings), with 1 and 2 TBB threads, and the speed-up. Process CPU time is printed as well: on a shared
// machine it is the steadier figure, and CPU time > wall time with 2 threads shows both threads working.
// Usage: perf_bench_texture [shared-data-dir [roi-name [family]]]   (data default ../shared/data; the optional
// filters restrict the run to one ROI and one family, e.g. for profiling)
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <sys/resource.h>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "radhpc/features/texture.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;

namespace {

struct Roi {
    std::string name;
    GreyLevels levels;
    Mask mask;
    int n_levels = 0;
    std::size_t voxels = 0;
};

// Sphere of about `target` voxels; levels = smooth radial/axial pattern + Gaussian noise, in 32 bins.
Roi synthetic(std::size_t target, unsigned seed) {
    const double r = std::cbrt(3.0 * double(target) / (4.0 * M_PI));
    const std::size_t n = std::size_t(std::ceil(2 * r)) + 3;
    Geometry g;
    g.size = {n, n, n};
    Roi roi;
    roi.name = "sphere_" + std::to_string(target / 1000) + "k";
    roi.levels = GreyLevels(g, 0);
    roi.mask = Mask(g, 0);
    roi.n_levels = 32;
    std::mt19937 rng(seed);
    std::normal_distribution<double> noise(0.0, 0.12);
    const double c = double(n - 1) / 2;
    for (std::size_t z = 0; z < n; ++z)
        for (std::size_t y = 0; y < n; ++y)
            for (std::size_t x = 0; x < n; ++x) {
                const double dx = double(x) - c, dy = double(y) - c, dz = double(z) - c;
                const double d = std::sqrt(dx * dx + dy * dy + dz * dz);
                if (d > r) continue;
                const double u = 0.5 + 0.3 * std::cos(3.0 * d / r) + 0.1 * std::sin(dx / 4.0) + noise(rng);
                roi.mask.at(x, y, z) = 1;
                roi.levels.at(x, y, z) = 1 + std::clamp(int(std::floor(u * 32)), 0, 31);
                ++roi.voxels;
            }
    return roi;
}

double cpu_now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Best-of-N wall time and process CPU time: on a shared machine the minimum is the figure least disturbed
// by other processes.
std::pair<double, double> seconds_of(const std::function<void()>& f, int repeats) {
    std::vector<double> wall, cpu;
    for (int k = 0; k < repeats; ++k) {
        const auto a = std::chrono::steady_clock::now();
        const double c = cpu_now();
        f();
        cpu.push_back(cpu_now() - c);
        wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall.front(), cpu.front()};
}

}  // namespace

int main(int argc, char** argv) {
    const std::string data = argc > 1 ? argv[1] : "../shared/data";
    std::vector<Roi> rois;
    {
        Roi b;
        b.name = "brain1";
        const Image image = io::read_image(data + "/pyradiomics/brain1_image.nrrd");
        b.mask = io::read_label_mask(data + "/pyradiomics/brain1_label.nrrd", 1);
        DiscretisationSettings ds;
        ds.bin_width = 25;
        auto d = preprocess::discretise(image, b.mask, ds, Profile::pyradiomics);
        b.levels = std::move(d.levels);
        b.n_levels = d.n_levels;
        for (auto m : b.mask.data) b.voxels += m;
        rois.push_back(std::move(b));
    }
    {
        // The reference lesion: IBSI CT phantom GTV resampled to 1 mm (PyRadiomics grid, B-spline),
        // re-segmented to [-100, 300] HU, bin width 25 HU (CT-TIME settings).
        Roi ct;
        ct.name = "ct_phantom_1mm";
        Image image = io::read_image(data + "/ibsi1/ct_phantom/nifti/image/phantom.nii.gz");
        const Mask mask = io::read_label_mask(data + "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz", 1);
        const auto box = bounding_box(mask);
        const Geometry g = preprocess::pyradiomics_resampled_geometry(image.geometry, {1.0, 1.0, 1.0}, box->lo, box->hi, 5);
        const Image resampled = preprocess::resample_image(image, g, Interpolation::bspline, Profile::pyradiomics);
        ct.mask = preprocess::resample_mask(mask, g, Interpolation::nearest, 0.5, Profile::pyradiomics);
        ResegmentSettings reseg;
        reseg.range_min = -100;
        reseg.range_max = 300;
        preprocess::resegment(resampled, ct.mask, reseg);
        DiscretisationSettings ds;
        ds.bin_width = 25;
        auto d = preprocess::discretise(resampled, ct.mask, ds, Profile::pyradiomics, reseg);
        ct.levels = std::move(d.levels);
        ct.n_levels = d.n_levels;
        for (auto m : ct.mask.data) ct.voxels += m;
        rois.push_back(std::move(ct));
    }
    for (std::size_t target : {10000u, 100000u, 1000000u}) rois.push_back(synthetic(target, 42));

    const std::vector<std::string> families = {"cm", "rlm", "szm", "dzm", "ngt", "ngl", "glcm", "glrlm", "glszm",
                                               "gldm", "ngtdm"};
    std::printf("Texture benchmark: best-of-N times (ms), distance 1, all IBSI aggregations\n");
    const std::string only_roi = argc > 2 ? argv[2] : "", only_family = argc > 3 ? argv[3] : "";
    for (const auto& roi : rois) {
        if (!only_roi.empty() && roi.name != only_roi) continue;
        std::printf("\n%s: %zu voxels, %d levels\n", roi.name.c_str(), roi.voxels, roi.n_levels);
        std::printf("  %-14s %12s %12s %12s %12s %8s\n", "family", "cpu 1 thread", "wall 1 thr.", "wall 2 thr.",
                    "cpu 2 thr.", "speedup");
        const int repeats = roi.voxels > 500000 ? 5 : (roi.voxels > 50000 ? 9 : 15);
        auto row = [&](const std::string& label, const std::set<std::string>& fams) {
            std::pair<double, double> t[2];
            for (int k = 0; k < 2; ++k) {
                tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(k + 1));
                t[k] = seconds_of(
                    [&] {
                        auto v = features::texture_features(roi.levels, roi.mask, roi.mask, roi.n_levels,
                                                            TextureSettings{}, Profile::ibsi, fams);
                        if (v.empty()) std::printf("?");
                    },
                    repeats);
            }
            std::printf("  %-14s %12.2f %12.2f %12.2f %12.2f %8.2f\n", label.c_str(), t[0].second * 1e3, t[0].first * 1e3,
                        t[1].first * 1e3, t[1].second * 1e3, t[0].first / t[1].first);
        };
        if (!only_family.empty()) {
            row(only_family, {only_family});
            continue;
        }
        for (const auto& f : families) row(f, {f});
        row("IBSI (6)", {"cm", "rlm", "szm", "dzm", "ngt", "ngl"});
        row("PyRadiomics(5)", {"glcm", "glrlm", "glszm", "gldm", "ngtdm"});
        row("all (11)", std::set<std::string>(families.begin(), families.end()));
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        // ROIs run in ascending size after brain1/CT, so this is close to the peak of the largest so far.
        std::printf("  process peak RSS so far: %.1f MB\n", double(usage.ru_maxrss) / 1024.0);
    }
    return 0;
}
