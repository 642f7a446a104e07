// IBSI 1 digital phantom: every texture row of the submission table (reference value and tolerance read
// at run time). Settings per the phantom: no resampling/discretisation (levels 1..6), distance 1, alpha 0.
#include <catch2/catch.hpp>

#include <map>

#include "radhpc/features/texture.hpp"
#include "radhpc/io/image_io.hpp"
#include "texture_test_util.hpp"

using namespace radhpc;
using texture_test::shared;

namespace {

struct Phantom {
    GreyLevels levels;
    Mask mask;
};

Phantom load_phantom() {
    const Image image = io::read_image(shared("ibsi1/digital_phantom/nifti/image/phantom.nii.gz"));
    Phantom p;
    p.mask = io::read_label_mask(shared("ibsi1/digital_phantom/nifti/mask/mask.nii.gz"), 1);
    p.levels = GreyLevels(image.geometry, 0);
    for (std::size_t i = 0; i < image.data.size(); ++i) p.levels.data[i] = std::int32_t(std::lround(image.data[i]));
    return p;
}

}  // namespace

TEST_CASE("IBSI digital phantom: all texture rows of the submission table", "[texture][ibsi]") {
    const Phantom p = load_phantom();
    TextureSettings s;  // distance 1, symmetric, all aggregations, NGLDM alpha 0
    const auto values = features::texture_features(p.levels, p.mask, p.mask, 6, s, Profile::ibsi,
                                                   {"cm", "rlm", "szm", "dzm", "ngt", "ngl"});
    std::map<std::string, double> by_name;
    for (const auto& v : values) by_name[v.name] = v.value;

    const auto rows =
        texture_test::read_csv(shared("ibsi1/digital_phantom/reference_values/ibsi1_submission_table_digital_phantom.csv"));
    const auto& header = rows.front();
    const auto col = [&](const std::string& name) {
        for (std::size_t k = 0; k < header.size(); ++k)
            if (header[k] == name) return k;
        FAIL("column " << name << " missing");
        return std::size_t(0);
    };
    const std::size_t c_tag = col("tag"), c_ref = col("reference value"), c_tol = col("tolerance");
    int checked = 0, matched = 0;
    for (std::size_t r = 1; r < rows.size(); ++r) {
        const std::string& tag = rows[r][c_tag];
        const std::string fam = tag.substr(0, tag.find('_'));
        if (fam != "cm" && fam != "rlm" && fam != "szm" && fam != "dzm" && fam != "ngt" && fam != "ngl") continue;
        const double ref = std::stod(rows[r][c_ref]), tol = std::stod(rows[r][c_tol]);
        ++checked;
        INFO(tag << ": reference " << ref << " +- " << tol);
        REQUIRE(by_name.count(tag) == 1);
        const double v = by_name[tag];
        INFO("value " << v << " rounded " << texture_test::round_3_significant(v));
        CHECK(texture_test::ibsi_match(v, ref, tol));
        if (texture_test::ibsi_match(v, ref, tol)) ++matched;
    }
    WARN("IBSI digital phantom texture rows matched: " << matched << " / " << checked);
    CHECK(checked == 408);  // cm 150, rlm 96, szm 48, dzm 48, ngt 15, ngl 51
}
