// Issue 12, DICOM reading: each file of a series parsed once (discovery's parse is reused by QC, the
// exclusion rule and the pixel read), slices decoded in parallel with a result that does not depend
// on the number of threads, and the study image decoded straight into its stored type.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <cstring>
#include <string>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/core/settings.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {

const std::string kImage = dicomtest::kPhantom + "/dicom/image";

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

bool same_bits(const SourceImage& a, const SourceImage& b) {
    if (bool(a.i16) != bool(b.i16) || bool(a.f64) != bool(b.f64)) return false;
    return a.i16 ? same_bits(a.i16->data, b.i16->data) : same_bits(a.f64->data, b.f64->data);
}

// A CT of nx x ny x nz voxels whose HU value encodes its position (every value in [-1024, 3071]),
// written as an uncompressed series CT00001.dcm (z = 0) ... by io::write_ct_series.
Volume<std::int16_t> write_series(const std::string& folder, std::size_t nx, std::size_t ny, std::size_t nz) {
    Geometry g;
    g.size = {nx, ny, nz};
    g.spacing = {0.8, 0.7, 2.5};
    g.origin = {-20, -15, 40};
    Volume<std::int16_t> hu(g);
    for (std::size_t i = 0; i < hu.data.size(); ++i) hu.data[i] = std::int16_t(int(i * 7919 % 4096) - 1024);
    io::SyntheticStudyIds ids;
    ids.patient_id = "P1";
    ids.study_id = "S1";
    ids.uid_key = "parallel-read-" + folder;
    io::write_ct_series(hu, folder, ids);
    return hu;
}

template <class F>
auto with_threads(int n, F&& f) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(n));
    return f();
}

}  // namespace

TEST_CASE("a series read on 1 and on 2 threads gives bit-identical volumes", "[dicom][series][parallel]") {
    const auto series = io::find_image_series(kImage, DicomSettings{});
    const auto one = with_threads(1, [&] { return io::read_dicom_series(series); });
    const auto two = with_threads(2, [&] { return io::read_dicom_series(series); });
    CHECK(same_bits(one.image.data, two.image.data));
    CHECK(one.slice_sop_instance_uids == two.slice_sop_instance_uids);
    const auto s1 = with_threads(1, [&] { return io::read_dicom_source(series); });
    const auto s2 = with_threads(2, [&] { return io::read_dicom_source(series); });
    REQUIRE(s1.i16);
    CHECK(same_bits(s1, s2));

    // the same for a series written here (values known: HU as written), and one whose slices are
    // smaller than DCMTK's lazy-load limit (pixel data held with the header)
    dicomtest::ScratchDir dir("parallel");
    for (const std::size_t n : {std::size_t(64), std::size_t(40)}) {
        const std::string folder = dir.str() + "/ct" + std::to_string(n);
        const auto hu = write_series(folder, n, n - 3, 17);
        const auto found = io::find_image_series(folder, DicomSettings{});
        const auto a = with_threads(1, [&] { return io::read_dicom_source(found); });
        const auto b = with_threads(2, [&] { return io::read_dicom_source(found); });
        REQUIRE(a.i16);
        CHECK(a.i16->data == hu.data);
        CHECK(same_bits(a, b));
        const auto d = with_threads(2, [&] { return io::read_dicom_series(found); });
        CHECK(d.image.data == std::vector<double>(hu.data.begin(), hu.data.end()));
    }
}

TEST_CASE("read_dicom_source keeps what make_source_image keeps of read_dicom_series", "[dicom][series][parallel]") {
    const auto check = [](const std::string& folder, bool expect_int16) {
        const auto series = io::find_image_series(folder, DicomSettings{});
        const auto ct = io::read_dicom_series(series);
        const SourceImage want = make_source_image(Image(ct.image), ct.pixel_type);
        io::CtSeries info;
        const SourceImage got = io::read_dicom_source(series, {}, &info);
        CHECK(bool(got.i16) == expect_int16);
        CHECK(same_bits(got, want));
        CHECK(info.pixel_type.integer == ct.pixel_type.integer);
        CHECK(info.pixel_type.min == ct.pixel_type.min);
        CHECK(info.pixel_type.max == ct.pixel_type.max);
        CHECK(info.frame_of_reference_uid == ct.frame_of_reference_uid);
        CHECK(info.slice_sop_instance_uids == ct.slice_sop_instance_uids);
        CHECK(info.image.geometry.size == ct.image.geometry.size);
        CHECK(info.metadata.transfer_syntax == ct.metadata.transfer_syntax);
    };
    SECTION("the phantom: int16") { check(kImage, true); }
    dicomtest::ScratchDir dir("source");
    const std::string folder = dir.str() + "/ct";
    write_series(folder, 48, 44, 6);
    SECTION("an integer pixel type whose values leave int16: doubles") {
        // stored 0..4095 + 30000: the pixel type (12-bit unsigned, intercept 30000) fits uint16, not int16
        REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,1052)=30000\" " + folder + "/*.dcm") == 0);
        check(folder, false);
    }
    SECTION("a non-integer rescale: doubles") {
        REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,1053)=0.5\" " + folder + "/*.dcm") == 0);
        check(folder, false);
    }
}

TEST_CASE("discovery parses each file once: QC, the exclusion rule and the read parse none again", "[dicom][series][parallel]") {
    Settings settings;
    settings.qc.exclude_failed = true;
    SECTION("radhpc run's sequence (dist/study.cpp)") {
        const auto before = io::dicom_io_counters();
        const auto series = io::find_image_series(kImage, settings.dicom);
        const io::StudyQc q = io::qc_series(series, settings, "S", /*decode_pixels=*/false);
        io::enforce_qc(q, kImage, settings);
        PixelType pixel;
        std::string frame_of_reference;
        const SourceImage image = io::read_source_input(series, settings.dicom, &pixel, &frame_of_reference);
        const auto after = io::dicom_io_counters();
        CHECK(series.files.size() == 60);
        CHECK(after.parses - before.parses == 60);
        CHECK(after.pixel_reads - before.pixel_reads == 60);  // one read of each slice's pixel data
        CHECK(image.geometry().size[2] == 60);
    }
    SECTION("radhpc extract's (pipeline::load), QC exclusion on, a NIfTI mask") {
        const auto before = io::dicom_io_counters();
        const auto in = pipeline::load(kImage, dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", settings);
        const auto after = io::dicom_io_counters();
        CHECK(after.parses - before.parses == 60);
        CHECK(after.pixel_reads - before.pixel_reads == 60);
        CHECK(in.source.i16);
    }
    SECTION("QC with pixel decoding (radhpc qc) parses nothing again either") {
        const auto series = io::find_image_series(kImage, settings.dicom);
        const auto before = io::dicom_io_counters();
        const io::StudyQc q = io::qc_series(series, settings, "S", /*decode_pixels=*/true);
        CHECK(q.passed());
        CHECK(io::dicom_io_counters().parses == before.parses);
    }
}

TEST_CASE("a decoding failure names the lowest failing slice whatever the number of threads", "[dicom][series][parallel]") {
    dicomtest::ScratchDir dir("lowest");
    const std::string folder = dir.str() + "/ct";
    write_series(folder, 64, 64, 24);
    // slices 5 and 20 (z order = file order here) become colour images: reading refuses them
    for (const char* f : {"/CT00020.dcm", "/CT00005.dcm"})
        REQUIRE(dicomtest::run("dcmodify -nb -m \"(0028,0004)=RGB\" " + folder + f) == 0);
    const auto series = io::find_image_series(folder, DicomSettings{});
    for (const int threads : {1, 2}) {
        INFO(threads << " threads");
        std::string message;
        try {
            with_threads(threads, [&] { return io::read_dicom_source(series); });
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::invalid_input);
            message = e.what();
        }
        CHECK(message == folder + "/CT00005.dcm: not a monochrome image (SamplesPerPixel 1, RGB)");
    }
}
