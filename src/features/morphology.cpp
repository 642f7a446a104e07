// IBSI 1 morphological features (section 3.1). Mesh and hull from mesh.cpp.
//
// Conventions (checked against the IBSI digital phantom):
// - Mesh: marching cubes at 0.5 on the morphological mask padded with empty voxels; we use
//   PyRadiomics' triangle table (mesh.cpp), one of the "marching cubes" meshes IBSI accepts.
//   IBSI's volume is |sum of signed tetrahedra| (PyRadiomics keeps the sign, always positive).
//   Unlike PyRadiomics we close the small holes the table leaves at ambiguously cut faces
//   (mesh.hpp, MeshClosure::closed), so the volume is that of a closed polyhedron and does not
//   depend on where the tetrahedra apex is. Masks without such faces (digital phantom, brain1,
//   breast1) give PyRadiomics' volume to rounding; the IBSI CT phantom GTV moves by 5.6e-4
//   relative (reference tolerance 1.4 %). The surface area is the same in both.
// - PCA: covariance of the morphological voxel centres with the unbiased 1/(N-1) normalisation, as
//   the IBSI reference implementation (MIRP, np.cov) does. PyRadiomics divides by N instead
//   (shape_pyradiomics.cpp); the two differ by sqrt(N/(N-1)) in the axis lengths.
// - Positions are index * spacing (mm): every feature here is invariant to the grid origin and
//   to an orthonormal direction matrix.
#include "radhpc/features/morphology.hpp"

#include <Eigen/Dense>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <numeric>

#include "radhpc/core/error.hpp"
#include "radhpc/core/roi.hpp"
#include "morphology_internal.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/mesh.hpp"

namespace radhpc::features {
namespace {

constexpr double kPi = std::numbers::pi;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Ellipsoid surface area (IBSI 3.1.20): semi-axes a >= b >= c,
//   A = 4 pi a b sum_{nu=0}^{20} (alpha beta)^nu / (1 - 4 nu^2) P_nu((alpha^2 + beta^2) / (2 alpha beta)),
//   alpha = sqrt(1 - b^2/a^2), beta = sqrt(1 - c^2/a^2).
// Evaluated with Q_nu = (alpha beta)^nu P_nu(x) and the Legendre recurrence scaled by alpha beta:
//   (nu+1) Q_{nu+1} = (2 nu + 1) s Q_nu - nu t Q_{nu-1},  s = (alpha^2 + beta^2)/2, t = (alpha beta)^2,
// which stays finite for alpha -> 0 (oblate spheroid) where x itself diverges.
double ellipsoid_area(double a, double b, double c) {
    if (!(a > 0 && b > 0 && c > 0)) return kNaN;
    const double alpha = std::sqrt(std::max(0.0, 1.0 - b * b / (a * a)));
    const double beta = std::sqrt(std::max(0.0, 1.0 - c * c / (a * a)));
    const double s = 0.5 * (alpha * alpha + beta * beta), t = alpha * alpha * beta * beta;
    double q_prev = 1.0, q = s;  // Q_0, Q_1
    double sum = 1.0 + q / (1.0 - 4.0);
    for (int nu = 1; nu < 20; ++nu) {
        const double q_next = ((2.0 * nu + 1.0) * s * q - nu * t * q_prev) / (nu + 1.0);
        q_prev = q;
        q = q_next;
        const double n1 = nu + 1.0;
        sum += q / (1.0 - 4.0 * n1 * n1);
    }
    return 4.0 * kPi * a * b * sum;
}

// ---------------------------------------------------------------------------------------------
// Minimum volume enclosing ellipsoid: Khachiyan's barycentric coordinate ascent (Moshtagh 2005),
// IBSI default stopping tolerance 0.001 on ||u_new - u||. Returns semi-axes, descending.
// Deterministic (ties in the argmax resolve to the lowest index). Not standardised by IBSI.
std::array<double, 3> mvee_semi_axes(const std::vector<Vec3>& points) {
    const auto n = Eigen::Index(points.size());
    Eigen::MatrixXd Q(4, n);
    Eigen::Vector3d centre = Eigen::Vector3d::Zero();
    for (const auto& p : points) centre += Eigen::Vector3d(p[0], p[1], p[2]);
    centre /= double(n);  // centring only improves conditioning
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto& p = points[std::size_t(i)];
        Q.col(i) << p[0] - centre[0], p[1] - centre[1], p[2] - centre[2], 1.0;
    }
    Eigen::VectorXd u = Eigen::VectorXd::Constant(n, 1.0 / double(n));
    const double d = 3.0;
    for (int iter = 0; iter < 100000; ++iter) {
        const Eigen::Matrix4d X = Q * u.asDiagonal() * Q.transpose();
        const Eigen::Matrix4d Xinv = X.inverse();
        Eigen::Index j = 0;
        double max_m = -1.0;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double m = Q.col(i).dot(Xinv * Q.col(i));
            if (m > max_m) max_m = m, j = i;
        }
        const double step = (max_m - d - 1.0) / ((d + 1.0) * (max_m - 1.0));
        Eigen::VectorXd u_new = (1.0 - step) * u;
        u_new[j] += step;
        const double err = (u_new - u).norm();
        u = u_new;
        if (err < 1e-3) break;
    }
    const Eigen::MatrixXd P = Q.topRows(3);
    const Eigen::Vector3d Pu = P * u;
    const Eigen::Matrix3d A = (P * u.asDiagonal() * P.transpose() - Pu * Pu.transpose()).inverse() / d;
    Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(A, Eigen::EigenvaluesOnly);
    // Semi-axis = 1 / sqrt(eigenvalue); ascending eigenvalues give descending axes.
    return {1.0 / std::sqrt(eig.eigenvalues()[0]), 1.0 / std::sqrt(eig.eigenvalues()[1]),
            1.0 / std::sqrt(eig.eigenvalues()[2])};
}

// ---------------------------------------------------------------------------------------------
// Oriented minimum bounding box (IBSI: not standardised; O'Rourke's exact algorithm is too costly).
// Approximation: for each distinct hull face normal (at most kMaxNormals, the ones with the largest
// total face area; plus the three PCA axes), take the box with one face on that plane and the
// minimum-area rectangle of the projection (the optimal rectangle has a side on a 2D hull edge),
// and keep the smallest volume. Exact whenever the optimal box has a face flush with a hull face,
// which is the common case (Chan & Tan 2001 use the same family of candidates).
struct Box {
    double volume = std::numeric_limits<double>::infinity();
    double area = kNaN;
};

constexpr std::size_t kMaxNormals = 1000;

Box box_for_normal(const std::vector<Eigen::Vector3d>& pts, Eigen::Vector3d n) {
    n.normalize();
    // Orthonormal in-plane basis.
    Eigen::Vector3d helper = std::abs(n[0]) < 0.9 ? Eigen::Vector3d::UnitX() : Eigen::Vector3d::UnitY();
    const Eigen::Vector3d e1 = n.cross(helper).normalized();
    const Eigen::Vector3d e2 = n.cross(e1);
    double hmin = std::numeric_limits<double>::infinity(), hmax = -hmin;
    std::vector<Eigen::Vector2d> p2(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) {
        const double h = n.dot(pts[i]);
        hmin = std::min(hmin, h), hmax = std::max(hmax, h);
        p2[i] = {e1.dot(pts[i]), e2.dot(pts[i])};
    }
    // 2D convex hull (monotone chain, floating point: an approximation anyway).
    std::sort(p2.begin(), p2.end(), [](const auto& a, const auto& b) { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]); });
    auto cross = [](const Eigen::Vector2d& o, const Eigen::Vector2d& a, const Eigen::Vector2d& b) {
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    };
    std::vector<Eigen::Vector2d> h(2 * p2.size() + 1);
    std::size_t k = 0;
    for (std::size_t i = 0; i < p2.size(); ++i) {
        while (k >= 2 && cross(h[k - 2], h[k - 1], p2[i]) <= 0) --k;
        h[k++] = p2[i];
    }
    for (std::size_t i = p2.size() - 1, t = k + 1; i-- > 0;) {
        while (k >= t && cross(h[k - 2], h[k - 1], p2[i]) <= 0) --k;
        h[k++] = p2[i];
    }
    h.resize(k > 1 ? k - 1 : k);
    Box best;
    const double height = hmax - hmin;
    for (std::size_t i = 0; i < h.size(); ++i) {
        const Eigen::Vector2d edge = h[(i + 1) % h.size()] - h[i];
        if (edge.norm() == 0) continue;
        const Eigen::Vector2d d1 = edge.normalized(), d2(-d1[1], d1[0]);
        double a0 = std::numeric_limits<double>::infinity(), a1 = -a0, b0 = a0, b1 = -a0;
        for (const auto& q : h) {
            const double s = d1.dot(q), t = d2.dot(q);
            a0 = std::min(a0, s), a1 = std::max(a1, s), b0 = std::min(b0, t), b1 = std::max(b1, t);
        }
        const double w = a1 - a0, l = b1 - b0;
        const double volume = w * l * height;
        if (volume < best.volume) best = {volume, 2.0 * (w * l + w * height + l * height)};
    }
    return best;
}

Box oriented_minimum_box(const mesh::ConvexHull3D& hull, const Vec3& spacing, const Eigen::Matrix3d& pca_axes) {
    std::vector<Eigen::Vector3d> pts;
    pts.reserve(hull.vertices.size());
    for (const auto& v : hull.vertices) {
        const auto p = mesh::to_physical(v, spacing);
        pts.emplace_back(p[0], p[1], p[2]);
    }
    // Distinct face normals (physical), keyed by the exact integer normal of the lattice face mapped
    // through the spacing: n_phys ~ (n_x / s_x, n_y / s_y, n_z / s_z); reduce the integer normal by its gcd.
    std::map<std::array<std::int64_t, 3>, double> normal_area;
    for (const auto& f : hull.faces) {
        const auto& a = hull.vertices[std::size_t(f[0])];
        const auto& b = hull.vertices[std::size_t(f[1])];
        const auto& c = hull.vertices[std::size_t(f[2])];
        const std::int64_t u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
        const std::int64_t v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
        std::array<std::int64_t, 3> nrm = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
        const std::int64_t g = std::gcd(std::gcd(std::llabs(nrm[0]), std::llabs(nrm[1])), std::llabs(nrm[2]));
        if (g == 0) continue;
        for (auto& x : nrm) x /= g;
        const auto pa = mesh::to_physical(a, spacing), pb = mesh::to_physical(b, spacing), pc = mesh::to_physical(c, spacing);
        const Eigen::Vector3d e1(pb[0] - pa[0], pb[1] - pa[1], pb[2] - pa[2]), e2(pc[0] - pa[0], pc[1] - pa[1], pc[2] - pa[2]);
        normal_area[nrm] += 0.5 * e1.cross(e2).norm();
    }
    std::vector<std::pair<double, std::array<std::int64_t, 3>>> ranked;
    for (const auto& [nrm, area] : normal_area) ranked.push_back({area, nrm});
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    if (ranked.size() > kMaxNormals) ranked.resize(kMaxNormals);
    std::vector<Eigen::Vector3d> normals;
    for (const auto& r : ranked)
        normals.emplace_back(double(r.second[0]) / spacing[0], double(r.second[1]) / spacing[1],
                             double(r.second[2]) / spacing[2]);
    for (int i = 0; i < 3; ++i) normals.push_back(pca_axes.col(i));
    std::vector<Box> boxes(normals.size());
    tbb::parallel_for(std::size_t(0), normals.size(), [&](std::size_t i) { boxes[i] = box_for_normal(pts, normals[i]); });
    Box best;
    for (const auto& b : boxes)
        if (b.volume < best.volume) best = b;  // first minimum in list order: thread-count independent
    return best;
}

}  // namespace

// ---- the features of this family, in output order; the formulas in morphology() fill their slots ----
namespace {

// IBSI 1 section 3.1, morphology.
enum MorphValue {
    morph_volume, morph_vol_approx, morph_area_mesh, morph_av, morph_comp_1, morph_comp_2, morph_sph_dispr,
    morph_sphericity, morph_asphericity, morph_com, morph_diam, morph_pca_maj_axis, morph_pca_min_axis,
    morph_pca_least_axis, morph_pca_elongation, morph_pca_flatness, morph_vol_dens_aabb,
    morph_area_dens_aabb, morph_vol_dens_ombb, morph_area_dens_ombb, morph_vol_dens_aee,
    morph_area_dens_aee, morph_vol_dens_mvee, morph_area_dens_mvee, morph_vol_dens_conv_hull,
    morph_area_dens_conv_hull, morph_integ_int, morph_moran_i, morph_geary_c, morph_value_count
};
constexpr IbsiFeature kMorph[] = {
    {"morph_volume", "RNU0", "mm^3", "Volume (mesh)", morph_volume},
    {"morph_vol_approx", "YEKZ", "mm^3", "Volume (voxel counting)", morph_vol_approx},
    {"morph_area_mesh", "C0JK", "mm^2", "Surface area (mesh)", morph_area_mesh},
    {"morph_av", "2PR5", "mm^-1", "Surface to volume ratio", morph_av},
    {"morph_comp_1", "SKGS", "", "Compactness 1", morph_comp_1},
    {"morph_comp_2", "BQWJ", "", "Compactness 2", morph_comp_2},
    {"morph_sph_dispr", "KRCK", "", "Spherical disproportion", morph_sph_dispr},
    {"morph_sphericity", "QCFX", "", "Sphericity", morph_sphericity},
    {"morph_asphericity", "25C7", "", "Asphericity", morph_asphericity},
    {"morph_com", "KLMA", "mm", "Centre of mass shift", morph_com},
    {"morph_diam", "L0JK", "mm", "Maximum 3D diameter", morph_diam},
    {"morph_pca_maj_axis", "TDIC", "mm", "Major axis length", morph_pca_maj_axis},
    {"morph_pca_min_axis", "P9VJ", "mm", "Minor axis length", morph_pca_min_axis},
    {"morph_pca_least_axis", "7J51", "mm", "Least axis length", morph_pca_least_axis},
    {"morph_pca_elongation", "Q3CK", "", "Elongation", morph_pca_elongation},
    {"morph_pca_flatness", "N17B", "", "Flatness", morph_pca_flatness},
    {"morph_vol_dens_aabb", "PBX1", "", "Volume density (AABB)", morph_vol_dens_aabb},
    {"morph_area_dens_aabb", "R59B", "", "Area density (AABB)", morph_area_dens_aabb},
    {"morph_vol_dens_ombb", "ZH1A", "", "Volume density (OMBB)", morph_vol_dens_ombb},
    {"morph_area_dens_ombb", "IQYR", "", "Area density (OMBB)", morph_area_dens_ombb},
    {"morph_vol_dens_aee", "6BDE", "", "Volume density (AEE)", morph_vol_dens_aee},
    {"morph_area_dens_aee", "RDD2", "", "Area density (AEE)", morph_area_dens_aee},
    {"morph_vol_dens_mvee", "SWZ1", "", "Volume density (MVEE)", morph_vol_dens_mvee},
    {"morph_area_dens_mvee", "BRI8", "", "Area density (MVEE)", morph_area_dens_mvee},
    {"morph_vol_dens_conv_hull", "R3ER", "", "Volume density (convex hull)", morph_vol_dens_conv_hull},
    {"morph_area_dens_conv_hull", "7T7F", "", "Area density (convex hull)", morph_area_dens_conv_hull},
    {"morph_integ_int", "99N0", "I mm^3", "Integrated intensity", morph_integ_int},
    {"morph_moran_i", "N365", "", "Moran's I index", morph_moran_i},
    {"morph_geary_c", "NPT7", "", "Geary's C measure", morph_geary_c},
};

}  // namespace

constexpr FamilyDecl kMorphFamily{"morph", kNoVariant, kMorph, {}};

FeatureValues morphology(const Mask& morphological_mask, const Mask& intensity_mask, const Image& image,
                         const FeatureSettings& settings) {
    if (morphological_mask.geometry.size != intensity_mask.geometry.size ||
        morphological_mask.geometry.size != image.geometry.size)
        throw Error(ErrorKind::geometry_mismatch, "morphology: morphological mask, intensity mask and image differ in size");
    const Vec3 sp = morphological_mask.geometry.spacing;

    // --- mesh: volume, area and the sphere-comparison family ------------------------------------
    const auto padded = mesh::pad_roi(morphological_mask);
    const auto surface = mesh::marching_cubes_measures(padded, mesh::MeshClosure::closed);
    const double V = std::abs(surface.volume), A = surface.area;
    const double Nv = double(padded.count);
    const double sphere = 36.0 * kPi * V * V / (A * A * A);  // compactness 2; the others derive from it

    // --- convex hull of the mesh vertices ----------------------------------------------------------
    const auto hull = mesh::convex_hull(mesh::hull_candidates(mesh::mesh_vertices(padded)));
    const auto hull_geom = mesh::hull_measures(hull, sp);
    std::vector<Vec3> hull_points;
    hull_points.reserve(hull.vertices.size());
    Vec3 lo{INFINITY, INFINITY, INFINITY}, hi{-INFINITY, -INFINITY, -INFINITY};
    for (const auto& v : hull.vertices) {
        const auto p = mesh::to_physical(v, sp);
        hull_points.push_back(p);
        for (int a = 0; a < 3; ++a) lo[a] = std::min(lo[a], p[a]), hi[a] = std::max(hi[a], p[a]);
    }
    const double diameter = mesh::max_pairwise_distance(hull_points);
    const Vec3 aabb{hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]};

    // --- PCA of morphological voxel centres (unbiased covariance, see header comment) -------------
    Eigen::Vector3d centroid = Eigen::Vector3d::Zero();
    for (std::int64_t z = 0; z < padded.size[2]; ++z)
        for (std::int64_t y = 0; y < padded.size[1]; ++y)
            for (std::int64_t x = 0; x < padded.size[0]; ++x)
                if (padded.at(x, y, z)) centroid += Eigen::Vector3d(double(x) * sp[0], double(y) * sp[1], double(z) * sp[2]);
    centroid /= Nv;
    Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
    for (std::int64_t z = 0; z < padded.size[2]; ++z)
        for (std::int64_t y = 0; y < padded.size[1]; ++y)
            for (std::int64_t x = 0; x < padded.size[0]; ++x)
                if (padded.at(x, y, z)) {
                    const Eigen::Vector3d d = Eigen::Vector3d(double(x) * sp[0], double(y) * sp[1], double(z) * sp[2]) - centroid;
                    cov += d * d.transpose();
                }
    Eigen::Vector3d lambda = Eigen::Vector3d::Constant(kNaN);
    Eigen::Matrix3d axes = Eigen::Matrix3d::Identity();
    if (Nv > 1) {
        cov /= Nv - 1.0;
        Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> eig(cov);
        lambda = eig.eigenvalues().cwiseMax(0.0);  // ascending; clamp rounding negatives of flat ROIs
        axes = eig.eigenvectors();
    }
    // Semi-axes a >= b >= c = 2 sqrt(lambda_major), 2 sqrt(lambda_minor), 2 sqrt(lambda_least).
    const double a = 2.0 * std::sqrt(lambda[2]), b = 2.0 * std::sqrt(lambda[1]), c = 2.0 * std::sqrt(lambda[0]);

    // Centroid of the morphological ROI in the unpadded index frame (mm), for the centre-of-mass shift.
    const auto box = bounding_box(morphological_mask);
    const Eigen::Vector3d geom_com =
        centroid + Eigen::Vector3d(double(box->lo[0] - 1) * sp[0], double(box->lo[1] - 1) * sp[1], double(box->lo[2] - 1) * sp[2]);

    // --- intensity-mask features ---------------------------------------------------------------
    const auto roi = detail::collect_intensity_roi(intensity_mask, image);
    double com_shift = kNaN, integrated = kNaN;
    SpatialAutocorrelation autocorr{kNaN, kNaN};
    if (!roi.value.empty()) {
        Eigen::Vector3d weighted = Eigen::Vector3d::Zero();
        double sum = 0.0;
        for (std::size_t k = 0; k < roi.value.size(); ++k) {
            const auto& p = roi.index[k];
            weighted += roi.value[k] * Eigen::Vector3d(p[0] * sp[0], p[1] * sp[1], p[2] * sp[2]);
            sum += roi.value[k];
        }
        // CoM_gl = sum X_k p_k / sum X_k ; shift = || CoM_geom - CoM_gl ||
        if (sum != 0.0) com_shift = (geom_com - weighted / sum).norm();
        integrated = V * sum / double(roi.value.size());  // V * mean intensity
        autocorr = detail::moran_geary_of(roi, intensity_mask.geometry.spacing, settings.moran_geary_exact_limit,
                                  AutocorrelationMethod::automatic);
    }

    const Box ombb = oriented_minimum_box(hull, sp, axes);
    const auto mvee = hull_points.size() >= 4 ? mvee_semi_axes(hull_points) : std::array<double, 3>{kNaN, kNaN, kNaN};

    std::array<double, morph_value_count> v{};
    v[morph_volume] = V;
    v[morph_vol_approx] = Nv * sp[0] * sp[1] * sp[2];
    v[morph_area_mesh] = A;
    v[morph_av] = A / V;
    v[morph_comp_1] = V / (std::sqrt(kPi) * std::pow(A, 1.5));  // V / (pi^1/2 A^3/2)
    v[morph_comp_2] = sphere;                                   // 36 pi V^2 / A^3
    v[morph_sph_dispr] = std::cbrt(1.0 / sphere);               // A / (36 pi V^2)^1/3
    v[morph_sphericity] = std::cbrt(sphere);                    // (36 pi V^2)^1/3 / A
    v[morph_asphericity] = std::cbrt(1.0 / sphere) - 1.0;
    v[morph_com] = com_shift;
    v[morph_diam] = diameter;
    v[morph_pca_maj_axis] = 2.0 * a;  // 4 sqrt(lambda_major)
    v[morph_pca_min_axis] = 2.0 * b;
    v[morph_pca_least_axis] = 2.0 * c;
    v[morph_pca_elongation] = std::sqrt(lambda[1] / lambda[2]);  // sqrt(l_minor / l_major)
    v[morph_pca_flatness] = std::sqrt(lambda[0] / lambda[2]);    // sqrt(l_least / l_major)
    v[morph_vol_dens_aabb] = V / (aabb[0] * aabb[1] * aabb[2]);
    v[morph_area_dens_aabb] = A / (2.0 * (aabb[0] * aabb[1] + aabb[0] * aabb[2] + aabb[1] * aabb[2]));
    v[morph_vol_dens_ombb] = V / ombb.volume;
    v[morph_area_dens_ombb] = A / ombb.area;
    // A flat or linear ROI has a zero PCA semi-axis: no ellipsoid, NaN (as MIRP) rather than infinity.
    v[morph_vol_dens_aee] = c > 0 ? 3.0 * V / (4.0 * kPi * a * b * c) : kNaN;
    v[morph_area_dens_aee] = A / ellipsoid_area(a, b, c);
    v[morph_vol_dens_mvee] = 3.0 * V / (4.0 * kPi * mvee[0] * mvee[1] * mvee[2]);
    v[morph_area_dens_mvee] = A / ellipsoid_area(mvee[0], mvee[1], mvee[2]);
    v[morph_vol_dens_conv_hull] = V / std::abs(hull_geom.volume);
    v[morph_area_dens_conv_hull] = A / hull_geom.area;
    v[morph_integ_int] = integrated;
    v[morph_moran_i] = autocorr.moran_i;
    v[morph_geary_c] = autocorr.geary_c;
    return emitted(kMorphFamily, v);
}

}  // namespace radhpc::features
