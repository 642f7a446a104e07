// Perturbation steps: what a chain does, the rigid grid transform, noise estimation and noise.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "radhpc/preprocess/perturb.hpp"

namespace radhpc::preprocess {

// ---- what a perturbation does ------------------------------------------------------------------
bool is_zero_step(const PerturbationStep& s) {
    using K = PerturbationStep::Kind;
    switch (s.kind) {
        case K::rotation: return s.angle_deg == 0;
        case K::translation: return s.shift[0] == 0 && s.shift[1] == 0 && s.shift[2] == 0;
        case K::noise: return s.noise_scale == 0;
        case K::volume: return s.grow_mm == 0 && s.volume_fraction == 0;
        case K::contour: return false;  // a randomisation has no zero setting
    }
    return false;
}

namespace {
bool any_nonzero(const Perturbation& p, std::initializer_list<PerturbationStep::Kind> kinds) {
    for (const auto& s : p.steps)
        if (std::find(kinds.begin(), kinds.end(), s.kind) != kinds.end() && !is_zero_step(s)) return true;
    return false;
}
}  // namespace

bool has_geometric_steps(const Perturbation& p) {
    return any_nonzero(p, {PerturbationStep::Kind::rotation, PerturbationStep::Kind::translation});
}
bool has_noise_steps(const Perturbation& p) { return any_nonzero(p, {PerturbationStep::Kind::noise}); }
bool has_mask_steps(const Perturbation& p) {
    return any_nonzero(p, {PerturbationStep::Kind::volume, PerturbationStep::Kind::contour});
}
bool is_effectively_none(const Perturbation& p) {
    for (const auto& s : p.steps)
        if (!is_zero_step(s)) return false;
    return true;
}

// ---- the rigid grid transform ------------------------------------------------------------------
namespace {
Mat3 multiply(const Mat3& a, const Mat3& b) {
    Mat3 c{};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            double s = 0;
            for (int k = 0; k < 3; ++k) s += a[3 * i + k] * b[3 * k + j];
            c[3 * i + j] = s;
        }
    return c;
}
Vec3 apply_matrix(const Mat3& m, const Vec3& v) {
    return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
            m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}
Vec3 apply_transposed(const Mat3& m, const Vec3& v) {
    return {m[0] * v[0] + m[3] * v[1] + m[6] * v[2], m[1] * v[0] + m[4] * v[1] + m[7] * v[2],
            m[2] * v[0] + m[5] * v[1] + m[8] * v[2]};
}
// Rodrigues: rotation by `angle` (radians) about the unit axis u.
Mat3 axis_rotation(const Vec3& u, double angle) {
    const double c = std::cos(angle), s = std::sin(angle), t = 1 - c;
    return {t * u[0] * u[0] + c,        t * u[0] * u[1] - s * u[2], t * u[0] * u[2] + s * u[1],
            t * u[0] * u[1] + s * u[2], t * u[1] * u[1] + c,        t * u[1] * u[2] - s * u[0],
            t * u[0] * u[2] - s * u[1], t * u[1] * u[2] + s * u[0], t * u[2] * u[2] + c};
}
}  // namespace

Vec3 GridTransform::apply(const Vec3& p) const {
    const Vec3 d{p[0] - centre[0], p[1] - centre[1], p[2] - centre[2]};
    const Vec3 r = apply_matrix(rotation, d);
    return {centre[0] + r[0] + shift[0], centre[1] + r[1] + shift[1], centre[2] + r[2] + shift[2]};
}

Vec3 GridTransform::apply_inverse(const Vec3& q) const {
    const Vec3 d{q[0] - shift[0] - centre[0], q[1] - shift[1] - centre[1], q[2] - shift[2] - centre[2]};
    const Vec3 r = apply_transposed(rotation, d);
    return {centre[0] + r[0], centre[1] + r[1], centre[2] + r[2]};
}

GridTransform grid_transform(const Perturbation& p, const Geometry& working, const Vec3& centre) {
    // Accumulate x -> R x + b over the steps in chain order (each step moves the grid points),
    // then express it as centre + R (x - centre) + shift.
    Mat3 R{1, 0, 0, 0, 1, 0, 0, 0, 1};
    Vec3 b{0, 0, 0};
    const Vec3 axis{working.direction[2], working.direction[5], working.direction[8]};
    for (const auto& s : p.steps) {
        if (is_zero_step(s)) continue;
        if (s.kind == PerturbationStep::Kind::rotation) {
            // x -> c + Q (x - c): R' = Q R, b' = Q (b - c) + c
            const Mat3 Q = axis_rotation(axis, s.angle_deg * std::numbers::pi / 180.0);
            R = multiply(Q, R);
            const Vec3 q = apply_matrix(Q, {b[0] - centre[0], b[1] - centre[1], b[2] - centre[2]});
            b = {q[0] + centre[0], q[1] + centre[1], q[2] + centre[2]};
        } else if (s.kind == PerturbationStep::Kind::translation) {
            // shift by fractions of the working spacing along the working grid's index axes
            for (int j = 0; j < 3; ++j)
                for (int i = 0; i < 3; ++i) b[i] += working.direction[3 * i + j] * s.shift[j] * working.spacing[j];
        }
    }
    GridTransform t;
    t.rotation = R;
    t.centre = centre;
    // R x + b = c + R (x - c) + shift  =>  shift = b - c + R c
    const Vec3 rc = apply_matrix(R, centre);
    for (int i = 0; i < 3; ++i) t.shift[i] = b[i] - centre[i] + rc[i];
    return t;
}

Vec3 roi_centre(const Mask& mask) {
    // Sum of indices in integers (exact, order-free), then one conversion.
    std::int64_t sx = 0, sy = 0, sz = 0, n = 0;
    for (std::size_t z = 0; z < mask.nz(); ++z)
        for (std::size_t y = 0; y < mask.ny(); ++y)
            for (std::size_t x = 0; x < mask.nx(); ++x)
                if (mask.at(x, y, z)) {
                    sx += std::int64_t(x);
                    sy += std::int64_t(y);
                    sz += std::int64_t(z);
                    ++n;
                }
    if (n == 0) return mask.geometry.index_to_point({0.5 * double(mask.nx() - 1), 0.5 * double(mask.ny() - 1), 0.5 * double(mask.nz() - 1)});
    return mask.geometry.index_to_point({double(sx) / double(n), double(sy) / double(n), double(sz) / double(n)});
}

// ---- noise -------------------------------------------------------------------------------------
namespace {
// coif1 (Daubechies' coiflet, 6 taps) decomposition low-pass filter, as tabulated in PyWavelets;
// the high-pass is its quadrature mirror g[k] = (-1)^k h[5-k]. Orthonormal: sum g^2 = 1, so white
// noise of SD sigma gives HH coefficients of SD sigma.
constexpr double kCoif1Low[6] = {-0.015655728135464540, -0.072732619512853897, 0.38486484686420286,
                                 0.85257202021225542,   0.33789766245780922,  -0.072732619512853897};
}  // namespace

double estimate_noise_sd(const Image& image) {
    double g[6];
    for (int k = 0; k < 6; ++k) g[k] = (k % 2 ? -1.0 : 1.0) * kCoif1Low[5 - k];
    const std::size_t nx = image.nx(), ny = image.ny(), nz = image.nz();
    if (nx < 6 || ny < 6) return 0.0;
    // Decimated HH: coefficient (i, j) at positions x = 2i .. 2i+5, y = 2j .. 2j+5 (full support only).
    const std::size_t mi = (nx - 6) / 2 + 1, mj = (ny - 6) / 2 + 1;
    std::vector<double> hh(mi * mj * nz);
    tbb::parallel_for(std::size_t(0), nz, [&](std::size_t z) {
        std::vector<double> row(mi);
        for (std::size_t j = 0; j < mj; ++j) {
            double* out = &hh[(z * mj + j) * mi];
            std::fill(out, out + mi, 0.0);
            for (int b = 0; b < 6; ++b) {
                const std::size_t y = 2 * j + std::size_t(b);
                for (std::size_t i = 0; i < mi; ++i) {
                    double s = 0;
                    for (int a = 0; a < 6; ++a) s += g[a] * image.at(2 * i + std::size_t(a), y, z);
                    row[i] = s;
                }
                for (std::size_t i = 0; i < mi; ++i) out[i] += g[b] * row[i];
            }
        }
    });
    std::vector<double> mag;
    mag.reserve(hh.size());
    for (double v : hh)
        if (std::isfinite(v)) mag.push_back(std::abs(v));
    if (mag.empty()) return 0.0;
    // median (the mean of the two middle values for an even count)
    const std::size_t h = mag.size() / 2;
    std::nth_element(mag.begin(), mag.begin() + std::ptrdiff_t(h), mag.end());
    double median = mag[h];
    if (mag.size() % 2 == 0) median = 0.5 * (median + *std::max_element(mag.begin(), mag.begin() + std::ptrdiff_t(h)));
    return median / 0.6745;
}

void add_gaussian_noise(Image& image, double sd, std::uint64_t seed, const Index3& offset, const Size3& index_space) {
    if (sd == 0) return;
    const double two_pi = 2.0 * std::numbers::pi;
    tbb::parallel_for(std::size_t(0), image.nz(), [&](std::size_t z) {
        for (std::size_t y = 0; y < image.ny(); ++y)
            for (std::size_t x = 0; x < image.nx(); ++x) {
                const std::uint64_t gx = std::uint64_t(std::int64_t(x) + offset[0]);
                const std::uint64_t gy = std::uint64_t(std::int64_t(y) + offset[1]);
                const std::uint64_t gz = std::uint64_t(std::int64_t(z) + offset[2]);
                const std::uint64_t index = gx + index_space[0] * (gy + index_space[1] * gz);
                SplitMix64 rng{derive_seed(seed, index)};
                // Box-Muller; u1 in (0, 1] so the logarithm is finite
                const double u1 = 1.0 - rng.uniform();
                const double u2 = rng.uniform();
                image.at(x, y, z) += sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2);
            }
    });
}

}  // namespace radhpc::preprocess
