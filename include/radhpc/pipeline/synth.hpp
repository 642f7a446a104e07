// Synthetic CT-like studies for demos, tests and benchmarks, deterministic from a seed
// (own generator and normal deviates, so the archive is identical on every platform).
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::pipeline {

struct SynthLesion {
    int label;
    std::size_t voxels;
};

struct SynthStudy {
    std::string study_id, patient_id;
    Volume<std::int16_t> image;  // HU
    Mask labels;                 // 0 background, 1..n lesions
    std::vector<SynthLesion> lesions;
    int outcome;                 // synthetic binary outcome (responder), tied to lesion texture (--signal: see SignalModel)
    std::string scanner;         // synthetic batch variable
    int organ_label = 0;         // clinical studies: the organ-sized ROI's label (0: none)
    double time = 0;             // --signal only: follow-up in months (event or administrative censoring)
    int event = 0;               // --signal only: 1 event observed at `time`, 0 censored
    int site = 0;                // --sites only: the study's site 1..K (0: a single-site archive)
    std::string timepoint;       // --timepoints only: baseline, fu1, fu2, ...
    int day = 0;                 // --timepoints only: days since the patient's baseline
    std::vector<std::string> lesion_ids;  // --timepoints only: identity of each entry of `lesions` ("L<label>")
};

// ---- --signal (issue 16): an outcome and a survival time planted through named lesion properties ----
// Each patient p has three latent standard-normal scores z_k (a stream of its own, seeded by (seed, p),
// apart from the stream that draws the images). Every lesion of every study of the patient gets its
// planted property k from z_k plus a little per-lesion jitter e ~ N(0,1) (a stream seeded by
// (seed, study)):  value = clamp(centre * exp(per_sd z + jitter e)) on a log scale, or
// clamp(centre + per_sd z + jitter e) on a linear one:
//   volume     lesion radius, mm (log; the upper clamp is also the default's per-study maximum) -> morph_volume
//   intensity  lesion mean HU (linear)                                                          -> stat_median
//   texture    amplitude of the lesion's spatial pattern, HU (log)                              -> cm_joint_entr_3D_avg
// (the features that measure them best in jobs/demo.yaml's table: stat_mean also carries the lesion's
// size through the partial-volume rim, and first-order dispersion (stat_var, ...) mostly the rim too).
// The patient's outcome and survival depend on z only:
//   outcome ~ Bernoulli(logistic(b0 + sum_k b_k z_k))
//   T ~ Weibull: S(t) = exp(-lambda t^shape exp(sum_k g_k z_k)), baseline median median_months;
//   administrative censoring: accrual uniform over accrual_months, analysis at analysis_month, so the
//   follow-up is C ~ U(analysis - accrual, analysis); time = min(T, C) (months, 2 decimals), event = T <= C.
// Every other lesion property (shape, position, lobes, spatial frequency, necrosis, noise) is drawn as
// without --signal; none depends on z. The archive's signal.json documents all of this and the truth.
struct PlantedProperty {
    const char* name;     // volume, intensity, texture
    const char* feature;  // the radhpc feature (IBSI name, jobs/demo.yaml) that measures it
    const char* property; // what the generator sets
    bool log_scale;
    double centre, per_sd, jitter, lo, hi;
    double log_odds;    // b_k: outcome log odds ratio per SD of z_k
    double log_hazard;  // g_k: log hazard ratio per SD of z_k
    double value(double z, double e) const {
        const double v = log_scale ? centre * std::exp(per_sd * z + jitter * e) : centre + per_sd * z + jitter * e;
        return v < lo ? lo : v > hi ? hi : v;
    }
};
struct SignalModel {
    static constexpr double intercept = 0.0;  // b0 (prevalence 50%)
    static constexpr double weibull_shape = 1.2;
    static constexpr double median_months = 24.0;  // baseline median survival (all z = 0)
    static constexpr double accrual_months = 24.0, analysis_month = 48.0;
    static constexpr PlantedProperty planted[3] = {
        {"volume", "morph_volume", "lesion radius (mm)", true, 9.0, 0.30, 0.10, 4.0, 18.0, 1.5, 0.7},
        {"intensity", "stat_median", "lesion mean intensity (HU)", false, 60.0, 12.0, 4.0, 30.0, 100.0, -1.5, -0.7},
        {"texture", "cm_joint_entr_3D_avg", "amplitude of the lesion texture pattern (HU)", true, 80.0, 0.50, 0.10, 10.0, 250.0, 1.5, 0.7},
    };
};
struct SignalPatient {
    std::string patient_id;
    double z[3];
    double linear_predictor;  // b0 + sum b_k z_k
    int outcome;
    double log_hazard;  // sum g_k z_k
    double time;        // months, rounded to 0.01
    int event;
};
// Patient `patient` (0-based; studies 2p and 2p+1) of the archive of `seed`.
SignalPatient signal_patient(std::uint64_t seed, int patient);

// One study: a body with lungs, bone and soft tissue, anisotropic spacing, noise, 1-5 lesions of
// varied shape, size and texture. `index` selects the study within the archive of `seed`.
SynthStudy make_study(std::uint64_t seed, int index);
// With signal: the same study with its lesions' planted properties, outcome, time and event from the
// patient's latent scores (see SignalModel); everything else is the study above.
SynthStudy make_study(std::uint64_t seed, int index, bool signal);

// A single spherical-ish lesion of about `target_voxels` voxels at 1 mm (benchmarks).
SynthStudy make_lesion_phantom(std::uint64_t seed, std::size_t target_voxels);

// Writes <out>/images/<study>.nii.gz, <out>/masks/<study>_labels.nii.gz and <out>/manifest.csv
// (study_id,patient_id,image,mask,labels,outcome,scanner; paths relative to the manifest).
void write_archive(const std::string& out_dir, int studies, std::uint64_t seed);

// Full-size clinical geometry (issue 12): 512x512 at 0.6-0.9 mm, 100-400 slices of 1-5 mm, int16 HU
// with air, lung, fat, soft tissue and bone, 1-10 lesions of 0.5-200 cm^3 (labels 1..n) and one
// organ-sized ROI (1-2 L, the last label). Deterministic from (seed, index).
SynthStudy make_clinical_study(std::uint64_t seed, int index);

enum class SynthSize { small, clinical };
enum class SynthFormat { nifti, nrrd, dicom };
struct SynthOptions {
    SynthSize size = SynthSize::small;
    SynthFormat format = SynthFormat::nifti;
    bool signal = false;  // small size only: the manifest gains time,event and the archive signal.json
    int sites = 0;        // >= 2: a multi-site cohort (see write_sites_archive); 0: one archive
    int timepoints = 0;   // 2..6: a longitudinal archive (see make_timepoint_study); 0: one study per row as always
};
// As above with a size and a file format; the defaults write the same archive byte for byte.
// dicom: <out>/dicom/<study>/ct/CT00001.dcm... (uncompressed CT series), <out>/dicom/<study>/rtstruct.dcm
// (ROIs "lesion-<label>", the clinical organ "organ") and <out>/dicom/<study>/seg.dcm (the same label map
// as a BINARY SEG, one segment per ROI); the manifest's image is the ct folder, its mask the RTSTRUCT's
// ROIs "dicom/<study>/rtstruct.dcm#lesion-1;..." and its labels column empty (one lesion per ROI, in label
// order). UIDs are derived from (seed, study), so an archive rewritten from the same seed is identical.
void write_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options);
// radhpc synth: write_archive, then the line the command prints ("wrote N synthetic studies to ...").
std::string synth_command(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options);

// ---- --sites K (issue 17): a multi-site cohort for federated analysis and harmonisation ----
// Site k (1..K) is an archive of its own in <out>/site-<k>/ (manifest.csv, images, masks or dicom, and
// signal.json with --signal), written as the single archive above from the site's own seed (a hash of
// (seed, k)), with three differences: study and patient IDs carry the prefix "s<k>-" (unique across
// sites), the manifest gains a last column `site` ("site-<k>"), and every voxel of every image gets the
// site's effect: HU' = clamp(round(HU + offset_k + noise_k e), -1024, 3071), e ~ N(0,1) per voxel (a
// stream of its own per (site, study)), on top of the study's own noise (sd 8-25 HU).
// Sizes: w_k = (1/(k+1)) / sum_j 1/(j+1) (site 1 the largest, site K the smallest); site k has
// patients_k = max(floor, ceil(studies w_k / 2)) patients of two studies each (floor = 5 when
// studies >= 40, else 1), so the cohort has sum_k 2 patients_k >= studies studies.
// Effects: offset_k = -30 + 60 (k-1)/(K-1) HU (evenly from -30 to +30), noise_k = 5 + 20 ((k mod K)/(K-1))
// HU (K = 3: 15, 25, 5). With --signal every site follows the same outcome and survival model (signal.json
// per site), so the site effects are a pure batch effect on the measured features.
// <out>/sites.json documents the rule, the effects and each site's seed, weight and size.
struct SynthSite {
    int site = 0;                 // 1..K
    std::uint64_t seed = 0;       // the site archive's seed
    double weight = 0;            // w_k
    int patients = 0, studies = 0;
    double offset_hu = 0, noise_sd_hu = 0;
    std::string prefix;           // "s<k>-"
};
constexpr int kMaxSynthSites = 20;
// per_patient: studies per patient (2; --timepoints T: T), so patients_k = max(floor, ceil(studies w_k / per_patient)).
std::vector<SynthSite> site_plan(int studies, int sites, std::uint64_t seed, int per_patient = 2);  // 2 <= sites <= kMaxSynthSites
// Study `index` of the site's archive: prefixed IDs, site set, the site effect added to the image.
void apply_site_effect(SynthStudy& study, const SynthSite& site, int index);

// ---- --timepoints T (issue 18): a longitudinal archive, every patient scanned T times ----
// ceil(studies / T) patients of T studies each (study S<i>, i = p T + t + 1, of patient P<p+1> at timepoint t),
// timepoints labelled baseline, fu1, fu2, ... at day 0 then day_{t-1} + 60 + U{-7..7}. A patient has one
// scan geometry, one scanner and its lesions drawn once (stream (seed, 5, p)); each study draws only its
// image noise (stream (seed, 6, i)). Lesion L<k> has label value k at every timepoint (identity = label
// value = manifest lesion_ids entry = DICOM ROI / segment "lesion-L<k>"); baseline lesions are L1..Ln
// (n 1-4), lesions that appear later take the next labels. Each lesion keeps its shape, intensity and
// texture (the pattern moves with it); only its size and position change, by its course:
//   grow    radius factor r^t, r ~ U(1.06, 1.15)         shrink  r^t, r ~ U(0.85, 0.94)
//   stable  r^t, r ~ U(0.98, 1.02)                         vanish  shrinks as above, absent from t = v ~ U{1..T-1}
//   new     absent before t = a ~ U{1..T-1}, then r^(t-a) with a grow rate (0-2 per patient)
// factors clamped to [0.7, 1.6] (volume factor = radius factor^3; L1 never vanishes); every radius, lobe
// offset and lobe radius is scaled, so the lesion's volume scales exactly by the factor cubed before
// voxelisation. Position: the lesion's centre drifts by U(-1.5, 1.5) mm per axis at each follow-up
// (independently per timepoint, not cumulative) and the whole patient (body and lesions) is shifted by
// U(-2, 2) mm in x and y per follow-up study; lesions are placed so that they never touch each other or the
// image border at any timepoint (no occlusion, no clipping). With --signal the patient's outcome, time and
// event are as in SignalModel (patient p) and each lesion's planted properties are drawn once (its
// baseline radius, clamped to the archive's 7..12 mm range, intensity and texture). timepoints.json
// documents the rule and the truth per patient, lesion and timepoint.
constexpr int kMaxSynthTimepoints = 6;
std::string timepoint_label(int t);  // baseline, fu1, fu2, ...
// Study `index` (= patient T + timepoint) of the longitudinal archive of `seed` with T timepoints.
SynthStudy make_timepoint_study(std::uint64_t seed, int index, int timepoints, bool signal);
// The planted truth of one lesion of a patient at one timepoint.
struct LesionTimepoint {
    bool present = false;
    double radius_factor = 0;  // relative to the lesion's size when first seen (0 when absent)
    Vec3 centre_mm{};          // centre of its main ellipsoid, scanner coordinates (origin + position)
};
struct LesionCourse {
    std::string lesion_id, course;  // L<k>; grow, shrink, stable, vanish, new
    int label = 0, appears = 0, vanishes = 0;  // vanishes: first timepoint absent (T: never)
    double rate = 1, base_radius_mm = 0;
    std::vector<LesionTimepoint> at;  // per timepoint
};
struct PatientCourse {
    std::vector<LesionCourse> lesions;
    std::vector<int> day;           // per timepoint
    std::vector<Vec3> shift_mm;     // per timepoint (baseline 0)
};
PatientCourse timepoint_course(std::uint64_t seed, int patient, int timepoints, bool signal);

}  // namespace radhpc::pipeline
