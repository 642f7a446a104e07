// radhpc._core: the extraction pipeline for Python (pybind11). The PyRadiomics-compatible extractor and
// `radhpc.extract` (python/radhpc/*.py) are thin Python over `extract` here. The GIL is released while
// a lesion is read and computed, so other Python threads run meanwhile; radhpc::Error becomes
// radhpc.RadhpcError with the error's kind in `.kind`.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <optional>
#include <string>

#include "arrays.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/features/registry.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/pipeline/memory.hpp"

namespace py = pybind11;

namespace radhpc::python {
namespace {

PyObject* g_error_type = nullptr;  // radhpc.RadhpcError (lives as long as the interpreter)

// An image or mask argument: a path (str), an array, or (array, spacing, origin, direction).
struct VolumeArgument {
    std::optional<std::string> path;
    py::array values;
    py::object spacing = py::none(), origin = py::none(), direction = py::none();
};

VolumeArgument volume_argument(const py::object& value, const char* what) {
    VolumeArgument a;
    if (py::isinstance<py::str>(value)) {
        a.path = value.cast<std::string>();
    } else if (py::isinstance<py::tuple>(value)) {
        const auto t = value.cast<py::tuple>();
        if (t.size() < 1 || t.size() > 4) throw Error(ErrorKind::invalid_input, std::string(what) + ": expected (array, spacing, origin, direction)");
        a.values = py::array::ensure(t[0]);
        if (t.size() > 1) a.spacing = t[1];
        if (t.size() > 2) a.origin = t[2];
        if (t.size() > 3) a.direction = t[3];
    } else {
        a.values = py::array::ensure(value);
    }
    if (!a.path && !a.values) throw Error(ErrorKind::invalid_input, std::string(what) + ": expected a file path or a NumPy array");
    return a;
}

io::JobSettings parse_job(const std::string& text, const std::string& kind, const std::string& origin) {
    if (kind == "pyradiomics") return io::parse_pyradiomics_text(text, origin);
    if (kind == "job") return io::parse_job_text(text, origin);
    throw Error(ErrorKind::settings, "job kind must be 'job' or 'pyradiomics', not '" + kind + "'");
}

// Reads (arguments given as files, without the GIL) or converts (arrays) the lesion.
pipeline::LesionInput lesion_input(const VolumeArgument& image, const VolumeArgument& mask, const Settings& settings) {
    if (image.path) {
        if (!mask.path) throw Error(ErrorKind::invalid_input, "mask: the image is a file, so the mask must be a file too");
        py::gil_scoped_release unlocked;
        pipeline::check_memory_budget(settings, pipeline::estimate_study_bytes(*image.path, settings), *image.path, "reading the image");
        return pipeline::load(*image.path, *mask.path, settings);
    }
    pipeline::LesionInput in;
    in.image_path = "<array>";
    const Geometry grid = geometry_of(image.values, image.spacing, image.origin, image.direction);
    in.source = source_from_array(image.values, grid, in.pixel_type);
    if (mask.path) {
        in.mask_path = *mask.path;
        py::gil_scoped_release unlocked;
        in.mask = io::read_mask_input(*mask.path, grid, settings.label, settings.dicom, "", settings.label_given);
    } else {
        in.mask_path = "<array>";
        // a bare mask array lies on the image's grid; a tuple brings its own
        const bool own_grid = !mask.spacing.is_none() || !mask.origin.is_none() || !mask.direction.is_none();
        Geometry mask_grid = own_grid ? geometry_of(mask.values, mask.spacing, mask.origin, mask.direction)
                                      : geometry_of(mask.values, image.spacing, image.origin, image.direction);
        in.mask = mask_from_array(mask.values, mask_grid, settings.label);
    }
    pipeline::snap_mask_grid(in.mask.geometry, in.source.geometry(), settings.geometry_tolerance);
    return in;
}

py::list name_value_pairs(const FeatureValues& values, features::Naming naming) {
    py::list out;
    for (const auto& f : values) out.append(py::make_tuple(features::output_name(f.name, naming), f.value));
    return out;
}

py::dict geometry_dict(const Geometry& g) {
    py::dict d;
    d["size"] = py::make_tuple(g.size[0], g.size[1], g.size[2]);
    d["spacing"] = py::make_tuple(g.spacing[0], g.spacing[1], g.spacing[2]);
    d["origin"] = py::make_tuple(g.origin[0], g.origin[1], g.origin[2]);
    d["direction"] = py::tuple(py::cast(std::vector<double>(g.direction.begin(), g.direction.end())));
    return d;
}

// One lesion: features (ordered (name, value) pairs), the IBSI diagnostics when asked, the image and
// mask as radhpc read them (read-only views, for hashes and checks), their grids and the timings.
py::dict extract(const py::object& image, const py::object& mask, const std::string& job_text, const std::string& job_kind,
                 const std::string& job_origin, std::optional<int> label, const std::string& roi, const std::string& names,
                 std::optional<bool> diagnostics) {
    const auto t0 = std::chrono::steady_clock::now();
    io::JobSettings job = parse_job(job_text, job_kind, job_origin);
    io::select_roi(job.settings, label, roi);
    pipeline::budget_for_one_lesion(job.settings);
    const features::Naming naming =
        features::naming_from(names, job.output.pyradiomics_names ? features::Naming::pyradiomics : features::Naming::ibsi);
    const VolumeArgument image_arg = volume_argument(image, "image"), mask_arg = volume_argument(mask, "mask");
    pipeline::LesionInput in = lesion_input(image_arg, mask_arg, job.settings);
    const double read_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    pipeline::LesionResult r;
    {
        py::gil_scoped_release unlocked;
        r = pipeline::extract(in, job.settings, diagnostics.value_or(job.output.diagnostics));
    }
    py::dict out;
    out["features"] = name_value_pairs(r.features, naming);
    out["diagnostics"] = name_value_pairs(r.diagnostics, features::Naming::ibsi);
    out["image"] = in.source.i16 ? view_of(in.source.i16) : view_of(in.source.f64);
    out["mask"] = view_of(std::make_shared<const Mask>(std::move(in.mask)));
    out["image_geometry"] = geometry_dict(in.image_geometry());
    py::dict timings;
    timings["read_s"] = read_s + r.timings.read_s;
    timings["preprocess_s"] = r.timings.preprocess_s;
    timings["features_s"] = r.timings.features_s;
    timings["total_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out["timings"] = timings;
    return out;
}

void translate_errors(std::exception_ptr p) {
    try {
        if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
        py::object type = py::reinterpret_borrow<py::object>(g_error_type);
        py::object instance = type(e.what());
        instance.attr("kind") = to_string(e.kind());
        PyErr_SetObject(g_error_type, instance.ptr());
    }
}

}  // namespace
}  // namespace radhpc::python

PYBIND11_MODULE(_core, m) {
    using namespace radhpc::python;
    m.doc() = "radhpc's extraction pipeline (use radhpc.featureextractor / radhpc.extract)";
    g_error_type = PyErr_NewExceptionWithDoc("radhpc.RadhpcError", "A radhpc error; `kind` is radhpc's error kind (io, settings, empty_roi, ...).",
                                             PyExc_RuntimeError, nullptr);
    m.add_object("RadhpcError", py::handle(g_error_type));
    py::register_exception_translator(&translate_errors);
    m.def("version", [] { return std::string(RADHPC_VERSION) + "+" + RADHPC_GIT_HASH; });
    m.def("extract", &extract, py::arg("image"), py::arg("mask"), py::kw_only(), py::arg("job_text"), py::arg("job_kind"),
          py::arg("job_origin") = "<job>", py::arg("label") = py::none(), py::arg("roi") = "", py::arg("names") = "",
          py::arg("diagnostics") = py::none());
}
