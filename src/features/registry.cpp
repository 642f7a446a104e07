#include "radhpc/features/registry.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace radhpc::features {
namespace {

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

const FeatureInfo* find_feature(std::string_view name) {
    const auto& m = index();
    auto it = m.find(std::string(name));
    return it == m.end() ? nullptr : it->second;
}

std::string output_name(std::string_view key, Naming naming) {
    const FeatureInfo* f = find_feature(key);
    if (!f) return std::string(key);
    if (naming == Naming::pyradiomics && !f->pyradiomics_name.empty()) return std::string(f->pyradiomics_name);
    return std::string(f->tag);
}

}  // namespace radhpc::features
