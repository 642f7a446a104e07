// `radhpc mask`: the ROI(s) exactly as radhpc rasterised them (RTSTRUCT, SEG, 3D Slicer segmentation,
// label file, connected components) written as a label map on the image's grid (.nii, .nii.gz, .nrrd)
// or as a DICOM SEG referencing the image's series (.dcm), for checking in a viewer. Layer `commands`.
//
// The voxels are those `radhpc extract` / `run` compute features on: one ROI comes from
// pipeline::load, several from io::MaskInputReader (the batch worker's reader), components from
// engine::lesion_components. With a perturbation, the perturbed mask on its working grid
// (pipeline::working_mask), which the header says.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>

namespace radhpc::commands {

struct MaskCommand {
    std::string image, mask;
    std::string out;                  // .nii, .nii.gz, .nrrd: label map; .dcm: DICOM SEG (the image must be a DICOM series)
    std::optional<int> label;         // label file: the label value (default: the settings' label, 1)
    std::string roi;                  // RTSTRUCT ROI / SEG or Slicer segment (default: the job's dicom.roi, or the path's '#' part)
    bool all = false;                 // every ROI / segment (labels 1..n) or every label (its own value)
    bool components = false;          // the connected components of the label file (labels 1..n, the run's lesion numbers)
    std::string settings, pyradiomics_params;  // at most one; --perturbation needs settings
    std::string perturbation;         // an id of the job's perturbations: the perturbed mask on its working grid
    std::string study_id;             // with --perturbation: draw as `radhpc run` does for (study_id, lesion)
    int lesion = 1;
};

// Writes command.out (and, for a label map, command.out + ".labels.json": label value -> ROI name,
// voxels, grid); one summary line per label on `log`. Exit status 0; errors are thrown (radhpc::Error).
int mask(const MaskCommand& command, std::ostream& log);

}  // namespace radhpc::commands
