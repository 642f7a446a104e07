// Loading one lesion's inputs (the place where input formats are dispatched; the dispatch itself is
// io::read_image_input / io::read_mask_input so that the batch worker shares it).
//   image: NIfTI/NRRD file (ITK), or a DICOM folder / one file of a DICOM series (DCMTK)
//   mask:  label image file (ITK), or a DICOM RTSTRUCT (ROI settings.dicom.roi) or SEG file,
//          rasterised on the image's grid, or a 3D Slicer segmentation (.seg.nrrd, segment by name). "FILE#NAME" names the ROI / segment in the path itself
//          (overriding settings.dicom.roi), so a manifest's mask column can say "rs.dcm#GTV-1;rs.dcm#GTV-2"
//          wherever a mask path is accepted.
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/pipeline/extract.hpp"

namespace radhpc::pipeline {

LesionInput load(const std::string& image_path, const std::string& mask_path, const Settings& settings) {
    LesionInput in;
    in.image_path = image_path;
    in.mask_path = mask_path;
    std::string frame_of_reference;
    if (io::is_dicom_image_input(image_path)) {
        // one discovery (each file parsed once) for the QC exclusion rule and the read
        const io::DicomSeries series = io::find_image_series(image_path, settings.dicom);
        // qc.action: exclude refuses a DICOM study that fails a check
        if (settings.qc.exclude_failed) io::enforce_qc(io::qc_series(series, settings, "", false), image_path, settings);
        in.source = io::read_source_input(series, settings.dicom, &in.pixel_type, &frame_of_reference);
    } else {
        in.source = io::read_source_input(image_path, settings.dicom, &in.pixel_type, &frame_of_reference);
    }
    in.mask = io::read_mask_input(mask_path, in.source.geometry(), settings.label, settings.dicom, frame_of_reference, settings.label_given);
    snap_mask_grid(in.mask.geometry, in.source.geometry(), settings.geometry_tolerance);
    return in;
}

Mask working_mask(const LesionInput& input, const Settings& settings, const Perturbation& perturbation) {
    LesionInput in = input;
    in.keep_working_mask = true;
    return *extract(in, settings, false, perturbation).working_mask;
}

void snap_mask_grid(Geometry& mask_grid, const Geometry& image_grid, double tolerance) {
    if (same_grid(mask_grid, image_grid, tolerance)) mask_grid = image_grid;
}

}  // namespace radhpc::pipeline
