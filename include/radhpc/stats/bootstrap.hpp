// Bootstrap validation of a whole model-building procedure (Harrell's optimism correction and
// Efron & Tibshirani's .632+), resampling patients (all lesions of a drawn patient come along).
// Each replicate is an independent task: its sample is a pure function of (seed, replicate
// index), so replicates can run on any thread or MPI rank and be merged in index order.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "radhpc/stats/cv.hpp"

namespace radhpc::stats {

struct FittedModel {
    double intercept = 0;
    Eigen::VectorXd beta;  // original feature scale
    double alpha = 0, lambda = 0;  // tuning chosen by the procedure (0 for unpenalised fits)
    Eigen::VectorXd link(const Eigen::MatrixXd& x) const { return (x * beta).array() + intercept; }
};

// A model-building procedure: data of one (bootstrap) sample -> fitted model.
using ModelProcedure =
    std::function<FittedModel(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> patient)>;

// Unpenalised maximum-likelihood logistic regression (Newton-Raphson/IRLS to |step| < 1e-12),
// the model of rms::lrm / glm(family = binomial).
FittedModel logistic_regression(const Eigen::MatrixXd& x, std::span<const double> y);

// Elastic net at a fixed (alpha, lambda): glmnet(x, y, alpha, lambda).
ModelProcedure fixed_elastic_net(double alpha, double lambda, GlmnetOptions options = {});

// Elastic net tuned by repeated grouped CV over the alpha grid; coefficients from the full-data
// path at the chosen lambda (lambda_min, or lambda_1se if use_1se).
ModelProcedure cv_tuned_elastic_net(RepeatedCvOptions options, bool use_1se = false);

ModelProcedure unpenalised_logistic();

struct BootstrapReplicate {
    std::uint64_t index = 0;
    double auc_train = 0;  // model of replicate b on its own bootstrap sample
    double auc_test = 0;   // same model on the original data
    double auc_oob = 0;    // same model on the patients not drawn (NaN if one class only)
    FittedModel model;
    bool failed = false;   // the procedure could not be applied to this sample (e.g. one class only)
    std::string failure;   // its reason; failed replicates are left out of the summary, as rms does
};

// Patients drawn for replicate `index` (with replacement, as many as there are patients).
std::vector<int> bootstrap_patients(std::span<const int> patient, std::uint64_t seed, std::uint64_t index);

// Never throws for a sample the procedure cannot handle: the replicate is returned flagged `failed`.
BootstrapReplicate run_bootstrap_replicate(const Eigen::MatrixXd& x, std::span<const double> y,
                                           std::span<const int> patient, const ModelProcedure& procedure,
                                           std::uint64_t seed, std::uint64_t index);

struct PercentileCi {
    double lower = 0, upper = 0;
};

struct BootstrapResult {
    double apparent_auc = 0;
    double optimism = 0;          // mean(auc_train - auc_test)
    double optimism_sd = 0;       // SD of the per-replicate optimism (Monte-Carlo error = sd/sqrt(B))
    double corrected_auc = 0;     // apparent - optimism (Harrell)
    double oob_auc = 0;           // mean out-of-bag AUC
    double auc_632 = 0;           // 0.368 apparent + 0.632 oob
    double auc_632plus = 0;       // Efron & Tibshirani (1997), no-information AUC = 0.5
    PercentileCi auc_train_ci, auc_test_ci, optimism_ci;
    FittedModel apparent_model;
    std::vector<PercentileCi> coefficient_ci;  // intercept first, then features
    std::vector<BootstrapReplicate> replicates;  // in index order (failed ones included, flagged)
    int replicates_used = 0;                     // replicates that entered the summary
};

// Combines replicates (in any order; they are sorted by index) with the apparent model.
BootstrapResult summarise_bootstrap(const Eigen::MatrixXd& x, std::span<const double> y, FittedModel apparent,
                                    std::vector<BootstrapReplicate> replicates, double level = 0.95);

// B replicates in parallel (TBB). Same numbers for any thread count.
BootstrapResult bootstrap_validate(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> patient,
                                   const ModelProcedure& procedure, int replicates = 1000, std::uint64_t seed = 1,
                                   double level = 0.95);

// R's quantile(type = 7).
double quantile_type7(std::vector<double> values, double p);

}  // namespace radhpc::stats
