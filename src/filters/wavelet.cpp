// Undecimated separable wavelets of IBSI 2 (sub-band, à trous decomposition, rotation invariance).
#include <cctype>

#include "internal.hpp"
#include "wavelet_table.hpp"
#include "radhpc/core/error.hpp"

namespace radhpc::filters {

using detail::Kernel1D;

WaveletFilters wavelet_filters(const std::string& name) {
    for (const auto& e : detail::wavelet_table())
        if (e.name == name) return {e.dec_lo, e.dec_hi};
    throw Error(ErrorKind::invalid_input, "unknown wavelet '" + name + "' (PyWavelets discrete wavelet names)");
}

bool known_wavelet(const std::string& name) {
    for (const auto& e : detail::wavelet_table())
        if (e.name == name) return true;
    return false;
}

std::vector<std::string> wavelet_names() {
    std::vector<std::string> out;
    for (const auto& e : detail::wavelet_table()) out.push_back(e.name);
    return out;
}

Image wavelet_filter(const Image& image, const WaveletParams& p) {
    const int d = p.dim == Dim::volume3d ? 3 : 2;
    if (p.subband.size() != std::size_t(d))
        throw Error(ErrorKind::invalid_input, "wavelet sub-band '" + p.subband + "' must have one letter per axis (" +
                                                  std::to_string(d) + ")");
    if (p.level < 1 || p.level > 16)
        throw Error(ErrorKind::invalid_input, "wavelet level must be 1 .. 16, got " + std::to_string(p.level));
    const WaveletFilters f = wavelet_filters(p.wavelet);
    const Kernel1D lo = detail::odd_kernel(f.dec_lo), hi = detail::odd_kernel(f.dec_hi);
    std::array<Kernel1D, 3> band, low;
    for (int a = 0; a < d; ++a) {
        const char ch = char(std::toupper(static_cast<unsigned char>(p.subband[std::size_t(a)])));
        if (ch != 'L' && ch != 'H')
            throw Error(ErrorKind::invalid_input, "wavelet sub-band '" + p.subband + "': letters must be L or H");
        band[a] = ch == 'L' ? lo : hi;
        low[a] = lo;
    }
    // The whole chain (low-pass levels, then the sub-band) is rotated as one filter.
    auto chain = [&](const detail::AxisRotation& r) {
        const auto rb = detail::rotate(band, r), rl = detail::rotate(low, r);
        Image x = image;
        for (int level = 1; level <= p.level; ++level) {
            const int holes = (1 << (level - 1)) - 1;
            const auto& w = level < p.level ? rl : rb;
            std::array<Kernel1D, 3> dw;
            for (int a = 0; a < 3; ++a) dw[a] = detail::dilated(w[a], holes);
            x = detail::convolve_separable(x, dw, p.boundary);
        }
        return x;
    };
    if (!p.rotation_invariant) return chain(detail::AxisRotation{});
    const auto rots = detail::rotations(p.dim);
    Image out;
    for (std::size_t r = 0; r < rots.size(); ++r) {
        const Image x = chain(rots[r]);
        if (r == 0) {
            out = x;
            continue;
        }
        for (std::size_t i = 0; i < out.data.size(); ++i)
            out.data[i] = p.pooling == Pooling::max ? std::max(out.data[i], x.data[i]) : out.data[i] + x.data[i];
    }
    if (p.pooling == Pooling::mean)
        for (double& v : out.data) v /= double(rots.size());
    return out;
}

}  // namespace radhpc::filters
