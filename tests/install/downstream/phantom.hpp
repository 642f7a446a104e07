// The IBSI 1 digital phantom read from ../shared/data/ibsi1/digital_phantom/nifti (a minimal reader of
// its gzip NIfTI-1 int16 files through zlib, so that phantom_features needs nothing of radhpc but
// radhpc::features) and the reader of the IBSI submission table, for the downstream programs of
// tests/install. Only the radhpc headers of an installed prefix are used.
#pragma once
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace phantom {

// A 3-D int16 NIfTI-1 file (.nii.gz) as doubles on its voxel grid (spacing from pixdim; origin and
// direction left at their defaults: the features used here depend on the spacing only).
inline radhpc::Image read_nifti_int16(const std::string& path) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw std::runtime_error(path + ": cannot open");
    std::vector<char> bytes;
    char chunk[65536];
    int n = 0;
    while ((n = gzread(f, chunk, sizeof chunk)) > 0) bytes.insert(bytes.end(), chunk, chunk + n);
    gzclose(f);
    if (n < 0 || bytes.size() < 352) throw std::runtime_error(path + ": not a gzip NIfTI-1 file");
    auto field = [&](std::size_t offset, auto value) {
        std::memcpy(&value, bytes.data() + offset, sizeof value);
        return value;
    };
    const std::int16_t dims = field(40, std::int16_t{}), datatype = field(70, std::int16_t{});
    const float slope = field(112, float{}), offset = field(108, float{});
    if (dims != 3 || datatype != 4 || (slope != 0 && slope != 1) || field(116, float{}) != 0)
        throw std::runtime_error(path + ": expected a 3-D int16 NIfTI-1 image without intensity scaling");
    radhpc::Geometry g;
    for (int a = 0; a < 3; ++a) {
        g.size[a] = std::size_t(field(42 + 2 * a, std::int16_t{}));
        g.spacing[a] = field(80 + 4 * a, float{});
    }
    radhpc::Image img(g);
    const std::size_t first = std::size_t(offset);
    if (bytes.size() < first + 2 * img.data.size()) throw std::runtime_error(path + ": truncated voxel data");
    for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = field(first + 2 * i, std::int16_t{});
    return img;
}

// The ROI: the mask file's voxels equal to 1.
inline radhpc::Mask read_mask(const std::string& path) {
    const radhpc::Image labels = read_nifti_int16(path);
    radhpc::Mask m(labels.geometry, 0);
    for (std::size_t i = 0; i < m.data.size(); ++i) m.data[i] = labels.data[i] == 1;
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
