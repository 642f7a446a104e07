// Marching cubes (PyRadiomics' variant), mesh vertices, exact convex hulls. See mesh.hpp.
#include "radhpc/features/mesh.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <unordered_map>

#include "radhpc/core/error.hpp"
#include "radhpc/core/roi.hpp"

namespace radhpc::features::mesh {
namespace {

// Cube corners as (dz, dy, dx) offsets, bit i of the cube index = corner i inside the ROI
// (PyRadiomics cshape.c gridAngles).
constexpr int kCorner[8][3] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 1}, {0, 1, 0},
                               {1, 0, 0}, {1, 0, 1}, {1, 1, 1}, {1, 1, 0}};

// Edge midpoints as (z, y, x) offsets within the cube (cshape.c vertList).
constexpr double kEdgeVertex[12][3] = {{0, 0, 0.5}, {0, 0.5, 1}, {0, 1, 0.5}, {0, 0.5, 0},
                                       {1, 0, 0.5}, {1, 0.5, 1}, {1, 1, 0.5}, {1, 0.5, 0},
                                       {0.5, 0, 0}, {0.5, 0, 1}, {0.5, 1, 1}, {0.5, 1, 0}};

// Triangles per cube index < 128 (indices >= 128 are complemented and the volume sign flipped),
// as edge triples, -1 terminated. Data of PyRadiomics 3.x cshape.c triTable: its diagonal choices
// for non-planar quads fix the surface area, so it must be this table to reproduce PyRadiomics.
constexpr std::int8_t kTriangles[128][16] = {
    {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  8,  3,  1,  9,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 9,  2, 10,  0,  2,  9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 2,  8,  3,  2, 10,  8, 10,  9,  8, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  1,  1,  9, 11,  9,  8, 11, -1, -1, -1, -1, -1, -1, -1},
    { 3, 10,  1, 11, 10,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {10,  1,  0,  0,  8, 10,  8, 11, 10, -1, -1, -1, -1, -1, -1, -1},
    { 9,  0,  3,  3, 11,  9, 11, 10,  9, -1, -1, -1, -1, -1, -1, -1},
    { 9,  8, 10, 11, 10,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  4,  3,  4,  7,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  4,  1,  4,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 3,  4,  7,  3,  0,  4,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1},
    { 9,  2, 10,  9,  0,  2,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1},
    { 2, 10,  9,  2,  9,  7,  2,  7,  3,  4,  7,  9, -1, -1, -1, -1},
    { 4,  7,  8, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  4,  7, 11,  2,  4,  2,  0,  4, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  4,  7,  8, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1},
    { 4,  7, 11,  9,  4, 11, 11,  2,  9,  1,  9,  2, -1, -1, -1, -1},
    { 3, 10,  1, 11, 10,  3,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1},
    {11, 10,  1,  1,  4, 11,  1,  0,  4,  4,  7, 11, -1, -1, -1, -1},
    { 4,  7,  8,  9,  0,  3,  3, 11,  9, 11, 10,  9, -1, -1, -1, -1},
    { 4,  7, 11,  4, 11,  9,  9, 11, 10, -1, -1, -1, -1, -1, -1, -1},
    { 9,  5,  4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 9,  5,  4,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  5,  4,  0,  1,  5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 8,  5,  4,  8,  3,  5,  3,  1,  5, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3,  1,  2, 10,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1},
    { 2, 10,  5,  5,  4,  2,  2,  4,  0, -1, -1, -1, -1, -1, -1, -1},
    { 2, 10,  5,  3,  2,  5,  3,  5,  4,  8,  3,  4, -1, -1, -1, -1},
    { 9,  5,  4, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1},
    { 0,  5,  4,  0,  1,  5, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1},
    { 2,  1,  5,  2,  5,  8, 11,  2,  8,  5,  4,  8, -1, -1, -1, -1},
    { 3, 10,  1, 11, 10,  3,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1},
    { 5,  4,  9, 10,  1,  0,  0,  8, 10,  8, 11, 10, -1, -1, -1, -1},
    { 5,  4,  0,  5,  0, 11, 10,  5, 11, 11,  0,  3, -1, -1, -1, -1},
    { 5,  4,  8, 10,  5,  8, 11, 10,  8, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  9,  5,  7,  9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 3,  0,  9,  5,  3,  9,  3,  5,  7, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  0,  0,  1,  7,  7,  1,  5, -1, -1, -1, -1, -1, -1, -1},
    { 1,  5,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  9,  5,  7,  9,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2, 10,  3,  0,  9,  3,  9,  5,  3,  5,  7, -1, -1, -1, -1},
    { 0,  2,  8,  8,  2,  5,  8,  5,  7,  2, 10,  5, -1, -1, -1, -1},
    { 2, 10,  5,  2,  5,  3,  3,  5,  7, -1, -1, -1, -1, -1, -1, -1},
    { 5,  7,  9,  7,  8,  9, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1},
    { 5,  7,  9,  9,  7,  2,  2,  0,  9, 11,  2,  7, -1, -1, -1, -1},
    {11,  2,  3,  0,  1,  8,  1,  7,  8,  1,  5,  7, -1, -1, -1, -1},
    { 2,  1, 11,  1,  7, 11,  1,  5,  7, -1, -1, -1, -1, -1, -1, -1},
    { 7,  8,  9,  5,  7,  9,  3, 10,  1, 11, 10,  3, -1, -1, -1, -1},
    { 5,  7,  0,  5,  0,  9,  7, 11,  0, 10,  1,  0, 11, 10,  0, -1},
    {11, 10,  0,  0,  3, 11, 10,  5,  0,  0,  7,  8,  5,  7,  0, -1},
    {11, 10,  5,  5,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  8,  3,  1,  9,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  6,  5,  1,  2,  6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 1,  6,  5,  1,  2,  6,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1},
    { 9,  6,  5,  9,  0,  6,  0,  2,  6, -1, -1, -1, -1, -1, -1, -1},
    { 5,  9,  8,  5,  8,  2,  5,  2,  6,  8,  3,  2, -1, -1, -1, -1},
    {11,  2,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0, 11,  2,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  1,  1,  9, 11,  9,  8, 11,  6,  5, 10, -1, -1, -1, -1},
    { 6,  3, 11,  6,  5,  3,  5,  1,  3, -1, -1, -1, -1, -1, -1, -1},
    { 0,  8, 11,  0, 11,  5,  0,  5,  1,  5, 11,  6, -1, -1, -1, -1},
    { 6,  3, 11,  0,  3,  6,  0,  6,  5,  0,  5,  9, -1, -1, -1, -1},
    { 6,  5,  9,  6,  9, 11, 11,  9,  8, -1, -1, -1, -1, -1, -1, -1},
    { 4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  4,  3,  4,  7,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  0,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    { 1,  9,  4,  1,  4,  7,  1,  7,  3,  6,  5, 10, -1, -1, -1, -1},
    { 4,  7,  8,  1,  6,  5,  1,  2,  6, -1, -1, -1, -1, -1, -1, -1},
    { 0,  4,  3,  4,  7,  3,  1,  6,  5,  1,  2,  6, -1, -1, -1, -1},
    { 4,  7,  8,  9,  6,  5,  9,  0,  6,  0,  2,  6, -1, -1, -1, -1},
    { 7,  3,  9,  4,  7,  9,  3,  2,  9,  5,  9,  6,  2,  6,  9, -1},
    {11,  2,  3,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1},
    {11,  4,  7, 11,  2,  4,  2,  0,  4,  6,  5, 10, -1, -1, -1, -1},
    { 1,  9,  0, 11,  2,  3,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1},
    { 4,  7, 11,  9,  4, 11, 11,  2,  9,  1,  9,  2,  6,  5, 10, -1},
    { 4,  7,  8,  6,  3, 11,  6,  5,  3,  5,  1,  3, -1, -1, -1, -1},
    { 5,  1, 11,  5, 11,  6,  1,  0, 11,  4,  7, 11,  0,  4, 11, -1},
    { 4,  7,  8,  6,  3, 11,  0,  3,  6,  0,  6,  5,  0,  5,  9, -1},
    { 6,  5,  9,  6,  9, 11,  4,  7,  9,  7, 11,  9, -1, -1, -1, -1},
    {10,  4,  9,  6,  4, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {10,  4,  9,  6,  4, 10,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1},
    { 0,  1, 10, 10,  6,  0,  6,  4,  0, -1, -1, -1, -1, -1, -1, -1},
    { 1,  8,  3,  1,  6,  8,  8,  6,  4,  6,  1, 10, -1, -1, -1, -1},
    { 1,  4,  9,  1,  2,  4,  2,  6,  4, -1, -1, -1, -1, -1, -1, -1},
    { 1,  4,  9,  1,  2,  4,  2,  6,  4,  0,  8,  3, -1, -1, -1, -1},
    { 0,  2,  4,  4,  2,  6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 8,  3,  2,  8,  2,  4,  4,  2,  6, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  3, 10,  4,  9,  6,  4, 10, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  0,  0,  8, 11, 10,  4,  9,  6,  4, 10, -1, -1, -1, -1},
    {11,  2,  3,  0,  1, 10, 10,  6,  0,  6,  4,  0, -1, -1, -1, -1},
    { 6,  4,  1,  6,  1, 10,  1,  4,  8, 11,  2,  1,  1,  8, 11, -1},
    { 9,  6,  4,  3,  6,  9,  1,  3,  9, 11,  6,  3, -1, -1, -1, -1},
    { 1,  8, 11,  0,  8,  1, 11,  6,  1,  1,  4,  9,  6,  4,  1, -1},
    { 6,  3, 11,  0,  3,  6,  6,  4,  0, -1, -1, -1, -1, -1, -1, -1},
    { 8,  6,  4,  6,  8, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 6,  7, 10,  7,  8, 10,  8,  9, 10, -1, -1, -1, -1, -1, -1, -1},
    { 6,  7, 10,  0, 10,  7,  0,  9, 10,  0,  7,  3, -1, -1, -1, -1},
    { 6,  7, 10,  1, 10,  7,  1,  7,  8,  0,  1,  8, -1, -1, -1, -1},
    { 6,  7, 10,  1, 10,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1},
    { 1,  2,  6,  1,  6,  8,  1,  8,  9,  6,  7,  8, -1, -1, -1, -1},
    { 2,  6,  9,  1,  2,  9,  6,  7,  9,  3,  0,  9,  7,  3,  9, -1},
    { 0,  7,  8,  7,  0,  6,  6,  0,  2, -1, -1, -1, -1, -1, -1, -1},
    { 2,  7,  3,  2,  6,  7, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    {11,  2,  3,  6,  7, 10,  7,  8, 10,  8,  9, 10, -1, -1, -1, -1},
    { 2,  0,  7, 11,  2,  7,  0,  9,  7,  6,  7, 10,  9, 10,  7, -1},
    { 6,  7, 10,  1, 10,  7,  1,  7,  8,  0,  1,  8, 11,  2,  3, -1},
    {11,  2,  1,  1,  7, 11, 10,  6,  1,  1,  6,  7, -1, -1, -1, -1},
    { 8,  9,  6,  6,  7,  8,  1,  6,  9, 11,  6,  3,  1,  3,  6, -1},
    { 0,  9,  1,  6,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
    { 0,  7,  8,  7,  0,  6,  0,  3, 11, 11,  6,  0, -1, -1, -1, -1},
    { 6,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
};

// Cube faces: corners in cyclic order, the 4 edges lying in the face, and the face centre (z, y, x).
constexpr int kFaceCorners[6][4] = {{0, 1, 2, 3}, {4, 5, 6, 7}, {0, 1, 5, 4}, {3, 2, 6, 7}, {0, 3, 7, 4}, {1, 2, 6, 5}};
constexpr int kFaceEdges[6][4] = {{0, 1, 2, 3}, {4, 5, 6, 7}, {0, 4, 8, 9}, {2, 6, 10, 11}, {3, 7, 8, 11}, {1, 5, 9, 10}};
constexpr double kFaceCentre[6][3] = {{0, 0.5, 0.5}, {1, 0.5, 0.5}, {0.5, 0, 0.5},
                                      {0.5, 1, 0.5}, {0.5, 0.5, 0}, {0.5, 0.5, 1}};

// Face shared by two cube edges, or -1 (distinct edges share at most one face).
constexpr auto kEdgePairFace = [] {
    std::array<std::array<std::int8_t, 12>, 12> t{};
    for (auto& row : t) row.fill(-1);
    for (int f = 0; f < 6; ++f)
        for (int i = 0; i < 4; ++i)
            for (int j = 0; j < 4; ++j)
                if (i != j) t[std::size_t(kFaceEdges[f][i])][std::size_t(kFaceEdges[f][j])] = std::int8_t(f);
    return t;
}();

// Cube index bits of a column code (see marching_cubes_measures): the x column feeds corners
// 0, 3, 4, 7, the x + 1 column corners 1, 2, 5, 6 (kCorner, (z, y, x) offsets).
constexpr auto column_bits(int corner_y0z0, int corner_y1z0, int corner_y0z1, int corner_y1z1) {
    std::array<std::uint8_t, 16> t{};
    for (unsigned q = 0; q < 16; ++q)
        t[q] = std::uint8_t(((q & 1u) << corner_y0z0) | (((q >> 1) & 1u) << corner_y1z0) | (((q >> 2) & 1u) << corner_y0z1) |
                            (((q >> 3) & 1u) << corner_y1z1));
    return t;
}
constexpr auto kLowColumnBits = column_bits(0, 3, 4, 7);
constexpr auto kHighColumnBits = column_bits(1, 2, 5, 6);

inline double det3(const double* a, const double* b, const double* c) {
    return a[0] * (b[1] * c[2] - b[2] * c[1]) + a[1] * (b[2] * c[0] - b[0] * c[2]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
}

}  // namespace

PaddedMask pad_roi(const Mask& mask) {
    const auto box = bounding_box(mask);
    if (!box) throw Error(ErrorKind::empty_roi, "morphology: the ROI mask is empty");
    PaddedMask out;
    for (int a = 0; a < 3; ++a) out.size[a] = box->extent(a) + 2;
    out.spacing = mask.geometry.spacing;
    out.voxels.assign(std::size_t(out.size[0] * out.size[1] * out.size[2]), 0);
    for (std::int64_t z = box->lo[2]; z <= box->hi[2]; ++z)
        for (std::int64_t y = box->lo[1]; y <= box->hi[1]; ++y)
            for (std::int64_t x = box->lo[0]; x <= box->hi[0]; ++x)
                if (mask.at(std::size_t(x), std::size_t(y), std::size_t(z))) {
                    const std::int64_t px = x - box->lo[0] + 1, py = y - box->lo[1] + 1, pz = z - box->lo[2] + 1;
                    out.voxels[std::size_t(px + out.size[0] * (py + out.size[1] * pz))] = 1;
                    ++out.count;
                }
    return out;
}

SurfaceMeasures marching_cubes_measures(const PaddedMask& m, MeshClosure closure) {
    const std::int64_t nx = m.size[0], ny = m.size[1], nz = m.size[2];
    const bool centred = closure == MeshClosure::closed;
    // Tetrahedron apex in index units, (z, y, x): grid centre for the closed mesh (best conditioning).
    const double origin[3] = {centred ? 0.5 * double(nz - 1) : 0.0, centred ? 0.5 * double(ny - 1) : 0.0,
                              centred ? 0.5 * double(nx - 1) : 0.0};
    // Spacing in PyRadiomics' (z, y, x) component order.
    const double sp[3] = {m.spacing[2], m.spacing[1], m.spacing[0]};
    const std::int64_t slabs = nz - 1;
    std::vector<double> slab_area(std::size_t(std::max<std::int64_t>(slabs, 0)), 0.0);
    std::vector<double> slab_volume(slab_area.size(), 0.0);
    tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, slabs), [&](const tbb::blocked_range<std::int64_t>& r) {
        for (std::int64_t iz = r.begin(); iz != r.end(); ++iz) {
            double area = 0.0, volume6 = 0.0;
            for (std::int64_t iy = 0; iy < ny - 1; ++iy) {
                // Corner bits from 4-bit column codes q(x) = m(x,y,z) | m(x,y+1,z) << 1 | m(x,y,z+1) << 2 |
                // m(x,y+1,z+1) << 3 of the cube's two x columns (kCorner order): each voxel is read once
                // per row instead of eight times per cube. Empty and full cubes add nothing and are skipped.
                const std::uint8_t* r00 = &m.voxels[std::size_t(nx * (iy + ny * iz))];
                const std::uint8_t* r10 = r00 + nx;
                const std::uint8_t* r01 = r00 + nx * ny;
                const std::uint8_t* r11 = r01 + nx;
                auto column = [&](std::int64_t x) { return unsigned(r00[x] | r10[x] << 1 | r01[x] << 2 | r11[x] << 3); };
                unsigned q_next = column(0);
                for (std::int64_t ix = 0; ix < nx - 1; ++ix) {
                    const unsigned q = q_next;
                    q_next = column(ix + 1);
                    unsigned cube = kLowColumnBits[q] | kHighColumnBits[q_next];
                    if (cube == 0 || cube == 0xffu) continue;
                    // Faces cut ambiguously: ROI corners on one diagonal only (checkerboard).
                    unsigned ambiguous_faces = 0;
                    if (closure == MeshClosure::closed)
                        for (int f = 0; f < 6; ++f) {
                            const unsigned c0 = (cube >> kFaceCorners[f][0]) & 1u, c1 = (cube >> kFaceCorners[f][1]) & 1u;
                            const unsigned c2 = (cube >> kFaceCorners[f][2]) & 1u, c3 = (cube >> kFaceCorners[f][3]) & 1u;
                            if (c0 == c2 && c1 == c3 && c0 != c1) ambiguous_faces |= 1u << f;
                        }
                    // The surface is symmetric under complement; the table holds indices < 128 only,
                    // and complementing reverses the face orientation, hence the volume sign.
                    double sign = 1.0;
                    if (cube & 0x80u) {
                        cube ^= 0xffu;
                        sign = -1.0;
                    }
                    if (cube == 0) continue;
                    const double base[3] = {double(iz) - origin[0], double(iy) - origin[1], double(ix) - origin[2]};
                    for (int t = 0; kTriangles[cube][3 * t] >= 0; ++t) {
                        double a[3], b[3], c[3];
                        for (int d = 0; d < 3; ++d) {
                            a[d] = (base[d] + kEdgeVertex[kTriangles[cube][3 * t]][d]) * sp[d];
                            b[d] = (base[d] + kEdgeVertex[kTriangles[cube][3 * t + 1]][d]) * sp[d];
                            c[d] = (base[d] + kEdgeVertex[kTriangles[cube][3 * t + 2]][d]) * sp[d];
                        }
                        // Signed tetrahedron (origin, a, b, c) volume times 6: c . (a x b).
                        const double ab0 = a[1] * b[2] - b[1] * a[2];
                        const double ab1 = a[2] * b[0] - b[2] * a[0];
                        const double ab2 = a[0] * b[1] - b[0] * a[1];
                        volume6 += sign * (ab0 * c[0] + ab1 * c[1] + ab2 * c[2]);
                        if (ambiguous_faces) {
                            // Patch fan: for each oriented triangle edge p -> q lying in an ambiguous face,
                            // the triangle (face centre, q, p). Reverse edges of the neighbour cube cancel it
                            // when both cubes cut the face alike; otherwise the fans tile the hole.
                            const double* pts[3] = {a, b, c};
                            for (int e = 0; e < 3; ++e) {
                                const int ep = kTriangles[cube][3 * t + e], eq = kTriangles[cube][3 * t + (e + 1) % 3];
                                const int f = kEdgePairFace[std::size_t(ep)][std::size_t(eq)];
                                if (f < 0 || !((ambiguous_faces >> f) & 1u)) continue;
                                double centre[3];
                                for (int d = 0; d < 3; ++d) centre[d] = (base[d] + kFaceCentre[f][d]) * sp[d];
                                volume6 += sign * det3(centre, pts[(e + 1) % 3], pts[e]);
                            }
                        }
                        // Face area: |(a - c) x (b - c)| / 2.
                        for (int d = 0; d < 3; ++d) {
                            a[d] -= c[d];
                            b[d] -= c[d];
                        }
                        const double n0 = a[1] * b[2] - b[1] * a[2];
                        const double n1 = a[2] * b[0] - b[2] * a[0];
                        const double n2 = a[0] * b[1] - b[0] * a[1];
                        area += 0.5 * std::sqrt(n0 * n0 + n1 * n1 + n2 * n2);
                    }
                }
            }
            slab_area[std::size_t(iz)] = area;
            slab_volume[std::size_t(iz)] = volume6;
        }
    });
    SurfaceMeasures out;
    double volume6 = 0.0;
    for (std::size_t i = 0; i < slab_area.size(); ++i) {
        out.area += slab_area[i];
        volume6 += slab_volume[i];
    }
    out.volume = volume6 / 6.0;
    return out;
}

std::vector<LatticePoint> mesh_vertices(const PaddedMask& m) {
    std::vector<LatticePoint> out;
    const std::int64_t nx = m.size[0], ny = m.size[1], nz = m.size[2];
    for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y)
            for (std::int64_t x = 0; x < nx; ++x) {
                const auto v = m.at(x, y, z);
                const auto X = std::int32_t(2 * x), Y = std::int32_t(2 * y), Z = std::int32_t(2 * z);
                if (x + 1 < nx && m.at(x + 1, y, z) != v) out.push_back({X + 1, Y, Z});
                if (y + 1 < ny && m.at(x, y + 1, z) != v) out.push_back({X, Y + 1, Z});
                if (z + 1 < nz && m.at(x, y, z + 1) != v) out.push_back({X, Y, Z + 1});
            }
    return out;
}

std::vector<LatticePoint> hull_candidates(const std::vector<LatticePoint>& points) {
    if (points.empty()) return {};
    LatticePoint hi{0, 0, 0};
    for (const auto& p : points)
        for (int a = 0; a < 3; ++a) hi[a] = std::max(hi[a], p[a]);
    const std::int64_t L[3] = {std::int64_t(hi[0]) + 1, std::int64_t(hi[1]) + 1, std::int64_t(hi[2]) + 1};
    // For axis a, the line through p is keyed by the other two coordinates.
    std::vector<std::int32_t> lo_of[3], hi_of[3];
    auto key = [&](const LatticePoint& p, int a) {
        const int b = (a + 1) % 3, c = (a + 2) % 3;
        return std::size_t(p[b] + L[b] * std::int64_t(p[c]));
    };
    for (int a = 0; a < 3; ++a) {
        const int b = (a + 1) % 3, c = (a + 2) % 3;
        lo_of[a].assign(std::size_t(L[b] * L[c]), std::numeric_limits<std::int32_t>::max());
        hi_of[a].assign(std::size_t(L[b] * L[c]), std::numeric_limits<std::int32_t>::min());
        for (const auto& p : points) {
            const auto k = key(p, a);
            lo_of[a][k] = std::min(lo_of[a][k], p[a]);
            hi_of[a][k] = std::max(hi_of[a][k], p[a]);
        }
    }
    std::vector<LatticePoint> lines_kept;
    for (const auto& p : points) {
        bool extreme = true;
        for (int a = 0; a < 3 && extreme; ++a) {
            const auto k = key(p, a);
            extreme = p[a] == lo_of[a][k] || p[a] == hi_of[a][k];
        }
        if (extreme) lines_kept.push_back(p);
    }
    // Second filter: a 3D hull vertex has a strictly supporting plane that can be tilted off any
    // axis plane, so it is also a vertex of the 2D hull of the points in its x-, y- and z-plane.
    std::sort(lines_kept.begin(), lines_kept.end());
    lines_kept.erase(std::unique(lines_kept.begin(), lines_kept.end()), lines_kept.end());
    std::vector<std::uint8_t> votes(lines_kept.size(), 0);
    for (int a = 0; a < 3; ++a) {
        const int b = (a + 1) % 3, c = (a + 2) % 3;
        std::vector<std::size_t> order(lines_kept.size());
        std::iota(order.begin(), order.end(), std::size_t(0));
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t i, std::size_t j) { return lines_kept[i][a] < lines_kept[j][a]; });
        for (std::size_t begin = 0; begin < order.size();) {
            std::size_t end = begin;
            while (end < order.size() && lines_kept[order[end]][a] == lines_kept[order[begin]][a]) ++end;
            std::vector<LatticePoint2> plane;
            plane.reserve(end - begin);
            for (std::size_t i = begin; i < end; ++i)
                plane.push_back({lines_kept[order[i]][b], lines_kept[order[i]][c]});
            const auto h = convex_hull_2d(plane);
            std::vector<LatticePoint2> hs(h.begin(), h.end());
            std::sort(hs.begin(), hs.end());
            for (std::size_t i = begin; i < end; ++i) {
                const LatticePoint2 q{lines_kept[order[i]][b], lines_kept[order[i]][c]};
                if (std::binary_search(hs.begin(), hs.end(), q)) ++votes[order[i]];
            }
            begin = end;
        }
    }
    std::vector<LatticePoint> out;
    for (std::size_t i = 0; i < lines_kept.size(); ++i)
        if (votes[i] == 3) out.push_back(lines_kept[i]);
    return out;
}

namespace {

using I64 = std::int64_t;

struct Plane {
    I64 n[3];
    I64 d;
    I64 side(const LatticePoint& p) const { return n[0] * p[0] + n[1] * p[1] + n[2] * p[2] - d; }
};

Plane plane_of(const LatticePoint& a, const LatticePoint& b, const LatticePoint& c) {
    const I64 u[3] = {I64(b[0]) - a[0], I64(b[1]) - a[1], I64(b[2]) - a[2]};
    const I64 v[3] = {I64(c[0]) - a[0], I64(c[1]) - a[1], I64(c[2]) - a[2]};
    Plane pl;
    pl.n[0] = u[1] * v[2] - u[2] * v[1];
    pl.n[1] = u[2] * v[0] - u[0] * v[2];
    pl.n[2] = u[0] * v[1] - u[1] * v[0];
    pl.d = pl.n[0] * a[0] + pl.n[1] * a[1] + pl.n[2] * a[2];
    return pl;
}

struct Face {
    std::int32_t v[3];
    Plane plane;
    bool alive;
};

inline std::uint64_t edge_key(std::int32_t a, std::int32_t b) {
    return (std::uint64_t(std::uint32_t(a)) << 32) | std::uint32_t(b);
}

}  // namespace

ConvexHull3D convex_hull(std::vector<LatticePoint> pts) {
    std::sort(pts.begin(), pts.end());
    pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
    const auto n = std::int32_t(pts.size());
    auto degenerate = [] { return Error(ErrorKind::internal, "convex hull: points are coplanar"); };
    if (n < 4) throw degenerate();
    // Initial tetrahedron from well-spread points (exact tests; spread only helps speed).
    std::int32_t i0 = 0, i1 = -1, i2 = -1, i3 = -1;
    {
        I64 best = 0;
        for (std::int32_t i = 1; i < n; ++i) {
            I64 d = 0;
            for (int a = 0; a < 3; ++a) d += (I64(pts[i][a]) - pts[i0][a]) * (I64(pts[i][a]) - pts[i0][a]);
            if (d > best) best = d, i1 = i;
        }
        if (i1 < 0) throw degenerate();
        best = 0;
        for (std::int32_t i = 0; i < n; ++i) {
            const Plane pl = plane_of(pts[i0], pts[i1], pts[i]);
            const I64 d = pl.n[0] * pl.n[0] + pl.n[1] * pl.n[1] + pl.n[2] * pl.n[2];
            if (d > best) best = d, i2 = i;
        }
        if (i2 < 0) throw degenerate();
        const Plane base = plane_of(pts[i0], pts[i1], pts[i2]);
        best = 0;
        for (std::int32_t i = 0; i < n; ++i) {
            const I64 s = base.side(pts[i]);
            if (std::llabs(s) > best) best = std::llabs(s), i3 = i;
        }
        if (i3 < 0) throw degenerate();
    }
    std::vector<Face> faces;
    std::unordered_map<std::uint64_t, std::int32_t> edge_owner;  // directed edge -> face
    edge_owner.reserve(std::size_t(n) * 8);
    auto add_face = [&](std::int32_t a, std::int32_t b, std::int32_t c) {
        Face f{{a, b, c}, plane_of(pts[a], pts[b], pts[c]), true};
        const auto id = std::int32_t(faces.size());
        faces.push_back(f);
        edge_owner[edge_key(a, b)] = id;
        edge_owner[edge_key(b, c)] = id;
        edge_owner[edge_key(c, a)] = id;
    };
    {
        // Orient each tetrahedron face away from the opposite vertex.
        const std::int32_t t[4] = {i0, i1, i2, i3};
        const int tri[4][4] = {{0, 1, 2, 3}, {0, 3, 1, 2}, {1, 3, 2, 0}, {0, 2, 3, 1}};
        for (const auto& f : tri) {
            const Plane pl = plane_of(pts[t[f[0]]], pts[t[f[1]]], pts[t[f[2]]]);
            if (pl.side(pts[t[f[3]]]) > 0)
                add_face(t[f[0]], t[f[2]], t[f[1]]);
            else
                add_face(t[f[0]], t[f[1]], t[f[2]]);
        }
    }
    // Insert the rest in a fixed pseudo-random order (expected O(n log n) hull growth; the seed
    // makes the face list, not just the hull, reproducible).
    std::vector<std::int32_t> order;
    order.reserve(std::size_t(n));
    for (std::int32_t i = 0; i < n; ++i)
        if (i != i0 && i != i1 && i != i2 && i != i3) order.push_back(i);
    std::mt19937_64 rng(0x5eed);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[std::size_t(rng() % i)]);

    std::vector<std::int32_t> visible;
    std::vector<std::array<std::int32_t, 2>> horizon;
    std::size_t alive = faces.size();
    for (const auto p : order) {
        visible.clear();
        for (std::int32_t f = 0; f < std::int32_t(faces.size()); ++f)
            if (faces[std::size_t(f)].alive && faces[std::size_t(f)].plane.side(pts[std::size_t(p)]) > 0)
                visible.push_back(f);
        if (visible.empty()) continue;  // inside or on the hull
        for (const auto f : visible) faces[std::size_t(f)].alive = false;
        horizon.clear();
        for (const auto f : visible) {
            const auto& v = faces[std::size_t(f)].v;
            for (int e = 0; e < 3; ++e) {
                const std::int32_t a = v[e], b = v[(e + 1) % 3];
                const auto it = edge_owner.find(edge_key(b, a));
                if (it != edge_owner.end() && faces[std::size_t(it->second)].alive) horizon.push_back({a, b});
            }
        }
        for (const auto f : visible) {
            const auto& v = faces[std::size_t(f)].v;
            for (int e = 0; e < 3; ++e) {
                const auto it = edge_owner.find(edge_key(v[e], v[(e + 1) % 3]));
                if (it != edge_owner.end() && it->second == f) edge_owner.erase(it);
            }
        }
        for (const auto& h : horizon) add_face(h[0], h[1], p);
        alive = alive - visible.size() + horizon.size();
        if (faces.size() > 2 * alive + 64) {
            // Compact: drop dead faces and renumber the edge map.
            std::vector<Face> kept;
            kept.reserve(alive);
            for (const auto& f : faces)
                if (f.alive) kept.push_back(f);
            faces.swap(kept);
            edge_owner.clear();
            for (std::int32_t i = 0; i < std::int32_t(faces.size()); ++i) {
                const auto& v = faces[std::size_t(i)].v;
                edge_owner[edge_key(v[0], v[1])] = i;
                edge_owner[edge_key(v[1], v[2])] = i;
                edge_owner[edge_key(v[2], v[0])] = i;
            }
        }
    }
    ConvexHull3D hull;
    std::vector<std::int32_t> remap(std::size_t(n), -1);
    for (const auto& f : faces) {
        if (!f.alive) continue;
        std::array<std::int32_t, 3> tri{};
        for (int k = 0; k < 3; ++k) {
            auto& r = remap[std::size_t(f.v[k])];
            if (r < 0) {
                r = std::int32_t(hull.vertices.size());
                hull.vertices.push_back(pts[std::size_t(f.v[k])]);
            }
            tri[std::size_t(k)] = r;
        }
        hull.faces.push_back(tri);
    }
    return hull;
}

SurfaceMeasures hull_measures(const ConvexHull3D& hull, const Vec3& spacing) {
    SurfaceMeasures out;
    double volume6 = 0.0;
    for (const auto& f : hull.faces) {
        const Vec3 a = to_physical(hull.vertices[std::size_t(f[0])], spacing);
        const Vec3 b = to_physical(hull.vertices[std::size_t(f[1])], spacing);
        const Vec3 c = to_physical(hull.vertices[std::size_t(f[2])], spacing);
        // V = sum a . (b x c) / 6 ; A = sum |(b - a) x (c - a)| / 2
        volume6 += a[0] * (b[1] * c[2] - b[2] * c[1]) + a[1] * (b[2] * c[0] - b[0] * c[2]) +
                   a[2] * (b[0] * c[1] - b[1] * c[0]);
        const double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
        const double v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
        const double n0 = u[1] * v[2] - u[2] * v[1], n1 = u[2] * v[0] - u[0] * v[2], n2 = u[0] * v[1] - u[1] * v[0];
        out.area += 0.5 * std::sqrt(n0 * n0 + n1 * n1 + n2 * n2);
    }
    out.volume = volume6 / 6.0;
    return out;
}

double max_pairwise_distance(const std::vector<Vec3>& p) {
    const std::size_t n = p.size();
    const double best2 = tbb::parallel_reduce(
        tbb::blocked_range<std::size_t>(0, n), 0.0,
        [&](const tbb::blocked_range<std::size_t>& r, double best) {
            for (std::size_t i = r.begin(); i != r.end(); ++i)
                for (std::size_t j = i + 1; j < n; ++j) {
                    const double dx = p[i][0] - p[j][0], dy = p[i][1] - p[j][1], dz = p[i][2] - p[j][2];
                    best = std::max(best, dx * dx + dy * dy + dz * dz);
                }
            return best;
        },
        [](double a, double b) { return std::max(a, b); });
    return std::sqrt(best2);
}

std::vector<LatticePoint2> convex_hull_2d(std::vector<LatticePoint2> pts) {
    std::sort(pts.begin(), pts.end());
    pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
    if (pts.size() < 3) return pts;
    auto cross = [](const LatticePoint2& o, const LatticePoint2& a, const LatticePoint2& b) {
        return (I64(a[0]) - o[0]) * (I64(b[1]) - o[1]) - (I64(a[1]) - o[1]) * (I64(b[0]) - o[0]);
    };
    std::vector<LatticePoint2> h(2 * pts.size());
    std::size_t k = 0;
    for (std::size_t i = 0; i < pts.size(); ++i) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], pts[i]) <= 0) --k;
        h[k++] = pts[i];
    }
    for (std::size_t i = pts.size() - 1, t = k + 1; i-- > 0;) {
        while (k >= t && cross(h[k - 2], h[k - 1], pts[i]) <= 0) --k;
        h[k++] = pts[i];
    }
    h.resize(k - 1);
    return h;
}

}  // namespace radhpc::features::mesh
