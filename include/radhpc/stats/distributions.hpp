// Probability distributions needed by the statistics engine (no external maths library).
// Accuracy targets are those of R's nmath for the ranges used by tests (about 1e-13 relative).
#pragma once
#include <cstdint>
#include <vector>

namespace radhpc::stats {

double normal_cdf(double x);            // Phi(x)
double normal_upper(double x);          // 1 - Phi(x), without cancellation
double normal_quantile(double p);       // Phi^-1(p), Wichura AS 241 (as R's qnorm)

double log_beta(double a, double b);
double beta_cdf(double x, double a, double b);       // regularised incomplete beta I_x(a, b)
double beta_quantile(double p, double a, double b);  // x with I_x(a, b) = p
double gamma_p(double a, double x);                  // regularised lower incomplete gamma P(a, x)
double gamma_q(double a, double x);                  // 1 - P(a, x)

double chisq_upper(double x, double df);             // P(X > x), X ~ chi^2_df
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);
double f_cdf(double x, double df1, double df2);
double f_upper(double x, double df1, double df2);
double f_quantile(double p, double df1, double df2);

// Exact null distribution of the Wilcoxon rank-sum statistic W (= U of the first sample) for
// sample sizes m and n without ties: P(W <= q). Same definition as R's pwilcox.
double wilcoxon_cdf(double q, int m, int n);

// Exact null distribution of the Wilcoxon signed-rank statistic V (sum of the ranks of the positive
// differences among n without ties or zeros): P(V <= q), q rounded as R does. Same definition as
// R's psignrank; the counts of subsets of {1..n} by sum (R's csignrank) are exact for n <= 52.
double signrank_cdf(double q, int n);
// The smaller tail min(P(V <= v), P(V >= v)) summed on the short side (no cancellation).
double signrank_tail(double v, int n);

}  // namespace radhpc::stats
