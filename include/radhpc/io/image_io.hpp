// Reading and writing images and label masks. NIfTI-1/2 (.nii, .nii.gz) and NRRD (.nrrd, .nhdr) are
// read by radhpc's own strict readers (src/io/native_image.cpp) giving ITK 5.2's geometry and
// values; other formats (.mha, .mhd, ...) are read, and everything is written, through ITK.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "radhpc/core/source_image.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::io {

// Voxel types as stored in a file.
enum class PixelKind { u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 };
std::size_t pixel_bytes(PixelKind kind);
const char* to_string(PixelKind kind);

// An image with its voxels in the stored type: `data` holds voxel_count() values of `kind`, x fastest,
// in host byte order. NIfTI's scl_slope/scl_inter are not applied: `scaled` says whether ITK would
// apply them (slope non-zero and (slope != 1 or intercept != 0)); read_image applies them as ITK does.
struct NativeImage {
    Geometry geometry;
    PixelKind kind = PixelKind::u8;
    std::vector<std::byte> data;
    bool scaled = false;
    double slope = 1.0, intercept = 0.0;
};

// Reads NIfTI-1 or NIfTI-2 (.nii, .nii.gz; NIfTI-2 with NIfTI-1's rules in double precision, as ITK 5.2
// does not read it) or NRRD (.nrrd, .nhdr; raw, gzip or ascii encoding) with strict header
// checks made before anything is allocated. Errors (radhpc::Error) name the file and the field:
// kind io for unreadable, truncated or corrupt files and unsupported encodings, invalid_input for
// headers whose values are not a valid scalar image (non-finite or non-positive spacing, non-finite
// or absurd transforms, vector/complex/RGB pixels, 4-D data, inconsistent datatype/bitpix, ...).
NativeImage read_native_image(const std::string& path);

// True when `path` names a format read_native_image reads (by extension).
bool has_native_reader(const std::string& path);

// A NRRD (.nrrd, .nhdr) read as read_native_image reads it, plus its key/value pairs ("key:=value",
// NRRD's \n and \\ escapes undone, in file order) and, which read_native_image refuses, a first axis
// of kind "list" (3D Slicer's segmentation layers): `image.data` holds `layers` values per voxel,
// the layer index fastest; `image.geometry` is the three domain axes' grid. The list axis and the
// domain axes together stay within the readers' voxel limit.
struct NrrdLayers {
    NativeImage image;
    std::size_t layers = 1;
    std::vector<std::pair<std::string, std::string>> keys;
};
NrrdLayers read_nrrd_layers(const std::string& path);

// Reads a scalar image of any integer or floating-point pixel type as double.
// Vector, RGB and complex images are rejected (Error kind io / invalid_input) naming the file.
// `pixel_type`, if given, receives the stored pixel type.
Image read_image(const std::string& path, PixelType* pixel_type = nullptr);

// The same as a study image for the pipeline: int16 when the stored values are integers that fit
// (read straight from the stored type, no double volume in between), else double.
SourceImage read_image_source(const std::string& path, PixelType* pixel_type = nullptr);

// Reads a label image and returns the binary mask of voxels equal to `label`.
// An error names the file when the label is absent.
Mask read_label_mask(const std::string& path, int label);

// A study's label map for the batch worker: int16 (a quarter of int32's memory on a CT-sized map),
// read straight from the stored labels. Labels outside -32768..32767 (or non-integer) are an error
// naming the file (invalid_input).
Volume<std::int16_t> read_label_map16(const std::string& path);

// Reads a label image as is (integer labels).
Volume<std::int32_t> read_label_image(const std::string& path);

// ITK 5.2's reading as such (ImageFileReader into double / int64): used for the formats without a
// native reader, and by the tests as the reference the native readers must equal.
Image read_image_itk(const std::string& path, PixelType* pixel_type = nullptr);
Volume<std::int32_t> read_label_image_itk(const std::string& path);

// Writes NIfTI (.nii, .nii.gz) or NRRD (.nrrd), chosen by extension.
void write_image(const Image& image, const std::string& path, bool as_float32 = false);
void write_image(const Volume<std::int16_t>& image, const std::string& path);
void write_labels(const Volume<std::uint8_t>& labels, const std::string& path);
// What a label map's header says besides its grid: NRRD gets `keys` as key:=value lines (in order),
// NIfTI gets `description` in descrip (the first 79 characters; radhpc sets it, ITK's writer does not).
struct LabelHeader {
    std::string description;
    std::vector<std::pair<std::string, std::string>> keys;
};
void write_labels(const Volume<std::uint8_t>& labels, const std::string& path, const LabelHeader& header);
void write_labels(const Volume<std::uint16_t>& labels, const std::string& path, const LabelHeader& header);

}  // namespace radhpc::io

namespace radhpc::io {
// Versions of the image libraries this build reads with ("ITK 5.2.1; DCMTK 3.6.7; yaml-cpp"), for provenance.
std::string library_versions();
}  // namespace radhpc::io
