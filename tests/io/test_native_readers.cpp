// radhpc's own NIfTI/NRRD readers against ITK 5.2's (the reference, bit for bit: geometry doubles
// and voxel values), on every NIfTI/NRRD file of ../shared/data and on generated edge cases, and a
// table of malformed headers that must each give a clean radhpc::Error of the right kind.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "common/gzip.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const char* tag) {
    auto p = fs::temp_directory_path() / ("radhpc_native_" + std::string(tag) + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Native read_image equals ITK's reader: geometry exactly, voxels bit for bit. ITK's NIfTI reader
// (nifti1_io) turns non-finite float voxels into 0; radhpc keeps them, so there the ITK value must
// be 0 and radhpc's non-finite.
void check_equals_itk(const std::string& path, bool labels = false) {
    INFO(path);
    PixelType pn, pi;
    const Image n = io::read_image(path, &pn);
    const Image r = io::read_image_itk(path, &pi);
    CHECK(n.geometry.size == r.geometry.size);
    for (int a = 0; a < 3; ++a) {
        CHECK(same_bits(n.geometry.spacing[a], r.geometry.spacing[a]));
        CHECK(same_bits(n.geometry.origin[a], r.geometry.origin[a]));
    }
    for (int k = 0; k < 9; ++k) {
        INFO("direction[" << k << "] " << n.geometry.direction[k] << " vs ITK " << r.geometry.direction[k]);
        CHECK(same_bits(n.geometry.direction[k], r.geometry.direction[k]));
    }
    CHECK(pn.integer == pi.integer);
    CHECK(pn.min == pi.min);
    CHECK(pn.max == pi.max);
    REQUIRE(n.data.size() == r.data.size());
    std::size_t differ = 0, nonfinite = 0;
    for (std::size_t i = 0; i < n.data.size(); ++i) {
        if (same_bits(n.data[i], r.data[i])) continue;
        if (!std::isfinite(n.data[i]) && r.data[i] == 0.0) ++nonfinite;
        else ++differ;
    }
    CHECK(differ == 0);
    if (labels) {
        const auto ln = io::read_label_image(path);
        const auto li = io::read_label_image_itk(path);
        CHECK(ln.data == li.data);
    }
}

// ---- writers of test files ----------------------------------------------------------------------

std::vector<char> operator+(std::vector<char> a, const std::vector<char>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}


struct Nifti {
    std::int16_t dim[8] = {3, 4, 3, 2, 1, 1, 1, 1};
    std::int16_t datatype = 4, bitpix = 16, intent = 0;
    float pixdim[8] = {1, 0.8f, 0.9f, 2.5f, 1, 1, 1, 1};
    float vox_offset = 352, slope = 0, inter = 0;
    std::uint8_t units = 2;
    std::int16_t qform = 1, sform = 1;
    float quat[6] = {0, 0, 0, -10.5f, 20.25f, 3};
    float srow[3][4] = {{0.8f, 0, 0, -10.5f}, {0, 0.9f, 0, 20.25f}, {0, 0, 2.5f, 3}};
    const char* magic = "n+1";
    std::int32_t sizeof_hdr = 348;
    std::vector<char> data;  // voxel bytes (native order); filled by default_data() if empty
    bool big_endian = false;
    int version = 1;  // 2: NIfTI-2 layout (540-byte header, 64-bit fields)

    std::size_t voxels() const {
        std::size_t n = 1;
        for (int i = 1; i <= dim[0]; ++i) n *= std::size_t(std::max<std::int16_t>(dim[i], 1));
        return n;
    }
    std::vector<char> bytes() { return version == 2 ? bytes2() : bytes1(); }
    std::vector<char> bytes2() {
        const float off = vox_offset == 352 ? 544 : vox_offset;
        std::vector<char> h(std::size_t(off > 544 && off < 4096 ? off : 544), 0);
        auto put = [&](std::size_t o, auto v) {
            std::memcpy(h.data() + o, &v, sizeof v);
            if (big_endian) std::reverse(h.begin() + long(o), h.begin() + long(o + sizeof v));
        };
        put(0, std::int32_t(sizeof_hdr == 348 ? 540 : sizeof_hdr));
        std::memcpy(h.data() + 4, magic[2] == '1' ? "n+2\0\r\n\032\n" : magic, magic[2] == '1' ? 8 : std::strlen(magic));
        put(12, datatype);
        put(14, bitpix);
        for (int i = 0; i < 8; ++i) put(16 + 8 * std::size_t(i), std::int64_t(dim[i]));
        for (int i = 0; i < 8; ++i) put(104 + 8 * std::size_t(i), double(pixdim[i]));
        put(168, std::int64_t(std::isfinite(off) ? off : -1));
        put(176, double(slope));
        put(184, double(inter));
        put(344, std::int32_t(qform));
        put(348, std::int32_t(sform));
        for (int i = 0; i < 6; ++i) put(352 + 8 * std::size_t(i), double(quat[i]));
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c) put(400 + 32 * std::size_t(r) + 8 * std::size_t(c), double(srow[r][c]));
        put(500, std::int32_t(units));
        put(504, std::int32_t(intent));
        return h + payload();
    }
    std::vector<char> payload() {
        if (data.empty()) {
            const std::size_t w = std::size_t(std::max<int>(bitpix, 8) / 8);
            data.resize(voxels() * w);
            for (std::size_t i = 0; i < data.size(); ++i) data[i] = char((i * 37 + 11) % 97);
        }
        std::vector<char> d = data;
        if (big_endian) {
            const std::size_t w = std::size_t(std::max<int>(bitpix, 8) / 8);
            for (std::size_t i = 0; i + w <= d.size(); i += w) std::reverse(d.begin() + long(i), d.begin() + long(i + w));
        }
        return d;
    }
    std::vector<char> bytes1() {
        std::vector<char> h(std::size_t(vox_offset > 352 && vox_offset < 4096 ? vox_offset : 352), 0);
        auto put = [&](std::size_t off, const void* v, std::size_t n) {
            std::memcpy(h.data() + off, v, n);
            if (big_endian) std::reverse(h.begin() + long(off), h.begin() + long(off + n));
        };
        put(0, &sizeof_hdr, 4);
        for (int i = 0; i < 8; ++i) put(40 + 2 * i, &dim[i], 2);
        put(68, &intent, 2);
        put(70, &datatype, 2);
        put(72, &bitpix, 2);
        for (int i = 0; i < 8; ++i) put(76 + 4 * i, &pixdim[i], 4);
        put(108, &vox_offset, 4);
        put(112, &slope, 4);
        put(116, &inter, 4);
        h[123] = char(units);
        put(252, &qform, 2);
        put(254, &sform, 2);
        for (int i = 0; i < 6; ++i) put(256 + 4 * i, &quat[i], 4);
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c) put(280 + 16 * r + 4 * c, &srow[r][c], 4);
        std::memcpy(h.data() + 344, magic, std::strlen(magic) + 1 > 4 ? 4 : std::strlen(magic) + 1);
        return h + payload();
    }
};

void write_file(const fs::path& p, const std::vector<char>& bytes) {
    std::ofstream(p, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::vector<char> gzip(const std::vector<char>& raw) {
    const std::string z = testutil::gzip_bytes(std::string_view(raw.data(), raw.size()));
    return {z.begin(), z.end()};
}

void write_gz(const fs::path& p, const std::vector<char>& raw) { write_file(p, gzip(raw)); }

std::vector<char> text(const std::string& s) { return std::vector<char>(s.begin(), s.end()); }


std::vector<char> ramp_bytes(std::size_t n, std::size_t width, bool big = false) {
    std::vector<char> v(n * width);
    for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t x = std::int64_t(i * 7) - 40;
        for (std::size_t b = 0; b < width; ++b) v[i * width + (big ? width - 1 - b : b)] = char((std::uint64_t(x) >> (8 * b)) & 0xff);
    }
    return v;
}

// Expects read_image to throw radhpc::Error of `kind` naming the file, within a second.
void expect_error(const fs::path& p, ErrorKind kind, const std::string& word) {
    INFO(p.filename().string() << " expecting '" << word << "'");
    const auto t0 = std::chrono::steady_clock::now();
    try {
        io::read_image(p.string());
        FAIL("read without error");
    } catch (const Error& e) {
        const std::string msg = e.what();
        INFO(msg);
        CHECK(e.kind() == kind);
        CHECK(msg.find(p.filename().string()) != std::string::npos);
        CHECK(msg.find(word) != std::string::npos);
        CHECK(msg.find("0x") == std::string::npos);  // no memory addresses
    }
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

const char* kNrrdHead = "NRRD0004\ntype: short\ndimension: 3\nspace: left-posterior-superior\nsizes: 4 3 2\n"
                        "space directions: (0.8,0,0) (0,0.9,0) (0,0,2.5)\nendian: little\nspace origin: (1,2,3)\n";

}  // namespace

TEST_CASE("native readers equal ITK on every NIfTI/NRRD file of the reference data", "[io][native]") {
    const fs::path root = RADHPC_SHARED_DATA;
    if (!fs::exists(root)) {
        WARN("no ../shared/data: skipped");
        return;
    }
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        const std::string p = e.path().string();
        if (!e.is_regular_file() || !io::has_native_reader(p)) continue;
        const bool is_label = p.find("label") != std::string::npos || p.find("mask") != std::string::npos;
        check_equals_itk(p, is_label);
        ++files;
    }
    CHECK(files >= 60);
}

TEST_CASE("native readers equal ITK on generated NIfTI variants", "[io][native]") {
    const auto dir = temp_dir("nii");
    int k = 0;
    auto both = [&](Nifti n, const char* what) {
        INFO(what);
        const auto raw = n.bytes();
        const auto a = dir / ("v" + std::to_string(k) + ".nii"), b = dir / ("v" + std::to_string(k) + ".nii.gz");
        ++k;
        write_file(a, raw);
        write_gz(b, raw);
        check_equals_itk(a.string(), true);
        check_equals_itk(b.string(), true);
    };
    both(Nifti{}, "qform and sform, equal");
    {
        Nifti n;
        n.sform = 0;
        both(n, "qform only");
    }
    {
        Nifti n;
        n.qform = 0;
        n.sform = 2;
        both(n, "sform only (aligned)");
    }
    {
        Nifti n;
        n.qform = 0;
        n.sform = 0;
        both(n, "neither");
    }
    {
        Nifti n;  // rotated qform (30 degrees about z), qfac -1, sform different and oblique
        n.quat[2] = float(std::sin(M_PI / 12));
        n.pixdim[0] = -1;
        n.sform = 2;
        n.srow[0][1] = 0.3f;
        both(n, "rotated qform, skewed sform");
    }
    {
        Nifti n;
        n.quat[0] = 0.2f;
        n.quat[1] = 0.1f;
        n.sform = 1;
        n.srow[0][0] = -0.7f;
        both(n, "qform and scanner sform disagree");
    }
    {
        Nifti n;  // scanner sform, orthonormal, another origin than the qform: ITK takes the sform
        n.srow[0][3] = 50;
        both(n, "scanner sform preferred");
        n.sform = 2;  // aligned sform with a qform: ITK's S * Q^T identity test decides (qform)
        both(n, "aligned sform vs qform");
        n.srow[0][0] = 0;  // rotated sform (90 degrees about z)
        n.srow[0][1] = -0.9f;
        n.srow[1][1] = 0;
        n.srow[1][0] = 0.8f;
        n.sform = 1;
        both(n, "rotated scanner sform");
        n.qform = 0;
        n.sform = 3;
        both(n, "rotated talairach sform only");
    }
    {
        Nifti n;
        n.units = 1;  // metres: ITK scales the spacing only
        both(n, "units metre");
    }
    {
        Nifti n;  // 2-D image
        n.dim[0] = 2;
        n.dim[3] = 1;
        both(n, "2-D");
    }
    {
        Nifti n;  // 4-D with t = 1 is 3-D
        n.dim[0] = 4;
        both(n, "4-D with t=1");
    }
    {
        Nifti n;
        n.slope = 0.5f;
        n.inter = -1024.25f;
        both(n, "int16 with scl_slope/scl_inter");
        n.data.clear();
        n.datatype = 512;
        both(n, "uint16 scaled");
        n.data.clear();
        n.datatype = 64;
        n.bitpix = 64;
        both(n, "float64 scaled");
    }
    {
        Nifti n;
        n.slope = std::nanf("");
        n.inter = std::nanf("");
        both(n, "NaN slope/intercept (nibabel's 'no scaling')");
    }
    for (auto [dt, bp] : {std::pair{2, 8}, {256, 8}, {8, 32}, {768, 32}, {1024, 64}, {1280, 64}}) {
        Nifti n;
        n.datatype = std::int16_t(dt);
        n.bitpix = std::int16_t(bp);
        both(n, "integer types");
    }
    {
        Nifti n;
        n.big_endian = true;
        n.datatype = 16;
        n.bitpix = 32;
        std::vector<float> v(n.voxels());
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = float(i) * 0.37f - 3;
        n.data.assign(reinterpret_cast<char*>(v.data()), reinterpret_cast<char*>(v.data()) + v.size() * 4);
        both(n, "big-endian float32");
    }
    {
        Nifti n;  // extension bytes before the data
        n.vox_offset = 400;
        both(n, "vox_offset 400");
    }
    fs::remove_all(dir);
}

TEST_CASE("float32 NaN voxels are kept as NaN (ITK would read 0)", "[io][native]") {
    const auto dir = temp_dir("nan");
    Nifti n;
    n.datatype = 16;
    n.bitpix = 32;
    std::vector<float> v(n.voxels(), 1.5f);
    v[5] = std::nanf("");
    v[7] = INFINITY;
    n.data.assign(reinterpret_cast<char*>(v.data()), reinterpret_cast<char*>(v.data()) + v.size() * 4);
    write_gz(dir / "nan.nii.gz", n.bytes());
    const auto img = io::read_image((dir / "nan.nii.gz").string());
    CHECK(std::isnan(img.data[5]));
    CHECK(std::isinf(img.data[7]));
    CHECK(img.data[0] == 1.5);
    const auto native = io::read_native_image((dir / "nan.nii.gz").string());
    CHECK(native.kind == io::PixelKind::f32);
    CHECK(native.data.size() == v.size() * 4);
    CHECK(std::memcmp(native.data.data(), v.data(), 4 * 5) == 0);
    check_equals_itk((dir / "nan.nii.gz").string());
    fs::remove_all(dir);
}

TEST_CASE("native readers equal ITK on generated NRRD variants", "[io][native]") {
    const auto dir = temp_dir("nrrd");
    const auto data = ramp_bytes(24, 2);
    // attached raw, gzip, ascii
    write_file(dir / "raw.nrrd", text(kNrrdHead) + text("encoding: raw\n\n") + data);
    write_file(dir / "gz.nrrd", text(kNrrdHead) + text("encoding: gzip\n\n") + gzip(data));
    std::string ascii;
    for (int i = 0; i < 24; ++i) ascii += std::to_string(i * 7 - 40) + (i % 4 == 3 ? "\n" : " ");
    write_file(dir / "ascii.nrrd", text(kNrrdHead) + text("encoding: ascii\n\n" + ascii));
    // detached raw and gzip (.nhdr), big-endian, RAS space, 2-D, no space with spacings, kinds
    write_file(dir / "d.raw", data);
    write_file(dir / "det_raw.nhdr", text(kNrrdHead) + text("encoding: raw\ndata file: d.raw\n"));
    write_file(dir / "d.raw.gz", gzip(data));
    fs::create_directories(dir / "sub");
    write_file(dir / "sub" / "d2.raw.gz", gzip(data));
    write_file(dir / "det_gz.nhdr", text(kNrrdHead) + text("encoding: gzip\ndata file: d.raw.gz\n"));
    write_file(dir / "det_sub.nhdr", text(kNrrdHead) + text("encoding: gzip\ndatafile: sub/d2.raw.gz\n\n"));
    write_file(dir / "big.nrrd",
               text("NRRD0004\ntype: int32\ndimension: 3\nspace: LPS\nsizes: 4 3 2\nspace directions: (0.8,0,0) (0,0.9,0) (0,0,2.5)\n"
                    "endian: big\nencoding: raw\n\n") + ramp_bytes(24, 4, true));
    write_file(dir / "ras.nrrd",
               text("NRRD0005\n# comment\nkey:=value\nmy:key:=a: b\ntype: float\ndimension: 3\nspace: right-anterior-superior\nsizes: 4 3 2\n"
                    "space directions: (0.7,0.1,0) (-0.1,0.7,0) (0,0,-2)\nkinds: domain domain domain\nendian: little\n"
                    "encoding: gzip\nspace origin: (-5.5,7.25,100)\nspace units: \"mm\" \"mm\" \"mm\"\n\n") + gzip(ramp_bytes(24, 4)));
    write_file(dir / "las.nrrd",
               text("NRRD0004\ntype: ushort\ndimension: 3\nspace: left-anterior-superior\nsizes: 4 3 2\n"
                    "space directions: (1.5,0,0) (0,1.25,0) (0,0,3)\nendian: little\nencoding: raw\nspace origin: (1,2,3)\n\n") + data);
    write_file(dir / "twod.nrrd",
               text("NRRD0004\ntype: short\ndimension: 2\nspace dimension: 2\nsizes: 6 4\nspace directions: (0.5,0) (0,0.75)\n"
                    "endian: little\nencoding: raw\nspace origin: (3,4)\n\n") + data);
    write_file(dir / "nospace.nrrd", text("NRRD0001\ntype: uchar\ndimension: 3\nsizes: 4 3 2\nspacings: 2 3 4\nencoding: raw\n\n") +
                                         std::vector<char>(data.begin(), data.begin() + 24));
    write_file(dir / "double.nrrd",
               text("NRRD0004\ntype: double\ndimension: 3\nsizes: 4 3 2\nendian: little\nencoding: raw\nbyte skip: 16\n\n") +
                   std::vector<char>(16, 'x') + ramp_bytes(24, 8));
    for (const char* name : {"raw.nrrd", "gz.nrrd", "ascii.nrrd", "det_raw.nhdr", "det_gz.nhdr", "det_sub.nhdr", "big.nrrd", "ras.nrrd",
                             "las.nrrd", "twod.nrrd", "nospace.nrrd", "double.nrrd"})
        check_equals_itk((dir / name).string(), true);
    const auto n = io::read_native_image((dir / "det_gz.nhdr").string());
    CHECK(n.kind == io::PixelKind::i16);
    CHECK(std::memcmp(n.data.data(), data.data(), data.size()) == 0);
    fs::remove_all(dir);
}

TEST_CASE("malformed NIfTI headers give clean errors of the right kind", "[io][native]") {
    const auto dir = temp_dir("badnii");
    struct Case {
        const char* name;
        std::function<void(Nifti&)> edit;
        ErrorKind kind;
        const char* word;
    };
    const float inf = INFINITY, nan = std::nanf("");
    const std::vector<Case> cases = {
        {"srow_nan", [&](Nifti& n) { n.srow[0][3] = nan; }, ErrorKind::invalid_input, "srow_x[3]"},
        {"srow_inf", [&](Nifti& n) { n.srow[1][1] = -inf; }, ErrorKind::invalid_input, "srow_y[1]"},
        {"srow_huge", [&](Nifti& n) { n.srow[2][3] = 3.4e38f; }, ErrorKind::invalid_input, "srow_z[3]"},
        {"quatern_nan", [&](Nifti& n) { n.quat[1] = nan; }, ErrorKind::invalid_input, "quatern_c"},
        {"qoffset_inf", [&](Nifti& n) { n.quat[5] = inf; }, ErrorKind::invalid_input, "qoffset_z"},
        {"pixdim_zero", [&](Nifti& n) { n.pixdim[2] = 0; }, ErrorKind::invalid_input, "pixdim[2]"},
        {"pixdim_negative", [&](Nifti& n) { n.pixdim[1] = -1; }, ErrorKind::invalid_input, "pixdim[1]"},
        {"pixdim_nan", [&](Nifti& n) { n.pixdim[3] = nan; }, ErrorKind::invalid_input, "pixdim[3]"},
        {"pixdim_huge", [&](Nifti& n) { n.pixdim[3] = 1e30f; n.sform = 0; }, ErrorKind::invalid_input, "spacing"},
        {"datatype_bitpix", [&](Nifti& n) { n.datatype = 64; }, ErrorKind::invalid_input, "bitpix"},
        {"complex", [&](Nifti& n) { n.datatype = 32; n.bitpix = 64; }, ErrorKind::invalid_input, "complex"},
        {"rgb", [&](Nifti& n) { n.datatype = 128; n.bitpix = 24; }, ErrorKind::invalid_input, "RGB"},
        {"unknown_type", [&](Nifti& n) { n.datatype = 3; }, ErrorKind::invalid_input, "datatype 3"},
        {"vector_intent", [&](Nifti& n) { n.intent = 1007; }, ErrorKind::invalid_input, "intent_code"},
        {"dim_zero", [&](Nifti& n) { n.dim[2] = 0; n.data.resize(100); }, ErrorKind::invalid_input, "dim[2]"},
        {"dim0_bad", [&](Nifti& n) { n.dim[0] = 9; n.data.resize(100); }, ErrorKind::invalid_input, "dim[0]"},
        {"four_d", [&](Nifti& n) { n.dim[0] = 4; n.dim[4] = 2; }, ErrorKind::invalid_input, "4-D"},
        {"huge_dims", [&](Nifti& n) { n.dim[0] = 7; for (int i = 1; i < 8; ++i) n.dim[i] = 32767; n.data.resize(100); }, ErrorKind::invalid_input, "-D images"},
        {"too_many_voxels", [&](Nifti& n) { n.dim[1] = n.dim[2] = n.dim[3] = 32767; n.data.resize(100); }, ErrorKind::invalid_input, "voxels"},
        {"vox_offset_small", [&](Nifti& n) { n.vox_offset = 100; }, ErrorKind::invalid_input, "vox_offset"},
        {"vox_offset_nan", [&](Nifti& n) { n.vox_offset = nan; }, ErrorKind::invalid_input, "vox_offset"},
        {"vox_offset_beyond", [&](Nifti& n) { n.vox_offset = 1e9f; }, ErrorKind::io, "truncated"},
        {"truncated_data", [&](Nifti& n) { n.data.resize(10); }, ErrorKind::io, "truncated"},
        {"trailing_data", [&](Nifti& n) { n.data.resize(n.voxels() * 2 + 8); }, ErrorKind::io, "header describes"},
        {"magic", [&](Nifti& n) { n.magic = "ni1"; }, ErrorKind::io, "magic"},
        {"not_nifti", [&](Nifti& n) { n.sizeof_hdr = 1234; }, ErrorKind::io, "sizeof_hdr"},
    };
    for (const auto& c : cases) {
        Nifti n;
        c.edit(n);
        const auto raw = n.bytes();
        write_file(dir / (std::string(c.name) + ".nii"), raw);
        write_gz(dir / (std::string(c.name) + ".nii.gz"), raw);
        expect_error(dir / (std::string(c.name) + ".nii"), c.kind, c.word);
        expect_error(dir / (std::string(c.name) + ".nii.gz"), c.kind, c.word);
    }
    // gzip damage: a flipped CRC byte, a flipped data byte, a cut stream, garbage after the stream
    const auto good = gzip(Nifti{}.bytes());
    auto crc = good;
    crc[crc.size() - 6] ^= 0x55;
    write_file(dir / "crc.nii.gz", crc);
    expect_error(dir / "crc.nii.gz", ErrorKind::io, "gzip");
    auto cut = good;
    cut.resize(cut.size() - 10);
    write_file(dir / "cut.nii.gz", cut);
    expect_error(dir / "cut.nii.gz", ErrorKind::io, "gzip");
    write_file(dir / "tail.nii.gz", good + text("garbage!"));
    expect_error(dir / "tail.nii.gz", ErrorKind::io, "gzip");
    // a multi-member gzip stream is valid (gzip -c a b) and reads as one
    Nifti n;
    const auto raw = n.bytes();
    const std::vector<char> first(raw.begin(), raw.begin() + 200), second(raw.begin() + 200, raw.end());
    write_file(dir / "multi.nii.gz", gzip(first) + gzip(second));
    write_file(dir / "single.nii", raw);
    CHECK(io::read_image((dir / "multi.nii.gz").string()).data == io::read_image((dir / "single.nii").string()).data);
    // tiny files
    write_file(dir / "empty.nii", {});
    expect_error(dir / "empty.nii", ErrorKind::io, "truncated");
    write_file(dir / "empty.nii.gz", gzip({}));
    expect_error(dir / "empty.nii.gz", ErrorKind::io, "truncated");
    fs::remove_all(dir);
}

TEST_CASE("malformed NRRD headers and data files give clean errors of the right kind", "[io][native]") {
    const auto dir = temp_dir("badnrrd");
    const auto data = ramp_bytes(24, 2);
    struct Case {
        const char* name;
        std::string header;
        ErrorKind kind;
        const char* word;
    };
    const std::string base = "NRRD0004\ntype: short\ndimension: 3\nspace: left-posterior-superior\n";
    const std::string dirs = "space directions: (0.8,0,0) (0,0.9,0) (0,0,2.5)\n";
    const std::vector<Case> cases = {
        {"sizes_suffix", base + "sizes: 5 4 4x\n" + dirs + "endian: little\nencoding: raw\n", ErrorKind::invalid_input, "sizes"},
        {"sizes_count", base + "sizes: 4 3\n" + dirs + "endian: little\nencoding: raw\n", ErrorKind::invalid_input, "sizes"},
        {"sizes_zero", base + "sizes: 4 0 2\n" + dirs + "endian: little\nencoding: raw\n", ErrorKind::invalid_input, "sizes"},
        {"sizes_overflow", base + "sizes: 4294967296 4294967296 4294967296\n" + dirs + "endian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "voxels"},
        {"dir_nan", base + "sizes: 4 3 2\nspace directions: (nan,0,0) (0,0.9,0) (0,0,2.5)\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "space directions"},
        {"dir_zero", base + "sizes: 4 3 2\nspace directions: (0,0,0) (0,0.9,0) (0,0,2.5)\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "spacing"},
        {"dir_short", base + "sizes: 4 3 2\nspace directions: (0.8,0) (0,0.9,0) (0,0,2.5)\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "space directions"},
        {"dir_huge", base + "sizes: 4 3 2\nspace directions: (1e38,0,0) (0,0.9,0) (0,0,2.5)\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "space directions"},
        {"origin_inf", base + "sizes: 4 3 2\n" + dirs + "space origin: (inf,0,0)\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "space origin"},
        {"origin_huge", base + "sizes: 4 3 2\n" + dirs + "space origin: (1e38,0,0)\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "origin"},
        {"no_endian", base + "sizes: 4 3 2\n" + dirs + "encoding: raw\n", ErrorKind::io, "endian"},
        {"no_type", "NRRD0004\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n", ErrorKind::io, "type"},
        {"bad_type", "NRRD0004\ntype: char\ndimension: 3\nsizes: 4 3 2\nencoding: raw\n", ErrorKind::invalid_input, "type"},
        {"twice", base + "sizes: 4 3 2\nsizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\n", ErrorKind::io, "twice"},
        {"unknown_field", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\nfoo: bar\n", ErrorKind::io, "unknown"},
        {"bzip2", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: bzip2\n", ErrorKind::io, "encoding"},
        {"rgb", "NRRD0004\ntype: uchar\ndimension: 4\nsizes: 3 4 3 2\nkinds: RGB-color domain domain domain\nencoding: raw\n",
         ErrorKind::invalid_input, "scalar"},
        {"four_d", "NRRD0004\ntype: uchar\ndimension: 4\nsizes: 2 4 3 2\nencoding: raw\n", ErrorKind::invalid_input, "4-D"},
        {"space_mismatch", "NRRD0004\ntype: short\ndimension: 2\nspace: LPS\nsizes: 4 6\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "space dimension"},
        {"spacing_with_space", base + "sizes: 4 3 2\nspacings: 1 1 1\nendian: little\nencoding: raw\n", ErrorKind::invalid_input, "spacing"},
        {"spacing_negative", "NRRD0004\ntype: short\ndimension: 3\nsizes: 4 3 2\nspacings: 1 -1 1\nendian: little\nencoding: raw\n",
         ErrorKind::invalid_input, "spacing"},
        {"dimension_bad", "NRRD0004\ntype: short\ndimension: 3x\n", ErrorKind::invalid_input, "dimension"},
        {"no_colon", base + "sizes 4 3 2\n", ErrorKind::io, "field"},
        {"space_twice", base + "space dimension: 3\nsizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\n", ErrorKind::invalid_input,
         "space"},
        {"magic", "NRRD0009\ntype: short\n", ErrorKind::io, "magic"},
        {"data_abs", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: /etc/passwd\n", ErrorKind::invalid_input,
         "absolute"},
        {"data_dotdot", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: ../x.raw\n", ErrorKind::invalid_input,
         ".."},
        {"data_long", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: " + std::string(1000, 'a') + "%1000d\n",
         ErrorKind::invalid_input, "data file"},
        {"data_longname", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: " + std::string(2000, 'a') + "\n",
         ErrorKind::invalid_input, "longer"},
        {"data_format", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: s%d.raw 0 2147483647 1\n",
         ErrorKind::invalid_input, "%d"},
        {"data_list", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: LIST\n", ErrorKind::invalid_input, "LIST"},
        {"data_missing", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: nothere.raw\n", ErrorKind::io,
         "not found"},
        {"data_link_out", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: passwd_link\n", ErrorKind::invalid_input,
         "outside"},
        {"data_fifo", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: fifo.raw\n", ErrorKind::invalid_input,
         "regular"},
        {"data_dev", base + "sizes: 4 3 2\n" + dirs + "endian: little\nencoding: raw\ndata file: zero_link\n", ErrorKind::invalid_input,
         "outside"},
    };
    fs::create_symlink("/etc/passwd", dir / "passwd_link");
    fs::create_symlink("/dev/zero", dir / "zero_link");
    REQUIRE(::mkfifo((dir / "fifo.raw").c_str(), 0600) == 0);
    for (const auto& c : cases) {
        const bool detached = c.header.find("data file") != std::string::npos;
        write_file(dir / (std::string(c.name) + ".nhdr"), text(c.header));
        if (!detached) write_file(dir / (std::string(c.name) + ".nrrd"), text(c.header + "\n") + data);
        expect_error(dir / (std::string(c.name) + (detached ? ".nhdr" : ".nrrd")), c.kind, c.word);
    }
    const std::string ok = base + "sizes: 4 3 2\n" + dirs + "endian: little\n";
    // data damage
    write_file(dir / "short.nrrd", text(ok + "encoding: raw\n\n") + std::vector<char>(data.begin(), data.begin() + 30));
    expect_error(dir / "short.nrrd", ErrorKind::io, "truncated");
    write_file(dir / "long.nrrd", text(ok + "encoding: raw\n\n") + data + data);
    expect_error(dir / "long.nrrd", ErrorKind::io, "bytes");
    auto gz = gzip(data);
    gz[gz.size() - 7] ^= 1;  // CRC
    write_file(dir / "crc.nrrd", text(ok + "encoding: gzip\n\n") + gz);
    expect_error(dir / "crc.nrrd", ErrorKind::io, "gzip");
    write_file(dir / "gzlong.nrrd", text(ok + "encoding: gzip\n\n") + gzip(data + data));
    expect_error(dir / "gzlong.nrrd", ErrorKind::io, "more data");
    write_file(dir / "asciibad.nrrd", text(ok + "encoding: ascii\n\n1 2 3 x\n"));
    expect_error(dir / "asciibad.nrrd", ErrorKind::invalid_input, "ascii");
    write_file(dir / "asciishort.nrrd", text(ok + "encoding: ascii\n\n1 2 3\n"));
    expect_error(dir / "asciishort.nrrd", ErrorKind::io, "truncated");
    write_file(dir / "noblank.nrrd", text(ok + "encoding: raw\n"));
    expect_error(dir / "noblank.nrrd", ErrorKind::io, "header");
    // the file itself a FIFO or a device: refused without blocking
    REQUIRE(::mkfifo((dir / "pipe.nrrd").c_str(), 0600) == 0);
    expect_error(dir / "pipe.nrrd", ErrorKind::invalid_input, "regular");
    fs::create_symlink("/dev/zero", dir / "devzero.nii");
    expect_error(dir / "devzero.nii", ErrorKind::invalid_input, "regular");
    // /etc/passwd as ascii data through a link is refused and never echoed
    write_file(dir / "echo.nhdr", text(ok + "encoding: ascii\ndata file: passwd_link\n"));
    try {
        io::read_image((dir / "echo.nhdr").string());
        FAIL("read");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("root") == std::string::npos);
    }
    fs::remove_all(dir);
}

TEST_CASE("NRRD key:=value lines parse in linear time", "[io][native]") {
    const auto dir = temp_dir("kv");
    std::string h = kNrrdHead;
    h += "encoding: raw\n";
    for (int i = 0; i < 20000; ++i) h += "k" + std::to_string(i) + ":=" + std::string(40, 'v') + "\n";
    write_file(dir / "kv.nrrd", text(h + "\n") + ramp_bytes(24, 2));
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(io::read_image((dir / "kv.nrrd").string()).data.size() == 24);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
    fs::remove_all(dir);
}

TEST_CASE("randomly mutated headers give radhpc::Error or an image, nothing else", "[io][native]") {
    const auto dir = temp_dir("mut");
    std::uint64_t s = 987654321;
    auto rnd = [&] {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return std::size_t(s >> 33);
    };
    Nifti base;
    base.data.clear();
    const auto nii = base.bytes();
    const auto nrrd = text(std::string(kNrrdHead) + "encoding: raw\n\n") + ramp_bytes(24, 2);
    int errors = 0, images = 0;
    for (int it = 0; it < 1500; ++it) {
        const bool is_nii = it % 2 == 0;
        auto b = is_nii ? nii : nrrd;
        const std::size_t header = is_nii ? 352 : std::string(kNrrdHead).size() + 15;
        for (int m = 0, k = 1 + int(rnd() % 4); m < k; ++m) {
            const std::size_t at = rnd() % header;
            switch (rnd() % 3) {
                case 0: b[at] = char(rnd()); break;
                case 1: b[at] = is_nii ? char(0xff) : "0123456789 -.:(,)\nnae"[rnd() % 21]; break;
                default: b[at] ^= char(1 << (rnd() % 8)); break;
            }
        }
        const auto p = dir / (is_nii ? (it % 4 == 0 ? "m.nii" : "m.nii.gz") : "m.nrrd");
        if (p.extension() == ".gz") write_gz(p, b);
        else write_file(p, b);
        try {
            const auto img = io::read_image(p.string());
            CHECK(img.data.size() == img.geometry.voxel_count());
            ++images;
        } catch (const Error&) {
            ++errors;
        }
    }
    CHECK(errors + images == 1500);
    CHECK(errors > 100);
    fs::remove_all(dir);
}

TEST_CASE("NIfTI-2 reads as the same image written as NIfTI-1 - its malformed headers are refused", "[io][native]") {
    const auto dir = temp_dir("nii2");
    int k = 0;
    auto same = [&](Nifti n, const char* what) {
        INFO(what);
        const auto one = n.bytes();
        n.version = 2;
        const auto two = n.bytes();
        const auto p1 = dir / ("a" + std::to_string(k) + ".nii"), p2 = dir / ("b" + std::to_string(k) + ".nii.gz");
        ++k;
        write_file(p1, one);
        write_gz(p2, two);
        PixelType t1, t2;
        const auto a = io::read_image(p1.string(), &t1);
        const auto b = io::read_image(p2.string(), &t2);
        CHECK(a.geometry.size == b.geometry.size);
        CHECK(a.geometry.spacing == b.geometry.spacing);
        CHECK(a.geometry.origin == b.geometry.origin);
        CHECK(a.geometry.direction == b.geometry.direction);
        CHECK(a.data == b.data);
        CHECK(t1.integer == t2.integer);
    };
    same(Nifti{}, "qform + sform");
    {
        Nifti n;
        n.qform = 0;
        n.sform = 2;
        n.srow[0][0] = 0;  // 90 degrees about z
        n.srow[0][1] = -0.9f;
        n.srow[1][1] = 0;
        n.srow[1][0] = 0.8f;
        same(n, "rotated sform only");
    }
    {
        Nifti n;
        n.dim[0] = 2;
        n.dim[3] = 1;
        same(n, "2-D");
    }
    {
        Nifti n;
        n.slope = 2;
        n.inter = -3;
        n.big_endian = true;
        same(n, "scaled, big-endian");
    }
    Nifti bad;
    bad.version = 2;
    bad.magic = "n+2";  // without the \r\n\032\n signature
    write_file(dir / "magic2.nii", bad.bytes());
    expect_error(dir / "magic2.nii", ErrorKind::io, "magic");
    Nifti low;
    low.version = 2;
    low.vox_offset = 400;  // inside the 540-byte header
    write_file(dir / "low2.nii", low.bytes());
    expect_error(dir / "low2.nii", ErrorKind::invalid_input, "vox_offset");
    Nifti bp;
    bp.version = 2;
    bp.datatype = 64;
    write_file(dir / "bitpix2.nii", bp.bytes());
    expect_error(dir / "bitpix2.nii", ErrorKind::invalid_input, "bitpix");
    Nifti cut;
    cut.version = 2;
    auto b = cut.bytes();
    b.resize(500);
    write_file(dir / "cut2.nii", b);
    expect_error(dir / "cut2.nii", ErrorKind::io, "truncated");
    fs::remove_all(dir);
}
