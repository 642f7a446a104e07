// glmnet's lognet2n settings and output shared by the naive (glmnet.cpp) and the covariance
// (federated_glmnet.cpp) solvers: option validation, lambda sequence settings, penalty factors,
// back-transformation to the original scale and fix.lam.
#include <algorithm>
#include <cmath>
#include <functional>

#include "glmnet_path.hpp"

namespace radhpc::stats::detail {

LognetSettings lognet_settings(const GlmnetOptions& o, Eigen::Index n_all, const std::vector<char>& ju) {
    const Eigen::Index ni = Eigen::Index(ju.size());
    if (o.alpha < 0 || o.alpha > 1) throw Error(ErrorKind::invalid_input, "glmnet: alpha outside [0,1]");
    LognetSettings in;
    in.ne = o.dfmax < 0 ? int(ni) + 1 : o.dfmax;
    in.nx = o.pmax < 0 ? int(std::min<Eigen::Index>(2 * Eigen::Index(in.ne) + 20, ni)) : o.pmax;
    if (o.lambda.empty()) {
        // glmnet's default uses nobs = nrow(x), i.e. before any merging or dropping
        in.flmin = o.lambda_min_ratio >= 0 ? o.lambda_min_ratio : (n_all < ni ? 0.01 : 1e-4);
        if (in.flmin >= 1) throw Error(ErrorKind::invalid_input, "glmnet: lambda_min_ratio must be < 1");
        in.nlam = o.nlambda;
    } else {
        in.flmin = 1.0;
        in.ulam = o.lambda;
        std::sort(in.ulam.begin(), in.ulam.end(), std::greater<>());
        in.nlam = int(in.ulam.size());
    }
    // Penalty factors rescaled to sum to the number of variables.
    Eigen::VectorXd vp = Eigen::VectorXd::Ones(ni);
    if (!o.penalty_factor.empty()) {
        if (Eigen::Index(o.penalty_factor.size()) != ni) throw Error(ErrorKind::invalid_input, "glmnet: penalty_factor");
        for (Eigen::Index j = 0; j < ni; ++j) vp(j) = std::max(0.0, o.penalty_factor[std::size_t(j)]);
        if (vp.maxCoeff() <= 0) throw Error(ErrorKind::invalid_input, "glmnet: all penalty factors zero");
    }
    vp *= double(ni) / vp.sum();
    in.vp = std::move(vp);
    if (std::none_of(ju.begin(), ju.end(), [](char c) { return c != 0; }))
        throw Error(ErrorKind::invalid_input, "glmnet: all predictors constant");
    in.ju = &ju;
    in.o = &o;
    return in;
}

GlmnetPath lognet_to_path(const LognetOutput& core, const LognetSettings& s, const Eigen::VectorXd& mean,
                          const Eigen::VectorXd& scale, double sw) {
    const GlmnetOptions& o = *s.o;
    const Eigen::Index ni = s.vp.size();
    GlmnetPath path;
    path.error_code = core.jerr;
    path.npasses = core.nlp;
    path.null_deviance = 2.0 * sw * core.dev0;
    const std::size_t lmu = core.a_path.size();
    path.beta = Eigen::MatrixXd::Zero(ni, Eigen::Index(lmu));
    for (std::size_t k = 0; k < lmu; ++k) {
        double a0 = core.a0_path[k];
        int df = 0;
        for (Eigen::Index j = 0; j < ni; ++j) {
            // back to the original scale: beta_j = a_j / xs_j, a0 = a0 - sum_j beta_j xm_j
            const double bj = core.a_path[k](j) / scale(j);
            path.beta(j, Eigen::Index(k)) = bj;
            if (o.intercept) a0 -= bj * mean(j);
            if (bj != 0.0) ++df;
        }
        path.intercept.push_back(o.intercept ? a0 : 0.0);
        path.df.push_back(df);
    }
    path.lambda = core.alm;
    path.dev_ratio = core.dev;
    // fix.lam: the first lambda (computed as "infinity") is reported as lambda_2^2 / lambda_3.
    if (s.flmin < 1.0 && path.lambda.size() > 2)
        path.lambda[0] = std::exp(2.0 * std::log(path.lambda[1]) - std::log(path.lambda[2]));
    return path;
}

}  // namespace radhpc::stats::detail
