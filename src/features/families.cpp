// The one loop over the declared families (families.hpp): each row names a family's declaration, whether
// it reads ROI voxels only, and how it is called; the texture families share one call (shared matrices).
#include "radhpc/features/families.hpp"

#include <tbb/task_group.h>

#include <algorithm>
#include <exception>
#include <iterator>
#include <vector>

#include "radhpc/features/family.hpp"
#include "radhpc/features/intensity.hpp"
#include "radhpc/features/morphology.hpp"
#include "radhpc/features/shape_pyradiomics.hpp"
#include "radhpc/features/texture.hpp"

namespace radhpc::features {
namespace {

using Compute = FeatureValues (*)(const FamilyInputs&, const Settings&);

struct ComputedFamily {
    const FamilyDecl& decl;
    bool roi_only;    // reads intensities (or grey levels) of ROI voxels only
    Compute compute;  // nullptr: a texture family (texture_features computes the requested ones together)
};

const ComputedFamily kComputed[] = {
    {kMorphFamily, false,
     [](const FamilyInputs& in, const Settings& s) {
         return morphology(in.roi_morphological_mask, in.roi_intensity_mask, in.roi_image, s.features);
     }},
    {kLocFamily, false,
     [](const FamilyInputs& in, const Settings&) { return local_intensity(in.image, in.intensity_mask); }},
    {kStatFamily, true, [](const FamilyInputs& in, const Settings&) { return intensity_statistics(in.values); }},
    {kIhFamily, true,
     [](const FamilyInputs& in, const Settings&) { return intensity_histogram(in.level_values, in.n_levels); }},
    {kIvhFamily, true,
     [](const FamilyInputs& in, const Settings& s) {
         return intensity_volume_histogram(in.values, s.ivh, s.resegment);
     }},
    {kFirstorderFamily, true,
     [](const FamilyInputs& in, const Settings& s) {
         return pyradiomics_firstorder(in.values, in.level_values, in.roi_image.geometry.voxel_volume(),
                                       s.features.voxel_array_shift);
     }},
    {kShapeFamily, true, [](const FamilyInputs& in, const Settings&) { return pyradiomics_shape(in.shape_mask); }},
    {kShape2DFamily, true,
     [](const FamilyInputs& in, const Settings& s) { return pyradiomics_shape2d(in.shape_mask, s.force2d_dimension); }},
    {kCmFamily, true, nullptr},    {kRlmFamily, true, nullptr},   {kSzmFamily, true, nullptr},
    {kDzmFamily, true, nullptr},   {kNgtFamily, true, nullptr},   {kNglFamily, true, nullptr},
    {kGlcmFamily, true, nullptr},  {kGlrlmFamily, true, nullptr}, {kGlszmFamily, true, nullptr},
    {kGldmFamily, true, nullptr},  {kNgtdmFamily, true, nullptr},
};

FeatureValues texture_block(const FamilyInputs& in, const Settings& s, const std::set<std::string>& texture) {
    TextureExtras extras;
    extras.force2d = s.force2d;
    extras.force2d_dimension = s.force2d_dimension;
    extras.merge_angles_unweighted = s.texture.merge_angles_unweighted;
    return texture_features(in.levels, in.roi_intensity_mask, in.roi_morphological_mask, in.n_levels, s.texture,
                            s.profile, texture, extras);
}

}  // namespace

FeatureValues compute_families(const FamilyInputs& in, const Settings& settings,
                               const std::set<std::string>& families) {
    // One task per requested family, the texture families as one task at the end.
    std::vector<const ComputedFamily*> tasks;
    std::set<std::string> texture;
    for (const auto& f : kComputed) {
        if (!families.count(std::string(f.decl.name))) continue;
        if (f.compute) tasks.push_back(&f);
        else texture.insert(std::string(f.decl.name));
    }
    const std::size_t n = tasks.size() + (texture.empty() ? 0 : 1);
    std::vector<FeatureValues> values(n);
    std::vector<std::exception_ptr> errors(n);
    tbb::task_group group;
    for (std::size_t k = 0; k < n; ++k)
        group.run([&, k] {
            try {
                values[k] = k < tasks.size() ? tasks[k]->compute(in, settings) : texture_block(in, settings, texture);
            } catch (...) {
                errors[k] = std::current_exception();
            }
        });
    group.wait();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
    FeatureValues out;
    for (auto& v : values) std::move(v.begin(), v.end(), std::back_inserter(out));
    return out;
}

bool reads_only_roi(const std::set<std::string>& families) {
    for (const auto& name : families) {
        const auto it = std::find_if(std::begin(kComputed), std::end(kComputed),
                                     [&](const ComputedFamily& f) { return f.decl.name == name; });
        if (it == std::end(kComputed) || !it->roi_only) return false;
    }
    return true;
}

}  // namespace radhpc::features
