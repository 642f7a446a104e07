// The single-lesion pipeline (IBSI 1 chapter 2 order of operations; PyRadiomics 3.x
// featureextractor order for the pyradiomics profile).
#include "radhpc/pipeline/extract.hpp"

#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cmath>
#include <sstream>
#include <type_traits>

#include "radhpc/core/error.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/core/source_image.hpp"
#include "radhpc/features/families.hpp"
#include "radhpc/features/registry.hpp"
#include "radhpc/filters/pyradiomics.hpp"
#include "radhpc/pipeline/memory.hpp"
#include "radhpc/preprocess/perturb.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "filtered_images.hpp"
#include "lesion_checks.hpp"

namespace radhpc::pipeline {
namespace {

using detail::check_finite;
using detail::image_diagnostics;
using detail::roi_diagnostics;

// Process-wide, once, before main. glibc would serve large blocks (images, grids) by mmap and unmap them
// on free: each lesion faulted its memory in afresh (3x preprocessing time on the CT-TIME lesion), so
// blocks below 256 MB come from the heap and freed memory is kept. First touch of the heap faults 4 KB
// pages (33,000 faults, a third of a filtered extraction's CPU): its first kHugeHeap bytes are marked for
// huge pages (advice). One arena: other threads' arenas fault 4 KB pages (14,000 faults in a TBB worker's
// filtered images: 2 threads 0.45 s, not 0.35 s); allocations are per image and family, never per voxel.
constexpr std::size_t kHugeHeap = std::size_t(192) << 20;
const bool kAllocatorTuned = [] {
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    if (void* p = std::malloc(kHugeHeap)) {
        constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
        const auto begin = reinterpret_cast<std::uintptr_t>(p), end = begin + kHugeHeap;
        const std::uintptr_t a = (begin + huge - 1) & ~(huge - 1), b = end & ~(huge - 1);
        if (b > a) (void)::madvise(reinterpret_cast<void*>(a), b - a, MADV_HUGEPAGE);
        std::free(p);
    }
    return true;
}();

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string describe(const Geometry& g) {
    std::ostringstream s;
    s << "size " << g.size[0] << "x" << g.size[1] << "x" << g.size[2] << ", spacing (" << g.spacing[0] << ", "
      << g.spacing[1] << ", " << g.spacing[2] << "), origin (" << g.origin[0] << ", " << g.origin[1] << ", "
      << g.origin[2] << ")";
    return s.str();
}

// A lesion's working grid (the resampled or cropped image as double, its morphological and
// intensity masks, grey levels, and the families' per-voxel buffers) costs about this much a voxel.
constexpr double kBytesPerWorkingVoxel = 24;
void check_working_grid(const Settings& s, const Size3& size, const std::string& who) {
    const double bytes = double(size[0]) * double(size[1]) * double(size[2]) * kBytesPerWorkingVoxel;
    if (!over_memory_budget(s, bytes)) return;  // the message is formatted only for a refusal
    std::ostringstream what;
    what << "the lesion's working grid (" << size[0] << " x " << size[1] << " x " << size[2] << " voxels)";
    check_memory_budget(s, bytes, who, what.str());
}

// A crop as doubles: moved when it already is, converted from a study kept as int16.
Image as_image(Image&& v) { return std::move(v); }
Image as_image(const Volume<std::int16_t>& v) { return to_double(v); }

// Index range of `target` voxels whose centres lie within the physical extent of input voxels
// lo-1 .. hi+1 (anything farther cannot receive mask weight), grown by `pad` and clamped.
void target_range(const Geometry& in, const BoundingBox& box, const Geometry& target, const Index3& pad, Index3& lo,
                  Index3& hi) {
    Vec3 tmin{INFINITY, INFINITY, INFINITY}, tmax{-INFINITY, -INFINITY, -INFINITY};
    for (int c = 0; c < 8; ++c) {
        Vec3 ci;
        for (int a = 0; a < 3; ++a) ci[a] = double((c >> a) & 1 ? box.hi[a] + 1 : box.lo[a] - 1);
        const Vec3 t = target.point_to_index(in.index_to_point(ci));
        for (int a = 0; a < 3; ++a) {
            tmin[a] = std::min(tmin[a], t[a]);
            tmax[a] = std::max(tmax[a], t[a]);
        }
    }
    for (int a = 0; a < 3; ++a) {
        lo[a] = std::max<std::int64_t>(0, std::int64_t(std::floor(tmin[a])) - pad[a]);
        hi[a] = std::min<std::int64_t>(std::int64_t(target.size[a]) - 1, std::int64_t(std::ceil(tmax[a])) + pad[a]);
    }
}

Index3 sphere_margin(const Vec3& spacing) {
    // IBSI local intensity: a 1 cm^3 sphere, radius 6.2 mm, around every ROI voxel.
    Index3 m;
    for (int a = 0; a < 3; ++a) m[a] = std::int64_t(std::ceil(6.2 / spacing[a])) + 1;
    return m;
}

// ---- perturbations (issue 7): noise on the input, one interpolation onto a rotated/shifted grid --
Vec3 working_spacing(const Settings& s, const Geometry& in) {
    Vec3 w = in.spacing;
    if (s.resample.enabled)
        for (int a = 0; a < 3; ++a)
            if (s.resample.spacing[a] > 0) w[a] = s.resample.spacing[a];
    return w;
}

// Extra voxels around the ROI the mask steps of `p` need on the working grid (volume growth, contour).
Index3 mask_margin(const Perturbation& p, const Settings& s, const Geometry& in, const BoundingBox& box) {
    const Vec3 w = working_spacing(s, in);
    Index3 extent;
    for (int a = 0; a < 3; ++a) extent[a] = std::int64_t(std::ceil(double(box.extent(a)) * in.spacing[a] / w[a]));
    return preprocess::mask_step_margin(p, w, extent);
}

// Bounding box, in the continuous index space of `grid`, of where the ROI box of the input lands
// on the perturbed grid (the inverse transform of the box corners, `grow` voxels grown).
void roi_range_on(const Geometry& in, const BoundingBox& box, double grow, const Geometry& grid, const preprocess::GridTransform& t,
                  Vec3& lo, Vec3& hi) {
    lo = {INFINITY, INFINITY, INFINITY};
    hi = {-INFINITY, -INFINITY, -INFINITY};
    for (int c = 0; c < 8; ++c) {
        Vec3 ci;
        for (int a = 0; a < 3; ++a) ci[a] = (c >> a) & 1 ? double(box.hi[a]) + grow : double(box.lo[a]) - grow;
        const Vec3 g = grid.point_to_index(t.apply_inverse(in.index_to_point(ci)));
        for (int a = 0; a < 3; ++a) {
            lo[a] = std::min(lo[a], g[a]);
            hi[a] = std::max(hi[a], g[a]);
        }
    }
}

// The perturbed counterpart of the resampling block of extract(): image and mask interpolated once
// onto the working grid moved by the perturbation's rotation/translation, after noise was added to
// the input. Only the part of the input the samples reach is copied (and noised): noise draws are
// indexed by the input voxel, so this equals noising the whole image.
template <class T>
void perturbed_resample(const Volume<T>& image, const Mask& mask, const BoundingBox& box0, const Settings& s,
                        const PixelType& pixel, const Perturbation& p, bool diagnostics, const Index3& loc_pad,
                        const Index3& margin, const std::string& who, Image& work, Mask& morph) {
    const bool pyrad = s.profile == Profile::pyradiomics;
    Geometry working = image.geometry;
    working.spacing = working_spacing(s, image.geometry);
    const auto t = preprocess::grid_transform(p, working, preprocess::roi_centre(mask));

    // the grid to sample and the voxel range of it
    Geometry full;
    Index3 lo{0, 0, 0}, hi{0, 0, 0};
    if (pyrad && s.resample.enabled) {
        // PyRadiomics' grid around where the perturbed ROI lies (in input index space), padDistance grown
        Vec3 flo, fhi;
        roi_range_on(image.geometry, box0, 0.0, image.geometry, t, flo, fhi);
        Index3 blo, bhi;
        for (int a = 0; a < 3; ++a) {
            blo[a] = std::int64_t(std::floor(flo[a]));
            bhi[a] = std::int64_t(std::ceil(fhi[a]));
        }
        const int pad = s.resample.pad_distance + int(std::max({margin[0], margin[1], margin[2]}));
        full = preprocess::pyradiomics_resampled_geometry(image.geometry, s.resample.spacing, blo, bhi, pad);
        hi = {std::int64_t(full.size[0]) - 1, std::int64_t(full.size[1]) - 1, std::int64_t(full.size[2]) - 1};
    } else {
        full = s.resample.enabled ? preprocess::ibsi_resampled_geometry(image.geometry, s.resample.spacing) : image.geometry;
        hi = {std::int64_t(full.size[0]) - 1, std::int64_t(full.size[1]) - 1, std::int64_t(full.size[2]) - 1};
        if (!diagnostics) {
            Vec3 flo, fhi;
            roi_range_on(image.geometry, box0, 1.0, full, t, flo, fhi);
            for (int a = 0; a < 3; ++a) {
                lo[a] = std::max<std::int64_t>(0, std::int64_t(std::floor(flo[a])) - loc_pad[a] - margin[a]);
                hi[a] = std::min<std::int64_t>(hi[a], std::int64_t(std::ceil(fhi[a])) + loc_pad[a] + margin[a]);
            }
            detail::widen_for_filters(s, full.size, lo, hi);
        }
    }
    const Size3 size{std::size_t(hi[0] - lo[0] + 1), std::size_t(hi[1] - lo[1] + 1), std::size_t(hi[2] - lo[2] + 1)};
    check_working_grid(s, size, who);

    // the input voxels the samples reach (+2 for the cubic spline's support, +8 more so its
    // prefilter does not feel the cut), as a crop of the input
    BoundingBox reach;
    {
        Vec3 rlo{INFINITY, INFINITY, INFINITY}, rhi{-INFINITY, -INFINITY, -INFINITY};
        for (int c = 0; c < 8; ++c) {
            Vec3 j;
            for (int a = 0; a < 3; ++a) j[a] = double((c >> a) & 1 ? hi[a] : lo[a]);
            const Vec3 x = image.geometry.point_to_index(t.apply(full.index_to_point(j)));
            for (int a = 0; a < 3; ++a) {
                rlo[a] = std::min(rlo[a], x[a]);
                rhi[a] = std::max(rhi[a], x[a]);
            }
        }
        const std::int64_t support = s.resample.image_interpolation == Interpolation::bspline ? 10 : 2;
        for (int a = 0; a < 3; ++a) {
            const std::int64_t n = std::int64_t(image.geometry.size[a]);
            reach.lo[a] = std::clamp<std::int64_t>(std::int64_t(std::floor(rlo[a])) - support, 0, n - 1);
            reach.hi[a] = std::clamp<std::int64_t>(std::int64_t(std::ceil(rhi[a])) + support, 0, n - 1);
            if (reach.hi[a] < reach.lo[a]) reach.hi[a] = reach.lo[a];
        }
    }
    Image region = as_image(crop(image, reach, 0, true));
    const Mask region_mask = crop(mask, reach, 0, true);

    if (preprocess::has_noise_steps(p)) {
        double sd;
        if constexpr (std::is_same_v<T, double>) sd = preprocess::estimate_noise_sd(image);
        else sd = preprocess::estimate_noise_sd(to_double(image));  // extract() converts first when noise is asked for
        for (std::size_t k = 0; k < p.steps.size(); ++k)
            if (p.steps[k].kind == PerturbationStep::Kind::noise && !preprocess::is_zero_step(p.steps[k]))
                preprocess::add_gaussian_noise(region, p.steps[k].noise_scale * sd, preprocess::derive_seed(p.seed, std::uint64_t(k)),
                                               reach.lo, image.geometry.size);
    }

    if (pyrad) {
        const Geometry target = preprocess::sub_grid(full, lo, hi);
        work = preprocess::resample_transformed_pyradiomics(region, target, t, s.resample.image_interpolation, pixel);
        morph = preprocess::resample_mask_transformed_pyradiomics(region_mask, target, t);
    } else {
        work = preprocess::resample_transformed(region, full, lo, size, t, s.resample.image_interpolation);
        morph = preprocess::resample_mask_transformed(region_mask, full, lo, size, t, s.resample.mask_interpolation,
                                                      s.resample.mask_partial_volume_threshold);
    }
    if (s.resample.round_intensities) preprocess::round_intensities(work);
}
}  // namespace

namespace {

// The resampling block of extract() for an unperturbed image: the PyRadiomics grid around the ROI
// box (SimpleITK semantics), or the part of IBSI's whole-image grid the lesion needs.
template <class T>
void resample_lesion(const Volume<T>& image, const Mask& mask, const BoundingBox& box0, const Settings& s, const PixelType& pixel,
                     bool diagnostics, bool perturb_mask, const Index3& margin, const std::string& who, Image& work, Mask& morph) {
    const std::int64_t margin_max = std::max({margin[0], margin[1], margin[2]});
    if (s.profile == Profile::pyradiomics) {
        // SimpleITK semantics: positions come from physical points on the whole input image
        // (ITK iterates over the output, so only B-spline pays for the whole image: its prefilter).
        const Geometry target = preprocess::pyradiomics_resampled_geometry(image.geometry, s.resample.spacing, box0.lo,
                                                                           box0.hi, s.resample.pad_distance + int(margin_max));
        check_working_grid(s, target.size, who);
        morph = preprocess::resample_mask(mask, target, Interpolation::nearest, 0.5, s.profile);
        // When every later step reads intensities only inside the ROI (no diagnostics, no mask
        // perturbation growing it, no family looking around it), only the ROI voxels are interpolated.
        const bool roi_only = !diagnostics && !perturb_mask && s.filters.empty() && features::reads_only_roi(s.features.families);
        work = preprocess::resample_image(image, target, s.resample.image_interpolation, s.profile, pixel, roi_only ? &morph : nullptr);
    } else {
        // IBSI: the full grid is defined by the whole image; interpolate only the part around
        // the ROI (bit-identical to interpolating everything), or everything for diagnostics.
        const Geometry full = preprocess::ibsi_resampled_geometry(image.geometry, s.resample.spacing);
        Index3 lo{0, 0, 0}, hi{std::int64_t(full.size[0]) - 1, std::int64_t(full.size[1]) - 1, std::int64_t(full.size[2]) - 1};
        if (!diagnostics) {
            Index3 pad = sphere_margin(full.spacing);
            for (int a = 0; a < 3; ++a) pad[a] += margin[a];
            target_range(image.geometry, box0, full, pad, lo, hi);
            detail::widen_for_filters(s, full.size, lo, hi);
        }
        const Size3 size{std::size_t(hi[0] - lo[0] + 1), std::size_t(hi[1] - lo[1] + 1), std::size_t(hi[2] - lo[2] + 1)};
        check_working_grid(s, size, who);
        work = preprocess::resample_ibsi(image, full, lo, size, s.resample.image_interpolation);
        morph = preprocess::resample_mask_ibsi(mask, full, lo, size, s.resample.mask_interpolation,
                                               s.resample.mask_partial_volume_threshold);
    }
}

// Re-segmentation of the intensity mask (a copy of the morphological one) and the checks an ROI
// must pass before discretisation; returns its voxel count.
std::size_t resegment_checked(const Image& work, const Mask& morph, const Settings& s, const std::string& who, bool diagnostics,
                              const std::optional<Size3>& reported_grid, Mask& intensity_mask, FeatureValues& diagnostic_values) {
    preprocess::resegment(work, intensity_mask, s.resegment);
    if (diagnostics) roi_diagnostics(work, intensity_mask, morph, "reseg", diagnostic_values, reported_grid ? &*reported_grid : nullptr);
    const std::size_t n_int = count_voxels(intensity_mask);
    if (n_int == 0)
        throw Error(ErrorKind::empty_roi, who + ": the ROI is empty after re-segmentation");
    if (n_int < 2)
        throw Error(ErrorKind::roi_too_small, who + ": the ROI has a single voxel; its features are undefined");
    if (s.minimum_roi_size && n_int < *s.minimum_roi_size)
        throw Error(ErrorKind::roi_too_small, who + ": the ROI has " + std::to_string(n_int) + " voxels, fewer than minimum_roi_size " +
                                                  std::to_string(*s.minimum_roi_size));
    const auto box = bounding_box(intensity_mask);
    {
        int dims = 0;
        for (int a = 0; a < 3; ++a) dims += box->extent(a) > 1;
        if (dims < s.minimum_roi_dimensions)
            throw Error(ErrorKind::roi_too_small, who + ": the ROI spans " + std::to_string(dims) + " dimension(s), fewer than minimum_roi_dimensions " +
                                                      std::to_string(s.minimum_roi_dimensions));
    }
    check_finite(work, intensity_mask, *box, who + " (after preprocessing)");
    return n_int;
}

// PyRadiomics featureClass lists keep only the listed features of a class that has a list; a
// value that is not finite is an error naming the feature (never a NaN in the output).
void keep_listed_finite(FeatureValues& features, const Settings& s, const std::string& who) {
    // PyRadiomics featureClass lists: only the listed features of a class that has a list.
    if (!s.features.pyradiomics_feature_filter.empty()) {
        std::set<std::string> filtered_classes;
        for (const auto& f : s.features.pyradiomics_feature_filter) filtered_classes.insert(f.substr(0, f.find('_')));
        std::erase_if(features, [&](const FeatureValue& f) {
            // a derived image's feature ("wavelet-LLH_glcm_Contrast") is listed by its class and name
            std::string name = f.name;
            if (const auto p = name.find('_'); p != std::string::npos && !features::find_feature(name)) name = name.substr(p + 1);
            const auto cls = name.substr(0, name.find('_'));
            return filtered_classes.count(cls) && !s.features.pyradiomics_feature_filter.count(name);
        });
    }
    for (const auto& f : features)
        if (!std::isfinite(f.value))
            throw Error(ErrorKind::invalid_input, who + ": feature " + f.name + " is not finite (" + std::to_string(f.value) +
                                                      "); the ROI does not support it");
}

// PyRadiomics resampleImage: a zero spacing, and the spacing along an axis where the ROI's box is
// one voxel thick, stay the mask's; when the resulting spacing equals the image's (numpy.allclose),
// only the mask is resampled onto the image grid (for a mask on that grid: unchanged) and the
// intensities are not interpolated at all.
void pyradiomics_spacing_rules(ResampleSettings& r, const Geometry& image, const Geometry& mask, const BoundingBox& box0) {
    bool same = true;
    for (int a = 0; a < 3; ++a) {
        double& sp = r.spacing[a];
        if (!(sp > 0) || box0.extent(a) == 1) sp = mask.spacing[a];
        same = same && std::abs(image.spacing[a] - sp) <= 1e-8 + 1e-5 * std::abs(sp);
    }
    if (same) r.enabled = false;
}

// max |x| over the study's image, computed by the first lesion that needs it and kept in the
// SourceImage's cache for the others (one pass over a CT per study, not per lesion).
double shared_max_abs(const SourceImage& source) {
    SourceImageCache& c = *source.cache;
    const void* volume = source.i16 ? static_cast<const void*>(source.i16.get()) : static_cast<const void*>(source.f64.get());
    const std::lock_guard<std::mutex> lock(c.mutex);
    if (c.max_abs_of != volume) {
        c.max_abs = source.visit([](const auto& v) { return filters::pyradiomics::max_abs(v); });
        c.max_abs_of = volume;
    }
    return c.max_abs;
}

// `shared`: the caller's SourceImage when `input_image` is its volume (its cache may be used), else null.
template <class T>
LesionResult extract_from(const Volume<T>& input_image, const LesionInput& input, const Settings& settings, bool diagnostics,
                          const Perturbation& perturbation, const SourceImage* shared) {
    const auto t0 = Clock::now();
    Settings s = settings;  // the PyRadiomics spacing rules below adjust the resampling per lesion
    LesionResult result;
    const bool pyrad = s.profile == Profile::pyradiomics;
    const std::string who = input.image_path + " / " + input.mask_path;

    // ---- geometry check (PyRadiomics checkMask / correctMask) -------------------------------
    // The input volumes are copied only when a step changes them (mask correction, rounding,
    // normalisation): a copy of a whole CT volume costs as much as a feature family.
    Image image_changed;
    Mask mask_changed;
    const Volume<T>* image_used = &input_image;
    const Mask* mask_used = &input.mask;
    if (!same_grid(input_image.geometry, input.mask.geometry, s.geometry_tolerance)) {
        if (!s.correct_mask)
            throw Error(ErrorKind::geometry_mismatch,
                        who + ": mask grid does not match the image grid (image " + describe(input_image.geometry) + "; mask " +
                            describe(input.mask.geometry) + "); set input.correct_mask (PyRadiomics correctMask) to resample the mask");
        mask_changed = preprocess::resample_mask(input.mask, input_image.geometry, Interpolation::nearest, 0.5, Profile::pyradiomics);
        mask_used = &mask_changed;
    } else if (!identical_grid(input_image.geometry, input.mask.geometry)) {
        // Accepted within the tolerance (e.g. a label file whose origin went through NIfTI's float32
        // header): from here on the mask lies on the image's grid, so no later exact check disagrees.
        // load() and the batch worker snap in place; this copy is for callers that did not.
        mask_changed = input.mask;
        mask_changed.geometry = input_image.geometry;
        mask_used = &mask_changed;
    }
    // Rounding an integer-typed input is the identity: skip the whole-volume copy (a CT read as int16).
    const bool round_input = s.round_input_intensities && !input.pixel_type.integer && !std::is_integral_v<T>;
    if (round_input || s.normalize.enabled) {
        check_memory_budget(s, double(input_image.geometry.voxel_count()) * 8.0, who, "a copy of the whole image (rounding / normalisation)");
        if constexpr (std::is_same_v<T, double>) {
            image_changed = input_image;
            image_used = &image_changed;
        } else {
            throw Error(ErrorKind::internal, "extract: normalisation needs the double image");  // extract() converts first
        }
    }
    const Volume<T>& image = *image_used;
    const Mask& mask = *mask_used;
    if (round_input) preprocess::round_intensities(image_changed);
    const auto box0 = mask_used == &input.mask && input.mask_box ? input.mask_box : bounding_box(mask);
    if (!box0) throw Error(ErrorKind::empty_roi, who + ": the mask is empty");
    check_finite(image, mask, *box0, who);
    if (pyrad && s.resample.enabled) pyradiomics_spacing_rules(s.resample, image.geometry, mask.geometry, *box0);
    if (diagnostics) {
        image_diagnostics(image, "init", result.diagnostics);
        roi_diagnostics(image, mask, mask, "init", result.diagnostics);
    }
    if (s.normalize.enabled) preprocess::normalise(image_changed, s.normalize);  // PyRadiomics: whole image, before resampling
    PixelType pixel = s.normalize.enabled ? PixelType{} : input.pixel_type;

    // ---- resampling onto the working grid ---------------------------------------------------
    Image work;
    Mask morph;
    std::optional<Size3> reported_grid;  // set when `work` is a crop but diagnostics describe the whole grid
    const Index3 loc_pad = pyrad ? Index3{0, 0, 0} : sphere_margin(s.resample.enabled ? s.resample.spacing : image.geometry.spacing);
    // Perturbations (preprocess/perturb.hpp): zero steps are no-ops, so an all-zero perturbation
    // runs exactly the ordinary path below. Image steps (noise, rotation, translation) replace the
    // resampling block by one interpolation onto the moved grid; mask steps act on the result.
    const bool perturb_image = preprocess::has_geometric_steps(perturbation) || preprocess::has_noise_steps(perturbation);
    const bool perturb_mask = preprocess::has_mask_steps(perturbation);
    Index3 margin = perturb_mask ? mask_margin(perturbation, s, image.geometry, *box0) : Index3{0, 0, 0};
    detail::add_filter_margin(s, image.geometry, margin);  // the filters' support, on the working grid
    const std::int64_t margin_max = std::max({margin[0], margin[1], margin[2]});
    if (perturb_image) {
        perturbed_resample(image, mask, *box0, s, pixel, perturbation, diagnostics, loc_pad, margin, who, work, morph);
        if (diagnostics) {
            image_diagnostics(work, "interp", result.diagnostics);
            roi_diagnostics(work, morph, morph, "interp", result.diagnostics);
        }
    } else if (s.resample.enabled) {
        resample_lesion(image, mask, *box0, s, pixel, diagnostics, perturb_mask, margin, who, work, morph);
        if (s.resample.round_intensities) preprocess::round_intensities(work);
        if (diagnostics) {
            image_diagnostics(work, "interp", result.diagnostics);
            roi_diagnostics(work, morph, morph, "interp", result.diagnostics);
        }
    } else {
        if (diagnostics) {
            // no interpolation: the "interp" diagnostics describe the input grid, computed in place;
            // the lesion then works on its crop as without diagnostics (the ROI voxels come in the
            // same raster order, so the sums below are the same bits)
            image_diagnostics(image, "interp", result.diagnostics);
            roi_diagnostics(image, mask, mask, "interp", result.diagnostics);
            reported_grid = image.geometry.size;
        }
        const auto box = detail::widened_box(s, image.geometry.size, *box0, std::max({loc_pad[0], loc_pad[1], loc_pad[2]}) + margin_max);
        work = as_image(crop(image, box, 0, true));
        morph = crop(mask, box, 0, true);
    }
    if (perturb_mask) preprocess::apply_mask_steps(perturbation, work, morph, s.resegment);
    if ((perturb_image || perturb_mask) && !bounding_box(morph))
        throw Error(ErrorKind::empty_roi, who + ": perturbation " + perturbation.id + " leaves the ROI empty");
    if (input.keep_working_mask) result.working_mask = std::make_shared<const Mask>(morph);

    // ---- re-segmentation --------------------------------------------------------------------
    Mask intensity_mask = morph;
    const std::size_t n_int = resegment_checked(work, morph, s, who, diagnostics, reported_grid, intensity_mask, result.diagnostics);
    result.timings.preprocess_s = seconds_since(t0);

    // ---- the features of every image (the filtered ones computed here) ----------------------
    const auto t_pre = Clock::now();
    // PyRadiomics' intensity maps scale by max |x| of the image it filters: the whole input without
    // resampling, its resampled box (the working grid) with
    // (the study's cached value when `image` is the study's image unchanged)
    const double whole_max_abs = !detail::needs_whole_max_abs(s) ? 0.0
                                 : s.resample.enabled            ? filters::pyradiomics::max_abs(work)
                                 : shared && image_used == &input_image ? shared_max_abs(*shared)
                                                                        : filters::pyradiomics::max_abs(image);
    result.features = detail::lesion_features(work, intensity_mask, morph, n_int, s, detail::whole_working_grid(s, image.geometry),
                                              whole_max_abs, pixel);
    keep_listed_finite(result.features, s, who);
    result.timings.features_s = seconds_since(t_pre);
    result.timings.total_s = seconds_since(t0);
    return result;
}

}  // namespace

LesionResult extract(const LesionInput& input, const Settings& s, bool diagnostics, const Perturbation& perturbation) {
    SourceImage source = input.source;
    if (source.empty()) source.f64 = std::shared_ptr<const Image>(std::shared_ptr<const Image>(), &input.image);  // not owned
    // Steps that read every voxel as double (PyRadiomics normalisation, noise at the image's estimated
    // level): an int16 study image is converted once for this lesion. Other paths read int16 in place.
    if (source.i16 && (s.normalize.enabled || preprocess::has_noise_steps(perturbation))) {
        check_memory_budget(s, double(source.i16->geometry.voxel_count()) * 8.0, input.image_path + " / " + input.mask_path,
                            "the whole image as double (normalisation / noise)");
        const Image whole = to_double(*source.i16);
        return extract_from(whole, input, s, diagnostics, perturbation, nullptr);
    }
    // a caller's own `image` (not a study's SourceImage) may change between calls: no cache
    const SourceImage* shared = input.source.empty() ? nullptr : &source;
    return source.visit([&](const auto& image) { return extract_from(image, input, s, diagnostics, perturbation, shared); });
}

LesionResult extract_files(const std::string& image_path, const std::string& mask_path, const Settings& settings,
                           bool diagnostics) {
    const auto t0 = Clock::now();
    const LesionInput in = load(image_path, mask_path, settings);
    const double read_s = seconds_since(t0);
    LesionResult r = extract(in, settings, diagnostics);
    r.timings.read_s = read_s;
    r.timings.total_s = seconds_since(t0);
    return r;
}

}  // namespace radhpc::pipeline
