// Texture features: IBSI 1 families (cm, rlm, szm, dzm, ngt, ngl) and PyRadiomics 3.x classes
// (glcm, glrlm, glszm, gldm, ngtdm) from one discretised ROI.
//
// Layer `features`: core + TBB + Eigen + standard library only.
//
// Design: the ROI is copied once into a compact, padded box (TextureRoi) holding a compact grey-level
// index per voxel (-1 outside the ROI). The padding removes every bounds check from the neighbour loops.
// Matrix builders (glcm.cpp, glrlm.cpp, glszm.cpp, gldzm.cpp, ngtdm.cpp, ngldm.cpp) produce integer
// counts; feature formulas live in texture_<family>_features.cpp. Matrices are indexed by the grey levels
// present in the ROI (TextureRoi::level_values maps a row to its grey level).
#pragma once
#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::features {

// Options that TextureSettings does not (yet) carry. The pipeline's fixed-signature call uses the defaults.
struct TextureExtras {
    bool force2d = false;        // PyRadiomics force2D: only in-plane angles
    int force2d_dimension = 0;   // PyRadiomics numbering on the (z, y, x) array: 0 = z (axial slices)
    // PyRadiomics weightingNorm 'no_weighting': angles merged with weight 1 (DistanceWeighting::none means
    // PyRadiomics' None = per-angle averaging). Either this or TextureSettings::merge_angles_unweighted.
    bool merge_angles_unweighted = false;
};

// levels: discretised grey levels (1..n_levels) valid where intensity_mask != 0; morphological_mask on the
// same grid (GLDZM distance map per IBSI). Grid is the cropped ROI box (possibly padded).
// families: IBSI "cm","rlm","szm","dzm","ngt","ngl"; PyRadiomics "glcm","glrlm","glszm","gldm","ngtdm".
// Output names: IBSI submission-table tags (cm_joint_max_3D_comb, szm_sze_2D, ...) and PyRadiomics
// "<class>_<Name>" (glcm_JointEntropy, ...). The result does not depend on the number of TBB threads.
// Settings: IBSI families use distances.front() (GLCM), ngtdm_distance, ngldm_distance, ngldm_alpha and the
// aggregations (szm/dzm/ngt/ngl: 2D from d2_*, 2.5D from d25_*, 3D from d3_*); PyRadiomics classes use the
// whole `distances` list (glcm, gldm, ngtdm; glrlm/glszm are fixed at 1 as in PyRadiomics), ngldm_alpha as
// gldm_a, symmetric_glcm, weighting / merge_angles_unweighted with the grid spacing, and the extras.
// `profile` does not change any definition: each family has one.
FeatureValues texture_features(const GreyLevels& levels, const Mask& intensity_mask, const Mask& morphological_mask,
                               int n_levels, const TextureSettings& settings, Profile profile,
                               const std::set<std::string>& families);
FeatureValues texture_features(const GreyLevels& levels, const Mask& intensity_mask, const Mask& morphological_mask,
                               int n_levels, const TextureSettings& settings, Profile profile,
                               const std::set<std::string>& families, const TextureExtras& extras);

// ---- shared ROI representation ---------------------------------------------------------------------

using Offset3 = std::array<int, 3>;  // (dx, dy, dz) in voxels

class TextureRoi {
public:
    // `pad` must be >= the largest neighbour offset used with this ROI (>= 1).
    TextureRoi(const GreyLevels& levels, const Mask& intensity_mask, int pad);

    std::int64_t nx = 0, ny = 0, nz = 0;  // padded box size
    int pad = 1;
    Index3 box_lo{0, 0, 0};               // input-grid index of the first unpadded box voxel
    std::vector<std::int32_t> index;      // compact grey-level index per box voxel, -1 outside the ROI
    std::vector<int> level_values;        // grey level of each compact index, ascending
    std::vector<std::int64_t> voxels;     // box indices of the ROI voxels, ascending (z-major)
    std::vector<std::size_t> slice_begin; // voxels[slice_begin[z] .. slice_begin[z+1]) lie in box slice z

    int n_present() const { return int(level_values.size()); }
    std::int64_t stride(const Offset3& o) const { return o[0] + nx * (o[1] + ny * std::int64_t(o[2])); }
    // Box slice of input-grid slice z (for builders' `slice` argument), -1 if outside the box.
    int box_slice(std::int64_t input_z) const;
    std::int64_t box_index(std::int64_t x, std::int64_t y, std::int64_t z) const { return x + nx * (y + ny * z); }
};

// Offsets whose Chebyshev norm is in `distances`. in_plane: dz == 0 only. half: one of each +-pair
// (co-occurrence and run directions), otherwise the full neighbourhood.
std::vector<Offset3> chebyshev_offsets(const std::set<int>& distances, bool in_plane, bool half);
// Same, without offsets moving along `fixed_axis` (0 = x, 1 = y, 2 = z; -1 = none).
std::vector<Offset3> chebyshev_offsets_fixed(const std::set<int>& distances, int fixed_axis, bool half);
// The IBSI / PyRadiomics direction sets for distance 1 (13 in 3D, 4 in-plane).
std::vector<Offset3> directions_3d();
std::vector<Offset3> directions_2d();

// Dense row-major integer matrix.
struct CountMatrix {
    int rows = 0, cols = 0;
    std::vector<std::uint64_t> counts;
    CountMatrix() = default;
    CountMatrix(int r, int c) : rows(r), cols(c), counts(std::size_t(r) * std::size_t(c), 0) {}
    std::uint64_t& at(int r, int c) { return counts[std::size_t(r) * cols + c]; }
    std::uint64_t at(int r, int c) const { return counts[std::size_t(r) * cols + c]; }
    std::uint64_t total() const;
    void add(const CountMatrix& other);  // same shape, or grows columns
    CountMatrix transposed() const;
};

// ---- matrix builders (slice: box slice, -1 = whole box) ----------------------------------------------

// GLCM: counts of (level at v, level at v + offset), both in the ROI. Not symmetrised.
CountMatrix glcm_matrix(const TextureRoi& roi, const Offset3& offset, int slice = -1);
// The matrices of several offsets in one pass over the ROI (whole box: parallel over slabs of slices, integer
// sums, so the result is independent of the partition). Equal to glcm_matrix(roi, offsets[k], slice).
std::vector<CountMatrix> glcm_matrices(const TextureRoi& roi, const std::vector<Offset3>& offsets, int slice = -1);
// GLRLM: rows = levels, column L-1 = runs of length L along `direction`. Columns end at the longest run.
CountMatrix glrlm_matrix(const TextureRoi& roi, const Offset3& direction, int slice = -1);
// Several run-length matrices in one pass (as glcm_matrices; a different algorithm from glrlm_matrix, see
// glrlm.cpp, and the tests check that both agree). With a slice, directions must be in-plane.
std::vector<CountMatrix> glrlm_matrices(const TextureRoi& roi, const std::vector<Offset3>& directions, int slice = -1);
// PyRadiomics cmatrices: an angle is dropped (zero matrix) when no line along it holds two ROI voxels.
bool glrlm_angle_has_multiple_elements(const TextureRoi& roi, const Offset3& direction);

// Zones: connected voxels of equal level (8-connected in-plane or 26-connected in 3D).
struct Zone {
    int level = 0;     // compact level index
    int size = 0;      // voxels
    int distance = 0;  // minimum of the distance map over the zone (0 if no map)
    int slice = 0;     // box slice of the zone's first voxel (in-plane zones stay in one slice)
};
// connectivity: neighbour offsets (full set, e.g. chebyshev_offsets({1}, true, false) for 8-connected
// in-plane zones). distance_map: per box voxel (see zone_distance_map), or empty.
std::vector<Zone> label_zones(const TextureRoi& roi, const std::vector<Offset3>& connectivity,
                              const std::vector<std::int32_t>& distance_map);
// IBSI GLDZM distance map on the morphological mask: city-block distance to the nearest voxel outside the
// mask (outside the grid counts as outside); border voxels have 1. in_plane: 4-connected within slices.
// Returned on the TextureRoi box, filled at the ROI voxels (0 elsewhere).
std::vector<std::int32_t> zone_distance_map(const TextureRoi& roi, const Mask& morphological_mask, bool in_plane);
// GLSZM: rows = levels, column s-1 = zones of size s. slice: only zones of that box slice (-1 all).
CountMatrix glszm_matrix(const TextureRoi& roi, const std::vector<Zone>& zones, int slice = -1);
// GLDZM: rows = levels, column d-1 = zones of minimum distance d.
CountMatrix gldzm_matrix(const TextureRoi& roi, const std::vector<Zone>& zones, int slice = -1);

// NGTDM: per level, voxel counts and summed |level - mean neighbour level| (neighbours in the ROI).
struct NgtdmMatrix {
    std::vector<std::uint64_t> n_with_neighbours;  // IBSI n_i: voxels with >= 1 neighbour in the ROI
    std::vector<std::uint64_t> n_all;              // PyRadiomics n_i: all voxels (no neighbour: difference 0)
    std::vector<double> s;                         // s_i
};
NgtdmMatrix ngtdm_matrix(const TextureRoi& roi, const std::vector<Offset3>& neighbourhood, int slice = -1);

// NGLDM / GLDM: rows = levels, column k = voxels with k dependent neighbours (|level difference| <= alpha).
CountMatrix ngldm_matrix(const TextureRoi& roi, const std::vector<Offset3>& neighbourhood, double alpha,
                         int slice = -1);
// NGTDM and NGLDM from one pass over the same neighbourhood (equal to the two builders above).
std::pair<NgtdmMatrix, CountMatrix> ngtdm_ngldm_matrices(const TextureRoi& roi,
                                                         const std::vector<Offset3>& neighbourhood, double alpha,
                                                         int slice = -1);

// The row kernels of the GLCM, GLRLM, zone and NGLDM builders exist as a baseline and an AVX2 copy,
// the AVX2 one taken when the CPU has it. false: the baseline copy everywhere (tests compare the two;
// both give the same integers). Process-wide.
void texture_allow_avx2(bool allowed);
bool texture_use_avx2();

}  // namespace radhpc::features
