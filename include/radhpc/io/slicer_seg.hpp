// 3D Slicer segmentations (.seg.nrrd, .seg.nhdr) as masks: a NRRD read by radhpc's own reader
// (io::read_nrrd_layers) whose key/value pairs name the segments. Segment N is described by
// `SegmentN_ID`, `SegmentN_Name`, `SegmentN_Layer` and `SegmentN_LabelValue` (Slicer 4.11 and later;
// older files without Layer / LabelValue: segment N is layer N of a 4-D file, or layer 0, with label
// value 1). The data is 3-D (one layer: a label map) or 4-D with a first axis of kind `list`, one
// 3-D layer per entry, so that segments may overlap; segment = (layer, label value).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"
#include "radhpc/io/image_io.hpp"

namespace radhpc::io {

struct SlicerSegment {
    std::string id, name;
    std::size_t layer = 0;
    std::int64_t label_value = 1;
};

// True when the file name ends in .seg.nrrd or .seg.nhdr (any case): the files read as Slicer
// segmentations, whose segments are chosen by name ("f.seg.nrrd#Tumor", --roi, dicom.roi).
bool is_slicer_segmentation(const std::string& file);

// A parsed segmentation: header checks and segment list at construction (Error kind invalid_input
// for a file that is not one: no SegmentN_ keys, a layer beyond the list axis, a key given twice,
// a source representation other than "Binary labelmap", floating-point voxels).
class SlicerSegmentation {
public:
    explicit SlicerSegmentation(const std::string& path);

    const std::vector<SlicerSegment>& segments() const { return segments_; }
    std::size_t layers() const { return nrrd_.layers; }
    const Geometry& geometry() const { return nrrd_.image.geometry; }

    // The segment `name` selects: the segment of that name (exact; or, with `name_is_pattern`, the
    // one whose whole name matches the ECMAScript regex), else of that ID. Without a name: with
    // `label` the segment of that label value, else the only segment. Anything else (no match,
    // several matches, a multi-segment file without a name or label) is an Error (invalid_input)
    // listing the segments' names.
    std::size_t select(const std::string& name, bool name_is_pattern = false, std::optional<int> label = std::nullopt) const;

    // The voxels of segment `index` (value label_value in its layer) as a binary mask on the file's
    // grid; an empty segment is an Error (empty_roi).
    Mask mask(std::size_t index) const;

    // "'Tumor' (layer 0, label 1), 'Lung' (layer 1, label 1)" for messages.
    std::string described() const;

private:
    std::string path_;
    NrrdLayers nrrd_;
    std::vector<SlicerSegment> segments_;
};

}  // namespace radhpc::io
