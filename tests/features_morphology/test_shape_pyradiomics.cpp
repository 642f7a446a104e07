// PyRadiomics shape / shape2D against the PyRadiomics 3.1 reference tables (shared/data/pyradiomics).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/features/shape_pyradiomics.hpp"
#include "radhpc/io/image_io.hpp"
#include "reference_csv.hpp"

using namespace radhpc;

namespace {

const std::string kData = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";

// Brief: every value to relative error <= 1e-6 (PyRadiomics' own test accepts 3e-2).
constexpr double kRelTol = 1e-6;

void check_against(const FeatureValues& values, const std::map<std::string, std::string>& ref,
                   const std::string& ref_prefix, const std::string& our_prefix, std::size_t expected_rows) {
    std::size_t compared = 0;
    double worst = 0.0;
    std::string worst_name;
    for (const auto& [name, text] : ref) {
        if (name.rfind(ref_prefix, 0) != 0) continue;
        const std::string ours_name = our_prefix + name.substr(ref_prefix.size());
        const double expected = std::stod(text);
        bool found = false;
        for (const auto& v : values)
            if (v.name == ours_name) {
                found = true;
                INFO(ours_name << " = " << v.value << ", reference " << expected);
                if (expected == 0.0) CHECK(v.value == 0.0);
                else CHECK(std::abs(v.value / expected - 1.0) <= kRelTol);
                if (expected != 0.0 && std::abs(v.value / expected - 1.0) > worst)
                    worst = std::abs(v.value / expected - 1.0), worst_name = ours_name;
            }
        INFO(ours_name);
        CHECK(found);
        ++compared;
    }
    CHECK(compared == expected_rows);
    std::printf("%s*: %zu values, largest relative error %.2e (%s)\n", our_prefix.c_str(), compared, worst,
                worst_name.c_str());
}

}  // namespace

TEST_CASE("PyRadiomics shape matches pyradiomics31_shape.csv (brain1, breast1)", "[morphology][pyradiomics]") {
    for (const std::string case_name : {"brain1", "breast1"}) {
        DYNAMIC_SECTION(case_name) {
            const auto mask = io::read_label_mask(kData + case_name + "_label.nrrd", 1);
            const auto values = features::pyradiomics_shape(mask);
            const auto ref = test::baseline_column(kData + "baseline/pyradiomics31_shape.csv", case_name);
            check_against(values, ref, "original_shape_", "shape_", 14);
        }
    }
}

TEST_CASE("PyRadiomics shape2D matches baseline_shape2D.csv (single-slice masks)", "[morphology][pyradiomics]") {
    // shared/data/README.md: the shape2D masks are slice z = 16 of brain1_label and z = 9 of breast1_label.
    const std::pair<std::string, int> cases[] = {{"brain1", 16}, {"breast1", 9}};
    for (const auto& [case_name, slice] : cases) {
        DYNAMIC_SECTION(case_name) {
            auto mask = io::read_label_mask(kData + case_name + "_label.nrrd", 1);
            for (std::size_t z = 0; z < mask.nz(); ++z)
                if (int(z) != slice)
                    for (std::size_t y = 0; y < mask.ny(); ++y)
                        for (std::size_t x = 0; x < mask.nx(); ++x) mask.at(x, y, z) = 0;
            const auto values = features::pyradiomics_shape2d(mask, 0);
            const auto ref = test::baseline_column(kData + "baseline/baseline_shape2D.csv", case_name + "_shape2D");
            check_against(values, ref, "original_shape2D_", "shape2D_", 9);
        }
    }
}

TEST_CASE("shape2D rejects an ROI spanning several slices", "[morphology][pyradiomics]") {
    const auto mask = io::read_label_mask(kData + "breast1_label.nrrd", 1);
    CHECK_THROWS_AS(features::pyradiomics_shape2d(mask, 0), Error);
}
