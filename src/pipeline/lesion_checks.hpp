// Checks and IBSI diagnostic features of one lesion's images and masks (templates over the pixel
// type of the input: int16 study images are read in place). Internal to the pipeline layer.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

#include "radhpc/core/error.hpp"
#include "radhpc/core/feature_values.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::pipeline::detail {

// IBSI diagnostic features of an image: dimensions, voxel size, mean / min / max intensity.
template <class T>
void image_diagnostics(const Volume<T>& img, const std::string& step, FeatureValues& out) {
    const char* ax = "xyz";
    for (int a = 0; a < 3; ++a) out.push_back({std::string("img_dim_") + ax[a] + "_" + step + "_img", double(img.geometry.size[a])});
    for (int a = 0; a < 3; ++a) out.push_back({std::string("vox_dim_") + ax[a] + "_" + step + "_img", img.geometry.spacing[a]});
    double sum = 0, mn = INFINITY, mx = -INFINITY;
    for (const double v : img.data) {
        sum += v;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
    }
    out.push_back({"mean_int_" + step + "_img", sum / double(img.data.size())});
    out.push_back({"min_int_" + step + "_img", mn});
    out.push_back({"max_int_" + step + "_img", mx});
}

// IBSI diagnostic features of the ROI masks after a step.
template <class T>
void roi_diagnostics(const Volume<T>& img, const Mask& int_mask, const Mask& morph_mask, const std::string& step,
                     FeatureValues& out, const Size3* grid_size = nullptr) {
    // grid_size: the grid the masks are a crop of (the dimensions IBSI reports are the grid's)
    const Size3& dims = grid_size ? *grid_size : int_mask.geometry.size;
    const char* ax = "xyz";
    for (int a = 0; a < 3; ++a) out.push_back({std::string("int_mask_dim_") + ax[a] + "_" + step + "_roi", double(dims[a])});
    const auto bi = bounding_box(int_mask);
    const auto bm = bounding_box(morph_mask);
    for (int a = 0; a < 3; ++a) out.push_back({std::string("int_mask_bb_dim_") + ax[a] + "_" + step + "_roi", bi ? double(bi->extent(a)) : 0.0});
    for (int a = 0; a < 3; ++a) out.push_back({std::string("morph_mask_bb_dim_") + ax[a] + "_" + step + "_roi", bm ? double(bm->extent(a)) : 0.0});
    out.push_back({"int_mask_vox_count_" + step + "_roi", double(count_voxels(int_mask))});
    out.push_back({"morph_mask_vox_count_" + step + "_roi", double(count_voxels(morph_mask))});
    double sum = 0, n = 0, mn = INFINITY, mx = -INFINITY;
    for (std::size_t i = 0; i < int_mask.data.size(); ++i)
        if (int_mask.data[i]) {
            const double v = double(img.data[i]);
            sum += v;
            n += 1;
            mn = std::min(mn, v);
            mx = std::max(mx, v);
        }
    out.push_back({"int_mask_mean_int_" + step + "_roi", n > 0 ? sum / n : 0.0});
    out.push_back({"int_mask_min_int_" + step + "_roi", n > 0 ? mn : 0.0});
    out.push_back({"int_mask_max_int_" + step + "_roi", n > 0 ? mx : 0.0});
}

// `box` bounds the mask's voxels (nothing outside it can count).
template <class T>
void check_finite(const Volume<T>& image, const Mask& mask, const BoundingBox& box, const std::string& what) {
    if constexpr (std::is_integral_v<T>) return;  // integers are finite
    std::size_t bad = 0;
    for (std::int64_t z = box.lo[2]; z <= box.hi[2]; ++z)
        for (std::int64_t y = box.lo[1]; y <= box.hi[1]; ++y)
            for (std::size_t i = mask.index(std::size_t(box.lo[0]), std::size_t(y), std::size_t(z)),
                             end = i + std::size_t(box.extent(0));
                 i < end; ++i)
                if (mask.data[i] && !std::isfinite(double(image.data[i]))) ++bad;
    if (bad)
        throw Error(ErrorKind::invalid_input, what + ": " + std::to_string(bad) + " ROI voxel(s) have NaN or infinite intensity");
}

}  // namespace radhpc::pipeline::detail
