// IBSI CT phantom, configuration A (no interpolation, so no pipeline step beyond what is shown here):
// intensities rounded to integer HU, re-segmentation [-500, 400] HU on the intensity mask (the morphological
// mask stays the original ROI), IBSI fixed bin size 25 HU from -500, 2D and 2.5D aggregation, distance 1,
// NGLDM alpha 0. Every texture row of ibsi1_submission_table_config_A.csv, IBSI match rule and tolerance.
// Configurations B and C need interpolation and are checked through the pipeline (tests/reference).
#include <catch2/catch.hpp>

#include <map>

#include "radhpc/features/texture.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "texture_test_util.hpp"

using namespace radhpc;
using texture_test::shared;

TEST_CASE("IBSI CT phantom configuration A: texture rows", "[texture][ibsi][ct_phantom]") {
    Image image = io::read_image(shared("ibsi1/ct_phantom/nifti/image/phantom.nii.gz"));
    for (auto& v : image.data) v = std::round(v);
    const Mask morph = io::read_label_mask(shared("ibsi1/ct_phantom/nifti/mask/mask.nii.gz"), 1);
    Mask intensity = morph;
    ResegmentSettings reseg;
    reseg.range_min = -500;
    reseg.range_max = 400;
    preprocess::resegment(image, intensity, reseg);
    DiscretisationSettings ds;
    ds.method = BinningMethod::fixed_bin_size;
    ds.bin_width = 25;
    const auto disc = preprocess::discretise(image, intensity, ds, Profile::ibsi, reseg);
    TextureSettings ts;
    ts.aggregations = {Aggregation::d2_avg, Aggregation::d2_smrg, Aggregation::d25_dmrg, Aggregation::d25_mrg};
    const auto values = features::texture_features(disc.levels, intensity, morph, disc.n_levels, ts, Profile::ibsi,
                                                   {"cm", "rlm", "szm", "dzm", "ngt", "ngl"});
    std::map<std::string, double> by_name;
    for (const auto& v : values) by_name[v.name] = v.value;

    const auto rows = texture_test::read_csv(shared("ibsi1/ct_phantom/reference_values/ibsi1_submission_table_config_A.csv"));
    const auto& header = rows.front();
    auto col = [&](const std::string& name) {
        return std::size_t(std::find(header.begin(), header.end(), name) - header.begin());
    };
    const std::size_t c_tag = col("tag"), c_ref = col("reference value"), c_tol = col("tolerance");
    REQUIRE(c_tag < header.size());
    int checked = 0, matched = 0;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const std::string& tag = rows[r][c_tag];
        const std::string fam = tag.substr(0, tag.find('_'));
        if (fam != "cm" && fam != "rlm" && fam != "szm" && fam != "dzm" && fam != "ngt" && fam != "ngl") continue;
        if (rows[r][c_ref].empty()) continue;
        const double ref = std::stod(rows[r][c_ref]), tol = std::stod(rows[r][c_tol]);
        ++checked;
        INFO(tag << ": reference " << ref << " +- " << tol);
        REQUIRE(by_name.count(tag) == 1);
        const double v = by_name[tag];
        INFO("value " << v << " rounded " << texture_test::round_3_significant(v));
        CHECK(texture_test::ibsi_match(v, ref, tol));
        if (texture_test::ibsi_match(v, ref, tol)) ++matched;
    }
    WARN("IBSI CT phantom configuration A texture rows matched: " << matched << " / " << checked);
    CHECK(checked == 272);
}
