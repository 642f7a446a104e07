// The single-lesion pipeline (IBSI 1 chapter 2 order of operations; PyRadiomics 3.x
// featureextractor order for the pyradiomics profile).
#include "radhpc/pipeline/extract.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/features/intensity.hpp"
#include "radhpc/features/morphology.hpp"
#include "radhpc/features/shape_pyradiomics.hpp"
#include "radhpc/features/texture.hpp"
#include "radhpc/preprocess/preprocess.hpp"

namespace radhpc::pipeline {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

const std::set<std::string> kTextureFamilies{"cm", "rlm", "szm", "dzm", "ngt", "ngl",
                                             "glcm", "glrlm", "glszm", "gldm", "ngtdm"};

std::string describe(const Geometry& g) {
    std::ostringstream s;
    s << "size " << g.size[0] << "x" << g.size[1] << "x" << g.size[2] << ", spacing (" << g.spacing[0] << ", "
      << g.spacing[1] << ", " << g.spacing[2] << "), origin (" << g.origin[0] << ", " << g.origin[1] << ", "
      << g.origin[2] << ")";
    return s.str();
}

// IBSI diagnostic features of an image: dimensions, voxel size, mean / min / max intensity.
void image_diagnostics(const Image& img, const std::string& step, FeatureValues& out) {
    const char* ax = "xyz";
    for (int a = 0; a < 3; ++a) out.push_back({std::string("img_dim_") + ax[a] + "_" + step + "_img", double(img.geometry.size[a])});
    for (int a = 0; a < 3; ++a) out.push_back({std::string("vox_dim_") + ax[a] + "_" + step + "_img", img.geometry.spacing[a]});
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (double v : img.data) {
        sum += v;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
    }
    out.push_back({"mean_int_" + step + "_img", sum / double(img.data.size())});
    out.push_back({"min_int_" + step + "_img", mn});
    out.push_back({"max_int_" + step + "_img", mx});
}

// IBSI diagnostic features of the ROI masks after a step.
void roi_diagnostics(const Image& img, const Mask& int_mask, const Mask& morph_mask, const std::string& step,
                     FeatureValues& out) {
    const char* ax = "xyz";
    for (int a = 0; a < 3; ++a) out.push_back({std::string("int_mask_dim_") + ax[a] + "_" + step + "_roi", double(int_mask.geometry.size[a])});
    const auto bi = bounding_box(int_mask);
    const auto bm = bounding_box(morph_mask);
    for (int a = 0; a < 3; ++a) out.push_back({std::string("int_mask_bb_dim_") + ax[a] + "_" + step + "_roi", bi ? double(bi->extent(a)) : 0.0});
    for (int a = 0; a < 3; ++a) out.push_back({std::string("morph_mask_bb_dim_") + ax[a] + "_" + step + "_roi", bm ? double(bm->extent(a)) : 0.0});
    out.push_back({"int_mask_vox_count_" + step + "_roi", double(count_voxels(int_mask))});
    out.push_back({"morph_mask_vox_count_" + step + "_roi", double(count_voxels(morph_mask))});
    double sum = 0, n = 0, mn = INFINITY, mx = -INFINITY;
    for (std::size_t i = 0; i < int_mask.data.size(); ++i)
        if (int_mask.data[i]) {
            sum += img.data[i];
            n += 1;
            mn = std::min(mn, img.data[i]);
            mx = std::max(mx, img.data[i]);
        }
    out.push_back({"int_mask_mean_int_" + step + "_roi", n > 0 ? sum / n : 0.0});
    out.push_back({"int_mask_min_int_" + step + "_roi", n > 0 ? mn : 0.0});
    out.push_back({"int_mask_max_int_" + step + "_roi", n > 0 ? mx : 0.0});
}

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

void check_finite(const Image& image, const Mask& mask, const std::string& what) {
    std::size_t bad = 0;
    for (std::size_t i = 0; i < mask.data.size(); ++i)
        if (mask.data[i] && !std::isfinite(image.data[i])) ++bad;
    if (bad)
        throw Error(ErrorKind::invalid_input, what + ": " + std::to_string(bad) + " ROI voxel(s) have NaN or infinite intensity");
}

}  // namespace

LesionResult extract(const LesionInput& input, const Settings& s, bool diagnostics, const Perturbation& perturbation) {
    const auto t0 = Clock::now();
    if (!perturbation.none())  // placeholder until preprocess/perturb lands (issue 7)
        throw Error(ErrorKind::invalid_input, "perturbation " + perturbation.id + ": perturbations are not implemented yet");
    LesionResult result;
    const bool pyrad = s.profile == Profile::pyradiomics;
    const std::string who = input.image_path + " / " + input.mask_path;

    // ---- geometry check (PyRadiomics checkMask / correctMask) -------------------------------
    Image image = input.image;
    Mask mask = input.mask;
    if (!same_grid(image.geometry, mask.geometry, s.geometry_tolerance)) {
        if (!s.correct_mask)
            throw Error(ErrorKind::geometry_mismatch,
                        who + ": mask grid does not match the image grid (image " + describe(image.geometry) + "; mask " +
                            describe(mask.geometry) + "); set input.correct_mask (PyRadiomics correctMask) to resample the mask");
        mask = preprocess::resample_mask(mask, image.geometry, Interpolation::nearest, 0.5, Profile::pyradiomics);
    }
    if (s.round_input_intensities) preprocess::round_intensities(image);
    const auto box0 = bounding_box(mask);
    if (!box0) throw Error(ErrorKind::empty_roi, who + ": the mask is empty");
    check_finite(image, mask, who);
    if (diagnostics) {
        image_diagnostics(image, "init", result.diagnostics);
        roi_diagnostics(image, mask, mask, "init", result.diagnostics);
    }
    if (s.normalize.enabled) preprocess::normalise(image, s.normalize);  // PyRadiomics: whole image, before resampling
    PixelType pixel = s.normalize.enabled ? PixelType{} : input.pixel_type;

    // ---- resampling onto the working grid ---------------------------------------------------
    Image work;
    Mask morph;
    const Index3 loc_pad = pyrad ? Index3{0, 0, 0} : sphere_margin(s.resample.enabled ? s.resample.spacing : image.geometry.spacing);
    if (s.resample.enabled) {
        if (pyrad) {
            // SimpleITK semantics: positions come from physical points on the whole input image
            // (ITK iterates over the output, so only B-spline pays for the whole image: its prefilter).
            const Geometry target = preprocess::pyradiomics_resampled_geometry(image.geometry, s.resample.spacing, box0->lo,
                                                                               box0->hi, s.resample.pad_distance);
            work = preprocess::resample_image(image, target, s.resample.image_interpolation, s.profile, pixel);
            morph = preprocess::resample_mask(mask, target, Interpolation::nearest, 0.5, s.profile);
        } else {
            // IBSI: the full grid is defined by the whole image; interpolate only the part around
            // the ROI (bit-identical to interpolating everything), or everything for diagnostics.
            const Geometry full = preprocess::ibsi_resampled_geometry(image.geometry, s.resample.spacing);
            Index3 lo{0, 0, 0}, hi{std::int64_t(full.size[0]) - 1, std::int64_t(full.size[1]) - 1, std::int64_t(full.size[2]) - 1};
            if (!diagnostics) target_range(image.geometry, *box0, full, sphere_margin(full.spacing), lo, hi);
            const Size3 size{std::size_t(hi[0] - lo[0] + 1), std::size_t(hi[1] - lo[1] + 1), std::size_t(hi[2] - lo[2] + 1)};
            work = preprocess::resample_ibsi(image, full, lo, size, s.resample.image_interpolation);
            morph = preprocess::resample_mask_ibsi(mask, full, lo, size, s.resample.mask_interpolation,
                                                   s.resample.mask_partial_volume_threshold);
        }
        if (s.resample.round_intensities) preprocess::round_intensities(work);
        if (diagnostics) {
            image_diagnostics(work, "interp", result.diagnostics);
            roi_diagnostics(work, morph, morph, "interp", result.diagnostics);
        }
    } else if (diagnostics) {
        work = image;  // diagnostics describe the whole grid
        morph = mask;
        {
            image_diagnostics(image, "interp", result.diagnostics);
            roi_diagnostics(image, mask, mask, "interp", result.diagnostics);
        }
    } else {
        work = crop(image, *box0, std::max({loc_pad[0], loc_pad[1], loc_pad[2]}), true);
        morph = crop(mask, *box0, std::max({loc_pad[0], loc_pad[1], loc_pad[2]}), true);
    }

    // ---- re-segmentation --------------------------------------------------------------------
    Mask intensity_mask = morph;
    preprocess::resegment(work, intensity_mask, s.resegment);
    if (diagnostics) roi_diagnostics(work, intensity_mask, morph, "reseg", result.diagnostics);
    const std::size_t n_int = count_voxels(intensity_mask);
    if (n_int == 0)
        throw Error(ErrorKind::empty_roi, who + ": the ROI is empty after re-segmentation");
    if (n_int < 2)
        throw Error(ErrorKind::roi_too_small, who + ": the ROI has a single voxel; its features are undefined");
    if (s.minimum_roi_size && n_int < *s.minimum_roi_size)
        throw Error(ErrorKind::roi_too_small, who + ": the ROI has " + std::to_string(n_int) + " voxels, fewer than minimum_roi_size " +
                                                  std::to_string(*s.minimum_roi_size));
    const auto box = bounding_box(intensity_mask);
    const auto mbox = bounding_box(morph);
    {
        int dims = 0;
        for (int a = 0; a < 3; ++a) dims += box->extent(a) > 1;
        if (dims < s.minimum_roi_dimensions)
            throw Error(ErrorKind::roi_too_small, who + ": the ROI spans " + std::to_string(dims) + " dimension(s), fewer than minimum_roi_dimensions " +
                                                      std::to_string(s.minimum_roi_dimensions));
    }
    check_finite(work, intensity_mask, who + " (after preprocessing)");

    // ---- crop to the ROI (plus one empty voxel around it) -----------------------------------
    BoundingBox roi_box = *mbox;
    const Image img_c = crop(work, roi_box, 1, false, 0.0);
    const Mask int_c = crop(intensity_mask, roi_box, 1, false, std::uint8_t(0));
    const Mask morph_c = crop(morph, roi_box, 1, false, std::uint8_t(0));
    std::vector<double> values;
    values.reserve(n_int);
    for (std::size_t i = 0; i < int_c.data.size(); ++i)
        if (int_c.data[i]) values.push_back(img_c.data[i]);
    const auto disc = preprocess::discretise(img_c, int_c, s.discretisation, s.profile, s.resegment);
    std::vector<std::int32_t> level_values;
    level_values.reserve(n_int);
    for (std::size_t i = 0; i < int_c.data.size(); ++i)
        if (int_c.data[i]) level_values.push_back(disc.levels.data[i]);
    const auto t_pre = Clock::now();
    result.timings.preprocess_s = std::chrono::duration<double>(t_pre - t0).count();

    // ---- features ---------------------------------------------------------------------------
    const auto& fam = s.features.families;
    auto has = [&](const char* f) { return fam.count(f) > 0; };
    auto append = [&](FeatureValues v) {
        for (auto& f : v) result.features.push_back(std::move(f));
    };
    if (has("morph")) append(features::morphology(morph_c, int_c, img_c, s.features));
    if (has("loc")) append(features::local_intensity(work, intensity_mask));
    if (has("stat")) append(features::intensity_statistics(values));
    if (has("ih")) append(features::intensity_histogram(level_values, disc.n_levels));
    if (has("ivh")) append(features::intensity_volume_histogram(values, s.ivh, s.resegment));
    if (has("firstorder"))
        append(features::pyradiomics_firstorder(values, level_values, img_c.geometry.voxel_volume(), s.features.voxel_array_shift));
    const Mask& shape_mask = s.resegment.resegment_shape ? int_c : morph_c;
    if (has("shape")) append(features::pyradiomics_shape(shape_mask));
    if (has("shape2D")) append(features::pyradiomics_shape2d(shape_mask, s.force2d_dimension));
    std::set<std::string> texture;
    for (const auto& f : fam)
        if (kTextureFamilies.count(f)) texture.insert(f);
    if (!texture.empty()) {
        features::TextureExtras extras;
        extras.force2d = s.force2d;
        extras.force2d_dimension = s.force2d_dimension;
        extras.merge_angles_unweighted = s.texture.merge_angles_unweighted;
        append(features::texture_features(disc.levels, int_c, morph_c, disc.n_levels, s.texture, s.profile, texture, extras));
    }
    // PyRadiomics featureClass lists: only the listed features of a class that has a list.
    if (!s.features.pyradiomics_feature_filter.empty()) {
        std::set<std::string> filtered_classes;
        for (const auto& f : s.features.pyradiomics_feature_filter) filtered_classes.insert(f.substr(0, f.find('_')));
        std::erase_if(result.features, [&](const FeatureValue& f) {
            const auto cls = f.name.substr(0, f.name.find('_'));
            return filtered_classes.count(cls) && !s.features.pyradiomics_feature_filter.count(f.name);
        });
    }
    for (const auto& f : result.features)
        if (!std::isfinite(f.value))
            throw Error(ErrorKind::invalid_input, who + ": feature " + f.name + " is not finite (" + std::to_string(f.value) +
                                                      "); the ROI does not support it");
    result.timings.features_s = seconds_since(t_pre);
    result.timings.total_s = seconds_since(t0);
    return result;
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
