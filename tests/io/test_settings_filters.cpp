// The job file's `filters` list and features.original (issue 15): parsed into typed FilterSettings,
// and checked as strictly as the rest of the job - an unknown key, a key another filter type takes,
// a bad value or a missing parameter is Error(settings) naming the key.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/io/settings_io.hpp"

using radhpc::Error;
using radhpc::ErrorKind;

namespace {

std::string job_error(const std::string& filters, const std::string& extra = "features: {original: false}\n") {
    try {
        radhpc::io::parse_job_text("version: 1\n" + extra + "filters: " + filters + "\n", "job.yaml");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::settings);
        return e.what();
    }
    return "";
}
bool has(const std::string& msg, const std::string& part) { return msg.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("job file: filters are parsed into typed settings", "[settings][filters]") {
    const auto job = radhpc::io::parse_job_text(
        "version: 1\nfeatures: {original: false}\nfilters: [{name: log2, type: log, sigma_mm: 2}, "
        "{name: laws, type: laws, kernel: L5E5E5, energy_distance: 7, pooling: max, rotation_invariant: true, boundary: mirror}, "
        "{name: w, type: wavelet, wavelet: db3, subband: llh, level: 2, rotation_invariant: true, pooling: mean, dim: 3D}, "
        "{name: g, type: gabor, sigma_mm: 5, lambda_mm: 2, gamma: 1.5, theta_step_deg: 22.5, orthogonal_planes: true, boundary: zero}, "
        "{name: m, type: mean, support: 5, dim: 2D, boundary: periodic}, {name: s, type: simoncelli, level: 2}, "
        "{name: r, type: riesz, base: log, sigma_mm: 3, order: [1, 0, 0], boundary: zero}, "
        "{name: rs, type: riesz, base: simoncelli, level: 2, order: [0, 2, 0]}]\n");
    const auto& f = job.settings.filters;
    REQUIRE(f.size() == 8);
    CHECK(!job.settings.features.original);
    CHECK(f[0].kind == radhpc::FilterKind::log);
    CHECK(f[0].sigma_mm == 2.0);
    CHECK(f[0].truncation == 4.0);
    CHECK(f[0].boundary == radhpc::FilterBoundary::mirror);  // the default
    CHECK(f[1].kernel == "L5E5E5");
    CHECK(f[1].energy_distance == 7);
    CHECK(f[1].rotation_invariant);
    CHECK(f[1].pooling == radhpc::FilterPooling::max);
    CHECK(f[2].subband == "LLH");
    CHECK(f[2].level == 2);
    CHECK(f[2].pooling == radhpc::FilterPooling::mean);
    CHECK(f[3].kind == radhpc::FilterKind::gabor);
    CHECK(f[3].theta_step_deg == 22.5);
    CHECK(f[3].orthogonal_planes);
    CHECK(f[3].boundary == radhpc::FilterBoundary::zero);
    CHECK(f[4].support == 5);
    CHECK(!f[4].dim3d);
    CHECK(f[4].boundary == radhpc::FilterBoundary::periodic);
    CHECK(f[5].kind == radhpc::FilterKind::simoncelli);
    CHECK(f[6].kind == radhpc::FilterKind::riesz);
    CHECK(f[6].riesz_base == radhpc::FilterKind::log);
    CHECK(f[6].sigma_mm == 3.0);
    CHECK(f[6].truncation == 4.0);
    CHECK(f[6].riesz_order == std::array<int, 3>{1, 0, 0});
    CHECK(f[7].riesz_base == radhpc::FilterKind::simoncelli);
    CHECK(f[7].level == 2);
    CHECK(f[7].riesz_order == std::array<int, 3>{0, 2, 0});
    // without the key: the original image only
    const auto plain = radhpc::io::parse_job_text("version: 1\n");
    CHECK(plain.settings.filters.empty());
    CHECK(plain.settings.features.original);
}

TEST_CASE("job file: filters are refused naming the key", "[settings][filters]") {
    CHECK(job_error("[{name: a, type: log, sigma_mm: 2}]") == "");
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: 2, sigma: 3}]"), "filters[0].sigma: unknown key"));
    CHECK(has(job_error("[{name: a, type: median, support: 3}]"), "filters[0].type"));
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: 2, boundary: reflect}]"), "filters[0].boundary"));
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: -2}]"), "filters[0].sigma_mm"));
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: .nan}]"), "filters[0].sigma_mm"));
    CHECK(has(job_error("[{name: a, type: log}]"), "filters[0].sigma_mm: missing"));
    CHECK(has(job_error("[{type: log, sigma_mm: 2}]"), "filters[0].name: missing"));  // the ibsi profile needs it
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: 2, kernel: L5E5E5}]"), "filters[0].kernel: not a parameter of a 'log' filter"));
    CHECK(has(job_error("[{name: a, type: mean, support: 4}]"), "filters[0].support: must be odd"));
    CHECK(has(job_error("[{name: a, type: laws, kernel: L5E5}]"), "filters[0].kernel"));           // 2 kernels for a 3D filter
    CHECK(has(job_error("[{name: a, type: laws, kernel: L5X5, dim: 2D}]"), "filters[0].kernel"));  // no such kernel
    CHECK(has(job_error("[{name: a, type: wavelet, wavelet: db99, subband: LLH}]"), "filters[0].wavelet: unknown wavelet"));
    CHECK(has(job_error("[{name: a, type: wavelet, wavelet: db3, subband: LLX}]"), "filters[0].subband"));
    CHECK(has(job_error("[{name: a, type: wavelet, wavelet: db3, subband: LLH, dim: 2D}]"), "filters[0].subband"));
    CHECK(has(job_error("[{name: a, type: wavelet, wavelet: db3, subband: LLH, level: 0}]"), "filters[0].level"));
    CHECK(has(job_error("[{name: a, type: gabor, sigma_mm: 5, lambda_mm: 2, dim: 3D}]"), "filters[0].dim: not a parameter of a 'gabor'"));
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: 2}, {name: a, type: mean, support: 3}]"), "filters[1].name: 'a' is used"));
    // Riesz: a base, an order of 3 components, the base's own parameters only, 3D only
    CHECK(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3, order: [0, 2, 0]}]") == "");
    CHECK(has(job_error("[{name: a, type: riesz, sigma_mm: 3, order: [1, 0, 0]}]"), "filters[0].base: missing"));
    CHECK(has(job_error("[{name: a, type: riesz, base: gabor, order: [1, 0, 0]}]"), "filters[0].base"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, order: [1, 0, 0]}]"), "filters[0].sigma_mm: missing"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3}]"), "filters[0].order: missing"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3, order: [1, 0]}]"), "filters[0].order"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3, order: [0, 0, 0]}]"), "filters[0].order: (0, 0, 0) is no transform"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3, order: [-1, 0, 0]}]"), "filters[0].order"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3, level: 2, order: [1, 0, 0]}]"), "filters[0].level: not a parameter"));
    CHECK(has(job_error("[{name: a, type: riesz, base: simoncelli, sigma_mm: 3, order: [1, 0, 0]}]"), "filters[0].sigma_mm: not a parameter"));
    CHECK(has(job_error("[{name: a, type: riesz, base: log, sigma_mm: 3, order: [1, 0, 0], dim: 2D}]"), "filters[0].dim: not a parameter"));
    CHECK(has(job_error("[{type: riesz, base: log, sigma_mm: 3, order: [1, 0, 0]}]", "profile: pyradiomics\n"), "filters[0].type"));
    CHECK(has(job_error("[{name: 'a b', type: log, sigma_mm: 2}]"), "filters[0].name"));
    CHECK(has(job_error("{name: a, type: log, sigma_mm: 2}"), "filters: expected array"));
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: 2}]", "features: {original: 1.5}\n"), "features.original"));
    // nothing left to compute on
    CHECK(has(job_error("[]"), "features.original"));
    // the pyradiomics profile: PyRadiomics' image types and names, no `name`, no IBSI-only type
    CHECK(has(job_error("[{name: a, type: log, sigma_mm: 2}]", "profile: pyradiomics\n"), "filters[0].name"));
    CHECK(has(job_error("[{type: laws, kernel: L5E5E5}]", "profile: pyradiomics\n"), "filters[0].type"));
    CHECK(has(job_error("[{type: gradient, subband: LLH}]", "profile: pyradiomics\n"), "filters[0].subband"));
    CHECK(has(job_error("[{type: log, sigma_mm: 2}, {type: log, sigma_mm: 2}]", "profile: pyradiomics\n"), "filters[1].type"));
    CHECK(has(job_error("[{type: log, sigma_mm: 2}]"), "filters[0].name"));  // the ibsi profile needs it
}

TEST_CASE("job file: the pyradiomics profile's filters are PyRadiomics' image types", "[settings][filters]") {
    const auto job = radhpc::io::parse_job_text(
        "version: 1\nprofile: pyradiomics\nfilters: [{type: log, sigma_mm: 2}, {type: log, sigma_mm: 1.5}, "
        "{type: wavelet, wavelet: haar, start_level: 1, level: 2}, {type: square}, {type: gradient, use_spacing: false}, "
        "{type: lbp2d, radius: 2, samples: 12, method: ror}]\n");
    const auto& f = job.settings.filters;
    REQUIRE(f.size() == 6);
    CHECK(job.settings.features.original);
    CHECK(f[0].name == "log-sigma-2-mm-3D");  // PyRadiomics: str(2)
    CHECK(f[1].name == "log-sigma-1-5-mm-3D");
    CHECK(f[2].kind == radhpc::FilterKind::wavelet);
    CHECK(f[2].start_level == 1);
    CHECK(f[2].level == 2);
    CHECK(f[3].kind == radhpc::FilterKind::square);
    CHECK(!f[4].gradient_use_spacing);
    CHECK(f[5].lbp_samples == 12);
    CHECK(f[5].lbp_method == "ror");
}

TEST_CASE("PyRadiomics parameter file: Wavelet level and start_level are bounded like the job schema", "[settings][filters]") {
    namespace fs = std::filesystem;
    const auto params_error = [](const std::string& yaml) -> std::string {
        const fs::path p = fs::temp_directory_path() / ("radhpc_wavelet_params_" + std::to_string(::getpid()) + ".yaml");
        std::ofstream(p) << yaml;
        std::string msg;
        try {
            radhpc::io::read_pyradiomics_params(p.string());
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::settings);
            msg = e.what();
        }
        fs::remove(p);
        return msg;
    };
    CHECK(params_error("imageType: {Wavelet: {level: 16, start_level: 16}}\n") == "");
    CHECK(has(params_error("imageType: {Wavelet: {level: 1000000}}\n"), "imageType.Wavelet.level"));
    CHECK(has(params_error("imageType: {Wavelet: {}}\nsetting: {level: 17}\n"), "imageType.Wavelet.level"));
    CHECK(has(params_error("imageType: {Wavelet: {level: 0}}\n"), "imageType.Wavelet.level"));
    CHECK(has(params_error("imageType: {Wavelet: {start_level: 17}}\n"), "imageType.Wavelet.start_level"));
    CHECK(has(params_error("imageType: {Wavelet: {start_level: -1}}\n"), "imageType.Wavelet.start_level"));
    CHECK(has(params_error("imageType: {Wavelet: {wavelet: db99}}\n"), "imageType.Wavelet.wavelet: unknown wavelet 'db99'"));
    // the job reader: the same check and message
    CHECK(has(job_error("[{type: wavelet, wavelet: db99}]", "profile: pyradiomics\n"), "filters[0].wavelet: unknown wavelet 'db99'"));
}
