// Moran's I and Geary's C of the intensity ROI (IBSI 1 section 3.1, morph_moran_i and morph_geary_c),
// by exact pair sums, FFT correlations or a fixed-seed subsample (see moran_geary_of).
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <unsupported/Eigen/FFT>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>

#include "morphology_internal.hpp"

namespace radhpc::features::detail {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

struct PairSums {
    double w = 0, wzz = 0, wdd = 0;  // sum w, sum w z1 z2, sum w (z1 - z2)^2, over unordered pairs
};

// O(n^2) over unordered pairs. Row partial sums are stored per row and added in row order, so the
// result does not depend on the number of threads. w depends only on the index offset, so it is
// tabulated once per offset (w = 1 / |d * spacing|) when the table is small enough.
PairSums pair_sums_exact(const std::vector<std::array<std::int32_t, 3>>& idx, const std::vector<double>& z,
                         const Vec3& sp) {
    const std::size_t n = idx.size();
    std::array<std::int32_t, 3> lo{INT32_MAX, INT32_MAX, INT32_MAX}, hi{INT32_MIN, INT32_MIN, INT32_MIN};
    for (const auto& p : idx)
        for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    std::array<std::int64_t, 3> ext{};
    for (int a = 0; a < 3; ++a) ext[a] = std::int64_t(hi[a]) - lo[a] + 1;
    const std::int64_t tx = 2 * ext[0] - 1, ty = 2 * ext[1] - 1, tz = 2 * ext[2] - 1;
    auto weight = [&](std::int64_t dx, std::int64_t dy, std::int64_t dz) {
        const double px = double(dx) * sp[0], py = double(dy) * sp[1], pz = double(dz) * sp[2];
        return 1.0 / std::sqrt(px * px + py * py + pz * pz);
    };
    std::vector<double> table;
    if (tx * ty * tz <= (std::int64_t(1) << 24)) {
        table.resize(std::size_t(tx * ty * tz));
        for (std::int64_t dz = -(ext[2] - 1); dz < ext[2]; ++dz)
            for (std::int64_t dy = -(ext[1] - 1); dy < ext[1]; ++dy)
                for (std::int64_t dx = -(ext[0] - 1); dx < ext[0]; ++dx)
                    table[std::size_t((dx + ext[0] - 1) + tx * ((dy + ext[1] - 1) + ty * (dz + ext[2] - 1)))] =
                        (dx || dy || dz) ? weight(dx, dy, dz) : 0.0;
    }
    std::vector<PairSums> rows(n);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 64), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
            PairSums s;
            const auto& pi = idx[i];
            // Table offset of voxel j relative to i: centre + (pj - pi).
            const std::int64_t centre = (ext[0] - 1) + tx * ((ext[1] - 1) + ty * (ext[2] - 1)) -
                                        (pi[0] + tx * (std::int64_t(pi[1]) + ty * pi[2]));
            for (std::size_t j = i + 1; j < n; ++j) {
                const auto& pj = idx[j];
                const double w = table.empty()
                                     ? weight(pj[0] - pi[0], pj[1] - pi[1], pj[2] - pi[2])
                                     : table[std::size_t(centre + pj[0] + tx * (std::int64_t(pj[1]) + ty * pj[2]))];
                const double diff = z[i] - z[j];
                s.w += w;
                s.wzz += w * z[i] * z[j];
                s.wdd += w * diff * diff;
            }
            rows[i] = s;
        }
    });
    PairSums total;
    for (const auto& s : rows) total.w += s.w, total.wzz += s.wzz, total.wdd += s.wdd;
    return total;
}

// Smallest m >= n whose only prime factors are 2, 3, 5 (fast kissfft sizes).
std::size_t fft_size(std::size_t n) {
    for (std::size_t m = std::max<std::size_t>(n, 1);; ++m) {
        std::size_t r = m;
        for (const std::size_t p : {2u, 3u, 5u})
            while (r % p == 0) r /= p;
        if (r == 1) return m;
    }
}

using Complex = std::complex<double>;

// In-place 3D DFT (forward, unscaled) of an Nx x Ny x Nz array (x fastest): 1D transforms along each
// axis. Along y and z, kLineBlock neighbouring x-lines are gathered together so every cache line
// read is used in full. Each line's transform is independent of the thread doing it.
void fft3d(std::vector<Complex>& a, const std::array<std::size_t, 3>& N) {
    constexpr std::size_t kLineBlock = 8;
    struct Work {
        Eigen::FFT<double> fft;
        std::vector<Complex> in, out;
    };
    tbb::enumerable_thread_specific<Work> work;
    // A DFT of length 1 is the identity; Eigen's kissfft crashes on it (a ROI one voxel thick), so
    // such axes are skipped.
    // Along x: contiguous lines.
    if (N[0] > 1)
    tbb::parallel_for(std::size_t(0), N[1] * N[2], [&](std::size_t line) {
        auto& w = work.local();
        w.out.resize(N[0]);
        Complex* row = a.data() + line * N[0];
        w.fft.fwd(w.out.data(), row, Eigen::Index(N[0]));
        std::copy(w.out.begin(), w.out.end(), row);
    });
    // Along y (stride Nx) and z (stride Nx*Ny): blocks of kLineBlock x-neighbours.
    for (int axis = 1; axis < 3; ++axis) {
        const std::size_t len = N[std::size_t(axis)], stride = axis == 1 ? N[0] : N[0] * N[1];
        if (len == 1) continue;
        const std::size_t other = axis == 1 ? N[2] : N[1];  // the remaining non-x axis
        const std::size_t other_stride = axis == 1 ? N[0] * N[1] : N[0];
        const std::size_t xblocks = (N[0] + kLineBlock - 1) / kLineBlock;
        tbb::parallel_for(std::size_t(0), other * xblocks, [&](std::size_t task) {
            auto& w = work.local();
            w.in.resize(len * kLineBlock), w.out.resize(len);
            const std::size_t x0 = (task % xblocks) * kLineBlock, o = task / xblocks;
            const std::size_t width = std::min(kLineBlock, N[0] - x0);
            const std::size_t base = o * other_stride + x0;
            for (std::size_t k = 0; k < len; ++k)
                for (std::size_t b = 0; b < width; ++b) w.in[b * len + k] = a[base + k * stride + b];
            for (std::size_t b = 0; b < width; ++b) {
                w.fft.fwd(w.out.data(), w.in.data() + b * len, Eigen::Index(len));
                std::copy(w.out.begin(), w.out.end(), w.in.begin() + std::ptrdiff_t(b * len));
            }
            for (std::size_t k = 0; k < len; ++k)
                for (std::size_t b = 0; b < width; ++b) a[base + k * stride + b] = w.in[b * len + k];
        });
    }
}

// The same unordered-pair sums through correlation theorem + Parseval, exact up to rounding:
//   sum_{k1 != k2} w(k2 - k1) f(k1) g(k2) = sum_d w(d) C_fg(d) = (1/N) sum_f W^(f) conj(F^(f)) G^(f),
// on a grid padded to >= 2n - 1 per axis (no circular wrap). w(0) = 0 drops k1 = k2; W^ is real
// because w is real and even. Ordered-pair sums are twice the unordered ones:
//   W = S[m,m]/2,  sum w z1 z2 = S[z,z]/2,  sum w (z1 - z2)^2 = (2 S[z^2,m] - 2 S[z,z])/2.
// Two complex 3D transforms (two real fields packed per transform), cost O(N log N) with
// N ~ 8 x (ROI bounding box); memory 24 bytes per grid point. Measured agreement with the pairwise
// sums: relative 6e-13 (brain1, 4137 voxels), 4e-13 (100k-voxel sphere) - rounding only.
PairSums pair_sums_fft(const std::vector<std::array<std::int32_t, 3>>& idx, const std::vector<double>& z,
                       const Vec3& sp) {
    std::array<std::int32_t, 3> lo{INT32_MAX, INT32_MAX, INT32_MAX}, hi{INT32_MIN, INT32_MIN, INT32_MIN};
    for (const auto& p : idx)
        for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    std::array<std::size_t, 3> n{}, N{};
    for (int a = 0; a < 3; ++a) {
        n[a] = std::size_t(hi[a] - lo[a] + 1);
        N[a] = fft_size(2 * n[a] - 1);
    }
    const std::size_t total = N[0] * N[1] * N[2];
    auto at = [&](std::size_t x, std::size_t y, std::size_t zz) { return x + N[0] * (y + N[1] * zz); };

    // Weights at circular offsets.
    std::vector<Complex> buf(total, Complex(0, 0));
    tbb::parallel_for(std::size_t(0), N[2], [&](std::size_t kz) {
        const auto dz = std::int64_t(kz) - (kz >= N[2] - (n[2] - 1) && kz > 0 ? std::int64_t(N[2]) : 0);
        if (std::abs(dz) >= std::int64_t(n[2])) return;
        for (std::size_t ky = 0; ky < N[1]; ++ky) {
            const auto dy = std::int64_t(ky) - (ky >= N[1] - (n[1] - 1) && ky > 0 ? std::int64_t(N[1]) : 0);
            if (std::abs(dy) >= std::int64_t(n[1])) continue;
            for (std::size_t kx = 0; kx < N[0]; ++kx) {
                const auto dx = std::int64_t(kx) - (kx >= N[0] - (n[0] - 1) && kx > 0 ? std::int64_t(N[0]) : 0);
                if (std::abs(dx) >= std::int64_t(n[0]) || (dx == 0 && dy == 0 && dz == 0)) continue;
                const double px = double(dx) * sp[0], py = double(dy) * sp[1], pz = double(dz) * sp[2];
                buf[at(kx, ky, kz)] = 1.0 / std::sqrt(px * px + py * py + pz * pz);
            }
        }
    });
    // Pack two real fields per complex transform; for real f, g and F = DFT(f + i g):
    //   f^(k) = (F(k) + conj F(-k)) / 2,  g^(k) = (F(k) - conj F(-k)) / 2i.
    auto neg = [&](std::size_t k, std::size_t len) { return k == 0 ? 0 : len - k; };
    auto split = [&](std::size_t kx, std::size_t ky, std::size_t kz) {
        const Complex F = buf[at(kx, ky, kz)];
        const Complex Fn = std::conj(buf[at(neg(kx, N[0]), neg(ky, N[1]), neg(kz, N[2]))]);
        return std::pair<Complex, Complex>{0.5 * (F + Fn), (F - Fn) * Complex(0, -0.5)};  // 1/(2i) = -i/2
    };
    // Ordered, thread-independent reduction over z-planes of two sums at once.
    auto plane_sums = [&](auto&& term) {
        std::vector<std::array<double, 2>> planes(N[2], {0.0, 0.0});
        tbb::parallel_for(std::size_t(0), N[2], [&](std::size_t kz) {
            std::array<double, 2> s{0.0, 0.0};
            for (std::size_t ky = 0; ky < N[1]; ++ky)
                for (std::size_t kx = 0; kx < N[0]; ++kx) {
                    const auto t = term(kx, ky, kz);
                    s[0] += t[0], s[1] += t[1];
                }
            planes[kz] = s;
        });
        std::array<double, 2> s{0.0, 0.0};
        for (const auto& p : planes) s[0] += p[0], s[1] += p[1];
        return s;
    };

    // Transform 1: w + i z  ->  W^ (real: w is real and even) and S[z,z].
    for (std::size_t k = 0; k < idx.size(); ++k)
        buf[at(std::size_t(idx[k][0] - lo[0]), std::size_t(idx[k][1] - lo[1]), std::size_t(idx[k][2] - lo[2]))] +=
            Complex(0.0, z[k]);
    fft3d(buf, N);
    std::vector<double> w_hat(total);
    const double s_zz = plane_sums([&](std::size_t kx, std::size_t ky, std::size_t kz) {
        const auto [W, Z] = split(kx, ky, kz);
        w_hat[at(kx, ky, kz)] = W.real();
        return std::array<double, 2>{W.real() * std::norm(Z), 0.0};
    })[0];

    // Transform 2: z^2 + i m  ->  S[m,m] and S[z^2,m].
    std::fill(buf.begin(), buf.end(), Complex(0, 0));
    for (std::size_t k = 0; k < idx.size(); ++k)
        buf[at(std::size_t(idx[k][0] - lo[0]), std::size_t(idx[k][1] - lo[1]), std::size_t(idx[k][2] - lo[2]))] =
            Complex(z[k] * z[k], 1.0);
    fft3d(buf, N);
    const auto mm_qm = plane_sums([&](std::size_t kx, std::size_t ky, std::size_t kz) {
        const auto [Q, M] = split(kx, ky, kz);
        const double w = w_hat[at(kx, ky, kz)];
        return std::array<double, 2>{w * std::norm(M), w * (std::conj(Q) * M).real()};
    });
    const double s_mm = mm_qm[0], s_qm = mm_qm[1];
    const double inv_n = 1.0 / double(total);
    PairSums out;
    out.w = 0.5 * s_mm * inv_n;
    out.wzz = 0.5 * s_zz * inv_n;
    out.wdd = (s_qm - s_zz) * inv_n;
    return out;
}

// Grids larger than this (points) would need > ~3 GB for the FFT path.
constexpr std::size_t kMaxFftPoints = std::size_t(1) << 27;

}  // namespace

RoiSamples collect_intensity_roi(const Mask& mask, const Image& image) {
    RoiSamples s;
    for (std::size_t z = 0; z < mask.nz(); ++z)
        for (std::size_t y = 0; y < mask.ny(); ++y)
            for (std::size_t x = 0; x < mask.nx(); ++x)
                if (mask.at(x, y, z)) {
                    s.index.push_back({std::int32_t(x), std::int32_t(y), std::int32_t(z)});
                    s.value.push_back(image.at(x, y, z));
                }
    return s;
}

SpatialAutocorrelation moran_geary_of(const RoiSamples& roi, const Vec3& sp, std::size_t exact_limit,
                                      AutocorrelationMethod method) {
    const std::size_t n = roi.value.size();
    if (n < 2) return {kNaN, kNaN};
    double mean = 0.0;
    for (const double v : roi.value) mean += v;
    mean /= double(n);
    std::vector<double> z(n);
    double zz = 0.0;
    for (std::size_t i = 0; i < n; ++i) z[i] = roi.value[i] - mean, zz += z[i] * z[i];
    if (zz == 0.0) return {1.0, 1.0};

    if (method == AutocorrelationMethod::automatic)
        method = n <= exact_limit ? AutocorrelationMethod::pairwise : AutocorrelationMethod::fft;
    std::size_t grid = 1;
    {
        std::array<std::int32_t, 3> lo{INT32_MAX, INT32_MAX, INT32_MAX}, hi{INT32_MIN, INT32_MIN, INT32_MIN};
        for (const auto& p : roi.index)
            for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
        for (int a = 0; a < 3; ++a) grid *= fft_size(2 * std::size_t(hi[a] - lo[a] + 1) - 1);
    }
    PairSums s;
    double n_eff = double(n), zz_eff = zz;
    if (method == AutocorrelationMethod::pairwise) {
        s = pair_sums_exact(roi.index, z, sp);
    } else if (method == AutocorrelationMethod::fft && grid <= kMaxFftPoints) {
        s = pair_sums_fft(roi.index, z, sp);
    } else {
        // Last resort for bounding boxes too large for the FFT grid: the exact statistic of a fixed-seed
        // uniform subsample of exact_limit voxels (deviations from the full-ROI mean). A ratio estimator,
        // consistent but noisy: measured against the exact value with 20000 of 100k / 1M voxels of a
        // sphere with a smooth field plus noise, relative error 0.7 % / 4 % (Moran's I) and
        // 0.15 % / 0.3 % (Geary's C). Only reached for bounding boxes beyond kMaxFftPoints (~256^3).
        std::vector<std::size_t> pick(n);
        std::iota(pick.begin(), pick.end(), std::size_t(0));
        std::mt19937_64 rng(0x4d6f72616eULL);
        const std::size_t m = std::max<std::size_t>(2, std::min(exact_limit, n));
        for (std::size_t i = 0; i < m; ++i) std::swap(pick[i], pick[i + std::size_t(rng() % (n - i))]);
        pick.resize(m);
        std::sort(pick.begin(), pick.end());
        std::vector<std::array<std::int32_t, 3>> sub_idx;
        std::vector<double> sub_z;
        zz_eff = 0.0;
        for (const auto k : pick) sub_idx.push_back(roi.index[k]), sub_z.push_back(z[k]), zz_eff += z[k] * z[k];
        n_eff = double(m);
        s = pair_sums_exact(sub_idx, sub_z, sp);
    }
    SpatialAutocorrelation out;
    out.moran_i = n_eff * s.wzz / (s.w * zz_eff);
    out.geary_c = (n_eff - 1.0) * s.wdd / (2.0 * s.w * zz_eff);
    return out;
}

}  // namespace radhpc::features::detail

namespace radhpc::features {

SpatialAutocorrelation moran_geary(const Mask& intensity_mask, const Image& image, std::size_t exact_limit,
                                   AutocorrelationMethod method) {
    return detail::moran_geary_of(detail::collect_intensity_roi(intensity_mask, image), intensity_mask.geometry.spacing,
                          exact_limit, method);
}

}  // namespace radhpc::features
