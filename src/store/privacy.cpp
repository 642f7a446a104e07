// Private paths: one mapping of input paths for everything written (include/radhpc/store/privacy.hpp).
#include "radhpc/store/privacy.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "radhpc/core/error.hpp"
#include "radhpc/store/hash.hpp"

namespace radhpc::store {
namespace fs = std::filesystem;
namespace {

// Lexically normal, without a trailing separator (except the root itself).
std::string normal(const fs::path& p) {
    std::string s = p.lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

// Characters of a file or folder name (UTF-8 bytes of non-ASCII names included): a known path
// only matches where it is not part of a longer name.
bool name_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u) || std::strchr("._-~+@%", c) != nullptr;
}

// Where a path below a known one ends in a message ("cannot open /a/b.nii: reason").
bool path_end(char c) { return std::isspace(static_cast<unsigned char>(c)) || std::strchr("\"'`:,;)]}<>#|", c) != nullptr; }

std::string hashed(const std::string& relative) { return "h:" + to_hex(xxh64(relative.data(), relative.size())); }

}  // namespace

PathMode parse_path_mode(const std::string& text) {
    if (text == "full") return PathMode::full;
    if (text == "relative") return PathMode::relative;
    if (text == "hashed") return PathMode::hashed;
    throw Error(ErrorKind::settings, "privacy.paths: '" + text + "' is not one of full, relative, hashed");
}

PathPrivacy::PathPrivacy(PathMode mode, const std::string& base_file) : mode_(mode) {
    std::error_code ec;
    const std::string file = absolute_of(base_file);
    base_ = fs::is_directory(file, ec) ? file : normal(fs::path(file).parent_path());
    roots_.push_back({base_, base_});
    if (const fs::path canonical = fs::canonical(base_, ec); !ec && normal(canonical) != base_) roots_.push_back({normal(canonical), base_});
    if (file != base_) {
        roots_.push_back({file, file});
        if (base_file != file) roots_.push_back({base_file, file});
    }
    // The folder as given on the command line (relative to the current directory): in hashed mode
    // its name must go too; in relative mode it is already relative.
    if (mode_ == PathMode::hashed) {
        const std::string given = fs::path(base_file).parent_path().string();
        if (!given.empty() && given != "." && given != base_) roots_.push_back({given, base_});
    }
}

std::string PathPrivacy::absolute_of(const std::string& path) const {
    const fs::path p(path);
    if (p.is_absolute()) return normal(p);
    return normal(fs::absolute(p));
}

std::string PathPrivacy::relative_of(const std::string& absolute) const {
    const std::string r = fs::path(absolute).lexically_relative(base_).string();
    return r.empty() ? absolute : r;
}

std::string PathPrivacy::display(const std::string& path) const {
    if (mode_ == PathMode::full) return path;
    const std::string rel = relative_of(absolute_of(path));
    return mode_ == PathMode::relative ? rel : hashed(rel);
}

std::string PathPrivacy::redisplay(const std::string& stored) const {
    if (mode_ == PathMode::full || stored.rfind("h:", 0) == 0) return stored;
    if (fs::path(stored).is_absolute()) return display(stored);
    return display(normal(fs::path(base_) / stored));  // a relative form: relative to the base
}

bool PathPrivacy::same_input(const std::string& stored, const std::string& path) const {
    if (stored == path) return true;
    if (base_.empty()) return false;
    const std::string rel = relative_of(absolute_of(path));
    return stored == rel || stored == hashed(rel);
}

std::string PathPrivacy::scrub(const std::string& text, const std::vector<std::string>& inputs) const {
    if (mode_ == PathMode::full || text.empty()) return text;
    // Relative mode: a text without '/' names no absolute path (and a bare name given relative to
    // the current directory is the manifest's own folder's, already in its relative form).
    if (mode_ == PathMode::relative && text.find('/') == std::string::npos) return text;
    std::vector<Root> roots = roots_;
    for (const auto& in : inputs) {
        if (in.empty()) continue;
        const std::string abs = absolute_of(in);
        roots.push_back({in, abs});
        if (abs != in) roots.push_back({abs, abs});
        // A relative form written by an earlier run in relative mode
        if (mode_ == PathMode::hashed) roots.push_back({relative_of(abs), abs});
    }
    std::erase_if(roots, [](const Root& r) { return r.text.empty() || r.text == "." || r.text == "/" || r.text == ".."; });
    // Longest first: a file below a folder is matched as itself.
    std::stable_sort(roots.begin(), roots.end(), [](const Root& a, const Root& b) { return a.text.size() > b.text.size(); });
    auto shown = [&](const std::string& absolute) {
        const std::string rel = relative_of(absolute);
        return mode_ == PathMode::relative ? rel : hashed(rel);
    };
    std::string out;
    out.reserve(text.size());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        bool matched = false;
        if (i == 0 || (!name_char(text[i - 1]) && text[i - 1] != '/')) {
            for (const auto& r : roots) {
                if (text.compare(i, r.text.size(), r.text) != 0) continue;
                std::size_t end = i + r.text.size();
                if (end < n && name_char(text[end])) continue;  // part of a longer name
                std::string absolute = r.absolute;
                if (end < n && text[end] == '/') {  // a path below the known one: up to where the path ends
                    std::size_t e = end;
                    while (e < n && !path_end(text[e])) ++e;
                    while (e > end && (text[e - 1] == '.' || text[e - 1] == '/')) --e;  // sentence end, trailing slash
                    if (e > end + 1) absolute = normal(fs::path(absolute) / text.substr(end + 1, e - end - 1));
                    end = std::max(end, e);
                }
                out += shown(absolute);
                i = end;
                matched = true;
                break;
            }
        }
        if (!matched) out += text[i++];
    }
    return out;
}

}  // namespace radhpc::store
