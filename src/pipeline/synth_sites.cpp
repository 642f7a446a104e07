// radhpc synth --sites K (issue 17): a multi-site cohort whose sites differ in size, intensity offset and
// noise (the rule is documented at SynthSite in synth.hpp and in the cohort's sites.json).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "radhpc/core/error.hpp"
#include "radhpc/core/random.hpp"
#include "radhpc/pipeline/synth.hpp"
#include "synth_internal.hpp"

namespace radhpc::pipeline {

std::vector<SynthSite> site_plan(int studies, int sites, std::uint64_t seed, int per_patient) {
    if (sites < 2 || sites > kMaxSynthSites)
        throw Error(ErrorKind::settings, "synth: --sites must lie in 2.." + std::to_string(kMaxSynthSites) + " (got " + std::to_string(sites) + ")");
    if (studies < 1) throw Error(ErrorKind::settings, "synth: --studies must be positive");
    double harmonic = 0;
    for (int k = 1; k <= sites; ++k) harmonic += 1.0 / (k + 1);
    const int floor_patients = studies >= 40 ? 5 : 1;
    std::vector<SynthSite> plan;
    for (int k = 1; k <= sites; ++k) {
        SynthSite s;
        s.site = k;
        s.seed = detail::stream_seed(seed, 3, std::uint64_t(k));
        s.weight = 1.0 / (k + 1) / harmonic;
        // - 1e-9: a product that is an integer up to rounding is not rounded up once more
        s.patients = std::max(floor_patients, int(std::ceil(studies * s.weight / per_patient - 1e-9)));
        s.studies = per_patient * s.patients;
        s.offset_hu = -30 + 60.0 * (k - 1) / (sites - 1);
        s.noise_sd_hu = 5 + 20.0 * (k % sites) / (sites - 1);
        s.prefix = "s" + std::to_string(k) + "-";
        plan.push_back(s);
    }
    return plan;
}

void apply_site_effect(SynthStudy& study, const SynthSite& site, int index) {
    study.study_id = site.prefix + study.study_id;
    study.patient_id = site.prefix + study.patient_id;
    study.site = site.site;
    SplitMix64 gen{detail::stream_seed(site.seed, 4, std::uint64_t(index))};
    for (auto& v : study.image.data) {
        const double u1 = std::max(gen.uniform(), 1e-300), u2 = gen.uniform();  // Box-Muller, one deviate per voxel
        const double e = std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
        v = std::int16_t(std::clamp(std::lround(double(v) + site.offset_hu + site.noise_sd_hu * e), -1024l, 3071l));
    }
}

namespace detail {

void write_sites_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options) {
    namespace fs = std::filesystem;
    const auto plan = site_plan(studies, options.sites, seed, options.timepoints ? options.timepoints : 2);
    for (const auto& site : plan) write_single_archive((fs::path(out_dir) / ("site-" + std::to_string(site.site))).string(), site.studies, site.seed, options, &site);
    std::ofstream js(fs::path(out_dir) / "sites.json");
    if (!js) throw Error(ErrorKind::io, out_dir + "/sites.json: cannot write");
    int total = 0;
    for (const auto& s : plan) total += s.studies;
    js << "{\n  \"generator\": \"radhpc synth --sites\",\n  \"seed\": " << seed << ",\n  \"studies_requested\": " << studies
       << ",\n  \"studies\": " << total << ",\n  \"sites\": " << plan.size() << ",\n  \"signal\": " << (options.signal ? "true" : "false")
       << (options.timepoints ? ",\n  \"timepoints\": " + std::to_string(options.timepoints) : std::string())
       << ",\n  \"layout\": \"site-<k>/manifest.csv (paths relative to it; study and patient IDs prefixed s<k>-; last column site = "
          "site-<k>)" << (options.signal ? ", site-<k>/signal.json (the site's truth, same model at every site)" : "")
       << (options.timepoints ? ", site-<k>/timepoints.json (the site's longitudinal truth)" : "") << "\",\n"
       << "  \"size_rule\": \"w_k = (1/(k+1)) / sum_j 1/(j+1); patients_k = max(floor, ceil(studies_requested w_k / 2)), floor = 5 "
          "when studies_requested >= 40 else 1; " << (options.timepoints ? "T = " + std::to_string(options.timepoints) + " studies per patient (--timepoints) in place of 2"
                                             : "two studies per patient (--size clinical: one, so 2 patients_k patients)") << "\",\n"
       << "  \"effect\": \"every voxel of every image of site k: HU' = clamp(round(HU + offset_hu + noise_sd_hu e), -1024, 3071), "
          "e ~ N(0,1) per voxel, added to the study's own noise (sd 8-25 HU); offset_hu = -30 + 60 (k-1)/(K-1), noise_sd_hu = 5 + "
          "20 (k mod K)/(K-1)\",\n"
       << "  \"site_list\": [\n";
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const auto& s = plan[i];
        js << "    {\"site\": " << s.site << ", \"folder\": \"site-" << s.site << "\", \"id_prefix\": \"" << s.prefix << "\", \"seed\": " << s.seed
           << ", \"weight\": " << num(s.weight) << ", \"patients\": " << s.patients << ", \"studies\": " << s.studies
           << ", \"offset_hu\": " << num(s.offset_hu) << ", \"noise_sd_hu\": " << num(s.noise_sd_hu) << "}" << (i + 1 < plan.size() ? ",\n" : "\n");
    }
    js << "  ]\n}\n";
}

}  // namespace detail
}  // namespace radhpc::pipeline
