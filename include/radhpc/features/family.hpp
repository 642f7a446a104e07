// How a feature family declares its features, beside the formulas that compute them (as MIRP and
// PyRadiomics do): one row per feature with its identity and the slot of the family's result that holds
// its value. The registry (registry.hpp) is collected from these declarations; the family functions
// name their output from them, so a feature's name, code, unit and formula live in one file.
//
// Layer `features`.
#pragma once
#include <span>
#include <string>
#include <string_view>

#include "radhpc/core/feature_values.hpp"

namespace radhpc::features {

// A feature of an IBSI 1 family. `value`: the slot of the formula's result (an enumerator of the
// family's file), so a row and its formula are tied by name, not by position in a list.
struct IbsiFeature {
    std::string_view tag;        // canonical IBSI submission-table tag; texture: before the aggregation suffix
    std::string_view ibsi_code;  // IBSI 1 code, empty where IBSI defines none
    std::string_view unit;       // "I" = intensity unit of the image (HU for CT)
    std::string_view description;
    int value;
};

// A feature of a PyRadiomics 3.1 class. `ibsi`: the canonical tag of the IBSI feature it equals (its
// registry row then carries this PyRadiomics name), or empty for a PyRadiomics-only feature (registered
// as "pyr_<class>_<name>", lower case, with `unit`).
struct PyradiomicsFeature {
    std::string_view name;  // feature name in its class: "JointEntropy"
    std::string_view ibsi;  // "cm_joint_entr_3D_avg", or ""
    std::string_view unit;  // PyRadiomics-only features
    int value;
    bool deprecated = false;  // PyRadiomics computes it only when it is enabled by name
};

// A family: an IBSI family (ibsi rows, one set per variant) or a PyRadiomics class (pyradiomics rows).
struct FamilyDecl {
    std::string_view name;                          // "cm", "szm", "glszm", "shape2D", ...
    std::span<const std::string_view> variants;     // texture aggregations ("_2D_avg", ...) or diagnostic
                                                    // stages; otherwise kNoVariant
    std::span<const IbsiFeature> ibsi;
    std::span<const PyradiomicsFeature> pyradiomics;
};

inline constexpr std::string_view kNoVariant[] = {""};

// Output key of a PyRadiomics class feature: "<class>_<name>" (registry.hpp resolves it).
inline std::string pyradiomics_key(const FamilyDecl& family, const PyradiomicsFeature& f) {
    return std::string(family.name) + "_" + std::string(f.name);
}

// Appends the family's features in declaration order; `values[row.value]` is each feature's value.
// IBSI rows are named tag + variant, PyRadiomics rows "<class>_<name>" (deprecated ones on request).
template <class Values>
void emit(const FamilyDecl& family, std::string_view variant, const Values& values, FeatureValues& out,
          bool include_deprecated = false) {
    for (const auto& f : family.ibsi)
        out.push_back({std::string(f.tag) + std::string(variant), double(values[f.value])});
    for (const auto& f : family.pyradiomics)
        if (!f.deprecated || include_deprecated) out.push_back({pyradiomics_key(family, f), double(values[f.value])});
}

template <class Values>
FeatureValues emitted(const FamilyDecl& family, const Values& values, bool include_deprecated = false) {
    FeatureValues out;
    emit(family, "", values, out, include_deprecated);
    return out;
}

// The declared families in registry order: the IBSI families (morph, loc, stat, ih, ivh, cm, rlm, szm,
// dzm, ngt, ngl), then the PyRadiomics classes (firstorder, shape, shape2D, glcm, glrlm, glszm, gldm, ngtdm).
std::span<const FamilyDecl* const> declared_families();
const FamilyDecl* find_family(std::string_view name);

// Declarations, each in the file of its formulas.
// morphology.cpp, local_intensity.cpp, intensity_statistics.cpp, intensity_histogram.cpp,
// intensity_volume_histogram.cpp
extern const FamilyDecl kMorphFamily, kLocFamily, kStatFamily, kIhFamily, kIvhFamily;
extern const FamilyDecl kCmFamily, kGlcmFamily;                                        // texture_cm_features.cpp
extern const FamilyDecl kRlmFamily, kSzmFamily, kDzmFamily, kNglFamily;                // texture_zone_features.cpp
extern const FamilyDecl kGlrlmFamily, kGlszmFamily, kGldmFamily;                       // texture_zone_features.cpp
extern const FamilyDecl kNgtFamily, kNgtdmFamily;                                      // texture_ngt_features.cpp
extern const FamilyDecl kFirstorderFamily;                                             // firstorder_pyradiomics.cpp
extern const FamilyDecl kShapeFamily, kShape2DFamily;                                  // shape_pyradiomics.cpp
extern const FamilyDecl kDiagImageFamily, kDiagRoiFamily;  // diagnostics.cpp: registry only (pipeline computes)

}  // namespace radhpc::features
