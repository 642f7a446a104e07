// Archive-scale benchmark (issue 12): a full-size synthetic clinical CT (radhpc synth --size clinical:
// 512x512, hundreds of slices, several lesions + one organ-sized ROI), every ROI extracted
//  (a) from the whole study image (what radhpc run and radhpc extract do), and
//  (b) from the ROI's crop saved as its own small image (box + 8 voxels: the cost floor),
// per configuration. Prints time per ROI for both and their ratio (target <= 1.2), the whole-study
// time, and peak RSS against the image's native (int16) bytes. With B-spline resampling (ct_time) also
// (a) with the prefilter over whole image lines (bspline_allow_windows(false), the pre-window path; the
// same bits) and its ratio to (a): the windows' speed-up in the same process.
//   perf_bench_archive [--study I] [--config A|C|ct_time|all] [--threads N]
#include <sys/resource.h>
#include <tbb/global_control.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "radhpc/core/roi.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/pipeline/synth.hpp"
#include "radhpc/preprocess/bspline.hpp"

using namespace radhpc;
using Clock = std::chrono::steady_clock;

namespace {

Settings settings_of(const std::string& config) {
    if (config == "ct_time")
        return io::parse_job_text("profile: pyradiomics\n"
                                  "preprocess:\n  resample: {spacing: [1, 1, 1], interpolation: bspline}\n"
                                  "  resegment: {min: -100, max: 300}\n  discretisation: {method: fixed_bin_size, bin_width: 25}\n"
                                  "features: {families: [firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm]}\n")
            .settings;
    Settings s = io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/config-" + config + ".yaml").settings;
    return s;
}

double best_of(int repeats, const pipeline::LesionInput& in, const Settings& s) {
    double best = 1e300;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        (void)pipeline::extract(in, s);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    int study = 0, threads = 1;
    std::string config = "all";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--study") && i + 1 < argc) study = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
        else if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    }
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
    const auto t_synth = Clock::now();
    const auto st = pipeline::make_clinical_study(1, study);
    std::printf("# study %s: %zux%zux%zu, spacing %.3f x %.3f x %.2f mm, %zu ROIs; synthesised in %.1f s; %d thread(s)\n",
                st.study_id.c_str(), st.image.nx(), st.image.ny(), st.image.nz(), st.image.geometry.spacing[0],
                st.image.geometry.spacing[1], st.image.geometry.spacing[2], st.lesions.size(),
                std::chrono::duration<double>(Clock::now() - t_synth).count(), threads);
    SourceImage source;  // as load() and the batch worker keep a CT: int16
    source.i16 = std::make_shared<const Volume<std::int16_t>>(st.image);
    const double native_mb = double(st.image.data.size()) * 2 / 1048576.0;
    // the batch worker's one pass over the label map per study: every label's box
    const auto t_pass = Clock::now();
    std::vector<int> wanted;
    for (const auto& lesion : st.lesions) wanted.push_back(lesion.label);
    const auto boxes = label_boxes(st.labels, wanted);
    std::printf("# per-study label pass (boxes of every ROI): %.3f s\n", std::chrono::duration<double>(Clock::now() - t_pass).count());
    std::vector<std::string> configs = config == "all" ? std::vector<std::string>{"A", "C", "ct_time"} : std::vector<std::string>{config};
    for (const auto& c : configs) {
        Settings s = settings_of(c);
        double full_total = 0, crop_total = 0, lines_total = 0;
        const bool bspline = s.resample.enabled && s.resample.image_interpolation == Interpolation::bspline;
        std::printf("%-8s %6s %10s %10s %10s %7s %12s %9s\n", "config", "label", "voxels", "full_s", "crop_s", "ratio", "wholelines_s",
                    "speedup");
        for (const auto& lesion : st.lesions) {
            pipeline::LesionInput full;
            full.source = source;
            full.pixel_type = {true, -32768, 32767};
            full.mask = Mask(st.labels.geometry, 0);
            for (std::size_t i = 0; i < st.labels.data.size(); ++i) full.mask.data[i] = st.labels.data[i] == lesion.label;
            const BoundingBox box = *boxes.at(lesion.label);
            full.mask_box = box;
            pipeline::LesionInput cropped;
            cropped.image = to_double(crop(*source.i16, box, 8, true));
            cropped.mask = crop(full.mask, box, 8, true);
            cropped.pixel_type = full.pixel_type;
            const int repeats = 2;  // best of 2: the first run of a large ROI also pays the first touch of fresh memory
            double tf = 0, tc = 0, tl = 0;
            try {
                // whole lines first: a one-repeat ROI's first run also pays the first touch of fresh memory
                if (bspline) {
                    preprocess::detail::bspline_allow_windows(false);
                    tl = best_of(repeats, full, s);
                    preprocess::detail::bspline_allow_windows(true);
                }
                tf = best_of(repeats, full, s);
                tc = best_of(repeats, cropped, s);
            } catch (const std::exception& e) {
                std::printf("%-8s %6d %10zu  error: %s\n", c.c_str(), lesion.label, lesion.voxels, e.what());
                continue;
            }
            full_total += tf;
            crop_total += tc;
            lines_total += tl;
            std::printf("%-8s %6d %10zu %10.4f %10.4f %7.2f %12.4f %9.2f\n", c.c_str(), lesion.label, lesion.voxels, tf, tc, tf / tc, tl,
                        tl / tf);
            std::fflush(stdout);
        }
        std::printf("%-8s %6s %10s %10.4f %10.4f %7.2f %12.4f %9.2f   (whole study, %zu ROIs)\n", c.c_str(), "all", "", full_total,
                    crop_total, full_total / crop_total, lines_total, lines_total / full_total, st.lesions.size());
    }
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("# peak RSS %.0f MB; the image's native int16 bytes %.0f MB (ratio %.2f; this benchmark also holds the synthetic "
                "study's labels and one full-size mask)\n",
                ru.ru_maxrss / 1024.0, native_mb, ru.ru_maxrss / 1024.0 / native_mb);
    return 0;
}
