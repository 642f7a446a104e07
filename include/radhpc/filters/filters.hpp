// Convolutional filters of IBSI 2 (Depeursinge, Andrearczyk, Whybra et al., arXiv:2006.05470;
// the phase-1 configurations in ../shared/data/ibsi2/README.md): mean, Laplacian of Gaussian, Laws,
// Gabor, separable wavelets (undecimated, à trous decomposition) and the Simoncelli non-separable
// wavelet, with the boundary conditions zero / nearest / periodic / mirror, in 2D (each axial
// slice, the (x, y) plane at fixed z) or 3D.
// Layer `filters`: core + TBB. Every output voxel is computed by the same arithmetic for any
// thread count (work is split over lines or slices, never inside a sum).
// Conventions (checked against the IBSI 2 reference maps): filters are true convolutions; the
// letters of a Laws kernel or wavelet sub-band apply to x, y, z (NIfTI i, j, k) in that order;
// parameters in mm are converted to voxels with the grid spacing.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::filters {

// How the image is extended beyond its edge (data a b c d):
//  zero      0 0 | a b c d | 0 0   (IBSI "constant"; scipy constant)
//  nearest   a a | a b c d | d d   (scipy nearest)
//  periodic  c d | a b c d | a b   (IBSI "wrap"; scipy wrap)
//  mirror    b a | a b c d | d c   (edge voxel repeated; IBSI "symmetric"; scipy reflect, numpy symmetric)
enum class Boundary { zero, nearest, periodic, mirror };
// slice2d: each axial slice (x, y at fixed z) filtered on its own; volume3d: the 3D filter.
enum class Dim { slice2d, volume3d };
enum class Pooling { max, mean };

// Parses "zero"/"constant", "nearest", "periodic"/"wrap", "mirror"/"symmetric" (Error invalid_input).
Boundary parse_boundary(const std::string& name);

// Mean of the support^d box around each voxel (support odd, in voxels).
Image mean_filter(const Image& image, int support, Boundary boundary, Dim dim);

// Laplacian of Gaussian, sigma in mm; the sampled kernel
//   -1/s^2 (2 pi s^2)^(-d/2) (d - r^2/s^2) exp(-r^2/(2 s^2))   (s, r in voxels)
// with 1 + 2 floor(truncation * s + 0.5) taps per axis (IBSI 2; MIRP). Computed as the sum of d
// separable terms (second derivative along one axis, Gaussian along the others), which is the
// same kernel. With anisotropic spacing each axis uses its own s = sigma_mm / spacing.
Image log_filter(const Image& image, double sigma_mm, double truncation, Boundary boundary, Dim dim);

// Laws kernels: `kernel` names one 1D kernel per axis ("L5E5E5" in 3D, "L5S5" in 2D), from
// L3 E3 S3 L5 E5 S5 W5 R5, each scaled to unit L2 norm. Rotation invariance pools the responses of
// the 24 right-angle rotations of the 3D kernel (4 in-plane rotations in 2D). With
// energy_distance >= 0 the result is the energy map: the mean of |response| over the
// (2 delta + 1)^d box, taken after pooling, with the same boundary rule.
struct LawsParams {
    std::string kernel;
    bool rotation_invariant = false;
    Pooling pooling = Pooling::max;
    int energy_distance = -1;  // delta in voxels; < 0: no energy map
    Boundary boundary = Boundary::zero;
    Dim dim = Dim::volume3d;
};
Image laws_filter(const Image& image, const LawsParams& p);

// Gabor: the 2D kernel exp(-(x'^2 + gamma^2 y'^2) / (2 sigma^2)) exp(i 2 pi x' / lambda),
// x' = x cos(theta) + y sin(theta), y' = -x sin(theta) + y cos(theta), not normalised; the output
// is the modulus of the response. With theta_step > 0 the modulus is averaged over
// theta + n theta_step for every n with n theta_step < pi (the modulus has period pi, so a half
// turn equals a full turn). orthogonal_planes: also filter the (x, z) and (y, z) planes and average
// the three maps (IBSI 2 "3D" Gabor); otherwise the axial (x, y) planes only.
// The kernel covers 2 R + 1 voxels per axis: R = support_radius if > 0, otherwise half the larger
// in-plane image size (MIRP's rule; the IBSI 2 phase-1 maps were made with it). Computed by FFT.
struct GaborParams {
    double sigma_mm = 0, lambda_mm = 0, gamma = 1;
    double theta = 0;       // radians
    double theta_step = 0;  // radians; 0: theta only
    bool orthogonal_planes = false;
    Boundary boundary = Boundary::zero;
    int support_radius = 0;
};
Image gabor_filter(const Image& image, const GaborParams& p);

// Decomposition filters of a discrete wavelet as PyWavelets 1.1.1 names and defines them
// (Wavelet(name).dec_lo / dec_hi) for every name of pywt.wavelist(kind="discrete"): haar, db1-db38,
// sym2-sym20, coif1-coif17, bior*, rbio*, dmey (scripts/gen_wavelet_coefficients.py).
struct WaveletFilters {
    std::vector<double> dec_lo, dec_hi;
};
WaveletFilters wavelet_filters(const std::string& name);  // Error invalid_input when unknown
std::vector<std::string> wavelet_names();
// Whether `name` is one of those wavelets (the job and parameter-file readers' check).
bool known_wavelet(const std::string& name);

// Undecimated separable wavelet sub-band: `subband` is one letter (L low-pass, H high-pass) per
// axis ("LHL", or "LH" in 2D). Level 1 filters the image once. Level n > 1 (decomposition) first
// applies the all-low-pass filter at levels 1 .. n-1 and then the sub-band filter, the filters of
// level j dilated à trous (2^(j-1) - 1 zeros between taps). A filter of even length gets a zero
// appended, so tap k of dec_lo/dec_hi lands at offset k - floor(len/2) (pywt, MIRP).
// Rotation invariance averages (or max-pools) the 24 (3D) / 4 (2D) right-angle rotations of the
// whole filter chain.
struct WaveletParams {
    std::string wavelet;
    std::string subband;
    int level = 1;
    bool rotation_invariant = false;
    Pooling pooling = Pooling::mean;
    Boundary boundary = Boundary::zero;
    Dim dim = Dim::volume3d;
};
Image wavelet_filter(const Image& image, const WaveletParams& p);

// Simoncelli non-separable wavelet, band-pass map of `level`: in the frequency domain
//   cos(pi/2 log2(2 |w| / w_max))  for w_max/4 <= |w| <= w_max,  w_max = 2^(1 - level),
// |w| the radial frequency normalised so that Nyquist is 1 on MIRP's grid (per axis of n voxels,
// bin k of the DFT gets (((k + n/2) mod n) - (n-1)/2) / ((n-1)/2): half a bin off for even n, which
// the IBSI 2 consensus maps 8.a.2 and 8.a.3 reproduce and the exact DFT frequencies do not); the
// real part of the response.
// periodic filters the image as it is; other boundaries extend it by half its size per side first.
struct SimoncelliParams {
    int level = 1;
    Boundary boundary = Boundary::periodic;
    Dim dim = Dim::volume3d;
};
Image simoncelli_filter(const Image& image, const SimoncelliParams& p);

// Riesz transform of order (l_x, l_y, l_z) of a LoG or Simoncelli map (IBSI 2 configurations 9 and 10;
// the Riesz-filter definition of the IBSI 2 reference manual, as MIRP computes it): the filter's
// spectrum times (-i)^L sqrt(L! / (l_x! l_y! l_z!)) w_x^l_x w_y^l_y w_z^l_z / |w|^L, L = l_x + l_y + l_z,
// on the frequency grid described for the Simoncelli filter, and the real part of the response.
// Components act along x, y, z (NIfTI i, j, k). LoG: the kernel of log_filter (sigma_mm, truncation) on
// the image padded by the kernel's half width with `boundary`; Simoncelli: as simoncelli_filter (level,
// boundary). 3D only; not steered (the structure-tensor alignment of 9.b.2 / 10.b.2 is not built).
struct RieszParams {
    enum class Base { log, simoncelli };
    std::array<int, 3> order{0, 0, 0};
    Base base = Base::log;
    double sigma_mm = 0, truncation = 4;  // log
    int level = 1;                        // simoncelli
    Boundary boundary = Boundary::zero;
};
Image riesz_filter(const Image& image, const RieszParams& p);

}  // namespace radhpc::filters
