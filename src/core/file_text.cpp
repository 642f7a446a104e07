#include "radhpc/core/file_text.hpp"

#include <fstream>
#include <sstream>

namespace radhpc {

std::string read_file_text(const std::string& path, ErrorKind kind, const std::string& failure) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(kind, path + ": " + failure);
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(kind, path + ": " + failure);
    return text.str();
}

std::string read_file_text_or_empty(const std::string& path) {
    try {
        return read_file_text(path);
    } catch (const Error&) {
        return {};
    }
}

}  // namespace radhpc
