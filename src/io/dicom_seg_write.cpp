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

void write_seg(const Mask& mask, const std::string& segment_label, const std::string& reference_file, const std::string& path,
               bool fractional) {
    ensure_dcmtk_ready();
    const Geometry& g = mask.geometry;
    if (g.size[0] > 65535 || g.size[1] > 65535) throw Error(ErrorKind::invalid_input, path + ": mask too large for DICOM rows/columns");
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

    DcmSegment* segment = nullptr;
    CodeSequenceMacro category("49755003", "SCT", "Morphologically Altered Structure");
    CodeSequenceMacro type("108369006", "SCT", "Neoplasm");
    check(DcmSegment::create(segment, segment_label.c_str(), category, type, DcmSegTypes::SAT_MANUAL), path, "segment");
    Uint16 segment_number = 0;
    check(seg->addSegment(segment, segment_number), path, "add segment");

    const std::size_t plane = g.size[0] * g.size[1];
    std::vector<Uint8> frame(plane);
    Uint32 frame_number = 0;
    for (std::size_t z = 0; z < g.size[2]; ++z) {
        bool any = false;
        for (std::size_t i = 0; i < plane; ++i) {
            frame[i] = mask.data[z * plane + i];
            any = any || frame[i];
        }
        if (!any) continue;
        ++frame_number;
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
    if (frame_number == 0) throw Error(ErrorKind::empty_roi, path + ": the mask is empty; nothing to write");
    IODMultiframeDimensionModule& dims = seg->getDimensions();
    char uid[100];
    dcmGenerateUniqueIdentifier(uid, SITE_INSTANCE_UID_ROOT);
    check(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, uid, DCM_SegmentIdentificationSequence, "segment"), path, "dimension");
    check(dims.addDimensionIndex(DCM_ImagePositionPatient, uid, DCM_PlanePositionSequence, "position"), path, "dimension");
    check(seg->saveFile(path.c_str(), EXS_LittleEndianExplicit), path, "save");
}

}  // namespace radhpc::io
