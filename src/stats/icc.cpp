#include "radhpc/stats/icc.hpp"

#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"

namespace radhpc::stats {

IccResult icc(const Eigen::MatrixXd& x, double alpha) {
    const double n = double(x.rows()), k = double(x.cols());
    if (x.rows() < 2 || x.cols() < 2) throw Error(ErrorKind::invalid_input, "icc: need >= 2 subjects and raters");
    if (!x.allFinite()) throw Error(ErrorKind::invalid_input, "icc: missing ratings");
    // Two-way ANOVA sums of squares.
    const double grand = x.mean();
    const Eigen::VectorXd row_mean = x.rowwise().mean();
    const Eigen::RowVectorXd col_mean = x.colwise().mean();
    const double ss_rows = k * (row_mean.array() - grand).square().sum();
    const double ss_cols = n * (col_mean.array() - grand).square().sum();
    const double ss_total = (x.array() - grand).square().sum();
    const double ss_error = ss_total - ss_rows - ss_cols;
    IccResult r;
    const double msb = ss_rows / (n - 1), msj = ss_cols / (k - 1), mse = ss_error / ((n - 1) * (k - 1));
    const double msw = (ss_cols + ss_error) / ((k - 1) + (n - 1) * (k - 1));
    r.ms_subjects = msb;
    r.ms_raters = msj;
    r.ms_error = mse;
    r.ms_within = msw;
    const double icc1 = (msb - msw) / (msb + (k - 1) * msw);
    const double icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n);
    const double icc3 = (msb - mse) / (msb + (k - 1) * mse);
    const double icc1k = (msb - msw) / msb;
    const double icc2k = (msb - mse) / (msb + (msj - mse) / n);
    const double icc3k = (msb - mse) / msb;
    const double f11 = msb / msw, df11n = n - 1, df11d = n * (k - 1);
    const double f21 = msb / mse, df21n = n - 1, df21d = (n - 1) * (k - 1);
    const double p11 = f_upper(f11, df11n, df11d), p21 = f_upper(f21, df21n, df21d);
    const double q = 1.0 - alpha / 2.0;
    // One-way and consistency forms: bounds from F / F_crit (Shrout & Fleiss 1979).
    const double f1l = f11 / f_quantile(q, df11n, df11d), f1u = f11 * f_quantile(q, df11d, df11n);
    const double f3l = f21 / f_quantile(q, df21n, df21d), f3u = f21 * f_quantile(q, df21d, df21n);
    // Absolute agreement (ICC2): Satterthwaite-type df v for the approximate F.
    const double fj = msj / mse;
    const double vn = (k - 1) * (n - 1) * std::pow(k * icc2 * fj + n * (1 + (k - 1) * icc2) - k * icc2, 2);
    const double vd = (n - 1) * k * k * icc2 * icc2 * fj * fj + std::pow(n * (1 + (k - 1) * icc2) - k * icc2, 2);
    const double v = vn / vd;
    const double f2u = f_quantile(q, n - 1, v), f2l = f_quantile(q, v, n - 1);
    const double l2 = n * (msb - f2u * mse) / (f2u * (k * msj + (k * n - k - n) * mse) + n * msb);
    const double u2 = n * (f2l * msb - mse) / (k * msj + (k * n - k - n) * mse + n * f2l * msb);
    r.forms[0] = {icc1, f11, df11n, df11d, p11, (f1l - 1) / (f1l + (k - 1)), (f1u - 1) / (f1u + k - 1)};
    r.forms[1] = {icc2, f21, df21n, df21d, p21, l2, u2};
    r.forms[2] = {icc3, f21, df21n, df21d, p21, (f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)};
    r.forms[3] = {icc1k, f11, df11n, df11d, p11, 1 - 1 / f1l, 1 - 1 / f1u};
    r.forms[4] = {icc2k, f21, df21n, df21d, p21, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))};
    r.forms[5] = {icc3k, f21, df21n, df21d, p21, 1 - 1 / f3l, 1 - 1 / f3u};
    return r;
}

}  // namespace radhpc::stats
