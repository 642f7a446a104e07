// gzip-wrapped deflate of a byte string (zlib), for tests and fuzz seeds that write .gz inputs.
#pragma once
#include <zlib.h>

#include <string>
#include <string_view>

namespace testutil {

inline std::string gzip_bytes(std::string_view raw) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);  // +16: gzip wrapper
    std::string out(deflateBound(&z, uLong(raw.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
    z.avail_in = uInt(raw.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = uInt(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

}  // namespace testutil
