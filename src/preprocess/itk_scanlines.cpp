// ITK ResampleImageFilter's scanline positions (see itk_scanlines.hpp).
#include "itk_scanlines.hpp"

#include "itk_image.hpp"

namespace radhpc::preprocess::detail {

ItkImage::Pointer itk_geometry(const Geometry& g) {
    auto img = ItkImage::New();
    ItkImage::RegionType region;
    ItkImage::SpacingType sp;
    ItkImage::PointType org;
    ItkImage::DirectionType dir;
    for (int a = 0; a < 3; ++a) {
        region.SetSize(a, g.size[a]);
        sp[a] = g.spacing[a];
        org[a] = g.origin[a];
        for (int b = 0; b < 3; ++b) dir[a][b] = g.direction[3 * a + b];
    }
    img->SetRegions(region);
    img->SetSpacing(sp);
    img->SetOrigin(org);
    img->SetDirection(dir);
    return img;
}

ItkScanlines itk_scanlines(const Geometry& input, const Geometry& target) {
    ItkScanlines s;
    s.nx = target.size[0];
    s.ny = target.size[1];
    s.nz = target.size[2];
    const std::size_t nx = s.nx, ny = s.ny, nz = s.nz;
    if (target.voxel_count() == 0) return s;
    const auto in_geo = itk_geometry(input);
    const auto out_geo = itk_geometry(target);
    // continuous input index of output index (0, y, z) and (nx, y, z); the identity transform
    // leaves the physical point as it is.
    s.start.resize(ny * nz);
    s.end.resize(ny * nz);
    for (std::size_t z = 0; z < nz; ++z)
        for (std::size_t y = 0; y < ny; ++y) {
            ItkImage::IndexType idx;
            idx[0] = 0;
            idx[1] = itk::IndexValueType(y);
            idx[2] = itk::IndexValueType(z);
            itk::Point<double, 3> p;
            itk::ContinuousIndex<double, 3> ci;
            out_geo->TransformIndexToPhysicalPoint(idx, p);
            in_geo->TransformPhysicalPointToContinuousIndex(p, ci);
            for (int a = 0; a < 3; ++a) s.start[z * ny + y][a] = ci[a];
            idx[0] = itk::IndexValueType(nx);
            out_geo->TransformIndexToPhysicalPoint(idx, p);
            in_geo->TransformPhysicalPointToContinuousIndex(p, ci);
            for (int a = 0; a < 3; ++a) s.end[z * ny + y][a] = ci[a];
        }
    bool separable = true;
    for (std::size_t z = 0; z < nz && separable; ++z)
        for (std::size_t y = 0; y < ny && separable; ++y) {
            const Vec3& b = s.start[z * ny + y];
            const Vec3& e = s.end[z * ny + y];
            separable = b[0] == s.start[0][0] && e[0] == s.end[0][0] && b[1] == e[1] && b[2] == e[2] && b[1] == s.start[y][1] &&
                        b[2] == s.start[z * ny][2];
        }
    s.separable = separable;
    if (separable) {
        for (std::size_t x = 0; x < nx; ++x) s.axis_positions[0].push_back(s.position(0, x, 0));
        for (std::size_t y = 0; y < ny; ++y) s.axis_positions[1].push_back(s.position(y, 0, 1));
        for (std::size_t z = 0; z < nz; ++z) s.axis_positions[2].push_back(s.position(z * ny, 0, 2));
    }
    return s;
}

}  // namespace radhpc::preprocess::detail
