// Seeded, platform-independent random numbers. std::uniform_int_distribution and std::shuffle
// are implementation-defined, so fold assignments and bootstrap samples use these instead: the
// same seed gives the same folds and replicates with any compiler and any thread count.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "radhpc/core/random.hpp"

namespace radhpc::stats {

// SplitMix64 (core/random.hpp) expands a seed and derives independent per-task seeds.
using radhpc::splitmix64;

// Seed of task `index` of a procedure seeded with `seed` (e.g. bootstrap replicate b): a pure
// function of (seed, index), so replicates can run in any order, on any thread or MPI rank.
inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) {
    std::uint64_t s = seed ^ (0xD1B54A32D192ED03ULL * (index + 1));
    splitmix64(s);
    return splitmix64(s);
}

// xoshiro256** generator.
class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        std::uint64_t s = seed;
        for (auto& word : state_) word = splitmix64(s);
    }
    std::uint64_t next() {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }
    // Uniform on [0, 1) with 53 random bits.
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject).
    std::uint64_t below(std::uint64_t n) {
        unsigned __int128 m = (unsigned __int128)next() * n;
        std::uint64_t low = std::uint64_t(m);
        if (low < n) {
            const std::uint64_t threshold = (0 - n) % n;
            while (low < threshold) {
                m = (unsigned __int128)next() * n;
                low = std::uint64_t(m);
            }
        }
        return std::uint64_t(m >> 64);
    }
    template <class T>
    void shuffle(std::vector<T>& v) {  // Fisher-Yates
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t state_[4];
};

}  // namespace radhpc::stats
