// 3D Slicer segmentations (.seg.nrrd) as masks; the NRRD itself is read by native_image.cpp.
#include "radhpc/io/slicer_seg.hpp"

#include <cctype>
#include <charconv>
#include <cstring>
#include <map>
#include <regex>
#include <set>
#include <type_traits>

#include "radhpc/core/error.hpp"

namespace radhpc::io {
namespace {

// Limits on what a hostile header can make us hold (the header itself is at most 1 MiB).
constexpr std::size_t kMaxSegments = 100000;

bool ends_with_lower(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    if (s.size() < n) return false;
    for (std::size_t i = 0; i < n; ++i)
        if (char(std::tolower(static_cast<unsigned char>(s[s.size() - n + i]))) != suffix[i]) return false;
    return true;
}

// A name quoted in a message: control characters shown as '?', bounded.
std::string quoted(const std::string& v) {
    std::string r = "'";
    for (std::size_t i = 0; i < v.size() && i < 80; ++i) r += static_cast<unsigned char>(v[i]) < 32 ? '?' : v[i];
    return r + (v.size() > 80 ? "...'" : "'");
}

template <class T>
std::optional<T> parse_integer(const std::string& s) {
    T v{};
    const char* b = s.data();
    const char* e = b + s.size();
    while (b < e && *b == ' ') ++b;
    while (e > b && e[-1] == ' ') --e;
    auto [p, ec] = std::from_chars(b, e, v);
    if (b == e || ec != std::errc() || p != e) return std::nullopt;
    return v;
}

// Calls f(T{}) with the stored integer type of `kind` (floating-point kinds are refused earlier).
template <class F>
void with_integer_type(PixelKind kind, F&& f) {
    switch (kind) {
        case PixelKind::u8: return f(std::uint8_t{});
        case PixelKind::i8: return f(std::int8_t{});
        case PixelKind::u16: return f(std::uint16_t{});
        case PixelKind::i16: return f(std::int16_t{});
        case PixelKind::u32: return f(std::uint32_t{});
        case PixelKind::i32: return f(std::int32_t{});
        case PixelKind::u64: return f(std::uint64_t{});
        case PixelKind::i64: return f(std::int64_t{});
        case PixelKind::f32: case PixelKind::f64: break;
    }
}

}  // namespace

bool is_slicer_segmentation(const std::string& file) { return ends_with_lower(file, ".seg.nrrd") || ends_with_lower(file, ".seg.nhdr"); }

SlicerSegmentation::SlicerSegmentation(const std::string& path) : path_(path), nrrd_(read_nrrd_layers(path)) {
    const auto bad = [&](const std::string& why) { throw Error(ErrorKind::invalid_input, path + ": " + why); };
    if (nrrd_.image.kind == PixelKind::f32 || nrrd_.image.kind == PixelKind::f64)
        bad("floating-point voxels (a fractional labelmap?): a Slicer segmentation mask must be a binary labelmap of integer labels");
    // SegmentN_<field> by segment index; every key once
    std::map<std::size_t, std::map<std::string, std::string>> fields;
    std::set<std::string> seen;
    for (const auto& [key, value] : nrrd_.keys) {
        if (!seen.insert(key).second) bad("key " + quoted(key) + " given twice");
        if (key == "Segmentation_SourceRepresentation" || key == "Segmentation_MasterRepresentation") {
            if (value != "Binary labelmap") bad(key + " is " + quoted(value) + " (radhpc reads binary labelmap segmentations only)");
            continue;
        }
        if (key.rfind("Segment", 0) != 0 || key.size() < 9 || !std::isdigit(static_cast<unsigned char>(key[7]))) continue;
        const std::size_t underscore = key.find('_', 7);
        if (underscore == std::string::npos) continue;
        const auto index = parse_integer<std::size_t>(key.substr(7, underscore - 7));
        if (!index || *index >= kMaxSegments) bad("key " + quoted(key) + ": segment index beyond " + std::to_string(kMaxSegments));
        fields[*index][key.substr(underscore + 1)] = value;
    }
    if (fields.empty()) bad("no SegmentN_ keys (SegmentN_ID, SegmentN_Name, ...): not a 3D Slicer segmentation");
    const bool four_d = nrrd_.layers > 1;
    std::size_t expected = 0;
    for (const auto& entry : fields) {
        // named, not structured bindings: clang 14 (the fuzz build) cannot capture those in a lambda
        const auto index = entry.first;
        const auto& f = entry.second;
        if (index != expected) bad("segment " + std::to_string(expected) + " missing (segments are numbered 0, 1, ... without gaps)");
        ++expected;
        SlicerSegment s;
        const auto get = [&](const char* k) { const auto it = f.find(k); return it == f.end() ? std::optional<std::string>() : it->second; };
        const std::string n = "Segment" + std::to_string(index) + "_";
        s.id = get("ID").value_or("");
        s.name = get("Name").value_or(s.id);
        if (s.name.empty()) bad(n + "Name and " + n + "ID missing or empty");
        // files before Slicer 4.11 have neither Layer nor LabelValue: one segment per layer, value 1
        s.layer = four_d ? index : 0;
        if (const auto v = get("Layer")) {
            const auto layer = parse_integer<std::size_t>(*v);
            if (!layer || *layer >= nrrd_.layers)
                bad(n + "Layer " + quoted(*v) + " is not a layer of the file (" + std::to_string(nrrd_.layers) + " layers)");
            s.layer = *layer;
        } else if (s.layer >= nrrd_.layers) {
            bad(n + "Layer missing and segment " + std::to_string(index) + " has no layer of its own");
        }
        if (const auto v = get("LabelValue")) {
            const auto label = parse_integer<std::int64_t>(*v);
            if (!label || *label <= 0) bad(n + "LabelValue " + quoted(*v) + " is not a positive integer");
            s.label_value = *label;
        }
        segments_.push_back(std::move(s));
    }
}

std::string SlicerSegmentation::described() const {
    std::string out;
    for (const auto& s : segments_)
        out += (out.empty() ? "" : ", ") + quoted(s.name) + " (layer " + std::to_string(s.layer) + ", label " + std::to_string(s.label_value) + ")";
    return out;
}

std::size_t SlicerSegmentation::select(const std::string& name, bool name_is_pattern, std::optional<int> label) const {
    std::vector<std::size_t> hits;
    std::string what;
    if (!name.empty()) {
        what = "match " + quoted(name);
        std::regex re;
        if (name_is_pattern) {
            try {
                re = std::regex(name, std::regex::ECMAScript);
            } catch (const std::regex_error&) {
                throw Error(ErrorKind::settings, "segment pattern " + quoted(name) + " is not a valid regular expression");
            }
        }
        for (std::size_t i = 0; i < segments_.size(); ++i)
            if (name_is_pattern ? std::regex_match(segments_[i].name, re) : segments_[i].name == name) hits.push_back(i);
        if (hits.empty() && !name_is_pattern)  // the segment's ID ("Segment_1") when no name matches
            for (std::size_t i = 0; i < segments_.size(); ++i)
                if (segments_[i].id == name) hits.push_back(i);
    } else if (label) {
        what = "have label value " + std::to_string(*label);
        for (std::size_t i = 0; i < segments_.size(); ++i)
            if (segments_[i].label_value == *label) hits.push_back(i);
    } else {
        if (segments_.size() == 1) return 0;
        throw Error(ErrorKind::invalid_input, path_ + ": " + std::to_string(segments_.size()) +
                                                  " segments and none named (name one: FILE#NAME, --roi NAME or dicom.roi; segments: " + described() + ")");
    }
    if (hits.size() != 1)
        throw Error(ErrorKind::invalid_input, path_ + ": " + (hits.empty() ? std::string("no segment") : std::to_string(hits.size()) + " segments") +
                                                  " " + what + " (segments: " + described() + ")");
    return hits[0];
}

Mask SlicerSegmentation::mask(std::size_t index) const {
    const SlicerSegment& s = segments_.at(index);
    const NativeImage& img = nrrd_.image;
    Mask m(img.geometry, 0);
    std::size_t count = 0;
    with_integer_type(img.kind, [&](auto zero) {
        using T = decltype(zero);
        const std::size_t L = nrrd_.layers, n = m.data.size();
        const std::byte* p = img.data.data() + s.layer * sizeof(T);
        for (std::size_t v = 0; v < n; ++v) {
            T x;
            std::memcpy(&x, p + v * L * sizeof(T), sizeof x);
            // compared as values: an unsigned voxel beyond int64 matches no (positive int64) label
            const bool in = std::is_signed_v<T> ? std::int64_t(x) == s.label_value : std::uint64_t(x) == std::uint64_t(s.label_value);
            m.data[v] = in;
            count += in;
        }
    });
    if (count == 0)
        throw Error(ErrorKind::empty_roi, path_ + ": segment " + quoted(s.name) + " (layer " + std::to_string(s.layer) + ", label " +
                                              std::to_string(s.label_value) + ") has no voxels (empty mask)");
    return m;
}

}  // namespace radhpc::io
