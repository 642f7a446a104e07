// Plain byte messages between processes of one job (MPI ranks, a rank and its study process):
// values in the machine's own representation, lengths before strings and vectors. Not a file
// format: both ends are the same executable on the same kind of machine.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "radhpc/core/error.hpp"

namespace radhpc {

struct ByteWriter {
    std::vector<char> buf;
    void raw(const void* p, std::size_t n) { buf.insert(buf.end(), static_cast<const char*>(p), static_cast<const char*>(p) + n); }
    void u64(std::uint64_t v) { raw(&v, 8); }
    void i64(std::int64_t v) { raw(&v, 8); }
    void f64(double v) { raw(&v, 8); }
    void str(const std::string& s) {
        u64(s.size());
        raw(s.data(), s.size());
    }
    template <class T>
    void vec(const std::vector<T>& v) {
        u64(v.size());
        raw(v.data(), v.size() * sizeof(T));
    }
};

// Reads what a ByteWriter wrote, in the same order; a short message is Error(internal).
struct ByteReader {
    const char* p;
    const char* end;
    void raw(void* out, std::size_t n) {
        if (std::size_t(end - p) < n) throw Error(ErrorKind::internal, "truncated message");
        std::memcpy(out, p, n);
        p += n;
    }
    std::uint64_t u64() {
        std::uint64_t v;
        raw(&v, 8);
        return v;
    }
    std::int64_t i64() {
        std::int64_t v;
        raw(&v, 8);
        return v;
    }
    double f64() {
        double v;
        raw(&v, 8);
        return v;
    }
    std::string str() {
        const auto n = u64();
        if (std::size_t(end - p) < n) throw Error(ErrorKind::internal, "truncated message");
        std::string s(p, n);
        p += n;
        return s;
    }
    template <class T>
    std::vector<T> vec() {
        const auto n = u64();
        if (std::size_t(end - p) / sizeof(T) < n) throw Error(ErrorKind::internal, "truncated message");
        std::vector<T> v(static_cast<std::size_t>(n));
        raw(v.data(), v.size() * sizeof(T));
        return v;
    }
};

}  // namespace radhpc
