// Contour randomisation (Zwanenburg et al., Sci Rep 2019; MIRP's MaskImage.randomise_mask):
// supervoxels from a small deterministic SLIC (Achanta et al., TPAMI 2012; parameters as MIRP
// passes them to skimage.segmentation.slic), each kept with probability = its overlap with the ROI.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "perturb_internal.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/preprocess/perturb.hpp"

namespace radhpc::preprocess {
namespace {

constexpr double kCompactness = 0.05;  // MIRP's slic(compactness=0.05) on intensities scaled to [0, 1]
constexpr int kIterations = 10;        // skimage's default max_num_iter

// Separable Gaussian smoothing, sigma in voxels per axis, truncated at 4 sigma, mirrored at the
// edges (scipy.ndimage 'reflect').
void gaussian_smooth(std::vector<double>& v, const Size3& n, const Vec3& sigma) {
    const std::size_t stride[3] = {1, n[0], n[0] * n[1]};
    std::vector<double> line, out;
    for (int a = 0; a < 3; ++a) {
        if (sigma[a] <= 0 || n[a] < 2) continue;
        const int radius = int(std::ceil(4.0 * sigma[a]));
        std::vector<double> w(std::size_t(2 * radius + 1));
        double sum = 0;
        for (int k = -radius; k <= radius; ++k) sum += w[std::size_t(k + radius)] = std::exp(-0.5 * double(k * k) / (sigma[a] * sigma[a]));
        for (double& x : w) x /= sum;
        const int b = a == 0 ? 1 : 0, c = a == 2 ? 1 : 2;
        line.resize(n[a]);
        out.resize(n[a]);
        const std::int64_t len = std::int64_t(n[a]);
        for (std::size_t ic = 0; ic < n[c]; ++ic)
            for (std::size_t ib = 0; ib < n[b]; ++ib) {
                const std::size_t base = ib * stride[b] + ic * stride[c];
                for (std::size_t i = 0; i < n[a]; ++i) line[i] = v[base + i * stride[a]];
                for (std::int64_t i = 0; i < len; ++i) {
                    double s = 0;
                    for (int k = -radius; k <= radius; ++k) {
                        std::int64_t j = i + k;
                        // reflect: -1 -> 0, len -> len-1 (period 2 len)
                        while (j < 0 || j >= len) j = j < 0 ? -j - 1 : 2 * len - j - 1;
                        s += w[std::size_t(k + radius)] * line[std::size_t(j)];
                    }
                    out[std::size_t(i)] = s;
                }
                for (std::size_t i = 0; i < n[a]; ++i) v[base + i * stride[a]] = out[i];
            }
    }
}

struct Centre {
    double x, y, z, value;  // position in voxel index units of the region, intensity in [0, 1]
};

}  // namespace

Mask randomise_contour(const Image& image, const Mask& mask, std::uint64_t seed, std::optional<double> range_min,
                       std::optional<double> range_max) {
    const auto box = bounding_box(mask);
    if (!box) return mask;
    const Vec3& sp = mask.geometry.spacing;
    // ---- region: the ROI box plus 25 mm, within the grid ----
    Index3 lo, hi;
    Size3 n;
    for (int a = 0; a < 3; ++a) {
        const std::int64_t pad = std::int64_t(std::ceil(detail::kContourBoundaryMm / sp[a]));
        lo[a] = std::max<std::int64_t>(0, box->lo[a] - pad);
        hi[a] = std::min<std::int64_t>(std::int64_t(mask.geometry.size[a]) - 1, box->hi[a] + pad);
        n[a] = std::size_t(hi[a] - lo[a] + 1);
    }
    const std::size_t count = n[0] * n[1] * n[2];
    auto region_index = [&](std::size_t x, std::size_t y, std::size_t z) { return x + n[0] * (y + n[1] * z); };
    auto grid_index = [&](std::size_t x, std::size_t y, std::size_t z) {
        return mask.index(std::size_t(lo[0]) + x, std::size_t(lo[1]) + y, std::size_t(lo[2]) + z);
    };

    // ---- intensities: clipped to the (widened) range, scaled to [0, 1], smoothed ----
    double lo_v = INFINITY, hi_v = -INFINITY;
    for (std::size_t i = 0; i < mask.data.size(); ++i)
        if (mask.data[i] && std::isfinite(image.data[i])) {
            lo_v = std::min(lo_v, image.data[i]);
            hi_v = std::max(hi_v, image.data[i]);
        }
    if (range_min) lo_v = *range_min;
    if (range_max) hi_v = *range_max;
    const double widen = 0.1 * (hi_v - lo_v);
    lo_v -= widen;
    hi_v += widen;
    const double scale = hi_v > lo_v ? 1.0 / (hi_v - lo_v) : 0.0;
    std::vector<double> v(count);
    for (std::size_t z = 0; z < n[2]; ++z)
        for (std::size_t y = 0; y < n[1]; ++y)
            for (std::size_t x = 0; x < n[0]; ++x) {
                double g = image.data[grid_index(x, y, z)];
                g = std::isfinite(g) ? std::clamp(g, lo_v, hi_v) : lo_v;
                v[region_index(x, y, z)] = (g - lo_v) * scale;
            }
    const double min_spacing = std::min({sp[0], sp[1], sp[2]});
    gaussian_smooth(v, n, {min_spacing / sp[0], min_spacing / sp[1], min_spacing / sp[2]});

    // ---- initial centres on a regular grid: one per max(20 voxels, 500 mm^3) ----
    const double voxel_volume = sp[0] * sp[1] * sp[2];
    const double voxels_per_segment = std::max(20.0, 500.0 / voxel_volume);
    const double segments = std::max(1.0, std::floor(double(count) / voxels_per_segment));
    const double step_mm = std::cbrt(double(count) * voxel_volume / segments);
    Index3 step;
    for (int a = 0; a < 3; ++a) step[a] = std::max<std::int64_t>(1, std::llround(step_mm / sp[a]));
    std::vector<Centre> centres;
    for (std::int64_t z = step[2] / 2; z < std::int64_t(n[2]); z += step[2])
        for (std::int64_t y = step[1] / 2; y < std::int64_t(n[1]); y += step[1])
            for (std::int64_t x = step[0] / 2; x < std::int64_t(n[0]); x += step[0])
                centres.push_back({double(x), double(y), double(z), v[region_index(std::size_t(x), std::size_t(y), std::size_t(z))]});

    // ---- SLIC iterations: D^2 = (dc / m)^2 + (ds / S)^2, ds in mm, window +-2S per axis ----
    const double inv_m2 = 1.0 / (kCompactness * kCompactness), inv_s2 = 1.0 / (step_mm * step_mm);
    std::vector<std::int32_t> label(count, -1);
    std::vector<double> best(count);
    for (int iter = 0; iter < kIterations; ++iter) {
        // Each voxel takes the nearest centre whose window holds it, the lowest index on a tie:
        // the result does not depend on the order voxels are visited, so slices run in parallel.
        std::vector<std::array<std::int64_t, 6>> window(centres.size());
        for (std::size_t c = 0; c < centres.size(); ++c) {
            const double pc[3] = {centres[c].x, centres[c].y, centres[c].z};
            for (int a = 0; a < 3; ++a) {
                window[c][std::size_t(a)] = std::max<std::int64_t>(0, std::int64_t(std::floor(pc[a] - 2.0 * double(step[a]))));
                window[c][std::size_t(a) + 3] =
                    std::min<std::int64_t>(std::int64_t(n[a]) - 1, std::int64_t(std::ceil(pc[a] + 2.0 * double(step[a]))));
            }
        }
        auto in_window = [&](std::size_t c, std::int64_t x, std::int64_t y, std::int64_t z) {
            const auto& w = window[c];
            return x >= w[0] && x <= w[3] && y >= w[1] && y <= w[4] && z >= w[2] && z <= w[5];
        };
        tbb::parallel_for(std::int64_t(0), std::int64_t(n[2]), [&](std::int64_t z) {
            // Why this is faster but gives the same labels:
            // 1. Each voxel first takes its previous centre (when its window still holds the voxel),
            //    with D^2 from the same expression as below. The winner is the arg min of D^2 with
            //    the lowest index on a tie whatever the visiting order, given the comparison
            //    "smaller, or equal with a lower index" - so the seed only makes `best` small early.
            // 2. Rows are cut into segments of kSegment voxels. A segment cannot win anywhere when
            //    the smallest spatial term its voxels can have, ((min dx^2 + dy^2) + dz^2) / S^2,
            //    already exceeds the largest `best` in it: D^2 rounds to at least that (rounding is
            //    monotone, dc^2 / m^2 >= 0). `best` only decreases, so a segment maximum taken after
            //    seeding stays an upper bound all iteration.
            // 3. The squared x offsets of a centre's window are the same on every row it covers;
            //    the sum keeps the order (dx^2 + dy^2) + dz^2, so every D^2 is bit-identical.
            // Local copies: the stores into best/label could otherwise alias captured references.
            const double m2 = inv_m2, s2 = inv_s2, sx = sp[0], sy = sp[1], sz = sp[2];
            constexpr std::size_t kSegment = 8;
            const std::size_t segments_per_row = (n[0] + kSegment - 1) / kSegment;
            std::vector<double> dx2(n[0]), seg_min_dx2(segments_per_row), seg_max(n[1] * segments_per_row);
            for (std::size_t y = 0; y < n[1]; ++y)
                for (std::size_t x = 0; x < n[0]; ++x) {
                    const std::size_t i = region_index(x, y, std::size_t(z));
                    double d = std::numeric_limits<double>::infinity();
                    const std::int32_t l = label[i];
                    if (l >= 0 && in_window(std::size_t(l), std::int64_t(x), std::int64_t(y), z)) {
                        const Centre& ce = centres[std::size_t(l)];
                        const double dx = (double(x) - ce.x) * sx, dy = (double(y) - ce.y) * sy, dz = (double(z) - ce.z) * sz;
                        const double dc = v[i] - ce.value;
                        d = dc * dc * m2 + ((dx * dx + dy * dy) + dz * dz) * s2;
                    }  // else: unseeded (infinity), any covering centre wins; none keeps the old label
                    best[i] = d;
                    double& mx = seg_max[y * segments_per_row + x / kSegment];
                    mx = x % kSegment == 0 ? d : std::max(mx, d);
                }
            for (std::size_t c = 0; c < centres.size(); ++c) {
                const auto& w = window[c];
                if (z < w[2] || z > w[5]) continue;
                const Centre ce = centres[c];
                const double dz = (double(z) - ce.z) * sz;
                const double dz2 = dz * dz;
                const std::size_t x0 = std::size_t(w[0]), x1 = std::size_t(w[3]);
                const std::size_t s0 = x0 / kSegment, s1 = x1 / kSegment;
                for (std::size_t x = x0; x <= x1; ++x) {
                    const double dx = (double(x) - ce.x) * sx;
                    dx2[x] = dx * dx;
                    seg_min_dx2[x / kSegment] = x == x0 || x % kSegment == 0 ? dx2[x] : std::min(seg_min_dx2[x / kSegment], dx2[x]);
                }
                const auto label_c = std::int32_t(c);
                for (std::int64_t y = w[1]; y <= w[4]; ++y) {
                    const double dy = (double(y) - ce.y) * sy;
                    const double dy2 = dy * dy;
                    const std::size_t row = region_index(0, std::size_t(y), std::size_t(z));
                    const double* vr = &v[row];
                    double* best_r = &best[row];
                    std::int32_t* label_r = &label[row];
                    const double* seg_max_r = &seg_max[std::size_t(y) * segments_per_row];
                    for (std::size_t sg = s0; sg <= s1; ++sg) {
                        if (((seg_min_dx2[sg] + dy2) + dz2) * s2 > seg_max_r[sg]) continue;
                        const std::size_t xa = std::max(x0, sg * kSegment), xb = std::min(x1, sg * kSegment + kSegment - 1);
                        for (std::size_t x = xa; x <= xb; ++x) {
                            const double dc = vr[x] - ce.value;
                            const double d = dc * dc * m2 + ((dx2[x] + dy2) + dz2) * s2;
                            if (d < best_r[x] || (d == best_r[x] && label_c < label_r[x])) {
                                best_r[x] = d;
                                label_r[x] = label_c;
                            }
                        }
                    }
                }
            }
        });
        // new centres: means over the assigned voxels, summed in voxel order
        std::vector<double> sum(centres.size() * 4, 0.0);
        std::vector<std::size_t> cnt(centres.size(), 0);
        for (std::size_t z = 0; z < n[2]; ++z)
            for (std::size_t y = 0; y < n[1]; ++y)
                for (std::size_t x = 0; x < n[0]; ++x) {
                    const std::size_t i = region_index(x, y, z);
                    if (label[i] < 0) continue;
                    const std::size_t c = std::size_t(label[i]);
                    sum[4 * c] += double(x);
                    sum[4 * c + 1] += double(y);
                    sum[4 * c + 2] += double(z);
                    sum[4 * c + 3] += v[i];
                    ++cnt[c];
                }
        for (std::size_t c = 0; c < centres.size(); ++c)
            if (cnt[c]) {
                const double k = 1.0 / double(cnt[c]);
                centres[c] = {sum[4 * c] * k, sum[4 * c + 1] * k, sum[4 * c + 2] * k, sum[4 * c + 3] * k};
            }
    }

    // ---- connectivity (skimage's enforce_connectivity): every 6-connected piece of a label becomes
    //      a supervoxel; pieces under half the mean segment size join the label met before them ----
    const std::size_t min_size = std::size_t(0.5 * double(count) / double(centres.size()));
    std::vector<std::int32_t> final_label(count, -1);
    std::vector<std::size_t> queue;
    std::int32_t next = 0;
    static constexpr int off[6][3] = {{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}};
    for (std::size_t z = 0; z < n[2]; ++z)
        for (std::size_t y = 0; y < n[1]; ++y)
            for (std::size_t x = 0; x < n[0]; ++x) {
                const std::size_t start = region_index(x, y, z);
                if (final_label[start] >= 0) continue;
                // the adjacent supervoxel met before this piece (scan order): its earlier neighbour
                std::int32_t adjacent = -1;
                for (int k = 0; k < 6 && adjacent < 0; ++k) {
                    const std::int64_t xx = std::int64_t(x) + off[k][0], yy = std::int64_t(y) + off[k][1], zz = std::int64_t(z) + off[k][2];
                    if (xx < 0 || yy < 0 || zz < 0 || xx >= std::int64_t(n[0]) || yy >= std::int64_t(n[1]) || zz >= std::int64_t(n[2])) continue;
                    const std::size_t j = region_index(std::size_t(xx), std::size_t(yy), std::size_t(zz));
                    if (final_label[j] >= 0) adjacent = final_label[j];
                }
                queue.clear();
                queue.push_back(start);
                final_label[start] = next;
                for (std::size_t q = 0; q < queue.size(); ++q) {
                    const std::size_t i = queue[q];
                    const std::size_t qx = i % n[0], qy = (i / n[0]) % n[1], qz = i / (n[0] * n[1]);
                    for (int k = 0; k < 6; ++k) {
                        const std::int64_t xx = std::int64_t(qx) + off[k][0], yy = std::int64_t(qy) + off[k][1], zz = std::int64_t(qz) + off[k][2];
                        if (xx < 0 || yy < 0 || zz < 0 || xx >= std::int64_t(n[0]) || yy >= std::int64_t(n[1]) || zz >= std::int64_t(n[2])) continue;
                        const std::size_t j = region_index(std::size_t(xx), std::size_t(yy), std::size_t(zz));
                        if (final_label[j] < 0 && label[j] == label[start]) {
                            final_label[j] = next;
                            queue.push_back(j);
                        }
                    }
                }
                if (queue.size() < min_size && adjacent >= 0) {
                    for (std::size_t i : queue) final_label[i] = adjacent;
                } else {
                    ++next;
                }
            }

    // ---- overlap fractions and the draw ----
    std::vector<std::size_t> size(std::size_t(next), 0), overlap(std::size_t(next), 0);
    for (std::size_t z = 0; z < n[2]; ++z)
        for (std::size_t y = 0; y < n[1]; ++y)
            for (std::size_t x = 0; x < n[0]; ++x) {
                const std::size_t l = std::size_t(final_label[region_index(x, y, z)]);
                ++size[l];
                if (mask.data[grid_index(x, y, z)]) ++overlap[l];
            }
    std::vector<double> probability(std::size_t(next), 0.0);
    std::size_t largest = 0;
    for (std::size_t l = 0; l < size.size(); ++l) {
        probability[l] = double(overlap[l]) / double(size[l]);
        if (probability[l] > probability[largest]) largest = l;
    }
    for (double& p : probability) p = p >= 0.9 ? 1.0 : p < 0.2 ? 0.0 : p;
    probability[largest] = 1.0;  // at least one supervoxel
    SplitMix64 rng{seed};
    std::vector<std::uint8_t> keep(std::size_t(next), 0);
    for (std::size_t l = 0; l < size.size(); ++l) {
        if (overlap[l] == 0) continue;  // only supervoxels touching the ROI draw
        keep[l] = rng.uniform() < probability[l];
    }
    Mask out(mask.geometry);
    for (std::size_t z = 0; z < n[2]; ++z)
        for (std::size_t y = 0; y < n[1]; ++y)
            for (std::size_t x = 0; x < n[0]; ++x)
                out.data[grid_index(x, y, z)] = keep[std::size_t(final_label[region_index(x, y, z)])];
    return detail::binary_closing6(out);
}

}  // namespace radhpc::preprocess
