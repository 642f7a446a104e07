// The only translation unit that includes ITK's reader/writer headers (they are slow to compile).
#include "radhpc/io/image_io.hpp"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>

#include <cmath>
#include <filesystem>
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

template <class T, class Out>
Volume<Out> read_as(const std::string& path) {
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
            default: *pixel_type = PixelType{}; break;
        }
    }
    switch (io->GetComponentType()) {
        case C::UCHAR: case C::CHAR: case C::USHORT: case C::SHORT: case C::UINT: case C::INT:
        case C::ULONG: case C::LONG: case C::ULONGLONG: case C::LONGLONG: case C::FLOAT: case C::DOUBLE:
            return read_as<double, double>(path);
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
