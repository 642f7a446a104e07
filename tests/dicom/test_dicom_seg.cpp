// DICOM SEG -> Mask. The SEG is written by DCMTK's dcmseg (io::write_seg) from the phantom's NIfTI
// mask on the DICOM CT grid; radhpc's own reader (bit unpacking, per-frame positions, segment
// selection) must give the NIfTI mask back exactly.
#include <catch2/catch.hpp>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;

TEST_CASE("binary SEG written by DCMTK reads back as the phantom mask", "[dicom][seg]") {
    ScratchDir dir("seg");
    const auto ct = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    Mask ref = io::read_label_mask(dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", 1);
    ref.geometry = ct.image.geometry;  // same grid within 1e-4 mm (test_dicom_series); use the DICOM one exactly
    const std::string seg = (dir.path / "gtv_seg.dcm").string();
    io::write_seg(ref, "GTV-1", dicomtest::kPhantom + "/dicom/image/" + dicomtest::slice_name(0), seg);

    CHECK(io::dicom_file_kind(seg).modality == "SEG");
    const auto info = io::read_seg_info(seg);
    CHECK(info.type == "BINARY");
    REQUIRE(info.segments.size() == 1);
    CHECK(info.segments[0].label == "GTV-1");
    CHECK(info.frame_of_reference_uid == ct.frame_of_reference_uid);

    io::SegOptions opt;
    const Mask m = io::read_seg_mask(seg, ct.image.geometry, opt);
    std::size_t differing = 0, voxels = 0;
    for (std::size_t i = 0; i < m.data.size(); ++i) {
        differing += m.data[i] != ref.data[i];
        voxels += m.data[i];
    }
    CHECK(voxels == 125256);
    CHECK(differing == 0);

    opt.segment = "GTV-1";
    CHECK(io::read_seg_mask(seg, ct.image.geometry, opt).data == m.data);
    opt.segment = "1";
    CHECK(io::read_seg_mask(seg, ct.image.geometry, opt).data == m.data);
    opt.segment = "Liver";
    try {
        io::read_seg_mask(seg, ct.image.geometry, opt);
        FAIL("expected an error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("'GTV-1'") != std::string::npos);
    }

    // through pipeline::load with the SEG as --mask: the same lesion input as the RTSTRUCT
    Settings s;
    s.dicom.roi = "GTV-1";
    const auto a = pipeline::load(dicomtest::kPhantom + "/dicom/image", seg, s);
    const auto b = pipeline::load(dicomtest::kPhantom + "/dicom/image", dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", s);
    CHECK(a.mask.data == b.mask.data);
}

TEST_CASE("fractional SEG: thresholded at half the maximum fractional value", "[dicom][seg]") {
    ScratchDir dir("segfrac");
    const auto ct = io::read_dicom_folder(dicomtest::kPhantom + "/dicom/image");
    Mask ref = io::read_label_mask(dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", 1);
    ref.geometry = ct.image.geometry;
    // occupancy: 200/255 inside the GTV, 100/255 on the voxels right of it (outside at threshold 0.5)
    Mask frac(ref.geometry, 0);
    std::size_t inside = 0, partial = 0;
    for (std::size_t z = 0; z < ref.nz(); ++z)
        for (std::size_t y = 0; y < ref.ny(); ++y)
            for (std::size_t x = 0; x < ref.nx(); ++x) {
                if (ref.at(x, y, z)) {
                    frac.at(x, y, z) = 200;
                    ++inside;
                } else if (x > 0 && ref.at(x - 1, y, z)) {
                    frac.at(x, y, z) = 100;
                    ++partial;
                }
            }
    REQUIRE(partial > 0);
    const std::string seg = (dir.path / "frac.dcm").string();
    io::write_seg(frac, "GTV-1", dicomtest::kPhantom + "/dicom/image/" + dicomtest::slice_name(0), seg, true);
    CHECK(io::read_seg_info(seg).type == "FRACTIONAL");
    io::SegOptions opt;
    CHECK(io::read_seg_mask(seg, ct.image.geometry, opt).data == ref.data);
    opt.fraction_threshold = 0.3;  // 100/255 = 0.39 is now inside
    const Mask wide = io::read_seg_mask(seg, ct.image.geometry, opt);
    std::size_t n = 0;
    for (auto v : wide.data) n += v;
    CHECK(n == inside + partial);
}
