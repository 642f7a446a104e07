// One feature registry for both naming schemes (DESIGN.md "Names"), collected from the features each
// family declares beside its formulas (family.hpp); there is no hand-kept table.
#pragma once
#include <span>
#include <optional>
#include <string>
#include <string_view>

namespace radhpc::features {

struct FeatureInfo {
    std::string_view tag;               // canonical: IBSI submission-table tag (or "pyr_..." for PyRadiomics-only)
    std::string_view ibsi_code;         // IBSI 1 code, empty where IBSI defines none
    std::string_view pyradiomics_name;  // "original_<class>_<Feature>", empty where PyRadiomics has none
    std::string_view family;            // morph, loc, stat, ih, ivh, cm, rlm, szm, dzm, ngt, ngl, diag, or a PyRadiomics class
    std::string_view unit;              // "I" = intensity unit of the image (HU for CT)
    std::string_view description;
};

enum class Naming { ibsi, pyradiomics };

std::span<const FeatureInfo> feature_registry();

// Finds a feature by canonical tag, PyRadiomics name ("original_glcm_Idm") or the PyRadiomics key
// the family functions emit ("glcm_Idm"). nullptr when unknown.
const FeatureInfo* find_feature(std::string_view name);

// The name to print for a computed feature key under `naming`. Falls back to the other scheme
// (and finally to the key itself) when the registry has no name in the requested one.
std::string output_name(std::string_view computed_key, Naming naming);

// The naming asked for by name ("ibsi" | "pyradiomics"), or `fallback` (the job's output.names) for
// an empty one. Throws Error(settings) for any other name.
Naming naming_from(std::string_view name, Naming fallback);

// A filtered image's feature "<image>_<key>" (IBSI: "<filter name>_stat_mean"; PyRadiomics:
// "wavelet-LLH_firstorder_Mean"): the image prefix and the row of <key>. Empty for a plain key or
// a name whose remainder is no feature.
struct PrefixedFeature {
    std::string prefix;
    const FeatureInfo* info = nullptr;
};
std::optional<PrefixedFeature> split_image_prefix(std::string_view name);
// The PyRadiomics name of a row without its "original_" image prefix ("firstorder_Mean").
std::string_view pyradiomics_class_name(const FeatureInfo& f);

}  // namespace radhpc::features
