// Synthetic CT-like studies for demos, tests and benchmarks, deterministic from a seed
// (own generator and normal deviates, so the archive is identical on every platform).
#pragma once
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
    int outcome;                 // synthetic binary outcome (responder), tied to lesion texture
    std::string scanner;         // synthetic batch variable
    int organ_label = 0;         // clinical studies: the organ-sized ROI's label (0: none)
};

// One study: a body with lungs, bone and soft tissue, anisotropic spacing, noise, 1-5 lesions of
// varied shape, size and texture. `index` selects the study within the archive of `seed`.
SynthStudy make_study(std::uint64_t seed, int index);

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
};
// As above with a size and a file format; the defaults write the same archive byte for byte.
// dicom: <out>/dicom/<study>/ct/CT00001.dcm... (uncompressed CT series), <out>/dicom/<study>/rtstruct.dcm
// (ROIs "lesion-<label>", the clinical organ "organ") and <out>/dicom/<study>/seg.dcm (the same label map
// as a BINARY SEG, one segment per ROI); the manifest's image is the ct folder, its mask the RTSTRUCT's
// ROIs "dicom/<study>/rtstruct.dcm#lesion-1;..." and its labels column empty (one lesion per ROI, in label
// order). UIDs are derived from (seed, study), so an archive rewritten from the same seed is identical.
void write_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options);

}  // namespace radhpc::pipeline
