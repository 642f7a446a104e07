// Filtered images (issue 15): the IBSI 2 phase-2 set on the IBSI CT phantom (jobs/ibsi2/phase2-<ID>.yaml,
// time per configuration, read excluded, best of R) and the cost of each filter family on a synthetic
// ~100k-voxel CT lesion at 1 mm (the 18 stat features of one filtered image; the unfiltered run is the
// baseline the ratios are taken against).
//   perf_bench_filters [--threads N] [--repeats R] [--set phase2|families|all]
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/pipeline/synth.hpp"

using namespace radhpc;

namespace {

double best_of(const pipeline::LesionInput& in, const Settings& s, int repeats, std::size_t& n_features) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto res = pipeline::extract(in, s);
        best = std::min(best, res.timings.total_s);
        n_features = res.features.size();
    }
    return best;
}

void phase2(int repeats) {
    const std::string d = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/nifti/";
    std::printf("# IBSI 2 phase 2 on the IBSI CT phantom (jobs/ibsi2), seconds per configuration (best of %d, read excluded)\n", repeats);
    double total = 0;
    for (const char* id : {"1.A", "1.B", "2.A", "2.B", "3.A", "3.B", "4.A", "4.B", "5.A", "5.B", "6.A", "6.B", "7.A", "7.B", "8.A",
                           "8.B", "9.A", "9.B"}) {
        const auto job = io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi2/phase2-" + id + ".yaml");
        const auto in = pipeline::load(d + "image/phantom.nii.gz", d + "mask/mask.nii.gz", job.settings);
        std::size_t n = 0;
        const double t = best_of(in, job.settings, repeats, n);
        total += t;
        std::printf("phase2 %-4s %8.3f s  (%zu features)\n", id, t, n);
        std::fflush(stdout);
    }
    std::printf("phase2 total %8.3f s\n", total);
}

void families(int repeats) {
    const auto st = pipeline::make_lesion_phantom(7, 100000);
    pipeline::LesionInput in;
    in.image = Image(st.image.geometry);
    for (std::size_t i = 0; i < st.image.data.size(); ++i) in.image.data[i] = st.image.data[i];
    in.mask = st.labels;
    std::size_t roi = 0;
    for (auto v : in.mask.data) roi += v != 0;
    const std::string base = "profile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\nfeatures: {families: [stat]";
    struct Case {
        const char* name;
        const char* filter;
    };
    const std::vector<Case> cases{
        {"unfiltered", ""},
        {"mean 5^3", "{name: f, type: mean, support: 5}"},
        {"LoG sigma 2 mm 3D", "{name: f, type: log, sigma_mm: 2}"},
        {"LoG sigma 5 mm 3D", "{name: f, type: log, sigma_mm: 5}"},
        {"Laws L5E5E5", "{name: f, type: laws, kernel: L5E5E5}"},
        {"Laws L5E5E5 RI(24) energy 7", "{name: f, type: laws, kernel: L5E5E5, rotation_invariant: true, energy_distance: 7}"},
        {"Gabor axial, 8 thetas, R 30", "{name: f, type: gabor, sigma_mm: 5, lambda_mm: 2, gamma: 1.5, theta_step_deg: 22.5, support_radius: 30}"},
        {"Gabor 3 planes, 8 thetas, R 30",
         "{name: f, type: gabor, sigma_mm: 5, lambda_mm: 2, gamma: 1.5, theta_step_deg: 22.5, orthogonal_planes: true, support_radius: 30}"},
        {"wavelet db3 LLH L1", "{name: f, type: wavelet, wavelet: db3, subband: LLH}"},
        {"wavelet db3 LLH L1 RI(24)", "{name: f, type: wavelet, wavelet: db3, subband: LLH, rotation_invariant: true}"},
        {"wavelet db3 HHH L2 RI(24)", "{name: f, type: wavelet, wavelet: db3, subband: HHH, level: 2, rotation_invariant: true}"},
        {"Simoncelli L1 3D periodic (whole image)", "{name: f, type: simoncelli, level: 1, boundary: periodic}"},
        {"Simoncelli L1 3D mirror (whole image)", "{name: f, type: simoncelli, level: 1, boundary: mirror}"},
        {"Riesz (1,0,0) of LoG sigma 3 mm (whole image)", "{name: f, type: riesz, base: log, sigma_mm: 3, order: [1, 0, 0], boundary: zero}"},
        {"Riesz (0,2,0) of Simoncelli L1 mirror (whole image)", "{name: f, type: riesz, base: simoncelli, order: [0, 2, 0], boundary: mirror}"},
    };
    std::printf("# filter families on a synthetic CT lesion: ROI %zu voxels, image %zux%zux%zu at %.2g mm; 18 stat features of one image\n",
                roi, in.image.nx(), in.image.ny(), in.image.nz(), in.image.geometry.spacing[0]);
    double t0 = 0;
    for (const auto& c : cases) {
        std::string job = base + (*c.filter ? ", original: false}\nfilters: [" + std::string(c.filter) + "]\n" : "}\n");
        const Settings s = io::parse_job_text(job).settings;
        std::size_t n = 0;
        const double t = best_of(in, s, repeats, n);
        if (!*c.filter) t0 = t;
        std::printf("family %-42s %8.3f s  %7.1f x unfiltered\n", c.name, t, t / t0);
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 1, repeats = 1;
    std::string set = "all";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) repeats = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--set") && i + 1 < argc) set = argv[++i];
    }
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
    std::printf("# %d thread(s)\n", threads);
    if (set == "phase2" || set == "all") phase2(repeats);
    if (set == "families" || set == "all") families(repeats);
    return 0;
}
