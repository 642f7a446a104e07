// The IBSI 1 digital phantom (5 x 4 x 4 voxels, 2 mm; ../shared/data/ibsi1/digital_phantom/nifti,
// copied here voxel by voxel, x fastest) and the reader of the IBSI submission table, for the
// downstream programs of tests/install. Only the radhpc headers of an installed prefix are used.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace phantom {

inline radhpc::Geometry geometry() {
    radhpc::Geometry g;
    g.size = {5, 4, 4};
    g.spacing = {2.0, 2.0, 2.0};
    return g;
}

inline radhpc::Image image() {
    static const int values[80] = {1, 4, 4, 1, 1, 1, 4, 6, 1, 1, 4, 1, 6, 4, 1, 4, 4, 6, 4, 1,
                                   1, 4, 4, 1, 1, 1, 1, 6, 1, 1, 1, 1, 3, 1, 1, 4, 4, 6, 1, 1,
                                   1, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 9, 1, 1, 1, 1, 6, 1, 1,
                                   1, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 6, 1, 1};
    radhpc::Image img(geometry());
    for (std::size_t i = 0; i < 80; ++i) img.data[i] = values[i];
    return img;
}

inline radhpc::Mask mask() {
    static const int outside[6] = {30, 43, 44, 52, 63, 64};  // 74 of the 80 voxels are in the ROI
    radhpc::Mask m(geometry(), 1);
    for (int i : outside) m.data[std::size_t(i)] = 0;
    return m;
}

// One CSV line split at commas outside double quotes (quotes removed).
inline std::vector<std::string> split_csv(const std::string& line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        else if (c == ',' && !quoted) out.emplace_back();
        else if (c != '\r') out.back() += c;
    }
    return out;
}

struct Reference {
    double value, tolerance;
};

// tag -> (reference value, tolerance) of ibsi1_submission_table_digital_phantom.csv
// (columns: dataset,family,feature,consensus,reference value,tolerance,...,tag); rows without a value skipped.
inline std::map<std::string, Reference> read_references(const std::string& path) {
    std::map<std::string, Reference> refs;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        const auto f = split_csv(line);
        if (f.size() < 10 || f[4].empty()) continue;
        refs[f.back()] = {std::stod(f[4]), f[5].empty() ? 0.0 : std::stod(f[5])};
    }
    return refs;
}

// IBSI's rule: the value rounded to 3 significant digits, or the value itself, within the tolerance.
inline bool matches(double value, const Reference& ref) {
    if (!std::isfinite(value)) return false;
    double rounded = value;
    if (value != 0) {
        const double scale = std::pow(10.0, 2 - std::floor(std::log10(std::abs(value))));
        rounded = std::round(value * scale) / scale;
    }
    const double slack = ref.tolerance + 1e-9 * std::max(1.0, std::abs(ref.value));
    return std::abs(rounded - ref.value) <= slack || std::abs(value - ref.value) <= slack;
}

}  // namespace phantom
