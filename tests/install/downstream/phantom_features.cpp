// Downstream use of radhpc::features from an installed prefix: IBSI 1 intensity statistics,
// intensity histogram and morphology of the digital phantom, each compared with the IBSI reference
// value of the submission table given as argv[1]; the phantom's image and mask NIfTI files are argv[2]
// and argv[3]. Exit 0 only if every computed feature that has a
// reference matches it and the expected features were all computed.
#include <cstdio>
#include <exception>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "phantom.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/features/intensity.hpp"
#include "radhpc/features/morphology.hpp"

int main(int argc, char** argv) try {
    if (argc != 4) {
        std::fprintf(stderr, "usage: phantom_features ibsi1_submission_table_digital_phantom.csv phantom.nii.gz mask.nii.gz\n");
        return 2;
    }
    const auto refs = phantom::read_references(argv[1]);
    const radhpc::Image image = phantom::read_nifti_int16(argv[2]);
    const radhpc::Mask mask = phantom::read_mask(argv[3]);
    if (image.geometry.size != mask.geometry.size) throw std::runtime_error("image and mask sizes differ");
    std::vector<double> values;
    std::vector<std::int32_t> levels;  // no discretisation: the intensities 1..6 are the grey levels
    for (std::size_t i = 0; i < mask.data.size(); ++i)
        if (mask.data[i]) {
            values.push_back(image.data[i]);
            levels.push_back(std::int32_t(image.data[i]));
        }

    std::map<std::string, double> computed;
    for (const auto& family : {radhpc::features::intensity_statistics(values),
                               radhpc::features::intensity_histogram(levels, 6),
                               radhpc::features::morphology(mask, mask, image, radhpc::FeatureSettings{})})
        for (const auto& f : family) computed[f.name] = f.value;

    int checked = 0, failed = 0;
    for (const auto& [tag, value] : computed) {
        const auto ref = refs.find(tag);
        if (ref == refs.end()) continue;  // "not standardized": no reference value
        const bool ok = phantom::matches(value, ref->second);
        std::printf("%-4s %-26s %12.6g  reference %g +- %g\n", ok ? "ok" : "FAIL", tag.c_str(), value,
                    ref->second.value, ref->second.tolerance);
        ++checked;
        failed += !ok;
    }
    for (const char* tag : {"stat_mean", "stat_var", "stat_kurt", "stat_energy", "ih_mean", "ih_entropy",
                            "morph_volume", "morph_vol_approx", "morph_area_mesh"})
        if (!computed.count(tag) || !refs.count(tag)) {
            std::printf("FAIL %s: not computed or no reference value\n", tag);
            ++failed;
        }
    // every stat_, ih_ and morph_ row of the table that has a reference value was computed and checked
    int expected = 0;
    for (const auto& [tag, ref] : refs)
        expected += tag.rfind("stat_", 0) == 0 || tag.rfind("ih_", 0) == 0 || tag.rfind("morph_", 0) == 0;
    std::printf("phantom_features: %d of %d stat_/ih_/morph_ features checked against the IBSI reference, %d failed\n",
                checked, expected, failed);
    return failed == 0 && checked == expected ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "phantom_features: %s\n", e.what());
    return 1;
}
