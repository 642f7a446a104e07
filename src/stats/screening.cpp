#include "radhpc/stats/screening.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/roc.hpp"

namespace radhpc::stats {

PatientScores aggregate_by_patient(std::span<const double> score, std::span<const double> outcome,
                                   std::span<const int> patient, Aggregation how) {
    if (score.size() != patient.size() || outcome.size() != patient.size())
        throw Error(ErrorKind::invalid_input, "aggregate_by_patient: lengths");
    std::map<int, std::vector<std::size_t>> rows;
    for (std::size_t i = 0; i < patient.size(); ++i) rows[patient[i]].push_back(i);
    PatientScores out;
    for (const auto& [pid, idx] : rows) {
        std::vector<double> v;
        double y = 0;
        for (std::size_t i : idx) {
            v.push_back(score[i]);
            y = std::max(y, outcome[i]);
        }
        double s = 0;
        switch (how) {
            case Aggregation::mean: s = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); break;
            case Aggregation::min: s = *std::min_element(v.begin(), v.end()); break;
            case Aggregation::max: s = *std::max_element(v.begin(), v.end()); break;
            case Aggregation::median: {
                std::sort(v.begin(), v.end());
                const std::size_t n = v.size();
                s = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
                break;
            }
        }
        out.patient.push_back(pid);
        out.score.push_back(s);
        out.outcome.push_back(y);
        out.n_lesions.push_back(int(idx.size()));
    }
    return out;
}

std::vector<double> p_adjust_bonferroni(std::span<const double> p) {
    std::vector<double> out(p.size());
    for (std::size_t i = 0; i < p.size(); ++i) out[i] = std::min(1.0, p[i] * double(p.size()));
    return out;
}

std::vector<double> p_adjust_bh(std::span<const double> p) {
    // Sorted decreasingly: q_(i) = min_{j >= i} (m / j) p_(j), capped at 1.
    const std::size_t m = p.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return p[a] > p[b]; });
    std::vector<double> out(m);
    double running = std::numeric_limits<double>::infinity();
    for (std::size_t r = 0; r < m; ++r) {
        const double rank = double(m - r);  // i = m, m-1, ..., 1
        running = std::min(running, double(m) / rank * p[order[r]]);
        out[order[r]] = std::min(1.0, running);
    }
    return out;
}

double spearman(std::span<const double> a, std::span<const double> b) {
    if (a.size() != b.size() || a.size() < 2) throw Error(ErrorKind::invalid_input, "spearman: lengths");
    const auto ra = midranks(a), rb = midranks(b);
    const double n = double(a.size());
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return sab / std::sqrt(saa * sbb);
}

std::vector<FeatureScreen> screen_features(const Eigen::MatrixXd& x, std::span<const double> y,
                                           std::span<const double> volume) {
    const Eigen::Index n = x.rows(), p = x.cols();
    if (Eigen::Index(y.size()) != n) throw Error(ErrorKind::invalid_input, "screen_features: lengths");
    std::vector<int> outcome(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) outcome[i] = int(y[i]);
    std::vector<FeatureScreen> out(static_cast<std::size_t>(p));
    tbb::parallel_for(Eigen::Index(0), p, [&](Eigen::Index j) {
        std::vector<double> col(x.col(j).data(), x.col(j).data() + n), cases, controls;
        for (Eigen::Index i = 0; i < n; ++i) (outcome[std::size_t(i)] ? cases : controls).push_back(col[std::size_t(i)]);
        auto& f = out[std::size_t(j)];
        f.mann_whitney_p = mann_whitney(cases, controls).p_value;
        f.auc = auc(col, outcome);
        f.spearman_volume = volume.empty() ? std::numeric_limits<double>::quiet_NaN() : spearman(col, volume);
    });
    std::vector<double> ps;
    for (const auto& f : out) ps.push_back(f.mann_whitney_p);
    const auto bonf = p_adjust_bonferroni(ps), bh = p_adjust_bh(ps);
    for (std::size_t j = 0; j < out.size(); ++j) {
        out[j].p_bonferroni = bonf[j];
        out[j].p_bh = bh[j];
    }
    return out;
}

}  // namespace radhpc::stats
