#include "radhpc/stats/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/distributions.hpp"

namespace radhpc::stats {

HosmerLemeshow hosmer_lemeshow(std::span<const double> y, std::span<const double> prob, int g) {
    if (y.size() != prob.size() || y.empty()) throw Error(ErrorKind::invalid_input, "hosmer_lemeshow: lengths");
    std::vector<double> p(prob.begin(), prob.end());
    std::vector<double> breaks;
    for (int k = 0; k <= g; ++k) breaks.push_back(quantile_type7(p, double(k) / g));
    breaks.erase(std::unique(breaks.begin(), breaks.end()), breaks.end());
    const std::size_t ng = breaks.size() - 1;
    std::vector<double> obs1(ng, 0), obs0(ng, 0), exp1(ng, 0), exp0(ng, 0);
    for (std::size_t i = 0; i < y.size(); ++i) {
        // right-closed intervals (b_k, b_k+1], the first one closed on the left
        std::size_t k = std::size_t(std::lower_bound(breaks.begin() + 1, breaks.end(), prob[i]) - (breaks.begin() + 1));
        k = std::min(k, ng - 1);
        obs1[k] += y[i];
        obs0[k] += 1.0 - y[i];
        exp1[k] += prob[i];
        exp0[k] += 1.0 - prob[i];
    }
    HosmerLemeshow h;
    for (std::size_t k = 0; k < ng; ++k)
        h.chisq += (obs1[k] - exp1[k]) * (obs1[k] - exp1[k]) / exp1[k] + (obs0[k] - exp0[k]) * (obs0[k] - exp0[k]) / exp0[k];
    h.groups = int(ng);
    h.df = int(ng) - 2;
    h.p_value = chisq_upper(h.chisq, h.df);
    return h;
}

double binomial_aic(std::span<const double> y, std::span<const double> prob, int k) {
    double ll = 0;
    for (std::size_t i = 0; i < y.size(); ++i) ll += y[i] > 0.5 ? std::log(prob[i]) : std::log1p(-prob[i]);
    return -2.0 * ll + 2.0 * k;
}

namespace {
// Newton iterations for logit P(y) = a + b * lp (fit_slope) or a + lp (offset only).
void recalibrate(std::span<const double> y, std::span<const double> lp, bool fit_slope, double& a, double& b) {
    a = 0;
    b = fit_slope ? 0.0 : 1.0;
    for (int it = 0; it < 100; ++it) {
        double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            const double mu = 1.0 / (1.0 + std::exp(-(a + b * lp[i])));
            const double w = mu * (1.0 - mu), r = y[i] - mu;
            g0 += r;
            g1 += r * lp[i];
            h00 += w;
            h01 += w * lp[i];
            h11 += w * lp[i] * lp[i];
        }
        double da, db = 0;
        if (fit_slope) {
            const double det = h00 * h11 - h01 * h01;
            da = (h11 * g0 - h01 * g1) / det;
            db = (h00 * g1 - h01 * g0) / det;
        } else {
            da = g0 / h00;
        }
        a += da;
        b += db;
        if (std::fabs(da) + std::fabs(db) < 1e-13 * (1.0 + std::fabs(a) + std::fabs(b))) break;
    }
}
}  // namespace

Calibration calibration(std::span<const double> y, std::span<const double> lp) {
    if (y.size() != lp.size()) throw Error(ErrorKind::invalid_input, "calibration: lengths");
    Calibration c;
    recalibrate(y, lp, true, c.slope_intercept, c.slope);
    double unit = 1;
    recalibrate(y, lp, false, c.intercept, unit);
    return c;
}

}  // namespace radhpc::stats
