// The feature registry, collected once from the families' declarations (family.hpp): an IBSI family
// gives one row per feature and variant; a PyRadiomics class names the IBSI row it equals or adds a
// PyRadiomics-only row "pyr_<class>_<name>".
#include "radhpc/features/registry.hpp"

#include <algorithm>
#include <cctype>
#include <deque>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"

namespace radhpc::features {
namespace {

// Registry order: the IBSI families, then the PyRadiomics classes (their PyRadiomics-only features follow
// the IBSI rows and the diagnostics).
constexpr const FamilyDecl* kFamilies[] = {
    &kMorphFamily, &kLocFamily,        &kStatFamily,  &kIhFamily,   &kIvhFamily,   &kCmFamily,
    &kRlmFamily,   &kSzmFamily,        &kDzmFamily,   &kNgtFamily,  &kNglFamily,   &kFirstorderFamily,
    &kShapeFamily, &kShape2DFamily,    &kGlcmFamily,  &kGlrlmFamily, &kGlszmFamily, &kGldmFamily,
    &kNgtdmFamily,
};
constexpr const FamilyDecl* kDiagnostics[] = {&kDiagImageFamily, &kDiagRoiFamily};

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

// Rows with their strings; FeatureInfo views into them (a deque keeps them in place).
struct Registry {
    std::deque<std::string> text;
    std::vector<FeatureInfo> rows;

    std::string_view keep(std::string s) { return text.emplace_back(std::move(s)); }

    Registry() {
        for (const FamilyDecl* fam : kFamilies) add_ibsi(*fam);
        for (const FamilyDecl* fam : kDiagnostics) add_ibsi(*fam);
        for (const FamilyDecl* fam : kFamilies)
            for (const auto& f : fam->pyradiomics) add_pyradiomics(*fam, f);
    }

    void add_ibsi(const FamilyDecl& fam) {
        for (std::string_view variant : fam.variants)
            for (const auto& f : fam.ibsi)
                rows.push_back({keep(std::string(f.tag) + std::string(variant)), f.ibsi_code, "", fam.name, f.unit,
                                f.description});
    }

    void add_pyradiomics(const FamilyDecl& fam, const PyradiomicsFeature& f) {
        const std::string_view name = keep("original_" + std::string(fam.name) + "_" + std::string(f.name));
        if (f.ibsi.empty()) {
            rows.push_back({keep("pyr_" + lower(fam.name) + "_" + lower(f.name)), "", name, fam.name, f.unit,
                            keep(std::string(f.name) + " (PyRadiomics only)")});
            return;
        }
        auto it = std::find_if(rows.begin(), rows.end(), [&](const FeatureInfo& r) { return r.tag == f.ibsi; });
        // A declaration naming a tag no family declares is a programming error, found by the registry tests.
        if (it == rows.end() || !it->pyradiomics_name.empty())
            throw std::logic_error("feature registry: " + std::string(name) + " names " + std::string(f.ibsi));
        it->pyradiomics_name = name;
    }
};

const Registry& registry() {
    static const Registry r;
    return r;
}

// Lookup index over every name a feature is known by; built once, read-only afterwards.
const std::unordered_map<std::string, const FeatureInfo*>& index() {
    static const auto map = [] {
        std::unordered_map<std::string, const FeatureInfo*> m;
        for (const auto& f : feature_registry()) {
            m.emplace(std::string(f.tag), &f);
            if (!f.pyradiomics_name.empty()) {
                m.emplace(std::string(f.pyradiomics_name), &f);
                m.emplace(std::string(f.pyradiomics_name.substr(std::string_view("original_").size())), &f);
            }
        }
        return m;
    }();
    return map;
}

}  // namespace

std::span<const FamilyDecl* const> declared_families() { return kFamilies; }

const FamilyDecl* find_family(std::string_view name) {
    for (const FamilyDecl* f : kFamilies)
        if (f->name == name) return f;
    return nullptr;
}

std::span<const FeatureInfo> feature_registry() { return registry().rows; }

const FeatureInfo* find_feature(std::string_view name) {
    const auto& m = index();
    auto it = m.find(std::string(name));
    return it == m.end() ? nullptr : it->second;
}

std::optional<PrefixedFeature> split_image_prefix(std::string_view name) {
    // the prefix is everything before the first '_' whose remainder is a feature (PyRadiomics' image
    // names hold no '_'; an IBSI filter name may)
    for (std::size_t p = name.find('_'); p != std::string_view::npos; p = name.find('_', p + 1))
        if (const FeatureInfo* f = find_feature(name.substr(p + 1))) return PrefixedFeature{std::string(name.substr(0, p)), f};
    return std::nullopt;
}

std::string_view pyradiomics_class_name(const FeatureInfo& f) {
    std::string_view n = f.pyradiomics_name;
    if (n.rfind("original_", 0) == 0) n.remove_prefix(std::string_view("original_").size());
    return n;
}

Naming naming_from(std::string_view name, Naming fallback) {
    if (name.empty()) return fallback;
    if (name == "ibsi") return Naming::ibsi;
    if (name == "pyradiomics") return Naming::pyradiomics;
    throw Error(ErrorKind::settings, "feature names '" + std::string(name) + "': expected ibsi or pyradiomics");
}

std::string output_name(std::string_view key, Naming naming) {
    const FeatureInfo* f = find_feature(key);
    if (!f) {
        if (const auto p = split_image_prefix(key)) {
            if (naming == Naming::pyradiomics && !p->info->pyradiomics_name.empty())
                return p->prefix + "_" + std::string(pyradiomics_class_name(*p->info));
            return p->prefix + "_" + std::string(p->info->tag);
        }
        return std::string(key);
    }
    if (naming == Naming::pyradiomics && !f->pyradiomics_name.empty()) return std::string(f->pyradiomics_name);
    return std::string(f->tag);
}

}  // namespace radhpc::features
