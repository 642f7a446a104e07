// Results must not depend on the number of TBB threads (integer matrices, fixed reduction order):
// all families on brain1 with 1, 2 and 4 threads must be bit-identical.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <algorithm>
#include <cstring>

#include "radhpc/features/texture.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "texture_test_util.hpp"

using namespace radhpc;

namespace {

// brain1's label-1 ROI discretised as PyRadiomics does, with `bin_width`
struct Brain1 {
    Mask mask;
    preprocess::Discretised disc;
};
Brain1 brain1(double bin_width) {
    const Image image = io::read_image(texture_test::shared("pyradiomics/brain1_image.nrrd"));
    Brain1 b{io::read_label_mask(texture_test::shared("pyradiomics/brain1_label.nrrd"), 1), {}};
    DiscretisationSettings ds;
    ds.bin_width = bin_width;
    b.disc = preprocess::discretise(image, b.mask, ds, Profile::pyradiomics);
    return b;
}
const std::set<std::string> kAllTexture = {"cm", "rlm", "szm", "dzm", "ngt", "ngl", "glcm", "glrlm", "glszm", "gldm", "ngtdm"};

}  // namespace

TEST_CASE("Texture features are bit-identical for 1, 2 and 4 threads", "[texture][threads]") {
    const Brain1 b = brain1(25);
    auto run = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
        return features::texture_features(b.disc.levels, b.mask, b.mask, b.disc.n_levels, TextureSettings{}, Profile::ibsi, kAllTexture);
    };
    const auto one = run(1);
    REQUIRE(one.size() == 483);  // 408 IBSI + 75 PyRadiomics
    for (int threads : {2, 4}) {
        const auto many = run(threads);
        REQUIRE(many.size() == one.size());
        int differing = 0;
        for (std::size_t k = 0; k < one.size(); ++k) {
            REQUIRE(one[k].name == many[k].name);
            if (std::memcmp(&one[k].value, &many[k].value, sizeof(double)) != 0) {
                ++differing;
                WARN(one[k].name << ": " << one[k].value << " vs " << many[k].value);
            }
        }
        INFO(threads << " threads");
        CHECK(differing == 0);
    }
}

TEST_CASE("Fused multi-offset builders equal the single-offset builders", "[texture][builders]") {
    const Brain1 b = brain1(10);
    const features::TextureRoi roi(b.disc.levels, b.mask, 2);
    const auto offsets = features::chebyshev_offsets({1, 2}, false, true);
    const auto glcm = features::glcm_matrices(roi, offsets);
    const auto glrlm = features::glrlm_matrices(roi, offsets);
    REQUIRE(glcm.size() == offsets.size());
    for (std::size_t k = 0; k < offsets.size(); ++k) {
        CHECK(glcm[k].counts == features::glcm_matrix(roi, offsets[k]).counts);
        const auto single = features::glrlm_matrix(roi, offsets[k]);
        CHECK(glrlm[k].cols == single.cols);
        CHECK(glrlm[k].counts == single.counts);
    }
    // Per-slice fused builders (in-plane directions) against the single-offset ones.
    const auto in_plane = features::chebyshev_offsets({1, 2}, true, true);
    for (int z = 0; z < int(roi.nz); ++z) {
        const auto cm = features::glcm_matrices(roi, in_plane, z);
        const auto rl = features::glrlm_matrices(roi, in_plane, z);
        for (std::size_t k = 0; k < in_plane.size(); ++k) {
            CHECK(cm[k].counts == features::glcm_matrix(roi, in_plane[k], z).counts);
            CHECK(rl[k].counts == features::glrlm_matrix(roi, in_plane[k], z).counts);
        }
    }
    const auto hood = features::chebyshev_offsets({1, 2}, false, false);
    const auto [ngtdm, ngldm] = features::ngtdm_ngldm_matrices(roi, hood, 1.0);
    const auto ngtdm_single = features::ngtdm_matrix(roi, hood);
    CHECK(ngtdm.n_all == ngtdm_single.n_all);
    CHECK(ngtdm.n_with_neighbours == ngtdm_single.n_with_neighbours);
    CHECK(ngtdm.s == ngtdm_single.s);
    CHECK(ngldm.counts == features::ngldm_matrix(roi, hood, 1.0).counts);
    // Zone labelling does not depend on the order in which the connectivity offsets are given.
    for (const bool in_plane : {false, true}) {
        auto standard = features::chebyshev_offsets({1}, in_plane, false);
        auto reordered = standard;
        std::reverse(reordered.begin(), reordered.end());
        const auto a = features::label_zones(roi, standard, {});
        const auto b = features::label_zones(roi, reordered, {});
        REQUIRE(a.size() == b.size());
        for (std::size_t k = 0; k < a.size(); ++k) {
            CHECK(a[k].level == b[k].level);
            CHECK(a[k].size == b[k].size);
            CHECK(a[k].slice == b[k].slice);
        }
    }
}

TEST_CASE("Texture row kernels: the baseline copies give the AVX2 copies' features bit for bit", "[texture][builders]") {
    // Every builder with a row kernel (GLCM, GLRLM, zone labelling, NGTDM/NGLDM), at distances 1 and 2
    // (IBSI's "cm"/"rlm"/... and PyRadiomics' classes); on a CPU without AVX2 both runs take the baseline.
    const Brain1 b = brain1(10);
    TextureSettings ts;
    ts.distances = {1, 2};
    auto run = [&](bool avx2) {
        features::texture_allow_avx2(avx2);
        auto out = features::texture_features(b.disc.levels, b.mask, b.mask, b.disc.n_levels, ts, Profile::ibsi, kAllTexture);
        features::texture_allow_avx2(true);
        return out;
    };
    const auto vector_copy = run(true), baseline = run(false);
    REQUIRE(vector_copy.size() == baseline.size());
    int differing = 0;
    for (std::size_t k = 0; k < baseline.size(); ++k) {
        REQUIRE(vector_copy[k].name == baseline[k].name);
        differing += std::memcmp(&vector_copy[k].value, &baseline[k].value, sizeof(double)) != 0;
    }
    CHECK(differing == 0);
}
