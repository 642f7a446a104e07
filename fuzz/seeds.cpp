// Seed inputs for every fuzz target, written here (NIfTI-1 and NRRD by hand, DCMTK for CT slices and
// RTSTRUCT, radhpc's io::write_seg for SEG) and small hand-made texts: nothing here derives
// from ../shared/data. The CT slices lie on the grid the RTSTRUCT/SEG targets rasterise on (8 x 8 x 4,
// 1 mm, origin 0), so the seeds reach the rasterisers rather than stopping at a grid check.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpeg/djencode.h>
#include <dcmtk/dcmjpls/djencode.h>


#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../tests/common/gzip.hpp"  // the tests' gzip writer
#include "radhpc/io/dicom.hpp"
#include "targets.hpp"

namespace radhpc::fuzz {
namespace {

namespace fs = std::filesystem;

const char* kStudy = "1.2.826.0.1.3680043.8.498.1";
const char* kSeries = "1.2.826.0.1.3680043.8.498.2";
const char* kFrame = "1.2.826.0.1.3680043.8.498.3";

Geometry grid() {
    Geometry g;
    g.size = {8, 8, 4};
    return g;
}

// A NIfTI-1 single file (.nii) of the 8 x 8 x 4 grid: qform (identity rotation, offset) and/or sform.
std::string nifti1(std::int16_t datatype, std::int16_t bitpix, const std::string& data, bool qform, bool sform, float slope, float inter) {
    std::string h(352, '\0');
    auto put = [&](std::size_t off, auto v) { std::memcpy(h.data() + off, &v, sizeof v); };
    put(0, std::int32_t(348));
    const std::int16_t dim[8] = {3, 8, 8, 4, 1, 1, 1, 1};
    for (int i = 0; i < 8; ++i) put(40 + 2 * std::size_t(i), dim[i]);
    put(70, datatype);
    put(72, bitpix);
    const float pixdim[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    for (int i = 0; i < 8; ++i) put(76 + 4 * std::size_t(i), pixdim[i]);
    put(108, 352.0f);
    put(112, slope);
    put(116, inter);
    h[123] = 2;  // mm
    put(252, std::int16_t(qform ? 1 : 0));
    put(254, std::int16_t(sform ? 2 : 0));
    put(268, -3.5f);
    put(272, 4.0f);
    put(276, 10.0f);
    const float srow[12] = {-1, 0, 0, 3.5f, 0, -1, 0, 4.0f, 0, 0, 1, 10.0f};
    for (int i = 0; i < 12; ++i) put(280 + 4 * std::size_t(i), srow[i]);
    std::memcpy(h.data() + 344, "n+1", 4);
    return h + data;
}

using testutil::gzip_bytes;

void put_text(const fs::path& p, const std::string& s, int& n) {
    std::ofstream(p, std::ios::binary) << s;
    ++n;
}

// One CT slice z of the 8 x 8 x 4 grid, in `xfer` (a compressed syntax when its codec is registered).
bool write_ct_slice(const fs::path& p, int z, E_TransferSyntax xfer, bool with_rescale = true) {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    const std::string sop = std::string(kSeries) + ".1" + std::to_string(z);
    ds->putAndInsertString(DCM_SOPClassUID, UID_CTImageStorage);
    ds->putAndInsertString(DCM_SOPInstanceUID, sop.c_str());
    ds->putAndInsertString(DCM_Modality, "CT");
    ds->putAndInsertString(DCM_StudyInstanceUID, kStudy);
    ds->putAndInsertString(DCM_SeriesInstanceUID, kSeries);
    ds->putAndInsertString(DCM_FrameOfReferenceUID, kFrame);
    ds->putAndInsertString(DCM_ImageType, "ORIGINAL\\PRIMARY\\AXIAL");
    ds->putAndInsertString(DCM_InstanceNumber, std::to_string(z + 1).c_str());
    ds->putAndInsertString(DCM_ImagePositionPatient, ("0\\0\\" + std::to_string(z)).c_str());
    ds->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
    ds->putAndInsertString(DCM_PixelSpacing, "1\\1");
    ds->putAndInsertString(DCM_SliceThickness, "1");
    ds->putAndInsertString(DCM_KVP, "120");
    ds->putAndInsertUint16(DCM_Rows, 8);
    ds->putAndInsertUint16(DCM_Columns, 8);
    ds->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    ds->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    ds->putAndInsertUint16(DCM_BitsAllocated, 16);
    ds->putAndInsertUint16(DCM_BitsStored, 16);
    ds->putAndInsertUint16(DCM_HighBit, 15);
    ds->putAndInsertUint16(DCM_PixelRepresentation, 1);
    if (with_rescale) {
        ds->putAndInsertString(DCM_RescaleSlope, "1");
        ds->putAndInsertString(DCM_RescaleIntercept, "-1024");
    }
    std::vector<Uint16> px(64);
    for (int i = 0; i < 64; ++i) px[std::size_t(i)] = Uint16(1000 + 7 * i + 13 * z);
    ds->putAndInsertUint16Array(DCM_PixelData, px.data(), 64);
    if (xfer != EXS_LittleEndianExplicit && xfer != EXS_LittleEndianImplicit && ds->chooseRepresentation(xfer, nullptr).bad())
        return false;
    return file.saveFile(p.c_str(), xfer).good();
}

void write_rtstruct(const fs::path& p, const std::string& contour_data, const char* type = "CLOSED_PLANAR") {
    DcmFileFormat file;
    DcmDataset* ds = file.getDataset();
    ds->putAndInsertString(DCM_SOPClassUID, UID_RTStructureSetStorage);
    ds->putAndInsertString(DCM_SOPInstanceUID, "1.2.826.0.1.3680043.8.498.4");
    ds->putAndInsertString(DCM_Modality, "RTSTRUCT");
    ds->putAndInsertString(DCM_StudyInstanceUID, kStudy);
    ds->putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.8.498.5");
    DcmItem* fr = nullptr;
    ds->findOrCreateSequenceItem(DCM_ReferencedFrameOfReferenceSequence, fr, 0);
    fr->putAndInsertString(DCM_FrameOfReferenceUID, kFrame);
    DcmItem *st = nullptr, *se = nullptr;
    fr->findOrCreateSequenceItem(DCM_RTReferencedStudySequence, st, 0);
    st->findOrCreateSequenceItem(DCM_RTReferencedSeriesSequence, se, 0);
    se->putAndInsertString(DCM_SeriesInstanceUID, kSeries);
    const char* names[2] = {"GTV", "lesion 2"};
    for (int r = 0; r < 2; ++r) {
        DcmItem* roi = nullptr;
        ds->findOrCreateSequenceItem(DCM_StructureSetROISequence, roi, r);
        roi->putAndInsertString(DCM_ROINumber, std::to_string(r + 1).c_str());
        roi->putAndInsertString(DCM_ROIName, names[r]);
        roi->putAndInsertString(DCM_ReferencedFrameOfReferenceUID, kFrame);
        DcmItem* rc = nullptr;
        ds->findOrCreateSequenceItem(DCM_ROIContourSequence, rc, r);
        rc->putAndInsertString(DCM_ReferencedROINumber, std::to_string(r + 1).c_str());
        for (int z = 0; z < 2; ++z) {
            DcmItem* c = nullptr;
            rc->findOrCreateSequenceItem(DCM_ContourSequence, c, z);
            c->putAndInsertString(DCM_ContourGeometricType, type);
            std::string data = contour_data;
            // the same polygon on slices 1 and 2 (z is the last coordinate of each point)
            for (std::size_t k = 0; (k = data.find("Z", k)) != std::string::npos;) data.replace(k, 1, std::to_string(z + 1));
            const auto points = std::count(data.begin(), data.end(), '\\') / 3 + 1;
            c->putAndInsertString(DCM_NumberOfContourPoints, std::to_string(points).c_str());
            c->putAndInsertString(DCM_ContourData, data.c_str());
        }
    }
    file.saveFile(p.c_str(), EXS_LittleEndianExplicit);
}

}  // namespace

int write_seeds(const std::string& dir_name) {
    const fs::path dir(dir_name);
    for (const auto& t : targets()) fs::create_directories(dir / t.name);
    int n = 0;

    // ---- NIfTI-1 (int16 with scaling and qform, float32 with sform, uint8 labels; each also gzipped) and NRRD
    const std::size_t nvox = grid().voxel_count();
    std::vector<std::int16_t> ct(nvox);
    for (std::size_t i = 0; i < nvox; ++i) ct[i] = std::int16_t(int(i * 37 % 2000) - 1000);
    std::vector<float> fl(nvox);
    for (std::size_t i = 0; i < nvox; ++i) fl[i] = 0.25f * float(i) - 3.0f;
    std::vector<std::uint8_t> lab(nvox);
    for (std::size_t i = 0; i < nvox; ++i) lab[i] = std::uint8_t(i % 5 == 0 ? 1 : 0);
    const auto bytes = [](const auto& v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0])); };
    const std::pair<std::string, std::string> niftis[] = {
        {"ct_i16", nifti1(4, 16, bytes(ct), true, false, 1.0f, -1024.0f)},
        {"f32", nifti1(16, 32, bytes(fl), false, true, 0.0f, 0.0f)},
        {"labels_u8", nifti1(2, 8, bytes(lab), true, true, 0.0f, 0.0f)}};
    for (const auto& [name, file] : niftis) {
        put_text(dir / "nifti" / (name + ".nii"), file, n);
        put_text(dir / "nifti" / (name + ".nii.gz"), gzip_bytes(file), n);
    }
    const std::string nrrd_head = "NRRD0004\ndimension: 3\nspace: left-posterior-superior\nsizes: 8 8 4\n"
                                  "space directions: (1,0,0) (0,1,0) (0,0,1)\nkinds: domain domain domain\n"
                                  "space origin: (0,0,0)\n";
    put_text(dir / "nrrd" / "ct_i16.nrrd", nrrd_head + "type: short\nendian: little\nencoding: raw\n\n" + bytes(ct), n);
    put_text(dir / "nrrd" / "f32_gzip.nrrd", nrrd_head + "type: float\nendian: little\nencoding: gzip\n\n" + gzip_bytes(bytes(fl)), n);
    put_text(dir / "nrrd" / "labels_u8.nrrd", nrrd_head + "type: uchar\nencoding: raw\n\n" + bytes(lab), n);
    put_text(dir / "nrrd" / "ascii.nrrd",
             "NRRD0004\ntype: short\ndimension: 3\nspace: left-posterior-superior\nsizes: 2 2 2\n"
             "space directions: (1,0,0) (0,1,0) (0,0,2.5)\nkinds: domain domain domain\nencoding: ascii\n"
             "space origin: (-1,2.5,3)\n\n1 -2 3 -4 5 -6 7 -8\n", n);
    put_text(dir / "nrrd" / "detached.nhdr",
             "NRRD0004\ntype: uchar\ndimension: 3\nsizes: 4 4 4\nspacings: 1 1 1\nencoding: raw\ndata file: d.raw\n\n", n);
    put_text(dir / "nrrd" / "raw_big_endian.nrrd",
             std::string("NRRD0004\ntype: int16\ndimension: 2\nsizes: 2 2\nendian: big\nencoding: raw\nspacings: 0.5 0.5\n"
                         "key:=value\n\n") + std::string("\x00\x01\x00\x02\xff\xff\x80\x00", 8), n);
    // a 3D Slicer segmentation in two layers (list axis first), two named segments
    std::string layered;
    for (std::size_t i = 0; i < nvox; ++i) layered += {char(lab[i]), char(i % 3 == 0 ? 2 : 0)};
    put_text(dir / "nrrd" / "slicer_layers.seg.nrrd",
             "NRRD0004\ntype: uchar\ndimension: 4\nspace: left-posterior-superior\nsizes: 2 8 8 4\n"
             "space directions: none (1,0,0) (0,1,0) (0,0,1)\nkinds: list domain domain domain\nencoding: raw\n"
             "space origin: (0,0,0)\nSegmentation_MasterRepresentation:=Binary labelmap\n"
             "Segment0_ID:=Segment_1\nSegment0_Name:=Tumor\nSegment0_Layer:=0\nSegment0_LabelValue:=1\n"
             "Segment1_ID:=Segment_2\nSegment1_Name:=Lung\\nleft\nSegment1_Layer:=1\nSegment1_LabelValue:=2\n\n" + layered, n);

    // ---- DICOM CT slices: uncompressed (explicit, implicit VR), RLE, JPEG lossless, JPEG-LS; one without rescale tags
    DcmRLEEncoderRegistration::registerCodecs();
    DJEncoderRegistration::registerCodecs();
    DJLSEncoderRegistration::registerCodecs();
    const std::pair<const char*, E_TransferSyntax> syntaxes[] = {{"explicit", EXS_LittleEndianExplicit},
                                                                 {"implicit", EXS_LittleEndianImplicit},
                                                                 {"rle", EXS_RLELossless},
                                                                 {"jpeg_lossless", EXS_JPEGProcess14SV1},
                                                                 {"jpegls", EXS_JPEGLSLossless}};
    for (const auto& [name, xfer] : syntaxes)
        if (write_ct_slice(dir / "dicom_ct" / (std::string(name) + ".dcm"), 1, xfer)) ++n;
    if (write_ct_slice(dir / "dicom_ct" / "no_rescale.dcm", 0, EXS_LittleEndianExplicit, false)) ++n;

    // ---- RTSTRUCT: a square ROI and a triangle on slices 1 and 2; POINT contours
    write_rtstruct(dir / "rtstruct" / "square.dcm", "2\\2\\Z\\6\\2\\Z\\6\\6\\Z\\2\\6\\Z");
    write_rtstruct(dir / "rtstruct" / "triangle.dcm", "0.5\\0.5\\Z\\7.5\\0.5\\Z\\4\\7\\Z");
    write_rtstruct(dir / "rtstruct" / "point.dcm", "3\\3\\Z", "POINT");
    n += 3;

    // ---- SEG (binary and fractional) referencing a CT slice of the grid
    const fs::path ref = dir / "seg" / "reference_ct.tmp";
    write_ct_slice(ref, 0, EXS_LittleEndianExplicit);
    Mask m(grid());
    for (std::size_t z = 1; z < 3; ++z)
        for (std::size_t y = 2; y < 6; ++y)
            for (std::size_t x = 2; x < 6; ++x) m.data[(z * 8 + y) * 8 + x] = 1;
    io::write_seg(m, "lesion", ref.string(), (dir / "seg" / "binary.dcm").string());
    Mask frac = m;
    for (auto& v : frac.data) v = v ? 200 : 0;
    io::write_seg(frac, "lesion", ref.string(), (dir / "seg" / "fractional.dcm").string(), true);
    fs::remove(ref);
    n += 2;

    // ---- job YAML (scripts/fuzz.sh adds the repository's jobs/*.yaml too)
    put_text(dir / "job_yaml" / "minimal.yaml", "version: 1\nprofile: ibsi\n", n);
    put_text(dir / "job_yaml" / "full.yaml",
             "version: 1\nname: fuzz seed\nprofile: pyradiomics\ninput: {label: 1, geometry_tolerance: 0.001, minimum_roi_size: 3}\n"
             "preprocess:\n  resample: {spacing: [1, 1, 2], interpolation: bspline, pad_distance: 5}\n"
             "  resegment: {min: -500, max: 400, outlier_sigma: 3}\n  discretisation: {method: fixed_bin_number, bin_count: 32}\n"
             "  ivh: {method: fixed_bin_size, bin_width: 2.5, min_bound: -1000, max_bound: 1000}\n"
             "features: {families: [glcm, firstorder], distances: [1, 2], voxel_array_shift: 1000, ngldm_alpha: 0}\n"
             "dicom: {modality: [CT], roi: GTV, spacing_tolerance: 0.01}\n"
             "qc: {action: exclude, slice_thickness: {min: 0.5, max: 5}, min_slices: 10}\n"
             "output: {names: pyradiomics, diagnostics: false}\n", n);

    // ---- PyRadiomics parameter files
    put_text(dir / "pyradiomics_params" / "default.yaml",
             "imageType:\n  Original: {}\nfeatureClass:\n  firstorder:\n  glcm: [Autocorrelation, JointEntropy]\n"
             "setting:\n  binWidth: 25\n  label: 1\n  interpolator: sitkBSpline\n  resampledPixelSpacing: [1, 1, 1]\n"
             "  resegmentRange: [-1000, 400]\n  resegmentMode: absolute\n  normalize: false\n  weightingNorm: euclidean\n", n);
    put_text(dir / "pyradiomics_params" / "bincount.yaml",
             "featureClass:\n  shape:\n  glszm:\nsetting:\n  binCount: 16\n  force2D: true\n  force2Ddimension: 0\n"
             "  distances: [1, 2]\n  removeOutliers: 3\n  resegmentRange: [-3, 3]\n  resegmentMode: sigma\n  geometryTolerance: 1.0e-5\n", n);

    // ---- manifest CSV (relative paths, quoted fields, labels, metadata)
    put_text(dir / "manifest" / "manifest.csv",
             "study_id,patient_id,image,mask,labels,outcome,site\n"
             "s1,p1,images/s1.nii.gz,masks/s1.nii.gz,1;2,0,A\n"
             "s2,p1,/abs/s2.nrrd,\"m a.nii.gz;m b.nii.gz\",,1,\"B, \"\"quoted\"\"\"\n"
             "s3,p2,dicom/s3,rt/s3.dcm,,,\n", n);
    return n;
}

}  // namespace radhpc::fuzz
