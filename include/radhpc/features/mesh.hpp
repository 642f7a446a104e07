// Surface mesh and convex-hull geometry shared by the IBSI morphology family and the PyRadiomics
// shape / shape2D classes.
//
// Both IBSI and PyRadiomics mesh the ROI with marching cubes at iso-level 0.5 on a mask padded with
// one empty voxel, so every mesh vertex is the midpoint of a lattice edge whose two voxels differ.
// We use PyRadiomics' own triangle table (radiomics/src/cshape.c, v3.x) for both: it reproduces
// PyRadiomics to rounding, and IBSI only asks for "a marching cubes mesh" (the digital phantom values
// are met with it). Vertices are kept as exact integers in doubled index units, which makes the
// convex hull and the plane tests of PyRadiomics' 2D diameters exact.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::features::mesh {

// ROI cropped to its bounding box and padded with one empty voxel on every side.
// Storage x fastest, then y, then z (as Volume). Spacing in mm, (x, y, z).
struct PaddedMask {
    std::array<std::int64_t, 3> size{0, 0, 0};
    Vec3 spacing{1.0, 1.0, 1.0};
    std::vector<std::uint8_t> voxels;  // 0 / 1
    std::size_t count = 0;             // ROI voxels
    std::uint8_t at(std::int64_t x, std::int64_t y, std::int64_t z) const {
        return voxels[std::size_t(x + size[0] * (y + size[1] * z))];
    }
};

// Throws Error(empty_roi) when the mask has no voxel set.
PaddedMask pad_roi(const Mask& mask);

struct SurfaceMeasures {
    double area = 0.0;    // mm^2
    double volume = 0.0;  // mm^3, signed sum of face tetrahedra (positive for PyRadiomics' orientation)
};

// Marching cubes over the padded mask with PyRadiomics' lookup table; face areas and signed
// tetrahedron volumes summed exactly as cshape.c does (in (z, y, x) component order).
// Parallel over z-slabs, partial sums added in slab order (thread-count independent).
//
// The table's complement symmetry (index >= 128 uses the triangles of its complement, reversed) is
// the classic marching-cubes ambiguity: on a cube face whose ROI corners lie on one diagonal, the
// two cubes sharing it may cut that face differently, leaving a diamond-shaped hole (half the face)
// in the mesh. The signed volume then depends on the tetrahedra apex.
//   MeshClosure::pyradiomics - apex at the padded grid corner, holes left open: PyRadiomics' numbers.
//   MeshClosure::closed      - the holes are closed with planar patches in their face (fan around the
//                              face centre; on consistently cut faces the two cubes' fans cancel), so
//                              the volume is that of a closed polyhedron and independent of the apex.
//                              Used for IBSI. The area stays the sum of the marching-cubes triangles.
enum class MeshClosure { pyradiomics, closed };
SurfaceMeasures marching_cubes_measures(const PaddedMask& mask, MeshClosure closure = MeshClosure::pyradiomics);

// A mesh vertex in doubled index units of the padded grid: position (index units) = point / 2.
using LatticePoint = std::array<std::int32_t, 3>;  // x, y, z

// All marching-cubes vertices (one per lattice edge joining an ROI and a non-ROI voxel), in
// lattice order (z slowest). Identical to the vertex set PyRadiomics stores for its diameters.
std::vector<LatticePoint> mesh_vertices(const PaddedMask& mask);

// Points that can be convex-hull vertices: extreme (min or max) on each of their three axis-parallel
// lattice lines. Keeps every hull vertex, usually drops > 90 % of the surface vertices.
std::vector<LatticePoint> hull_candidates(const std::vector<LatticePoint>& points);

struct ConvexHull3D {
    std::vector<LatticePoint> vertices;
    std::vector<std::array<std::int32_t, 3>> faces;  // indices into vertices, counter-clockwise seen from outside
};

// Exact incremental convex hull (integer orientation tests). Points in the interior of a face
// or an edge may or may not be kept as vertices; the hull volume/area are exact either way.
// Throws Error(internal) if all points are coplanar (cannot happen for a marching-cubes mesh).
ConvexHull3D convex_hull(std::vector<LatticePoint> points);

// Physical position (mm) of a lattice point, relative to the padded grid's first voxel centre.
inline Vec3 to_physical(const LatticePoint& p, const Vec3& spacing) {
    return {p[0] * 0.5 * spacing[0], p[1] * 0.5 * spacing[1], p[2] * 0.5 * spacing[2]};
}

// Volume (mm^3) and surface area (mm^2) of a closed, consistently oriented triangle hull.
SurfaceMeasures hull_measures(const ConvexHull3D& hull, const Vec3& spacing);

// Largest pairwise Euclidean distance (mm) among points (O(n^2), TBB; max is order independent).
double max_pairwise_distance(const std::vector<Vec3>& points);

// 2D convex hull (Andrew's monotone chain, exact integers), counter-clockwise, no collinear points.
using LatticePoint2 = std::array<std::int32_t, 2>;
std::vector<LatticePoint2> convex_hull_2d(std::vector<LatticePoint2> points);

}  // namespace radhpc::features::mesh
