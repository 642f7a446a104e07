// Internal (not installed): the data-dependent part of glmnet_binomial - validation, merging of
// identical rows, standardisation and the padded SIMD layout - prepared once and shared by fits
// of the same data with different alpha / lambda / penalty options (cv: every fold's training set
// is fitted once per alpha). glmnet_binomial(x, y, o, w) == glmnet_fit_prepared(*glmnet_prepare(x,
// y, o, w), o), bit for bit.
#pragma once
#include <memory>

#include "radhpc/stats/glmnet.hpp"

namespace radhpc::stats::detail {

struct GlmnetData;  // opaque

// Uses options.intercept and options.standardize (fits must use the same two) and checks alpha.
std::shared_ptr<const GlmnetData> glmnet_prepare(const Eigen::MatrixXd& x, std::span<const double> y,
                                                 const GlmnetOptions& options, std::span<const double> weights = {});

GlmnetPath glmnet_fit_prepared(const GlmnetData& data, const GlmnetOptions& options);

}  // namespace radhpc::stats::detail
