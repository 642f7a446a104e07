// Internal (not installed): repeated_cv that also hands back the full-data path of each alpha, so
// that a procedure fitting the chosen alpha's full-data path (cv_tuned_elastic_net) need not fit
// it a second time. repeated_cv(x, y, patient, o) == repeated_cv_with_paths(x, y, patient, o, nullptr).
#pragma once
#include <vector>

#include "radhpc/stats/cv.hpp"

namespace radhpc::stats::detail {

// full_paths (if not null): set to one path per alpha, glmnet_binomial(x, y, o.glmnet with alpha).
RepeatedCvResult repeated_cv_with_paths(const Eigen::MatrixXd& x, std::span<const double> y,
                                        std::span<const int> patient, const RepeatedCvOptions& o,
                                        std::vector<GlmnetPath>* full_paths);

// The coefficients of `path` at `lambdas` by glmnet's lambda.interp (what predict_link_at applies):
// beta p x lambdas, a0 one per lambda.
void coefficients_at(const GlmnetPath& path, std::span<const double> lambdas, Eigen::MatrixXd& beta,
                     std::vector<double>& a0);

// cvm, cvsd (weighted by fold_weights), lambda.min and lambda.1se of a curve whose lambda,
// fold_values, fold_weights and measure are set, as cv_glmnet computes them.
void summarise_curve(CvCurve& c);

}  // namespace radhpc::stats::detail
