// A study's image as read, kept in the narrowest exact type: int16 when every value is an integer
// in int16's range (a CT in HU, the archive case: a quarter of the memory of doubles), double
// otherwise. A study's lesions share it (never copied per lesion); the pipeline converts only what a
// lesion reads (its crop, or the voxels its interpolation reaches) to double.
// Layer `core`: standard library only.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>

#include "radhpc/core/volume.hpp"

namespace radhpc {

// Whole-image values a lesion may need, computed once by the first lesion that asks and shared by
// the copies of a SourceImage (a study's lesions), keyed by the volume they describe.
struct SourceImageCache {
    std::mutex mutex;
    const void* max_abs_of = nullptr;  // the volume max_abs was computed on
    double max_abs = 0;                // max |x| over every voxel (PyRadiomics' intensity maps)
};

struct SourceImage {
    std::shared_ptr<const Volume<std::int16_t>> i16;  // set when the values fit int16 exactly
    std::shared_ptr<const Image> f64;                 // otherwise
    std::shared_ptr<SourceImageCache> cache = std::make_shared<SourceImageCache>();

    bool empty() const { return !i16 && !f64; }
    const Geometry& geometry() const { return i16 ? i16->geometry : f64->geometry; }
    std::size_t bytes() const { return i16 ? i16->data.size() * 2 : f64 ? f64->data.size() * 8 : 0; }
    // f(const Volume<T>&) with the stored type
    template <class F>
    decltype(auto) visit(F&& f) const {
        return i16 ? f(*i16) : f(*f64);
    }
};

// Takes `image` (as read, values in double) and keeps it as int16 when `pixel` says the values are
// integers and every value fits; otherwise keeps the doubles. Either way `image` is consumed.
SourceImage make_source_image(Image&& image, const PixelType& pixel);

// The whole image as double (for the settings that need every voxel: diagnostics, normalisation,
// noise perturbations, ITK's linear/nearest resampling).
Image to_double(const Volume<std::int16_t>& image);

}  // namespace radhpc
