// SplitMix64: a tiny seeded generator that gives the same numbers with every compiler and library
// (std:: distributions are implementation-defined). Used to make synthetic data, seeds and tests.
#pragma once
#include <cstdint>

namespace radhpc {

inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

struct SplitMix64 {
    std::uint64_t state;
    std::uint64_t next() { return splitmix64(state); }
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }  // [0, 1), 53 random bits
    int integer(int lo, int hi) { return lo + int(next() % std::uint64_t(hi - lo + 1)); }  // [lo, hi]
};

}  // namespace radhpc
