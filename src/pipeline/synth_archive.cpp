// Writing synthetic archives: the manifest, the images (NIfTI, NRRD or DICOM through io) and signal.json;
// one archive, or one site of a --sites cohort (synth_sites.cpp).
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/synth.hpp"
#include "synth_internal.hpp"

namespace radhpc::pipeline {

namespace detail {
namespace {

std::string printed(const char* format, double v) {
    char b[40];
    std::snprintf(b, sizeof b, format, v);
    return b;
}
std::string fixed2(double v) { return printed("%.2f", v); }

}  // namespace

std::string num(double v) { return printed("%.10g", v); }

namespace {

// The manifest's header and the end of each row: the default columns, plus time,event with --signal,
// plus timepoint,day,lesion_ids with --timepoints, plus site (the last column) with --sites.
std::string manifest_header(const SynthOptions& o, bool site) {
    return std::string("study_id,patient_id,image,mask,labels,outcome,scanner") + (o.signal ? ",time,event" : "") +
           (o.timepoints ? ",timepoint,day,lesion_ids" : "") + (site ? ",site\n" : "\n");
}
std::string row_tail(const SynthStudy& st, const SynthOptions& o, bool site) {
    std::string ids;
    for (const auto& id : st.lesion_ids) ids += (ids.empty() ? "" : ";") + id;
    return std::to_string(st.outcome) + "," + st.scanner + (o.signal ? "," + fixed2(st.time) + "," + std::to_string(st.event) : std::string()) +
           (o.timepoints ? "," + st.timepoint + "," + std::to_string(st.day) + "," + ids : std::string()) +
           (site ? ",site-" + std::to_string(st.site) : std::string()) + "\n";
}

// Study i of the archive of `seed` (of the site, if any); with --timepoints also what it holds, for timepoints.json.
SynthStudy study(std::uint64_t seed, int i, const SynthOptions& o, const SynthSite* site, std::vector<std::vector<RenderedLesion>>& rendered) {
    SynthStudy st = o.size == SynthSize::clinical ? make_clinical_study(seed, i)
                    : o.timepoints            ? make_timepoint_study(seed, i, o.timepoints, o.signal)
                                              : make_study(seed, i, o.signal);
    if (site) apply_site_effect(st, *site, i);
    if (o.timepoints) rendered.push_back(rendered_lesions(st));
    return st;
}

// <out>/signal.json: what --signal planted (the model, its true coefficients and every patient's truth);
// patient IDs with the site's prefix in a --sites cohort.
void write_signal_json(const std::string& out_dir, int studies, int patients, std::uint64_t seed, const std::string& prefix) {
    namespace fs = std::filesystem;
    std::ofstream js(fs::path(out_dir) / "signal.json");
    if (!js) throw Error(ErrorKind::io, out_dir + "/signal.json: cannot write");
    const double k = SignalModel::weibull_shape, lambda = std::log(2.0) / std::pow(SignalModel::median_months, k);
    const auto mapping = [](const PlantedProperty& pp) {
        const std::string v = pp.log_scale ? num(pp.centre) + " exp(" + num(pp.per_sd) + " z + " + num(pp.jitter) + " e)"
                                           : num(pp.centre) + " + " + num(pp.per_sd) + " z + " + num(pp.jitter) + " e";
        return std::string(pp.property) + " = clamp(" + v + ", " + num(pp.lo) + ", " + num(pp.hi) + ")" +
               (std::string(pp.name) == "volume" ? ", and at most the study's z extent / 4 (as without --signal)" : "");
    };
    std::vector<SignalPatient> truth;
    int positives = 0, events = 0;
    for (int p = 0; p < patients; ++p) {
        truth.push_back(signal_patient(seed, p));
        positives += truth.back().outcome;
        events += truth.back().event;
    }
    js << "{\n  \"generator\": \"radhpc synth --signal\",\n  \"seed\": " << seed << ",\n  \"studies\": " << studies
       << ",\n  \"patients\": " << patients << ",\n"
       << "  \"latent\": \"per patient z_k ~ N(0,1), k = volume, intensity, texture, independent; every lesion of the patient's "
          "studies takes its planted properties from z (e ~ N(0,1) per lesion and property); outcome and survival depend on z only\",\n"
       << "  \"planted\": [\n";
    for (int j = 0; j < 3; ++j) {
        const auto& pp = SignalModel::planted[j];
        js << "    {\"name\": \"" << pp.name << "\", \"feature\": \"" << pp.feature << "\", \"mapping\": \"" << mapping(pp)
           << "\", \"outcome_log_odds_per_sd\": " << num(pp.log_odds) << ", \"log_hazard_per_sd\": " << num(pp.log_hazard) << "}"
           << (j < 2 ? ",\n" : "\n");
    }
    js << "  ],\n  \"outcome\": {\"column\": \"outcome\", \"model\": \"logistic\", \"formula\": \"P(outcome = 1) = 1 / (1 + "
          "exp(-(intercept + sum_k outcome_log_odds_per_sd_k z_k)))\", \"intercept\": "
       << num(SignalModel::intercept) << ", \"positives\": " << positives << "},\n"
       << "  \"survival\": {\"time_column\": \"time\", \"event_column\": \"event\", \"units\": \"months\", \"model\": \"weibull\", "
          "\"formula\": \"S(t) = exp(-lambda t^shape exp(sum_k log_hazard_per_sd_k z_k))\", \"shape\": "
       << num(k) << ", \"lambda\": " << num(lambda) << ", \"baseline_median_months\": " << num(SignalModel::median_months)
       << ", \"censoring\": \"administrative: accrual uniform over " << num(SignalModel::accrual_months) << " months, analysis at month "
       << num(SignalModel::analysis_month) << " (follow-up U(" << num(SignalModel::analysis_month - SignalModel::accrual_months) << ", "
       << num(SignalModel::analysis_month) << "))\", \"events\": " << events << "},\n"
       << "  \"unplanted\": \"shape (axis ratios, lobes), position, texture frequency, necrosis, image noise, scanner: drawn as "
          "without --signal, independent of z\",\n"
       << "  \"truth\": [\n";
    for (int p = 0; p < patients; ++p) {
        const auto& t = truth[std::size_t(p)];
        js << "    {\"patient_id\": \"" << prefix << t.patient_id << "\", \"z_volume\": " << num(t.z[0]) << ", \"z_intensity\": " << num(t.z[1])
           << ", \"z_texture\": " << num(t.z[2]) << ", \"linear_predictor\": " << num(t.linear_predictor) << ", \"outcome\": " << t.outcome
           << ", \"log_hazard\": " << num(t.log_hazard) << ", \"time\": " << fixed2(t.time) << ", \"event\": " << t.event << "}"
           << (p + 1 < patients ? ",\n" : "\n");
    }
    js << "  ]\n}\n";
}

// --format dicom: CT series + RTSTRUCT + SEG per study through io (no DCMTK in this layer).
void write_dicom_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& o, const SynthSite* site,
                         std::vector<std::vector<RenderedLesion>>& rendered) {
    namespace fs = std::filesystem;
    const SynthSize size = o.size;
    fs::create_directories(fs::path(out_dir) / "dicom");
    std::ofstream manifest(fs::path(out_dir) / "manifest.csv");
    if (!manifest) throw Error(ErrorKind::io, out_dir + "/manifest.csv: cannot write");
    manifest << manifest_header(o, site);
    for (int i = 0; i < studies; ++i) {
        const SynthStudy st = study(seed, i, o, site, rendered);
        const std::string dir = "dicom/" + st.study_id;
        io::SyntheticStudyIds ids;
        ids.patient_id = st.patient_id;
        ids.study_id = st.study_id;
        ids.uid_key = "radhpc-synth|" + std::string(size == SynthSize::clinical ? "clinical" : "small") + "|seed=" + std::to_string(seed) +
                      "|" + st.study_id;
        ids.kernel = st.scanner == "sharp" ? "B70f" : "B30f";  // a sharp and a smooth reconstruction kernel
        const auto ct_files = io::write_ct_series(st.image, (fs::path(out_dir) / dir / "ct").string(), ids);
        std::vector<io::RoiToWrite> rois;
        std::vector<std::pair<int, std::string>> segments;
        std::string masks;
        for (std::size_t k = 0; k < st.lesions.size(); ++k) {
            const auto& l = st.lesions[k];
            const bool organ = l.label == st.organ_label;
            // --timepoints: named by the lesion's identity (lesion-L<k>, k its label value at every timepoint)
            const std::string name = organ ? "organ" : "lesion-" + (st.lesion_ids.empty() ? std::to_string(l.label) : st.lesion_ids[k]);
            rois.push_back({l.label, name, organ ? "ORGAN" : "GTV"});
            segments.push_back({l.label, name});
            masks += (masks.empty() ? "" : ";") + dir + "/rtstruct.dcm#" + name;
        }
        io::write_rtstruct(st.labels, rois, ct_files, (fs::path(out_dir) / dir / "rtstruct.dcm").string());
        io::write_seg_segments(st.labels, segments, ct_files.front(), (fs::path(out_dir) / dir / "seg.dcm").string(), ids.uid_key);
        // labels stays empty: each RTSTRUCT ROI in `mask` is one lesion
        manifest << st.study_id << "," << st.patient_id << "," << dir << "/ct," << masks << ",," << row_tail(st, o, site);
    }
}

// NIfTI or NRRD images and label masks.
void write_file_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options, const SynthSite* site,
                        std::vector<std::vector<RenderedLesion>>& rendered) {
    namespace fs = std::filesystem;
    const std::string ext = options.format == SynthFormat::nrrd ? ".nrrd" : ".nii.gz";
    fs::create_directories(fs::path(out_dir) / "images");
    fs::create_directories(fs::path(out_dir) / "masks");
    std::ofstream manifest(fs::path(out_dir) / "manifest.csv");
    if (!manifest) throw Error(ErrorKind::io, out_dir + "/manifest.csv: cannot write");
    manifest << manifest_header(options, site);
    for (int i = 0; i < studies; ++i) {
        const SynthStudy st = study(seed, i, options, site, rendered);
        const std::string img = "images/" + st.study_id + ext;
        const std::string msk = "masks/" + st.study_id + "_labels" + ext;
        io::write_image(st.image, (fs::path(out_dir) / img).string());
        io::write_labels(st.labels, (fs::path(out_dir) / msk).string());
        std::string labels;
        for (const auto& l : st.lesions) labels += (labels.empty() ? "" : ";") + std::to_string(l.label);
        manifest << st.study_id << "," << st.patient_id << "," << img << "," << msk << "," << labels << "," << row_tail(st, options, site);
    }
}

}  // namespace

void write_single_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options, const SynthSite* site) {
    namespace fs = std::filesystem;
    if (options.signal) {
        fs::create_directories(out_dir);
        write_signal_json(out_dir, studies, options.timepoints ? studies / options.timepoints : (studies + 1) / 2, seed, site ? site->prefix : "");
    }
    std::vector<std::vector<RenderedLesion>> rendered;  // --timepoints: per study
    if (options.format == SynthFormat::dicom)
        write_dicom_archive(out_dir, studies, seed, options, site, rendered);
    else
        write_file_archive(out_dir, studies, seed, options, site, rendered);
    if (options.timepoints) write_timepoints_json(out_dir, seed, studies, options, site ? site->prefix : "", rendered);
}

}  // namespace detail

void write_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options) {
    if (options.signal && options.size != SynthSize::small)
        throw Error(ErrorKind::settings, "synth: --signal is implemented for --size small only");
    if (options.timepoints != 0 && (options.timepoints < 2 || options.timepoints > kMaxSynthTimepoints))
        throw Error(ErrorKind::settings, "synth: --timepoints must lie in 2.." + std::to_string(kMaxSynthTimepoints) + " (got " +
                                             std::to_string(options.timepoints) + ")");
    if (options.timepoints && options.size != SynthSize::small)
        throw Error(ErrorKind::settings, "synth: --timepoints is implemented for --size small only");
    if (studies < 1) throw Error(ErrorKind::settings, "synth: --studies must be positive");
    if (options.sites != 0) return detail::write_sites_archive(out_dir, studies, seed, options);
    const int T = options.timepoints;
    detail::write_single_archive(out_dir, T ? (studies + T - 1) / T * T : studies, seed, options, nullptr);
}

std::string synth_command(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options) {
    write_archive(out_dir, studies, seed, options);
    const int T = options.timepoints;
    const std::string tp = T ? ", timepoints.json" : "";
    if (options.sites > 0) {
        int total = 0;
        for (const auto& s : site_plan(studies, options.sites, seed, T ? T : 2)) total += s.studies;
        return "wrote " + std::to_string(total) + " synthetic studies at " + std::to_string(options.sites) + " sites to " + out_dir +
               " (site-<k>/manifest.csv" + (options.signal ? ", site-<k>/signal.json" : "") + (T ? ", site-<k>/timepoints.json" : "") + ", sites.json)";
    }
    const int total = T ? (studies + T - 1) / T * T : studies;
    return "wrote " + std::to_string(total) + " synthetic studies to " + out_dir +
           (options.signal ? " (manifest.csv, signal.json" + tp + ")" : " (manifest.csv" + tp + ")");
}

// the default archive: small studies as NIfTI (the demo's, the tests' and the benchmarks')
void write_archive(const std::string& out_dir, int studies, std::uint64_t seed) { write_archive(out_dir, studies, seed, SynthOptions{}); }

}  // namespace radhpc::pipeline
