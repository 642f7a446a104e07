// Private to src/io/dicom*.cpp and qc*.cpp: the DCMTK helpers. Never include from include/.
#pragma once
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dctk.h>

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

Vec3 cross(const Vec3& a, const Vec3& b);
double dot(const Vec3& a, const Vec3& b);
double norm(const Vec3& a);

}  // namespace radhpc::io::dicom_detail
