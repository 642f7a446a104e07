// Federated Cox regression (issue 17): a Cox model stratified by site (each site its own baseline
// hazard, common coefficients), fitted by Newton-Raphson where every evaluation is a SUM over
// sites of per-site aggregates: the log partial likelihood (1), the score (p) and the information
// (p x p), sizes that depend on the number of covariates only. The stratified partial likelihood
// is by definition that sum, so the federated fit equals the pooled stratified fit up to
// floating-point summation order; nothing is approximated.
//
// Rounds of the protocol: (0) each site sends n and the column sums of x, the coordinator forms
// the pooled column means `center` (coxph centres by them; the partial likelihood does not depend
// on the centring, it only conditions exp()); then per Newton evaluation the coordinator sends
// beta and sums the sites' cox_efron_terms. cox_ph_from_terms drives that loop through
// `evaluate`. CoxTerms has plain fields for the messages.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <span>

#include "radhpc/stats/survival.hpp"

namespace radhpc::stats {

struct CoxTerms {
    double loglik = 0;
    Eigen::VectorXd score;        // gradient of loglik in beta (p)
    Eigen::MatrixXd information;  // negative Hessian (p x p)
    std::int64_t n = 0, events = 0;
};

// One stratum's (one site's) Efron log partial likelihood, gradient and information (negative
// Hessian) at beta; x (n x p) is centred by `center` (the pooled column means, as coxph centres)
// before use. status: 1 = event, 0 = censored. The same Efron pass as cox_ph's.
CoxTerms cox_efron_terms(const Eigen::MatrixXd& x, std::span<const double> time, std::span<const int> status,
                         const Eigen::VectorXd& beta, const Eigen::VectorXd& center);
// Adds b's loglik, score, information, n and events to a's (an empty a takes b's dimensions).
CoxTerms& operator+=(CoxTerms& a, const CoxTerms& b);

// The Newton-Raphson of cox_ph (it is cox_ph's; one implementation): start at beta = 0, solve
// I step = U, halve the step while the log-likelihood decreases (up to 30 times), stop when
// |1 - loglik_old / loglik_new| < 1e-14 or the largest |step| < 1e-13, at most 100 iterations.
// (This is tighter than coxph's default eps = 1e-9 / iter.max = 20; the R oracles run coxph with
// eps = 1e-14, iter.max = 100 so both sit at the optimum.) Each evaluation asks `evaluate(beta)`
// for the SUM over strata of cox_efron_terms. Returns coef, se, variance, HR CIs at `level`,
// logliks, Wald/LR/score tests; linear_predictor left empty.
CoxResult cox_ph_from_terms(int p, const std::function<CoxTerms(const Eigen::VectorXd&)>& evaluate, double level = 0.95);

// The pooled reference: stratified Cox on all rows (strata = site, any integer labels), Efron ties
// (coxph(Surv(time, status) ~ x + strata(site), ties = "efron")), implemented by calling
// cox_ph_from_terms with the local sum of cox_efron_terms over the strata, centred at the column
// means of all rows. linear_predictor = (x - means) coef.
CoxResult cox_ph_stratified(const Eigen::MatrixXd& x, std::span<const double> time, std::span<const int> status,
                            std::span<const int> strata, double level = 0.95);

}  // namespace radhpc::stats
