// Filtered images of a job (job file key `filters`, plus `features.original`): one typed entry per
// filter. The profile decides the semantics: the `ibsi` profile runs the IBSI 2 filters of the
// `filters` layer (include/radhpc/filters/filters.hpp); the `pyradiomics` profile's image types (LoG
// sigma lists, Wavelet, Square, ...) will map onto the same list with PyRadiomics' definitions and
// names (issue 15; refused for now, naming the key).
// Layer `core`: plain data, no dependency on the filters layer (pipeline converts).
#pragma once
#include <array>
#include <string>
#include <vector>

namespace radhpc {

// mean .. riesz: IBSI 2 (profile ibsi); log and wavelet also PyRadiomics' (profile pyradiomics),
// square .. lbp2d: PyRadiomics only.
enum class FilterKind { mean, log, laws, gabor, wavelet, simoncelli, riesz, square, square_root, logarithm, exponential, gradient, lbp2d };
// How the image is extended beyond its true edge (IBSI 2 names; see filters.hpp).
enum class FilterBoundary { zero, nearest, periodic, mirror };
enum class FilterPooling { max, mean };

struct FilterSettings {
    std::string name;                 // output prefix: "<name>_<tag>"
    FilterKind kind = FilterKind::mean;
    FilterBoundary boundary = FilterBoundary::mirror;  // IBSI 2 phase 2 convention
    bool dim3d = true;                // false: each axial slice on its own (IBSI "2D")
    // mean
    int support = 0;                  // voxels, odd
    // log, gabor
    double sigma_mm = 0;
    double truncation = 4;            // log: taps per axis 1 + 2 floor(truncation sigma / spacing + 0.5)
    // laws
    std::string kernel;               // "L5E5E5" (3D), "L5E5" (2D)
    int energy_distance = -1;         // voxels; < 0: no energy map
    // laws, wavelet
    bool rotation_invariant = false;
    FilterPooling pooling = FilterPooling::max;  // laws default max, wavelet default mean (set by io)
    // gabor
    double lambda_mm = 0, gamma = 1;
    double theta_deg = 0, theta_step_deg = 0;   // step 0: theta only
    bool orthogonal_planes = false;  // average the axial, coronal and sagittal responses
    int support_radius = 0;          // kernel half-width in voxels; 0: half the larger in-plane size of
                                     // the whole (resampled) image (MIRP's rule, IBSI 2 reference)
    // wavelet (separable), simoncelli
    std::string wavelet;             // PyWavelets name: haar, db3, coif1, ...
    std::string subband;             // one letter L/H per axis: "LLH" (3D), "LH" (2D)
    int level = 1;                   // decomposition level (à trous); PyRadiomics: levels computed
    // riesz: the Riesz transform of order (l_x, l_y, l_z) of a log (sigma_mm, truncation) or
    // simoncelli (level) map, 3D
    std::array<int, 3> riesz_order{0, 0, 0};
    FilterKind riesz_base = FilterKind::log;  // log or simoncelli
    // ---- pyradiomics profile (PyRadiomics' setting names in brackets)
    bool sigma_integer_literal = false;  // LoG: the sigma was written as an int (name "log-sigma-2-mm-3D")
    int start_level = 0;                 // Wavelet [start_level]
    bool force2d = false;                // Wavelet [force2D]
    int force2d_dimension = 0;           // Wavelet, LBP2D [force2Ddimension]: numpy axis, 0 = axial slices
    bool gradient_use_spacing = true;    // Gradient [gradientUseSpacing]
    double lbp_radius = 1;               // LBP2D [lbp2DRadius]
    int lbp_samples = 8;                 // LBP2D [lbp2DSamples]
    std::string lbp_method = "uniform";  // LBP2D [lbp2DMethod]
};

}  // namespace radhpc
