// The `filters` list of a job file (IBSI 2 filters for the ibsi profile). The schema
// (schemas/job.schema.json, filters.items) has already checked each key's type and range and
// refused unknown keys; here: which keys each type takes, and the values the schema cannot express.
#include "filters_io.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "radhpc/core/error.hpp"
#include "radhpc/filters/filters.hpp"
#include "radhpc/filters/pyradiomics.hpp"

namespace radhpc::io {
namespace {

// Keys every filter takes, and the keys of each type.
const std::set<std::string> kCommon{"name", "type", "boundary"};
const std::map<std::string, std::set<std::string>> kTypeKeys{
    {"mean", {"dim", "support"}},
    {"log", {"dim", "sigma_mm", "truncation"}},
    {"laws", {"dim", "kernel", "energy_distance", "rotation_invariant", "pooling"}},
    {"gabor", {"sigma_mm", "lambda_mm", "gamma", "theta_deg", "theta_step_deg", "orthogonal_planes", "support_radius"}},
    {"wavelet", {"dim", "wavelet", "subband", "level", "rotation_invariant", "pooling"}},
    {"simoncelli", {"dim", "level"}},
    {"riesz", {"base", "order", "sigma_mm", "truncation", "level"}},
};
const std::map<std::string, std::set<std::string>> kRequired{
    {"mean", {"support"}}, {"log", {"sigma_mm"}}, {"laws", {"kernel"}}, {"gabor", {"sigma_mm", "lambda_mm"}},
    {"wavelet", {"wavelet", "subband"}}, {"simoncelli", {}},
    {"riesz", {"base", "order"}},
};

struct Entry {
    const YAML::Node& node;
    std::string where;  // "origin: filters[i]"
    [[noreturn]] void fail(const std::string& key, const std::string& why) const {
        throw Error(ErrorKind::settings, where + (key.empty() ? "" : "." + key) + ": " + why);
    }
    template <class T>
    T get(const std::string& key, T fallback) const {
        if (!node[key]) return fallback;
        try {
            return node[key].as<T>();
        } catch (const YAML::Exception&) {
            fail(key, "bad value");
        }
    }
};

FilterBoundary boundary_of(const std::string& b) {
    if (b == "zero") return FilterBoundary::zero;
    if (b == "nearest") return FilterBoundary::nearest;
    if (b == "periodic") return FilterBoundary::periodic;
    return FilterBoundary::mirror;  // the schema allows only these four
}

// A Laws kernel name: one 1D kernel per axis, each of L3 E3 S3 L5 E5 S5 W5 R5.
void check_laws_kernel(const Entry& e, const std::string& k, int dims) {
    static const std::set<std::string> known{"L3", "E3", "S3", "L5", "E5", "S5", "W5", "R5"};
    if (k.size() != 2 * std::size_t(dims))
        e.fail("kernel", "'" + k + "' must name " + std::to_string(dims) + " 1D kernels (e.g. " + (dims == 3 ? "L5E5E5" : "L5E5") +
                             ") for dim " + (dims == 3 ? "3D" : "2D"));
    for (int a = 0; a < dims; ++a) {
        std::string part = k.substr(2 * std::size_t(a), 2);
        part[0] = char(std::toupper(static_cast<unsigned char>(part[0])));
        if (!known.count(part)) e.fail("kernel", "'" + k + "': '" + part + "' is not a Laws kernel (L3 E3 S3 L5 E5 S5 W5 R5)");
    }
}

// A Riesz transform: of a LoG (sigma_mm, truncation) or Simoncelli (level) map, 3D only.
void parse_riesz(const Entry& e, FilterSettings& f) {
    f.kind = FilterKind::riesz;
    const std::string base = e.get<std::string>("base", "");
    if (base == "log") {
        f.riesz_base = FilterKind::log;
        if (!e.node["sigma_mm"]) e.fail("sigma_mm", "missing (a Riesz-transformed LoG needs it)");
        if (e.node["level"]) e.fail("level", "not a parameter of a Riesz-transformed LoG (base log)");
        f.sigma_mm = e.get<double>("sigma_mm", 0);
        f.truncation = e.get<double>("truncation", 4.0);
    } else if (base == "simoncelli") {
        f.riesz_base = FilterKind::simoncelli;
        for (const char* k : {"sigma_mm", "truncation"})
            if (e.node[k]) e.fail(k, "not a parameter of a Riesz-transformed Simoncelli wavelet (base simoncelli)");
        f.level = e.get<int>("level", 1);
    } else {
        e.fail("base", "'" + base + "': the Riesz transform applies to base log or simoncelli");
    }
    const auto order = e.get<std::vector<int>>("order", {});
    if (order.size() != 3) e.fail("order", "must list 3 integers (l_x, l_y, l_z), got " + std::to_string(order.size()));
    int total = 0;
    for (std::size_t a = 0; a < 3; ++a) {
        if (order[a] < 0 || order[a] > 8) e.fail("order", "each component must be 0 .. 8, got " + std::to_string(order[a]));
        f.riesz_order[a] = order[a];
        total += order[a];
    }
    if (total == 0) e.fail("order", "(0, 0, 0) is no transform: use a '" + base + "' filter");
}

FilterSettings parse_ibsi_filter(const Entry& e) {
    FilterSettings f;
    const std::string type = e.node["type"].as<std::string>();
    const auto keys = kTypeKeys.find(type);
    if (keys == kTypeKeys.end()) e.fail("type", "unknown filter type '" + type + "'");
    for (const auto& kv : e.node) {
        const std::string k = kv.first.as<std::string>();
        if (!kCommon.count(k) && !keys->second.count(k))
            e.fail(k, "not a parameter of a '" + type + "' filter (it takes: name, type, boundary" + [&] {
                std::string s;
                for (const auto& x : keys->second) s += ", " + x;
                return s;
            }() + ")");
    }
    for (const auto& k : kRequired.at(type))
        if (!e.node[k]) e.fail(k, "missing (a '" + type + "' filter needs it)");
    f.name = e.node["name"].as<std::string>();
    f.boundary = boundary_of(e.get<std::string>("boundary", "mirror"));
    f.dim3d = e.get<std::string>("dim", "3D") == "3D";
    const int dims = f.dim3d ? 3 : 2;
    if (type == "mean") {
        f.kind = FilterKind::mean;
        f.support = e.get<int>("support", 0);
        if (f.support % 2 == 0) e.fail("support", "must be odd (the box is centred on the voxel), got " + std::to_string(f.support));
    } else if (type == "log") {
        f.kind = FilterKind::log;
        f.sigma_mm = e.get<double>("sigma_mm", 0);
        f.truncation = e.get<double>("truncation", 4.0);
    } else if (type == "laws") {
        f.kind = FilterKind::laws;
        f.kernel = e.get<std::string>("kernel", "");
        check_laws_kernel(e, f.kernel, dims);
        f.energy_distance = e.get<int>("energy_distance", -1);
        f.rotation_invariant = e.get<bool>("rotation_invariant", false);
        f.pooling = e.get<std::string>("pooling", "max") == "mean" ? FilterPooling::mean : FilterPooling::max;
    } else if (type == "gabor") {
        f.kind = FilterKind::gabor;
        f.dim3d = false;
        f.sigma_mm = e.get<double>("sigma_mm", 0);
        f.lambda_mm = e.get<double>("lambda_mm", 0);
        f.gamma = e.get<double>("gamma", 1.0);
        f.theta_deg = e.get<double>("theta_deg", 0.0);
        f.theta_step_deg = e.get<double>("theta_step_deg", 0.0);
        f.orthogonal_planes = e.get<bool>("orthogonal_planes", false);
        f.support_radius = e.get<int>("support_radius", 0);
    } else if (type == "wavelet") {
        f.kind = FilterKind::wavelet;
        f.wavelet = e.get<std::string>("wavelet", "");
        if (!filters::known_wavelet(f.wavelet)) e.fail("wavelet", unknown_wavelet(f.wavelet));
        f.subband = e.get<std::string>("subband", "");
        if (f.subband.size() != std::size_t(dims) ||
            f.subband.find_first_not_of("LHlh") != std::string::npos)
            e.fail("subband", "'" + f.subband + "' must be " + std::to_string(dims) + " letters L or H (one per axis x, y" +
                                  (dims == 3 ? ", z" : "") + ") for dim " + (dims == 3 ? "3D" : "2D"));
        for (char& c : f.subband) c = char(std::toupper(static_cast<unsigned char>(c)));
        f.level = e.get<int>("level", 1);
        f.rotation_invariant = e.get<bool>("rotation_invariant", false);
        f.pooling = e.get<std::string>("pooling", "mean") == "max" ? FilterPooling::max : FilterPooling::mean;
    } else if (type == "simoncelli") {
        f.kind = FilterKind::simoncelli;
        f.level = e.get<int>("level", 1);
    } else {
        parse_riesz(e, f);
    }
    return f;
}


// Keys of each PyRadiomics image type (pyradiomics profile): PyRadiomics' parameters in the job's
// spelling; names are PyRadiomics' own, so no `name`.
const std::map<std::string, std::set<std::string>> kPyradiomicsKeys{
    {"log", {"sigma_mm"}},
    {"wavelet", {"wavelet", "start_level", "level", "force2d", "force2d_dimension"}},
    {"square", {}}, {"squareroot", {}}, {"logarithm", {}}, {"exponential", {}},
    {"gradient", {"use_spacing"}},
    {"lbp2d", {"radius", "samples", "method", "force2d_dimension"}},
};

FilterSettings parse_pyradiomics_filter(const Entry& e) {
    const std::string type = e.node["type"].as<std::string>();
    const auto keys = kPyradiomicsKeys.find(type);
    if (keys == kPyradiomicsKeys.end())
        e.fail("type", "'" + type + "' is an IBSI 2 filter; the pyradiomics profile's image types are log, wavelet, square, "
                       "squareroot, logarithm, exponential, gradient, lbp2d");
    for (const auto& kv : e.node) {
        const std::string k = kv.first.as<std::string>();
        if (k == "name") e.fail(k, "the pyradiomics profile names its images as PyRadiomics does (log-sigma-2-0-mm-3D, wavelet-LLH, ...)");
        if (k != "type" && !keys->second.count(k)) e.fail(k, "not a parameter of PyRadiomics' '" + type + "' image type");
    }
    FilterSettings f;
    if (type == "log") {
        if (!e.node["sigma_mm"]) e.fail("sigma_mm", "missing (one sigma per log entry)");
        f.kind = FilterKind::log;
        f.sigma_mm = e.get<double>("sigma_mm", 0);
        const std::string lit = e.node["sigma_mm"].Scalar();
        f.sigma_integer_literal = lit.find_first_of(".eE") == std::string::npos;
        f.name = filters::pyradiomics::log_image_name(f.sigma_mm, f.sigma_integer_literal);
    } else if (type == "wavelet") {
        f.kind = FilterKind::wavelet;
        f.name = "wavelet";
        f.wavelet = e.get<std::string>("wavelet", "coif1");
        if (!filters::known_wavelet(f.wavelet)) e.fail("wavelet", unknown_wavelet(f.wavelet));
        f.start_level = e.get<int>("start_level", 0);
        f.level = e.get<int>("level", 1);
        f.force2d = e.get<bool>("force2d", false);
        f.force2d_dimension = e.get<int>("force2d_dimension", 0);
    } else if (type == "gradient") {
        f.kind = FilterKind::gradient;
        f.name = "gradient";
        f.gradient_use_spacing = e.get<bool>("use_spacing", true);
    } else if (type == "lbp2d") {
        f.kind = FilterKind::lbp2d;
        f.name = "lbp-2D";
        f.lbp_radius = e.get<double>("radius", 1.0);
        f.lbp_samples = e.get<int>("samples", 8);
        f.lbp_method = e.get<std::string>("method", "uniform");
        f.force2d_dimension = e.get<int>("force2d_dimension", 0);
    } else {
        static const std::map<std::string, FilterKind> maps{{"square", FilterKind::square}, {"squareroot", FilterKind::square_root},
                                                            {"logarithm", FilterKind::logarithm}, {"exponential", FilterKind::exponential}};
        f.kind = maps.at(type);
        f.name = type;
    }
    return f;
}

}  // namespace

std::vector<FilterSettings> parse_filters(const YAML::Node& list, Profile profile, const std::string& origin) {
    std::vector<FilterSettings> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Entry e{list[i], origin + ": filters[" + std::to_string(i) + "]"};
        if (profile == Profile::pyradiomics) {
            FilterSettings f = parse_pyradiomics_filter(e);
            if (!names.insert(f.name).second) e.fail("type", "image '" + f.name + "' is computed by another entry");
            out.push_back(std::move(f));
            continue;
        }
        if (!e.node["name"]) e.fail("name", "missing (it prefixes the filtered image's feature names)");
        FilterSettings f = parse_ibsi_filter(e);
        if (f.name.empty() || f.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
            e.fail("name", "'" + f.name + "' must be letters, digits, '_', '.' or '-' (it prefixes the feature names)");
        if (!names.insert(f.name).second) e.fail("name", "'" + f.name + "' is used by another filter");
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace radhpc::io
