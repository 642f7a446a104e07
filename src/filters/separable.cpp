// Separable IBSI 2 filters: mean, Laplacian of Gaussian, Laws kernels (+ energy map).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numbers>

#include "internal.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::filters {

using detail::Kernel1D;

namespace {

int dims(Dim d) { return d == Dim::volume3d ? 3 : 2; }

std::array<Kernel1D, 3> box(int support, Dim dim) {
    if (support < 1 || support % 2 == 0)
        throw Error(ErrorKind::invalid_input, "mean filter support must be odd and positive, got " +
                                                  std::to_string(support));
    std::array<Kernel1D, 3> w;
    for (int a = 0; a < dims(dim); ++a) w[a] = Kernel1D(std::size_t(support), 1.0 / support);
    return w;
}

}  // namespace

Image mean_filter(const Image& image, int support, Boundary boundary, Dim dim) {
    return detail::convolve_separable(image, box(support, dim), boundary);
}

namespace detail {

LogTaps log_taps(const Geometry& g, double sigma_mm, double truncation, int d) {
    LogTaps k;
    for (int a = 0; a < d; ++a) {
        const double s = sigma_mm / g.spacing[a];
        const int radius = int(std::floor(truncation * s + 0.5));
        k.gauss[a].resize(std::size_t(2 * radius + 1));
        k.second[a].resize(k.gauss[a].size());
        for (int t = -radius; t <= radius; ++t) {
            const double gv = std::exp(-double(t) * t / (2 * s * s)) / std::sqrt(2 * std::numbers::pi * s * s);
            k.gauss[a][std::size_t(t + radius)] = gv;
            k.second[a][std::size_t(t + radius)] = (double(t) * t / (s * s) - 1.0) / (s * s) * gv;
        }
    }
    return k;
}

}  // namespace detail

Image log_filter(const Image& image, double sigma_mm, double truncation, Boundary boundary, Dim dim) {
    if (!(sigma_mm > 0) || !(truncation > 0))
        throw Error(ErrorKind::invalid_input, "LoG sigma and truncation must be positive");
    const int d = dims(dim);
    const auto [g, h] = detail::log_taps(image.geometry, sigma_mm, truncation, d);
    Image sum(image.geometry, 0.0);
    for (int a = 0; a < d; ++a) {
        std::array<Kernel1D, 3> w = g;
        w[a] = h[a];
        const Image term = detail::convolve_separable(image, w, boundary);
        for (std::size_t i = 0; i < sum.data.size(); ++i) sum.data[i] += term.data[i];
    }
    return sum;
}

namespace {

Kernel1D laws_kernel(const std::string& name) {
    static const std::map<std::string, Kernel1D> k{
        {"L3", {1, 2, 1}},          {"E3", {-1, 0, 1}},       {"S3", {-1, 2, -1}},
        {"L5", {1, 4, 6, 4, 1}},    {"E5", {-1, -2, 0, 2, 1}}, {"S5", {-1, 0, 2, 0, -1}},
        {"W5", {-1, 2, 0, -2, 1}},  {"R5", {1, -4, 6, -4, 1}}};
    const auto it = k.find(name);
    if (it == k.end()) throw Error(ErrorKind::invalid_input, "unknown Laws kernel '" + name + "'");
    Kernel1D w = it->second;
    double n2 = 0;
    for (double v : w) n2 += v * v;
    for (double& v : w) v /= std::sqrt(n2);  // unit L2 norm (IBSI 2)
    return w;
}

void pool(Image& acc, const Image& x, Pooling p, bool first) {
    if (first) {
        acc = x;
        return;
    }
    for (std::size_t i = 0; i < acc.data.size(); ++i)
        acc.data[i] = p == Pooling::max ? std::max(acc.data[i], x.data[i]) : acc.data[i] + x.data[i];
}

}  // namespace

Image laws_filter(const Image& image, const LawsParams& p) {
    const int d = dims(p.dim);
    std::string name = p.kernel;
    for (char& ch : name) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    if (name.size() != std::size_t(2 * d))
        throw Error(ErrorKind::invalid_input, "Laws kernel '" + p.kernel + "' must name " + std::to_string(d) +
                                                  " 1D kernels for a " + std::to_string(d) + "D filter");
    std::array<Kernel1D, 3> w;
    for (int a = 0; a < d; ++a) w[a] = laws_kernel(name.substr(std::size_t(2 * a), 2));

    Image out;
    if (!p.rotation_invariant) {
        out = detail::convolve_separable(image, w, p.boundary);
    } else {
        const auto rots = detail::rotations(p.dim);
        for (std::size_t r = 0; r < rots.size(); ++r)
            pool(out, detail::convolve_separable(image, detail::rotate(w, rots[r]), p.boundary), p.pooling, r == 0);
        if (p.pooling == Pooling::mean)
            for (double& v : out.data) v /= double(rots.size());
    }
    if (p.energy_distance >= 0) {
        for (double& v : out.data) v = std::abs(v);
        out = detail::convolve_separable(out, box(2 * p.energy_distance + 1, p.dim), p.boundary);
    }
    return out;
}

}  // namespace radhpc::filters
