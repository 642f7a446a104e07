#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "radhpc/features/family.hpp"
#include "radhpc/features/registry.hpp"

using namespace radhpc::features;

namespace {
// Tags of an IBSI submission table (last CSV column), read from the shared reference data.
std::set<std::string> submission_tags(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::set<std::string> tags;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        auto pos = line.find_last_of(',');
        std::string tag = line.substr(pos + 1);
        while (!tag.empty() && (tag.back() == '\r' || tag.back() == ' ')) tag.pop_back();
        if (!tag.empty()) tags.insert(tag);
    }
    return tags;
}
}  // namespace

TEST_CASE("registry holds every tag of the IBSI submission tables, once", "[registry]") {
    std::set<std::string> seen;
    for (const auto& f : feature_registry()) {
        INFO(f.tag);
        CHECK(seen.insert(std::string(f.tag)).second);
    }
    const std::string d = RADHPC_SHARED_DATA;
    for (const auto& file : {d + "/ibsi1/digital_phantom/reference_values/ibsi1_submission_table_digital_phantom.csv",
                             d + "/ibsi1/ct_phantom/reference_values/ibsi1_submission_table_config_A.csv",
                             d + "/ibsi1/ct_phantom/reference_values/ibsi1_submission_table_config_B.csv",
                             d + "/ibsi1/ct_phantom/reference_values/ibsi1_submission_table_config_C.csv"})
        for (const auto& t : submission_tags(file)) {
            INFO(file << " tag " << t);
            CHECK(find_feature(t) != nullptr);
        }
}

TEST_CASE("both naming schemes resolve to one feature", "[registry]") {
    const auto* f = find_feature("original_glcm_JointEntropy");
    REQUIRE(f);
    CHECK(f->tag == "cm_joint_entr_3D_avg");
    CHECK(f->ibsi_code == "TU9B");
    CHECK(output_name("glcm_JointEntropy", Naming::ibsi) == "cm_joint_entr_3D_avg");
    CHECK(output_name("morph_volume", Naming::pyradiomics) == "original_shape_MeshVolume");
    CHECK(output_name("firstorder_TotalEnergy", Naming::ibsi) == "pyr_firstorder_totalenergy");
}

TEST_CASE("every declared feature is a registry row under the name its family emits", "[registry]") {
    std::size_t ibsi_rows = 0;
    for (const FamilyDecl* fam : declared_families()) {
        INFO(fam->name);
        CHECK(find_family(fam->name) == fam);
        for (std::string_view variant : fam->variants)
            for (const auto& f : fam->ibsi) {
                const std::string tag = std::string(f.tag) + std::string(variant);
                INFO(tag);
                const FeatureInfo* r = find_feature(tag);
                REQUIRE(r);
                CHECK(r->tag == tag);
                CHECK(r->family == fam->name);
                CHECK(r->ibsi_code == f.ibsi_code);
                ++ibsi_rows;
            }
        for (const auto& f : fam->pyradiomics) {
            const std::string key = pyradiomics_key(*fam, f);
            INFO(key);
            const FeatureInfo* r = find_feature(key);
            REQUIRE(r);
            CHECK(r->pyradiomics_name == "original_" + key);
            if (!f.ibsi.empty()) CHECK(r->tag == f.ibsi);
            else CHECK(r->tag.substr(0, 4) == "pyr_");
        }
    }
    // every registry row is declared: IBSI rows by the families, the rest by diagnostics.cpp and the
    // PyRadiomics-only features
    std::size_t diag = 0, pyr_only = 0;
    for (const auto& r : feature_registry()) {
        if (r.family == "diag") ++diag;
        if (r.tag.substr(0, 4) == "pyr_") ++pyr_only;
    }
    CHECK(ibsi_rows + diag + pyr_only == feature_registry().size());
}
