// The filters against naive implementations written here from their definitions (direct sums, the
// O(n^2) DFT), on small odd-sized images where the phase-1 maps (all 64^3, 2 mm) cannot reach:
// non-power-of-two FFT sizes, anisotropic spacing, every boundary rule.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <functional>
#include <numbers>
#include <random>

#include "radhpc/filters/filters.hpp"

using namespace radhpc;
namespace F = radhpc::filters;

namespace {

Image random_image(std::size_t nx, std::size_t ny, std::size_t nz, unsigned seed, Vec3 spacing = {1, 1, 1}) {
    Geometry g;
    g.size = {nx, ny, nz};
    g.spacing = spacing;
    Image im(g);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(-100, 100);
    for (double& v : im.data) v = u(rng);
    return im;
}

// The README's boundary table for data a b c d, written out.
std::int64_t source(std::int64_t i, std::int64_t n, F::Boundary b) {
    if (i >= 0 && i < n) return i;
    switch (b) {
        case F::Boundary::zero: return -1;
        case F::Boundary::nearest: return i < 0 ? 0 : n - 1;
        case F::Boundary::periodic: return ((i % n) + n) % n;
        case F::Boundary::mirror: {
            while (i < 0 || i >= n) i = i < 0 ? -1 - i : 2 * n - 1 - i;  // reflect about the edge, edge repeated
            return i;
        }
    }
    return -1;
}

double at(const Image& im, std::int64_t x, std::int64_t y, std::int64_t z, F::Boundary b) {
    const std::int64_t sx = source(x, std::int64_t(im.nx()), b), sy = source(y, std::int64_t(im.ny()), b),
                       sz = source(z, std::int64_t(im.nz()), b);
    return sx < 0 || sy < 0 || sz < 0 ? 0.0 : im.at(std::size_t(sx), std::size_t(sy), std::size_t(sz));
}

// Direct 3D (or 2D, rz = 0) convolution with kernel k(dx, dy, dz), |d| <= r.
Image direct(const Image& im, int rx, int ry, int rz, F::Boundary b, const std::function<double(int, int, int)>& k) {
    Image out(im.geometry, 0.0);
    for (std::size_t z = 0; z < im.nz(); ++z)
        for (std::size_t y = 0; y < im.ny(); ++y)
            for (std::size_t x = 0; x < im.nx(); ++x) {
                double s = 0;
                for (int dz = -rz; dz <= rz; ++dz)
                    for (int dy = -ry; dy <= ry; ++dy)
                        for (int dx = -rx; dx <= rx; ++dx)
                            s += k(dx, dy, dz) * at(im, std::int64_t(x) - dx, std::int64_t(y) - dy, std::int64_t(z) - dz, b);
                out.at(x, y, z) = s;
            }
    return out;
}

double max_diff(const Image& a, const Image& b) {
    REQUIRE(a.data.size() == b.data.size());
    double m = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i) m = std::max(m, std::abs(a.data[i] - b.data[i]));
    return m;
}

const F::Boundary kAll[] = {F::Boundary::zero, F::Boundary::nearest, F::Boundary::periodic, F::Boundary::mirror};

}  // namespace

TEST_CASE("boundary names and the mean filter's edge values follow the README table", "[filters]") {
    CHECK(F::parse_boundary("constant") == F::Boundary::zero);
    CHECK(F::parse_boundary("wrap") == F::Boundary::periodic);
    CHECK(F::parse_boundary("symmetric") == F::Boundary::mirror);
    CHECK_THROWS(F::parse_boundary("reflect"));  // ambiguous between scipy and numpy: refused
    // 1D data a b c d = 1 2 4 8 along x; support 5 reads two voxels past each edge.
    Geometry g;
    g.size = {4, 1, 1};
    Image im(g);
    im.data = {1, 2, 4, 8};
    auto first = [&](F::Boundary b) { return F::mean_filter(im, 5, b, F::Dim::slice2d).data[0]; };
    // slice2d also averages along y (1 voxel): y reads the same row under nearest/periodic/mirror.
    CHECK(first(F::Boundary::zero) == Approx((0 + 0 + 1 + 2 + 4) / 5.0 / 5.0 * 1.0).epsilon(1e-12));
    CHECK(first(F::Boundary::nearest) == Approx((1 + 1 + 1 + 2 + 4) / 5.0));
    CHECK(first(F::Boundary::periodic) == Approx((4 + 8 + 1 + 2 + 4) / 5.0));
    CHECK(first(F::Boundary::mirror) == Approx((2 + 1 + 1 + 2 + 4) / 5.0));
}

TEST_CASE("mean, LoG and Laws equal their direct 3D convolution on an anisotropic odd-sized grid", "[filters]") {
    const Image im = random_image(9, 7, 6, 1, {0.8, 1.0, 1.7});
    for (F::Boundary b : kAll) {
        INFO(int(b));
        CHECK(max_diff(F::mean_filter(im, 5, b, F::Dim::volume3d),
                       direct(im, 2, 2, 2, b, [](int, int, int) { return 1.0 / 125; })) < 1e-12);
        // LoG: per-axis sigma in voxels, 1 + 2 floor(4 s + 0.5) taps, the closed-form kernel.
        const double sigma = 1.2;
        const double s[3] = {sigma / 0.8, sigma / 1.0, sigma / 1.7};
        int r[3];
        for (int a = 0; a < 3; ++a) r[a] = int(std::floor(4 * s[a] + 0.5));
        auto g = [](double t, double sa) { return std::exp(-t * t / (2 * sa * sa)) / std::sqrt(2 * std::numbers::pi * sa * sa); };
        const Image log = F::log_filter(im, sigma, 4.0, b, F::Dim::volume3d);
        const Image ref = direct(im, r[0], r[1], r[2], b, [&](int x, int y, int z) {
            const double t[3] = {double(x), double(y), double(z)};
            double sum = 0;
            for (int a = 0; a < 3; ++a) {
                double term = (t[a] * t[a] / (s[a] * s[a]) - 1) / (s[a] * s[a]);
                for (int c = 0; c < 3; ++c) term *= g(t[c], s[c]);
                sum += term;
            }
            return sum;
        });
        CHECK(max_diff(log, ref) < 1e-9);
        // Laws E3L5S5, unit-norm kernels, E3 along x.
        const double e3[3] = {-1 / std::sqrt(2.0), 0, 1 / std::sqrt(2.0)};
        const double l5[5] = {1 / std::sqrt(70.0), 4 / std::sqrt(70.0), 6 / std::sqrt(70.0), 4 / std::sqrt(70.0), 1 / std::sqrt(70.0)};
        const double s5[5] = {-1 / std::sqrt(6.0), 0, 2 / std::sqrt(6.0), 0, -1 / std::sqrt(6.0)};
        F::LawsParams lp{"E3L5S5", false, F::Pooling::max, -1, b, F::Dim::volume3d};
        CHECK(max_diff(F::laws_filter(im, lp),
                       direct(im, 1, 2, 2, b, [&](int x, int y, int z) { return e3[x + 1] * l5[y + 2] * s5[z + 2]; })) < 1e-10);
    }
}

TEST_CASE("rotation-invariant Laws pools the 24 rotated kernels", "[filters]") {
    // Max over the 24 proper rotations of the cube, each kernel K(R^T p), computed directly.
    const Image im = random_image(7, 8, 9, 2);
    const double e5[5] = {-1, -2, 0, 2, 1}, l5[5] = {1, 4, 6, 4, 1}, s5[5] = {-1, 0, 2, 0, -1};
    const double norm = std::sqrt(10.0 * 70.0 * 6.0);
    auto k = [&](int x, int y, int z) { return e5[x + 2] * l5[y + 2] * s5[z + 2] / norm; };
    Image pooled;
    int count = 0;
    for (int p = 0; p < 6; ++p)
        for (int f = 0; f < 8; ++f) {
            static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
            const int* P = perms[p];
            const int sx = f & 1 ? -1 : 1, sy = f & 2 ? -1 : 1, sz = f & 4 ? -1 : 1;
            const int sign[3] = {sx, sy, sz};
            // determinant of the signed permutation matrix
            const int parity = (p == 0 || p == 3 || p == 4) ? 1 : -1;
            if (parity * sx * sy * sz != 1) continue;
            ++count;
            const Image r = direct(im, 2, 2, 2, F::Boundary::mirror, [&](int x, int y, int z) {
                const int d[3] = {x, y, z};
                return k(sign[0] * d[P[0]], sign[1] * d[P[1]], sign[2] * d[P[2]]);
            });
            if (pooled.data.empty()) pooled = r;
            else
                for (std::size_t i = 0; i < r.data.size(); ++i) pooled.data[i] = std::max(pooled.data[i], r.data[i]);
        }
    REQUIRE(count == 24);
    F::LawsParams lp{"E5L5S5", true, F::Pooling::max, -1, F::Boundary::mirror, F::Dim::volume3d};
    CHECK(max_diff(F::laws_filter(im, lp), pooled) < 1e-10);
}

TEST_CASE("Gabor equals its direct 2D convolution with a given support", "[filters]") {
    const Image im = random_image(11, 9, 3, 3, {1.5, 1.5, 2});
    for (F::Boundary b : kAll) {
        F::GaborParams p{3.0, 4.5, 0.7, 0.4, 0.0, false, b, 6};
        const double sigma = 2.0, lambda = 3.0, c = std::cos(0.4), s = std::sin(0.4);
        auto kernel = [&](int x, int y) {
            const double xr = x * c + y * s, yr = -x * s + y * c;
            return std::exp(-(xr * xr + 0.49 * yr * yr) / (2 * sigma * sigma)) *
                   std::exp(std::complex<double>(0, 2 * std::numbers::pi * xr / lambda));
        };
        const Image re = direct(im, 6, 6, 0, b, [&](int x, int y, int) { return kernel(x, y).real(); });
        const Image imag = direct(im, 6, 6, 0, b, [&](int x, int y, int) { return kernel(x, y).imag(); });
        Image mod = re;
        for (std::size_t i = 0; i < mod.data.size(); ++i) mod.data[i] = std::hypot(re.data[i], imag.data[i]);
        INFO(int(b));
        CHECK(max_diff(F::gabor_filter(im, p), mod) < 1e-9);
    }
}

TEST_CASE("Simoncelli equals the O(n^2) DFT definition on a non-power-of-two grid", "[filters]") {
    const Image im = random_image(6, 5, 7, 4);
    const std::size_t n[3] = {6, 5, 7};
    for (int level : {1, 2}) {
        const double wmax = level == 1 ? 1.0 : 0.5;
        auto coord = [](std::size_t k, std::size_t len) {
            const double c = (double(len) - 1) / 2;
            return (double((k + len / 2) % len) - c) / c;
        };
        // H on the DFT grid, then the response real(IDFT(H DFT(x))) summed directly.
        using C = std::complex<double>;
        auto dft = [&](const std::vector<C>& in, double sign) {
            std::vector<C> out(in.size());
            const double tau = 2 * std::numbers::pi;
            for (std::size_t k2 = 0; k2 < n[2]; ++k2)
                for (std::size_t k1 = 0; k1 < n[1]; ++k1)
                    for (std::size_t k0 = 0; k0 < n[0]; ++k0) {
                        C sum = 0;
                        for (std::size_t z = 0; z < n[2]; ++z)
                            for (std::size_t y = 0; y < n[1]; ++y)
                                for (std::size_t x = 0; x < n[0]; ++x)
                                    sum += in[x + n[0] * (y + n[1] * z)] *
                                           std::polar(1.0, sign * tau * (double(k0 * x) / n[0] + double(k1 * y) / n[1] +
                                                                         double(k2 * z) / n[2]));
                        out[k0 + n[0] * (k1 + n[1] * k2)] = sum;
                    }
            return out;
        };
        std::vector<C> X = dft(std::vector<C>(im.data.begin(), im.data.end()), -1.0);
        for (std::size_t k2 = 0; k2 < n[2]; ++k2)
            for (std::size_t k1 = 0; k1 < n[1]; ++k1)
                for (std::size_t k0 = 0; k0 < n[0]; ++k0) {
                    const double w = std::sqrt(std::pow(coord(k0, n[0]), 2) + std::pow(coord(k1, n[1]), 2) +
                                               std::pow(coord(k2, n[2]), 2));
                    const double h = w < wmax / 4 || w > wmax ? 0.0 : std::cos(std::numbers::pi / 2 * std::log2(2 * w / wmax));
                    X[k0 + n[0] * (k1 + n[1] * k2)] *= h;
                }
        const std::vector<C> y = dft(X, 1.0);
        Image ref(im.geometry, 0.0);
        for (std::size_t i = 0; i < y.size(); ++i) ref.data[i] = y[i].real() / double(y.size());
        INFO("level " << level);
        CHECK(max_diff(F::simoncelli_filter(im, {level, F::Boundary::periodic, F::Dim::volume3d}), ref) < 1e-9);
    }
}

TEST_CASE("wavelet table: orthogonal families are orthonormal QMF pairs", "[filters]") {
    std::size_t checked = 0;
    for (const std::string& name : F::wavelet_names()) {
        if (!(name == "haar" || name.rfind("db", 0) == 0 || name.rfind("sym", 0) == 0 || name.rfind("coif", 0) == 0))
            continue;
        const F::WaveletFilters f = F::wavelet_filters(name);
        const std::size_t L = f.dec_lo.size();
        REQUIRE(f.dec_hi.size() == L);
        double sum = 0, sum2 = 0, qmf = 0;
        for (std::size_t k = 0; k < L; ++k) {
            sum += f.dec_lo[k];
            sum2 += f.dec_lo[k] * f.dec_lo[k];
            // pywt: dec_hi[k] = (-1)^(k+1) dec_lo[L-1-k]
            qmf = std::max(qmf, std::abs(f.dec_hi[k] - (k % 2 ? 1.0 : -1.0) * f.dec_lo[L - 1 - k]));
        }
        INFO(name);
        CHECK(sum == Approx(std::sqrt(2.0)).epsilon(1e-10));
        CHECK(sum2 == Approx(1.0).epsilon(1e-10));
        CHECK(qmf == 0.0);
        ++checked;
    }
    CHECK(checked == 1 + 38 + 19 + 17);
    CHECK_THROWS(F::wavelet_filters("db0"));
}
