// NumPy arrays <-> radhpc volumes for the Python module. Arrays are indexed [z, y, x] (as SimpleITK's
// GetArrayFromImage gives them); spacing, origin and direction are in ITK's (x, y, z) order.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>

#include "radhpc/core/source_image.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::python {

namespace py = pybind11;

// The grid of `values` (2-D arrays are one slice) with the given spacing / origin / direction
// (None: 1 mm, 0, identity). Throws Error(invalid_input) for a shape or geometry radhpc cannot hold.
Geometry geometry_of(const py::array& values, const py::object& spacing, const py::object& origin, const py::object& direction);

// The image as radhpc keeps a file it reads: integer dtypes as exact integers (int16 when they fit),
// float32 marked as such (PyRadiomics' resampler rounds to it), float64 as is.
SourceImage source_from_array(const py::array& values, const Geometry& grid, PixelType& pixel);

// Voxels equal to `label` (any numeric or bool dtype) on `grid`.
Mask mask_from_array(const py::array& values, const Geometry& grid, int label);

// A read-only [z, y, x] NumPy view of `volume` that keeps it alive (no copy).
template <class T>
py::array view_of(std::shared_ptr<const Volume<T>> volume) {
    const auto& g = volume->geometry;
    const auto item = static_cast<py::ssize_t>(sizeof(T));
    const std::vector<py::ssize_t> shape{py::ssize_t(g.size[2]), py::ssize_t(g.size[1]), py::ssize_t(g.size[0])};
    const std::vector<py::ssize_t> strides{item * py::ssize_t(g.size[0] * g.size[1]), item * py::ssize_t(g.size[0]), item};
    auto* owner = new std::shared_ptr<const Volume<T>>(std::move(volume));
    py::capsule base(owner, [](void* p) { delete static_cast<std::shared_ptr<const Volume<T>>*>(p); });
    py::array out(py::dtype::of<T>(), shape, strides, (*owner)->data.data(), base);
    py::detail::array_proxy(out.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return out;
}

}  // namespace radhpc::python
