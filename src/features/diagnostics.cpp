// The IBSI 1 diagnostic features (CT configurations: the image and ROI at each processing stage), declared
// for the registry. The pipeline computes them (image_diagnostics and roi_diagnostics in
// pipeline/extract.cpp, a layer above); their tag is item + stage, e.g. "img_dim_x" + "_init_img".
#include "radhpc/features/family.hpp"

namespace radhpc::features {
namespace {

constexpr std::string_view kImageStages[] = {"_init_img", "_interp_img"};
constexpr IbsiFeature kImage[] = {
    {"img_dim_x", "", "", "Image dimension x", 0},
    {"img_dim_y", "", "", "Image dimension y", 0},
    {"img_dim_z", "", "", "Image dimension z", 0},
    {"vox_dim_x", "", "mm", "Voxel dimension x", 0},
    {"vox_dim_y", "", "mm", "Voxel dimension y", 0},
    {"vox_dim_z", "", "mm", "Voxel dimension z", 0},
    {"mean_int", "", "", "Mean intensity", 0},
    {"min_int", "", "", "Minimum intensity", 0},
    {"max_int", "", "", "Maximum intensity", 0},
};

constexpr std::string_view kRoiStages[] = {"_init_roi", "_interp_roi", "_reseg_roi"};
constexpr IbsiFeature kRoi[] = {
    {"int_mask_dim_x", "", "", "Int. mask dimension x", 0},
    {"int_mask_dim_y", "", "", "Int. mask dimension y", 0},
    {"int_mask_dim_z", "", "", "Int. mask dimension z", 0},
    {"int_mask_bb_dim_x", "", "", "Int. mask bounding box dimension x", 0},
    {"int_mask_bb_dim_y", "", "", "Int. mask bounding box dimension y", 0},
    {"int_mask_bb_dim_z", "", "", "Int. mask bounding box dimension z", 0},
    {"morph_mask_bb_dim_x", "", "", "Morph. mask bounding box dimension x", 0},
    {"morph_mask_bb_dim_y", "", "", "Morph. mask bounding box dimension y", 0},
    {"morph_mask_bb_dim_z", "", "", "Morph. mask bounding box dimension z", 0},
    {"int_mask_vox_count", "", "", "Int. mask voxel count", 0},
    {"morph_mask_vox_count", "", "", "Morph. mask voxel count", 0},
    {"int_mask_mean_int", "", "", "Int. mask mean intensity", 0},
    {"int_mask_min_int", "", "", "Int. mask minimum intensity", 0},
    {"int_mask_max_int", "", "", "Int. mask maximum intensity", 0},
};

}  // namespace

// Registry only (value slots unused): the pipeline names and computes these.
constexpr FamilyDecl kDiagImageFamily{"diag", kImageStages, kImage, {}};
constexpr FamilyDecl kDiagRoiFamily{"diag", kRoiStages, kRoi, {}};

}  // namespace radhpc::features
