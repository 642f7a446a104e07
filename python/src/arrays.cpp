#include "arrays.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "radhpc/core/error.hpp"

namespace radhpc::python {
namespace {

std::vector<double> numbers(const py::object& value, std::size_t count, const char* what) {
    std::vector<double> out;
    try {
        for (const auto& v : value) out.push_back(v.cast<double>());
    } catch (const py::error_already_set&) {
        throw Error(ErrorKind::invalid_input, std::string(what) + ": expected a sequence of " + std::to_string(count) + " numbers");
    } catch (const py::cast_error&) {
        throw Error(ErrorKind::invalid_input, std::string(what) + ": expected a sequence of " + std::to_string(count) + " numbers");
    }
    if (out.size() != count)
        throw Error(ErrorKind::invalid_input, std::string(what) + ": expected " + std::to_string(count) + " numbers, got " + std::to_string(out.size()));
    for (double v : out)
        if (!std::isfinite(v)) throw Error(ErrorKind::invalid_input, std::string(what) + ": not finite");
    return out;
}

// (min, max) of an integer dtype
std::pair<double, double> integer_range(const py::dtype& t) {
    const int bits = int(t.itemsize()) * 8;
    if (t.kind() == 'b') return {0, 1};
    if (t.kind() == 'u') return {0, std::ldexp(1.0, bits) - 1};
    return {-std::ldexp(1.0, bits - 1), std::ldexp(1.0, bits - 1) - 1};
}

}  // namespace

Geometry geometry_of(const py::array& values, const py::object& spacing, const py::object& origin, const py::object& direction) {
    if (values.ndim() != 3 && values.ndim() != 2)
        throw Error(ErrorKind::invalid_input, "array: expected 3 dimensions [z, y, x] (or 2: [y, x]), got " + std::to_string(values.ndim()));
    Geometry g;
    const auto n = [&](int axis) { return std::size_t(values.shape(axis)); };
    g.size = values.ndim() == 3 ? Size3{n(2), n(1), n(0)} : Size3{n(1), n(0), 1};
    if (g.voxel_count() == 0) throw Error(ErrorKind::invalid_input, "array: no voxel");
    if (!spacing.is_none()) {
        const auto s = numbers(spacing, 3, "spacing");
        for (int i = 0; i < 3; ++i) {
            if (!(s[i] > 0)) throw Error(ErrorKind::invalid_input, "spacing: must be positive");
            g.spacing[i] = s[i];
        }
    }
    if (!origin.is_none()) {
        const auto o = numbers(origin, 3, "origin");
        g.origin = {o[0], o[1], o[2]};
    }
    if (!direction.is_none()) {
        const auto d = numbers(direction, 9, "direction");
        for (int i = 0; i < 9; ++i) g.direction[i] = d[i];
    }
    return g;
}

SourceImage source_from_array(const py::array& values, const Geometry& grid, PixelType& pixel) {
    const py::dtype t = values.dtype();
    const char kind = t.kind();
    if (kind != 'i' && kind != 'u' && kind != 'f' && kind != 'b')
        throw Error(ErrorKind::invalid_input, "image array: dtype " + py::str(static_cast<py::handle>(t)).cast<std::string>() + " is not a real number type");
    pixel = PixelType{};
    if (kind == 'f') {
        pixel.float32 = t.itemsize() == 4;
    } else {
        pixel.integer = true;
        std::tie(pixel.min, pixel.max) = integer_range(t);
    }
    // forcecast + c_style: any dtype and memory layout, converted once into x-fastest doubles
    const auto dense = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!dense) throw Error(ErrorKind::invalid_input, "image array: cannot be read as numbers");
    Image image(grid);
    std::copy(dense.data(), dense.data() + image.data.size(), image.data.begin());
    return make_source_image(std::move(image), pixel);
}

Mask mask_from_array(const py::array& values, const Geometry& grid, int label) {
    const char kind = values.dtype().kind();
    if (kind != 'i' && kind != 'u' && kind != 'f' && kind != 'b')
        throw Error(ErrorKind::invalid_input, "mask array: dtype " + py::str(static_cast<py::handle>(values.dtype())).cast<std::string>() + " is not a number type");
    const auto dense = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!dense) throw Error(ErrorKind::invalid_input, "mask array: cannot be read as numbers");
    Mask mask(grid);
    const double* v = dense.data();
    for (std::size_t i = 0; i < mask.data.size(); ++i) mask.data[i] = v[i] == double(label) ? 1 : 0;
    return mask;
}

}  // namespace radhpc::python
