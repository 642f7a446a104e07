// Confidence band of a ROC curve as pROC's ci.se(roc, specificities, boot.stratified = TRUE):
// sensitivity at fixed specificities in stratified bootstrap replicates (controls and cases
// resampled separately, the direction of the original curve kept), then the quantiles of each
// specificity's replicate sensitivities. pROC draws with R's RNG; here the replicates come from
// the project's seeded generator, so the band is a pure function of (data, seed, replicates).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "radhpc/stats/roc.hpp"

namespace radhpc::stats {

// pROC coords(roc, x = specificity, input = "specificity", ret = "sensitivity"): the points
// ordered by specificity ascending (sensitivity descending among equals); an exact match gives
// the highest sensitivity at that specificity, otherwise linear interpolation between the last
// point below and the first point above.
double sensitivity_at_specificity(const RocCurve& curve, double specificity);
// The same at several specificities (the points are ordered once).
std::vector<double> sensitivity_at_specificities(const RocCurve& curve, std::span<const double> specificities);

// Replicate `index` of a stratified bootstrap: positions (into `scores`) of the drawn controls
// followed by the drawn cases, each group drawn with replacement to its own size. Draws from
// Rng(derive_seed(seed, index)): controls first, then cases (pROC's order in stratified.ci.se).
std::vector<std::size_t> stratified_resample(std::span<const int> outcome, std::uint64_t seed, std::uint64_t index);

struct SensitivityBand {
    std::vector<double> specificities;
    std::vector<double> lower, median, upper;  // quantile type 7 (R's default) of the replicates
    int replicates = 0;
};

// `direction` automatic is resolved once on the original data (as pROC's roc() does) and kept
// for every replicate. level: e.g. 0.95 -> quantiles 0.025, 0.5, 0.975.
SensitivityBand sensitivity_band(std::span<const double> scores, std::span<const int> outcome,
                                 std::span<const double> specificities, int replicates, std::uint64_t seed,
                                 double level = 0.95, Direction direction = Direction::controls_lower);

}  // namespace radhpc::stats
