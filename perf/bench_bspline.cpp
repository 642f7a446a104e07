// Cubic B-spline resampling: ITK's path (preprocess::resample_image, pyradiomics profile: SimpleITK's
// ResampleImageFilter + BSplineInterpolateImageFunction, then the cast to the input pixel type) against
// the own resampler (preprocess::bspline_resample_itk + the same cast), on the CT-TIME lesion: the IBSI
// CT phantom, GTV box + PyRadiomics padDistance 5, 1 x 1 x 1 mm. Best of R runs per thread count;
// the outputs are compared voxel by voxel (they must be bit-identical).
//   perf_bench_bspline [--repeats R] [--own-only]   (--own-only: skip ITK, for profiling)
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "radhpc/core/roi.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/bspline.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;
using Clock = std::chrono::steady_clock;

namespace {

void cast(Image& im, const PixelType& p) {
    if (p.integer)
        for (double& v : im.data) v = std::trunc(std::clamp(v, p.min, p.max));
}

template <class F>
double best_of(int repeats, F&& f) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    int repeats = 5;
    bool own_only = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--own-only")) own_only = true;
    }
    const std::string d = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/nifti/";
    PixelType pixel;
    const Image image = io::read_image(d + "image/phantom.nii.gz", &pixel);
    const Mask mask = io::read_label_mask(d + "mask/mask.nii.gz", 1);
    const BoundingBox box = *bounding_box(mask);  // the GTV is not empty
    const Index3 lo = box.lo, hi = box.hi;
    const Geometry target = preprocess::pyradiomics_resampled_geometry(image.geometry, {1, 1, 1}, lo, hi, 5);
    std::printf("# CT-TIME B-spline resampling: input %zux%zux%zu, output %zux%zux%zu (%zu voxels), best of %d\n",
                image.geometry.size[0], image.geometry.size[1], image.geometry.size[2], target.size[0], target.size[1],
                target.size[2], target.voxel_count(), repeats);
    std::printf("%-8s %12s %12s %10s %22s\n", "threads", "itk_ms", "own_ms", "speedup", "identical_voxels");
    for (int threads : {1, 2}) {
        tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
        Image ref, own;
        const double t_itk = best_of(own_only ? 0 : repeats, [&] {
            ref = preprocess::itk_reference::resample(image, target);
            cast(ref, pixel);
        });
        const double t_own = best_of(repeats, [&] {
            own = preprocess::bspline_resample_itk(image, target);
            cast(own, pixel);
        });
        // the decomposition part of the own resampler alone: the GTV box (+ the padding) in input indices
        Index3 blo, bhi;
        for (int a = 0; a < 3; ++a) {
            const Vec3 o = image.geometry.point_to_index(target.origin);
            blo[a] = std::int64_t(std::floor(o[a])) - 1;
            bhi[a] = std::int64_t(std::ceil(o[a] + double(target.size[a]) * target.spacing[a] / image.geometry.spacing[a])) + 2;
        }
        const double t_coef = best_of(repeats, [&] { preprocess::CubicBSplineCoefficients c(image, blo, bhi); });
        std::printf("#   own decomposition alone (box %lldx%lldx%lld): %.1f ms\n", (long long)(bhi[0] - blo[0] + 1),
                    (long long)(bhi[1] - blo[1] + 1), (long long)(bhi[2] - blo[2] + 1), 1e3 * t_coef);
        preprocess::detail::bspline_allow_avx2(false);
        Image own_sse2;
        const double t_sse2 = best_of(repeats, [&] { own_sse2 = preprocess::bspline_resample_itk(image, target); });
        preprocess::detail::bspline_allow_avx2(true);
        std::printf("#   own without AVX2 (baseline SSE2 kernel, before the cast): %.1f ms; AVX2 kernel in use: %s\n", 1e3 * t_sse2,
                    preprocess::detail::bspline_avx2_active() ? "yes" : "no");
        std::size_t same = 0;
        for (std::size_t i = 0; i < std::min(ref.data.size(), own.data.size()); ++i) same += ref.data[i] == own.data[i];
        if (own_only) std::printf("%-8d %12s %12.1f\n", threads, "-", 1e3 * t_own);
        else std::printf("%-8d %12.1f %12.1f %10.1f %12zu/%zu\n", threads, 1e3 * t_itk, 1e3 * t_own, t_itk / t_own, same, ref.data.size());
    }
    // The ibsi profile's B-spline (resample.cpp ibsi_bspline: ITK's interpolator per voxel at positions
    // clamped into the image, single-threaded) on the same lesion box at 1 mm, against
    // bspline_sample_separable with the same positions.
    {
        const Geometry full = preprocess::ibsi_resampled_geometry(image.geometry, {1, 1, 1});
        const Vec3 o = image.geometry.point_to_index(full.origin);
        Index3 flo;
        Size3 size;
        std::array<std::vector<double>, 3> pos;
        for (int a = 0; a < 3; ++a) {
            const double step = full.spacing[a] / image.geometry.spacing[a];
            flo[a] = std::max<std::int64_t>(0, std::int64_t(std::floor((double(lo[a]) - o[a]) / step)) - 5);
            const std::int64_t fhi = std::min<std::int64_t>(std::int64_t(full.size[a]) - 1, std::int64_t(std::ceil((double(hi[a]) - o[a]) / step)) + 5);
            size[a] = std::size_t(fhi - flo[a] + 1);
            for (std::size_t k = 0; k < size[a]; ++k)
                pos[a].push_back(std::clamp(o[a] + double(flo[a] + std::int64_t(k)) * step, 0.0, double(image.geometry.size[a] - 1)));
        }
        for (int threads : {1, 2}) {
            tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
            Image ref, own;
            const double t_itk = best_of(own_only ? 0 : repeats, [&] { ref = preprocess::itk_reference::sample(image, pos, preprocess::sub_grid(full, flo, {flo[0] + std::int64_t(size[0]) - 1, flo[1] + std::int64_t(size[1]) - 1, flo[2] + std::int64_t(size[2]) - 1})); });
            const double t_own = best_of(repeats, [&] {
                own = preprocess::bspline_sample_separable(image, pos, preprocess::sub_grid(full, flo, {flo[0] + std::int64_t(size[0]) - 1,
                                                                                                       flo[1] + std::int64_t(size[1]) - 1,
                                                                                                       flo[2] + std::int64_t(size[2]) - 1}),
                                                           false);
            });
            std::size_t same = 0;
            for (std::size_t i = 0; i < std::min(ref.data.size(), own.data.size()); ++i) same += ref.data[i] == own.data[i];
            std::printf("ibsi profile, %zu voxels, %d thread(s): itk %.1f ms, own %.1f ms, speed-up %.1f, identical %zu/%zu\n",
                        own.data.size(), threads, 1e3 * t_itk, 1e3 * t_own, t_itk / t_own, same, ref.data.size());
        }
    }
    return 0;
}
