// The image types of PyRadiomics 3.1 (radiomics/imageoperations.py, get<Type>Image), computed as
// PyRadiomics computes them, on plain arrays: LoG, Wavelet, Square, SquareRoot, Logarithm,
// Exponential, Gradient, LBP2D. Each function takes the image PyRadiomics would pass to its
// get<Type>Image (the whole image without resampling, or the resampled box with resampling; none of
// these image types reads the mask) and returns the derived image(s) on the same grid, named as
// PyRadiomics names them ("log-sigma-2-0-mm-3D", "wavelet-LLH", "wavelet2-HHL", "square", ...).
//
// Axis conventions. radhpc volumes are x fastest (x, y, z = ITK/NIfTI i, j, k). PyRadiomics works on
// sitk.GetArrayFromImage, a (z, y, x) numpy array; everything below is stated in radhpc's x, y, z and
// says how it maps onto the numpy axes where it matters:
//  - wavelet sub-band letters: PyRadiomics calls pywt.swtn(..., axes=(2, 1, 0)) on the (z, y, x)
//    array, and swtn appends one letter per axis in the order of `axes`, so the letters of
//    "wavelet-LLH" are x, y, z in that order: low-pass along x and y, high-pass along z.
//  - force2Ddimension d (PyRadiomics' numpy axis d) is radhpc axis 2 - d: 0 = z (axial slices),
//    1 = y, 2 = x.
//
// Layers. Every image type is in `filters` (src/filters/pyradiomics*.cpp; core + TBB, no ITK). LoG
// and Gradient reproduce ITK's filters (what SimpleITK runs) operation for operation; ITK's own
// filters are kept as their test references in `preprocess` (src/preprocess/pyradiomics_itk.cpp,
// namespace itk_reference; link radhpc_preprocess to use them).
//
// Determinism: every output voxel is computed by the same arithmetic in the same order for any
// number of TBB threads (work is split over lines and sub-bands, never inside a sum).
#pragma once
#include <charconv>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::filters::pyradiomics {

// One derived image and its PyRadiomics image-type name (the feature prefix).
struct DerivedImage {
    std::string name;
    Image image;
};

// Python's str() of a float ("2.0", "1.5", "0.25", "1e-05", "1e+16": shortest round-trip digits,
// scientific when the exponent is < -4 or >= 16); `integer_literal`: the setting was an int in the
// parameter file (str(2) == "2").
inline std::string python_str(double value, bool integer_literal = false) {
    if (integer_literal) return std::to_string(static_cast<long long>(value));
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    const std::string sci(buf, r.ptr);  // "-1.5e-05", shortest round-trip digits
    const auto epos = sci.find('e');
    const int e = std::stoi(sci.substr(epos + 1));
    std::string mant = sci.substr(0, epos), sign;
    if (mant[0] == '-') { sign = "-"; mant.erase(0, 1); }
    std::string digits;
    for (char c : mant)
        if (c != '.') digits += c;
    if (e < -4 || e >= 16) {
        std::string m = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
        const std::string ex = std::to_string(e < 0 ? -e : e);
        return sign + m + "e" + (e < 0 ? "-" : "+") + (ex.size() < 2 ? "0" : "") + ex;
    }
    std::string out;
    if (e < 0) {
        out = "0." + std::string(static_cast<std::size_t>(-e - 1), '0') + digits;
    } else if (static_cast<std::size_t>(e) + 1 >= digits.size()) {
        out = digits + std::string(static_cast<std::size_t>(e) + 1 - digits.size(), '0') + ".0";
    } else {
        out = digits.substr(0, static_cast<std::size_t>(e) + 1) + "." + digits.substr(static_cast<std::size_t>(e) + 1);
    }
    return sign + out;
}

// ---- LoG ----------------------------------------------------------------------------------------
// getLoGImage: for each sigma (mm), SimpleITK's LaplacianRecursiveGaussianImageFilter with
// NormalizeAcrossScale true and Sigma = sigma on the image's physical spacing, i.e. ITK 5.2's
// itk::LaplacianRecursiveGaussianImageFilter<Image<pixel,3>, Image<float,3>>: float internal
// images, double recursion (Deriche 4th order, edge-value extension); float32 output, returned as
// double holding those float values. Computed without ITK (src/filters/pyradiomics_log.cpp) by the
// same operations in the same order: bit-identical to ITK's filter (tested against
// itk_reference::laplacian_recursive_gaussian). The input values are read as double, which is what
// ITK's recursion does for int16, float and double images alike.
// PyRadiomics' checks, as it does them (log a warning and skip; here: skipped and reported):
//  - min(size) < 4: no LoG image at all;
//  - sigma <= 0: that sigma skipped;
//  - not all(size >= ceil(sigma / spacing) + 1): that sigma skipped.
// Name: "log-sigma-" + str(sigma).replace('.', '-') + "-mm-3D" (python_str; sigma_integer_literal
// true when the parameter file wrote the sigmas as ints, e.g. "log-sigma-2-mm-3D").
// "log-sigma-" + str(sigma).replace('.', '-') + "-mm-3D"
inline std::string log_image_name(double sigma_mm, bool sigma_integer_literal) {
    std::string s = python_str(sigma_mm, sigma_integer_literal);
    for (char& c : s)
        if (c == '.') c = '-';
    return "log-sigma-" + s + "-mm-3D";
}
struct LoGSkip {
    double sigma;
    std::string reason;
};
struct LoGResult {
    std::vector<DerivedImage> images;
    std::vector<LoGSkip> skipped;  // PyRadiomics' warnings, in order
};
LoGResult getLoGImage(const Image& image, const std::vector<double>& sigma_mm,
                      bool sigma_integer_literal = false);
// True when PyRadiomics computes the LoG for this sigma on a grid of this size/spacing.
bool log_sigma_allowed(const Geometry& g, double sigma_mm, std::string* reason = nullptr);

// Margin (voxels per side, per axis) around the ROI box for computing the LoG on a crop instead of
// the whole image (PyRadiomics filters the whole image when it does not resample): the recursive
// filter has infinite support and ITK extends the edge value, so the crop changes the values near
// its faces. With this margin (LOG_MARGIN_SIGMAS sigma in mm, rounded up per axis) the ROI values of
// brain1 and breast1 agree with the whole-image LoG within 3e-7 relative on every firstorder value
// (8 sigma: 2e-6; 6 sigma: 2e-5; the floor is the float32 rounding of ITK's internal images)
// (tests/filters/test_pyradiomics_image_types.cpp measures it). Where the box + margin leaves the
// image, clip it (the image edge is then the same edge as for the whole image).
inline constexpr double LOG_MARGIN_SIGMAS = 10.0;
inline Index3 log_margin(const Geometry& g, double sigma_mm) {
    Index3 m{};
    for (int a = 0; a < 3; ++a)
        m[a] = static_cast<std::int64_t>(std::ceil(LOG_MARGIN_SIGMAS * sigma_mm / g.spacing[a]));
    return m;
}

// ---- Gradient -----------------------------------------------------------------------------------
// getGradientImage: SimpleITK GradientMagnitudeImageFilter with UseImageSpacing = gradientUseSpacing,
// i.e. ITK 5.2's GradientMagnitudeImageFilter<Image<pixel,3>, Image<float,3>>: per axis the central
// difference 0.5 prev - 0.5 next (each coefficient times 1 / spacing when the spacing is used),
// edge voxel repeated at the faces, sqrt of the sum of squares in double, float32 output. Computed
// without ITK (src/filters/pyradiomics_gradient.cpp), bit-identical to ITK's filter (tested against
// itk_reference::gradient_magnitude). Name "gradient".
DerivedImage getGradientImage(const Image& image, bool gradientUseSpacing = true);

namespace detail {
// Tests and benchmarks: false forces the LoG's baseline (SSE2) lane kernel on an AVX2 machine.
void log_allow_avx2(bool allowed);
}  // namespace detail

// ---- ITK itself (defined in radhpc_preprocess, src/preprocess/pyradiomics_itk.cpp) ----------------
// The references of the two functions above; link radhpc_preprocess to use them.
namespace itk_reference {
// itk::LaplacianRecursiveGaussianImageFilter<Image<double,3>, Image<float,3>>, NormalizeAcrossScale
// on, Sigma = sigma_mm (no size checks; ITK throws below 4 voxels along an axis).
Image laplacian_recursive_gaussian(const Image& image, double sigma_mm);
// itk::GradientMagnitudeImageFilter<Image<double,3>, Image<float,3>>.
Image gradient_magnitude(const Image& image, bool use_image_spacing);
}  // namespace itk_reference

// ---- Wavelet ----------------------------------------------------------------------------------
// Settings of PyRadiomics' Wavelet image type (its defaults).
struct WaveletSettings {
    std::string wavelet = "coif1";  // any discrete PyWavelets 1.1.1 name (filters::wavelet_names())
    int start_level = 0;
    int level = 1;
    bool force2D = false;
    int force2Ddimension = 0;  // numpy axis (0 = z)
};

// _swt3: PyRadiomics' stationary wavelet transform. The array is padded by one voxel ("wrap": the
// first voxel repeated at the end) along every axis of odd size, so each axis is even, as
// pywt.swt needs for one level. start_level times, pywt.swtn(level=1) keeps only the approximation;
// then `level` times pywt.swtn(data, wavelet, level=1, start_level=0, axes) is applied to the last
// approximation: every level uses the undilated filters (PyRadiomics iterates level-1 transforms
// instead of asking swtn for the levels, so there is no à trous dilation). One 1D pass of pywt's SWT
// on an axis of (even) length N with filter f of length F:
//     out[o] = sum_{t=0}^{F-1} f[t] in[(o + F/2 - t) mod N]   (dec_lo for 'a', dec_hi for 'd'),
// summed in pywt's order (bit-identical to pywt's C loops). Axes are transformed x, then y, then z
// (x, y only with force2D and force2Ddimension 0), every sub-band of the previous axis split in
// two. Each detail sub-band is cropped back to the input size.
struct Swt3Level {
    std::vector<DerivedImage> details;  // names "LLH" ... "HHH" (no "wavelet-" prefix), pywt's order
};
struct Swt3Result {
    Image approximation;             // the last level's all-low-pass image, cropped
    std::vector<Swt3Level> levels;   // level start_level + 1 ... start_level + level
};
Swt3Result _swt3(const Image& image, const WaveletSettings& s);

// Margin (voxels per side, on every transformed axis) that makes the wavelet images of a crop equal,
// bit for bit inside the ROI box, to those of the whole image: each level-1 pass reads taps up to
// F/2 voxels away (F = filter length), and start_level + level passes are chained. Valid when the
// box + margin stays inside the image on that axis; where it would leave it, the crop must span the
// whole axis (the periodic wrap and PyRadiomics' odd-size padding then see the same voxels).
inline std::int64_t wavelet_margin(const WaveletSettings& s, std::size_t filter_length) {
    return static_cast<std::int64_t>(s.start_level + s.level) * static_cast<std::int64_t>((filter_length + 1) / 2);
}

// getWaveletImage: the 7 (3 with force2D) detail images of every level, named "wavelet-<bands>"
// for the first computed level and "wavelet<k>-<bands>" for the k-th (k counted from 1 at
// start_level, as PyRadiomics' enumerate(ret, start=1) does), then the approximation
// "wavelet-LLL" / "wavelet<level>-LLL". Letters: x, y, z (see the top of this file).
std::vector<DerivedImage> getWaveletImage(const Image& image, const WaveletSettings& s = {});
// The same images, in the same order and bit for bit, handed to `sink` one at a time as they are
// computed (the band tree walked depth first): a caller that consumes each image holds one detail
// image and one band per axis instead of all of them (a fifth of the memory for coif1 in 3D).
void forEachWaveletImage(const Image& image, const WaveletSettings& s, const std::function<void(DerivedImage&&)>& sink);

// ---- Intensity maps (imageoperations.py; m = max |x| over the whole image) ----------------------
// `whole_max_abs`: m when `image` is a crop of the image PyRadiomics passes (the maps are voxel by
// voxel; only m needs the whole image). Default: m of `image`.
// square:      (x / sqrt(m))^2, computed as c = 1 / sqrt(m), (c x)^2
// m = max |x| over `image` (NaN propagates, as numpy's max does), for any voxel type.
template <class T>
double max_abs(const Volume<T>& image) {
    double m = 0;
    for (const T& v : image.data) {
        const double a = std::fabs(double(v));
        if (std::isnan(a)) return a;
        if (a > m) m = a;
    }
    return m;
}
DerivedImage getSquareImage(const Image& image, std::optional<double> whole_max_abs = std::nullopt);
// squareroot:  sqrt(x m) for x > 0, -sqrt(-x m) for x < 0, 0 for 0
DerivedImage getSquareRootImage(const Image& image, std::optional<double> whole_max_abs = std::nullopt);
// logarithm:   log(x + 1) for x > 0, -log(-(x - 1)) for x < 0, then scaled by m / max |result|
DerivedImage getLogarithmImage(const Image& image, std::optional<double> whole_max_abs = std::nullopt);
// exponential: exp(c x), c = log(m) / m
DerivedImage getExponentialImage(const Image& image, std::optional<double> whole_max_abs = std::nullopt);

// ---- LBP2D ---------------------------------------------------------------------------------------
// getLBP2DImage: skimage.feature.local_binary_pattern(slice, P = samples, R = radius, method) on
// every slice perpendicular to force2Ddimension, as PyRadiomics' getLBP2DImage slices the array
// (im_arr.swapaxes(0, d)[i]: rows = y and cols = x for d = 0; rows = z, cols = x for d = 1; rows = y,
// cols = z for d = 2). scikit-image 0.19.3 semantics: R is a C float (R = float(radius)); the P
// sampling points (-R sin(2 pi p / P), R cos(2 pi p / P)) rounded to 5 decimals; bilinear
// interpolation with zero outside the slice; bit p set when sample - centre >= 0; methods
// "default", "ror", "uniform", "nri_uniform", "var" (var: biased variance of the P samples, NaN
// where it is 0).
// PyRadiomics writes each result back into the image's own array, so the values take the image's
// pixel type: with stored_as.integer they are cast as numpy's float64 -> integer assignment does on
// x86-64 (a C cast: truncation toward zero through a 32-bit conversion, NaN and out-of-range values
// becoming INT32_MIN, low bits kept for 8- and 16-bit types: "var"'s NaN becomes 0 in int16, its
// large variances wrap); with stored_as.float32 they are rounded to float. Pass PixelType{}
// (double) for skimage's own float64 output. samples must be 1..30 (skimage's int32 weights).
struct LBP2DSettings {
    double radius = 1;        // lbp2DRadius
    int samples = 8;          // lbp2DSamples
    std::string method = "uniform";  // lbp2DMethod
    int force2Ddimension = 0;  // numpy axis (0 = z: axial slices)
};
DerivedImage getLBP2DImage(const Image& image, const LBP2DSettings& s, const PixelType& stored_as = {});
// One 2D image (rows x cols, row-major, cols fastest) exactly as local_binary_pattern returns it.
std::vector<double> local_binary_pattern(const double* image, std::size_t rows, std::size_t cols, int P,
                                         double R, const std::string& method);

}  // namespace radhpc::filters::pyradiomics
