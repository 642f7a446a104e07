// Job files (YAML + JSON Schema) and PyRadiomics parameter files -> typed Settings.
#include "radhpc/core/file_text.hpp"
#include "radhpc/io/settings_io.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/features/registry.hpp"
#include "radhpc/filters/filters.hpp"
#include "radhpc/filters/pyradiomics.hpp"
#include "radhpc/io/signature_io.hpp"
#include "radhpc/io/perturbation_io.hpp"
#include "filters_io.hpp"

namespace radhpc::io {
namespace {

using json = nlohmann::json;

const json& job_schema() {
    static const json schema = json::parse(
#include "job_schema.inc"
    );
    return schema;
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw Error(ErrorKind::settings, origin + ": not valid YAML: " + e.what());
    }
}

std::string num(double v) {
    std::ostringstream o;
    o << v;
    return o.str();
}

// A value as shown in a message: at most 40 characters (never a whole file echoed back).
std::string shown(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "(empty)";
    if (!n.IsScalar()) return n.IsMap() ? "(a mapping)" : "(a list)";
    const std::string& v = n.Scalar();
    return "'" + (v.size() > 40 ? v.substr(0, 40) + "..." : v) + "'";
}

template <class T>
const char* type_name() {
    if constexpr (std::is_same_v<T, bool>) return "a boolean";
    else if constexpr (std::is_same_v<T, std::string>) return "a string";
    else if constexpr (std::is_floating_point_v<T>) return "a number";
    else if constexpr (std::is_unsigned_v<T>) return "a non-negative integer in range";
    else return "an integer in range";
}

// One key's value: yaml-cpp's conversion errors (wrong type, out of range) become Error(settings)
// naming the key instead of escaping as YAML::Exception; NaN and infinities are refused too
// (NaN passes every `<` check downstream, e.g. the schema's minimum).
template <class T>
T as(const YAML::Node& n, const std::string& origin, const std::string& key) {
    T v{};
    try {
        v = n.as<T>();
    } catch (const YAML::Exception&) {
        throw Error(ErrorKind::settings, origin + ": " + key + ": " + shown(n) + " is not " + type_name<T>());
    }
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(v)) throw Error(ErrorKind::settings, origin + ": " + key + ": " + shown(n) + " is not a finite number");
    return v;
}

// A mapping key as text (a list or mapping used as a key is an error, not a YAML::Exception).
std::string key_text(const YAML::Node& k, const std::string& origin, const std::string& where) {
    if (!k.IsScalar()) throw Error(ErrorKind::settings, origin + ": " + where + ": a key must be a plain name, got " + shown(k));
    return k.Scalar();
}

template <class T>
bool scalar_is(const YAML::Node& n) {
    if (!n.IsScalar()) return false;
    try {
        n.as<T>();
        return true;
    } catch (const YAML::Exception&) {
        return false;
    }
}

bool is_integer(const YAML::Node& n) {
    if (!scalar_is<double>(n)) return false;
    const double v = n.as<double>();
    // range check first: casting a double beyond long long's range is undefined behaviour
    if (!(std::fabs(v) < 9.2e18)) return false;
    return v == double(static_cast<long long>(v)) && n.Scalar().find_first_of(".eE") == std::string::npos;
}

// A validator for the JSON Schema keywords the job schema uses.
void validate(const YAML::Node& node, const json& schema, const std::string& path, std::vector<std::string>& errors) {
    const std::string where = path.empty() ? "(top level)" : path;
    if (schema.contains("type")) {
        const std::string t = schema["type"];
        bool ok = true;
        if (t == "object") ok = node.IsMap();
        else if (t == "array") ok = node.IsSequence();
        else if (t == "string") ok = node.IsScalar();
        else if (t == "boolean") ok = scalar_is<bool>(node);
        else if (t == "integer") ok = is_integer(node);
        else if (t == "number") ok = scalar_is<double>(node);
        if (!ok) {
            errors.push_back(where + ": expected " + t);
            return;
        }
        if ((t == "number" || t == "integer") && !std::isfinite(node.as<double>())) {
            errors.push_back(where + ": " + shown(node) + " is not a finite number");
            return;
        }
    }
    if (schema.contains("enum")) {
        bool found = false;
        for (const auto& e : schema["enum"]) {
            if (e.is_string() && node.IsScalar() && node.Scalar() == e.get<std::string>()) found = true;
            if (e.is_number() && scalar_is<double>(node) && node.as<double>() == e.get<double>()) found = true;
        }
        if (!found) {
            std::string allowed;
            for (const auto& e : schema["enum"]) allowed += (allowed.empty() ? "" : ", ") + (e.is_string() ? e.get<std::string>() : e.dump());
            errors.push_back(where + ": '" + (node.IsScalar() ? node.Scalar() : std::string("?")) + "' is not one of: " + allowed);
        }
    }
    if (scalar_is<double>(node) && (schema.contains("minimum") || schema.contains("maximum") || schema.contains("exclusiveMinimum"))) {
        const double v = node.as<double>();
        if (schema.contains("minimum") && v < schema["minimum"].get<double>())
            errors.push_back(where + ": " + node.Scalar() + " is below the minimum " + schema["minimum"].dump());
        if (schema.contains("maximum") && v > schema["maximum"].get<double>())
            errors.push_back(where + ": " + node.Scalar() + " is above the maximum " + schema["maximum"].dump());
        if (schema.contains("exclusiveMinimum") && v <= schema["exclusiveMinimum"].get<double>())
            errors.push_back(where + ": " + node.Scalar() + " must be greater than " + schema["exclusiveMinimum"].dump());
    }
    if (node.IsSequence()) {
        if (schema.contains("minItems") && node.size() < schema["minItems"].get<std::size_t>())
            errors.push_back(where + ": expected at least " + schema["minItems"].dump() + " items, got " + std::to_string(node.size()));
        if (schema.contains("maxItems") && node.size() > schema["maxItems"].get<std::size_t>())
            errors.push_back(where + ": expected at most " + schema["maxItems"].dump() + " items, got " + std::to_string(node.size()));
        if (schema.contains("items"))
            for (std::size_t i = 0; i < node.size(); ++i)
                validate(node[i], schema["items"], path + "[" + std::to_string(i) + "]", errors);
    }
    if (node.IsMap()) {
        const json props = schema.value("properties", json::object());
        for (const auto& kv : node) {
            if (!kv.first.IsScalar()) {
                errors.push_back(where + ": a key must be a plain name, got " + shown(kv.first));
                continue;
            }
            const std::string key = kv.first.Scalar();
            const std::string sub = path.empty() ? key : path + "." + key;
            if (props.contains(key)) validate(kv.second, props[key], sub, errors);
            else if (schema.contains("additionalProperties") && schema["additionalProperties"] == false)
                errors.push_back(sub + ": unknown key");
        }
        if (schema.contains("required"))
            for (const auto& r : schema["required"])
                if (!node[r.get<std::string>()]) errors.push_back(where + ": missing required key '" + r.get<std::string>() + "'");
    }
}

Interpolation interpolation_of(const std::string& s) {
    if (s == "nearest") return Interpolation::nearest;
    if (s == "bspline") return Interpolation::bspline;
    return Interpolation::linear;
}

BinningMethod binning_of(const std::string& s) {
    if (s == "none") return BinningMethod::none;
    if (s == "fixed_bin_number") return BinningMethod::fixed_bin_number;
    return BinningMethod::fixed_bin_size;
}

Aggregation aggregation_of(const std::string& s) {
    static const std::map<std::string, Aggregation> m{{"2D_avg", Aggregation::d2_avg},   {"2D_smrg", Aggregation::d2_smrg},
                                                      {"2.5D_dmrg", Aggregation::d25_dmrg}, {"2.5D_mrg", Aggregation::d25_mrg},
                                                      {"3D_avg", Aggregation::d3_avg},   {"3D_mrg", Aggregation::d3_mrg}};
    return m.at(s);
}

const std::set<std::string> kIbsiFamilies{"morph", "loc", "stat", "ih", "ivh", "cm", "rlm", "szm", "dzm", "ngt", "ngl"};
const std::set<std::string> kPyradiomicsClasses{"firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm"};

void apply_profile_defaults(Settings& s) {
    if (s.profile == Profile::pyradiomics) {
        s.resample.mask_interpolation = Interpolation::nearest;
        s.resample.image_interpolation = Interpolation::bspline;
        s.features.families = kPyradiomicsClasses;
        s.discretisation = {BinningMethod::fixed_bin_size, 25.0, 32, std::nullopt};
        s.texture.aggregations = {Aggregation::d3_avg};
        s.minimum_roi_dimensions = 2;
    } else {
        s.features.families = kIbsiFamilies;
    }
}

}  // namespace

namespace {

// Ranges the schema cannot express: a lower bound above the upper one (e.g. resegment min 10, max -10).
void check_ranges(const YAML::Node& root, std::vector<std::string>& errors) {
    auto pair = [&](const YAML::Node& parent, const std::string& section, const char* key, const char* lo, const char* hi) {
        if (!parent.IsMap() || !parent[key] || !parent[key].IsMap()) return;
        const YAML::Node n = parent[key];
        if (!n[lo] || !n[hi] || !scalar_is<double>(n[lo]) || !scalar_is<double>(n[hi])) return;
        if (n[lo].as<double>() > n[hi].as<double>())
            errors.push_back(section + "." + key + ": " + lo + " " + shown(n[lo]) + " is above " + hi + " " + shown(n[hi]) +
                             " (reversed range)");
    };
    const YAML::Node pre = root["preprocess"];
    if (pre && pre.IsMap()) {
        pair(pre, "preprocess", "resegment", "min", "max");
        pair(pre, "preprocess", "ivh", "min_bound", "max_bound");
    }
    const YAML::Node qc = root["qc"];
    if (qc && qc.IsMap())
        for (const char* k : {"slice_thickness", "pixel_spacing", "kvp"}) pair(qc, "qc", k, "min", "max");
}

}  // namespace

std::vector<std::string> validate_job_text(const std::string& yaml_text) {
    std::vector<std::string> errors;
    const YAML::Node root = parse_yaml(yaml_text, "job");
    if (!root.IsMap()) return {"(top level): a job file is a YAML mapping"};
    try {
        validate(root, job_schema(), "", errors);
        if (errors.empty()) check_ranges(root, errors);
    } catch (const YAML::Exception& e) {
        // a construct the validator does not expect (yaml-cpp's message names line and column)
        errors.push_back(std::string("(top level): ") + e.what());
    }
    return errors;
}

namespace {
JobSettings job_from_yaml(const YAML::Node& r, const std::string& text, const std::string& origin);
}

JobSettings parse_job_text(const std::string& text, const std::string& origin) {
    const auto errors = validate_job_text(text);
    if (!errors.empty()) {
        std::string msg = origin + ": invalid job file:";
        for (const auto& e : errors) msg += "\n  " + e;
        throw Error(ErrorKind::settings, msg);
    }
    try {
        return job_from_yaml(YAML::Load(text), text, origin);
    } catch (const YAML::Exception& e) {
        // signature / perturbation sections (their own parsers); yaml-cpp's message names line and column
        throw Error(ErrorKind::settings, origin + ": " + e.what());
    }
}

namespace {

JobSettings job_from_yaml(const YAML::Node& r, const std::string& text, const std::string& origin) {
    JobSettings job;
    job.text = text;
    Settings& s = job.settings;
    s.profile = r["profile"] && as<std::string>(r["profile"], origin, "profile") == "pyradiomics" ? Profile::pyradiomics : Profile::ibsi;
    apply_profile_defaults(s);
    if (auto in = r["input"]) {
        if (in["label"]) {
            s.label = as<int>(in["label"], origin, "input.label");
            s.label_given = true;
        }
        if (in["correct_mask"]) s.correct_mask = as<bool>(in["correct_mask"], origin, "input.correct_mask");
        if (in["geometry_tolerance"]) s.geometry_tolerance = as<double>(in["geometry_tolerance"], origin, "input.geometry_tolerance");
        if (in["round_intensities"]) s.round_input_intensities = as<bool>(in["round_intensities"], origin, "input.round_intensities");
        if (in["minimum_roi_dimensions"]) s.minimum_roi_dimensions = as<int>(in["minimum_roi_dimensions"], origin, "input.minimum_roi_dimensions");
        if (in["minimum_roi_size"]) s.minimum_roi_size = as<std::size_t>(in["minimum_roi_size"], origin, "input.minimum_roi_size");
    }
    if (auto rn = r["run"]; rn && rn["memory_budget_mb"])
        s.memory_budget_mb = as<double>(rn["memory_budget_mb"], origin, "run.memory_budget_mb");
    if (auto p = r["preprocess"]) {
        if (auto n = p["normalize"]) {
            s.normalize.enabled = true;
            if (n["scale"]) s.normalize.scale = as<double>(n["scale"], origin, "preprocess.normalize.scale");
            if (n["remove_outliers"]) s.normalize.remove_outliers = as<double>(n["remove_outliers"], origin, "preprocess.normalize.remove_outliers");
        }
        if (auto rs = p["resample"]) {
            s.resample.enabled = true;
            for (int a = 0; a < 3; ++a) s.resample.spacing[a] = as<double>(rs["spacing"][a], origin, "preprocess.resample.spacing");
            if (rs["interpolation"]) s.resample.image_interpolation = interpolation_of(as<std::string>(rs["interpolation"], origin, "preprocess.resample.interpolation"));
            if (rs["mask_interpolation"]) s.resample.mask_interpolation = interpolation_of(as<std::string>(rs["mask_interpolation"], origin, "preprocess.resample.mask_interpolation"));
            if (rs["mask_threshold"]) s.resample.mask_partial_volume_threshold = as<double>(rs["mask_threshold"], origin, "preprocess.resample.mask_threshold");
            if (rs["round_intensities"]) s.resample.round_intensities = as<bool>(rs["round_intensities"], origin, "preprocess.resample.round_intensities");
            if (rs["pad_distance"]) s.resample.pad_distance = as<int>(rs["pad_distance"], origin, "preprocess.resample.pad_distance");
        }
        if (auto rg = p["resegment"]) {
            if (rg["min"]) s.resegment.range_min = as<double>(rg["min"], origin, "preprocess.resegment.min");
            if (rg["max"]) s.resegment.range_max = as<double>(rg["max"], origin, "preprocess.resegment.max");
            if (rg["outlier_sigma"]) {
                s.resegment.sigma_min = -as<double>(rg["outlier_sigma"], origin, "preprocess.resegment.outlier_sigma");
                s.resegment.sigma_max = as<double>(rg["outlier_sigma"], origin, "preprocess.resegment.outlier_sigma");
            }
            if (rg["resegment_shape"]) s.resegment.resegment_shape = as<bool>(rg["resegment_shape"], origin, "preprocess.resegment.resegment_shape");
        }
        if (auto d = p["discretisation"]) {
            s.discretisation.method = binning_of(as<std::string>(d["method"], origin, "preprocess.discretisation.method"));
            if (d["bin_width"]) s.discretisation.bin_width = as<double>(d["bin_width"], origin, "preprocess.discretisation.bin_width");
            if (d["bin_count"]) s.discretisation.bin_count = as<int>(d["bin_count"], origin, "preprocess.discretisation.bin_count");
            if (d["min_bound"]) s.discretisation.min_bound = as<double>(d["min_bound"], origin, "preprocess.discretisation.min_bound");
        }
        if (auto v = p["ivh"]) {
            s.ivh.method = binning_of(as<std::string>(v["method"], origin, "preprocess.ivh.method"));
            if (v["bin_width"]) s.ivh.bin_width = as<double>(v["bin_width"], origin, "preprocess.ivh.bin_width");
            if (v["bin_count"]) s.ivh.bin_count = as<int>(v["bin_count"], origin, "preprocess.ivh.bin_count");
            if (v["min_bound"]) s.ivh.min_bound = as<double>(v["min_bound"], origin, "preprocess.ivh.min_bound");
            if (v["max_bound"]) s.ivh.max_bound = as<double>(v["max_bound"], origin, "preprocess.ivh.max_bound");
        }
    }
    if (auto f = r["features"]) {
        if (f["families"]) {
            s.features.families.clear();
            for (const auto& x : f["families"]) s.features.families.insert(as<std::string>(x, origin, "features.families"));
        }
        if (f["aggregation"]) {
            s.texture.aggregations.clear();
            for (const auto& x : f["aggregation"]) s.texture.aggregations.push_back(aggregation_of(as<std::string>(x, origin, "features.aggregation")));
        }
        if (f["distances"]) {
            s.texture.distances.clear();
            for (const auto& x : f["distances"]) s.texture.distances.push_back(as<int>(x, origin, "features.distances"));
        }
        if (f["symmetric_glcm"]) s.texture.symmetric_glcm = as<bool>(f["symmetric_glcm"], origin, "features.symmetric_glcm");
        if (f["weighting"]) {
            const auto w = as<std::string>(f["weighting"], origin, "features.weighting");
            s.texture.weighting = w == "manhattan" ? DistanceWeighting::manhattan
                                  : w == "euclidean" ? DistanceWeighting::euclidean
                                  : w == "chebyshev" ? DistanceWeighting::chebyshev
                                                     : DistanceWeighting::none;
        }
        if (f["ngldm_distance"]) s.texture.ngldm_distance = as<int>(f["ngldm_distance"], origin, "features.ngldm_distance");
        if (f["ngldm_alpha"]) s.texture.ngldm_alpha = as<double>(f["ngldm_alpha"], origin, "features.ngldm_alpha");
        if (f["ngtdm_distance"]) s.texture.ngtdm_distance = as<int>(f["ngtdm_distance"], origin, "features.ngtdm_distance");
        if (f["force2d"]) s.force2d = as<bool>(f["force2d"], origin, "features.force2d");
        if (f["force2d_dimension"]) s.force2d_dimension = as<int>(f["force2d_dimension"], origin, "features.force2d_dimension");
        if (f["voxel_array_shift"]) s.features.voxel_array_shift = as<double>(f["voxel_array_shift"], origin, "features.voxel_array_shift");
        if (f["moran_geary_exact_limit"]) s.features.moran_geary_exact_limit = as<std::size_t>(f["moran_geary_exact_limit"], origin, "features.moran_geary_exact_limit");
        if (f["original"]) s.features.original = as<bool>(f["original"], origin, "features.original");
    }
    if (auto fl = r["filters"]) s.filters = parse_filters(fl, s.profile, origin);
    if (!s.features.original && s.filters.empty())
        throw Error(ErrorKind::settings, origin + ": features.original: false leaves no image to compute features on (no `filters`)");
    // ---- DICOM input and quality checks (keys `dicom` and `qc`; owned by the DICOM ingest) ----
    if (auto d = r["dicom"]) {
        DicomSettings& ds = s.dicom;
        if (d["modality"]) {
            ds.modalities.clear();
            for (const auto& x : d["modality"]) ds.modalities.push_back(as<std::string>(x, origin, "dicom.modality"));
        }
        if (d["series_description"]) ds.series_description = as<std::string>(d["series_description"], origin, "dicom.series_description");
        if (d["roi"]) ds.roi = as<std::string>(d["roi"], origin, "dicom.roi");
        if (d["roi_is_pattern"]) ds.roi_is_pattern = as<bool>(d["roi_is_pattern"], origin, "dicom.roi_is_pattern");
        if (d["spacing_tolerance"]) ds.spacing_tolerance = as<double>(d["spacing_tolerance"], origin, "dicom.spacing_tolerance");
        if (d["allow_uneven_spacing"]) ds.allow_uneven_spacing = as<bool>(d["allow_uneven_spacing"], origin, "dicom.allow_uneven_spacing");
        if (d["allow_duplicate_slices"]) ds.allow_duplicate_slices = as<bool>(d["allow_duplicate_slices"], origin, "dicom.allow_duplicate_slices");
        if (d["allow_gantry_tilt"]) ds.allow_gantry_tilt = as<bool>(d["allow_gantry_tilt"], origin, "dicom.allow_gantry_tilt");
        if (d["allow_missing_rescale"]) ds.allow_missing_rescale = as<bool>(d["allow_missing_rescale"], origin, "dicom.allow_missing_rescale");
        if (d["allow_contour_outside"]) ds.allow_contour_outside = as<bool>(d["allow_contour_outside"], origin, "dicom.allow_contour_outside");
    }
    if (auto q = r["qc"]) {
        QcSettings& qs = s.qc;
        if (q["action"]) qs.exclude_failed = as<std::string>(q["action"], origin, "qc.action") == "exclude";
        if (q["modality"]) {
            qs.modalities.clear();
            for (const auto& x : q["modality"]) qs.modalities.push_back(as<std::string>(x, origin, "qc.modality"));
        }
        auto range = [&](const char* key, std::optional<double>& lo, std::optional<double>& hi) {
            const YAML::Node n = q[key];
            if (!n) return;
            if (n["min"]) lo = as<double>(n["min"], origin, std::string("qc.") + key + ".min");
            if (n["max"]) hi = as<double>(n["max"], origin, std::string("qc.") + key + ".max");
        };
        range("slice_thickness", qs.slice_thickness_min, qs.slice_thickness_max);
        range("pixel_spacing", qs.pixel_spacing_min, qs.pixel_spacing_max);
        range("kvp", qs.kvp_min, qs.kvp_max);
        if (q["min_slices"]) qs.min_slices = as<std::size_t>(q["min_slices"], origin, "qc.min_slices");
        if (q["require_even_spacing"]) qs.require_even_spacing = as<bool>(q["require_even_spacing"], origin, "qc.require_even_spacing");
        if (q["forbid_missing_slices"]) qs.forbid_missing_slices = as<bool>(q["forbid_missing_slices"], origin, "qc.forbid_missing_slices");
        if (q["forbid_overlapping_slices"]) qs.forbid_overlapping_slices = as<bool>(q["forbid_overlapping_slices"], origin, "qc.forbid_overlapping_slices");
        if (q["forbid_duplicate_slices"]) qs.forbid_duplicate_slices = as<bool>(q["forbid_duplicate_slices"], origin, "qc.forbid_duplicate_slices");
        if (q["kernels"]) {
            qs.kernels.clear();
            for (const auto& x : q["kernels"]) qs.kernels.push_back(as<std::string>(x, origin, "qc.kernels"));
        }
        if (q["require_rescale"]) qs.require_rescale = as<bool>(q["require_rescale"], origin, "qc.require_rescale");
        if (q["contrast"]) {
            const auto c = as<std::string>(q["contrast"], origin, "qc.contrast");
            if (c == "required") qs.contrast = true;
            else if (c == "absent") qs.contrast = false;
            else qs.contrast.reset();
        }
    }
    // ---- end of DICOM / QC keys ----
    if (auto sg = r["signature"]) job.signature = parse_signature(sg, origin);
    if (auto pt = r["perturbations"]) job.perturbations = parse_perturbations(pt, "perturbations");
    if (auto o = r["output"]) {
        if (o["names"]) job.output.pyradiomics_names = as<std::string>(o["names"], origin, "output.names") == "pyradiomics";
        if (o["diagnostics"]) job.output.diagnostics = as<bool>(o["diagnostics"], origin, "output.diagnostics");
    }
    if (auto pv = r["privacy"]; pv && pv["paths"]) job.privacy_paths = as<std::string>(pv["paths"], origin, "privacy.paths");
    return job;
}

}  // namespace

void select_roi(Settings& settings, std::optional<int> label, const std::string& roi) {
    if (label) {
        settings.label = *label;
        settings.label_given = true;
    }
    if (!roi.empty()) settings.dicom.roi = roi;
}

JobSettings read_job_file(const std::string& path) { return parse_job_text(read_file_text(path), path); }

namespace {
JobSettings pyradiomics_from_text(const std::string& text, const std::string& path);
}

JobSettings read_pyradiomics_params(const std::string& path) { return parse_pyradiomics_text(read_file_text(path), path); }

JobSettings parse_pyradiomics_text(const std::string& text, const std::string& origin) {
    try {
        return pyradiomics_from_text(text, origin);
    } catch (const YAML::Exception& e) {
        // a construct not handled key by key above (yaml-cpp's message names line and column)
        throw Error(ErrorKind::settings, origin + ": " + e.what());
    }
}

namespace {

// PyRadiomics' image-type parameters (imageoperations.py get<Type>Image kwargs): in `setting` for every
// image type, or under imageType.<Type> for that type alone.
const std::set<std::string> kImageTypeParameters{"sigma",       "wavelet",      "start_level",  "level",
                                                 "gradientUseSpacing", "lbp2DRadius", "lbp2DSamples", "lbp2DMethod"};

// imageType -> the filters list (pyradiomics profile), in the file's order, with PyRadiomics' names.
std::vector<FilterSettings> pyradiomics_image_types(const YAML::Node& types, const YAML::Node& setting, const Settings& s,
                                                    const std::string& path) {
    std::vector<FilterSettings> out;
    for (const auto& kv : types) {
        const std::string type = key_text(kv.first, path, "imageType");
        const std::string where = path + ": imageType." + type;
        const YAML::Node own = kv.second && kv.second.IsMap() ? kv.second : YAML::Node();
        if (kv.second && !kv.second.IsNull() && !kv.second.IsMap()) throw Error(ErrorKind::settings, where + ": expected a mapping of settings");
        for (const auto& p : own) {
            const std::string k = key_text(p.first, path, "imageType." + type);
            if (!kImageTypeParameters.count(k))
                throw Error(ErrorKind::settings, where + "." + k + ": custom settings per image type other than its own parameters (" +
                                                     "sigma, wavelet, start_level, level, gradientUseSpacing, lbp2D*) are not supported yet");
        }
        // the image type's own value, else the general setting's (PyRadiomics' update order)
        auto param = [&](const char* key) -> std::optional<YAML::Node> {
            if (own && own[key]) return own[key];
            if (setting && setting.IsMap() && setting[key]) return setting[key];
            return std::nullopt;
        };
        auto get = [&](const char* key, auto fallback) {
            const auto n = param(key);
            return n ? as<decltype(fallback)>(*n, path, std::string("imageType.") + type + "." + key) : fallback;
        };
        FilterSettings f;
        if (type == "Original") continue;
        if (type == "LoG") {
            const auto sigma_node = param("sigma");
            if (!sigma_node) continue;  // PyRadiomics: "No sigma specified", no LoG image
            const YAML::Node& sigmas = *sigma_node;
            std::vector<YAML::Node> list;
            if (sigmas.IsSequence()) for (const auto& x : sigmas) list.push_back(x);
            else list.push_back(sigmas);
            for (const auto& x : list) {
                FilterSettings g;
                g.kind = FilterKind::log;
                g.sigma_mm = as<double>(x, path, "imageType.LoG.sigma");
                const std::string lit = x.Scalar();
                g.sigma_integer_literal = lit.find_first_of(".eE") == std::string::npos && lit.find("nan") == std::string::npos &&
                                          lit.find("inf") == std::string::npos;
                g.name = filters::pyradiomics::log_image_name(g.sigma_mm, g.sigma_integer_literal);
                out.push_back(g);
            }
            continue;
        }
        if (type == "Wavelet") {
            f.kind = FilterKind::wavelet;
            f.name = "wavelet";
            f.wavelet = get("wavelet", std::string("coif1"));
            f.start_level = get("start_level", 0);
            f.level = get("level", 1);
            f.force2d = s.force2d;
            f.force2d_dimension = s.force2d_dimension;
            if (!filters::known_wavelet(f.wavelet)) throw Error(ErrorKind::settings, where + ".wavelet: " + unknown_wavelet(f.wavelet));
            // the job schema's bounds: each level is a transform of the whole crop, so an unbounded
            // level would run (nearly) forever
            if (f.start_level < 0 || f.start_level > kMaxWaveletLevel)
                throw Error(ErrorKind::settings, where + ".start_level: must be in 0.." + std::to_string(kMaxWaveletLevel) + ", got " +
                                                     std::to_string(f.start_level));
            if (f.level < 1 || f.level > kMaxWaveletLevel)
                throw Error(ErrorKind::settings, where + ".level: must be in 1.." + std::to_string(kMaxWaveletLevel) + ", got " +
                                                     std::to_string(f.level));
        } else if (type == "Square") f.kind = FilterKind::square, f.name = "square";
        else if (type == "SquareRoot") f.kind = FilterKind::square_root, f.name = "squareroot";
        else if (type == "Logarithm") f.kind = FilterKind::logarithm, f.name = "logarithm";
        else if (type == "Exponential") f.kind = FilterKind::exponential, f.name = "exponential";
        else if (type == "Gradient") {
            f.kind = FilterKind::gradient;
            f.name = "gradient";
            f.gradient_use_spacing = get("gradientUseSpacing", true);
        } else if (type == "LBP2D") {
            f.kind = FilterKind::lbp2d;
            f.name = "lbp-2D";
            f.lbp_radius = get("lbp2DRadius", 1.0);
            f.lbp_samples = get("lbp2DSamples", 8);
            f.lbp_method = get("lbp2DMethod", std::string("uniform"));
            f.force2d_dimension = s.force2d_dimension;
            if (f.lbp_samples < 1 || f.lbp_samples > 30) throw Error(ErrorKind::settings, where + ".lbp2DSamples: must be in 1..30");
            static const std::set<std::string> methods{"default", "ror", "uniform", "nri_uniform", "var"};
            if (!methods.count(f.lbp_method)) throw Error(ErrorKind::settings, where + ".lbp2DMethod: unknown method '" + f.lbp_method + "'");
        } else if (type == "LBP3D") {
            throw Error(ErrorKind::settings, where + ": LBP3D needs PyRadiomics' spherical harmonics (trimesh), not available; not supported");
        } else {
            throw Error(ErrorKind::settings, where + ": unknown image type (Original, LoG, Wavelet, Square, SquareRoot, Logarithm, Exponential, Gradient, LBP2D)");
        }
        out.push_back(f);
    }
    return out;
}

JobSettings pyradiomics_from_text(const std::string& text, const std::string& path) {
    YAML::Node r = parse_yaml(text, path);
    JobSettings job;
    job.text = text;
    job.output.pyradiomics_names = true;
    Settings& s = job.settings;
    s.profile = Profile::pyradiomics;
    apply_profile_defaults(s);
    auto fail = [&](const std::string& key, const std::string& why) {
        throw Error(ErrorKind::settings, path + ": " + key + ": " + why);
    };
    if (r && !r.IsMap()) fail("(top level)", "a PyRadiomics parameter file is a YAML mapping");
    for (const auto& kv : r) {
        const auto k = key_text(kv.first, path, "(top level)");
        if (k != "imageType" && k != "featureClass" && k != "setting" && k != "voxelSetting")
            fail(k, "unknown top-level key");
        if (k == "voxelSetting") fail(k, "voxel-based extraction is not supported by radhpc yet");
    }
    if (auto fc = r["featureClass"]) {
        if (!fc.IsMap() && !fc.IsNull()) fail("featureClass", "expected a mapping of feature classes");
        s.features.families.clear();
        for (const auto& kv : fc) {
            const auto cls = key_text(kv.first, path, "featureClass");
            if (!kPyradiomicsClasses.count(cls) && cls != "shape2D")
                fail("featureClass." + cls, "unknown or unsupported feature class");
            s.features.families.insert(cls);
            if (kv.second && !kv.second.IsNull() && !kv.second.IsSequence())
                fail("featureClass." + cls, "expected a list of feature names (or nothing: every feature)");
            if (kv.second && kv.second.IsSequence())
                for (const auto& f : kv.second) {
                    const auto name = as<std::string>(f, path, "featureClass." + cls);
                    // a name radhpc does not know would silently select nothing
                    if (!features::find_feature(cls + "_" + name))
                        fail("featureClass." + cls, "unknown feature '" + (name.size() > 40 ? name.substr(0, 40) + "..." : name) + "'");
                    s.features.pyradiomics_feature_filter.insert(cls + "_" + name);
                }
        }
    }
    bool have_spacing = false, have_interpolator = false;
    if (auto st = r["setting"]) {
        if (!st.IsMap() && !st.IsNull()) fail("setting", "expected a mapping of settings");
        for (const auto& kv : st) {
            const auto k = key_text(kv.first, path, "setting");
            const YAML::Node& v = kv.second;
            const std::string key = "setting." + k;
            try {
                if (k == "binWidth") {
                    s.discretisation.method = BinningMethod::fixed_bin_size;
                    s.discretisation.bin_width = as<double>(v, path, key);
                    if (!(s.discretisation.bin_width > 0)) fail(key, "must be positive");
                } else if (k == "binCount") {
                    if (!v.IsNull()) {
                        s.discretisation.method = BinningMethod::fixed_bin_number;
                        s.discretisation.bin_count = as<int>(v, path, key);
                        if (s.discretisation.bin_count < 1) fail(key, "must be at least 1");
                    }
                } else if (k == "label") {
                    s.label = v.as<int>();
                    s.label_given = true;
                }
                else if (k == "interpolator") {
                    if (v.IsNull()) continue;
                    const auto name = v.as<std::string>();
                    if (name == "sitkBSpline" || name == "3") s.resample.image_interpolation = Interpolation::bspline;
                    else if (name == "sitkLinear" || name == "2") s.resample.image_interpolation = Interpolation::linear;
                    else if (name == "sitkNearestNeighbor" || name == "1") s.resample.image_interpolation = Interpolation::nearest;
                    else fail(key, "interpolator '" + name + "' is not supported (sitkBSpline, sitkLinear, sitkNearestNeighbor)");
                    have_interpolator = true;
                } else if (k == "resampledPixelSpacing") {
                    if (v.IsNull()) continue;
                    if (!v.IsSequence() || v.size() != 3) fail(key, "expected a list of 3 spacings");
                    for (int a = 0; a < 3; ++a) {
                        s.resample.spacing[a] = as<double>(v[a], path, key);
                        // 0 keeps the image's spacing on that axis (PyRadiomics); negative is meaningless
                        if (s.resample.spacing[a] < 0) fail(key, "spacings must not be negative");
                    }
                    have_spacing = true;
                } else if (k == "padDistance") {
                    s.resample.pad_distance = as<int>(v, path, key);
                    if (s.resample.pad_distance < 0) fail(key, "must not be negative");
                }
                else if (k == "normalize") s.normalize.enabled = v.as<bool>();
                else if (k == "normalizeScale") {
                    s.normalize.scale = as<double>(v, path, key);
                    if (!(s.normalize.scale > 0)) fail(key, "must be positive");
                }
                else if (k == "removeOutliers") {
                    if (!v.IsNull()) s.normalize.remove_outliers = as<double>(v, path, key);
                    if (s.normalize.remove_outliers && !(*s.normalize.remove_outliers > 0)) fail(key, "must be positive");
                } else if (k == "resegmentRange") {
                    if (v.IsNull()) continue;
                    if (!v.IsSequence() || v.size() < 1 || v.size() > 2) fail(key, "expected 1 or 2 values");
                    std::vector<double> range;
                    for (const auto& x : v) range.push_back(as<double>(x, path, key));
                    if (range.size() == 2 && range[0] > range[1])
                        fail(key, "reversed range [" + num(range[0]) + ", " + num(range[1]) + "] (the lower bound comes first)");
                    s.resegment.range_min = range[0];
                    if (range.size() > 1) s.resegment.range_max = range[1];
                } else if (k == "resegmentMode") {
                    const auto m = v.as<std::string>();
                    if (m != "absolute" && m != "relative" && m != "sigma") fail(key, "unknown mode '" + m + "'");
                    // applied after the loop, once the range is known
                } else if (k == "resegmentShape") s.resegment.resegment_shape = v.as<bool>();
                else if (k == "voxelArrayShift") s.features.voxel_array_shift = as<double>(v, path, key);
                else if (k == "force2D") s.force2d = v.as<bool>();
                else if (k == "force2Ddimension") s.force2d_dimension = v.as<int>();
                else if (k == "distances") {
                    s.texture.distances.clear();
                    if (!v.IsSequence()) fail(key, "expected a list of distances");
                    for (const auto& x : v) {
                        s.texture.distances.push_back(as<int>(x, path, key));
                        if (s.texture.distances.back() < 1) fail(key, "distances must be at least 1");
                    }
                } else if (k == "weightingNorm") {
                    const auto w = v.IsNull() ? std::string("none") : v.as<std::string>();
                    if (w == "manhattan") s.texture.weighting = DistanceWeighting::manhattan;
                    else if (w == "euclidean") s.texture.weighting = DistanceWeighting::euclidean;
                    else if (w == "infinity") s.texture.weighting = DistanceWeighting::chebyshev;
                    else if (w == "none") s.texture.weighting = DistanceWeighting::none;
                    else if (w == "no_weighting") s.texture.merge_angles_unweighted = true;
                    else fail(key, "unknown weighting norm '" + w + "'");
                } else if (k == "gldm_a") {
                    s.texture.ngldm_alpha = as<double>(v, path, key);
                    if (s.texture.ngldm_alpha < 0) fail(key, "must not be negative");
                }
                else if (k == "symmetricalGLCM") s.texture.symmetric_glcm = v.as<bool>();
                else if (k == "correctMask") s.correct_mask = v.as<bool>();
                else if (k == "geometryTolerance") {
                    if (!v.IsNull()) s.geometry_tolerance = as<double>(v, path, key);
                    if (s.geometry_tolerance < 0) fail(key, "must not be negative");
                } else if (k == "minimumROIDimensions") s.minimum_roi_dimensions = v.as<int>();
                else if (k == "minimumROISize") {
                    if (!v.IsNull()) s.minimum_roi_size = v.as<std::size_t>();
                } else if (kImageTypeParameters.count(k)) {
                    // an image type's parameter given for all image types: read with imageType below
                } else if (k == "preCrop" || k == "additionalInfo" || k == "enableCExtensions") {
                    // no effect on feature values (cropping is always done; diagnostics are not reported)
                    v.as<bool>();
                } else {
                    fail(key, "setting not supported by radhpc yet");
                }
            } catch (const YAML::Exception& e) {
                fail(key, std::string("bad value: ") + e.what());
            }
        }
        if (auto mode = st["resegmentMode"]; mode && st["resegmentRange"] && !st["resegmentRange"].IsNull()) {
            const auto m = mode.as<std::string>();
            if (m == "relative") {
                s.resegment.relative_min = s.resegment.range_min;
                s.resegment.relative_max = s.resegment.range_max;
                s.resegment.range_min.reset();
                s.resegment.range_max.reset();
            } else if (m == "sigma") {
                s.resegment.sigma_min = s.resegment.range_min;
                s.resegment.sigma_max = s.resegment.range_max;
                s.resegment.range_min.reset();
                s.resegment.range_max.reset();
            }
        }
    }
    // PyRadiomics resamples only when both an interpolator and a spacing are given (interpolator defaults to BSpline).
    s.resample.enabled = have_spacing;
    if (auto it = r["imageType"]) {
        if (!it.IsMap() && !it.IsNull()) fail("imageType", "expected a mapping of image types");
        s.filters = pyradiomics_image_types(it, r["setting"], s, path);
        s.features.original = false;
        for (const auto& kv : it)
            if (key_text(kv.first, path, "imageType") == "Original") s.features.original = true;
        if (!s.features.original && s.filters.empty()) fail("imageType", "no image type computes an image (LoG without sigma?)");
    }
    (void)have_interpolator;
    return job;
}

}  // namespace

}  // namespace radhpc::io
