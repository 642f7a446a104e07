// Issue 12: archive inputs that failed. (1) A DICOM CT series with a label-file mask written by another
// tool (NIfTI stores origin and spacing as float32, so the grids agree only within rounding): the
// input check accepts the pair within input.geometry_tolerance, and from then on the mask is on the
// image's grid, so no later internal check can reject it.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {
const std::string kCt = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/";

Settings config(const std::string& name) { return io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/" + name).settings; }
}  // namespace

TEST_CASE("DICOM series with a NIfTI label mask within the geometry tolerance", "[geometry][archive]") {
    for (const char* job : {"config-A.yaml", "config-C.yaml"}) {
        const Settings s = config(job);
        pipeline::LesionInput in;
        in.image = io::read_image_input(kCt + "dicom/image", s.dicom, &in.pixel_type);
        in.mask = io::read_label_mask(kCt + "nifti/mask/mask.nii.gz", 1);
        // the premise: the grids differ (float32 header rounding) but lie within the tolerance
        REQUIRE(same_grid(in.image.geometry, in.mask.geometry, s.geometry_tolerance));
        REQUIRE_FALSE(identical_grid(in.image.geometry, in.mask.geometry));
        INFO(job);
        pipeline::LesionResult as_given;
        REQUIRE_NOTHROW(as_given = pipeline::extract(in, s));
        // the same mask put on the image's grid by hand gives the same features, bit for bit
        pipeline::LesionInput snapped = in;
        snapped.mask.geometry = snapped.image.geometry;
        const auto expected = pipeline::extract(snapped, s);
        REQUIRE(as_given.features.size() == expected.features.size());
        REQUIRE(as_given.features.size() > 100);
        for (std::size_t i = 0; i < expected.features.size(); ++i) {
            CHECK(as_given.features[i].name == expected.features[i].name);
            CHECK(as_given.features[i].value == expected.features[i].value);
        }
        // and load() (the path of `radhpc extract` and the batch worker's) snaps in place
        const auto loaded = pipeline::load(kCt + "dicom/image", kCt + "nifti/mask/mask.nii.gz", s);
        CHECK(identical_grid(loaded.image_geometry(), loaded.mask.geometry));
        CHECK(loaded.source.i16 != nullptr);  // the DICOM CT is kept as int16
    }
}

TEST_CASE("a mask beyond the geometry tolerance is still refused", "[geometry][archive]") {
    const Settings s = config("config-A.yaml");
    pipeline::LesionInput in;
    in.image = io::read_image_input(kCt + "dicom/image", s.dicom, &in.pixel_type);
    in.mask = io::read_label_mask(kCt + "nifti/mask/mask.nii.gz", 1);
    in.mask.geometry.origin[0] += 0.01 * in.mask.geometry.spacing[0];
    try {
        pipeline::extract(in, s);
        FAIL("a mask shifted by 1% of a voxel was accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::geometry_mismatch);
    }
}
