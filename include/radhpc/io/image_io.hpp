// Reading and writing images and label masks (NRRD, NIfTI .nii/.nii.gz) through ITK.
#pragma once
#include <string>

#include "radhpc/core/volume.hpp"

namespace radhpc::io {

// Reads a scalar image of any integer or floating-point pixel type as double.
// Vector, RGB and complex images are rejected (Error kind io / invalid_input) naming the file.
// `pixel_type`, if given, receives the stored pixel type.
Image read_image(const std::string& path, PixelType* pixel_type = nullptr);

// Reads a label image and returns the binary mask of voxels equal to `label`.
// An error names the file when the label is absent.
Mask read_label_mask(const std::string& path, int label);

// Reads a label image as is (integer labels).
Volume<std::int32_t> read_label_image(const std::string& path);

// Writes NIfTI (.nii, .nii.gz) or NRRD (.nrrd), chosen by extension.
void write_image(const Image& image, const std::string& path, bool as_float32 = false);
void write_image(const Volume<std::int16_t>& image, const std::string& path);
void write_labels(const Volume<std::uint8_t>& labels, const std::string& path);

}  // namespace radhpc::io

namespace radhpc::io {
// Versions of the image libraries this build reads with ("ITK 5.2.1; DCMTK 3.6.7; yaml-cpp"), for provenance.
std::string library_versions();
}  // namespace radhpc::io
