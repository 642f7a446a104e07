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
#include <functional>
#include <limits>
#include <memory>
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

// Intermediate bands: uninitialised (every voxel is written once by its pass).
using Buf = std::unique_ptr<double[]>;
Buf make_buf(std::size_t n) { return Buf(new double[n]); }

// dst = 0 + w[0] src[0] + w[1] src[1] + ... over n voxels, the taps added in order (each voxel's
// arithmetic is pywt's), in blocks of 8 whose running sums stay in registers across the taps (a
// compile-time trip count, so GCC's -O2 vectoriser handles them).
void sum_taps(double* __restrict dst, const double* const* src, const double* w, std::size_t taps, std::size_t n) {
    std::size_t x = 0;
    for (; x + 8 <= n; x += 8) {
        double acc[8];
        for (std::size_t k = 0; k < 8; ++k) acc[k] = 0.0 + w[0] * src[0][x + k];
        for (std::size_t t = 1; t < taps; ++t) {
            const double* __restrict s = src[t] + x;
            const double wt = w[t];
            for (std::size_t k = 0; k < 8; ++k) acc[k] += wt * s[k];
        }
        for (std::size_t k = 0; k < 8; ++k) dst[x + k] = acc[k];
    }
    for (; x < n; ++x) {
        double acc = 0.0 + w[0] * src[0][x];
        for (std::size_t t = 1; t < taps; ++t) acc += w[t] * src[t][x];
        dst[x] = acc;
    }
}

// One SWT pass of `in` (dims d) along `axis` with filter `f` (plan for that axis' length), written
// to `out` of dims od <= d (along x only: od may exceed d along y and z, which then wrap: the padded
// grid's extra line is line 0, as np.pad "wrap" makes it) (the region x < od.n[0], y < od.n[1], z < od.n[2]: the crop back to the
// input size is done by the last pass itself).
void swt_pass(const double* in, const Dims& d, double* out, const Dims& od, int axis, const std::vector<double>& f,
              const TapPlan& plan) {
    const std::size_t nx = d.n[0], ny = d.n[1], F = plan.taps;
    const std::size_t onx = od.n[0], ony = od.n[1], onz = od.n[2];
    if (axis == 0) {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, ony * onz), [&](const auto& r) {
            for (std::size_t line = r.begin(); line != r.end(); ++line) {
                const std::size_t y = line % ony, z = line / ony;
                // (y, z) wrap: the first pass of a level may read the unpadded image (swt3_stream)
                const double* src = in + nx * ((y % ny) + ny * (z % d.n[2]));
                double* dst = out + line * onx;
                for (std::size_t o = 0; o < onx; ++o) {
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
    // y or z: one output row of onx voxels per task item, accumulated tap by tap (per voxel the same
    // order as pywt: 0 + term 0 + term 1 ...), vectorised along x.
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, ony * onz), [&](const auto& r) {
        std::vector<const double*> srcs(F);
        std::vector<double> ws(F);
        for (std::size_t row = r.begin(); row != r.end(); ++row) {
            const std::size_t y = row % ony, z = row / ony;
            const std::size_t o = axis == 1 ? y : z;
            const std::int32_t* tp = plan.tap.data() + o * F;
            const std::int64_t* sp = plan.src.data() + o * F;
            for (std::size_t k = 0; k < F; ++k) {
                ws[k] = f[tp[k]];
                const std::size_t s = static_cast<std::size_t>(sp[k]);
                srcs[k] = in + nx * (axis == 1 ? (s + ny * z) : (y + ny * s));
            }
            if (F > 0) sum_taps(out + row * onx, srcs.data(), ws.data(), F, onx);
        }
    });
}

Image crop(const double* padded, const Dims& pd, const Geometry& g) {
    Image out(g);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y) {
            const double* src = padded + pd.n[0] * (y + pd.n[1] * z);
            std::copy(src, src + g.size[0], out.data.data() + out.index(0, y, z));
        }
    return out;
}

// One pywt.swtn(level=1) over `axes` (radhpc axes, in pywt's order), depth first: the band tree
// (one split per axis, 'a' before 'd', first axis first) is walked so that at most one band per
// axis is held; the approximation (all 'a') is returned padded; with `emit` every detail band is
// computed too, cropped to g by its last pass, and handed over in pywt's dict order (aad, ada, add,
// daa, ...), named with L/H letters. Each band is the same swt_pass of the same input as a
// breadth-first walk would compute: the values do not depend on the order.
// `first`: when set, the first pass (along x) reads the unpadded image with its own plan (tap
// sources wrapped onto the image's x) instead of `data`, so the padded copy is never made.
struct UnpaddedSource {
    const double* data;
    Dims dims;
    const TapPlan* x_plan;
};
Buf swtn_level1(const double* data, const Dims& d, const std::vector<int>& axes, const WaveletFilters& w,
                const std::array<TapPlan, 3>& plans, const Geometry& g, const std::function<void(DerivedImage&&)>* emit,
                const UnpaddedSource* first = nullptr) {
    const Dims od{{g.size[0], g.size[1], g.size[2]}};
    Buf approx;
    auto descend = [&](auto&& self, const double* src, std::size_t ai, const std::string& key) -> void {
        const int axis = axes[ai];
        if (ai == 0 && first) {  // the x pass from the unpadded image, into padded bands
            for (int hi = 0; hi < (emit ? 2 : 1); ++hi) {
                Buf band = make_buf(d.count());
                swt_pass(first->data, first->dims, band.get(), d, 0, hi ? w.dec_hi : w.dec_lo, *first->x_plan);
                self(self, band.get(), 1, hi ? "d" : "a");
            }
            return;
        }
        const bool last = ai + 1 == axes.size();
        for (int hi = 0; hi < (emit ? 2 : 1); ++hi) {
            const std::string k = key + (hi ? 'd' : 'a');
            const auto& f = hi ? w.dec_hi : w.dec_lo;
            const bool all_low = k.find('d') == std::string::npos;
            if (last && !all_low) {  // a detail band: straight into its cropped image
                DerivedImage out{"", Image(g)};
                for (char c : k) out.name += c == 'a' ? 'L' : 'H';
                swt_pass(src, d, out.image.data.data(), od, axis, f, plans[axis]);
                (*emit)(std::move(out));
            } else if (last) {
                approx = make_buf(d.count());
                swt_pass(src, d, approx.get(), d, axis, f, plans[axis]);
            } else {
                Buf band = make_buf(d.count());
                swt_pass(src, d, band.get(), d, axis, f, plans[axis]);
                self(self, band.get(), ai + 1, k);
            }
        }
    };
    descend(descend, data, 0, "");
    return approx;
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


template <class F>
void map_parallel(Image& im, F f) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, im.data.size(), 1 << 16), [&](const auto& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) im.data[i] = f(im.data[i]);
    });
}

}  // namespace

// ---- Wavelet -------------------------------------------------------------------------------------

namespace {

// The transform of _swt3: the details of level k (0-based from start_level) go to emit(k, image), the
// last approximation (cropped) is returned.
Image swt3_stream(const Image& image, const WaveletSettings& s, const std::function<void(int, DerivedImage&&)>& emit) {
    if (s.level < 1) throw Error(ErrorKind::settings, "Wavelet: level must be >= 1");
    if (s.start_level < 0) throw Error(ErrorKind::settings, "Wavelet: start_level must be >= 0");
    const WaveletFilters w = wavelet_filters(s.wavelet);
    const std::vector<int> axes = wavelet_axes(s);
    const Geometry& g = image.geometry;
    if (g.voxel_count() == 0) throw Error(ErrorKind::invalid_input, "Wavelet: empty image");

    // np.pad(data, [(0, n % 2)], "wrap"): an odd axis gets its first voxel appended.
    Dims pd{{g.size[0] + g.size[0] % 2, g.size[1] + g.size[1] % 2, g.size[2] + g.size[2] % 2}};
    std::array<TapPlan, 3> plans;
    for (int a : axes) plans[a] = tap_plan(pd.n[a], w.dec_lo.size());

    // The first level's x pass reads the image itself (padded voxel x of line (y, z) is voxel
    // (x, y, z) mod the size, the same double): no padded copy of the image. Without an x pass first
    // (force2D leaving out x), the padded copy as before.
    Buf data;
    TapPlan x_raw;
    UnpaddedSource unpadded{image.data.data(), Dims{{g.size[0], g.size[1], g.size[2]}}, &x_raw};
    const bool from_image = axes.front() == 0 && axes.size() > 1;
    if (from_image) {
        x_raw = plans[0];
        for (auto& src : x_raw.src) src %= static_cast<std::int64_t>(g.size[0]);
    } else {
        data = make_buf(pd.count());
        for (std::size_t z = 0; z < pd.n[2]; ++z)
            for (std::size_t y = 0; y < pd.n[1]; ++y)
                for (std::size_t x = 0; x < pd.n[0]; ++x)
                    data[x + pd.n[0] * (y + pd.n[1] * z)] = image.at(x % g.size[0], y % g.size[1], z % g.size[2]);
    }
    bool first = from_image;

    for (int i = 0; i < s.start_level; ++i) {
        data = swtn_level1(data.get(), pd, axes, w, plans, g, nullptr, first ? &unpadded : nullptr);
        first = false;
    }

    for (int i = 0; i < s.level; ++i) {
        const std::function<void(DerivedImage&&)> level_emit = [&](DerivedImage&& d) { emit(i, std::move(d)); };
        data = swtn_level1(data.get(), pd, axes, w, plans, g, &level_emit, first ? &unpadded : nullptr);
        first = false;
    }
    return crop(data.get(), pd, g);
}

}  // namespace

Swt3Result _swt3(const Image& image, const WaveletSettings& s) {
    Swt3Result res;
    res.levels.resize(std::size_t(std::max(s.level, 0)));
    res.approximation = swt3_stream(image, s, [&](int k, DerivedImage&& d) { res.levels[std::size_t(k)].details.push_back(std::move(d)); });
    return res;
}

void forEachWaveletImage(const Image& image, const WaveletSettings& s, const std::function<void(DerivedImage&&)>& sink) {
    Image approximation = swt3_stream(image, s, [&](int k, DerivedImage&& d) {
        d.name = (k == 0 ? std::string("wavelet-") : "wavelet" + std::to_string(k + 1) + "-") + d.name;
        sink(std::move(d));
    });
    const std::string lll(wavelet_axes(s).size(), 'L');
    sink({(s.level == 1 ? std::string("wavelet-") : "wavelet" + std::to_string(s.level) + "-") + lll, std::move(approximation)});
}

std::vector<DerivedImage> getWaveletImage(const Image& image, const WaveletSettings& s) {
    std::vector<DerivedImage> out;
    forEachWaveletImage(image, s, [&](DerivedImage&& d) { out.push_back(std::move(d)); });
    return out;
}

// ---- intensity maps --------------------------------------------------------------------------------

DerivedImage getSquareImage(const Image& image, std::optional<double> whole_max_abs) {
    DerivedImage d{"square", image};
    const double coeff = 1 / std::sqrt(whole_max_abs ? *whole_max_abs : max_abs(image));
    map_parallel(d.image, [coeff](double x) {
        const double v = coeff * x;
        return v * v;
    });
    return d;
}

DerivedImage getSquareRootImage(const Image& image, std::optional<double> whole_max_abs) {
    DerivedImage d{"squareroot", image};
    const double coeff = whole_max_abs ? *whole_max_abs : max_abs(image);
    map_parallel(d.image, [coeff](double x) {
        if (x > 0) return std::sqrt(x * coeff);
        if (x < 0) return -std::sqrt(-x * coeff);
        return x;
    });
    return d;
}

DerivedImage getLogarithmImage(const Image& image, std::optional<double> whole_max_abs) {
    DerivedImage d{"logarithm", image};
    const double im_max = whole_max_abs ? *whole_max_abs : max_abs(image);
    map_parallel(d.image, [](double x) {
        if (x > 0) return std::log(x + 1);
        if (x < 0) return -std::log(-(x - 1));
        return x;
    });
    // max |map| over the whole image: |map(x)| = log(|x| + 1) grows with |x|, so it is the map of
    // im_max (the same operations: log(m + 1) for x = m, -log(-(x - 1)) = -log(m + 1) for x = -m)
    const double scale = whole_max_abs ? im_max / std::log(im_max + 1) : im_max / max_abs(d.image);
    map_parallel(d.image, [scale](double x) { return x * scale; });
    return d;
}

DerivedImage getExponentialImage(const Image& image, std::optional<double> whole_max_abs) {
    DerivedImage d{"exponential", image};
    const double im_max = whole_max_abs ? *whole_max_abs : max_abs(image);
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
