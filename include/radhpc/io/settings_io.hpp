// Reading job files (YAML, validated against schemas/job.schema.json) and PyRadiomics parameter files.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "radhpc/core/perturbation.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/stats/signature.hpp"

namespace radhpc::io {

struct OutputOptions {
    bool pyradiomics_names = false;
    bool diagnostics = false;
};

struct JobSettings {
    Settings settings;
    OutputOptions output;
    std::string text;  // the job file as read (provenance)
    // `signature` section (io/signature_io.hpp): scored after `radhpc run` and by `radhpc score`.
    std::optional<stats::SignatureSpec> signature;
    // `perturbations` section expanded (io/perturbation_io.hpp); empty = no sweep, the original only.
    std::vector<Perturbation> perturbations;
    // `privacy.paths`: full | relative | hashed (store::PathPrivacy; the schema checks the value).
    // Not part of the settings identity: it changes what is written of input paths, not a feature.
    std::string privacy_paths = "relative";
};

// Validation errors of a YAML job text against the job schema; each message names the key path
// (e.g. "preprocess.resample.spacing: expected 3 items, got 2"). Empty when valid.
std::vector<std::string> validate_job_text(const std::string& yaml_text);

// Reads, validates and converts a job file. Throws Error(settings) listing every problem.
JobSettings read_job_file(const std::string& path);
JobSettings parse_job_text(const std::string& yaml_text, const std::string& origin = "<job>");

// A lesion picked on the command line (--label, --roi) or by a caller over the job's own choice:
// `label` (when given) is the label value, marked as given (it then picks a Slicer segment by its
// label value); `roi` (when not empty) the RTSTRUCT ROI / SEG or Slicer segment name.
void select_roi(Settings& settings, std::optional<int> label, const std::string& roi);

// Reads a PyRadiomics parameter file (imageType / featureClass / setting). Image types other than
// Original and settings radhpc does not implement are errors naming the key, never ignored.
JobSettings read_pyradiomics_params(const std::string& path);
// The same from the parameters' text (YAML or JSON; the Python extractor's dict); `origin` names it in errors.
JobSettings parse_pyradiomics_text(const std::string& text, const std::string& origin = "<parameters>");

}  // namespace radhpc::io
