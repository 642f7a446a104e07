// Mask -> binary DICOM SEG through DCMTK's dcmseg (its writer follows the SEG IOD; radhpc's reader in
// dicom_seg.cpp is independent of it, which is what the round-trip test relies on).
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <cstdio>
#include <memory>
#include <sstream>

#include "dicom_internal.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"

namespace radhpc::io {

using namespace dicom_detail;

namespace {

OFString ds_text(double v) {
    std::ostringstream s;
    s.precision(10);  // DS holds at most 16 characters
    s << v;
    return s.str().c_str();
}

void check(const OFCondition& c, const std::string& path, const std::string& what) {
    if (c.bad()) throw Error(ErrorKind::io, path + ": cannot write DICOM SEG (" + what + ": " + c.text() + ")");
}

}  // namespace

namespace {

// One segment to write: its label and which voxels of the map are inside it.
struct SegmentSpec {
    std::string label;
    int value = 0;       // inside: map value == value (any non-zero value when `any_nonzero`)
    bool any_nonzero = false;
};

// The writer behind write_seg and write_seg_segments. Frames are written segment by segment, each
// segment's slices in z order. `uid_key` non-empty: deterministic UIDs, no dates (see dicom.hpp).
void write_seg_impl(const Mask& map, const std::vector<SegmentSpec>& specs, const std::string& reference_file, const std::string& path,
                    bool fractional, const std::string& uid_key) {
    ensure_dcmtk_ready();
    const Geometry& g = map.geometry;
    if (g.size[0] > 65535 || g.size[1] > 65535) throw Error(ErrorKind::invalid_input, path + ": mask too large for DICOM rows/columns");
    if (specs.empty()) throw Error(ErrorKind::invalid_input, path + ": no segment to write");
    IODGeneralEquipmentModule::EquipmentInfo equipment("radhpc", "radhpc", "0", "1");
    ContentIdentificationMacro content("1", "RADHPC_SEG", "mask exported by radhpc", "radhpc");
    DcmSegmentation* raw = nullptr;
    check(fractional ? DcmSegmentation::createFractionalSegmentation(raw, Uint16(g.size[1]), Uint16(g.size[0]), DcmSegTypes::SFT_OCCUPANCY,
                                                                     255, equipment, content)
                     : DcmSegmentation::createBinarySegmentation(raw, Uint16(g.size[1]), Uint16(g.size[0]), equipment, content),
          path, "create");
    std::unique_ptr<DcmSegmentation> seg(raw);
    seg->setCheckFGOnWrite(OFFalse);
    seg->setCheckDimensionsOnWrite(OFFalse);
    check(seg->importHierarchy(reference_file.c_str(), OFTrue, OFTrue, OFTrue, OFFalse), path, "import study from " + reference_file);

    check(seg->getSegmentationSeriesModule().setSeriesNumber("9001"), path, "series number");

    FGPixelMeasures measures;
    check(measures.setPixelSpacing(ds_text(g.spacing[1]) + "\\" + ds_text(g.spacing[0])), path, "pixel spacing");
    check(measures.setSliceThickness(ds_text(g.spacing[2])), path, "slice thickness");
    FGPlaneOrientationPatient orientation;
    const Mat3& d = g.direction;
    check(orientation.setImageOrientationPatient(ds_text(d[0]), ds_text(d[3]), ds_text(d[6]), ds_text(d[1]), ds_text(d[4]), ds_text(d[7])),
          path, "orientation");
    check(seg->addForAllFrames(measures), path, "pixel measures");
    check(seg->addForAllFrames(orientation), path, "plane orientation");

    const std::size_t plane = g.size[0] * g.size[1];
    std::vector<Uint8> frame(plane);
    Uint32 frame_number = 0;
    for (const SegmentSpec& spec : specs) {
        DcmSegment* segment = nullptr;
        CodeSequenceMacro category("49755003", "SCT", "Morphologically Altered Structure");
        CodeSequenceMacro type("108369006", "SCT", "Neoplasm");
        check(DcmSegment::create(segment, spec.label.c_str(), category, type, DcmSegTypes::SAT_MANUAL), path, "segment");
        Uint16 segment_number = 0;
        check(seg->addSegment(segment, segment_number), path, "add segment");
        Uint32 frames_of_segment = 0;
        for (std::size_t z = 0; z < g.size[2]; ++z) {
            bool any = false;
            const std::uint8_t* src = map.data.data() + z * plane;
            if (spec.any_nonzero)
                for (std::size_t i = 0; i < plane; ++i) {
                    frame[i] = src[i];
                    any = any || frame[i];
                }
            else
                for (std::size_t i = 0; i < plane; ++i) {
                    frame[i] = src[i] == spec.value ? 1 : 0;
                    any = any || frame[i];
                }
            if (!any) continue;
            ++frame_number;
            ++frames_of_segment;
            const Vec3 p = g.index_to_point({0.0, 0.0, double(z)});
            FGPlanePosPatient position;
            check(position.setImagePositionPatient(ds_text(p[0]), ds_text(p[1]), ds_text(p[2])), path, "position");
            FGFrameContent frame_content;
            check(frame_content.setDimensionIndexValues(segment_number, 0), path, "dimension index");
            check(frame_content.setDimensionIndexValues(Uint32(z + 1), 1), path, "dimension index");
            FGSegmentation frame_segment;
            check(frame_segment.setReferencedSegmentNumber(segment_number), path, "segment number");
            OFVector<FGBase*> per_frame;
            per_frame.push_back(&position);
            per_frame.push_back(&frame_content);
            per_frame.push_back(&frame_segment);
            check(seg->addFrame(frame.data(), segment_number, per_frame), path, "frame");
        }
        if (frames_of_segment == 0 && !spec.any_nonzero)
            throw Error(ErrorKind::empty_roi, path + ": segment '" + spec.label + "' is empty; nothing to write");
    }
    if (frame_number == 0) throw Error(ErrorKind::empty_roi, path + ": the mask is empty; nothing to write");
    IODMultiframeDimensionModule& dims = seg->getDimensions();
    char uid[100];
    if (uid_key.empty())
        dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
    else
        std::snprintf(uid, sizeof uid, "%s", derived_uid(uid_key, "seg-dimensions").c_str());
    check(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, uid, DCM_SegmentIdentificationSequence, "segment"), path, "dimension");
    check(dims.addDimensionIndex(DCM_ImagePositionPatient, uid, DCM_PlanePositionSequence, "position"), path, "dimension");
    if (uid_key.empty()) {
        check(seg->saveFile(path.c_str(), EXS_LittleEndianExplicit), path, "save");
        return;
    }
    // Deterministic copy: dcmseg draws instance/series UIDs and stamps the current date and time; the
    // dataset is written out, those elements replaced, then saved (the meta header follows the dataset).
    DcmFileFormat file;
    DcmDataset& ds = *file.getDataset();
    check(seg->writeDataset(ds), path, "dataset");
    check(ds.putAndInsertString(DCM_SOPInstanceUID, derived_uid(uid_key, "seg-instance").c_str()), path, "uid");
    check(ds.putAndInsertString(DCM_SeriesInstanceUID, derived_uid(uid_key, "seg-series").c_str()), path, "uid");
    for (const DcmTagKey& tag : {DCM_InstanceCreationDate, DCM_InstanceCreationTime, DCM_ContentDate, DCM_ContentTime, DCM_SeriesDate,
                                 DCM_SeriesTime, DCM_StudyDate, DCM_StudyTime})
        if (ds.tagExists(tag)) check(ds.putAndInsertString(tag, ""), path, "date");
    check(file.saveFile(path.c_str(), EXS_LittleEndianExplicit), path, "save");
}

}  // namespace

void write_seg(const Mask& mask, const std::string& segment_label, const std::string& reference_file, const std::string& path,
               bool fractional) {
    write_seg_impl(mask, {SegmentSpec{segment_label, 0, true}}, reference_file, path, fractional, "");
}

void write_seg_segments(const Mask& labels, const std::vector<std::pair<int, std::string>>& segments, const std::string& reference_file,
                        const std::string& path, const std::string& uid_key) {
    std::vector<SegmentSpec> specs;
    for (const auto& [value, name] : segments) {
        if (value <= 0 || value > 255) throw Error(ErrorKind::invalid_input, path + ": segment value " + std::to_string(value) + " out of 1..255");
        specs.push_back({name, value, false});
    }
    write_seg_impl(labels, specs, reference_file, path, false, uid_key);
}

}  // namespace radhpc::io
