// PyRadiomics 3.1 image types without ITK: Wavelet (PyRadiomics' _swt3 over pywt.swtn), Square,
// SquareRoot, Logarithm, Exponential and LBP2D (skimage.feature.local_binary_pattern).
// See include/radhpc/filters/pyradiomics.hpp for the semantics and where each fact comes from.
#include "radhpc/filters/pyradiomics.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "radhpc/core/error.hpp"
#include "radhpc/filters/filters.hpp"

namespace radhpc::filters::pyradiomics {

namespace {

// ---- one level of pywt.swt along one axis ---------------------------------------------------------

// pywt's downsampling_convolution_periodization with step 1, fstep 1 (swt level 1): output o is
// position i = o + F/2 of the periodic convolution. pywt sums taps 0..F-1 in order while i < N;
// for i >= N its loops first take taps i-N, i-N-1, ..., 0 (input indices 0, 1, ...), then taps
// i-N+1 .. F-1. Each term is filter[t] * input[(i - t) mod N], accumulated from 0 in double.
struct TapPlan {
    std::size_t n = 0, taps = 0;
    std::vector<std::int32_t> tap;   // n * taps: filter tap of term k of output o
    std::vector<std::int64_t> src;   // n * taps: input index of that term
};

TapPlan tap_plan(std::size_t n, std::size_t F) {
    TapPlan p;
    p.n = n;
    p.taps = F;
    p.tap.resize(n * F);
    p.src.resize(n * F);
    const auto N = static_cast<std::int64_t>(n);
    for (std::size_t o = 0; o < n; ++o) {
        const std::int64_t i = static_cast<std::int64_t>(o + F / 2);
        std::size_t k = o * F;
        auto add = [&](std::int64_t t) {
            p.tap[k] = static_cast<std::int32_t>(t);
            p.src[k] = (((i - t) % N) + N) % N;
            ++k;
        };
        if (i < N) {
            for (std::int64_t t = 0; t < static_cast<std::int64_t>(F); ++t) add(t);
        } else {
            for (std::int64_t t = i - N; t >= 0; --t) add(t);
            for (std::int64_t t = i - N + 1; t < static_cast<std::int64_t>(F); ++t) add(t);
        }
    }
    return p;
}

struct Dims {
    std::size_t n[3];
    std::size_t count() const { return n[0] * n[1] * n[2]; }
};

// out = one SWT pass of `in` along `axis` with filter `f` (plan for that axis' length).
void swt_pass(const std::vector<double>& in, std::vector<double>& out, const Dims& d, int axis,
              const std::vector<double>& f, const TapPlan& plan) {
    out.assign(d.count(), 0.0);
    const std::size_t nx = d.n[0], ny = d.n[1], nz = d.n[2], F = plan.taps;
    if (axis == 0) {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, ny * nz), [&](const auto& r) {
            for (std::size_t line = r.begin(); line != r.end(); ++line) {
                const double* src = in.data() + line * nx;
                double* dst = out.data() + line * nx;
                for (std::size_t o = 0; o < nx; ++o) {
                    const std::int32_t* tp = plan.tap.data() + o * F;
                    const std::int64_t* sp = plan.src.data() + o * F;
                    double sum = 0;
                    for (std::size_t k = 0; k < F; ++k) sum += f[tp[k]] * src[sp[k]];
                    dst[o] = sum;
                }
            }
        });
        return;
    }
    // y or z: one output row of nx voxels per task item, accumulated tap by tap (same order per voxel).
    const std::size_t rows = ny * nz;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, rows), [&](const auto& r) {
        for (std::size_t row = r.begin(); row != r.end(); ++row) {
            const std::size_t y = row % ny, z = row / ny;
            const std::size_t o = axis == 1 ? y : z;
            double* dst = out.data() + row * nx;
            const std::int32_t* tp = plan.tap.data() + o * F;
            const std::int64_t* sp = plan.src.data() + o * F;
            for (std::size_t k = 0; k < F; ++k) {
                const double w = f[tp[k]];
                const std::size_t s = static_cast<std::size_t>(sp[k]);
                const double* src = in.data() + nx * (axis == 1 ? (s + ny * z) : (y + ny * s));
                for (std::size_t x = 0; x < nx; ++x) dst[x] += w * src[x];
            }
        }
    });
}

Image crop(const std::vector<double>& padded, const Dims& pd, const Geometry& g) {
    Image out(g);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y) {
            const double* src = padded.data() + pd.n[0] * (y + pd.n[1] * z);
            std::copy(src, src + g.size[0], out.data.data() + out.index(0, y, z));
        }
    return out;
}

// One pywt.swtn(level=1) over `axes` (radhpc axes, in pywt's order); `full` false: only the
// all-low-pass band. Returns the bands in pywt's dict order ('a' before 'd' per axis, first axis first).
std::vector<std::pair<std::string, std::vector<double>>> swtn_level1(
    const std::vector<double>& data, const Dims& d, const std::vector<int>& axes,
    const WaveletFilters& w, const std::array<TapPlan, 3>& plans, bool full) {
    std::vector<std::pair<std::string, std::vector<double>>> cur;
    cur.emplace_back("", data);
    for (int axis : axes) {
        const std::size_t nb = full ? 2 : 1;
        std::vector<std::pair<std::string, std::vector<double>>> next(cur.size() * nb);
        tbb::parallel_for(std::size_t(0), next.size(), [&](std::size_t j) {
            const auto& [name, src] = cur[j / nb];
            const bool hi = (j % nb) == 1;
            next[j].first = name + (hi ? "d" : "a");
            swt_pass(src, next[j].second, d, axis, hi ? w.dec_hi : w.dec_lo, plans[axis]);
        });
        cur = std::move(next);
    }
    return cur;
}

std::vector<int> wavelet_axes(const WaveletSettings& s) {
    // PyRadiomics: axes = [Nd-1, ..., 0] (numpy), minus force2Ddimension with force2D; numpy axis a
    // is radhpc axis 2 - a, so the order is x, y, z.
    std::vector<int> axes{0, 1, 2};
    if (s.force2D) {
        if (s.force2Ddimension < 0 || s.force2Ddimension > 2)
            throw Error(ErrorKind::settings, "force2Ddimension must be 0, 1 or 2");
        axes.erase(std::find(axes.begin(), axes.end(), 2 - s.force2Ddimension));
    }
    return axes;
}

std::string letters(const std::string& pywt_key) {
    std::string out = pywt_key;
    for (char& c : out) c = c == 'a' ? 'L' : 'H';
    return out;
}

double max_abs(const Image& im) {
    double m = 0;
    bool first = true;
    for (double v : im.data) {
        const double a = std::fabs(v);
        if (first || a > m || std::isnan(a)) m = a;  // numpy's max propagates NaN
        first = false;
        if (std::isnan(m)) break;
    }
    return m;
}

template <class F>
void map_parallel(Image& im, F f) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, im.data.size(), 1 << 16), [&](const auto& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) im.data[i] = f(im.data[i]);
    });
}

}  // namespace

// ---- Wavelet -------------------------------------------------------------------------------------

Swt3Result _swt3(const Image& image, const WaveletSettings& s) {
    if (s.level < 1) throw Error(ErrorKind::settings, "Wavelet: level must be >= 1");
    if (s.start_level < 0) throw Error(ErrorKind::settings, "Wavelet: start_level must be >= 0");
    const WaveletFilters w = wavelet_filters(s.wavelet);
    const std::vector<int> axes = wavelet_axes(s);
    const Geometry& g = image.geometry;
    if (g.voxel_count() == 0) throw Error(ErrorKind::invalid_input, "Wavelet: empty image");

    // np.pad(data, [(0, n % 2)], "wrap"): an odd axis gets its first voxel appended.
    Dims pd{{g.size[0] + g.size[0] % 2, g.size[1] + g.size[1] % 2, g.size[2] + g.size[2] % 2}};
    std::vector<double> data(pd.count());
    for (std::size_t z = 0; z < pd.n[2]; ++z)
        for (std::size_t y = 0; y < pd.n[1]; ++y)
            for (std::size_t x = 0; x < pd.n[0]; ++x)
                data[x + pd.n[0] * (y + pd.n[1] * z)] =
                    image.at(x % g.size[0], y % g.size[1], z % g.size[2]);

    std::array<TapPlan, 3> plans;
    for (int a : axes) plans[a] = tap_plan(pd.n[a], w.dec_lo.size());

    for (int i = 0; i < s.start_level; ++i) data = std::move(swtn_level1(data, pd, axes, w, plans, false)[0].second);

    Swt3Result res;
    const std::string approx_key(axes.size(), 'a');
    for (int i = 0; i < s.level; ++i) {
        auto bands = swtn_level1(data, pd, axes, w, plans, true);
        Swt3Level lvl;
        lvl.details.resize(bands.size() - 1);
        tbb::parallel_for(std::size_t(1), bands.size(), [&](std::size_t b) {
            lvl.details[b - 1] = DerivedImage{letters(bands[b].first), crop(bands[b].second, pd, g)};
        });
        if (bands[0].first != approx_key) throw Error(ErrorKind::internal, "swtn: approximation not first");
        data = std::move(bands[0].second);
        res.levels.push_back(std::move(lvl));
    }
    res.approximation = crop(data, pd, g);
    return res;
}

std::vector<DerivedImage> getWaveletImage(const Image& image, const WaveletSettings& s) {
    Swt3Result r = _swt3(image, s);
    std::vector<DerivedImage> out;
    for (std::size_t k = 0; k < r.levels.size(); ++k)
        for (auto& d : r.levels[k].details)
            out.push_back({(k == 0 ? std::string("wavelet-") : "wavelet" + std::to_string(k + 1) + "-") + d.name,
                           std::move(d.image)});
    const std::string lll(wavelet_axes(s).size(), 'L');
    out.push_back({(r.levels.size() == 1 ? std::string("wavelet-") : "wavelet" + std::to_string(r.levels.size()) + "-") + lll,
                   std::move(r.approximation)});
    return out;
}

// ---- intensity maps --------------------------------------------------------------------------------

DerivedImage getSquareImage(const Image& image) {
    DerivedImage d{"square", image};
    const double coeff = 1 / std::sqrt(max_abs(image));
    map_parallel(d.image, [coeff](double x) {
        const double v = coeff * x;
        return v * v;
    });
    return d;
}

DerivedImage getSquareRootImage(const Image& image) {
    DerivedImage d{"squareroot", image};
    const double coeff = max_abs(image);
    map_parallel(d.image, [coeff](double x) {
        if (x > 0) return std::sqrt(x * coeff);
        if (x < 0) return -std::sqrt(-x * coeff);
        return x;
    });
    return d;
}

DerivedImage getLogarithmImage(const Image& image) {
    DerivedImage d{"logarithm", image};
    const double im_max = max_abs(image);
    map_parallel(d.image, [](double x) {
        if (x > 0) return std::log(x + 1);
        if (x < 0) return -std::log(-(x - 1));
        return x;
    });
    const double scale = im_max / max_abs(d.image);
    map_parallel(d.image, [scale](double x) { return x * scale; });
    return d;
}

DerivedImage getExponentialImage(const Image& image) {
    DerivedImage d{"exponential", image};
    const double im_max = max_abs(image);
    const double coeff = std::log(im_max) / im_max;
    map_parallel(d.image, [coeff](double x) { return std::exp(coeff * x); });
    return d;
}

// ---- LBP2D -----------------------------------------------------------------------------------------

std::vector<double> local_binary_pattern(const double* image, std::size_t rows, std::size_t cols, int P,
                                         double R_in, const std::string& method_name) {
    char method;
    if (method_name == "default") method = 'D';
    else if (method_name == "ror") method = 'R';
    else if (method_name == "uniform") method = 'U';
    else if (method_name == "nri_uniform") method = 'N';
    else if (method_name == "var") method = 'V';
    else throw Error(ErrorKind::settings, "lbp2DMethod: unknown method '" + method_name + "'");
    if (P < 1 || P > 30) throw Error(ErrorKind::settings, "lbp2DSamples must be in 1..30");
    // skimage 0.19.3: _local_binary_pattern(double[:, ::1] image, int P, float R, char method)
    const double R = static_cast<double>(static_cast<float>(R_in));
    std::vector<double> rp(P), cp(P);
    for (int i = 0; i < P; ++i) {
        const double a = 2 * std::numbers::pi * static_cast<double>(i) / P;
        rp[i] = std::rint(-R * std::sin(a) * 1e5) / 1e5;  // np.round(x, 5) = rint(x * 1e5) / 1e5
        cp[i] = std::rint(R * std::cos(a) * 1e5) / 1e5;
    }
    std::vector<double> out(rows * cols, 0.0);
    const auto nr = static_cast<std::int64_t>(rows), nc = static_cast<std::int64_t>(cols);
    auto pixel = [&](std::int64_t r, std::int64_t c) {
        return (r < 0 || r >= nr || c < 0 || c >= nc) ? 0.0 : image[r * nc + c];
    };
    std::vector<double> texture(P);
    std::vector<signed char> st(P);
    std::vector<int> chain(P);
    for (std::int64_t r = 0; r < nr; ++r)
        for (std::int64_t c = 0; c < nc; ++c) {
            for (int i = 0; i < P; ++i) {
                const double rr = static_cast<double>(r) + rp[i], cc = static_cast<double>(c) + cp[i];
                const auto minr = static_cast<std::int64_t>(std::floor(rr)), minc = static_cast<std::int64_t>(std::floor(cc));
                const auto maxr = static_cast<std::int64_t>(std::ceil(rr)), maxc = static_cast<std::int64_t>(std::ceil(cc));
                const double dr = rr - static_cast<double>(minr), dc = cc - static_cast<double>(minc);
                const double top = (1 - dc) * pixel(minr, minc) + dc * pixel(minr, maxc);
                const double bottom = (1 - dc) * pixel(maxr, minc) + dc * pixel(maxr, maxc);
                texture[i] = (1 - dr) * top + dr * bottom;
            }
            const double centre = image[r * nc + c];
            for (int i = 0; i < P; ++i) st[i] = texture[i] - centre >= 0 ? 1 : 0;
            double lbp = 0;
            if (method == 'V') {
                double sum = 0, var = 0;
                for (int i = 0; i < P; ++i) {
                    sum += texture[i];
                    var += texture[i] * texture[i];
                }
                var = (var - (sum * sum) / P) / P;
                lbp = var != 0 ? var : std::numeric_limits<double>::quiet_NaN();
            } else if (method == 'U' || method == 'N') {
                int changes = 0;
                for (int i = 0; i < P - 1; ++i) changes += (st[i] - st[i + 1]) != 0;
                if (method == 'N') {
                    if (changes <= 2) {
                        int n_ones = 0, first_one = -1, first_zero = -1;
                        for (int i = 0; i < P; ++i) {
                            if (st[i]) {
                                ++n_ones;
                                if (first_one == -1) first_one = i;
                            } else if (first_zero == -1) {
                                first_zero = i;
                            }
                        }
                        if (n_ones == 0) lbp = 0;
                        else if (n_ones == P) lbp = P * (P - 1) + 1;
                        else {
                            const int rot = first_one == 0 ? n_ones - first_zero : P - first_one;
                            lbp = 1 + (n_ones - 1) * P + rot;
                        }
                    } else {
                        lbp = P * (P - 1) + 2;
                    }
                } else {
                    if (changes <= 2) {
                        for (int i = 0; i < P; ++i) lbp += st[i];
                    } else {
                        lbp = P + 1;
                    }
                }
            } else {
                for (int i = 0; i < P; ++i) lbp += st[i] * static_cast<double>(1 << i);
                if (method == 'R') {
                    chain[0] = static_cast<int>(lbp);
                    for (int i = 1; i < P; ++i) chain[i] = (chain[i - 1] >> 1) | ((chain[i - 1] & 1) << (P - 1));
                    int m = chain[0];
                    for (int i = 1; i < P; ++i) m = std::min(m, chain[i]);
                    lbp = m;
                }
            }
            out[r * nc + c] = lbp;
        }
    return out;
}

DerivedImage getLBP2DImage(const Image& image, const LBP2DSettings& s, const PixelType& stored_as) {
    if (s.force2Ddimension < 0 || s.force2Ddimension > 2)
        throw Error(ErrorKind::settings, "force2Ddimension must be 0, 1 or 2");
    // Validate the method once, outside the parallel loop.
    { const double one = 0; (void)local_binary_pattern(&one, 1, 1, s.samples, s.radius, s.method); }
    DerivedImage d{"lbp-2D", image};
    const std::size_t nx = image.nx(), ny = image.ny(), nz = image.nz();
    // swapaxes(0, d) of the (z, y, x) array: slices along radhpc axis 2 - d; (rows, cols) axes:
    const int slice_axis = 2 - s.force2Ddimension;
    const int row_axis = slice_axis == 2 ? 1 : (slice_axis == 1 ? 2 : 1);
    const int col_axis = slice_axis == 2 ? 0 : (slice_axis == 1 ? 0 : 2);
    const std::size_t n[3] = {nx, ny, nz};
    const std::size_t rows = n[row_axis], cols = n[col_axis];
    // numpy's float64 -> integer assignment is a C cast; on x86-64 gcc converts through a 32-bit
    // cvttsd2si (NaN and out-of-range values become INT32_MIN) and keeps the low bits for 8- and
    // 16-bit types.
    auto cast = [&](double v) {
        if (stored_as.integer) {
            const std::int64_t t = (std::isnan(v) || v >= 2147483648.0 || v <= -2147483649.0)
                                       ? std::int64_t(INT32_MIN)
                                       : static_cast<std::int64_t>(std::trunc(v));
            const double width = stored_as.max - stored_as.min + 1;
            if (width == 256.0 || width == 65536.0) {
                const auto w = static_cast<std::int64_t>(width), lo = static_cast<std::int64_t>(stored_as.min);
                return static_cast<double>((((t - lo) % w) + w) % w + lo);
            }
            return static_cast<double>(t);
        }
        if (stored_as.float32) return static_cast<double>(static_cast<float>(v));
        return v;
    };
    tbb::parallel_for(std::size_t(0), n[slice_axis], [&](std::size_t sl) {
        std::vector<double> buf(rows * cols);
        std::size_t idx[3];
        idx[slice_axis] = sl;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c) {
                idx[row_axis] = r;
                idx[col_axis] = c;
                buf[r * cols + c] = image.at(idx[0], idx[1], idx[2]);
            }
        const std::vector<double> lbp = local_binary_pattern(buf.data(), rows, cols, s.samples, s.radius, s.method);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c) {
                idx[row_axis] = r;
                idx[col_axis] = c;
                d.image.at(idx[0], idx[1], idx[2]) = cast(lbp[r * cols + c]);
            }
    });
    return d;
}

}  // namespace radhpc::filters::pyradiomics
