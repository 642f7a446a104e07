// Private to the analysis layer: the manifest metadata of a store's studies by study id (used by
// signature scoring and the robust stage).
#pragma once
#include <optional>
#include <string>
#include <unordered_map>

#include "radhpc/store/store.hpp"

namespace radhpc::analysis {

// The manifest metadata of the store's studies by study id (a sweep's records of a study share
// its metadata: the first record stands for the study).
class StudyMetadata {
public:
    explicit StudyMetadata(const store::Contents& contents);
    const store::StudyRecord* study(const std::string& study_id) const;
    // The study's first value of `key`; none for an unknown study or an empty key.
    std::optional<std::string> value(const std::string& study_id, const std::string& key) const;

private:
    std::unordered_map<std::string, const store::StudyRecord*> study_of_;
};

}  // namespace radhpc::analysis
