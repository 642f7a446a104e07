// IBSI 1 digital phantom through the whole pipeline (NIfTI and NRRD inputs, jobs/ibsi/digital-phantom.yaml):
// every row of ibsi1_submission_table_digital_phantom.csv within its tolerance (IBSI's rule).
// The family suites test the feature functions on arrays; this test proves the wiring.
#include <catch2/catch.hpp>

#include <set>

#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "reference_util.hpp"

using namespace radhpc;

namespace {

const std::string kData = RADHPC_SHARED_DATA;

void check_phantom(const std::string& image, const std::string& mask, const std::set<std::string>& families) {
    auto job = io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/digital-phantom.yaml");
    job.settings.features.families = families;
    const auto result = pipeline::extract_files(image, mask, job.settings);
    std::map<std::string, double> got;
    for (const auto& f : result.features) got[f.name] = f.value;
    int checked = 0, matched = 0;
    std::vector<std::string> failures;
    for (const auto& row : ref::read_ibsi_table(kData + "/ibsi1/digital_phantom/reference_values/ibsi1_submission_table_digital_phantom.csv")) {
        if (!families.count(row.tag.substr(0, row.tag.find('_')))) continue;
        ++checked;
        auto it = got.find(row.tag);
        if (it == got.end()) failures.push_back(row.tag + ": not computed");
        else if (ref::ibsi_match(it->second, row.value, row.tolerance)) ++matched;
        else
            failures.push_back(row.tag + ": got " + std::to_string(it->second) + ", reference " + std::to_string(row.value) + " +- " +
                               std::to_string(row.tolerance));
    }
    INFO("digital phantom: " << matched << "/" << checked << " rows match");
    for (const auto& f : failures) UNSCOPED_INFO(f);
    CHECK(checked > 0);
    CHECK(failures.empty());
}

}  // namespace

TEST_CASE("IBSI digital phantom (NIfTI): morphology and intensity families", "[reference][ibsi][phantom]") {
    check_phantom(kData + "/ibsi1/digital_phantom/nifti/image/phantom.nii.gz", kData + "/ibsi1/digital_phantom/nifti/mask/mask.nii.gz",
                  {"morph", "loc", "stat", "ih", "ivh"});
}
TEST_CASE("IBSI digital phantom (NRRD): morphology and intensity families", "[reference][ibsi][phantom]") {
    check_phantom(kData + "/ibsi1/digital_phantom/nrrd/Phantom.nrrd", kData + "/ibsi1/digital_phantom/nrrd/Phantom-label.nrrd",
                  {"morph", "loc", "stat", "ih", "ivh"});
}
TEST_CASE("IBSI digital phantom (NIfTI): texture families", "[reference][ibsi][phantom][texture]") {
    check_phantom(kData + "/ibsi1/digital_phantom/nifti/image/phantom.nii.gz", kData + "/ibsi1/digital_phantom/nifti/mask/mask.nii.gz",
                  {"cm", "rlm", "szm", "dzm", "ngt", "ngl"});
}
