// Private to src/io/dicom*.cpp and qc*.cpp: the DCMTK helpers. Never include from include/.
#pragma once
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "radhpc/core/volume.hpp"

namespace radhpc::io::dicom_detail {

// Registers the decompression codecs (JPEG, JPEG-LS, RLE) once and quietens DCMTK's logger (its
// messages could quote element values; radhpc writes its own messages, which never hold PHI).
void ensure_dcmtk_ready();

// Loads a file. `header_only` stops before PixelData. Throws Error(io) naming the file and DCMTK's reason.
void load(DcmFileFormat& file, const std::string& path, bool header_only);

std::string get_string(DcmItem& item, const DcmTagKey& tag);  // first value, trimmed; "" when absent
std::string get_all_strings(DcmItem& item, const DcmTagKey& tag);  // every value joined by '\'
std::optional<double> get_double(DcmItem& item, const DcmTagKey& tag, unsigned long pos = 0);
std::vector<double> get_doubles(DcmItem& item, const DcmTagKey& tag);
std::optional<long> get_int(DcmItem& item, const DcmTagKey& tag);

// Encapsulated pixel data (dicom_pixels.cpp). The compressed bytes of each frame, `frames` of them
// (Basic Offset Table when present, else one fragment per frame, else JPEG 2000 frame starts);
// Error(invalid_input) naming the file when the stored frames disagree with NumberOfFrames.
bool is_jpeg2000(E_TransferSyntax xfer);
std::vector<std::vector<std::uint8_t>> encapsulated_frames(DcmDataset& ds, long frames, const std::string& path);

struct J2kFrame {
    std::uint32_t width = 0, height = 0;
    int precision = 0;
    bool is_signed = false;
    std::vector<std::int32_t> values;  // row-major samples
};
// One JPEG 2000 codestream (OpenJPEG). Error(io) "... cannot be decoded (...)" naming `where`.
J2kFrame decode_jpeg2000(const std::vector<std::uint8_t>& code, const std::string& where);

// One RLE Lossless frame (PS3.5 Annex G) of `segments` byte segments of `segment_bytes` each, as
// little-endian samples (segments bytes per sample). 1-bit data: one segment of the packed frame bytes.
std::vector<std::uint8_t> decode_rle(const std::vector<std::uint8_t>& frame, int segments, std::size_t segment_bytes,
                                     const std::string& where);

// SHA-256 of `message`, 64 lowercase hex digits (dicom_pseudonym.cpp).
std::string sha256_hex(const std::string& message);

Vec3 cross(const Vec3& a, const Vec3& b);
double dot(const Vec3& a, const Vec3& b);
double norm(const Vec3& a);

}  // namespace radhpc::io::dicom_detail
