// Settings validated as strictly as inputs (issue 13): NaN, infinities, reversed ranges, negative
// spacing, unknown names and values yaml-cpp cannot convert are Error(settings) naming the key --
// never accepted, never another exception type.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/io/settings_io.hpp"

using radhpc::Error;
using radhpc::ErrorKind;
namespace fs = std::filesystem;

namespace {

// The message of the settings error `f` throws ("" when it throws nothing; another exception type fails).
template <class F>
std::string settings_error(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::settings);
        return e.what();
    }
    return "";
}

std::string job_error(const std::string& yaml) {
    return settings_error([&] { radhpc::io::parse_job_text(yaml, "job.yaml"); });
}

std::string params_error(const std::string& yaml) {
    const fs::path p = fs::temp_directory_path() / ("radhpc_params_" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(p) << yaml;
    const std::string msg = settings_error([&] { radhpc::io::read_pyradiomics_params(p.string()); });
    fs::remove(p);
    return msg;
}

bool has(const std::string& msg, const std::string& part) { return msg.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("job file: NaN and infinities are refused naming the key", "[settings]") {
    CHECK(job_error("version: 1\n") == "");
    CHECK(has(job_error("version: 1\ninput: {geometry_tolerance: .nan}\n"), "input.geometry_tolerance"));
    CHECK(has(job_error("version: 1\npreprocess: {resample: {spacing: [1, .nan, 1]}}\n"), "preprocess.resample.spacing[1]"));
    CHECK(has(job_error("version: 1\npreprocess: {resegment: {outlier_sigma: .NaN}}\n"), "preprocess.resegment.outlier_sigma"));
    CHECK(has(job_error("version: 1\nfeatures: {ngldm_alpha: .nan}\n"), "features.ngldm_alpha"));
    CHECK(has(job_error("version: 1\nfeatures: {voxel_array_shift: .inf}\n"), "features.voxel_array_shift"));
    CHECK(has(job_error("version: 1\npreprocess: {resegment: {min: -.inf}}\n"), "preprocess.resegment.min"));
    CHECK(has(job_error("version: 1\npreprocess: {resegment: {min: -.inf}}\n"), "finite"));
}

TEST_CASE("job file: reversed ranges are refused naming the key", "[settings]") {
    CHECK(job_error("version: 1\npreprocess: {resegment: {min: -10, max: 10}}\n") == "");
    CHECK(has(job_error("version: 1\npreprocess: {resegment: {min: 10, max: -10}}\n"), "preprocess.resegment"));
    CHECK(has(job_error("version: 1\npreprocess: {resegment: {min: 10, max: -10}}\n"), "reversed"));
    CHECK(has(job_error("version: 1\npreprocess: {ivh: {method: fixed_bin_size, bin_width: 1, min_bound: 5, max_bound: 1}}\n"),
              "preprocess.ivh"));
    CHECK(has(job_error("version: 1\nqc: {slice_thickness: {min: 5, max: 1}}\n"), "qc.slice_thickness"));
}

TEST_CASE("job file: values yaml-cpp cannot convert are Error(settings) naming the key", "[settings]") {
    // an integer the schema accepts but int cannot hold
    CHECK(has(job_error("version: 1\ninput: {label: 99999999999}\n"), "input.label"));
    CHECK(has(job_error("version: 1\nfeatures: {distances: [1, 99999999999]}\n"), "features.distances"));
    // a double beyond long long (was undefined behaviour in the integer check)
    CHECK(has(job_error("version: 1\ninput: {label: 1.0e300}\n"), "input.label"));
    // a list used as a mapping key
    CHECK(has(job_error("version: 1\n? [a, b]\n: 1\n"), "key"));
}

TEST_CASE("PyRadiomics parameters: NaN, infinities and negative spacing are refused naming the key", "[settings]") {
    CHECK(params_error("setting: {binWidth: 25, resampledPixelSpacing: [1, 1, 0]}\n") == "");  // 0 = keep that axis
    CHECK(has(params_error("setting: {binWidth: .nan}\n"), "setting.binWidth"));
    CHECK(has(params_error("setting: {binWidth: -.inf}\n"), "setting.binWidth"));
    CHECK(has(params_error("setting: {binWidth: -2}\n"), "setting.binWidth"));
    CHECK(has(params_error("setting: {binCount: -1}\n"), "setting.binCount"));
    CHECK(has(params_error("setting: {resampledPixelSpacing: [1, -1, 1]}\n"), "setting.resampledPixelSpacing"));
    CHECK(has(params_error("setting: {resampledPixelSpacing: [1, .nan, 1]}\n"), "setting.resampledPixelSpacing"));
    CHECK(has(params_error("setting: {voxelArrayShift: .inf}\n"), "setting.voxelArrayShift"));
    CHECK(has(params_error("setting: {geometryTolerance: .nan}\n"), "setting.geometryTolerance"));
    CHECK(has(params_error("setting: {normalizeScale: .nan}\n"), "setting.normalizeScale"));
}

TEST_CASE("PyRadiomics parameters: a reversed resegmentRange is refused, not sorted", "[settings]") {
    CHECK(params_error("setting: {resegmentRange: [-10, 10]}\n") == "");
    const auto msg = params_error("setting: {resegmentRange: [10, -10]}\n");
    CHECK(has(msg, "setting.resegmentRange"));
    CHECK(has(msg, "reversed"));
}

TEST_CASE("PyRadiomics parameters: unknown feature names are refused naming the class", "[settings]") {
    CHECK(params_error("featureClass:\n  glcm: [Autocorrelation, JointEntropy]\n  firstorder:\n") == "");
    const auto msg = params_error("featureClass:\n  glcm: [Autocorrelation, NoSuchFeature]\n");
    CHECK(has(msg, "featureClass.glcm"));
    CHECK(has(msg, "NoSuchFeature"));
    CHECK(has(params_error("featureClass:\n  glcm: {a: 1}\n"), "featureClass.glcm"));
}

TEST_CASE("PyRadiomics parameters: malformed structure is Error(settings), not a yaml-cpp exception", "[settings]") {
    CHECK(has(params_error("setting: {label: 1.5}\n"), "setting.label"));
    CHECK(has(params_error("setting: [1, 2]\n"), "setting"));
    CHECK(has(params_error("imageType: [Original]\n"), "imageType"));
    CHECK(has(params_error("featureClass: [glcm]\n"), "featureClass"));
    CHECK(has(params_error("? [a]\n: 1\n"), "key"));
    CHECK(has(params_error("setting: {distances: 3}\n"), "setting.distances"));
}

TEST_CASE("the repository's job files still pass the stricter checks", "[settings]") {
    std::size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(RADHPC_SOURCE_DIR) / "jobs")) {
        if (e.path().extension() != ".yaml") continue;
        INFO(e.path().string());
        CHECK_NOTHROW(radhpc::io::read_job_file(e.path().string()));
        ++n;
    }
    CHECK(n >= 10);
}
