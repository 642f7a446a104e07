// Re-segmentation (IBSI 1 section 2.5; PyRadiomics imageoperations.resegmentMask) and
// PyRadiomics normalisation (imageoperations.normalizeImage).
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "radhpc/core/error.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::preprocess {

void resegment(const Image& image, Mask& mask, const ResegmentSettings& s) {
    auto keep_within = [&](std::optional<double> lo, std::optional<double> hi) {
        for (std::size_t i = 0; i < mask.data.size(); ++i) {
            if (!mask.data[i]) continue;
            const double v = image.data[i];
            if ((lo && v < *lo) || (hi && v > *hi)) mask.data[i] = 0;
        }
    };
    keep_within(s.range_min, s.range_max);
    if (s.relative_min || s.relative_max) {
        double mx = -std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < mask.data.size(); ++i)
            if (mask.data[i]) mx = std::max(mx, image.data[i]);
        std::optional<double> lo, hi;
        if (s.relative_min) lo = *s.relative_min * mx;
        if (s.relative_max) hi = *s.relative_max * mx;
        keep_within(lo, hi);
    }
    if (s.sigma_min || s.sigma_max) {
        // mean and population SD of the ROI as it stands (after the range filter)
        double sum = 0, n = 0;
        for (std::size_t i = 0; i < mask.data.size(); ++i)
            if (mask.data[i]) { sum += image.data[i]; n += 1; }
        if (n == 0) return;
        const double mean = sum / n;
        double ss = 0;
        for (std::size_t i = 0; i < mask.data.size(); ++i)
            if (mask.data[i]) ss += (image.data[i] - mean) * (image.data[i] - mean);
        const double sd = std::sqrt(ss / n);
        std::optional<double> lo, hi;
        if (s.sigma_min) lo = mean + *s.sigma_min * sd;
        if (s.sigma_max) hi = mean + *s.sigma_max * sd;
        keep_within(lo, hi);
    }
}

void normalise(Image& image, const NormalizeSettings& s) {
    if (!s.enabled) return;
    // sitk.Normalize: (x - mean) / sigma with ITK's StatisticsImageFilter sigma (n - 1 denominator).
    const double n = double(image.data.size());
    double sum = 0;
    for (double v : image.data) sum += v;
    const double mean = sum / n;
    double ss = 0;
    for (double v : image.data) ss += (v - mean) * (v - mean);
    const double sigma = std::sqrt(ss / (n - 1));
    if (!(sigma > 0)) throw Error(ErrorKind::invalid_input, "normalisation: image has zero variance");
    for (double& v : image.data) {
        v = (v - mean) / sigma;
        if (s.remove_outliers) v = std::clamp(v, -*s.remove_outliers, *s.remove_outliers);
        v *= s.scale;
    }
}

}  // namespace radhpc::preprocess
