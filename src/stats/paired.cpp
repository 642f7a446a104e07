// Paired Wilcoxon signed-rank and t tests, transcribing R's wilcox.test.default and t.test.default
// (stats 4.2) for paired = TRUE and the default arguments.
#include "radhpc/stats/paired.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"
#include "radhpc/stats/roc.hpp"

namespace radhpc::stats {
namespace {

// x - y over the complete pairs (R: complete.cases(x, y)), then the non-NA differences (Inf - Inf).
std::vector<double> paired_differences(std::span<const double> x, std::span<const double> y, const char* who) {
    if (x.size() != y.size())
        throw Error(ErrorKind::invalid_input, std::string(who) + ": 'x' and 'y' must have the same length");
    std::vector<double> d;
    d.reserve(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::isnan(x[i]) || std::isnan(y[i])) continue;
        const double v = x[i] - y[i];
        if (!std::isnan(v)) d.push_back(v);
    }
    if (d.empty()) throw Error(ErrorKind::invalid_input, std::string(who) + ": no complete pair");
    return d;
}

// R's mean(): long double sum, then one refinement pass.
double r_mean(const std::vector<double>& v) {
    long double s = 0;
    for (double a : v) s += a;
    s /= (long double)v.size();
    long double t = 0;
    for (double a : v) t += a - s;
    return double(s + t / (long double)v.size());
}

}  // namespace

PairedTestResult wilcoxon_signed_rank(std::span<const double> x, std::span<const double> y) {
    auto d = paired_differences(x, y, "wilcoxon_signed_rank");
    PairedTestResult r;
    r.n_pairs = std::int64_t(d.size());
    const auto nonzero_end = std::remove(d.begin(), d.end(), 0.0);
    r.n_zero = std::int64_t(d.end() - nonzero_end);
    d.erase(nonzero_end, d.end());
    r.n = std::int64_t(d.size());
    const double n = double(d.size());
    std::vector<double> abs_d(d.size());
    std::transform(d.begin(), d.end(), abs_d.begin(), [](double v) { return std::fabs(v); });
    const auto ranks = midranks(abs_d);
    for (std::size_t i = 0; i < d.size(); ++i)
        if (d[i] > 0) r.statistic += ranks[i];
    // Tie groups of the absolute differences (R: table(r)).
    std::sort(abs_d.begin(), abs_d.end());
    double tie_term = 0;
    for (std::size_t i = 0; i < abs_d.size();) {
        std::size_t j = i;
        while (j + 1 < abs_d.size() && abs_d[j + 1] == abs_d[i]) ++j;
        const double t = double(j - i + 1);
        if (t > 1) r.ties = true;
        tie_term += t * t * t - t;
        i = j + 1;
    }
    if (n < 50 && !r.ties && r.n_zero == 0) {
        r.exact = true;
        r.p_value = std::min(2.0 * signrank_tail(r.statistic, int(n)), 1.0);
        return r;
    }
    double z = r.statistic - n * (n + 1) / 4.0;
    const double sigma = std::sqrt(n * (n + 1) * (2 * n + 1) / 24.0 - tie_term / 48.0);
    const double correction = z > 0 ? 0.5 : (z < 0 ? -0.5 : 0.0);
    z = (z - correction) / sigma;  // NaN when every difference is zero (0 / 0), as R
    r.p_value = std::isnan(z) ? std::numeric_limits<double>::quiet_NaN()
                              : 2.0 * std::min(normal_cdf(z), normal_upper(z));
    return r;
}

PairedTestResult paired_t_test(std::span<const double> x, std::span<const double> y, double level) {
    if (!(level > 0 && level < 1)) throw Error(ErrorKind::invalid_input, "paired_t_test: level must be in (0, 1)");
    const auto d = paired_differences(x, y, "paired_t_test");
    if (d.size() < 2) throw Error(ErrorKind::invalid_input, "paired_t_test: not enough pairs");
    PairedTestResult r;
    r.n = r.n_pairs = std::int64_t(d.size());
    const double n = double(d.size());
    const double mean = r_mean(d);
    long double ss = 0;
    for (double v : d) ss += (long double)(v - mean) * (v - mean);
    const double var = double(ss / (n - 1));
    const double se = std::sqrt(var / n);
    if (se < 10 * std::numeric_limits<double>::epsilon() * std::fabs(mean))
        throw Error(ErrorKind::invalid_input, "paired_t_test: data are essentially constant");
    r.estimate = mean;
    r.df = n - 1;
    r.statistic = mean / se;
    if (std::isnan(r.statistic)) {  // every difference zero: 0 / 0, as R (t, p and interval NaN)
        r.p_value = r.lower = r.upper = std::numeric_limits<double>::quiet_NaN();
        return r;
    }
    r.p_value = 2.0 * student_t_cdf(-std::fabs(r.statistic), r.df);
    const double q = student_t_quantile(1.0 - (1.0 - level) / 2.0, r.df);
    r.lower = (r.statistic - q) * se;  // R: (tstat + c(-cint, cint)) * stderr
    r.upper = (r.statistic + q) * se;
    return r;
}

}  // namespace radhpc::stats
