// PyRadiomics shape / shape2D. Mesh, vertices and hulls come from mesh.cpp.
//
// Where PyRadiomics differs from IBSI morphology (morphology.cpp), on purpose, to reproduce it:
// - the mesh volume keeps the holes its triangle table leaves at ambiguously cut faces, with the
//   tetrahedra apex at the padded grid corner (mesh::MeshClosure::pyradiomics);
// - PCA covariance divided by N (IBSI reference implementation: N - 1).
//
// Where PyRadiomics and our shared code differ in method but not in result:
// - PyRadiomics takes its diameters as the maximum over ALL pairs of mesh vertices (O(n^2));
//   we take them over convex-hull vertices (3D) and per-plane 2D hull vertices (the 2D diameters),
//   which contain every farthest pair. Planes are selected by exact equality of the (doubled
//   integer) coordinate, which is what PyRadiomics' floating-point equality test amounts to.
#include "radhpc/features/shape_pyradiomics.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "radhpc/core/error.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/mesh.hpp"

namespace radhpc::features {
namespace {

using mesh::LatticePoint;
using mesh::LatticePoint2;

// Max distance (mm) among 2D lattice points (doubled index units) with the given axis spacings.
double max_diameter_2d(std::vector<LatticePoint2> pts, double s0, double s1) {
    const auto hull = mesh::convex_hull_2d(std::move(pts));
    double best = 0.0;
    for (std::size_t i = 0; i < hull.size(); ++i)
        for (std::size_t j = i + 1; j < hull.size(); ++j) {
            const double d0 = (hull[i][0] * 0.5 - hull[j][0] * 0.5) * s0;
            const double d1 = (hull[i][1] * 0.5 - hull[j][1] * 0.5) * s1;
            best = std::max(best, d0 * d0 + d1 * d1);
        }
    return std::sqrt(best);
}

// Largest 2D diameter over the planes perpendicular to `axis` (x=0, y=1, z=2): vertices sharing
// that coordinate exactly (PyRadiomics cshape.c: a[d] == b[d]).
// Every vertex of a plane's convex hull is the leftmost or rightmost point of its row (a point
// strictly between two points of its row lies on their segment), so each plane keeps only the
// min and max v per row u: the same hull vertices, hence the same distances, from far fewer points
// (no map of all vertices per plane, short sorts).
double max_plane_diameter(const std::vector<LatticePoint>& vertices, int axis, const Vec3& spacing) {
    if (vertices.empty()) return 0.0;
    const int u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2;
    // lattice coordinates are doubled voxel indices >= 0 of the padded grid
    std::int32_t n_planes = 0, n_rows = 0;
    for (const auto& p : vertices) {
        n_planes = std::max(n_planes, p[axis] + 1);
        n_rows = std::max(n_rows, p[u] + 1);
    }
    constexpr std::int32_t kNone = -1;
    // row_min/row_max[plane * n_rows + row]: smallest / largest v of the plane's row (kNone: empty)
    std::vector<std::int32_t> row_min(std::size_t(n_planes) * std::size_t(n_rows), kNone), row_max(row_min.size(), kNone);
    for (const auto& p : vertices) {
        const std::size_t k = std::size_t(p[axis]) * std::size_t(n_rows) + std::size_t(p[u]);
        if (row_min[k] == kNone || p[v] < row_min[k]) row_min[k] = p[v];
        if (row_max[k] == kNone || p[v] > row_max[k]) row_max[k] = p[v];
    }
    double best = 0.0;
    std::vector<LatticePoint2> pts;
    for (std::int32_t c = 0; c < n_planes; ++c) {
        pts.clear();
        for (std::int32_t r = 0; r < n_rows; ++r) {
            const std::size_t k = std::size_t(c) * std::size_t(n_rows) + std::size_t(r);
            if (row_min[k] == kNone) continue;
            pts.push_back({r, row_min[k]});
            if (row_max[k] != row_min[k]) pts.push_back({r, row_max[k]});
        }
        if (!pts.empty()) best = std::max(best, max_diameter_2d(pts, spacing[u], spacing[v]));
    }
    return best;
}

}  // namespace

// ---- the features of shape, in output order; pyradiomics_shape() fills their slots ----
namespace {

// PyRadiomics shape.py; Compactness1/2 and SphericalDisproportion are deprecated there.
enum ShapeValue {
    shape_MeshVolume, shape_VoxelVolume, shape_SurfaceArea, shape_SurfaceVolumeRatio, shape_Sphericity,
    shape_Maximum3DDiameter, shape_Maximum2DDiameterSlice, shape_Maximum2DDiameterColumn,
    shape_Maximum2DDiameterRow, shape_MajorAxisLength, shape_MinorAxisLength, shape_LeastAxisLength,
    shape_Elongation, shape_Flatness, shape_Compactness1, shape_Compactness2, shape_SphericalDisproportion,
    shape_value_count
};
constexpr PyradiomicsFeature kShape[] = {
    {"MeshVolume", "morph_volume", "", shape_MeshVolume},
    {"VoxelVolume", "morph_vol_approx", "", shape_VoxelVolume},
    {"SurfaceArea", "morph_area_mesh", "", shape_SurfaceArea},
    {"SurfaceVolumeRatio", "morph_av", "", shape_SurfaceVolumeRatio},
    {"Sphericity", "morph_sphericity", "", shape_Sphericity},
    {"Maximum3DDiameter", "morph_diam", "", shape_Maximum3DDiameter},
    {"Maximum2DDiameterSlice", "", "mm", shape_Maximum2DDiameterSlice},
    {"Maximum2DDiameterColumn", "", "mm", shape_Maximum2DDiameterColumn},
    {"Maximum2DDiameterRow", "", "mm", shape_Maximum2DDiameterRow},
    {"MajorAxisLength", "morph_pca_maj_axis", "", shape_MajorAxisLength},
    {"MinorAxisLength", "morph_pca_min_axis", "", shape_MinorAxisLength},
    {"LeastAxisLength", "morph_pca_least_axis", "", shape_LeastAxisLength},
    {"Elongation", "morph_pca_elongation", "", shape_Elongation},
    {"Flatness", "morph_pca_flatness", "", shape_Flatness},
    {"Compactness1", "morph_comp_1", "", shape_Compactness1, true},
    {"Compactness2", "morph_comp_2", "", shape_Compactness2, true},
    {"SphericalDisproportion", "morph_sph_dispr", "", shape_SphericalDisproportion, true},
};

}  // namespace

constexpr FamilyDecl kShapeFamily{"shape", kNoVariant, {}, kShape};

FeatureValues pyradiomics_shape(const Mask& mask, bool include_deprecated) {
    const auto padded = mesh::pad_roi(mask);
    const auto& sp = padded.spacing;
    const auto surface = mesh::marching_cubes_measures(padded);
    const double V = surface.volume, A = surface.area;

    const auto vertices = mesh::mesh_vertices(padded);
    const auto hull = mesh::convex_hull(mesh::hull_candidates(vertices));
    std::vector<Vec3> hull_points;
    hull_points.reserve(hull.vertices.size());
    for (const auto& p : hull.vertices) hull_points.push_back(mesh::to_physical(p, sp));
    const double diameter3d = mesh::max_pairwise_distance(hull_points);

    // PCA of voxel-centre positions (mm), population covariance (PyRadiomics divides by Np).
    // Sums in raster order with one rounding per product and per addition, component by component:
    // the same arithmetic as Eigen's mean += p and cov += d d^T (d_i d_j = d_j d_i exactly), without
    // per-voxel vector temporaries.
    const auto Np = double(padded.count);
    const std::int64_t nx = padded.size[0], ny = padded.size[1], nz = padded.size[2];
    double mean_z = 0, mean_y = 0, mean_x = 0;  // PyRadiomics' (z, y, x) component order
    for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y) {
            const std::uint8_t* row = &padded.voxels[std::size_t(nx * (y + ny * z))];
            const double pz = double(z) * sp[2], py = double(y) * sp[1];
            for (std::int64_t x = 0; x < nx; ++x)
                if (row[x]) {
                    mean_z += pz;
                    mean_y += py;
                    mean_x += double(x) * sp[0];
                }
        }
    Eigen::Vector3d mean(mean_z, mean_y, mean_x);
    mean /= Np;
    double c_zz = 0, c_zy = 0, c_zx = 0, c_yy = 0, c_yx = 0, c_xx = 0;
    for (std::int64_t z = 0; z < nz; ++z)
        for (std::int64_t y = 0; y < ny; ++y) {
            const std::uint8_t* row = &padded.voxels[std::size_t(nx * (y + ny * z))];
            const double dz = double(z) * sp[2] - mean[0], dy = double(y) * sp[1] - mean[1];
            const double zz = dz * dz, zy = dz * dy, yy = dy * dy;
            for (std::int64_t x = 0; x < nx; ++x)
                if (row[x]) {
                    const double dx = double(x) * sp[0] - mean[2];
                    c_zz += zz;
                    c_zy += zy;
                    c_zx += dz * dx;
                    c_yy += yy;
                    c_yx += dy * dx;
                    c_xx += dx * dx;
                }
        }
    Eigen::Matrix3d cov;
    cov << c_zz, c_zy, c_zx, c_zy, c_yy, c_yx, c_zx, c_yx, c_xx;
    cov /= Np;
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov, Eigen::EigenvaluesOnly);
    Eigen::Vector3d lambda = eig.eigenvalues();  // ascending
    // PyRadiomics rounds eigenvalues in (-1e-10, 0) to 0 (flat ROIs); more negative gives NaN.
    for (int i = 0; i < 3; ++i)
        if (lambda[i] < 0 && lambda[i] > -1e-10) lambda[i] = 0;
    auto axis_length = [](double l) { return l < 0 ? std::nan("") : 4.0 * std::sqrt(l); };
    auto ratio = [](double num, double den) { return (num < 0 || den < 0) ? std::nan("") : std::sqrt(num / den); };

    const double pi = std::numbers::pi;
    std::array<double, shape_value_count> v{};
    v[shape_MeshVolume] = V;
    v[shape_VoxelVolume] = Np * (sp[2] * sp[0] * sp[1]);  // Np * voxel volume
    v[shape_SurfaceArea] = A;
    v[shape_SurfaceVolumeRatio] = A / V;
    v[shape_Sphericity] = std::cbrt(36.0 * pi * V * V) / A;  // (36 pi V^2)^(1/3) / A
    v[shape_Maximum3DDiameter] = diameter3d;
    v[shape_Maximum2DDiameterSlice] = max_plane_diameter(vertices, 2, sp);
    v[shape_Maximum2DDiameterColumn] = max_plane_diameter(vertices, 1, sp);
    v[shape_Maximum2DDiameterRow] = max_plane_diameter(vertices, 0, sp);
    v[shape_MajorAxisLength] = axis_length(lambda[2]);
    v[shape_MinorAxisLength] = axis_length(lambda[1]);
    v[shape_LeastAxisLength] = axis_length(lambda[0]);
    v[shape_Elongation] = ratio(lambda[1], lambda[2]);  // sqrt(l_minor / l_major)
    v[shape_Flatness] = ratio(lambda[0], lambda[2]);    // sqrt(l_least / l_major)
    v[shape_Compactness1] = V / (std::pow(A, 1.5) * std::sqrt(pi));  // V / sqrt(pi A^3)
    v[shape_Compactness2] = 36.0 * pi * V * V / (A * A * A);       // 36 pi V^2 / A^3
    v[shape_SphericalDisproportion] = A / std::cbrt(36.0 * pi * V * V);
    return emitted(kShapeFamily, v, include_deprecated);
}

namespace {

// Marching squares corners as (row, col) offsets and edge midpoints (cshape.c, 2D part).
constexpr int kSquareCorner[4][2] = {{0, 0}, {0, 1}, {1, 1}, {1, 0}};
constexpr double kSquareEdge[4][2] = {{0, 0.5}, {0.5, 1}, {1, 0.5}, {0.5, 0}};
// Line segments (edge pairs) per square index, -1 terminated; orientation makes the signed
// triangle areas (origin, a, b) sum to the enclosed area.
constexpr std::int8_t kLines[16][5] = {{-1, -1, -1, -1, -1}, {3, 0, -1, -1, -1}, {0, 1, -1, -1, -1},
                                       {3, 1, -1, -1, -1},   {1, 2, -1, -1, -1}, {1, 2, 3, 0, -1},
                                       {0, 2, -1, -1, -1},   {3, 2, -1, -1, -1}, {2, 3, -1, -1, -1},
                                       {2, 0, -1, -1, -1},   {0, 1, 2, 3, -1},   {2, 1, -1, -1, -1},
                                       {1, 3, -1, -1, -1},   {1, 0, -1, -1, -1}, {0, 3, -1, -1, -1},
                                       {-1, -1, -1, -1, -1}};

}  // namespace

// ---- the features of shape2D, in output order; pyradiomics_shape2d() fills their slots ----
namespace {

// PyRadiomics shape2D.py; SphericalDisproportion is deprecated there.
enum Shape2DValue {
    shape2D_MeshSurface, shape2D_PixelSurface, shape2D_Perimeter, shape2D_PerimeterSurfaceRatio,
    shape2D_Sphericity, shape2D_MaximumDiameter, shape2D_MajorAxisLength, shape2D_MinorAxisLength,
    shape2D_Elongation, shape2D_SphericalDisproportion, shape2d_value_count
};
constexpr PyradiomicsFeature kShape2D[] = {
    {"MeshSurface", "", "mm^2", shape2D_MeshSurface},
    {"PixelSurface", "", "mm^2", shape2D_PixelSurface},
    {"Perimeter", "", "mm", shape2D_Perimeter},
    {"PerimeterSurfaceRatio", "", "mm^-1", shape2D_PerimeterSurfaceRatio},
    {"Sphericity", "", "", shape2D_Sphericity},
    {"MaximumDiameter", "", "mm", shape2D_MaximumDiameter},
    {"MajorAxisLength", "", "mm", shape2D_MajorAxisLength},
    {"MinorAxisLength", "", "mm", shape2D_MinorAxisLength},
    {"Elongation", "", "", shape2D_Elongation},
    {"SphericalDisproportion", "", "", shape2D_SphericalDisproportion, true},
};

}  // namespace

constexpr FamilyDecl kShape2DFamily{"shape2D", kNoVariant, {}, kShape2D};

FeatureValues pyradiomics_shape2d(const Mask& mask, int dimension, bool include_deprecated) {
    if (dimension < 0 || dimension > 2)
        throw Error(ErrorKind::settings, "shape2D: force2Ddimension must be 0, 1 or 2");
    const auto box = bounding_box(mask);
    if (!box) throw Error(ErrorKind::empty_roi, "shape2D: the ROI mask is empty");
    const int out_axis = 2 - dimension;  // PyRadiomics axes are (z, y, x); ours (x, y, z)
    if (box->extent(out_axis) != 1)
        throw Error(ErrorKind::invalid_input,
                    "shape2D: the ROI spans more than one slice along force2Ddimension " + std::to_string(dimension));
    // In-plane axes in PyRadiomics order (rows = slower numpy axis, cols = faster).
    int row_axis = 0, col_axis = 0;
    if (dimension == 0) row_axis = 1, col_axis = 0;       // (y, x)
    else if (dimension == 1) row_axis = 2, col_axis = 0;  // (z, x)
    else row_axis = 2, col_axis = 1;                      // (z, y)
    const double s0 = mask.geometry.spacing[std::size_t(row_axis)], s1 = mask.geometry.spacing[std::size_t(col_axis)];
    const std::int64_t R = box->extent(row_axis) + 2, C = box->extent(col_axis) + 2;
    std::vector<std::uint8_t> grid(std::size_t(R * C), 0);
    std::size_t Np = 0;
    for (std::int64_t z = box->lo[2]; z <= box->hi[2]; ++z)
        for (std::int64_t y = box->lo[1]; y <= box->hi[1]; ++y)
            for (std::int64_t x = box->lo[0]; x <= box->hi[0]; ++x)
                if (mask.at(std::size_t(x), std::size_t(y), std::size_t(z))) {
                    const std::int64_t p[3] = {x, y, z};
                    const std::int64_t r = p[row_axis] - box->lo[row_axis] + 1, c = p[col_axis] - box->lo[col_axis] + 1;
                    grid[std::size_t(r * C + c)] = 1;
                    ++Np;
                }
    auto at = [&](std::int64_t r, std::int64_t c) { return grid[std::size_t(r * C + c)]; };

    double perimeter = 0.0, surface2 = 0.0;
    std::vector<LatticePoint2> vertices;
    for (std::int64_t iy = 0; iy < R - 1; ++iy)
        for (std::int64_t ix = 0; ix < C - 1; ++ix) {
            unsigned sq = 0;
            for (int a = 0; a < 4; ++a)
                if (at(iy + kSquareCorner[a][0], ix + kSquareCorner[a][1])) sq |= 1u << a;
            if (sq == 0 || sq == 0xF) continue;
            for (int t = 0; kLines[sq][2 * t] >= 0; ++t) {
                const auto* ea = kSquareEdge[kLines[sq][2 * t]];
                const auto* eb = kSquareEdge[kLines[sq][2 * t + 1]];
                const double a0 = (double(iy) + ea[0]) * s0, a1 = (double(ix) + ea[1]) * s1;
                const double b0 = (double(iy) + eb[0]) * s0, b1 = (double(ix) + eb[1]) * s1;
                surface2 += a0 * b1 - b0 * a1;  // twice the signed triangle (origin, a, b) area
                perimeter += std::sqrt((a0 - b0) * (a0 - b0) + (a1 - b1) * (a1 - b1));
            }
        }
    // Diameter vertices: midpoints of every grid edge joining an ROI and a non-ROI pixel.
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = 0; c < C; ++c) {
            if (c + 1 < C && at(r, c) != at(r, c + 1)) vertices.push_back({std::int32_t(2 * r), std::int32_t(2 * c + 1)});
            if (r + 1 < R && at(r, c) != at(r + 1, c)) vertices.push_back({std::int32_t(2 * r + 1), std::int32_t(2 * c)});
        }
    const double surface = surface2 / 2.0;
    const double diameter = max_diameter_2d(std::move(vertices), s0, s1);

    // PCA of pixel-centre positions (mm), population covariance.
    Eigen::Vector2d mean = Eigen::Vector2d::Zero();
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = 0; c < C; ++c)
            if (at(r, c)) mean += Eigen::Vector2d(double(r) * s0, double(c) * s1);
    mean /= double(Np);
    Eigen::Matrix2d cov = Eigen::Matrix2d::Zero();
    for (std::int64_t r = 0; r < R; ++r)
        for (std::int64_t c = 0; c < C; ++c)
            if (at(r, c)) {
                const Eigen::Vector2d d = Eigen::Vector2d(double(r) * s0, double(c) * s1) - mean;
                cov += d * d.transpose();
            }
    cov /= double(Np);
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(cov, Eigen::EigenvaluesOnly);
    Eigen::Vector2d lambda = eig.eigenvalues();
    for (int i = 0; i < 2; ++i)
        if (lambda[i] < 0 && lambda[i] > -1e-10) lambda[i] = 0;
    auto axis_length = [](double l) { return l < 0 ? std::nan("") : 4.0 * std::sqrt(l); };

    const double pi = std::numbers::pi;
    const double sphericity = 2.0 * std::sqrt(pi * surface) / perimeter;  // 2 sqrt(pi A) / P
    std::array<double, shape2d_value_count> v{};
    v[shape2D_MeshSurface] = surface;
    v[shape2D_PixelSurface] = double(Np) * (s1 * s0);
    v[shape2D_Perimeter] = perimeter;
    v[shape2D_PerimeterSurfaceRatio] = perimeter / surface;
    v[shape2D_Sphericity] = sphericity;
    v[shape2D_MaximumDiameter] = diameter;
    v[shape2D_MajorAxisLength] = axis_length(lambda[1]);
    v[shape2D_MinorAxisLength] = axis_length(lambda[0]);
    v[shape2D_Elongation] = (lambda[0] < 0 || lambda[1] < 0) ? std::nan("") : std::sqrt(lambda[0] / lambda[1]);
    v[shape2D_SphericalDisproportion] = 1.0 / sphericity;
    return emitted(kShape2DFamily, v, include_deprecated);
}

}  // namespace radhpc::features
