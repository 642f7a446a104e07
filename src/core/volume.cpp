#include "radhpc/core/volume.hpp"

#include <cmath>

#include "radhpc/core/error.hpp"

namespace radhpc {

Vec3 Geometry::index_to_point(const Vec3& ci) const {
    Vec3 p = origin;
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) p[r] += direction[3 * r + c] * spacing[c] * ci[c];
    return p;
}

Vec3 Geometry::point_to_index(const Vec3& point) const {
    // Direction matrices are orthonormal, so the inverse is the transpose.
    Vec3 d{point[0] - origin[0], point[1] - origin[1], point[2] - origin[2]};
    Vec3 ci{0, 0, 0};
    for (int c = 0; c < 3; ++c) {
        double s = 0;
        for (int r = 0; r < 3; ++r) s += direction[3 * r + c] * d[r];
        ci[c] = s / spacing[c];
    }
    return ci;
}

bool same_grid(const Geometry& a, const Geometry& b, double tolerance) {
    if (a.size != b.size) return false;
    // written as !(difference <= limit) so that a NaN anywhere never counts as "same"
    for (int i = 0; i < 3; ++i) {
        const double scale = std::max(a.spacing[i], b.spacing[i]);
        if (!(std::abs(a.spacing[i] - b.spacing[i]) <= tolerance * scale)) return false;
        if (!(std::abs(a.origin[i] - b.origin[i]) <= tolerance * scale)) return false;
    }
    for (int i = 0; i < 9; ++i)
        if (!(std::abs(a.direction[i] - b.direction[i]) <= tolerance)) return false;
    return true;
}

bool identical_grid(const Geometry& a, const Geometry& b) {
    return a.size == b.size && a.spacing == b.spacing && a.origin == b.origin && a.direction == b.direction;
}

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::io: return "io";
        case ErrorKind::invalid_input: return "invalid_input";
        case ErrorKind::geometry_mismatch: return "geometry_mismatch";
        case ErrorKind::empty_roi: return "empty_roi";
        case ErrorKind::roi_too_small: return "roi_too_small";
        case ErrorKind::settings: return "settings";
        case ErrorKind::memory: return "memory";
        case ErrorKind::internal: return "internal";
    }
    return "unknown";
}

}  // namespace radhpc

// ---- source_image.hpp ----------------------------------------------------------------------------
#include "radhpc/core/source_image.hpp"

namespace radhpc {

SourceImage make_source_image(Image&& image, const PixelType& pixel) {
    SourceImage s;
    bool fits = pixel.integer;
    for (std::size_t i = 0; fits && i < image.data.size(); ++i) {
        const double v = image.data[i];
        fits = v >= -32768.0 && v <= 32767.0 && v == double(std::int16_t(v));
    }
    if (!fits) {
        s.f64 = std::make_shared<const Image>(std::move(image));
        return s;
    }
    auto out = std::make_shared<Volume<std::int16_t>>();
    out->geometry = image.geometry;
    out->data.resize(image.data.size());
    for (std::size_t i = 0; i < image.data.size(); ++i) out->data[i] = std::int16_t(image.data[i]);
    image = Image();  // release the doubles before the caller goes on
    s.i16 = std::move(out);
    return s;
}

Image to_double(const Volume<std::int16_t>& image) {
    Image out;
    out.geometry = image.geometry;
    out.data.assign(image.data.begin(), image.data.end());
    return out;
}

}  // namespace radhpc
