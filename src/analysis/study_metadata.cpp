#include "study_metadata.hpp"

namespace radhpc::analysis {

StudyMetadata::StudyMetadata(const store::Contents& c) {
    for (const auto& s : c.studies) study_of_.emplace(s.study_id, &s);
}

const store::StudyRecord* StudyMetadata::study(const std::string& study_id) const {
    const auto it = study_of_.find(study_id);
    return it == study_of_.end() ? nullptr : it->second;
}

std::optional<std::string> StudyMetadata::value(const std::string& study_id, const std::string& key) const {
    const store::StudyRecord* s = study(study_id);
    if (!s || key.empty()) return std::nullopt;
    for (const auto& [k, v] : s->metadata)
        if (k == key) return v;
    return std::nullopt;
}

}  // namespace radhpc::analysis
