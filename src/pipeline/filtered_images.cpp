// Filtered images of one lesion and the features of every image (see filtered_images.hpp).
#include "filtered_images.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <functional>
#include <numbers>

#include <tbb/task_group.h>

#include "radhpc/core/error.hpp"
#include "radhpc/features/families.hpp"
#include "radhpc/features/family.hpp"
#include "radhpc/filters/filters.hpp"
#include "radhpc/filters/pyradiomics.hpp"
#include "radhpc/pipeline/memory.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::pipeline::detail {
namespace {

filters::Boundary boundary_of(FilterBoundary b) {
    switch (b) {
        case FilterBoundary::zero: return filters::Boundary::zero;
        case FilterBoundary::nearest: return filters::Boundary::nearest;
        case FilterBoundary::periodic: return filters::Boundary::periodic;
        case FilterBoundary::mirror: return filters::Boundary::mirror;
    }
    return filters::Boundary::zero;
}
filters::Dim dim_of(const FilterSettings& f) { return f.dim3d ? filters::Dim::volume3d : filters::Dim::slice2d; }
filters::Pooling pooling_of(FilterPooling p) { return p == FilterPooling::max ? filters::Pooling::max : filters::Pooling::mean; }

// Gabor kernel half-width: the job's, else MIRP's rule on the whole grid (half its larger in-plane
// size), for every plane, so a part of the grid gets the kernel the whole image gets.
std::int64_t gabor_radius(const FilterSettings& f, const Geometry& whole) {
    return f.support_radius > 0 ? f.support_radius : std::int64_t(std::max(whole.size[0], whole.size[1]) / 2);
}

// The axes a filter acts along (2D filters: x and y; Gabor: x, y and, on orthogonal planes, z).
bool acts_along_z(const FilterSettings& f) { return f.kind == FilterKind::gabor ? f.orthogonal_planes : f.dim3d; }

// Half-width in taps of a Laws kernel name's 1D kernels (L3 E3 S3: 1; the 5-tap kernels: 2).
std::int64_t laws_radius(const std::string& kernel) {
    std::int64_t r = 0;
    for (std::size_t i = 1; i < kernel.size(); i += 2) r = std::max<std::int64_t>(r, (kernel[i] - '0') / 2);
    return r;
}

// Working memory of one filter on `work` (checked against the budget before it runs): Simoncelli
// holds the (extended) grid as complex doubles; the others a few images of `work`'s size.
// Half-width in taps of a LoG kernel along axis a, as filters::log_filter and riesz_filter round it.
std::int64_t log_half_width(const FilterSettings& f, const Geometry& g, int a) {
    return std::int64_t(std::floor(f.truncation * (f.sigma_mm / g.spacing[std::size_t(a)]) + 0.5));
}

double filter_bytes(const FilterSettings& f, const Image& work) {
    double voxels = double(work.data.size());
    if (f.kind == FilterKind::riesz && f.riesz_base == FilterKind::log) {
        // the image and the kernel, as complex spectra on the grid padded by the kernel's half width
        double padded = 1, kernel = 1;
        for (int a = 0; a < 3; ++a) {
            const double h = double(log_half_width(f, work.geometry, a));
            padded *= double(work.geometry.size[std::size_t(a)]) + 2 * h;
            kernel *= 2 * h + 1;
        }
        return 2 * 16.0 * padded + 8.0 * kernel + 8.0 * voxels;
    }
    if (f.kind == FilterKind::simoncelli || f.kind == FilterKind::riesz) {
        const bool extended = f.boundary != FilterBoundary::periodic;
        double grid = 1;
        for (int a = 0; a < 3; ++a) grid *= double(work.geometry.size[a]) * (extended && (a < 2 || f.dim3d) ? 2.0 : 1.0);
        return 16.0 * grid + 16.0 * voxels;
    }
    return 4 * 8.0 * voxels;
}

// Gabor, each plane orientation filtered only on the slices that cross `need` (the library's
// gabor_filter filters every slice of what it is given, margins included). The slab of those slices
// is stored with the plane's axes first and filtered as axial planes: the same kernel, FFT sizes and
// sums as the library's plane loop on `work`, and the planes averaged in its order, so the result
// equals gabor_filter(work, p) on `need` bit for bit (tests/reference/test_filtered_crop.cpp).
Image gabor_on_needed(const Image& work, filters::GaborParams p, const BoundingBox& need) {
    std::vector<std::array<int, 2>> planes{{0, 1}};
    if (p.orthogonal_planes) planes = {{0, 1}, {0, 2}, {1, 2}};
    p.orthogonal_planes = false;
    const std::array<std::size_t, 3> n{work.nx(), work.ny(), work.nz()};
    Image out(work.geometry, 0.0);
    for (const auto& plane : planes) {
        const int pa = plane[0], pb = plane[1], ps = 3 - pa - pb;
        Geometry g;
        g.size = {n[pa], n[pb], std::size_t(need.extent(ps))};
        g.spacing = {work.geometry.spacing[pa], work.geometry.spacing[pb], work.geometry.spacing[ps]};
        Image slab(g);
        std::array<std::size_t, 3> c{};
        auto each = [&](auto&& fn) {
            for (std::size_t k = 0; k < g.size[2]; ++k)
                for (std::size_t b = 0; b < g.size[1]; ++b)
                    for (std::size_t a = 0; a < g.size[0]; ++a) {
                        c[pa] = a, c[pb] = b, c[ps] = std::size_t(need.lo[ps]) + k;
                        fn(a, b, k);
                    }
        };
        each([&](std::size_t a, std::size_t b, std::size_t k) { slab.at(a, b, k) = work.at(c[0], c[1], c[2]); });
        const Image r = filters::gabor_filter(slab, p);
        each([&](std::size_t a, std::size_t b, std::size_t k) {
            const bool inside = std::int64_t(c[0]) >= need.lo[0] && std::int64_t(c[0]) <= need.hi[0] && std::int64_t(c[1]) >= need.lo[1] &&
                                std::int64_t(c[1]) <= need.hi[1] && std::int64_t(c[2]) >= need.lo[2] && std::int64_t(c[2]) <= need.hi[2];
            if (inside) out.at(c[0], c[1], c[2]) += r.at(a, b, k);
        });
    }
    if (planes.size() > 1)
        for (double& v : out.data) v /= 3.0;
    return out;
}


// ---- pyradiomics profile: PyRadiomics 3.1's image types -------------------------------------------
namespace pyr = filters::pyradiomics;

bool is_pyradiomics(const Settings& s) { return s.profile == Profile::pyradiomics; }

pyr::WaveletSettings wavelet_settings(const FilterSettings& f) {
    return {f.wavelet, f.start_level, f.level, f.force2d, f.force2d_dimension};
}

// The axes (radhpc x, y, z) a PyRadiomics image type reads along: force2D leaves out the axis
// 2 - force2Ddimension (wavelet), LBP2D works in the slices perpendicular to it.
std::array<bool, 3> pyradiomics_axes(const FilterSettings& f) {
    std::array<bool, 3> on{true, true, true};
    if ((f.kind == FilterKind::wavelet && f.force2d) || f.kind == FilterKind::lbp2d) on[std::size_t(2 - f.force2d_dimension)] = false;
    return on;
}

// Voxels per side a PyRadiomics image type reads on the input grid (no resampling: PyRadiomics
// filters the whole image, radhpc the ROI box plus this). Exact for all but the LoG, whose recursive
// filter has infinite support: 10 sigma keeps the ROI's values within 3e-7 relative of the
// whole-image LoG on brain1 and breast1 (pyr::log_margin; tests/filters).
Index3 pyradiomics_margin(const FilterSettings& f, const Geometry& g) {
    const auto on = pyradiomics_axes(f);
    Index3 m{0, 0, 0};
    switch (f.kind) {
        case FilterKind::log: return pyr::log_margin(g, f.sigma_mm);
        case FilterKind::wavelet: {
            const auto w = filters::wavelet_filters(f.wavelet);
            const std::int64_t r = pyr::wavelet_margin(wavelet_settings(f), std::max(w.dec_lo.size(), w.dec_hi.size()));
            for (int a = 0; a < 3; ++a) m[a] = on[std::size_t(a)] ? r : 0;
            return m;
        }
        case FilterKind::gradient: return {1, 1, 1};
        case FilterKind::lbp2d:
            for (int a = 0; a < 3; ++a) m[a] = on[std::size_t(a)] ? std::int64_t(std::ceil(f.lbp_radius)) + 1 : 0;
            return m;
        default: return m;  // intensity maps: voxel by voxel (their scale comes from the whole image)
    }
}

// The derived images of one PyRadiomics image type on `work`, handed to `sink` one by one in
// PyRadiomics' order (the wavelet's as they are computed, so only one is held at a time).
// `whole_max_abs`: max |x| over the image PyRadiomics passes (the whole input, or the resampled box),
// which scales the intensity maps.
void pyradiomics_images(const FilterSettings& f, const Image& work, double whole_max_abs, const PixelType& pixel,
                        const std::function<void(pyr::DerivedImage&&)>& sink) {
    switch (f.kind) {
        case FilterKind::log: {
            auto r = pyr::getLoGImage(work, {f.sigma_mm}, f.sigma_integer_literal);
            for (auto& d : r.images) sink(std::move(d));  // a sigma PyRadiomics skips (image too small) gives no image
            return;
        }
        case FilterKind::wavelet: return pyr::forEachWaveletImage(work, wavelet_settings(f), sink);
        case FilterKind::square: return sink(pyr::getSquareImage(work, whole_max_abs));
        case FilterKind::square_root: return sink(pyr::getSquareRootImage(work, whole_max_abs));
        case FilterKind::logarithm: return sink(pyr::getLogarithmImage(work, whole_max_abs));
        case FilterKind::exponential: return sink(pyr::getExponentialImage(work, whole_max_abs));
        case FilterKind::gradient: return sink(pyr::getGradientImage(work, f.gradient_use_spacing));
        case FilterKind::lbp2d:
            return sink(pyr::getLBP2DImage(work, {f.lbp_radius, f.lbp_samples, f.lbp_method, f.force2d_dimension}, pixel));
        default: throw Error(ErrorKind::internal, "filter '" + f.name + "' is not a PyRadiomics image type");
    }
}

}  // namespace

bool needs_whole_max_abs(const Settings& s) {
    return is_pyradiomics(s) && std::any_of(s.filters.begin(), s.filters.end(), [](const FilterSettings& f) {
               return f.kind == FilterKind::square || f.kind == FilterKind::square_root || f.kind == FilterKind::logarithm ||
                      f.kind == FilterKind::exponential;
           });
}

Geometry whole_working_grid(const Settings& s, const Geometry& image) {
    return s.resample.enabled ? preprocess::ibsi_resampled_geometry(image, s.resample.spacing) : image;
}

Index3 filter_margin(const FilterSettings& f, const Geometry& whole) {
    Index3 m{0, 0, 0};
    auto all = [&](std::int64_t r) { m = {r, r, acts_along_z(f) ? r : 0}; };
    switch (f.kind) {
        case FilterKind::mean: all((f.support - 1) / 2); break;
        case FilterKind::log:
            for (int a = 0; a < (f.dim3d ? 3 : 2); ++a) m[a] = log_half_width(f, whole, a);
            break;
        case FilterKind::laws:
            // any kernel may land on any axis under rotation; the energy box follows the response
            all(laws_radius(f.kernel) + std::max(0, f.energy_distance));
            break;
        case FilterKind::gabor: all(gabor_radius(f, whole)); break;
        case FilterKind::wavelet: {
            // taps k - c of the odd-length kernel (c = half of it), dilated 2^(j-1) at level j
            const auto w = filters::wavelet_filters(f.wavelet);
            const std::size_t n = std::max(w.dec_lo.size(), w.dec_hi.size());
            const std::int64_t c = std::int64_t((n % 2 ? n : n + 1) - 1) / 2;
            all(c * ((std::int64_t(1) << f.level) - 1));
            break;
        }
        case FilterKind::simoncelli:
        case FilterKind::riesz: break;  // whole axes (widen_for_filters): the Riesz kernel decays as 1 / r^3
        case FilterKind::square:
        case FilterKind::square_root:
        case FilterKind::logarithm:
        case FilterKind::exponential:
        case FilterKind::gradient:
        case FilterKind::lbp2d:
            // the pyradiomics profile's image types take pyradiomics_margin (add_filter_margin)
            throw Error(ErrorKind::internal, "filter_margin: PyRadiomics image type '" + f.name + "' never reaches the IBSI 2 filters");
    }
    return m;
}

void add_filter_margin(const Settings& s, const Geometry& image, Index3& margin) {
    if (s.filters.empty()) return;
    if (is_pyradiomics(s)) {
        // With resampling PyRadiomics filters its own resampled box (ROI + padDistance): so does radhpc,
        // without a margin, edges included. Without, it filters the whole image: the ROI box plus the
        // image type's reach (widen_for_filters takes whole axes where a wavelet reaches an edge).
        if (s.resample.enabled) return;
        for (const auto& f : s.filters) {
            const Index3 m = pyradiomics_margin(f, image);
            for (int a = 0; a < 3; ++a) margin[a] = std::max(margin[a], m[a]);
        }
        return;
    }
    const Geometry whole = whole_working_grid(s, image);
    Index3 fm{0, 0, 0};
    for (const auto& f : s.filters) {
        const Index3 m = filter_margin(f, whole);
        for (int a = 0; a < 3; ++a) fm[a] = std::max(fm[a], m[a]);
    }
    for (int a = 0; a < 3; ++a) margin[a] += fm[a];
}

void widen_for_filters(const Settings& s, const Size3& size, Index3& lo, Index3& hi) {
    if (is_pyradiomics(s)) {
        // PyRadiomics' wavelet pads an odd axis with its first voxel and wraps periodically: where the
        // crop reaches an edge of the image, the whole axis is needed to see the same voxels.
        for (const auto& f : s.filters) {
            if (f.kind != FilterKind::wavelet) continue;
            const auto on = pyradiomics_axes(f);
            for (int a = 0; a < 3; ++a) {
                const std::int64_t last = std::int64_t(size[a]) - 1;
                if (on[std::size_t(a)] && (lo[a] <= 0 || hi[a] >= last)) lo[a] = 0, hi[a] = last;
            }
        }
        return;
    }
    for (const auto& f : s.filters)
        for (int a = 0; a < (acts_along_z(f) ? 3 : 2); ++a) {
            const std::int64_t last = std::int64_t(size[a]) - 1;
            const bool reaches_edge = lo[a] <= 0 || hi[a] >= last;
            if (f.kind == FilterKind::simoncelli || f.kind == FilterKind::riesz || (f.boundary == FilterBoundary::periodic && reaches_edge)) {
                lo[a] = 0;
                hi[a] = last;
            }
        }
}

BoundingBox widened_box(const Settings& s, const Size3& size, const BoundingBox& box, std::int64_t pad) {
    BoundingBox b;
    for (int a = 0; a < 3; ++a) {
        b.lo[a] = std::max<std::int64_t>(0, box.lo[a] - pad);
        b.hi[a] = std::min<std::int64_t>(std::int64_t(size[a]) - 1, box.hi[a] + pad);
    }
    widen_for_filters(s, size, b.lo, b.hi);
    return b;
}

Image apply_filter(const FilterSettings& f, const Image& work, const Geometry& whole, const BoundingBox* need) {
    const filters::Boundary b = boundary_of(f.boundary);
    switch (f.kind) {
        case FilterKind::mean: return filters::mean_filter(work, f.support, b, dim_of(f));
        case FilterKind::log: return filters::log_filter(work, f.sigma_mm, f.truncation, b, dim_of(f));
        case FilterKind::laws:
            return filters::laws_filter(work, {f.kernel, f.rotation_invariant, pooling_of(f.pooling), f.energy_distance, b, dim_of(f)});
        case FilterKind::gabor: {
            filters::GaborParams p;
            p.sigma_mm = f.sigma_mm;
            p.lambda_mm = f.lambda_mm;
            p.gamma = f.gamma;
            p.theta = f.theta_deg * std::numbers::pi / 180.0;
            p.theta_step = f.theta_step_deg * std::numbers::pi / 180.0;
            p.orthogonal_planes = f.orthogonal_planes;
            p.boundary = b;
            p.support_radius = int(gabor_radius(f, whole));
            return need ? gabor_on_needed(work, p, *need) : filters::gabor_filter(work, p);
        }
        case FilterKind::wavelet:
            return filters::wavelet_filter(work, {f.wavelet, f.subband, f.level, f.rotation_invariant, pooling_of(f.pooling), b, dim_of(f)});
        case FilterKind::simoncelli:
            for (int a = 0; a < (f.dim3d ? 3 : 2); ++a)
                if (work.geometry.size[a] != whole.size[a])
                    throw Error(ErrorKind::internal, "Simoncelli filter '" + f.name + "' needs the whole image along each axis");
            return filters::simoncelli_filter(work, {f.level, b, dim_of(f)});
        case FilterKind::riesz: {
            for (int a = 0; a < 3; ++a)
                if (work.geometry.size[a] != whole.size[a])
                    throw Error(ErrorKind::internal, "Riesz filter '" + f.name + "' needs the whole image along each axis");
            filters::RieszParams p;
            p.order = f.riesz_order;
            p.base = f.riesz_base == FilterKind::simoncelli ? filters::RieszParams::Base::simoncelli : filters::RieszParams::Base::log;
            p.sigma_mm = f.sigma_mm;
            p.truncation = f.truncation;
            p.level = f.level;
            p.boundary = b;
            return filters::riesz_filter(work, p);
        }
        case FilterKind::square:
        case FilterKind::square_root:
        case FilterKind::logarithm:
        case FilterKind::exponential:
        case FilterKind::gradient:
        case FilterKind::lbp2d:
            // the pyradiomics profile's image types run through pyradiomics_images (lesion_features)
            throw Error(ErrorKind::internal, "apply_filter: PyRadiomics image type '" + f.name + "' never reaches the IBSI 2 filters");
    }
    throw Error(ErrorKind::internal, "unknown filter kind");
}

RoiCrops roi_crops(const Mask& intensity_mask, const Mask& morph, const Settings& s) {
    RoiCrops c;
    c.box = *bounding_box(morph);
    c.intensity = crop(intensity_mask, c.box, 1, false, std::uint8_t(0));
    c.morph = crop(morph, c.box, 1, false, std::uint8_t(0));
    if (s.profile == Profile::pyradiomics && s.resegment.any() && !s.resegment.resegment_shape) {
        const auto kept = bounding_box(intensity_mask);  // checked non-empty by the re-segmentation step
        if (!kept) return c;
        const std::int64_t pad = s.resample.pad_distance;
        c.pyradiomics_shape = c.morph;
        Mask& m = c.pyradiomics_shape;
        // c.morph's voxel (x, y, z) is the working grid's (x, y, z) + box.lo - 1
        for (std::int64_t z = 0; z < std::int64_t(m.nz()); ++z)
            for (std::int64_t y = 0; y < std::int64_t(m.ny()); ++y)
                for (std::int64_t x = 0; x < std::int64_t(m.nx()); ++x) {
                    const Index3 w{x + c.box.lo[0] - 1, y + c.box.lo[1] - 1, z + c.box.lo[2] - 1};
                    bool inside = true;
                    for (int a = 0; a < 3; ++a) inside = inside && w[a] >= kept->lo[a] - pad && w[a] <= kept->hi[a] + pad;
                    if (!inside) m.at(std::size_t(x), std::size_t(y), std::size_t(z)) = 0;
                }
    }
    return c;
}

FeatureValues image_features(const Image& img, const Mask& intensity_mask, const RoiCrops& roi, std::size_t n_int,
                             const Settings& s) {
    // crop to the ROI (plus one empty voxel around it)
    const Image img_c = crop(img, roi.box, 1, false, 0.0);
    const Mask& int_c = roi.intensity;
    const Mask& morph_c = roi.morph;
    std::vector<double> values;
    values.reserve(n_int);
    for (std::size_t i = 0; i < int_c.data.size(); ++i)
        if (int_c.data[i]) values.push_back(img_c.data[i]);
    // preprocess::discretise on (img_c, int_c), without gathering the ROI's values a second time: the
    // ROI's levels in raster order are the level values, scattered into the grey-level grid
    preprocess::Discretised disc;
    std::vector<std::int32_t> level_values =
        preprocess::discretise_values(values, s.discretisation, s.profile, s.resegment, &disc.n_levels, &disc.min_bound, &disc.bin_width);
    disc.levels = GreyLevels(img_c.geometry, 0);
    for (std::size_t i = 0, k = 0; i < int_c.data.size(); ++i)
        if (int_c.data[i]) disc.levels.data[i] = level_values[k++];
    const Mask& shape_mask = s.resegment.resegment_shape   ? int_c
                             : !roi.pyradiomics_shape.data.empty() ? roi.pyradiomics_shape
                                                                   : morph_c;
    const features::FamilyInputs inputs{img,        intensity_mask, img_c,        int_c,       morph_c,
                                        shape_mask, values,         level_values, disc.levels, disc.n_levels};
    return features::compute_families(inputs, s, s.features.families);
}

FeatureValues image_features(const Image& img, const Mask& intensity_mask, const Mask& morph, std::size_t n_int,
                             const Settings& s) {
    return image_features(img, intensity_mask, roi_crops(intensity_mask, morph, s), n_int, s);
}

// TBB nests the tasks in the families' own parallelism. Each image's features are the same computation
// wherever and whenever it runs. Task 0 (the original image) is spawned last: the caller's thread
// starts on it while idle threads steal the image types spawned first.
FeatureValues concatenated(const std::vector<std::function<FeatureValues()>>& tasks, bool side_by_side) {
    std::vector<FeatureValues> parts(tasks.size());
    if (side_by_side) {
        // Each task's exception is kept, and the first in task order is rethrown: the one the tasks
        // run one after the other would have stopped at, whichever thread failed first.
        std::vector<std::exception_ptr> failed(tasks.size());
        auto run = [&](std::size_t k) {
            try {
                parts[k] = tasks[k]();
            } catch (...) {
                failed[k] = std::current_exception();
            }
        };
        tbb::task_group group;
        for (std::size_t k = tasks.size(); k-- > 1;) group.run([&, k] { run(k); });
        if (!tasks.empty()) group.run([&] { run(0); });
        group.wait();
        for (const auto& e : failed)
            if (e) std::rethrow_exception(e);
    } else {
        for (std::size_t k = 0; k < tasks.size(); ++k) parts[k] = tasks[k]();
    }
    FeatureValues out;
    for (auto& p : parts)
        for (auto& v : p) out.push_back(std::move(v));
    return out;
}

FeatureValues lesion_features(const Image& work, const Mask& intensity_mask, const Mask& morph, std::size_t n_int,
                              const Settings& s, const Geometry& whole, double whole_max_abs, const PixelType& pixel) {
    // the ROI's box and its cropped masks: the same for every image
    const RoiCrops roi = roi_crops(intensity_mask, morph, s);
    if (s.filters.empty()) return image_features(work, intensity_mask, roi, n_int, s);
    // task 0: the original image's features (or PyRadiomics' shape alone); task 1 + i: filter i's images
    std::vector<std::function<FeatureValues()>> tasks(1 + s.filters.size(), [] { return FeatureValues{}; });
    double all_filters_bytes = 0;
    for (const auto& f : s.filters) all_filters_bytes += filter_bytes(f, work);
    const bool side_by_side = !over_memory_budget(s, all_filters_bytes);
    if (s.features.original) tasks[0] = [&] { return image_features(work, intensity_mask, roi, n_int, s); };
    // The re-segmentation range was applied to the unfiltered intensities (IBSI 2 phase 2); it says
    // nothing about a response's values, so it sets no discretisation / IVH bound of a filtered image.
    Settings fs = s;
    fs.resegment.range_min.reset();
    fs.resegment.range_max.reset();
    fs.resegment.sigma_min.reset();
    fs.resegment.sigma_max.reset();
    fs.resegment.relative_min.reset();
    fs.resegment.relative_max.reset();
    if (is_pyradiomics(s)) {
        // PyRadiomics computes shape once, on the original image's mask, whether or not the Original
        // image type is enabled; every other enabled class on every derived image, named
        // "<image type name>_<class>_<feature>".
        Settings shape_only = s;
        std::erase_if(shape_only.features.families, [](const std::string& f) {
            return f != features::kShapeFamily.name && f != features::kShape2DFamily.name;
        });
        if (!s.features.original && !shape_only.features.families.empty())
            tasks[0] = [&] { return image_features(work, intensity_mask, roi, n_int, shape_only); };
        fs.features.families.erase(std::string(features::kShapeFamily.name));
        fs.features.families.erase(std::string(features::kShape2DFamily.name));
        for (const auto& f : s.filters) check_memory_budget(s, filter_bytes(f, work), "image type '" + f.name + "'", "its working grid");
        for (std::size_t i = 0; i < s.filters.size(); ++i)
            tasks[1 + i] = [&, i] {
                FeatureValues out;
                pyradiomics_images(s.filters[i], work, whole_max_abs, pixel, [&](pyr::DerivedImage&& d) {
                    const pyr::DerivedImage image = std::move(d);  // freed when its features are done
                    FeatureValues v = image_features(image.image, intensity_mask, roi, n_int, fs);
                    for (auto& x : v) {
                        x.name = image.name + "_" + x.name;
                        out.push_back(std::move(x));
                    }
                });
                return out;
            };
        return concatenated(tasks, side_by_side);
    }
    const bool plain = !s.features.original && s.filters.size() == 1;
    // the voxels the families read: the ROI and the local-intensity sphere around it (6.2 mm + 1 voxel)
    BoundingBox need = roi.box;
    for (int a = 0; a < 3; ++a) {
        const std::int64_t r = std::int64_t(std::ceil(6.2 / work.geometry.spacing[a])) + 1;
        need.lo[a] = std::max<std::int64_t>(0, need.lo[a] - r);
        need.hi[a] = std::min<std::int64_t>(std::int64_t(work.geometry.size[a]) - 1, need.hi[a] + r);
    }
    for (const auto& f : s.filters) check_memory_budget(s, filter_bytes(f, work), "filter '" + f.name + "'", "its working grid");
    for (std::size_t i = 0; i < s.filters.size(); ++i)
        tasks[1 + i] = [&, i] {
            const FilterSettings& f = s.filters[i];
            const Image response = apply_filter(f, work, whole, &need);
            FeatureValues v = image_features(response, intensity_mask, roi, n_int, fs);
            if (!plain)
                for (auto& x : v) x.name = f.name + "_" + x.name;
            return v;
        };
    return concatenated(tasks, side_by_side);
}

}  // namespace radhpc::pipeline::detail
