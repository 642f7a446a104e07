// Core value types: voxel grids with full physical geometry.
// Layer `core`: standard library only.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace radhpc {

using Vec3 = std::array<double, 3>;
using Size3 = std::array<std::size_t, 3>;
using Index3 = std::array<std::int64_t, 3>;
using Mat3 = std::array<double, 9>;  // row-major; column j is the direction of index axis j (ITK convention)

// Geometry of a voxel grid. Index order: x fastest, then y, then z (as ITK/NIfTI/NRRD store it).
// `origin` is the physical position (mm) of the centre of voxel (0,0,0).
struct Geometry {
    Size3 size{0, 0, 0};
    Vec3 spacing{1.0, 1.0, 1.0};
    Vec3 origin{0.0, 0.0, 0.0};
    Mat3 direction{1, 0, 0, 0, 1, 0, 0, 0, 1};

    std::size_t voxel_count() const { return size[0] * size[1] * size[2]; }
    // physical point = origin + D * diag(spacing) * index
    Vec3 index_to_point(const Vec3& continuous_index) const;
    // inverse of index_to_point
    Vec3 point_to_index(const Vec3& point) const;
    double voxel_volume() const { return spacing[0] * spacing[1] * spacing[2]; }
};

// Same size, and origin/spacing/direction equal within `tolerance` (absolute, mm or cosine units).
bool same_grid(const Geometry& a, const Geometry& b, double tolerance);
// Every field bit-for-bit equal (what the feature families' internal checks assume).
bool identical_grid(const Geometry& a, const Geometry& b);

template <class T>
struct Volume {
    Geometry geometry;
    std::vector<T> data;

    Volume() = default;
    explicit Volume(const Geometry& g, T fill = T{}) : geometry(g), data(g.voxel_count(), fill) {}

    std::size_t nx() const { return geometry.size[0]; }
    std::size_t ny() const { return geometry.size[1]; }
    std::size_t nz() const { return geometry.size[2]; }
    std::size_t index(std::size_t x, std::size_t y, std::size_t z) const {
        return x + geometry.size[0] * (y + geometry.size[1] * z);
    }
    T& at(std::size_t x, std::size_t y, std::size_t z) { return data[index(x, y, z)]; }
    const T& at(std::size_t x, std::size_t y, std::size_t z) const { return data[index(x, y, z)]; }
    bool contains(std::int64_t x, std::int64_t y, std::int64_t z) const {
        return x >= 0 && y >= 0 && z >= 0 && x < std::int64_t(nx()) && y < std::int64_t(ny()) &&
               z < std::int64_t(nz());
    }
};

// The pixel type an image was stored with (PyRadiomics casts resampled values back to it).
struct PixelType {
    bool integer = false;     // stored as integers, and every value is an integer (readers ensure it)
    double min = 0, max = 0;  // representable range when integer
    bool float32 = false;     // stored as 32-bit float: SimpleITK's resampler rounds its output to float
};

// Intensities are held as double: PyRadiomics and IBSI arithmetic is done in double precision.
using Image = Volume<double>;
// Binary ROI: 1 inside, 0 outside.
using Mask = Volume<std::uint8_t>;
// Discretised grey levels (1..Ng inside the ROI; values outside the ROI are meaningless).
using GreyLevels = Volume<std::int32_t>;

}  // namespace radhpc
