// Archive inputs that failed before (issue 12): JPEG 2000 and RLE copies of a CT series made by GDCM's
// gdcmconv, RLE / JPEG 2000 SEG (including 1-bit BINARY frames), a series whose SeriesInstanceUID an
// anonymiser blanked, and several ROIs of one RTSTRUCT read from one parse. Every compressed copy
// must give exactly the voxels (and geometry) of the uncompressed original.
#include <catch2/catch.hpp>

#include <cstring>

#include "dicom_test_util.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"

using namespace radhpc;
using dicomtest::ScratchDir;
namespace fs = std::filesystem;
using dicomtest::phantom;

namespace {

// gdcmconv `options` of every phantom slice into dir/<name>/. -U: GDCM writes the explicit-VR copy
// of the implicit-VR phantom with the dictionary's VRs (without it every element becomes UN).
fs::path gdcm_copy(const ScratchDir& dir, const std::string& name, const std::string& options, const fs::path& from) {
    return dicomtest::converted_slices(dir.path, name, "gdcmconv -U " + options, from);
}

// Rewrites the transfer syntax UID in the meta header of every file (same-length UIDs only).
void relabel(const fs::path& folder, const std::string& from, const std::string& to) {
    REQUIRE(from.size() == to.size());
    for (const auto& e : fs::directory_iterator(folder)) {
        std::string bytes = dicomtest::read_all(e.path().string());
        const auto pos = bytes.find(from);
        REQUIRE(pos != std::string::npos);
        REQUIRE(pos < 400);  // in the meta header
        bytes.replace(pos, from.size(), to);
        std::ofstream(e.path(), std::ios::binary) << bytes;
    }
}

// ---- a hand-made RLE Lossless SEG --------------------------------------------------------------
// gdcmconv does not re-encode 1-bit frames (see the test below), so the RLE copy of a BINARY SEG is
// written here: the native SEG's frames are unpacked, each frame's bits packed again from a byte
// boundary (as encapsulated frames are), PackBits-encoded as one RLE segment (PS3.5 Annex G) and
// stored as one fragment per frame after an empty Basic Offset Table.

std::vector<std::uint8_t> packbits(const std::vector<std::uint8_t>& in) {
    std::vector<std::uint8_t> out;
    std::size_t i = 0;
    while (i < in.size()) {
        std::size_t run = 1;
        while (i + run < in.size() && run < 128 && in[i + run] == in[i]) ++run;
        if (run >= 2) {
            out.push_back(std::uint8_t(int8_t(1 - int(run))));
            out.push_back(in[i]);
            i += run;
            continue;
        }
        std::size_t lit = 1;
        while (i + lit < in.size() && lit < 128 && !(i + lit + 1 < in.size() && in[i + lit] == in[i + lit + 1])) ++lit;
        out.push_back(std::uint8_t(lit - 1));
        out.insert(out.end(), in.begin() + std::ptrdiff_t(i), in.begin() + std::ptrdiff_t(i + lit));
        i += lit;
    }
    return out;
}

void put32(std::string& s, std::uint32_t v) {
    for (int k = 0; k < 4; ++k) s.push_back(char((v >> (8 * k)) & 0xFF));
}

// `seg`: a native explicit-little-endian SEG from io::write_seg, PixelData its last element.
void write_rle_seg(const std::string& seg, const std::string& out, std::size_t rows, std::size_t cols, std::size_t frames, int bits) {
    std::string bytes = dicomtest::read_all(seg);
    const std::string pixel_tag("\xE0\x7F\x10\x00", 4);
    const auto at = bytes.rfind(pixel_tag);
    REQUIRE(at != std::string::npos);
    std::uint32_t len = 0;
    std::memcpy(&len, bytes.data() + at + 8, 4);
    const auto* px = reinterpret_cast<const std::uint8_t*>(bytes.data() + at + 12);
    REQUIRE(at + 12 + len == bytes.size());
    const std::size_t n = rows * cols;
    std::string enc = bytes.substr(0, at) + pixel_tag + std::string("OB\0\0", 4);
    put32(enc, 0xFFFFFFFFu);
    enc += std::string("\xFE\xFF\x00\xE0", 4);
    put32(enc, 0);  // empty Basic Offset Table
    for (std::size_t f = 0; f < frames; ++f) {
        std::vector<std::uint8_t> frame;
        if (bits == 1) {
            frame.assign((n + 7) / 8, 0);
            for (std::size_t k = 0; k < n; ++k) {
                const std::size_t b = f * n + k;  // native frames are bit-packed back to back
                if ((px[b / 8] >> (b % 8)) & 1) frame[k / 8] |= std::uint8_t(1u << (k % 8));
            }
        } else {
            frame.assign(px + f * n, px + (f + 1) * n);
        }
        std::string rle;
        put32(rle, 1);   // one segment
        put32(rle, 64);  // at byte 64
        for (int k = 0; k < 14; ++k) put32(rle, 0);
        const auto packed = packbits(frame);
        rle.append(reinterpret_cast<const char*>(packed.data()), packed.size());
        if (rle.size() % 2) rle.push_back('\0');
        enc += std::string("\xFE\xFF\x00\xE0", 4);
        put32(enc, std::uint32_t(rle.size()));
        enc += rle;
    }
    enc += std::string("\xFE\xFF\xDD\xE0", 4);
    put32(enc, 0);
    // Explicit VR Little Endian -> RLE Lossless in the meta header (both 20 bytes with padding)
    const std::string explicit_le("1.2.840.10008.1.2.1\0", 20), rle_uid("1.2.840.10008.1.2.5\0", 20);
    const auto ts = enc.find(explicit_le);
    REQUIRE(ts != std::string::npos);
    REQUIRE(ts < 400);
    enc.replace(ts, 20, rle_uid);
    std::ofstream(out, std::ios::binary) << enc;
}

std::size_t count(const Mask& m) {
    std::size_t n = 0;
    for (auto v : m.data) n += v != 0;
    return n;
}

// The phantom's GTV as a SEG on the DICOM grid (BINARY, or FRACTIONAL with a 100/255 rim).
std::string phantom_seg(const ScratchDir& dir, bool fractional, Mask* expected) {
    Mask ref = io::read_label_mask(dicomtest::kPhantom + "/nifti/mask/mask.nii.gz", 1);
    ref.geometry = phantom().image.geometry;
    Mask m = ref;
    if (fractional)
        for (std::size_t z = 0; z < ref.nz(); ++z)
            for (std::size_t y = 0; y < ref.ny(); ++y)
                for (std::size_t x = 1; x < ref.nx(); ++x) {
                    if (ref.at(x, y, z)) m.at(x, y, z) = 200;
                    else if (ref.at(x - 1, y, z)) m.at(x, y, z) = 100;
                }
    const std::string seg = (dir.path / (fractional ? "frac.dcm" : "bin.dcm")).string();
    io::write_seg(m, "GTV-1", dicomtest::kPhantom + "/dicom/image/" + dicomtest::slice_name(0), seg, fractional);
    if (expected) *expected = ref;
    return seg;
}

}  // namespace

TEST_CASE("JPEG 2000 and RLE copies made by gdcmconv read as the uncompressed series", "[dicom][codec][archive]") {
    ScratchDir dir("gdcm");
    const fs::path src = dicomtest::kPhantom + "/dicom/image";
    struct Case {
        std::string name, options, syntax;
    };
    for (const Case& c : {Case{"j2k", "--j2k", "JPEG 2000 (Lossless only)"}, Case{"rle", "--rle", "RLE Lossless"}}) {
        INFO(c.name);
        const fs::path folder = gdcm_copy(dir, c.name, c.options, src);
        const auto ct = io::read_dicom_folder(folder.string());
        CHECK(ct.metadata.transfer_syntax == c.syntax);
        CHECK((ct.image.data == phantom().image.data));
        CHECK(same_grid(ct.image.geometry, phantom().image.geometry, 0));
        CHECK(ct.slice_sop_instance_uids == phantom().slice_sop_instance_uids);
    }
    // JPEG 2000 (1.2.840.10008.1.2.4.91) may hold a reversible codestream too: the lossless copy
    // relabelled as .91 must decode to the same voxels
    const fs::path j91 = gdcm_copy(dir, "j91", "--j2k", src);
    relabel(j91, "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91");
    const auto ct91 = io::read_dicom_folder(j91.string());
    CHECK(ct91.metadata.transfer_syntax == "JPEG 2000 (Lossless or Lossy)");
    CHECK((ct91.image.data == phantom().image.data));
    // a lossy (irreversible) copy decodes to what GDCM itself decodes it to (gdcmconv --raw)
    const fs::path lossy = gdcm_copy(dir, "lossy", "--j2k --lossy -q 30", src);
    const fs::path raw = gdcm_copy(dir, "raw", "--raw", lossy);
    const auto a = io::read_dicom_folder(lossy.string());
    const auto b = io::read_dicom_folder(raw.string());
    CHECK(a.metadata.transfer_syntax == "JPEG 2000 (Lossless or Lossy)");
    CHECK((a.image.data == b.image.data));
    CHECK(same_grid(a.image.geometry, phantom().image.geometry, 0));
    CHECK((a.image.data != phantom().image.data));  // really lossy: the comparison above is not trivial
}

TEST_CASE("a corrupt JPEG 2000 frame fails clearly, naming the file", "[dicom][codec][archive]") {
    ScratchDir dir("j2kbad");
    const fs::path folder = gdcm_copy(dir, "j2k", "--j2k", dicomtest::kPhantom + "/dicom/image");
    const fs::path victim = folder / dicomtest::slice_name(9);
    std::string bytes = dicomtest::read_all(victim.string());
    const auto soc = bytes.find(std::string("\xFF\x4F\xFF\x51", 4));
    REQUIRE(soc != std::string::npos);
    for (std::size_t k = soc + 200; k < bytes.size() - 40; ++k) bytes[k] = char(0xFF);  // the coded data, overwritten
    std::ofstream(victim, std::ios::binary) << bytes;
    try {
        io::read_dicom_folder(folder.string());
        FAIL("expected an error");
    } catch (const Error& e) {
        INFO(e.what());
        CHECK(std::string(e.what()).find(dicomtest::slice_name(9)) != std::string::npos);
        CHECK(std::string(e.what()).find("JPEG 2000") != std::string::npos);
    }
}

TEST_CASE("RLE and JPEG 2000 SEG give the voxels of the uncompressed SEG", "[dicom][seg][archive]") {
    ScratchDir dir("segcodec");
    const auto& grid = phantom().image.geometry;
    Mask ref;
    for (bool fractional : {false, true}) {
        INFO((fractional ? "FRACTIONAL" : "BINARY"));
        const std::string seg = phantom_seg(dir, fractional, &ref);
        const Mask native = io::read_seg_mask(seg, grid, {});
        REQUIRE(count(native) == 125256);
        CHECK((native.data == ref.data));
        io::ParsedSeg parsed(seg);
        const std::size_t frames = [&] {
            std::size_t n = 0;  // write_seg writes one frame per slice holding mask voxels
            for (std::size_t z = 0; z < ref.nz(); ++z) {
                bool any = false;
                for (std::size_t i = 0; i < ref.nx() * ref.ny() && !any; ++i) any = ref.data[z * ref.nx() * ref.ny() + i];
                n += any;
            }
            return n;
        }();
        // RLE written here (own PackBits encoder, see write_rle_seg)
        const std::string rle = (dir.path / (fractional ? "frac_rle.dcm" : "bin_rle.dcm")).string();
        write_rle_seg(seg, rle, grid.size[1], grid.size[0], frames, fractional ? 8 : 1);
        CHECK((io::read_seg_mask(rle, grid, {}).data == native.data));
        // and by GDCM: gdcmconv (3.0.21) encodes the 8-bit FRACTIONAL SEG but refuses 1-bit BINARY frames
        for (const std::string opt : {"--rle", "--j2k"}) {
            INFO(opt);
            const std::string copy = (dir.path / ((fractional ? "frac" : "bin") + opt + ".dcm")).string();
            const bool encoded = dicomtest::run("gdcmconv -U " + opt + " " + seg + " " + copy) == 0;
            if (fractional) REQUIRE(encoded);
            if (encoded) CHECK((io::read_seg_mask(copy, grid, {}).data == native.data));
        }
    }
}

TEST_CASE("a series with a blank or missing SeriesInstanceUID is grouped by its remaining identity", "[dicom][archive]") {
    ScratchDir dir("nouid");
    const fs::path blank = dir.path / "blank", gone = dir.path / "gone";
    dicomtest::copy_phantom_series(blank);
    dicomtest::copy_phantom_series(gone);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0020,000e)=\" " + blank.string() + "/*.dcm") == 0);
    REQUIRE(dicomtest::run("dcmodify -nb -e \"(0020,000e)\" " + gone.string() + "/*.dcm") == 0);
    for (const fs::path& folder : {blank, gone}) {
        INFO(folder.filename());
        const auto found = io::discover_dicom(folder.string());
        REQUIRE(found.image_series.size() == 1);
        CHECK(found.image_series[0].files.size() == 60);
        CHECK(found.image_series[0].series_uid.empty());
        const auto ct = io::read_dicom_folder(folder.string());
        CHECK((ct.image.data == phantom().image.data));
        CHECK(same_grid(ct.image.geometry, phantom().image.geometry, 0));
        // one file names its series as well
        Settings s;
        PixelType t;
        CHECK((io::read_image_input((folder / dicomtest::slice_name(5)).string(), s.dicom, &t).data == phantom().image.data));
    }
    // two UID-less series that differ in frame of reference stay apart
    const fs::path two = dir.path / "two";
    dicomtest::copy_phantom_series(two / "a");
    dicomtest::copy_phantom_series(two / "b");
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0020,000e)=\" " + (two / "a").string() + "/*.dcm " + (two / "b").string() + "/*.dcm") == 0);
    REQUIRE(dicomtest::run("dcmodify -nb -m \"(0020,0052)=1.2.826.0.1.3680043.8.498.77\" " + (two / "b").string() + "/*.dcm") == 0);
    const auto found = io::discover_dicom(two.string());
    REQUIRE(found.image_series.size() == 2);
    CHECK(found.image_series[0].files.size() == 60);
    CHECK(found.image_series[1].files.size() == 60);
    CHECK_THROWS_WITH(io::read_dicom_folder(two.string()), Catch::Contains("2 image series match"));
}

TEST_CASE("several ROIs of one RTSTRUCT from one parse equal separate reads", "[dicom][rtstruct][archive]") {
    ScratchDir dir("manyroi");
    const auto& ct = phantom();
    const auto rs = dir.path / "rs.dcm";
    fs::copy_file(dicomtest::kPhantom + "/dicom/mask/DCM_RS_00060.dcm", rs);
    // ROIs 2-4: squares on slices 2, 3, 4
    std::string cmd = "dcmodify -nb";
    for (int r = 1; r <= 3; ++r) {
        const double z = ct.image.geometry.origin[2] + 3.0 * (r + 1);
        char square[256];
        std::snprintf(square, sizeof square, "-150\\\\-60\\\\%.6f\\\\-110\\\\-60\\\\%.6f\\\\-110\\\\-20\\\\%.6f\\\\-150\\\\-20\\\\%.6f", z, z, z, z);
        const std::string i = std::to_string(r);
        cmd += " -i \"(3006,0020)[" + i + "].(3006,0022)=" + std::to_string(r + 1) + "\" -i \"(3006,0020)[" + i + "].(3006,0026)=R" +
               std::to_string(r + 1) + "\" -i \"(3006,0039)[" + i + "].(3006,0084)=" + std::to_string(r + 1) + "\" -i \"(3006,0039)[" + i +
               "].(3006,0040)[0].(3006,0042)=CLOSED_PLANAR\" -i \"(3006,0039)[" + i + "].(3006,0040)[0].(3006,0050)=" + square + "\"";
    }
    REQUIRE(dicomtest::run(cmd + " " + rs.string()) == 0);
    Settings s;
    io::MaskInputReader reader;
    const std::vector<std::string> rois{"GTV-1", "R2", "R3", "R4"};
    for (const auto& roi : rois) {
        INFO(roi);
        const std::string path = rs.string() + "#" + roi;
        const Mask once = reader.read(path, ct.image.geometry, 1, s.dicom, ct.frame_of_reference_uid);
        const Mask alone = io::read_mask_input(path, ct.image.geometry, 1, s.dicom, ct.frame_of_reference_uid);
        CHECK((once.data == alone.data));
        CHECK(count(once) > 0);
    }
    CHECK(count(reader.read(rs.string() + "#GTV-1", ct.image.geometry, 1, s.dicom)) == 125256);
    // the parse is kept: the file may go away once it was read
    fs::remove(rs);
    CHECK(count(reader.read(rs.string() + "#R3", ct.image.geometry, 1, s.dicom)) > 0);
}
