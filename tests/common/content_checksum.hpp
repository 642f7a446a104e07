// XXH64 of a file's content, gzip-decompressed when it is gzip (zlib reads other files as they are):
// the archive's bytes before compression, which do not depend on the zlib build. For the synth tests
// that pin archives of a pre-change binary (link radhpc_store and ZLIB::ZLIB).
#pragma once
#include <catch2/catch.hpp>
#include <zlib.h>

#include <filesystem>
#include <string>

#include "radhpc/store/hash.hpp"

namespace testutil {

inline std::string content_checksum(const std::filesystem::path& p) {
    gzFile f = gzopen(p.string().c_str(), "rb");
    REQUIRE(f != nullptr);
    std::string bytes;
    char buffer[1 << 16];
    int n;
    while ((n = gzread(f, buffer, sizeof buffer)) > 0) bytes.append(buffer, std::size_t(n));
    gzclose(f);
    return radhpc::store::to_hex(radhpc::store::xxh64(bytes.data(), bytes.size()));
}

}  // namespace testutil
