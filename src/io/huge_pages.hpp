// Whole-volume buffers: reserve, then ask the kernel for transparent huge pages on the untouched
// memory, so filling a 100 MB-1 GB volume faults 2 MB pages instead of 4 KB ones (page faults
// dominated reading time, on virtual machines especially). Advice only: without THP nothing changes.
#pragma once
#include <sys/mman.h>

#include <cstdint>
#include <vector>

namespace radhpc::io::detail {

template <class T>
void reserve_huge(std::vector<T>& v, std::size_t n) {
    v.reserve(n);
    constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(v.data());
    const std::uintptr_t end = begin + n * sizeof(T);
    const std::uintptr_t a = (begin + huge - 1) & ~(huge - 1), b = end & ~(huge - 1);
    if (b > a) (void)::madvise(reinterpret_cast<void*>(a), b - a, MADV_HUGEPAGE);
}

}  // namespace radhpc::io::detail
