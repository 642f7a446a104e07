// IBSI 1 CT phantom, configuration A (no interpolation, so it needs no resampling code): every stat_,
// ih_, ivh_ and loc_ row of ibsi1_submission_table_config_A.csv with the IBSI match rule. The
// configuration (ibsi_manual_reference_data_sets_and_configs.rst): NIfTI intensities rounded to integer
// HU; re-segmentation range [-500, 400] HU; texture/IH discretisation FBS 25 HU (lower bound -500);
// IVH without discretisation. These four families are computed in 3D in every configuration.
// The lead also checks these rows through the pipeline; this test pins the feature functions alone.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "features_intensity/reference_tables.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/features/intensity.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;
using namespace radhpc::test;

TEST_CASE("IBSI CT phantom configuration A: stat_, ih_, ivh_, loc_ rows", "[features_intensity][ibsi][reference]") {
    const auto base = shared_data("ibsi1/ct_phantom/");
    Image image = io::read_image(base + "nifti/image/phantom.nii.gz");
    for (double& v : image.data) v = std::round(v);  // IBSI: NIfTI CT -> nearest integer HU
    const Mask morphological = io::read_label_mask(base + "nifti/mask/mask.nii.gz", 1);

    // Range re-segmentation (IBSI 2.5): the intensity mask keeps -500 <= X <= 400.
    ResegmentSettings reseg;
    reseg.range_min = -500;
    reseg.range_max = 400;
    Mask intensity_mask = morphological;
    for (std::size_t i = 0; i < image.data.size(); ++i)
        if (intensity_mask.data[i] && (image.data[i] < *reseg.range_min || image.data[i] > *reseg.range_max))
            intensity_mask.data[i] = 0;

    std::vector<double> values;
    for (std::size_t i = 0; i < image.data.size(); ++i)
        if (intensity_mask.data[i]) values.push_back(image.data[i]);

    DiscretisationSettings fbs;
    fbs.method = BinningMethod::fixed_bin_size;
    fbs.bin_width = 25;
    int n_levels = 0;
    const auto levels = preprocess::discretise_values(values, fbs, Profile::ibsi, reseg, &n_levels, nullptr, nullptr);

    // Local intensity on the ROI box padded by enough voxels for the 6.2 mm sphere (as the pipeline does).
    const auto box = bounding_box(intensity_mask);
    REQUIRE(box);
    const auto pad = std::int64_t(std::ceil(6.21 / std::min({image.geometry.spacing[0], image.geometry.spacing[1],
                                                              image.geometry.spacing[2]})));
    const Image image_box = crop(image, *box, pad);
    const Mask mask_box = crop(intensity_mask, *box, pad);

    std::map<std::string, double> computed;
    for (const auto& fv : {features::intensity_statistics(values), features::intensity_histogram(levels, n_levels),
                           features::intensity_volume_histogram(values, IvhSettings{}, reseg),
                           features::local_intensity(image_box, mask_box)})
        for (const auto& f : fv) computed[f.name] = f.value;

    // The padded box must give exactly what the whole image gives (the sphere never leaves the box).
    const auto whole = features::local_intensity(image, intensity_mask);
    CHECK(whole[0].value == computed.at("loc_peak_loc"));
    CHECK(whole[1].value == computed.at("loc_peak_glob"));

    const std::map<std::string, std::string> not_applicable = {
        {"ivh_auc", "IBSI gives no reference value (area under the IVH curve is not standardised)"},
    };
    int matched = 0, with_reference = 0;
    for (const auto& row : read_ibsi_table(base + "reference_values/ibsi1_submission_table_config_A.csv")) {
        const auto& t = row.tag;
        if (t.rfind("stat_", 0) && t.rfind("ih_", 0) && t.rfind("ivh_", 0) && t.rfind("loc_", 0)) continue;
        INFO("tag " << t << " (" << row.feature << ")");
        REQUIRE(computed.count(t) == 1);
        if (!row.reference) {
            CHECK(not_applicable.count(t) == 1);
            continue;
        }
        ++with_reference;
        const double value = computed.at(t);
        INFO("value " << value << " rounded " << round_to_significant(value) << " reference " << *row.reference
                      << " tolerance " << *row.tolerance);
        const bool ok = ibsi_match(value, *row.reference, *row.tolerance);
        CHECK(ok);
        matched += ok;
    }
    CHECK(with_reference == 49);
    WARN("CT phantom config A: " << matched << " of " << with_reference << " stat_/ih_/ivh_/loc_ rows matched");
}
