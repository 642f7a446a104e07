// Discretisation (IBSI 1 section 2.7; PyRadiomics imageoperations.getBinEdges/binImage).
#include <algorithm>
#include <cmath>

#include "radhpc/core/error.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::preprocess {
namespace {

// numpy.digitize(x, edges) with right=False: i such that edges[i-1] <= x < edges[i].
std::int32_t digitize(double x, const std::vector<double>& edges) {
    return std::int32_t(std::upper_bound(edges.begin(), edges.end(), x) - edges.begin());
}

// More bins than this is a settings or input mistake (a bin width far below the intensity range, or
// a stray voxel of 1e9): refused before the edges or any histogram are allocated.
constexpr double kMaxBins = 1 << 20;

void check_bin_count(double bins, double mn, double mx, const char* what) {
    if (!(bins <= kMaxBins))  // also NaN
        throw Error(ErrorKind::settings, std::string("discretisation: ") + what + " gives " +
                                             (std::isfinite(bins) ? std::to_string(std::llround(bins)) : std::string("unbounded")) +
                                             " bins for ROI intensities " + std::to_string(mn) + " .. " + std::to_string(mx) +
                                             "; the limit is 1048576 (check the bin width/count and the image's intensities)");
}

void check_settings(const DiscretisationSettings& s) {
    if (s.method == BinningMethod::fixed_bin_size && !(std::isfinite(s.bin_width) && s.bin_width > 0))
        throw Error(ErrorKind::settings, "discretisation: bin width " + std::to_string(s.bin_width) + " must be a finite number > 0");
    if (s.method == BinningMethod::fixed_bin_number && !(s.bin_count >= 1 && s.bin_count <= kMaxBins))
        throw Error(ErrorKind::settings, "discretisation: bin count " + std::to_string(s.bin_count) + " must be between 1 and 1048576");
}

// PyRadiomics bin edges, reproducing numpy's arithmetic so edge cases land in the same bin.
std::vector<double> pyradiomics_edges(double mn, double mx, const DiscretisationSettings& s) {
    std::vector<double> edges;
    if (s.method == BinningMethod::fixed_bin_number) {
        // numpy.histogram(values, binCount)[1]: linspace(min, max, n+1); last edge += 1.
        double lo = mn, hi = mx;
        if (lo == hi) { lo -= 0.5; hi += 0.5; }
        const int n = s.bin_count;
        const double step = (hi - lo) / n;
        for (int i = 0; i <= n; ++i) edges.push_back(lo + i * step);
        edges.back() = hi + 1.0;
        return edges;
    }
    const double w = s.bin_width;
    // lowBound = minimum - (minimum % binWidth), Python's modulo (sign of the divisor)
    double mod = std::fmod(mn, w);
    if (mod != 0 && ((mod < 0) != (w < 0))) mod += w;
    const double low = mn - mod;
    const double high = mx + 2 * w;
    // numpy.arange(low, high, w): length ceil((high-low)/w), values low + i*delta, delta=(low+w)-low
    const double n_edges = std::ceil((high - low) / w);
    check_bin_count(n_edges, mn, mx, "the bin width");  // also catches an infinite or NaN range (w near 1e308)
    const auto len = std::size_t(n_edges);
    const double delta = (low + w) - low;
    for (std::size_t i = 0; i < len; ++i) edges.push_back(low + double(i) * delta);
    if (edges.size() == 1) edges = {edges[0] - 0.5, edges[0] + 0.5};
    return edges;
}

}  // namespace

std::vector<std::int32_t> discretise_values(std::span<const double> values, const DiscretisationSettings& s,
                                            Profile profile, const ResegmentSettings& reseg, int* n_levels,
                                            double* min_bound, double* bin_width) {
    if (values.empty()) throw Error(ErrorKind::empty_roi, "discretisation: ROI is empty");
    const auto [mn_it, mx_it] = std::minmax_element(values.begin(), values.end());
    const double mn = *mn_it, mx = *mx_it;
    if (!std::isfinite(mn) || !std::isfinite(mx))
        throw Error(ErrorKind::invalid_input, "discretisation: the ROI holds NaN or infinite intensities");
    if (!std::isfinite(mx - mn) || std::abs(mn) > 1e300 || std::abs(mx) > 1e300)
        throw Error(ErrorKind::invalid_input, "discretisation: ROI intensities " + std::to_string(mn) + " .. " + std::to_string(mx) +
                                                  " are out of any image's range");
    check_settings(s);
    std::vector<std::int32_t> out(values.size());
    int ng = 0;
    double lo = mn, w = 0;

    if (s.method == BinningMethod::none) {
        // Intensities are already grey levels (IBSI digital phantom).
        if (!(mn >= 1 && mx <= kMaxBins))
            throw Error(ErrorKind::settings, "discretisation none: ROI intensities " + std::to_string(mn) + " .. " + std::to_string(mx) +
                                                 " are not grey levels 1 .. 1048576");
        for (std::size_t i = 0; i < values.size(); ++i) out[i] = std::int32_t(std::lround(values[i]));
        ng = int(std::lround(mx));
        lo = 0.5;
        w = 1;
    } else if (profile == Profile::pyradiomics) {
        const auto edges = pyradiomics_edges(mn, mx, s);
        // The edges are increasing and (nearly) equally spaced, so the bin is guessed arithmetically and
        // then moved until edges[i-1] <= x < edges[i] holds: exactly numpy.digitize's answer without a
        // branchy binary search per voxel.
        const double e0 = edges.front(), step = edges.size() > 1 ? edges[1] - edges[0] : 1.0;
        const auto n_edges = std::int64_t(edges.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            const double x = values[i];
            if (!(x == x) || !(step > 0)) {  // NaN, or a degenerate step: the plain search
                out[i] = digitize(x, edges);
                continue;
            }
            const double guess = std::floor((x - e0) / step) + 1.0;
            std::int64_t b = guess < 0 ? 0 : guess > double(n_edges) ? n_edges : std::int64_t(guess);
            while (b < n_edges && edges[std::size_t(b)] <= x) ++b;
            while (b > 0 && edges[std::size_t(b - 1)] > x) --b;
            out[i] = std::int32_t(b);
        }
        ng = *std::max_element(out.begin(), out.end());
        lo = edges.front();
        w = edges.size() > 1 ? edges[1] - edges[0] : 1;
    } else if (s.method == BinningMethod::fixed_bin_number) {
        // IBSI FBN: X_d = floor(Ng (X - min) / (max - min)) + 1, and X = max -> Ng.
        ng = s.bin_count;
        w = (mx - mn) / ng;
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (mx == mn) out[i] = 1;
            else if (values[i] >= mx) out[i] = ng;
            else out[i] = std::int32_t(std::floor(ng * (values[i] - mn) / (mx - mn))) + 1;
        }
    } else {
        // IBSI FBS: X_d = floor((X - X_min) / w) + 1, X_min = lower re-segmentation bound or ROI min.
        w = s.bin_width;
        lo = s.min_bound ? *s.min_bound : (reseg.range_min ? *reseg.range_min : mn);
        const double hi = reseg.range_max ? std::max(mx, *reseg.range_max) : mx;
        check_bin_count((hi - lo) / w + 1, lo, hi, "the bin width");
        if (mn < lo)
            throw Error(ErrorKind::settings, "discretisation: ROI intensity " + std::to_string(mn) + " lies below the lowest bin's bound " +
                                                 std::to_string(lo) + " (discretisation min_bound)");
        for (std::size_t i = 0; i < values.size(); ++i)
            out[i] = std::int32_t(std::floor((values[i] - lo) / w)) + 1;
        // With an upper re-segmentation bound the discretised range is fixed: Ng = bin of that bound.
        const int present = *std::max_element(out.begin(), out.end());
        ng = reseg.range_max ? std::max(present, int(std::floor((*reseg.range_max - lo) / w)) + 1) : present;
    }
    if (n_levels) *n_levels = ng;
    if (min_bound) *min_bound = lo;
    if (bin_width) *bin_width = w;
    return out;
}

Discretised discretise(const Image& image, const Mask& roi, const DiscretisationSettings& s, Profile profile,
                       const ResegmentSettings& reseg) {
    std::vector<double> values;
    std::vector<std::size_t> where;
    const auto n_roi = std::size_t(std::count_if(roi.data.begin(), roi.data.end(), [](std::uint8_t v) { return v != 0; }));
    values.reserve(n_roi);  // no regrowth copies (and fresh pages) of volume-sized vectors
    where.reserve(n_roi);
    for (std::size_t i = 0; i < roi.data.size(); ++i)
        if (roi.data[i]) {
            values.push_back(image.data[i]);
            where.push_back(i);
        }
    Discretised d;
    d.levels = GreyLevels(image.geometry, 0);
    auto q = discretise_values(values, s, profile, reseg, &d.n_levels, &d.min_bound, &d.bin_width);
    for (std::size_t k = 0; k < where.size(); ++k) d.levels.data[where[k]] = q[k];
    return d;
}

}  // namespace radhpc::preprocess
