// Intensity families against real references, read at run time:
//  - IBSI 1 digital phantom submission table (stat_, ih_, ivh_, loc_ rows; IBSI match rule),
//  - PyRadiomics firstorder baselines for brain1 and breast1 (relative error <= 1e-6, 0 exactly 0).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "features_intensity/reference_tables.hpp"
#include "radhpc/features/intensity.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;
using namespace radhpc::test;

namespace {

std::vector<double> roi_values(const Image& image, const Mask& mask) {
    std::vector<double> v;
    for (std::size_t i = 0; i < mask.data.size(); ++i)
        if (mask.data[i]) v.push_back(image.data[i]);
    return v;
}

std::map<std::string, double> as_map(const FeatureValues& values) {
    std::map<std::string, double> m;
    for (const auto& f : values) m[f.name] = f.value;
    return m;
}

bool is_intensity_tag(const std::string& tag) {
    return tag.rfind("stat_", 0) == 0 || tag.rfind("ih_", 0) == 0 || tag.rfind("ivh_", 0) == 0 ||
           tag.rfind("loc_", 0) == 0;
}

}  // namespace

TEST_CASE("IBSI digital phantom: every stat_, ih_, ivh_, loc_ row", "[features_intensity][ibsi][reference]") {
    const auto base = shared_data("ibsi1/digital_phantom/");
    const Image image = io::read_image(base + "nifti/image/phantom.nii.gz");
    const Mask mask = io::read_label_mask(base + "nifti/mask/mask.nii.gz", 1);
    const auto values = roi_values(image, mask);
    REQUIRE(values.size() == 74);  // README: 74 of 80 voxels

    // Phantom settings (IBSI manual, "Digital phantom"): no discretisation, the intensities are the
    // grey levels 1..6 (Ng = 6); no re-segmentation; IVH in the calibrated discrete case.
    std::vector<std::int32_t> levels;
    for (double v : values) levels.push_back(std::int32_t(std::lround(v)));

    std::map<std::string, double> computed;
    for (const auto& fv : {features::intensity_statistics(values), features::intensity_histogram(levels, 6),
                           features::intensity_volume_histogram(values, IvhSettings{}, ResegmentSettings{}),
                           features::local_intensity(image, mask)})
        for (const auto& f : fv) computed[f.name] = f.value;

    // Rows without a reference value ("not standardized"): listed with the reason, checked to be the only ones.
    const std::map<std::string, std::string> not_applicable = {
        {"ivh_auc", "IBSI gives no reference value (area under the IVH curve is not standardised)"},
    };

    int matched = 0, rows = 0;
    std::set<std::string> seen_without_reference;
    for (const auto& row : read_ibsi_table(base + "reference_values/ibsi1_submission_table_digital_phantom.csv")) {
        if (!is_intensity_tag(row.tag)) continue;
        ++rows;
        INFO("tag " << row.tag << " (" << row.feature << ")");
        REQUIRE(computed.count(row.tag) == 1);
        if (!row.reference) {
            CHECK(not_applicable.count(row.tag) == 1);
            seen_without_reference.insert(row.tag);
            continue;
        }
        const double value = computed.at(row.tag);
        INFO("value " << value << " rounded " << round_to_significant(value) << " reference " << *row.reference
                      << " tolerance " << *row.tolerance);
        const bool ok = ibsi_match(value, *row.reference, *row.tolerance);
        CHECK(ok);
        matched += ok;
    }
    CHECK(seen_without_reference.size() == not_applicable.size());
    WARN("digital phantom: " << matched << " of " << rows - int(seen_without_reference.size())
                             << " stat_/ih_/ivh_/loc_ reference rows matched; " << seen_without_reference.size()
                             << " row(s) without reference value");
    CHECK(rows == 2 + 18 + 23 + 7);  // loc, stat, ih, ivh rows of the table
}

// Columns without resampling or normalisation: the default settings, and 'resegmentation' (sigma mode,
// resegmentRange [-3, 3], PyRadiomics' default voxelArrayShift 0 and binWidth 25 since none is given).
// The normalisation and resampling columns go through the pipeline (tests/reference).
TEST_CASE("PyRadiomics firstorder baselines brain1 and breast1 (default and resegmentation columns)",
          "[features_intensity][pyradiomics][reference]") {
    const auto baseline = read_pyradiomics_baseline(shared_data("pyradiomics/baseline/baseline_firstorder.csv"));
    for (const std::string column_name : {"brain1", "breast1", "brain1_resegmentation", "breast1_resegmentation"}) {
        INFO("column " << column_name);
        const auto& column = baseline.at(column_name);
        const std::string case_name = column.at("diagnostics_Configuration_TestCase");
        // Settings from the baseline's own provenance row; absent keys take PyRadiomics' defaults.
        const std::string settings_text = column.at("diagnostics_Configuration_Settings");
        const double bin_width = python_dict_number(settings_text, "binWidth").value_or(25.0);
        const double shift = python_dict_number(settings_text, "voxelArrayShift").value_or(0.0);
        REQUIRE(settings_text.find("'resampledPixelSpacing': None") != std::string::npos);
        REQUIRE(settings_text.find("'normalize': False") != std::string::npos);

        const auto dir = shared_data("pyradiomics/");
        const Image image = io::read_image(dir + case_name + "_image.nrrd");
        const Mask mask = io::read_label_mask(dir + case_name + "_label.nrrd", 1);
        auto values = roi_values(image, mask);
        REQUIRE(double(values.size()) == std::stod(column.at("diagnostics_Mask-original_VoxelNum")));
        if (settings_text.find("'resegmentRange': None") == std::string::npos) {
            // imageoperations.resegmentMask, mode 'sigma': keep mean + lo*SD <= x <= mean + hi*SD
            // (numpy mean and population SD of the ROI).
            REQUIRE(settings_text.find("'resegmentMode': 'sigma'") != std::string::npos);
            const auto at = settings_text.find("'resegmentRange': [");
            REQUIRE(at != std::string::npos);
            double lo = 0, hi = 0;
            char comma = 0;
            std::istringstream(settings_text.substr(at + std::string("'resegmentRange': [").size())) >> lo >> comma >> hi;
            REQUIRE(comma == ',');
            double mean = 0, ss = 0;
            for (double v : values) mean += v;
            mean /= double(values.size());
            for (double v : values) ss += (v - mean) * (v - mean);
            const double sd = std::sqrt(ss / double(values.size()));
            std::erase_if(values, [&](double v) { return v < mean + lo * sd || v > mean + hi * sd; });
        }

        DiscretisationSettings binning;
        binning.method = BinningMethod::fixed_bin_size;
        binning.bin_width = bin_width;
        int n_levels = 0;
        const auto levels =
            preprocess::discretise_values(values, binning, Profile::pyradiomics, {}, &n_levels, nullptr, nullptr);

        const auto computed = as_map(
            features::pyradiomics_firstorder(values, levels, image.geometry.voxel_volume(), shift));

        int checked = 0;
        double worst = 0;
        for (const auto& [row, text] : column) {
            if (row.rfind("original_firstorder_", 0) != 0) continue;
            const std::string name = row.substr(std::string("original_").size());
            INFO("feature " << name);
            REQUIRE(computed.count(name) == 1);
            const double reference = std::stod(text), value = computed.at(name);
            INFO("value " << value << " baseline " << reference);
            if (reference == 0)
                CHECK(value == 0);
            else {
                CHECK(std::abs(value / reference - 1) <= 1e-6);
                worst = std::max(worst, std::abs(value / reference - 1));
            }
            ++checked;
        }
        // All 18 default-enabled features; StandardDeviation is deprecated in PyRadiomics (not enabled by
        // default, so absent from the baseline) and must equal sqrt(Variance) of the baseline.
        CHECK(checked == 18);
        CHECK(computed.size() == 19);
        const double variance = std::stod(column.at("original_firstorder_Variance"));
        CHECK(std::abs(computed.at("firstorder_StandardDeviation") / std::sqrt(variance) - 1) <= 1e-6);
        WARN(column_name << " (" << values.size() << " voxels): " << checked << " of 18 firstorder baseline values within relative 1e-6 (worst "
                       << worst << ")");
    }
}
