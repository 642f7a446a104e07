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

}  // namespace radhpc::stats::detail
