// ROC confidence band (pROC ci.se with a stratified bootstrap); see roc_band.hpp.
#include "radhpc/stats/roc_band.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <tbb/parallel_for.h>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/random.hpp"

namespace radhpc::stats {
namespace {

// R's quantile(x, p, type = 7) term by term (pROC's ci.se quantiles).
double r_quantile7(std::vector<double> values, double p) {
    if (values.empty()) return std::nan("");
    std::sort(values.begin(), values.end());
    // R: index = 1 + (n - 1) p, lo = floor, hi = ceiling; x[lo] + h (x[hi] - x[lo]) unless equal
    const double index = 1 + double(values.size() - 1) * p;
    const auto lo = std::size_t(std::floor(index)), hi = std::size_t(std::ceil(index));
    const double q = values[lo - 1];
    if (!(index > double(lo) && values[hi - 1] != q)) return q;
    const double h = index - double(lo);
    return (1 - h) * q + h * values[hi - 1];
}

}  // namespace


std::vector<double> sensitivity_at_specificities(const RocCurve& curve, std::span<const double> specificities) {
    const std::size_t n = curve.specificities.size();
    if (n == 0 || curve.sensitivities.size() != n) throw Error(ErrorKind::invalid_input, "sensitivity_at_specificity: empty ROC curve");
    // pROC stores its points with specificity ascending along the thresholds (for ">" it reverses
    // the thresholds); sorting by (sp ascending, se descending) gives that order for both directions.
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (curve.specificities[a] != curve.specificities[b]) return curve.specificities[a] < curve.specificities[b];
        return curve.sensitivities[a] > curve.sensitivities[b];
    });
    const auto sp = [&](std::size_t k) { return curve.specificities[order[k]]; };
    const auto se = [&](std::size_t k) { return curve.sensitivities[order[k]]; };
    std::vector<double> result;
    result.reserve(specificities.size());
    for (const double x : specificities) {
        if (!(x >= sp(0) && x <= sp(n - 1)))
            throw Error(ErrorKind::invalid_input, "sensitivity_at_specificity: specificity outside the curve's range");
        // first point with sp >= x: an exact match is pROC's idx[1] (highest sensitivity)
        const std::size_t next = std::size_t(
            std::lower_bound(order.begin(), order.end(), x, [&](std::size_t k, double v) { return curve.specificities[k] < v; }) -
            order.begin());
        if (sp(next) == x) {
            result.push_back(se(next));
            continue;
        }
        // no exact match: next is the first point above (next >= 1 since sp(0) < x);
        // se = se[next] + (x - sp[next]) / (sp[next-1] - sp[next]) * (se[next-1] - se[next])
        const double proportion = (x - sp(next)) / (sp(next - 1) - sp(next));
        result.push_back(se(next) + proportion * (se(next - 1) - se(next)));
    }
    return result;
}

double sensitivity_at_specificity(const RocCurve& curve, double specificity) {
    const double x[1] = {specificity};
    return sensitivity_at_specificities(curve, x)[0];
}

std::vector<std::size_t> stratified_resample(std::span<const int> outcome, std::uint64_t seed, std::uint64_t index) {
    std::vector<std::size_t> controls, cases;
    for (std::size_t i = 0; i < outcome.size(); ++i) (outcome[i] == 1 ? cases : controls).push_back(i);
    Rng rng(derive_seed(seed, index));
    std::vector<std::size_t> drawn;
    drawn.reserve(outcome.size());
    for (std::size_t k = 0; k < controls.size(); ++k) drawn.push_back(controls[rng.below(controls.size())]);
    for (std::size_t k = 0; k < cases.size(); ++k) drawn.push_back(cases[rng.below(cases.size())]);
    return drawn;
}

SensitivityBand sensitivity_band(std::span<const double> scores, std::span<const int> outcome,
                                 std::span<const double> specificities, int replicates, std::uint64_t seed, double level,
                                 Direction direction) {
    if (scores.size() != outcome.size()) throw Error(ErrorKind::invalid_input, "sensitivity_band: scores and outcome differ in length");
    if (replicates < 1) throw Error(ErrorKind::settings, "sensitivity_band: needs at least one replicate");
    const Direction fixed = resolve_direction(scores, outcome, direction);
    SensitivityBand band;
    band.specificities.assign(specificities.begin(), specificities.end());
    band.replicates = replicates;
    // per specificity, the replicates' sensitivities, stored by replicate index: replicates run in
    // parallel (each draws from its own seed) and the result does not depend on the thread count
    std::vector<std::vector<double>> at(specificities.size(), std::vector<double>(std::size_t(replicates)));
    tbb::parallel_for(0, replicates, [&](int b) {
        const auto drawn = stratified_resample(outcome, seed, std::uint64_t(b));
        std::vector<double> s(drawn.size());
        std::vector<int> y(drawn.size());
        for (std::size_t k = 0; k < drawn.size(); ++k) {
            s[k] = scores[drawn[k]];
            y[k] = outcome[drawn[k]];
        }
        const auto se = sensitivity_at_specificities(roc_curve(s, y, fixed), specificities);
        for (std::size_t j = 0; j < specificities.size(); ++j) at[j][std::size_t(b)] = se[j];
    });
    const double p_lower = 0 + (1 - level) / 2, p_upper = 1 - (1 - level) / 2;
    for (auto& v : at) {
        band.lower.push_back(r_quantile7(v, p_lower));
        band.median.push_back(r_quantile7(v, 0.5));
        band.upper.push_back(r_quantile7(v, p_upper));
    }
    return band;
}

}  // namespace radhpc::stats
