#include "radhpc/stats/federated_summary.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/distributions.hpp"

namespace radhpc::stats::federated {

// ---- DerSimonian-Laird ----------------------------------------------------------------------

MetaAnalysis meta_dersimonian_laird(std::span<const double> yi, std::span<const double> vi, double level) {
    if (yi.size() != vi.size() || yi.empty())
        throw Error(ErrorKind::invalid_input, "meta_dersimonian_laird: yi and vi need the same length >= 1");
    if (!(level > 0 && level < 1)) throw Error(ErrorKind::invalid_input, "meta_dersimonian_laird: level must lie in (0, 1)");
    for (std::size_t i = 0; i < yi.size(); ++i)
        if (!std::isfinite(yi[i]) || !std::isfinite(vi[i]) || !(vi[i] > 0))
            throw Error(ErrorKind::invalid_input, "meta_dersimonian_laird: estimate " + std::to_string(i + 1) +
                                                      " needs a finite yi and a finite vi > 0");
    const std::size_t k = yi.size();
    MetaAnalysis m;
    m.k = int(k);
    double sw = 0, sw2 = 0, swy = 0;
    for (std::size_t i = 0; i < k; ++i) {
        const double w = 1 / vi[i];
        sw += w;
        sw2 += w * w;
        swy += w * yi[i];
    }
    const double fixed = swy / sw;
    for (std::size_t i = 0; i < k; ++i) m.q += (yi[i] - fixed) * (yi[i] - fixed) / vi[i];
    const double df = double(k) - 1, c = sw - sw2 / sw;
    if (k > 1) {
        m.tau2 = std::max(0.0, (m.q - df) / c);
        m.q_p_value = chisq_upper(m.q, df);
        const double typical = df / c;  // metafor's "typical" within-study variance
        m.i2 = 100 * m.tau2 / (typical + m.tau2);
        m.h2 = (typical + m.tau2) / typical;
    }
    double sws = 0, swsy = 0;
    for (std::size_t i = 0; i < k; ++i) {
        const double w = 1 / (vi[i] + m.tau2);
        sws += w;
        swsy += w * yi[i];
    }
    m.estimate = swsy / sws;
    m.se = std::sqrt(1 / sws);
    m.z = m.estimate / m.se;
    m.p_value = 2 * normal_upper(std::abs(m.z));
    const double crit = normal_quantile(1 - (1 - level) / 2);
    m.lower = m.estimate - crit * m.se;
    m.upper = m.estimate + crit * m.se;
    for (std::size_t i = 0; i < k; ++i) m.weights.push_back(100 * (1 / (vi[i] + m.tau2)) / sws);
    return m;
}

// ---- histograms -----------------------------------------------------------------------------

std::int64_t Histogram::total() const {
    std::int64_t n = below + above;
    for (auto c : counts) n += c;
    return n;
}

Histogram histogram(std::span<const double> values, std::span<const double> edges) {
    if (edges.size() < 2) throw Error(ErrorKind::invalid_input, "histogram: need at least 2 edges");
    for (std::size_t i = 0; i < edges.size(); ++i)
        if (!std::isfinite(edges[i]) || (i > 0 && !(edges[i] > edges[i - 1])))
            throw Error(ErrorKind::invalid_input, "histogram: edges must be finite and strictly increasing");
    Histogram h;
    h.edges.assign(edges.begin(), edges.end());
    h.counts.assign(edges.size() - 1, 0);
    for (double v : values) {
        if (std::isnan(v)) {
            ++h.missing;
        } else if (v < edges.front()) {
            ++h.below;
        } else if (v > edges.back()) {
            ++h.above;
        } else {
            // first edge > v, minus one: the bin [e_i, e_{i+1}); v == the last edge goes to the last bin
            const auto it = std::upper_bound(edges.begin(), edges.end(), v);
            const std::size_t bin = std::min(std::size_t(it - edges.begin()) - 1, h.counts.size() - 1);
            ++h.counts[bin];
        }
    }
    return h;
}

Histogram& operator+=(Histogram& a, const Histogram& b) {
    if (a.edges != b.edges || a.counts.size() != b.counts.size())
        throw Error(ErrorKind::invalid_input, "histogram +=: the histograms have different edges");
    for (std::size_t i = 0; i < a.counts.size(); ++i) a.counts[i] += b.counts[i];
    a.below += b.below;
    a.above += b.above;
    a.missing += b.missing;
    return a;
}

namespace {

// below, counts..., above: the ordered bins of a histogram
std::vector<std::int64_t> ordered_bins(const Histogram& h) {
    std::vector<std::int64_t> bins;
    bins.reserve(h.counts.size() + 2);
    bins.push_back(h.below);
    bins.insert(bins.end(), h.counts.begin(), h.counts.end());
    bins.push_back(h.above);
    return bins;
}

}  // namespace

HistogramAuc auc_from_histograms(const Histogram& cases, const Histogram& controls) {
    if (cases.edges != controls.edges || cases.counts.size() != controls.counts.size())
        throw Error(ErrorKind::invalid_input, "auc_from_histograms: cases and controls have different edges");
    const auto c = ordered_bins(cases), d = ordered_bins(controls);
    const double n1 = double(cases.total()), n0 = double(controls.total());
    if (n1 == 0 || n0 == 0) throw Error(ErrorKind::invalid_input, "auc_from_histograms: need at least one case and one control");
    // pairs (case in bin b, control below b) + 1/2 pairs in the same bin; counts are exact in double up to 2^53
    double controls_below = 0, greater = 0, same = 0;
    for (std::size_t b = 0; b < c.size(); ++b) {
        greater += double(c[b]) * controls_below;
        same += double(c[b]) * double(d[b]);
        controls_below += double(d[b]);
    }
    const double pairs = n1 * n0;
    return {(greater + 0.5 * same) / pairs, 0.5 * same / pairs};
}

HistogramQuantile quantile_from_histogram(const Histogram& h, double probability) {
    if (!(probability >= 0 && probability <= 1))
        throw Error(ErrorKind::invalid_input, "quantile_from_histogram: probability must lie in [0, 1]");
    const std::int64_t n = h.total();
    if (n == 0) throw Error(ErrorKind::invalid_input, "quantile_from_histogram: the histogram has no non-missing value");
    const auto bins = ordered_bins(h);
    const std::size_t last = bins.size() - 1;
    constexpr double inf = std::numeric_limits<double>::infinity();
    // the bin holding order statistic r (0-based) and r's place in it
    struct Place {
        std::size_t bin;
        double value, lower, upper;
    };
    const auto place = [&](std::int64_t r) {
        std::int64_t before = 0;
        std::size_t b = 0;
        while (before + bins[b] <= r) before += bins[b++];
        if (b == 0) return Place{b, h.edges.front(), -inf, h.edges.front()};
        if (b == last) return Place{b, h.edges.back(), h.edges.back(), inf};
        const double lo = h.edges[b - 1], hi = h.edges[b];
        return Place{b, lo + (hi - lo) * (double(r - before) + 0.5) / double(bins[b]), lo, hi};
    };
    const double pos = double(n - 1) * probability;
    const auto j = std::min(std::int64_t(std::floor(pos)), n - 1);
    const Place a = place(j), b = place(std::min(j + 1, n - 1));
    const double frac = pos - double(j);
    return {a.value + frac * (b.value - a.value), a.lower, b.upper};
}

// ---- moments --------------------------------------------------------------------------------

double Moments::variance() const { return n < 2 ? std::numeric_limits<double>::quiet_NaN() : m2 / double(n - 1); }

Moments moments(std::span<const double> values) {
    Moments m;
    double sum = 0;
    for (double v : values) {
        if (std::isnan(v)) {
            ++m.missing;
            continue;
        }
        ++m.n;
        sum += v;
        m.min = std::min(m.min, v);
        m.max = std::max(m.max, v);
    }
    if (m.n == 0) return m;
    m.mean = sum / double(m.n);
    double ss = 0, s = 0;  // second pass with the rounding correction of the mean (Bjorck)
    for (double v : values)
        if (!std::isnan(v)) {
            ss += (v - m.mean) * (v - m.mean);
            s += v - m.mean;
        }
    m.mean += s / double(m.n);
    m.m2 = std::max(0.0, ss - s * s / double(m.n));
    return m;
}

Moments& operator+=(Moments& a, const Moments& b) {
    const std::int64_t n = a.n + b.n;
    if (b.n > 0) {
        if (a.n == 0) {
            a.mean = b.mean;
            a.m2 = b.m2;
        } else {
            const double delta = b.mean - a.mean, na = double(a.n), nb = double(b.n);
            a.mean += delta * nb / double(n);
            a.m2 += b.m2 + delta * delta * na * nb / double(n);
        }
    }
    a.n = n;
    a.missing += b.missing;
    a.min = std::min(a.min, b.min);
    a.max = std::max(a.max, b.max);
    return a;
}

}  // namespace radhpc::stats::federated
