// The only translation unit that includes ITK's reader/writer headers (they are slow to compile).
#include "radhpc/io/image_io.hpp"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <filesystem>
#include <vector>
#include <zlib.h>
#include <limits>

#include "radhpc/core/error.hpp"

namespace radhpc::io {
namespace {

template <class T>
using ItkImage = itk::Image<T, 3>;

itk::ImageIOBase::Pointer probe(const std::string& path) {
    if (!std::filesystem::exists(path)) throw Error(ErrorKind::io, path + ": file not found");
    auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::CommonEnums::IOFileMode::ReadMode);
    if (!io) throw Error(ErrorKind::io, path + ": not a readable NRRD/NIfTI image (unknown format)");
    try {
        io->SetFileName(path);
        io->ReadImageInformation();
    } catch (const itk::ExceptionObject& e) {
        throw Error(ErrorKind::io, path + ": cannot read header: " + e.GetDescription());
    }
    using IOPixel = itk::IOPixelEnum;
    if (io->GetPixelType() != IOPixel::SCALAR || io->GetNumberOfComponents() != 1) {
        throw Error(ErrorKind::invalid_input,
                    path + ": pixel type '" + itk::ImageIOBase::GetPixelTypeAsString(io->GetPixelType()) +
                        "' is not supported; radhpc reads scalar (grey-level) images only");
    }
    if (io->GetNumberOfDimensions() < 2 || io->GetNumberOfDimensions() > 3)
        throw Error(ErrorKind::invalid_input,
                    path + ": " + std::to_string(io->GetNumberOfDimensions()) + "-D images are not supported");
    return io;
}

// Checks of NIfTI-1 headers that ITK does not make. ITK reads a truncated NIfTI-1 file without complaint (znzlib returns short reads, for .nii and
// .nii.gz alike); check the size the header promises. NRRD truncation already fails inside ITK.
// For .nii.gz the gzip trailer's ISIZE (uncompressed size mod 2^32) is compared first; only when it
// disagrees (a truncated file, or a multi-member gzip stream) is the stream decompressed to count.
void check_nifti_size(const std::string& path) {
    const bool gz = path.size() > 7 && path.compare(path.size() - 7, 7, ".nii.gz") == 0;
    const bool raw = path.size() > 4 && path.compare(path.size() - 4, 4, ".nii") == 0;
    if (!gz && !raw) return;
    gzFile f = gzopen(path.c_str(), "rb");  // reads plain files too
    if (!f) throw Error(ErrorKind::io, path + ": cannot open");
    char h[348];
    const int got = gzread(f, h, sizeof h);
    if (got != int(sizeof h)) {
        gzclose(f);
        throw Error(ErrorKind::io, path + ": truncated NIfTI header");
    }
    std::int32_t sizeof_hdr;
    std::memcpy(&sizeof_hdr, h, 4);
    if (sizeof_hdr != 348) {  // NIfTI-2 or other byte order: left to ITK
        gzclose(f);
        return;
    }
    std::int16_t dim[8], bitpix;
    float vox_offset, pixdim[8];
    std::memcpy(dim, h + 40, sizeof dim);
    std::memcpy(&bitpix, h + 72, 2);
    std::memcpy(pixdim, h + 76, sizeof pixdim);
    std::memcpy(&vox_offset, h + 108, 4);
    // ITK replaces a zero pixdim by 1 mm, which would compute features on a wrong geometry.
    for (int a = 1; a <= 3 && a <= dim[0]; ++a)
        if (!(std::isfinite(pixdim[a]) && pixdim[a] != 0.0f)) {
            gzclose(f);
            throw Error(ErrorKind::invalid_input, path + ": voxel spacing pixdim[" + std::to_string(a) + "] is " +
                                                      std::to_string(pixdim[a]) + " (zero or not finite) in the NIfTI header");
        }
    std::uintmax_t voxels = 1;
    for (int d = 1; d <= dim[0] && d < 8; ++d) voxels *= std::uintmax_t(std::max<std::int16_t>(dim[d], 1));
    const std::uintmax_t need = std::uintmax_t(vox_offset) + voxels * std::uintmax_t(bitpix) / 8;
    std::uintmax_t have = 0;
    if (raw) {
        have = std::filesystem::file_size(path);
    } else {
        std::ifstream in(path, std::ios::binary);
        in.seekg(-4, std::ios::end);
        unsigned char t[4] = {0, 0, 0, 0};
        in.read(reinterpret_cast<char*>(t), 4);
        const std::uint32_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::uint32_t(t[3]) << 24);
        if (isize == std::uint32_t(need & 0xFFFFFFFFu)) {
            gzclose(f);
            return;
        }
        have = sizeof h;
        std::vector<char> buf(1 << 20);
        for (int n; (n = gzread(f, buf.data(), unsigned(buf.size()))) > 0;) have += std::uintmax_t(n);
    }
    gzclose(f);
    if (have < need)
        throw Error(ErrorKind::io, path + ": truncated file (" + std::to_string(have) + " bytes of image data and header, the header needs " +
                                       std::to_string(need) + ")");
}

// ITK 5.2's NIfTI reader turns NaN voxels of float images into 0, which would hide bad input.
// For float32/float64 NIfTI-1 files, stream the raw voxels once and put non-finite values back
// (NIfTI and ITK share the voxel order: x fastest).
void restore_nifti_nonfinite(const std::string& path, Image& image) {
    const bool nifti = (path.size() > 7 && path.compare(path.size() - 7, 7, ".nii.gz") == 0) ||
                       (path.size() > 4 && path.compare(path.size() - 4, 4, ".nii") == 0);
    if (!nifti) return;
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return;
    char h[348];
    if (gzread(f, h, sizeof h) != int(sizeof h)) {
        gzclose(f);
        return;
    }
    std::int32_t sizeof_hdr;
    std::int16_t datatype;
    float vox_offset;
    std::memcpy(&sizeof_hdr, h, 4);
    std::memcpy(&datatype, h + 70, 2);
    std::memcpy(&vox_offset, h + 108, 4);
    if (sizeof_hdr != 348 || (datatype != 16 && datatype != 64)) {
        gzclose(f);
        return;
    }
    gzseek(f, z_off_t(vox_offset), SEEK_SET);
    const std::size_t width = datatype == 16 ? 4 : 8;
    std::vector<char> buf(width * 65536);
    std::size_t index = 0;
    for (int n; index < image.data.size() && (n = gzread(f, buf.data(), unsigned(buf.size()))) > 0;) {
        for (std::size_t k = 0; k + width <= std::size_t(n) && index < image.data.size(); k += width, ++index) {
            double v;
            if (width == 4) {
                float x;
                std::memcpy(&x, buf.data() + k, 4);
                v = x;
            } else {
                std::memcpy(&v, buf.data() + k, 8);
            }
            if (!std::isfinite(v)) image.data[index] = v;
        }
    }
    gzclose(f);
}

template <class T, class Out>
Volume<Out> read_as(const std::string& path) {
    check_nifti_size(path);
    using Reader = itk::ImageFileReader<ItkImage<T>>;
    auto reader = Reader::New();
    reader->SetFileName(path);
    try {
        reader->Update();
    } catch (const itk::ExceptionObject& e) {
        throw Error(ErrorKind::io, path + ": cannot read voxel data (truncated or corrupt?): " + e.GetDescription());
    }
    auto img = reader->GetOutput();
    const auto region = img->GetLargestPossibleRegion();
    Geometry g;
    for (int a = 0; a < 3; ++a) {
        g.size[a] = region.GetSize()[a];
        g.spacing[a] = img->GetSpacing()[a];
        g.origin[a] = img->GetOrigin()[a];
        for (int b = 0; b < 3; ++b) g.direction[3 * a + b] = img->GetDirection()[a][b];
    }
    Volume<Out> out(g);
    const T* buf = img->GetBufferPointer();
    for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = static_cast<Out>(buf[i]);
    return out;
}

template <class T, class In>
void write_as(const Volume<In>& v, const std::string& path) {
    auto img = ItkImage<T>::New();
    typename ItkImage<T>::RegionType region;
    typename ItkImage<T>::SpacingType sp;
    typename ItkImage<T>::PointType org;
    typename ItkImage<T>::DirectionType dir;
    for (int a = 0; a < 3; ++a) {
        region.SetSize(a, v.geometry.size[a]);
        sp[a] = v.geometry.spacing[a];
        org[a] = v.geometry.origin[a];
        for (int b = 0; b < 3; ++b) dir[a][b] = v.geometry.direction[3 * a + b];
    }
    img->SetRegions(region);
    img->SetSpacing(sp);
    img->SetOrigin(org);
    img->SetDirection(dir);
    img->Allocate();
    T* buf = img->GetBufferPointer();
    for (std::size_t i = 0; i < v.data.size(); ++i) buf[i] = static_cast<T>(v.data[i]);
    auto writer = itk::ImageFileWriter<ItkImage<T>>::New();
    writer->SetFileName(path);
    writer->SetInput(img);
    writer->UseCompressionOn();
    try {
        writer->Update();
    } catch (const itk::ExceptionObject& e) {
        throw Error(ErrorKind::io, path + ": cannot write: " + e.GetDescription());
    }
}

}  // namespace

template <class T>
PixelType integer_pixel() {
    return {true, double(std::numeric_limits<T>::lowest()), double(std::numeric_limits<T>::max())};
}

Image read_image(const std::string& path, PixelType* pixel_type) {
    auto io = probe(path);
    using C = itk::IOComponentEnum;
    if (pixel_type) {
        switch (io->GetComponentType()) {
            case C::UCHAR: *pixel_type = integer_pixel<std::uint8_t>(); break;
            case C::CHAR: *pixel_type = integer_pixel<std::int8_t>(); break;
            case C::USHORT: *pixel_type = integer_pixel<std::uint16_t>(); break;
            case C::SHORT: *pixel_type = integer_pixel<std::int16_t>(); break;
            case C::UINT: *pixel_type = integer_pixel<std::uint32_t>(); break;
            case C::INT: *pixel_type = integer_pixel<std::int32_t>(); break;
            case C::ULONG: case C::ULONGLONG: *pixel_type = integer_pixel<std::uint64_t>(); break;
            case C::LONG: case C::LONGLONG: *pixel_type = integer_pixel<std::int64_t>(); break;
            case C::FLOAT: *pixel_type = PixelType{}; pixel_type->float32 = true; break;
            default: *pixel_type = PixelType{}; break;
        }
    }
    switch (io->GetComponentType()) {
        case C::UCHAR: case C::CHAR: case C::USHORT: case C::SHORT: case C::UINT: case C::INT:
        case C::ULONG: case C::LONG: case C::ULONGLONG: case C::LONGLONG: {
            Image img = read_as<double, double>(path);
            // PixelType::integer promises integer values (the pipeline skips rounding them); a
            // scaling in the header (NIfTI scl_slope) can break that promise.
            if (pixel_type && pixel_type->integer)
                for (const double v : img.data)
                    if (v != std::trunc(v)) {
                        *pixel_type = PixelType{};
                        break;
                    }
            return img;
        }
        case C::FLOAT: case C::DOUBLE: {
            Image img = read_as<double, double>(path);
            restore_nifti_nonfinite(path, img);
            return img;
        }
        default:
            throw Error(ErrorKind::invalid_input, path + ": unsupported pixel component type '" +
                                                      itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType()) + "'");
    }
}

Volume<std::int32_t> read_label_image(const std::string& path) {
    auto io = probe(path);
    using C = itk::IOComponentEnum;
    if (io->GetComponentType() == C::FLOAT || io->GetComponentType() == C::DOUBLE) {
        // Float label maps occur (converted NIfTI); labels are rounded to the nearest integer.
        Image v = read_as<double, double>(path);
        Volume<std::int32_t> out(v.geometry);
        for (std::size_t i = 0; i < v.data.size(); ++i) out.data[i] = std::int32_t(std::lround(v.data[i]));
        return out;
    }
    return read_as<std::int64_t, std::int32_t>(path);
}

Mask read_label_mask(const std::string& path, int label) {
    auto labels = read_label_image(path);
    Mask m(labels.geometry);
    std::size_t n = 0;
    for (std::size_t i = 0; i < labels.data.size(); ++i)
        if (labels.data[i] == label) {
            m.data[i] = 1;
            ++n;
        }
    if (n == 0) throw Error(ErrorKind::empty_roi, path + ": label " + std::to_string(label) + " not present in mask");
    return m;
}

void write_image(const Image& image, const std::string& path, bool as_float32) {
    if (as_float32) write_as<float>(image, path);
    else write_as<double>(image, path);
}
void write_image(const Volume<std::int16_t>& image, const std::string& path) { write_as<std::int16_t>(image, path); }
void write_labels(const Volume<std::uint8_t>& labels, const std::string& path) { write_as<std::uint8_t>(labels, path); }

}  // namespace radhpc::io

#include <dcmtk/config/osconfig.h>
#include <itkConfigure.h>

namespace radhpc::io {
std::string library_versions() {
    return "ITK " + std::to_string(ITK_VERSION_MAJOR) + "." + std::to_string(ITK_VERSION_MINOR) + "." +
           std::to_string(ITK_VERSION_PATCH) + "; DCMTK " + PACKAGE_VERSION;
}
}  // namespace radhpc::io
