// GLRLM builder (IBSI 3.7 / PyRadiomics cmatrices calculate_glrlm): integer run-length counts.
#include <algorithm>
#include <cstdlib>

#include <tbb/parallel_for.h>

#include "radhpc/features/texture.hpp"

namespace radhpc::features {

// A run starts at an ROI voxel whose predecessor (v - direction) is not of the same level (or outside the
// ROI); it extends while the next voxel has the same level. Every voxel is visited once per direction.
CountMatrix glrlm_matrix(const TextureRoi& roi, const Offset3& direction, int slice) {
    const int n = roi.n_present();
    const std::int64_t step = roi.stride(direction);
    const std::size_t begin = slice < 0 ? 0 : roi.slice_begin[std::size_t(slice)];
    const std::size_t end = slice < 0 ? roi.voxels.size() : roi.slice_begin[std::size_t(slice) + 1];
    const std::int32_t* idx = roi.index.data();
    const int max_len = int(std::max({roi.nx, roi.ny, roi.nz}));
    CountMatrix m(n, max_len);
    int longest = 0;
    for (std::size_t k = begin; k < end; ++k) {
        const std::int64_t v = roi.voxels[k];
        const std::int32_t g = idx[v];
        if (idx[v - step] == g) continue;  // not a run start
        int len = 1;
        for (std::int64_t w = v + step; idx[w] == g; w += step) ++len;
        ++m.at(g, len - 1);
        longest = std::max(longest, len);
    }
    // Keep only columns up to the longest run.
    CountMatrix trimmed(n, std::max(longest, 1));
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < trimmed.cols; ++c) trimmed.at(r, c) = m.at(r, c);
    return trimmed;
}

std::vector<std::size_t> texture_slab_bounds(const TextureRoi& roi, std::size_t bytes_per_slab);  // glcm.cpp

// Fused builder: one raster pass for all directions. For direction step s > 0 (a run direction and its
// reverse give the same runs), the length of the run ending at v is L(v) = L(v - s) + 1 when v - s has the
// same level, else 1; the run is counted where it ends (v + s differs). L lives in a ring buffer spanning
// one slice (|s| < ring), so every access stays within a slice of v: cache friendly for all 13 directions.
std::vector<CountMatrix> glrlm_matrices(const TextureRoi& roi, const std::vector<Offset3>& directions, int slice) {
    const int n = roi.n_present();
    const std::size_t na = directions.size();
    const int max_len = int(std::max({roi.nx, roi.ny, roi.nz}));
    std::vector<std::int64_t> steps;
    std::int64_t widest = 1;
    for (const auto& o : directions) {
        const std::int64_t st = std::abs(roi.stride(o));
        steps.push_back(st);
        widest = std::max(widest, st);
    }
    std::size_t ring = 1;  // power of two > widest step, so ring positions are a mask away
    while (ring <= std::size_t(widest)) ring <<= 1;
    const std::size_t mask = ring - 1;
    const std::size_t cells = std::size_t(n) * std::size_t(max_len);
    std::vector<std::size_t> bounds;
    if (slice < 0) bounds = texture_slab_bounds(roi, na * cells * sizeof(std::uint64_t));
    else bounds = {roi.slice_begin[std::size_t(slice)], roi.slice_begin[std::size_t(slice) + 1]};
    const std::size_t slabs = bounds.size() - 1;
    std::vector<std::vector<std::uint64_t>> partial(slabs);
    const std::int32_t* idx = roi.index.data();
    // Rings are spaced by a non-power-of-two stride so the 13 streams do not fall into the same cache sets.
    const std::size_t ring_stride = ring + 24;
    // Counts are laid out with the direction innermost, (level, length, direction): a voxel's runs of
    // the 13 directions (mostly short) then land in a few adjacent cache lines instead of 13 separate
    // matrices. Every loop invariant is a local, so the count stores cannot make the compiler reload them.
    auto count = [&](std::size_t s) {
        partial[s].assign(na * cells, 0);
        std::uint64_t* __restrict const c = partial[s].data();
        std::vector<std::int32_t> len(na * ring_stride, 0);
        std::int32_t* __restrict const lens = len.data();
        const std::int64_t* __restrict const st = steps.data();
        const std::int64_t* __restrict const vox = roi.voxels.data();
        const std::size_t nd = na, rs = ring_stride, ring_mask = mask, row = std::size_t(max_len);
        const std::int64_t first = bounds[s] < bounds[s + 1] ? vox[bounds[s]] : 0;
        for (std::size_t k = bounds[s], kend = bounds[s + 1]; k < kend; ++k) {
            const std::int64_t v = vox[k];
            const std::int32_t g = idx[v];
            std::uint64_t* __restrict const cg = c + std::size_t(g) * row * nd;
            for (std::size_t a = 0; a < nd; ++a) {
                // Branch-free on the data: run continuation and run end are 0/1 values.
                const std::int64_t step = st[a];
                std::int32_t* __restrict const ring_a = lens + a * rs;
                // continues = 0 or 1; the ring value is loaded unconditionally and masked, so the
                // unpredictable run boundaries cost no branch mispredictions
                const std::int32_t continues = std::int32_t(idx[v - step] == g);
                std::int32_t l = 1 + (ring_a[std::size_t(v - step) & ring_mask] & -continues);
                if (v - step < first && continues) {  // predecessor in an earlier slab: count back
                    l = 1;
                    for (std::int64_t w = v - step; idx[w] == g; w -= step) ++l;
                }
                ring_a[std::size_t(v) & ring_mask] = l;
                // the run is counted where it ends (v + step differs), with its full length
                cg[std::size_t(l - 1) * nd + a] += std::uint64_t(idx[v + step] != g);
            }
        }
    };
    if (slabs == 1) count(0);
    else tbb::parallel_for(std::size_t(0), slabs, count);
    std::vector<CountMatrix> out;
    for (std::size_t a = 0; a < na; ++a) {
        // the longest run: the last length with a count (every run is counted once, at its end)
        int cols = 1;
        for (std::size_t s = 0; s < slabs; ++s)
            for (int r = 0; r < n; ++r)
                for (int l = max_len - 1; l >= cols; --l)
                    if (partial[s][(std::size_t(r) * std::size_t(max_len) + std::size_t(l)) * na + a]) {
                        cols = l + 1;
                        break;
                    }
        CountMatrix m(n, cols);
        for (std::size_t s = 0; s < slabs; ++s)
            for (int r = 0; r < n; ++r)
                for (int l = 0; l < cols; ++l)
                    m.at(r, l) += partial[s][(std::size_t(r) * std::size_t(max_len) + std::size_t(l)) * na + a];
        out.push_back(std::move(m));
    }
    return out;
}

bool glrlm_angle_has_multiple_elements(const TextureRoi& roi, const Offset3& direction) {
    const std::int64_t step = roi.stride(direction);
    const std::int32_t* idx = roi.index.data();
    // Fast path: any two adjacent ROI voxels along the direction.
    for (std::int64_t v : roi.voxels)
        if (idx[v + step] >= 0) return true;
    // Otherwise look further along each line (ROI voxels separated by gaps), within the box.
    for (std::int64_t v : roi.voxels) {
        std::int64_t x = v % roi.nx, y = (v / roi.nx) % roi.ny, z = v / (roi.nx * roi.ny);
        for (;;) {
            x += direction[0];
            y += direction[1];
            z += direction[2];
            if (x < 0 || y < 0 || z < 0 || x >= roi.nx || y >= roi.ny || z >= roi.nz) break;
            if (roi.index[std::size_t(roi.box_index(x, y, z))] >= 0) return true;
        }
    }
    return false;
}

}  // namespace radhpc::features
