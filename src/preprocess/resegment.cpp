// Re-segmentation (IBSI 1 section 2.5; PyRadiomics imageoperations.resegmentMask) and
// PyRadiomics normalisation (imageoperations.normalizeImage).
#include <algorithm>
#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::preprocess {

void resegment(const Image& image, Mask& mask, const ResegmentSettings& s) {
    if (s.range_min || s.range_max) {
        for (std::size_t i = 0; i < mask.data.size(); ++i) {
            if (!mask.data[i]) continue;
            const double v = image.data[i];
            if ((s.range_min && v < *s.range_min) || (s.range_max && v > *s.range_max)) mask.data[i] = 0;
        }
    }
    if (s.outlier_sigma) {
        // mean +- k * population SD of the ROI as it stands (after the range filter)
        double sum = 0, n = 0;
        for (std::size_t i = 0; i < mask.data.size(); ++i)
            if (mask.data[i]) { sum += image.data[i]; n += 1; }
        if (n == 0) return;
        const double mean = sum / n;
        double ss = 0;
        for (std::size_t i = 0; i < mask.data.size(); ++i)
            if (mask.data[i]) ss += (image.data[i] - mean) * (image.data[i] - mean);
        const double sd = std::sqrt(ss / n);
        const double lo = mean - *s.outlier_sigma * sd, hi = mean + *s.outlier_sigma * sd;
        for (std::size_t i = 0; i < mask.data.size(); ++i)
            if (mask.data[i] && (image.data[i] < lo || image.data[i] > hi)) mask.data[i] = 0;
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
