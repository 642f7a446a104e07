// The count bumps the fused GLCM and GLRLM builders share: after a row kernel has written, for each
// direction a, the count cell of every voxel of a row segment (keys[a * key_stride + x], a spare cell
// when nothing is counted), the cells are incremented voxel by voxel with the directions of one voxel
// together (independent addresses). Integer counts: the order of the bumps does not matter.
#pragma once
#include <cstddef>
#include <cstdint>

namespace radhpc::features::detail {

inline void bump_cells(std::uint64_t* __restrict counts, const std::int32_t* __restrict keys, std::size_t key_stride,
                       std::size_t len, std::size_t directions) {
    if (directions == 13) {  // PyRadiomics / IBSI 3D: unrolled
        for (std::size_t x = 0; x < len; ++x)
#pragma GCC unroll 13
            for (std::size_t a = 0; a < 13; ++a) ++counts[keys[a * key_stride + x]];
    } else {
        for (std::size_t x = 0; x < len; ++x)
            for (std::size_t a = 0; a < directions; ++a) ++counts[keys[a * key_stride + x]];
    }
}

}  // namespace radhpc::features::detail
