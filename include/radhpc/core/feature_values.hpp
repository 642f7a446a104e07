// A computed feature set: ordered (canonical name, value) pairs.
#pragma once
#include <string>
#include <vector>

namespace radhpc {

struct FeatureValue {
    std::string name;  // canonical IBSI tag (see features/registry.hpp), or a diagnostic key
    double value;
};

using FeatureValues = std::vector<FeatureValue>;

}  // namespace radhpc
