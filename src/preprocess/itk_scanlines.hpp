// Sample positions of ITK's ResampleImageFilter fast path (identity transform), shared by the own
// ITK-exact resamplers (bspline.cpp: cubic B-spline; nearest_itk.cpp: nearest-neighbour masks).
// Internal to preprocess (not part of the public interface).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::preprocess::detail {

// itkResampleImageFilter.hxx LinearThreadedGenerateData: for output line (y, z) the continuous input
// indices of output index (0, y, z) and (nx, y, z) through ITK's own index <-> point matrices (the
// inverse is vnl's SVD-based one, which must be the very same to get the same positions); sample x
// of the line sits at start + alpha (end - start), alpha = x / nx.
struct ItkScanlines {
    std::size_t nx = 0, ny = 0, nz = 0;
    std::vector<Vec3> start, end;  // per line, index z * ny + y
    // Separable: x positions equal on every line, y (z) positions constant along a line and
    // depending on y (z) only; then axis_positions[a][k] is the position of output index k on axis a.
    bool separable = false;
    std::array<std::vector<double>, 3> axis_positions;

    double position(std::size_t line, std::size_t x, int a) const {
        const double alpha = double(std::int64_t(x)) / double(nx);
        return start[line][a] + alpha * (end[line][a] - start[line][a]);
    }
};

ItkScanlines itk_scanlines(const Geometry& input, const Geometry& target);

// ITK ImageFunction::IsInsideBuffer for one axis: [-0.5, n - 0.5), false for NaN
inline bool inside_buffer(double p, std::int64_t n) { return p >= -0.5 && p < double(n - 1) + 0.5; }

}  // namespace radhpc::preprocess::detail
