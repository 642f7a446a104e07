// Properties of the mesh / hull / autocorrelation code that the reference tables do not pin down:
// analytic cases, brute-force cross-checks and thread-count independence.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "radhpc/features/mesh.hpp"
#include "radhpc/features/morphology.hpp"
#include "radhpc/features/shape_pyradiomics.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;

namespace {

Mask make_mask(Size3 size, Vec3 spacing) {
    Geometry g;
    g.size = size;
    g.spacing = spacing;
    return Mask(g);
}

Mask random_blob(std::uint64_t seed, Size3 size, double fill) {
    auto m = make_mask(size, {0.8, 1.1, 2.5});
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& v : m.data) v = u(rng) < fill ? 1 : 0;
    return m;
}

Mask sphere(double radius_voxels, Vec3 spacing) {
    const auto n = std::size_t(2 * radius_voxels + 3);
    auto m = make_mask({n, n, n}, spacing);
    const double c = double(n - 1) / 2.0;
    for (std::size_t z = 0; z < n; ++z)
        for (std::size_t y = 0; y < n; ++y)
            for (std::size_t x = 0; x < n; ++x) {
                const double dx = x - c, dy = y - c, dz = z - c;
                m.at(x, y, z) = dx * dx + dy * dy + dz * dz <= radius_voxels * radius_voxels;
            }
    return m;
}

double value_of(const FeatureValues& v, const std::string& name) {
    for (const auto& f : v)
        if (f.name == name) return f.value;
    FAIL("missing feature " << name);
    return 0;
}

}  // namespace

TEST_CASE("single voxel meshes to an octahedron", "[morphology]") {
    auto m = make_mask({3, 3, 3}, {2.0, 3.0, 5.0});
    m.at(1, 1, 1) = 1;
    const auto padded = features::mesh::pad_roi(m);
    const auto s = features::mesh::marching_cubes_measures(padded);
    // Octahedron with half-diagonals s/2: V = (4/3) (sx/2)(sy/2)(sz/2) ; exact in floating point here.
    CHECK(s.volume == Approx(4.0 / 3.0 * 1.0 * 1.5 * 2.5).epsilon(1e-14));
    const auto hull = features::mesh::convex_hull(features::mesh::mesh_vertices(padded));
    CHECK(hull.vertices.size() == 6);
    CHECK(hull.faces.size() == 8);
    const auto h = features::mesh::hull_measures(hull, padded.spacing);
    CHECK(h.volume == Approx(s.volume).epsilon(1e-14));
    CHECK(h.area == Approx(s.area).epsilon(1e-14));
}

TEST_CASE("marching-cubes mesh: orientation, closure and the ambiguous-face patches", "[morphology]") {
    // A table error (a missing or flipped triangle) leaves the mesh open or mis-oriented, and the
    // signed tetrahedron sum then depends on the apex. Ellipsoids have no ambiguously cut face (the
    // one configuration where this table itself leaves holes, see mesh.hpp), so PyRadiomics' open
    // variant (apex at the grid corner) and the closed variant (apex at the centre) must agree.
    for (const double r : {1.5, 2.0, 3.7, 6.2}) {
        const auto m = sphere(r, {0.7, 1.3, 2.9});
        const auto padded = features::mesh::pad_roi(m);
        const auto a = features::mesh::marching_cubes_measures(padded, features::mesh::MeshClosure::pyradiomics);
        const auto b = features::mesh::marching_cubes_measures(padded, features::mesh::MeshClosure::closed);
        INFO("radius " << r);
        CHECK(a.volume > 0);
        CHECK(b.volume == Approx(a.volume).epsilon(1e-12));
        CHECK(b.area == Approx(a.area).epsilon(1e-15));
    }
    // Random masks are full of ambiguous faces. With the patches the mesh is closed: the volume does
    // not move when the same mask sits in a larger grid (other apex). Without them it does.
    int open_differs = 0;
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        const auto m = random_blob(seed, {7, 6, 5}, 0.5);
        const auto padded = features::mesh::pad_roi(m);
        auto shifted = padded;  // same mask, 3 more empty voxels below and 1 above on every axis
        shifted.size = {padded.size[0] + 4, padded.size[1] + 4, padded.size[2] + 4};
        shifted.voxels.assign(std::size_t(shifted.size[0] * shifted.size[1] * shifted.size[2]), 0);
        for (std::int64_t z = 0; z < padded.size[2]; ++z)
            for (std::int64_t y = 0; y < padded.size[1]; ++y)
                for (std::int64_t x = 0; x < padded.size[0]; ++x)
                    shifted.voxels[std::size_t((x + 3) + shifted.size[0] * ((y + 3) + shifted.size[1] * (z + 3)))] =
                        padded.at(x, y, z);
        using features::mesh::MeshClosure;
        const auto a = features::mesh::marching_cubes_measures(padded, MeshClosure::closed);
        const auto b = features::mesh::marching_cubes_measures(shifted, MeshClosure::closed);
        INFO("seed " << seed);
        CHECK(a.volume > 0);
        CHECK(b.volume == Approx(a.volume).epsilon(1e-12));
        CHECK(b.area == Approx(a.area).epsilon(1e-12));
        const auto oa = features::mesh::marching_cubes_measures(padded, MeshClosure::pyradiomics);
        const auto ob = features::mesh::marching_cubes_measures(shifted, MeshClosure::pyradiomics);
        CHECK(oa.area == Approx(a.area).epsilon(1e-12));
        if (std::abs(oa.volume - ob.volume) > 1e-9 * a.volume) ++open_differs;
    }
    CHECK(open_differs > 0);  // the random masks do exercise the ambiguous faces
}

TEST_CASE("convex hull: diameter equals brute force over all mesh vertices, volume >= mesh volume", "[morphology]") {
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        const auto m = random_blob(100 + seed, {9, 8, 6}, 0.3);
        const auto padded = features::mesh::pad_roi(m);
        const auto vertices = features::mesh::mesh_vertices(padded);
        const auto hull = features::mesh::convex_hull(features::mesh::hull_candidates(vertices));
        std::vector<Vec3> all, on_hull;
        for (const auto& v : vertices) all.push_back(features::mesh::to_physical(v, padded.spacing));
        for (const auto& v : hull.vertices) on_hull.push_back(features::mesh::to_physical(v, padded.spacing));
        INFO("seed " << seed);
        CHECK(features::mesh::max_pairwise_distance(on_hull) == features::mesh::max_pairwise_distance(all));
        // Every vertex lies inside or on the hull: the hull of (hull vertices + all points) has the same volume.
        const auto full = features::mesh::convex_hull(vertices);
        const auto h1 = features::mesh::hull_measures(hull, padded.spacing);
        const auto h2 = features::mesh::hull_measures(full, padded.spacing);
        CHECK(h1.volume == Approx(h2.volume).epsilon(1e-12));
        CHECK(h1.area == Approx(h2.area).epsilon(1e-12));
        CHECK(h1.volume >= features::mesh::marching_cubes_measures(padded, features::mesh::MeshClosure::closed).volume);
    }
}

TEST_CASE("Moran's I / Geary's C: FFT evaluation equals the pairwise sums", "[morphology]") {
    // brain1 (~4100 voxels): both methods exact; they differ only by rounding.
    const std::string data = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";
    const auto image = io::read_image(data + "brain1_image.nrrd");
    const auto mask = io::read_label_mask(data + "brain1_label.nrrd", 1);
    const auto pairwise = features::moran_geary(mask, image, 0, features::AutocorrelationMethod::pairwise);
    const auto fft = features::moran_geary(mask, image, 0, features::AutocorrelationMethod::fft);
    CHECK(fft.moran_i == Approx(pairwise.moran_i).epsilon(1e-9));
    CHECK(fft.geary_c == Approx(pairwise.geary_c).epsilon(1e-9));
    std::printf("brain1 Moran I pairwise %.15g fft %.15g ; Geary C pairwise %.15g fft %.15g\n", pairwise.moran_i,
                fft.moran_i, pairwise.geary_c, fft.geary_c);
}

TEST_CASE("results do not depend on the number of threads", "[morphology]") {
    const std::string data = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";
    const auto image = io::read_image(data + "brain1_image.nrrd");
    const auto mask = io::read_label_mask(data + "brain1_label.nrrd", 1);
    FeatureSettings exact, via_fft;
    via_fft.moran_geary_exact_limit = 0;
    auto run = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
        auto a = features::morphology(mask, mask, image, exact);
        const auto b = features::morphology(mask, mask, image, via_fft);
        a.insert(a.end(), b.begin(), b.end());
        const auto c = features::pyradiomics_shape(mask);
        a.insert(a.end(), c.begin(), c.end());
        return a;
    };
    const auto one = run(1), many = run(8);
    REQUIRE(one.size() == many.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
        INFO(one[i].name);
        CHECK(std::memcmp(&one[i].value, &many[i].value, sizeof(double)) == 0);
    }
}

TEST_CASE("degenerate ROIs: one voxel, one line, one slice", "[morphology]") {
    auto one = make_mask({4, 4, 4}, {1.0, 1.0, 2.0});
    one.at(1, 2, 1) = 1;
    auto line = make_mask({6, 4, 4}, {1.0, 1.0, 2.0});
    for (std::size_t x = 0; x < 5; ++x) line.at(x, 1, 1) = 1;
    auto slice = make_mask({6, 6, 3}, {1.0, 1.0, 2.0});
    for (std::size_t y = 1; y < 5; ++y)
        for (std::size_t x = 1; x < 4; ++x) slice.at(x, y, 1) = 1;
    for (const Mask* m : {&one, &line, &slice}) {
        Image img(m->geometry, 5.0);
        img.data[3] = 7.0;
        FeatureValues v;
        REQUIRE_NOTHROW(v = features::morphology(*m, *m, img, FeatureSettings{}));
        CHECK(value_of(v, "morph_volume") > 0);
        CHECK(std::isfinite(value_of(v, "morph_diam")));
        CHECK(std::isfinite(value_of(v, "morph_vol_dens_conv_hull")));
        CHECK(!std::isinf(value_of(v, "morph_vol_dens_aee")));
        REQUIRE_NOTHROW(features::pyradiomics_shape(*m));
    }
    // One voxel: the mesh is the octahedron of half-diagonals s/2.
    const auto v = features::morphology(one, one, Image(one.geometry, 1.0), FeatureSettings{});
    CHECK(value_of(v, "morph_volume") == Approx(4.0 / 3.0 * 0.5 * 0.5 * 1.0));
    CHECK(value_of(v, "morph_diam") == Approx(2.0));
    CHECK(std::isnan(value_of(v, "morph_pca_maj_axis")));
    // A flat ROI: least axis 0, flatness 0, in both definitions.
    const auto f = features::morphology(slice, slice, Image(slice.geometry, 1.0), FeatureSettings{});
    CHECK(value_of(f, "morph_pca_least_axis") == 0.0);
    CHECK(std::isnan(value_of(f, "morph_vol_dens_aee")));
    CHECK(value_of(features::pyradiomics_shape(slice), "shape_Flatness") == 0.0);
    // shape2D on the flat ROI along z (PyRadiomics dimension 0) and on a sagittal slice (dimension 2).
    CHECK(value_of(features::pyradiomics_shape2d(slice, 0), "shape2D_PixelSurface") == Approx(12.0));
    auto sagittal = make_mask({3, 6, 6}, {0.5, 1.0, 2.0});
    for (std::size_t z = 1; z < 4; ++z)
        for (std::size_t y = 1; y < 5; ++y) sagittal.at(1, y, z) = 1;
    CHECK(value_of(features::pyradiomics_shape2d(sagittal, 2), "shape2D_PixelSurface") == Approx(24.0));
    CHECK(value_of(features::pyradiomics_shape2d(sagittal, 2), "shape2D_MeshSurface") > 0);
}

TEST_CASE("sphere: morphology approaches the analytic values", "[morphology]") {
    const double r = 20.0;
    const auto m = sphere(r, {1.0, 1.0, 1.0});
    Image img(m.geometry, 1.0);
    const auto v = features::morphology(m, m, img, FeatureSettings{});
    CHECK(value_of(v, "morph_volume") == Approx(4.0 / 3.0 * M_PI * r * r * r).epsilon(0.01));
    CHECK(value_of(v, "morph_diam") == Approx(2 * r + 1).epsilon(0.02));
    // Mesh vertices reach r + 1/2 voxel on the axes, so the enclosing ellipsoid is about that sphere.
    CHECK(value_of(v, "morph_vol_dens_mvee") == Approx(std::pow(r / (r + 0.5), 3)).epsilon(0.02));
    CHECK(value_of(v, "morph_vol_dens_ombb") == Approx(M_PI / 6.0).epsilon(0.05));
    CHECK(value_of(v, "morph_pca_elongation") == Approx(1.0).epsilon(1e-9));
    // Constant intensity: Moran's I and Geary's C are 1 by convention (see morphology.cpp).
    CHECK(value_of(v, "morph_moran_i") == 1.0);
}

TEST_CASE("timing probe (not run by default)", "[.probe]") {
    const std::string data = std::string(RADHPC_SHARED_DATA) + "/pyradiomics/";
    const auto image = io::read_image(data + "brain1_image.nrrd");
    const auto mask = io::read_label_mask(data + "brain1_label.nrrd", 1);
    auto time = [](auto&& f) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    FeatureSettings s;
    std::printf("brain1 (%zu voxels): morphology %.3f s, pyradiomics_shape %.3f s\n",
                std::size_t(std::count(mask.data.begin(), mask.data.end(), 1)),
                time([&] { features::morphology(mask, mask, image, s); }),
                time([&] { features::pyradiomics_shape(mask); }));
    for (const double r : {29.0, 62.0}) {
        const auto m = sphere(r, {1.0, 1.0, 1.0});
        Image img(m.geometry);
        std::mt19937_64 rng(7);
        std::normal_distribution<double> noise(0, 10);
        for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = 100.0 + 0.5 * double(i % 97) + noise(rng);
        const auto n = std::size_t(std::count(m.data.begin(), m.data.end(), 1));
        FeatureValues out;
        const double t = time([&] { out = features::morphology(m, m, img, s); });
        std::printf("sphere r=%g (%zu voxels): morphology %.3f s (Moran %.6f Geary %.6f), pyradiomics_shape %.3f s\n", r,
                    n, t, value_of(out, "morph_moran_i"), value_of(out, "morph_geary_c"),
                    time([&] { features::pyradiomics_shape(m); }));
        if (n < 200000) {
            const auto t0 = std::chrono::steady_clock::now();
            const auto exact = features::moran_geary(m, img, 0, features::AutocorrelationMethod::pairwise);
            std::printf("   pairwise Moran %.15g Geary %.15g (%.2f s)\n", exact.moran_i, exact.geary_c,
                        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            const auto fft = features::moran_geary(m, img, 0, features::AutocorrelationMethod::fft);
            std::printf("   fft      Moran %.15g Geary %.15g\n", fft.moran_i, fft.geary_c);
        }
    }
    for (const auto& f : features::morphology(mask, mask, image, s)) std::printf("  %s %.10g\n", f.name.c_str(), f.value);
}

TEST_CASE("timing probe 2 (not run by default)", "[.probe2]") {
    auto time = [](auto&& f) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    for (const double r : {29.0, 62.0}) {
        const auto m = sphere(r, {1.0, 1.0, 1.0});
        // Spatially correlated intensities: smooth field + noise.
        Image img(m.geometry);
        std::mt19937_64 rng(7);
        std::normal_distribution<double> noise(0, 10);
        for (std::size_t z = 0; z < img.nz(); ++z)
            for (std::size_t y = 0; y < img.ny(); ++y)
                for (std::size_t x = 0; x < img.nx(); ++x)
                    img.at(x, y, z) = 50.0 * std::sin(x / 7.0) * std::cos(y / 11.0) + 0.3 * double(z) + noise(rng);
        features::SpatialAutocorrelation fft{}, sub{};
        std::printf("r=%g: fft %.3f s", r, time([&] { fft = features::moran_geary(m, img, 20000, features::AutocorrelationMethod::fft); }));
        std::printf(", subsample %.3f s\n", time([&] { sub = features::moran_geary(m, img, 20000, features::AutocorrelationMethod::subsample); }));
        std::printf("   Moran fft %.8f subsample %.8f (rel %.2e) ; Geary fft %.8f subsample %.8f (rel %.2e)\n", fft.moran_i, sub.moran_i,
                    std::abs(sub.moran_i / fft.moran_i - 1), fft.geary_c, sub.geary_c, std::abs(sub.geary_c / fft.geary_c - 1));
        const auto padded = features::mesh::pad_roi(m);
        std::vector<features::mesh::LatticePoint> verts, cand;
        features::mesh::ConvexHull3D hull;
        std::printf("   mc %.3f s", time([&] { features::mesh::marching_cubes_measures(padded, features::mesh::MeshClosure::closed); }));
        std::printf(", vertices %.3f s", time([&] { verts = features::mesh::mesh_vertices(padded); }));
        std::printf(", candidates %.3f s", time([&] { cand = features::mesh::hull_candidates(verts); }));
        std::printf(", hull %.3f s (%zu of %zu -> %zu vertices)\n", time([&] { hull = features::mesh::convex_hull(cand); }), cand.size(), verts.size(), hull.vertices.size());
        FeatureValues out;
        std::printf("   morphology total %.3f s\n", time([&] { out = features::morphology(m, m, img, FeatureSettings{}); }));
    }
}
