// Zone labelling (shared by GLSZM and GLDZM) and the GLSZM builder (IBSI 3.8 / PyRadiomics calculate_glszm).
#include <algorithm>

#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// Connected components of equal grey level under the given connectivity (8 in-plane, 26 in 3D).
// Iterative flood fill with one preallocated stack; voxels are seeded in ascending box order, so the zone
// list is the same for every run.
std::vector<Zone> label_zones(const TextureRoi& roi, const std::vector<Offset3>& connectivity,
                              const std::vector<std::int32_t>& distance_map) {
    std::vector<std::int64_t> steps;
    for (const auto& o : connectivity) steps.push_back(roi.stride(o));
    std::vector<std::uint8_t> done(roi.index.size(), 0);
    std::vector<std::int64_t> stack;
    stack.reserve(roi.voxels.size());
    const bool with_distance = !distance_map.empty();
    std::vector<Zone> zones;
    const std::int32_t* idx = roi.index.data();
    for (std::int64_t seed : roi.voxels) {
        if (done[std::size_t(seed)]) continue;
        const std::int32_t g = idx[seed];
        Zone zone;
        zone.level = g;
        zone.slice = int(seed / (roi.nx * roi.ny));
        zone.distance = with_distance ? distance_map[std::size_t(seed)] : 0;
        done[std::size_t(seed)] = 1;
        stack.push_back(seed);
        while (!stack.empty()) {
            const std::int64_t v = stack.back();
            stack.pop_back();
            ++zone.size;
            if (with_distance) zone.distance = std::min(zone.distance, distance_map[std::size_t(v)]);
            for (std::int64_t s : steps) {
                const std::int64_t w = v + s;
                if (idx[w] == g && !done[std::size_t(w)]) {
                    done[std::size_t(w)] = 1;
                    stack.push_back(w);
                }
            }
        }
        zones.push_back(zone);
    }
    return zones;
}

// S(i, s) = number of zones of level i and size s.
CountMatrix glszm_matrix(const TextureRoi& roi, const std::vector<Zone>& zones, int slice) {
    int largest = 1;
    for (const auto& z : zones)
        if (slice < 0 || z.slice == slice) largest = std::max(largest, z.size);
    CountMatrix m(roi.n_present(), largest);
    for (const auto& z : zones)
        if (slice < 0 || z.slice == slice) ++m.at(z.level, z.size - 1);
    return m;
}

}  // namespace radhpc::features
