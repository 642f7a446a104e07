// Content hashing for resume decisions: XXH64 (Yann Collet's xxHash, 64-bit variant) over
// files and strings. Own implementation so the store has no extra dependency; values equal the
// reference xxHash implementation's XXH64 for the same bytes and seed.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace radhpc::store {

// One-shot XXH64 of a byte range.
std::uint64_t xxh64(const void* data, std::size_t length, std::uint64_t seed = 0);

// Streaming XXH64 (files are hashed in blocks).
class Xxh64 {
public:
    explicit Xxh64(std::uint64_t seed = 0);
    void update(const void* data, std::size_t length);
    std::uint64_t digest() const;

private:
    std::uint64_t v_[4];
    std::uint64_t seed_;
    std::uint64_t total_ = 0;
    unsigned char buffer_[32];
    std::size_t buffered_ = 0;
};

// Hex digest of a file's bytes (16 lowercase hex digits). Throws Error(io) when unreadable.
std::string file_checksum(const std::string& path);

std::string to_hex(std::uint64_t value);

}  // namespace radhpc::store
