// The B-spline prefilter of an int16 image from windows around the coefficient box
// (preprocess/bspline_decompose.hpp: bracketed recursions) against ITK's whole-line decomposition,
// which the double-image path still runs (bit-identical to ITK itself: test_bspline.cpp). The same
// values as double and as int16 must give bit-identical coefficients in the box, whatever the box:
// far from the line ends, within the margin of one end or both, on short lines, on a 1- and
// 2-voxel axis, with extreme int16 values and with smooth ones. The windowed path must actually run
// (from_windows) where the lines are long enough; it may never change a bit.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "radhpc/preprocess/bspline.hpp"

using namespace radhpc;

namespace {

// int16 values: a smooth CT-like field plus, in half the slices, full-range noise (the brackets'
// bound is the int16 range, so extreme values are the hard case)
Volume<std::int16_t> ct_like(std::mt19937_64& rng, const Size3& size) {
    Geometry g;
    g.size = size;
    Volume<std::int16_t> v(g, 0);
    std::uniform_int_distribution<int> full(-32768, 32767), small(-40, 40);
    for (std::size_t z = 0; z < size[2]; ++z)
        for (std::size_t y = 0; y < size[1]; ++y)
            for (std::size_t x = 0; x < size[0]; ++x) {
                const double r2 = double(x * x + y * y) / double(size[0] * size[0] + 1);
                const int base = r2 < 0.3 ? 40 : r2 < 0.6 ? -800 : -1000;
                v.at(x, y, z) = std::int16_t(z % 2 ? full(rng) : base + small(rng));
            }
    return v;
}

Image as_double(const Volume<std::int16_t>& v) {
    Image out(v.geometry);
    for (std::size_t i = 0; i < v.data.size(); ++i) out.data[i] = v.data[i];
    return out;
}

// Every coefficient of the box bit-identical between the int16 (windowed) and double (whole-line) paths.
bool same_box(const Volume<std::int16_t>& v, const Index3& lo, const Index3& hi, bool& windowed) {
    const preprocess::CubicBSplineCoefficients from_windows(v, lo, hi);
    const preprocess::CubicBSplineCoefficients whole(as_double(v), lo, hi);
    windowed = from_windows.from_windows();
    REQUIRE_FALSE(whole.from_windows());
    REQUIRE(from_windows.lo() == whole.lo());
    REQUIRE(from_windows.hi() == whole.hi());
    std::size_t count = 1;
    for (int a = 0; a < 3; ++a) count *= std::size_t(whole.hi()[a] - whole.lo()[a] + 1);
    return std::memcmp(from_windows.data(), whole.data(), count * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("bspline windows: int16 coefficients from windows around the box equal the whole-line decomposition bit for bit",
          "[bspline][windows]") {
    std::mt19937_64 rng(2026);
    const auto v = ct_like(rng, {300, 190, 170});
    struct Box {
        Index3 lo, hi;
        bool expect_windowed;
    };
    const Box boxes[] = {
        {{140, 90, 80}, {150, 101, 86}, true},    // a small lesion far from every end
        {{3, 2, 1}, {20, 15, 9}, true},           // within the margin of the line starts
        {{280, 170, 160}, {299, 189, 169}, true}, // at the line ends
        {{0, 0, 0}, {299, 189, 169}, true},       // the whole image (windows = whole lines)
        {{100, 5, 60}, {260, 180, 110}, true},    // large, near one end on y
    };
    for (const auto& b : boxes) {
        bool windowed = false;
        INFO("box " << b.lo[0] << "," << b.lo[1] << "," << b.lo[2] << " .. " << b.hi[0] << "," << b.hi[1] << "," << b.hi[2]);
        CHECK(same_box(v, b.lo, b.hi, windowed));
        CHECK(windowed == b.expect_windowed);
    }
}

TEST_CASE("bspline windows: short lines, one- and two-voxel axes and lines just over the horizon", "[bspline][windows]") {
    std::mt19937_64 rng(5);
    for (const Size3 size : {Size3{1, 40, 90}, Size3{2, 90, 3}, Size3{17, 18, 19}, Size3{19, 20, 150}, Size3{150, 1, 2}}) {
        const auto v = ct_like(rng, size);
        const Index3 lo{std::int64_t(size[0] / 3), std::int64_t(size[1] / 3), std::int64_t(size[2] / 3)};
        const Index3 hi{std::int64_t(size[0] / 2), std::int64_t(size[1] / 2), std::int64_t(size[2] / 2)};
        bool windowed = false;
        INFO("size " << size[0] << "x" << size[1] << "x" << size[2]);
        CHECK(same_box(v, lo, hi, windowed));
    }
}
