// Input-format dispatch for every caller that loads images and masks (pipeline::load, the batch
// worker): a DICOM series folder (or one file of it) reads through DCMTK, anything else through ITK;
// a DICOM RTSTRUCT / SEG mask is rasterised on the image grid, anything else is a label image.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "radhpc/core/settings.hpp"
#include "radhpc/core/source_image.hpp"
#include "radhpc/core/volume.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/slicer_seg.hpp"

namespace radhpc::io {

// A folder, or a file that is DICOM (NIfTI/NRRD/MetaImage extensions are never probed).
bool is_dicom_image_input(const std::string& path);

// The DICOM series an image path stands for: the series of a folder chosen by `dicom`'s rules, or
// the series a single file belongs to (found among the files next to it).
DicomSeries find_image_series(const std::string& path, const DicomSettings& dicom);

// The image of `path`: a DICOM series chosen by `dicom` (modality / description rules; a single
// file stands for the series it belongs to) or an ITK-readable file. `frame_of_reference` receives
// the series' FrameOfReferenceUID (empty for NIfTI/NRRD).
// As read_image_input, kept as the pipeline's study image (int16 for a CT; core/source_image.hpp).
SourceImage read_source_input(const std::string& path, const DicomSettings& dicom, PixelType* pixel_type = nullptr,
                              std::string* frame_of_reference = nullptr);
Image read_image_input(const std::string& path, const DicomSettings& dicom, PixelType* pixel_type = nullptr,
                       std::string* frame_of_reference = nullptr);

// A mask path may name the ROI / segment after '#': "rs.dcm#GTV-1" (when no file has that literal
// name). Splits it; `roi` is left unchanged when the path has no '#' part.
void split_mask_path(const std::string& mask_path, std::string& file, std::string& roi);

// True when the (file part of the) mask path is a DICOM RTSTRUCT or SEG object.
bool is_dicom_mask_input(const std::string& mask_path);

// The mask of `mask_path` on `grid`: RTSTRUCT ROI / SEG segment (from the path's '#' part, else
// dicom.roi), or label `label` of a label image. An RTSTRUCT or SEG whose frame of reference differs
// from `frame_of_reference` (when both are known) is refused (Error geometry_mismatch).
// A 3D Slicer segmentation (.seg.nrrd / .seg.nhdr, io/slicer_seg.hpp) gives the segment the '#'
// part or dicom.roi names, on the file's own grid; without a name the segment of label value
// `label` when `label_given`, else the file's only segment (a multi-segment file is an error
// listing the segments).
Mask read_mask_input(const std::string& mask_path, const Geometry& grid, int label, const DicomSettings& dicom,
                     const std::string& frame_of_reference = "", bool label_given = false);

// read_mask_input for the masks of one study: each RTSTRUCT / SEG file is read and parsed once,
// whatever the number of its ROIs the study lists ("rs.dcm#GTV-1;rs.dcm#Lung-Left"); the masks are
// those read_mask_input gives. Keyed by path for the reader's lifetime (one study): a file changed
// meanwhile is not re-read.
class MaskInputReader {
public:
    Mask read(const std::string& mask_path, const Geometry& grid, int label, const DicomSettings& dicom,
              const std::string& frame_of_reference = "", bool label_given = false);

    // The parsed object of a DICOM mask file (parsed on first use); null when the file is not one.
    std::string modality(const std::string& file);  // "" when not a DICOM file
    const ParsedRtStruct* rtstruct(const std::string& file);
    const ParsedSeg* seg(const std::string& file);
    // The parsed 3D Slicer segmentation of a .seg.nrrd / .seg.nhdr file (read on first use).
    const SlicerSegmentation& slicer(const std::string& file);

private:
    struct Parsed;
    Parsed& entry(const std::string& file);
    std::map<std::string, std::shared_ptr<Parsed>> parsed_;  // by file path
};

// The image of an already discovered DICOM series (no second folder scan, no second parse of its
// files: the series carries discovery's scans). read_source_input: straight into the study image's
// stored type (io::read_dicom_source).
SourceImage read_source_input(const DicomSeries& series, const DicomSettings& dicom, PixelType* pixel_type = nullptr,
                              std::string* frame_of_reference = nullptr);
Image read_image_input(const DicomSeries& series, const DicomSettings& dicom, PixelType* pixel_type = nullptr,
                       std::string* frame_of_reference = nullptr);

}  // namespace radhpc::io
