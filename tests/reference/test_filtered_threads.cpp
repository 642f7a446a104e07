// A lesion's images (the original, each LoG sigma, the wavelet's stream of sub-bands; each IBSI 2
// filter) run as side-by-side tasks when their working memory fits the budget, one after the other
// when it does not (pipeline/filtered_images.cpp, concatenated). Either way, and for 1 or 2 threads,
// the features must be the same bits in the same order.
#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <cstring>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {

const std::string kData = RADHPC_SHARED_DATA;
const std::string kImage = kData + "/ibsi1/ct_phantom/nifti/image/phantom.nii.gz";
const std::string kMask = kData + "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz";

FeatureValues run(const Settings& s, int threads) {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
    return pipeline::extract_files(kImage, kMask, s).features;
}

void check_same(const FeatureValues& a, const FeatureValues& b, const std::string& what) {
    REQUIRE(a.size() == b.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO(what << ": " << a[i].name);
        CHECK(a[i].name == b[i].name);
        differ += std::memcmp(&a[i].value, &b[i].value, sizeof(double)) != 0;
    }
    INFO(what);
    CHECK(differ == 0);
}

}  // namespace

TEST_CASE("filtered images as tasks: the same bits for 1 and 2 threads and under a budget that serialises them",
          "[reference][filters]") {
    // PyRadiomics' profile: CT-TIME settings, 4 LoG sigmas and 8 wavelet sub-bands (issue 15's benchmark job)
    Settings pyr = io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ct-time-filtered.yaml").settings;
    pyr.memory_budget_mb = 4096;
    const FeatureValues one = run(pyr, 1), two = run(pyr, 2);
    CHECK(one.size() == 1236);
    check_same(one, two, "pyradiomics, 1 vs 2 threads");
    // 110 MB: the lesion's grid and any one filter fit, the five filters' working memory together
    // (about 170 MB) does not, so the images run one after the other
    pyr.memory_budget_mb = 110;
    check_same(one, run(pyr, 2), "pyradiomics, serialised by the budget");

    // IBSI profile: the original image and three filters, with names
    Settings ibsi = io::parse_job_text(
                        "version: 1\nprofile: ibsi\npreprocess:\n  resegment: {min: -1000, max: 400}\n"
                        "  discretisation: {method: fixed_bin_number, bin_count: 16}\n"
                        "features: {families: [stat, ih, cm], original: true}\n"
                        "filters: [{name: m, type: mean, support: 5}, {name: l, type: log, sigma_mm: 2}, "
                        "{name: w, type: wavelet, wavelet: db2, subband: LHL}]\n")
                        .settings;
    ibsi.memory_budget_mb = 4096;
    const FeatureValues i1 = run(ibsi, 1), i2 = run(ibsi, 2);
    CHECK(i1.size() > 4 * 18);
    check_same(i1, i2, "ibsi, 1 vs 2 threads");
    CHECK(i1[0].name.rfind("m_", 0) != 0);  // the original image first, unprefixed
    CHECK(i1.back().name.rfind("w_", 0) == 0);  // then the filters in job order
}
