#include <catch2/catch.hpp>

#include "radhpc/core/roi.hpp"

using namespace radhpc;

TEST_CASE("bounding box and crop keep physical positions", "[core]") {
    Geometry g;
    g.size = {6, 5, 4};
    g.spacing = {0.5, 1.0, 2.0};
    g.origin = {10, 20, 30};
    Mask m(g);
    m.at(2, 1, 1) = 1;
    m.at(3, 3, 2) = 1;
    auto box = bounding_box(m);
    REQUIRE(box);
    CHECK(box->lo == Index3{2, 1, 1});
    CHECK(box->hi == Index3{3, 3, 2});
    auto c = crop(m, *box, 1);
    CHECK(c.geometry.size == Size3{4, 5, 4});
    auto p_old = g.index_to_point({3, 3, 2});
    auto p_new = c.geometry.index_to_point({3 - 1, 3 - 0, 2 - 0});
    CHECK(p_old == p_new);
    CHECK(c.at(2, 3, 2) == 1);
    CHECK(count_voxels(c) == 2);
    Mask empty(g);
    CHECK_FALSE(bounding_box(empty));
}
