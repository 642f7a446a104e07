// A whole file as one string (job files, manifests, CSV tables, protocol messages): one reader, one
// error text. Layer `core`: standard library only.
#pragma once
#include <string>

#include "radhpc/core/error.hpp"

namespace radhpc {

// The file's bytes. Throws Error(kind, "<path>: <failure>") when it cannot be opened or read;
// `failure` defaults to "cannot read" (callers name what the file was for, e.g. "cannot read manifest").
std::string read_file_text(const std::string& path, ErrorKind kind = ErrorKind::io, const std::string& failure = "cannot read");

// The file's bytes, or "" when it does not exist or cannot be read (optional inputs).
std::string read_file_text_or_empty(const std::string& path);

}  // namespace radhpc
