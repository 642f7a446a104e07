// PyRadiomics 3.x first-order features (radiomics/firstorder.py), reproduced definition by definition.
// Differences from IBSI 3.3 that are deliberate here: Kurtosis is m4/m2^2 (not excess), Energy,
// TotalEnergy and RootMeanSquared add voxelArrayShift c to every intensity, Entropy and Uniformity use
// the PyRadiomics-discretised grey levels with p(i) = n_i / N_p and log2(p + eps), eps = 2^-52.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "intensity_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/features/intensity.hpp"

namespace radhpc::features {

// ---- the features of this family, in output order; the formulas below fill their slots ----
namespace {

// PyRadiomics firstorder.py.
enum FirstorderValue {
    firstorder_Energy, firstorder_TotalEnergy, firstorder_Entropy, firstorder_Minimum,
    firstorder_10Percentile, firstorder_90Percentile, firstorder_Maximum, firstorder_Mean,
    firstorder_Median, firstorder_InterquartileRange, firstorder_Range, firstorder_MeanAbsoluteDeviation,
    firstorder_RobustMeanAbsoluteDeviation, firstorder_RootMeanSquared, firstorder_StandardDeviation,
    firstorder_Skewness, firstorder_Kurtosis, firstorder_Variance, firstorder_Uniformity,
    firstorder_value_count
};
constexpr PyradiomicsFeature kFirstorder[] = {
    {"Energy", "stat_energy", "", firstorder_Energy},
    {"TotalEnergy", "", "I^2 mm^3", firstorder_TotalEnergy},
    {"Entropy", "ih_entropy", "", firstorder_Entropy},
    {"Minimum", "stat_min", "", firstorder_Minimum},
    {"10Percentile", "stat_p10", "", firstorder_10Percentile},
    {"90Percentile", "stat_p90", "", firstorder_90Percentile},
    {"Maximum", "stat_max", "", firstorder_Maximum},
    {"Mean", "stat_mean", "", firstorder_Mean},
    {"Median", "stat_median", "", firstorder_Median},
    {"InterquartileRange", "stat_iqr", "", firstorder_InterquartileRange},
    {"Range", "stat_range", "", firstorder_Range},
    {"MeanAbsoluteDeviation", "stat_mad", "", firstorder_MeanAbsoluteDeviation},
    {"RobustMeanAbsoluteDeviation", "stat_rmad", "", firstorder_RobustMeanAbsoluteDeviation},
    {"RootMeanSquared", "stat_rms", "", firstorder_RootMeanSquared},
    {"StandardDeviation", "", "I", firstorder_StandardDeviation},
    {"Skewness", "stat_skew", "", firstorder_Skewness},
    {"Kurtosis", "stat_kurt", "", firstorder_Kurtosis},
    {"Variance", "stat_var", "", firstorder_Variance},
    {"Uniformity", "ih_uniformity", "", firstorder_Uniformity},
};

}  // namespace

constexpr FamilyDecl kFirstorderFamily{"firstorder", kNoVariant, {}, kFirstorder};

FeatureValues pyradiomics_firstorder(std::span<const double> values, std::span<const std::int32_t> levels,
                                     double voxel_volume, double voxel_array_shift) {
    if (values.empty()) throw Error(ErrorKind::empty_roi, "firstorder: ROI is empty");
    if (levels.size() != values.size())
        throw Error(ErrorKind::invalid_input, "firstorder: intensities and grey levels differ in length");
    using namespace detail;
    const double n = double(values.size());

    const CentralMoments m = central_moments(values);
    // Energy = sum (X + c)^2; TotalEnergy = V_voxel * Energy; RMS = sqrt(Energy / N_p).
    const double energy = block_sum(values.size(), [&](std::size_t i) {
        const double shifted = values[i] + voxel_array_shift;
        return shifted * shifted;
    });

    // p(i) = n_i / N_p over the grey levels present (numpy.unique counts).
    const auto [lo_it, hi_it] = std::minmax_element(levels.begin(), levels.end());
    const std::int64_t level_lo = *lo_it, level_hi = *hi_it;
    std::vector<std::int64_t> count(std::size_t(level_hi - level_lo) + 1, 0);
    for (std::int32_t g : levels) ++count[std::size_t(g - level_lo)];
    const double eps = std::numeric_limits<double>::epsilon();  // numpy.spacing(1) = 2.220446049250313e-16
    double entropy = 0, uniformity = 0;
    for (std::int64_t c : count) {
        if (!c) continue;
        const double p = double(c) / n;
        entropy -= p * std::log2(p + eps);  // -sum p log2(p + eps)
        uniformity += p * p;                // sum p^2
    }

    const OrderSummary o = order_summary(values);  // numpy.percentile ('linear') / numpy.median
    const double p10 = o.p10, p90 = o.p90, p25 = o.p25, p75 = o.p75, minimum = o.minimum, maximum = o.maximum;
    // Flat region (m2 == 0): PyRadiomics returns 0 for Skewness and Kurtosis. min == max also catches
    // flat ROIs whose mean is off by rounding (numpy would then return rounding noise; 0 is the intent).
    const bool flat = m.m2 == 0 || minimum == maximum;
    const double skewness = flat ? 0.0 : m.m3 / std::pow(m.m2, 1.5);  // m3 / m2^1.5
    const double kurtosis = flat ? 0.0 : m.m4 / std::pow(m.m2, 2.0);  // m4 / m2^2
    const double sd = std::sqrt(m.m2);                                       // numpy.std (ddof 0)

    std::array<double, firstorder_value_count> v{};
    v[firstorder_Energy] = energy;
    v[firstorder_TotalEnergy] = energy * voxel_volume;
    v[firstorder_Entropy] = entropy;
    v[firstorder_Minimum] = minimum;
    v[firstorder_10Percentile] = p10;
    v[firstorder_90Percentile] = p90;
    v[firstorder_Maximum] = maximum;
    v[firstorder_Mean] = m.mean;
    v[firstorder_Median] = o.median;
    v[firstorder_InterquartileRange] = p75 - p25;
    v[firstorder_Range] = maximum - minimum;
    v[firstorder_MeanAbsoluteDeviation] = mean_abs_deviation(values, m.mean);  // mean|X - mean|
    v[firstorder_RobustMeanAbsoluteDeviation] = robust_mean_abs_deviation(values, p10, p90);
    v[firstorder_RootMeanSquared] = std::sqrt(energy / n);
    v[firstorder_StandardDeviation] = sd;
    v[firstorder_Skewness] = skewness;
    v[firstorder_Kurtosis] = kurtosis;
    v[firstorder_Variance] = sd * sd;  // numpy.std(X) ** 2
    v[firstorder_Uniformity] = uniformity;
    return emitted(kFirstorderFamily, v);
}

}  // namespace radhpc::features
