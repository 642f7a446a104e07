// Internal (not installed): the Efron partial-likelihood pass shared by cox_ph, cox_zph and the
// per-stratum terms of federated Cox (cox_efron_terms), and the survival input check.
#pragma once
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <vector>

#include "radhpc/core/error.hpp"

namespace radhpc::stats::detail {

inline void check_survival(std::span<const double> time, std::span<const int> status, std::size_t n) {
    if (time.size() != n || status.size() != n) throw Error(ErrorKind::invalid_input, "survival: length mismatch");
    for (std::size_t i = 0; i < n; ++i) {
        if (std::isnan(time[i])) throw Error(ErrorKind::invalid_input, "survival: NaN time");
        if (status[i] != 0 && status[i] != 1) throw Error(ErrorKind::invalid_input, "survival: status must be 0/1");
    }
}

// Efron partial likelihood pieces at one evaluation of eta, visiting each distinct event time.
// For tied deaths d at t: den_k = S0(R) - (k/d) S0(D), k = 0..d-1;
// loglik += sum_D eta - sum_k log den_k;  U += sum_D x - sum_k a_k;  I += sum_k [S2_k/den_k - a_k a_k'].
// `visit(t, weight_factor...)` lets cox.zph reuse the per-time information.
template <class PerTime>
double efron_pass(const Eigen::MatrixXd& x, std::span<const double> time, std::span<const int> status,
                  const Eigen::VectorXd& eta, Eigen::VectorXd* score, Eigen::MatrixXd* info, PerTime&& per_time) {
    const Eigen::Index n = x.rows(), p = x.cols();
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return time[std::size_t(a)] > time[std::size_t(b)]; });
    double s0 = 0, loglik = 0;
    Eigen::VectorXd s1 = Eigen::VectorXd::Zero(p);
    Eigen::MatrixXd s2 = Eigen::MatrixXd::Zero(p, p);
    if (score) score->setZero(p);
    if (info) info->setZero(p, p);
    Eigen::VectorXd u_t(p), d1(p), a(p);
    Eigen::MatrixXd i_t(p, p), d2(p, p);
    for (std::size_t pos = 0; pos < order.size();) {
        const double t = time[std::size_t(order[pos])];
        std::size_t end = pos;
        double d0 = 0;
        int deaths = 0;
        d1.setZero();
        d2.setZero();
        u_t.setZero();
        double eta_deaths = 0;
        while (end < order.size() && time[std::size_t(order[end])] == t) {
            const Eigen::Index i = order[end];
            const double r = std::exp(eta(i));
            s0 += r;
            s1 += r * x.row(i).transpose();
            s2.noalias() += r * x.row(i).transpose() * x.row(i);
            if (status[std::size_t(i)]) {
                ++deaths;
                d0 += r;
                d1 += r * x.row(i).transpose();
                d2.noalias() += r * x.row(i).transpose() * x.row(i);
                eta_deaths += eta(i);
                u_t += x.row(i).transpose();
            }
            ++end;
        }
        if (deaths > 0) {
            i_t.setZero();
            loglik += eta_deaths;
            for (int k = 0; k < deaths; ++k) {
                const double f = double(k) / deaths;
                const double den = s0 - f * d0;
                a = (s1 - f * d1) / den;
                loglik -= std::log(den);
                u_t -= a;
                i_t += (s2 - f * d2) / den - a * a.transpose();
            }
            if (score) *score += u_t;
            if (info) *info += i_t;
            per_time(t, u_t, i_t);
        }
        pos = end;
    }
    return loglik;
}

}  // namespace radhpc::stats::detail
