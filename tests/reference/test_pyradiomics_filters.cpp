// PyRadiomics 3.1 outputs of its image types (../shared/data/pyradiomics/filters, README there):
// every parameter file on brain1 and breast1 through the whole pipeline (read_pyradiomics_params ->
// load -> extract), every value within relative 1e-6 of PyRadiomics' (absolute 1e-9 where the
// reference is below 1e-9), the bound; and exactly PyRadiomics' set of features (none
// missing, none extra).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {

const std::string kDir = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";

std::map<std::string, double> read_reference(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::map<std::string, double> out;
    std::string line;
    std::getline(in, line);  // feature,value
    while (std::getline(in, line)) {
        const auto comma = line.rfind(',');
        std::string name = line.substr(0, comma);
        // radhpc names the original image's features without the image prefix
        if (name.rfind("original_", 0) == 0) name = name.substr(9);
        out[name] = std::stod(line.substr(comma + 1));
    }
    return out;
}

void check_case(const std::string& params, const std::string& study) {
    INFO(params + " on " + study);
    const auto job = io::read_pyradiomics_params(kDir + "filters/params/" + params + ".yaml");
    const auto input = pipeline::load(kDir + study + "_image.nrrd", kDir + study + "_label.nrrd", job.settings);
    const auto result = pipeline::extract(input, job.settings);
    const auto reference = read_reference(kDir + "filters/" + study + "-" + params + ".csv");
    std::map<std::string, double> got;
    for (const auto& f : result.features) got[f.name] = f.value;
    std::vector<std::string> failures;
    double worst = 0;
    for (const auto& [name, expected] : reference) {
        const auto it = got.find(name);
        if (it == got.end()) {
            failures.push_back(name + ": not computed");
            continue;
        }
        const bool tiny = std::abs(expected) < 1e-9;
        const double err = tiny ? std::abs(it->second - expected) : std::abs(it->second / expected - 1);
        if (!tiny) worst = std::max(worst, err);
        if (!(err <= (tiny ? 1e-9 : 1e-6))) {
            char buf[300];
            std::snprintf(buf, sizeof buf, "%s: got %.12g, PyRadiomics %.12g (%s error %.2e)", name.c_str(), it->second, expected,
                          tiny ? "absolute" : "relative", err);
            failures.push_back(buf);
        }
    }
    std::size_t deprecated = 0;
    for (const auto& [name, value] : got) {
        // radhpc writes firstorder StandardDeviation, which PyRadiomics 3.1 declares deprecated and
        // leaves out of its default feature set (sqrt of Variance, which is compared); every other
        // feature must be one of PyRadiomics'
        if (name.size() >= 28 && name.compare(name.size() - 28, 28, "firstorder_StandardDeviation") == 0) {
            ++deprecated;
            continue;
        }
        if (!reference.count(name)) failures.push_back(name + ": computed, but PyRadiomics has no such feature");
    }
    std::string report;
    for (std::size_t i = 0; i < failures.size() && i < 25; ++i) report += failures[i] + "\n";
    INFO(failures.size() << " of " << reference.size() << " features off; worst relative error of the others " << worst << "\n" << report);
    CHECK(failures.empty());
    CHECK(got.size() - deprecated == reference.size());
}

}  // namespace

TEST_CASE("PyRadiomics image types: LoG on the native grid", "[reference][pyradiomics][filters]") {
    for (const char* study : {"brain1", "breast1"}) check_case("log", study);
}
TEST_CASE("PyRadiomics image types: LoG after B-spline resampling", "[reference][pyradiomics][filters]") {
    for (const char* study : {"brain1", "breast1"}) check_case("log-resampled", study);
}
TEST_CASE("PyRadiomics image types: wavelets (coif1, haar level 2, db2 from level 1, sym3 resampled)", "[reference][pyradiomics][filters]") {
    for (const char* params : {"wavelet", "wavelet-haar-level2", "wavelet-db2-start1", "wavelet-resampled"})
        for (const char* study : {"brain1", "breast1"}) check_case(params, study);
}
TEST_CASE("PyRadiomics image types: Square, SquareRoot, Logarithm, Exponential", "[reference][pyradiomics][filters]") {
    for (const char* study : {"brain1", "breast1"}) check_case("square", study);
}
TEST_CASE("PyRadiomics image types: Gradient with and without spacing", "[reference][pyradiomics][filters]") {
    for (const char* params : {"gradient", "gradient-nospacing"})
        for (const char* study : {"brain1", "breast1"}) check_case(params, study);
}
TEST_CASE("PyRadiomics image types: Original + LoG + Wavelet + Square, resampled and normalised", "[reference][pyradiomics][filters]") {
    for (const char* study : {"brain1", "breast1"}) check_case("combined-ct", study);
}

TEST_CASE("PyRadiomics image types: a job's filters list equals the parameter file", "[reference][pyradiomics][filters]") {
    // log.yaml (imageType LoG sigma [1.0, 2.0, 3.0]; binWidth 25, label 1) written as a job file
    const auto params = io::read_pyradiomics_params(kDir + "filters/params/log.yaml");
    const auto job = io::parse_job_text(
        "version: 1\nprofile: pyradiomics\ninput: {label: 1}\n"
        "preprocess: {discretisation: {method: fixed_bin_size, bin_width: 25}}\nfeatures: {original: false}\n"
        "filters: [{type: log, sigma_mm: 1.0}, {type: log, sigma_mm: 2.0}, {type: log, sigma_mm: 3.0}]\n");
    const auto input = pipeline::load(kDir + "brain1_image.nrrd", kDir + "brain1_label.nrrd", params.settings);
    const auto a = pipeline::extract(input, params.settings).features;
    const auto b = pipeline::extract(input, job.settings).features;
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(a[i].name);
        CHECK(a[i].name == b[i].name);
        CHECK(a[i].value == b[i].value);  // the same settings: the same bits
    }
}
