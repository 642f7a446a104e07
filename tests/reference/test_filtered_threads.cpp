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

#include <chrono>
#include <thread>

#include "radhpc/core/error.hpp"
#include "../../src/pipeline/filtered_images.hpp"

TEST_CASE("filtered images as tasks: the first failing task in task order is the error, whichever thread fails first",
          "[reference][filters]") {
    using namespace std::chrono_literals;
    auto value = [](const char* name, double v) { return FeatureValues{{name, v}}; };
    // task 1 fails late, task 3 fails at once: with 2 threads task 3 usually fails first in time
    const std::vector<std::function<FeatureValues()>> tasks{
        [&] { return value("a", 1); },
        [&]() -> FeatureValues {
            std::this_thread::sleep_for(50ms);
            throw Error(ErrorKind::invalid_input, "task 1");
        },
        [&] { return value("c", 3); },
        []() -> FeatureValues { throw Error(ErrorKind::memory, "task 3"); },
    };
    for (const bool side_by_side : {true, false})
        for (const int threads : {1, 2}) {
            tbb::global_control c(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
            INFO("side by side " << side_by_side << ", " << threads << " threads");
            try {
                pipeline::detail::concatenated(tasks, side_by_side);
                FAIL("no error");
            } catch (const Error& e) {
                CHECK(std::string(e.what()) == "task 1");
                CHECK(e.kind() == ErrorKind::invalid_input);
            }
        }
    // without a failure: every task's features, in task order
    const FeatureValues all = pipeline::detail::concatenated({tasks[2], tasks[0]}, true);
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "c");
    CHECK(all[1].name == "a");
}
