// PyRadiomics image types (include/radhpc/filters/pyradiomics.hpp): time of each image type on
//  (0) the IBSI CT phantom GTV on PyRadiomics' 1 mm grid (the CT-TIME lesion),
//  (a) brain1 (../shared/data/pyradiomics) cropped to its ROI box + PyRadiomics' padDistance 5, and
//  (b) a synthetic 512 x 512 x 300 CT-like int16 volume (0.75 x 0.75 x 2 mm) cropped around its
//      lesion (a 25 mm radius lobulated sphere), box + 5 voxels,
// with 1 TBB thread (wall and process CPU time) and 2 (wall); ITK's work units follow the arena, but
// ITK runs its own threads, so its CPU time is the fair column. Best of R runs.
//   perf_bench_pyradiomics_filters [--repeats R] [--keep-heap]
#include <malloc.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "radhpc/filters/pyradiomics.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;
namespace P = radhpc::filters::pyradiomics;
using Clock = std::chrono::steady_clock;

namespace {

double cpu_now() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Best wall time and best process CPU time of `repeats` runs (CPU time is what a loaded machine
// distorts least: other processes' work is not counted).
struct Times {
    double wall = 1e300, cpu = 1e300;
};
template <class F>
Times best_of(int repeats, F&& f) {
    Times best;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        const double c0 = cpu_now();
        f();
        best.cpu = std::min(best.cpu, cpu_now() - c0);
        best.wall = std::min(best.wall, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

// Crop of `im` to the box of `mask` grown by `pad` voxels (clipped to the image).
template <class T, class M>
Image crop_box(const Volume<T>& im, const M& inside, std::size_t pad) {
    std::size_t lo[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, hi[3] = {0, 0, 0};
    for (std::size_t z = 0; z < im.nz(); ++z)
        for (std::size_t y = 0; y < im.ny(); ++y)
            for (std::size_t x = 0; x < im.nx(); ++x)
                if (inside(x, y, z)) {
                    const std::size_t p[3] = {x, y, z};
                    for (int a = 0; a < 3; ++a) {
                        lo[a] = std::min(lo[a], p[a]);
                        hi[a] = std::max(hi[a], p[a]);
                    }
                }
    Geometry g = im.geometry;
    for (int a = 0; a < 3; ++a) {
        lo[a] = lo[a] >= pad ? lo[a] - pad : 0;
        hi[a] = std::min(hi[a] + pad, im.geometry.size[a] - 1);
        g.size[a] = hi[a] - lo[a] + 1;
    }
    g.origin = im.geometry.index_to_point({double(lo[0]), double(lo[1]), double(lo[2])});
    Image out(g);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x)
                out.at(x, y, z) = static_cast<double>(im.at(x + lo[0], y + lo[1], z + lo[2]));
    return out;
}

void run_set(const char* label, const Image& im, int repeats) {
    std::printf("\n%s: %zu x %zu x %zu = %zu voxels (spacing %.3g x %.3g x %.3g mm)\n", label, im.nx(), im.ny(), im.nz(),
                im.geometry.voxel_count(), im.geometry.spacing[0], im.geometry.spacing[1], im.geometry.spacing[2]);
    struct Job {
        const char* name;
        std::function<void()> f;
    };
    P::WaveletSettings coif1;
    P::WaveletSettings haar2;
    haar2.wavelet = "haar";
    haar2.level = 2;
    const std::vector<Job> jobs{
        {"LoG sigma 1 mm", [&] { P::getLoGImage(im, {1.0}); }},
        {"LoG sigma 1 mm, ITK itself", [&] { P::itk_reference::laplacian_recursive_gaussian(im, 1.0); }},
        {"LoG sigma 3 mm", [&] { P::getLoGImage(im, {3.0}); }},
        {"LoG sigma 2,3,4,5 mm", [&] { P::getLoGImage(im, {2.0, 3.0, 4.0, 5.0}); }},
        {"Wavelet coif1 (8 images)", [&] { P::getWaveletImage(im, coif1); }},
        {"Wavelet haar level 2 (15)", [&] { P::getWaveletImage(im, haar2); }},
        {"Square", [&] { P::getSquareImage(im); }},
        {"SquareRoot", [&] { P::getSquareRootImage(im); }},
        {"Logarithm", [&] { P::getLogarithmImage(im); }},
        {"Exponential", [&] { P::getExponentialImage(im); }},
        {"Gradient", [&] { P::getGradientImage(im, true); }},
        {"Gradient, ITK itself", [&] { P::itk_reference::gradient_magnitude(im, true); }},
        {"LBP2D (R 1, P 8, uniform)", [&] { P::getLBP2DImage(im, {}); }},
        {"LoG 2,3,4,5 + Wavelet coif1", [&] {
             P::getLoGImage(im, {2.0, 3.0, 4.0, 5.0});
             P::getWaveletImage(im, coif1);
         }},
    };
    std::printf("%-28s %14s %14s %14s\n", "image type", "1 thread wall", "1 thread cpu", "2 threads wall");
    for (const auto& j : jobs) {
        Times t1, t2;
        {
            tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
            t1 = best_of(repeats, j.f);
        }
        {
            tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
            t2 = best_of(repeats, j.f);
        }
        std::printf("%-28s %11.2f ms %11.2f ms %11.2f ms\n", j.name, 1e3 * t1.wall, 1e3 * t1.cpu, 1e3 * t2.wall);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int repeats = 3;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
        // glibc returns freed large blocks to the kernel (mmap/trim), so every call pays first-touch
        // page faults for its output and intermediates; --keep-heap keeps them in the heap instead
        // (what a long-running worker could set) to show the kernels' own cost.
        if (!std::strcmp(argv[i], "--keep-heap")) {
            mallopt(M_MMAP_THRESHOLD, 1 << 30);
            mallopt(M_TRIM_THRESHOLD, 1 << 30);
        }
    }

    const std::string d = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";
    {
        // The benchmark lesion: IBSI CT phantom GTV, PyRadiomics grid (box + padDistance 5) at
        // 1 x 1 x 1 mm, B-spline (SimpleITK semantics, preprocess::resample_image), as CT-TIME runs it.
        const std::string c = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/nifti/";
        PixelType pixel;
        const Image image = io::read_image(c + "image/phantom.nii.gz", &pixel);
        const Mask mask = io::read_label_mask(c + "mask/mask.nii.gz", 1);
        const BoundingBox box = *bounding_box(mask);  // the GTV is not empty
        const Index3 lo = box.lo, hi = box.hi;
        const Geometry target = preprocess::pyradiomics_resampled_geometry(image.geometry, {1, 1, 1}, lo, hi, 5);
        run_set("IBSI CT phantom GTV, PyRadiomics 1 mm grid (box + 5)",
                preprocess::resample_image(image, target, Interpolation::bspline, Profile::pyradiomics, pixel), repeats);
    }
    {
        const Image image = io::read_image(d + "brain1_image.nrrd");
        const Mask mask = io::read_label_mask(d + "brain1_label.nrrd", 1);
        run_set("brain1 ROI box + 5", crop_box(image, [&](std::size_t x, std::size_t y, std::size_t z) { return mask.at(x, y, z) != 0; }, 5),
                repeats);
    }
    {
        // Synthetic CT: body ellipse of soft tissue with noise, a lobulated lesion; only the crop is kept.
        Geometry g;
        g.size = {512, 512, 300};
        g.spacing = {0.75, 0.75, 2.0};
        Volume<std::int16_t> ct(g, -1000);
        const double cx = 300, cy = 220, cz = 150, r_mm = 25;
        std::uint64_t s = 12345;
        for (std::size_t z = 0; z < 300; ++z)
            for (std::size_t y = 0; y < 512; ++y)
                for (std::size_t x = 0; x < 512; ++x) {
                    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                    const double noise = (static_cast<double>(s >> 40) / 16777216.0 - 0.5) * 40;
                    const double ex = (x - 256.0) / 230, ey = (y - 256.0) / 170;
                    double v = ex * ex + ey * ey < 1 ? 40 + noise : -1000 + noise * 0.2;
                    const double dx = (x - cx) * 0.75, dy = (y - cy) * 0.75, dz = (z - cz) * 2.0;
                    const double rr = std::sqrt(dx * dx + dy * dy + dz * dz);
                    const double lob = r_mm * (1 + 0.15 * std::sin(3 * std::atan2(dy, dx)) * std::cos(dz / 10));
                    if (rr < lob) v = 60 + 30 * std::sin(dx / 3) + noise;
                    ct.at(x, y, z) = static_cast<std::int16_t>(std::lround(v));
                }
        auto inside = [&](std::size_t x, std::size_t y, std::size_t z) {
            const double dx = (x - cx) * 0.75, dy = (y - cy) * 0.75, dz = (z - cz) * 2.0;
            const double rr = std::sqrt(dx * dx + dy * dy + dz * dz);
            return rr < r_mm * (1 + 0.15 * std::sin(3 * std::atan2(dy, dx)) * std::cos(dz / 10));
        };
        run_set("512x512x300 synthetic CT, lesion box + 5", crop_box(ct, inside, 5), repeats);
    }
    return 0;
}
