// Calibration and fit of binary-outcome models: Hosmer-Lemeshow (decile groups as
// ResourceSelection::hoslem.test), AIC, calibration slope and intercept (logistic recalibration).
#pragma once
#include <span>

namespace radhpc::stats {

struct HosmerLemeshow {
    double chisq = 0, p_value = 1;
    int groups = 0, df = 0;
};
// Groups: cut(prob, breaks = unique(quantile(prob, 0:g/g)), include.lowest = TRUE);
// chi^2 = sum over groups and both outcomes of (O - E)^2 / E; df = groups - 2.
HosmerLemeshow hosmer_lemeshow(std::span<const double> y, std::span<const double> prob, int g = 10);

// -2 log L + 2 k for a Bernoulli model with predicted probabilities `prob` and k parameters.
double binomial_aic(std::span<const double> y, std::span<const double> prob, int n_parameters);

struct Calibration {
    double slope = 1, slope_intercept = 0;  // glm(y ~ lp): intercept and slope
    double intercept = 0;                   // calibration-in-the-large: glm(y ~ offset(lp))
};
// lp: the model's linear predictor (logit of predicted probability).
Calibration calibration(std::span<const double> y, std::span<const double> lp);

}  // namespace radhpc::stats
