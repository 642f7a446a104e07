// IBSI 2 phase 1: every reference response map (33, the 3 Riesz maps included) of ../shared/data/ibsi2/reference_response_maps
// reproduced from its digital phantom with the configuration of that folder's README (Table 1).
// Pass rule (IBSI 2 consensus, README "Pass rules"): |ours - ref| <= 1% of (max(ref) - min(ref)) at
// every one of the 262 144 voxels.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <string>
#include <variant>
#include <vector>

#include <tbb/global_control.h>

#include "radhpc/io/image_io.hpp"
#include "radhpc/filters/filters.hpp"

using namespace radhpc;
namespace F = radhpc::filters;

namespace {

const std::string kData = std::string(RADHPC_SHARED_DATA) + "/ibsi2";

Image phantom(const std::string& name) {
    return io::read_image(kData + "/digital_phantom/" + name + "/image/" + name + ".nii.gz");
}

struct Mean {
    int support;
    F::Boundary boundary;
    F::Dim dim;
};
struct LoG {
    double sigma_mm, truncation;
    F::Boundary boundary;
    F::Dim dim;
};
using Config = std::variant<Mean, LoG, F::LawsParams, F::GaborParams, F::WaveletParams, F::SimoncelliParams, F::RieszParams>;

struct Row {
    const char* id;       // configuration id; the file is <id with '.' -> '_'>-ValidCRM.nii
    const char* phantom;  // digital_phantom/<phantom>
    Config config;
};

using B = F::Boundary;
using D = F::Dim;
constexpr double pi = std::numbers::pi;

// One row per reference map, parameters as in ../shared/data/ibsi2/README.md, Table 1 (sigma and lambda
// in mm, supports and energy distances in voxels, angles in radians).
const std::vector<Row>& rows() {
    static const std::vector<Row> r{
        {"1.a.1", "checkerboard", Mean{15, B::zero, D::volume3d}},
        {"1.a.2", "checkerboard", Mean{15, B::nearest, D::volume3d}},
        {"1.a.3", "checkerboard", Mean{15, B::periodic, D::volume3d}},
        {"1.a.4", "checkerboard", Mean{15, B::mirror, D::volume3d}},
        {"1.b.1", "impulse", Mean{15, B::zero, D::slice2d}},
        {"2.a", "impulse", LoG{3.0, 4.0, B::zero, D::volume3d}},
        {"2.b", "checkerboard", LoG{5.0, 4.0, B::mirror, D::volume3d}},
        {"2.c", "checkerboard", LoG{5.0, 4.0, B::mirror, D::slice2d}},
        {"3.a.1", "impulse", F::LawsParams{"E5L5S5", false, F::Pooling::max, -1, B::zero, D::volume3d}},
        {"3.a.2", "impulse", F::LawsParams{"E5L5S5", true, F::Pooling::max, -1, B::zero, D::volume3d}},
        {"3.a.3", "impulse", F::LawsParams{"E5L5S5", true, F::Pooling::max, 7, B::zero, D::volume3d}},
        {"3.b.1", "checkerboard", F::LawsParams{"E3W5R5", false, F::Pooling::max, -1, B::mirror, D::volume3d}},
        {"3.b.2", "checkerboard", F::LawsParams{"E3W5R5", true, F::Pooling::max, -1, B::mirror, D::volume3d}},
        {"3.b.3", "checkerboard", F::LawsParams{"E3W5R5", true, F::Pooling::max, 7, B::mirror, D::volume3d}},
        {"3.c.1", "checkerboard", F::LawsParams{"L5S5", false, F::Pooling::max, -1, B::mirror, D::slice2d}},
        {"3.c.2", "checkerboard", F::LawsParams{"L5S5", true, F::Pooling::max, -1, B::mirror, D::slice2d}},
        {"3.c.3", "checkerboard", F::LawsParams{"L5S5", true, F::Pooling::max, 7, B::mirror, D::slice2d}},
        {"4.a.1", "impulse", F::GaborParams{10.0, 4.0, 0.5, pi / 3, 0.0, false, B::zero, 0}},
        {"4.a.2", "impulse", F::GaborParams{10.0, 4.0, 0.5, 0.0, pi / 4, true, B::zero, 0}},
        {"4.b.1", "sphere", F::GaborParams{20.0, 8.0, 2.5, 5 * pi / 4, 0.0, false, B::mirror, 0}},
        {"4.b.2", "sphere", F::GaborParams{20.0, 8.0, 2.5, 0.0, pi / 8, true, B::mirror, 0}},
        {"5.a.1", "impulse", F::WaveletParams{"db2", "LHL", 1, false, F::Pooling::mean, B::zero, D::volume3d}},
        {"5.a.2", "impulse", F::WaveletParams{"db2", "LHL", 1, true, F::Pooling::mean, B::zero, D::volume3d}},
        {"6.a.1", "sphere", F::WaveletParams{"coif1", "HHL", 1, false, F::Pooling::mean, B::periodic, D::volume3d}},
        {"6.a.2", "sphere", F::WaveletParams{"coif1", "HHL", 1, true, F::Pooling::mean, B::periodic, D::volume3d}},
        {"7.a.1", "checkerboard", F::WaveletParams{"haar", "LLL", 2, true, F::Pooling::mean, B::mirror, D::volume3d}},
        {"7.a.2", "checkerboard", F::WaveletParams{"haar", "HHH", 2, true, F::Pooling::mean, B::mirror, D::volume3d}},
        {"8.a.1", "checkerboard", F::SimoncelliParams{1, B::periodic, D::volume3d}},
        {"8.a.2", "checkerboard", F::SimoncelliParams{2, B::periodic, D::volume3d}},
        {"8.a.3", "checkerboard", F::SimoncelliParams{3, B::periodic, D::volume3d}},
        {"9.a", "impulse", F::RieszParams{{1, 0, 0}, F::RieszParams::Base::log, 3.0, 4.0, 1, B::zero}},
        {"9.b.1", "sphere", F::RieszParams{{0, 2, 0}, F::RieszParams::Base::log, 3.0, 4.0, 1, B::zero}},
        {"10.b.1", "pattern_1", F::RieszParams{{0, 2, 0}, F::RieszParams::Base::simoncelli, 0.0, 4.0, 1, B::nearest}},
    };
    return r;
}

Image run(const Image& in, const Config& c) {
    return std::visit(
        [&](const auto& p) -> Image {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, Mean>) return F::mean_filter(in, p.support, p.boundary, p.dim);
            else if constexpr (std::is_same_v<T, LoG>) return F::log_filter(in, p.sigma_mm, p.truncation, p.boundary, p.dim);
            else if constexpr (std::is_same_v<T, F::LawsParams>) return F::laws_filter(in, p);
            else if constexpr (std::is_same_v<T, F::GaborParams>) return F::gabor_filter(in, p);
            else if constexpr (std::is_same_v<T, F::WaveletParams>) return F::wavelet_filter(in, p);
            else if constexpr (std::is_same_v<T, F::SimoncelliParams>) return F::simoncelli_filter(in, p);
            else return F::riesz_filter(in, p);
        },
        c);
}

std::string map_path(std::string id) {
    std::replace(id.begin(), id.end(), '.', '_');
    return kData + "/reference_response_maps/" + id + "-ValidCRM.nii";
}

struct Comparison {
    double tolerance = 0, worst = 0;
    std::size_t failures = 0, worst_index = 0;
};

Comparison compare(const Image& ours, const Image& ref) {
    const auto [lo, hi] = std::minmax_element(ref.data.begin(), ref.data.end());
    Comparison c;
    c.tolerance = 0.01 * (*hi - *lo);
    for (std::size_t i = 0; i < ref.data.size(); ++i) {
        const double e = std::abs(ours.data[i] - ref.data[i]);
        if (!(e <= c.tolerance)) ++c.failures;  // NaN counts as a failure
        if (!(e <= c.worst)) {
            c.worst = e;
            c.worst_index = i;
        }
    }
    return c;
}

}  // namespace

TEST_CASE("ibsi2 phantoms keep the NIfTI (i, j, k) order and share the reference maps' grid", "[filters]") {
    const Image o = phantom("orientation");
    CHECK(o.nx() == 32);
    CHECK(o.ny() == 48);
    CHECK(o.nz() == 64);
    const Image impulse = phantom("impulse");
    REQUIRE(impulse.nx() == 64);
    // the single 255 voxel at 0-based (31, 31, 31) (digital phantom README)
    std::size_t nonzero = 0;
    for (double v : impulse.data) nonzero += v != 0;
    CHECK(nonzero == 1);
    CHECK(impulse.at(31, 31, 31) == 255);
    const Image ref = io::read_image(map_path("3.a.1"));
    CHECK(same_grid(ref.geometry, impulse.geometry, 1e-9));
}

TEST_CASE("ibsi2 phase 1 response maps within 1% of the reference range", "[filters]") {
    const auto& all = rows();
    std::size_t passed = 0;
    for (const Row& row : all) {
        const Image in = phantom(row.phantom);
        const Image ref = io::read_image(map_path(row.id));
        REQUIRE(ref.data.size() == in.data.size());
        const auto t0 = std::chrono::steady_clock::now();
        const Image ours = run(in, row.config);
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        REQUIRE(ours.data.size() == ref.data.size());
        const Comparison c = compare(ours, ref);
        const std::size_t i = c.worst_index, nx = in.nx(), ny = in.ny();
        std::printf("%-6s %-12s worst %.3g at (%zu,%zu,%zu) = %.4f%% of range (tol 1%%), failing voxels %zu, %.0f ms\n",
                    row.id, row.phantom, c.worst, i % nx, (i / nx) % ny, i / (nx * ny),
                    c.tolerance > 0 ? 100 * 0.01 * c.worst / c.tolerance : 0.0, c.failures, ms);
        INFO(row.id << ": " << c.failures << " voxels beyond " << c.tolerance << ", worst " << c.worst << " at index "
                    << i << " (ours " << ours.data[i] << ", ref " << ref.data[i] << ")");
        CHECK(c.failures == 0);
        passed += c.failures == 0;
    }
    std::printf("ibsi2 phase 1: %zu of %zu maps pass\n", passed, all.size());
}

TEST_CASE("ibsi2 filters give bit-identical output on one thread and on all", "[filters]") {
    for (const Row& row : rows()) {
        const std::string id = row.id;
        if (id != "3.b.2" && id != "4.a.2" && id != "6.a.2" && id != "8.a.2" && id != "2.c") continue;
        const Image in = phantom(row.phantom);
        const Image many = run(in, row.config);
        Image one;
        {
            tbb::global_control single(tbb::global_control::max_allowed_parallelism, 1);
            one = run(in, row.config);
        }
        INFO(id);
        CHECK(std::equal(many.data.begin(), many.data.end(), one.data.begin(), one.data.end(),
                         [](double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }));
    }
}
