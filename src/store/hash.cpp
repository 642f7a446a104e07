// XXH64 as specified in xxHash's doc/xxhash_spec.md (64-bit variant): 4 lanes of
// multiply-rotate rounds over 32-byte stripes, then merge, tail and avalanche.
#include "radhpc/store/hash.hpp"

#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include "radhpc/core/error.hpp"

namespace radhpc::store {
namespace {

constexpr std::uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full, P3 = 0x165667B19E3779F9ull,
                        P4 = 0x85EBCA77C2B2AE63ull, P5 = 0x27D4EB2F165667C5ull;

inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline std::uint64_t read64(const unsigned char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // little-endian hosts only (x86-64, aarch64): the store records hex digests
    return v;
}
inline std::uint32_t read32(const unsigned char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}
inline std::uint64_t round(std::uint64_t acc, std::uint64_t lane) { return rotl(acc + lane * P2, 31) * P1; }
inline std::uint64_t merge(std::uint64_t acc, std::uint64_t v) { return (acc ^ round(0, v)) * P1 + P4; }

std::uint64_t finish(std::uint64_t h, const unsigned char* p, std::size_t len) {
    while (len >= 8) {
        h ^= round(0, read64(p));
        h = rotl(h, 27) * P1 + P4;
        p += 8;
        len -= 8;
    }
    if (len >= 4) {
        h ^= std::uint64_t(read32(p)) * P1;
        h = rotl(h, 23) * P2 + P3;
        p += 4;
        len -= 4;
    }
    while (len > 0) {
        h ^= std::uint64_t(*p) * P5;
        h = rotl(h, 11) * P1;
        ++p;
        --len;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

}  // namespace

Xxh64::Xxh64(std::uint64_t seed) : v_{seed + P1 + P2, seed + P2, seed, seed - P1}, seed_(seed) {}

void Xxh64::update(const void* data, std::size_t length) {
    auto p = static_cast<const unsigned char*>(data);
    total_ += length;
    if (buffered_ + length < 32) {
        std::memcpy(buffer_ + buffered_, p, length);
        buffered_ += length;
        return;
    }
    if (buffered_ > 0) {
        const std::size_t fill = 32 - buffered_;
        std::memcpy(buffer_ + buffered_, p, fill);
        for (int i = 0; i < 4; ++i) v_[i] = round(v_[i], read64(buffer_ + 8 * i));
        p += fill;
        length -= fill;
        buffered_ = 0;
    }
    while (length >= 32) {
        for (int i = 0; i < 4; ++i) v_[i] = round(v_[i], read64(p + 8 * i));
        p += 32;
        length -= 32;
    }
    std::memcpy(buffer_, p, length);
    buffered_ = length;
}

std::uint64_t Xxh64::digest() const {
    std::uint64_t h;
    if (total_ >= 32) {
        h = rotl(v_[0], 1) + rotl(v_[1], 7) + rotl(v_[2], 12) + rotl(v_[3], 18);
        for (int i = 0; i < 4; ++i) h = merge(h, v_[i]);
    } else {
        h = seed_ + P5;
    }
    h += total_;
    return finish(h, buffer_, buffered_);
}

std::uint64_t xxh64(const void* data, std::size_t length, std::uint64_t seed) {
    Xxh64 s(seed);
    s.update(data, length);
    return s.digest();
}

std::string to_hex(std::uint64_t value) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(value));
    return buf;
}

std::string file_checksum(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(ErrorKind::io, path + ": cannot open for checksum");
    Xxh64 s;
    // One uninitialised block per thread: a zero-filled 1 MiB vector per file cost more than
    // hashing the small files of a typical archive.
    thread_local std::unique_ptr<unsigned char[]> buffer(new unsigned char[1 << 20]);
    unsigned char* const data = buffer.get();
    std::size_t n;
    while ((n = std::fread(data, 1, 1 << 20, f)) > 0) s.update(data, n);
    const bool failed = std::ferror(f);
    std::fclose(f);
    if (failed) throw Error(ErrorKind::io, path + ": read error while computing checksum");
    return to_hex(s.digest());
}

}  // namespace radhpc::store
