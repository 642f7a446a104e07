// Job files (YAML + JSON Schema) and PyRadiomics parameter files -> typed Settings.
#include "radhpc/io/settings_io.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/io/signature_io.hpp"
#include "radhpc/io/perturbation_io.hpp"

namespace radhpc::io {
namespace {

using json = nlohmann::json;

const json& job_schema() {
    static const json schema = json::parse(
#include "job_schema.inc"
    );
    return schema;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(ErrorKind::io, path + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

YAML::Node parse_yaml(const std::string& text, const std::string& origin) {
    try {
        return YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw Error(ErrorKind::settings, origin + ": not valid YAML: " + e.what());
    }
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
            const std::string key = kv.first.as<std::string>();
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

std::vector<std::string> validate_job_text(const std::string& yaml_text) {
    std::vector<std::string> errors;
    YAML::Node root = parse_yaml(yaml_text, "job");
    if (!root.IsMap()) return {"(top level): a job file is a YAML mapping"};
    validate(root, job_schema(), "", errors);
    return errors;
}

JobSettings parse_job_text(const std::string& text, const std::string& origin) {
    const auto errors = validate_job_text(text);
    if (!errors.empty()) {
        std::string msg = origin + ": invalid job file:";
        for (const auto& e : errors) msg += "\n  " + e;
        throw Error(ErrorKind::settings, msg);
    }
    YAML::Node r = YAML::Load(text);
    JobSettings job;
    job.text = text;
    Settings& s = job.settings;
    s.profile = r["profile"] && r["profile"].as<std::string>() == "pyradiomics" ? Profile::pyradiomics : Profile::ibsi;
    apply_profile_defaults(s);
    if (auto in = r["input"]) {
        if (in["label"]) s.label = in["label"].as<int>();
        if (in["correct_mask"]) s.correct_mask = in["correct_mask"].as<bool>();
        if (in["geometry_tolerance"]) s.geometry_tolerance = in["geometry_tolerance"].as<double>();
        if (in["round_intensities"]) s.round_input_intensities = in["round_intensities"].as<bool>();
        if (in["minimum_roi_dimensions"]) s.minimum_roi_dimensions = in["minimum_roi_dimensions"].as<int>();
        if (in["minimum_roi_size"]) s.minimum_roi_size = in["minimum_roi_size"].as<std::size_t>();
    }
    if (auto p = r["preprocess"]) {
        if (auto n = p["normalize"]) {
            s.normalize.enabled = true;
            if (n["scale"]) s.normalize.scale = n["scale"].as<double>();
            if (n["remove_outliers"]) s.normalize.remove_outliers = n["remove_outliers"].as<double>();
        }
        if (auto rs = p["resample"]) {
            s.resample.enabled = true;
            for (int a = 0; a < 3; ++a) s.resample.spacing[a] = rs["spacing"][a].as<double>();
            if (rs["interpolation"]) s.resample.image_interpolation = interpolation_of(rs["interpolation"].as<std::string>());
            if (rs["mask_interpolation"]) s.resample.mask_interpolation = interpolation_of(rs["mask_interpolation"].as<std::string>());
            if (rs["mask_threshold"]) s.resample.mask_partial_volume_threshold = rs["mask_threshold"].as<double>();
            if (rs["round_intensities"]) s.resample.round_intensities = rs["round_intensities"].as<bool>();
            if (rs["pad_distance"]) s.resample.pad_distance = rs["pad_distance"].as<int>();
        }
        if (auto rg = p["resegment"]) {
            if (rg["min"]) s.resegment.range_min = rg["min"].as<double>();
            if (rg["max"]) s.resegment.range_max = rg["max"].as<double>();
            if (rg["outlier_sigma"]) {
                s.resegment.sigma_min = -rg["outlier_sigma"].as<double>();
                s.resegment.sigma_max = rg["outlier_sigma"].as<double>();
            }
            if (rg["resegment_shape"]) s.resegment.resegment_shape = rg["resegment_shape"].as<bool>();
        }
        if (auto d = p["discretisation"]) {
            s.discretisation.method = binning_of(d["method"].as<std::string>());
            if (d["bin_width"]) s.discretisation.bin_width = d["bin_width"].as<double>();
            if (d["bin_count"]) s.discretisation.bin_count = d["bin_count"].as<int>();
            if (d["min_bound"]) s.discretisation.min_bound = d["min_bound"].as<double>();
        }
        if (auto v = p["ivh"]) {
            s.ivh.method = binning_of(v["method"].as<std::string>());
            if (v["bin_width"]) s.ivh.bin_width = v["bin_width"].as<double>();
            if (v["bin_count"]) s.ivh.bin_count = v["bin_count"].as<int>();
            if (v["min_bound"]) s.ivh.min_bound = v["min_bound"].as<double>();
            if (v["max_bound"]) s.ivh.max_bound = v["max_bound"].as<double>();
        }
    }
    if (auto f = r["features"]) {
        if (f["families"]) {
            s.features.families.clear();
            for (const auto& x : f["families"]) s.features.families.insert(x.as<std::string>());
        }
        if (f["aggregation"]) {
            s.texture.aggregations.clear();
            for (const auto& x : f["aggregation"]) s.texture.aggregations.push_back(aggregation_of(x.as<std::string>()));
        }
        if (f["distances"]) {
            s.texture.distances.clear();
            for (const auto& x : f["distances"]) s.texture.distances.push_back(x.as<int>());
        }
        if (f["symmetric_glcm"]) s.texture.symmetric_glcm = f["symmetric_glcm"].as<bool>();
        if (f["weighting"]) {
            const auto w = f["weighting"].as<std::string>();
            s.texture.weighting = w == "manhattan" ? DistanceWeighting::manhattan
                                  : w == "euclidean" ? DistanceWeighting::euclidean
                                  : w == "chebyshev" ? DistanceWeighting::chebyshev
                                                     : DistanceWeighting::none;
        }
        if (f["ngldm_distance"]) s.texture.ngldm_distance = f["ngldm_distance"].as<int>();
        if (f["ngldm_alpha"]) s.texture.ngldm_alpha = f["ngldm_alpha"].as<double>();
        if (f["ngtdm_distance"]) s.texture.ngtdm_distance = f["ngtdm_distance"].as<int>();
        if (f["force2d"]) s.force2d = f["force2d"].as<bool>();
        if (f["force2d_dimension"]) s.force2d_dimension = f["force2d_dimension"].as<int>();
        if (f["voxel_array_shift"]) s.features.voxel_array_shift = f["voxel_array_shift"].as<double>();
        if (f["moran_geary_exact_limit"]) s.features.moran_geary_exact_limit = f["moran_geary_exact_limit"].as<std::size_t>();
    }
    // ---- DICOM input and quality checks (keys `dicom` and `qc`; owned by the DICOM ingest) ----
    if (auto d = r["dicom"]) {
        DicomSettings& ds = s.dicom;
        if (d["modality"]) {
            ds.modalities.clear();
            for (const auto& x : d["modality"]) ds.modalities.push_back(x.as<std::string>());
        }
        if (d["series_description"]) ds.series_description = d["series_description"].as<std::string>();
        if (d["roi"]) ds.roi = d["roi"].as<std::string>();
        if (d["roi_is_pattern"]) ds.roi_is_pattern = d["roi_is_pattern"].as<bool>();
        if (d["spacing_tolerance"]) ds.spacing_tolerance = d["spacing_tolerance"].as<double>();
        if (d["allow_uneven_spacing"]) ds.allow_uneven_spacing = d["allow_uneven_spacing"].as<bool>();
        if (d["allow_duplicate_slices"]) ds.allow_duplicate_slices = d["allow_duplicate_slices"].as<bool>();
        if (d["allow_gantry_tilt"]) ds.allow_gantry_tilt = d["allow_gantry_tilt"].as<bool>();
        if (d["allow_missing_rescale"]) ds.allow_missing_rescale = d["allow_missing_rescale"].as<bool>();
        if (d["allow_contour_outside"]) ds.allow_contour_outside = d["allow_contour_outside"].as<bool>();
    }
    if (auto q = r["qc"]) {
        QcSettings& qs = s.qc;
        if (q["action"]) qs.exclude_failed = q["action"].as<std::string>() == "exclude";
        if (q["modality"]) {
            qs.modalities.clear();
            for (const auto& x : q["modality"]) qs.modalities.push_back(x.as<std::string>());
        }
        auto range = [](const YAML::Node& n, std::optional<double>& lo, std::optional<double>& hi) {
            if (!n) return;
            if (n["min"]) lo = n["min"].as<double>();
            if (n["max"]) hi = n["max"].as<double>();
        };
        range(q["slice_thickness"], qs.slice_thickness_min, qs.slice_thickness_max);
        range(q["pixel_spacing"], qs.pixel_spacing_min, qs.pixel_spacing_max);
        range(q["kvp"], qs.kvp_min, qs.kvp_max);
        if (q["min_slices"]) qs.min_slices = q["min_slices"].as<std::size_t>();
        if (q["require_even_spacing"]) qs.require_even_spacing = q["require_even_spacing"].as<bool>();
        if (q["forbid_missing_slices"]) qs.forbid_missing_slices = q["forbid_missing_slices"].as<bool>();
        if (q["forbid_overlapping_slices"]) qs.forbid_overlapping_slices = q["forbid_overlapping_slices"].as<bool>();
        if (q["forbid_duplicate_slices"]) qs.forbid_duplicate_slices = q["forbid_duplicate_slices"].as<bool>();
        if (q["kernels"]) {
            qs.kernels.clear();
            for (const auto& x : q["kernels"]) qs.kernels.push_back(x.as<std::string>());
        }
        if (q["require_rescale"]) qs.require_rescale = q["require_rescale"].as<bool>();
        if (q["contrast"]) {
            const auto c = q["contrast"].as<std::string>();
            if (c == "required") qs.contrast = true;
            else if (c == "absent") qs.contrast = false;
            else qs.contrast.reset();
        }
    }
    // ---- end of DICOM / QC keys ----
    if (auto sg = r["signature"]) job.signature = parse_signature(sg, origin);
    if (auto pt = r["perturbations"]) job.perturbations = parse_perturbations(pt, "perturbations");
    if (auto o = r["output"]) {
        if (o["names"]) job.output.pyradiomics_names = o["names"].as<std::string>() == "pyradiomics";
        if (o["diagnostics"]) job.output.diagnostics = o["diagnostics"].as<bool>();
    }
    return job;
}

JobSettings read_job_file(const std::string& path) { return parse_job_text(read_text(path), path); }

JobSettings read_pyradiomics_params(const std::string& path) {
    const std::string text = read_text(path);
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
        const auto k = kv.first.as<std::string>();
        if (k != "imageType" && k != "featureClass" && k != "setting" && k != "voxelSetting")
            fail(k, "unknown top-level key");
        if (k == "voxelSetting") fail(k, "voxel-based extraction is not supported by radhpc yet");
    }
    if (auto it = r["imageType"]) {
        for (const auto& kv : it) {
            const auto k = kv.first.as<std::string>();
            if (k != "Original")
                fail("imageType." + k, "image type '" + k + "' (filtered images) is not supported by radhpc yet; only Original");
            if (kv.second && kv.second.IsMap() && kv.second.size() > 0)
                fail("imageType.Original", "custom settings per image type are not supported yet");
        }
    }
    if (auto fc = r["featureClass"]) {
        s.features.families.clear();
        for (const auto& kv : fc) {
            const auto cls = kv.first.as<std::string>();
            if (!kPyradiomicsClasses.count(cls) && cls != "shape2D")
                fail("featureClass." + cls, "unknown or unsupported feature class");
            s.features.families.insert(cls);
            if (kv.second && kv.second.IsSequence())
                for (const auto& f : kv.second) s.features.pyradiomics_feature_filter.insert(cls + "_" + f.as<std::string>());
        }
    }
    bool have_spacing = false, have_interpolator = false;
    if (auto st = r["setting"]) {
        for (const auto& kv : st) {
            const auto k = kv.first.as<std::string>();
            const YAML::Node& v = kv.second;
            const std::string key = "setting." + k;
            try {
                if (k == "binWidth") {
                    s.discretisation.method = BinningMethod::fixed_bin_size;
                    s.discretisation.bin_width = v.as<double>();
                } else if (k == "binCount") {
                    if (!v.IsNull()) {
                        s.discretisation.method = BinningMethod::fixed_bin_number;
                        s.discretisation.bin_count = v.as<int>();
                    }
                } else if (k == "label") s.label = v.as<int>();
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
                    for (int a = 0; a < 3; ++a) s.resample.spacing[a] = v[a].as<double>();
                    have_spacing = true;
                } else if (k == "padDistance") s.resample.pad_distance = v.as<int>();
                else if (k == "normalize") s.normalize.enabled = v.as<bool>();
                else if (k == "normalizeScale") s.normalize.scale = v.as<double>();
                else if (k == "removeOutliers") {
                    if (!v.IsNull()) s.normalize.remove_outliers = v.as<double>();
                } else if (k == "resegmentRange") {
                    if (v.IsNull()) continue;
                    if (!v.IsSequence() || v.size() < 1 || v.size() > 2) fail(key, "expected 1 or 2 values");
                    std::vector<double> range;
                    for (const auto& x : v) range.push_back(x.as<double>());
                    std::sort(range.begin(), range.end());
                    s.resegment.range_min = range[0];
                    if (range.size() > 1) s.resegment.range_max = range[1];
                } else if (k == "resegmentMode") {
                    const auto m = v.as<std::string>();
                    if (m != "absolute" && m != "relative" && m != "sigma") fail(key, "unknown mode '" + m + "'");
                    // applied after the loop, once the range is known
                } else if (k == "resegmentShape") s.resegment.resegment_shape = v.as<bool>();
                else if (k == "voxelArrayShift") s.features.voxel_array_shift = v.as<double>();
                else if (k == "force2D") s.force2d = v.as<bool>();
                else if (k == "force2Ddimension") s.force2d_dimension = v.as<int>();
                else if (k == "distances") {
                    s.texture.distances.clear();
                    for (const auto& x : v) s.texture.distances.push_back(x.as<int>());
                } else if (k == "weightingNorm") {
                    const auto w = v.IsNull() ? std::string("none") : v.as<std::string>();
                    if (w == "manhattan") s.texture.weighting = DistanceWeighting::manhattan;
                    else if (w == "euclidean") s.texture.weighting = DistanceWeighting::euclidean;
                    else if (w == "infinity") s.texture.weighting = DistanceWeighting::chebyshev;
                    else if (w == "none") s.texture.weighting = DistanceWeighting::none;
                    else if (w == "no_weighting") s.texture.merge_angles_unweighted = true;
                    else fail(key, "unknown weighting norm '" + w + "'");
                } else if (k == "gldm_a") s.texture.ngldm_alpha = v.as<double>();
                else if (k == "symmetricalGLCM") s.texture.symmetric_glcm = v.as<bool>();
                else if (k == "correctMask") s.correct_mask = v.as<bool>();
                else if (k == "geometryTolerance") {
                    if (!v.IsNull()) s.geometry_tolerance = v.as<double>();
                } else if (k == "minimumROIDimensions") s.minimum_roi_dimensions = v.as<int>();
                else if (k == "minimumROISize") {
                    if (!v.IsNull()) s.minimum_roi_size = v.as<std::size_t>();
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
    (void)have_interpolator;
    return job;
}

}  // namespace radhpc::io
