// Survival analysis with R survival's semantics: Cox proportional hazards (Efron ties) with Wald
// intervals, Harrell's C (survival::concordance), Kaplan-Meier with Greenwood standard errors and
// log-scale intervals (survfit defaults), the log-rank test (survdiff) and the proportional-hazards
// score test on KM-transformed time (cox.zph, survival >= 3).
#pragma once
#include <Eigen/Dense>
#include <span>
#include <vector>

#include "radhpc/stats/diagnostic.hpp"

namespace radhpc::stats {

struct CoxResult {
    Eigen::VectorXd coef, se;     // log hazard ratios and sqrt(diag(I^-1))
    Eigen::MatrixXd variance;     // I^-1 at the estimate
    std::vector<Estimate> hazard_ratio;  // exp(coef) with exp(coef +- z se)
    double loglik_null = 0, loglik = 0;
    double wald_chisq = 0;        // coef' I coef
    double lr_chisq = 0;          // 2 (loglik - loglik_null)
    double score_chisq = 0;       // U(0)' I(0)^-1 U(0), the score (log-rank) test
    int iterations = 0;
    Eigen::VectorXd linear_predictor;  // x beta, centred at the column means (as coxph)
};

// status: 1 = event, 0 = censored.
CoxResult cox_ph(const Eigen::MatrixXd& x, std::span<const double> time, std::span<const int> status,
                 double level = 0.95);

// Harrell's C for a risk score (higher = shorter survival): (concordant + ties_in_score/2) /
// comparable pairs; pairs tied in event time are not comparable, a censored time tied with an
// event time counts as later (survival::concordance(..., reverse = TRUE), timewt = "n").
double harrell_c(std::span<const double> time, std::span<const int> status, std::span<const double> risk);

struct KaplanMeier {
    std::vector<double> time, n_risk, n_event, n_censor, surv, std_err, lower, upper;
};
// survfit(Surv(time, status) ~ 1): one row per distinct time; std_err = sqrt(sum d/(n(n-d)))
// (standard error of the cumulative hazard); CI exp(log S +- z std_err), upper capped at 1.
KaplanMeier kaplan_meier(std::span<const double> time, std::span<const int> status, double level = 0.95);

struct SurvivalAt {
    double surv = 1, std_err = 0, lower = 1, upper = 1;
};
// The KM step function at time t (right-continuous; 1 before the first time), as
// summary(survfit, times = t) for t within the follow-up.
SurvivalAt survival_at(const KaplanMeier& km, double t);

struct LogRankResult {
    std::vector<int> groups;                  // ascending labels
    std::vector<double> observed, expected;
    double chisq = 0, p_value = 1;
    int df = 0;
};
LogRankResult log_rank(std::span<const double> time, std::span<const int> status, std::span<const int> group);

struct ZphResult {
    std::vector<double> chisq, p_value;  // per covariate (df 1)
    double global_chisq = 0, global_p = 1;
};
enum class ZphTransform { km, rank, identity, log };
// cox.zph(fit, transform): score test for x * g(t) at (beta_hat, 0) with the full Efron
// information; g = 1 - KM(t-) (km, the default), rank(t) over all subjects, t, or log t,
// centred at its mean over the events.
ZphResult cox_zph(const Eigen::MatrixXd& x, std::span<const double> time, std::span<const int> status,
                  const CoxResult& fit, ZphTransform transform = ZphTransform::km);

}  // namespace radhpc::stats
