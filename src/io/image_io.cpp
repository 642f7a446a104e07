// The only translation unit that includes ITK's reader/writer headers (they are slow to compile).
// NIfTI and NRRD are read by native_image.cpp; ITK reads the other formats and writes everything.
#include "radhpc/io/image_io.hpp"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOBase.h>
#include <itkImageIOFactory.h>
#include <itkMetaDataObject.h>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <type_traits>
#include <memory>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/core/source_image.hpp"
#include "huge_pages.hpp"

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

// Puts `text` (at most 79 characters) in descrip of the NIfTI-1 file `nii` (uncompressed, as ITK
// wrote it); `gz_path` non-empty: the result is gzipped there and `nii` removed.
void set_nifti_description(const std::string& nii, const std::string& text, const std::string& gz_path) {
    std::fstream f(nii, std::ios::in | std::ios::out | std::ios::binary);
    char descrip[80] = {};
    std::memcpy(descrip, text.data(), std::min<std::size_t>(text.size(), 79));
    if (!f.seekp(148) || !f.write(descrip, sizeof descrip)) throw Error(ErrorKind::io, nii + ": cannot write the NIfTI description");
    f.close();
    if (gz_path.empty()) return;
    std::ifstream in(nii, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gzFile out = gzopen(gz_path.c_str(), "wb");
    const bool ok = out && gzwrite(out, bytes.data(), unsigned(bytes.size())) == int(bytes.size());
    if (out) gzclose(out);
    std::filesystem::remove(nii);
    if (!ok) throw Error(ErrorKind::io, gz_path + ": cannot write");
}

template <class T, class In>
void write_as(const Volume<In>& v, const std::string& path, const LabelHeader* header = nullptr) {
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
    // NRRD writes every string entry of the dictionary as key:=value; ITK's NIfTI writer never
    // writes descrip, so a described .nii.gz is written uncompressed, given its descrip, then gzipped.
    const bool nrrd = path.ends_with(".nrrd") || path.ends_with(".nhdr");
    const bool described = header && !nrrd && !header->description.empty();
    if (header && nrrd)
        for (const auto& [key, value] : header->keys) itk::EncapsulateMetaData<std::string>(img->GetMetaDataDictionary(), key, value);
    const bool gz = described && path.ends_with(".gz");
    const std::string written = gz ? path + ".tmp.nii" : path;
    auto writer = itk::ImageFileWriter<ItkImage<T>>::New();
    writer->SetFileName(written);
    writer->SetInput(img);
    writer->UseCompressionOn();
    try {
        writer->Update();
    } catch (const itk::ExceptionObject& e) {
        throw Error(ErrorKind::io, path + ": cannot write: " + e.GetDescription());
    }
    if (described) set_nifti_description(written, header->description, gz ? path : "");
}

}  // namespace

template <class T>
PixelType integer_pixel() {
    return {true, double(std::numeric_limits<T>::lowest()), double(std::numeric_limits<T>::max())};
}

// ITK's reading, for the formats native_image.cpp does not read (.mha, .mhd, ...).
Image read_image_itk(const std::string& path, PixelType* pixel_type) {
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
        case C::ULONG: case C::LONG: case C::ULONGLONG: case C::LONGLONG:
            return read_as<double, double>(path);
        case C::FLOAT: case C::DOUBLE:
            return read_as<double, double>(path);
        default:
            throw Error(ErrorKind::invalid_input, path + ": unsupported pixel component type '" +
                                                      itk::ImageIOBase::GetComponentTypeAsString(io->GetComponentType()) + "'");
    }
}

Volume<std::int32_t> read_label_image_itk(const std::string& path) {
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

namespace {

template <class T>
const T* as(const NativeImage& n) {
    return reinterpret_cast<const T*>(n.data.data());
}

// Stored voxels to double as ITK's reader gives them. With NIfTI scaling ITK (NiftiImageIO::Read)
// casts integer voxels to float, computes double(float) * slope + intercept and stores a float;
// float64 voxels are scaled in double. Non-finite voxels stay non-finite (nifti1_io would zero them).
template <class T>
void to_double(const NativeImage& n, std::vector<double>& out) {
    const T* p = as<T>(n);
    const std::size_t count = n.geometry.voxel_count();
    // Filled in one pass (assign / push_back into reserved memory): no zeroing pass over the doubles.
    out.clear();
    detail::reserve_huge(out, count);
    if (!n.scaled) {
        out.insert(out.end(), p, p + count);
        return;
    }
    if constexpr (std::is_same_v<T, double>) {
        for (std::size_t i = 0; i < count; ++i) out.push_back(p[i] * n.slope + n.intercept);
    } else {
        for (std::size_t i = 0; i < count; ++i) {
            double t = static_cast<double>(static_cast<float>(p[i])) * n.slope;
            t += n.intercept;
            out.push_back(static_cast<double>(static_cast<float>(t)));
        }
    }
}

template <class F>
void dispatch(PixelKind kind, F&& f) {
    switch (kind) {
        case PixelKind::u8: f(std::uint8_t{}); break;
        case PixelKind::i8: f(std::int8_t{}); break;
        case PixelKind::u16: f(std::uint16_t{}); break;
        case PixelKind::i16: f(std::int16_t{}); break;
        case PixelKind::u32: f(std::uint32_t{}); break;
        case PixelKind::i32: f(std::int32_t{}); break;
        case PixelKind::u64: f(std::uint64_t{}); break;
        case PixelKind::i64: f(std::int64_t{}); break;
        case PixelKind::f32: f(float{}); break;
        case PixelKind::f64: f(double{}); break;
    }
}

Image native_to_image(const NativeImage& n) {
    Image img;
    img.geometry = n.geometry;
    dispatch(n.kind, [&](auto zero) { to_double<decltype(zero)>(n, img.data); });
    return img;
}

// A stored label as ITK reads label maps here (through int64, then int32); every label reader uses it.
template <class T>
std::int32_t stored_label(T v) {
    return static_cast<std::int32_t>(static_cast<std::int64_t>(v));
}

bool is_float(PixelKind k) { return k == PixelKind::f32 || k == PixelKind::f64; }

}  // namespace

Image read_image(const std::string& path, PixelType* pixel_type) {
    if (!has_native_reader(path)) return read_image_itk(path, pixel_type);
    const NativeImage n = read_native_image(path);
    if (pixel_type) {
        // Scaled NIfTI integers are reported as float, as ITK promotes them.
        *pixel_type = PixelType{};
        if (!n.scaled && !is_float(n.kind))
            dispatch(n.kind, [&](auto zero) { *pixel_type = integer_pixel<decltype(zero)>(); });
        // SimpleITK holds float32 files, and scaled NIfTI integers (ITK promotes them to float), as
        // float32: PyRadiomics' resampler casts its output back to that.
        pixel_type->float32 = n.kind == PixelKind::f32 || (n.scaled && n.kind != PixelKind::f64);
    }
    return native_to_image(n);
}

Volume<std::int32_t> read_label_image(const std::string& path) {
    if (!has_native_reader(path)) return read_label_image_itk(path);
    const NativeImage n = read_native_image(path);
    Volume<std::int32_t> out;
    out.geometry = n.geometry;
    out.data.resize(n.geometry.voxel_count());
    if (n.scaled || is_float(n.kind)) {
        // Float label maps occur (converted NIfTI); labels are rounded to the nearest integer.
        const Image v = native_to_image(n);
        for (std::size_t i = 0; i < v.data.size(); ++i) out.data[i] = std::int32_t(std::lround(v.data[i]));
    } else {
        // As ITK's read through int64: stored -> int64 -> int32.
        dispatch(n.kind, [&](auto zero) {
            using T = decltype(zero);
            const T* p = as<T>(n);
            for (std::size_t i = 0; i < out.data.size(); ++i) out.data[i] = stored_label(p[i]);
        });
    }
    return out;
}

SourceImage read_image_source(const std::string& path, PixelType* pixel_type) {
    PixelType pixel;
    if (!has_native_reader(path)) {
        Image img = read_image_itk(path, &pixel);
        if (pixel_type) *pixel_type = pixel;
        return make_source_image(std::move(img), pixel);
    }
    NativeImage n = read_native_image(path);
    if (!n.scaled && !is_float(n.kind)) dispatch(n.kind, [&](auto zero) { pixel = integer_pixel<decltype(zero)>(); });
    pixel.float32 = n.kind == PixelKind::f32 || (n.scaled && n.kind != PixelKind::f64);
    if (pixel_type) *pixel_type = pixel;
    SourceImage out;
    // int16 straight from the stored values when they all fit (no double volume in between)
    if (pixel.integer) {
        bool fits = true;
        dispatch(n.kind, [&](auto zero) {
            using T = decltype(zero);
            if constexpr (std::is_integral_v<T>) {
                const T* p = as<T>(n);
                if constexpr (!(std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::int8_t> || std::is_same_v<T, std::uint8_t>))
                    for (std::size_t i = 0, count = n.geometry.voxel_count(); fits && i < count; ++i)
                        fits = std::int64_t(p[i]) >= -32768 && std::int64_t(p[i]) <= 32767 &&
                               (std::is_signed_v<T> || std::uint64_t(p[i]) <= 32767u);
                if (!fits) return;
                auto v = std::make_shared<Volume<std::int16_t>>();
                v->geometry = n.geometry;
                v->data.resize(n.geometry.voxel_count());
                for (std::size_t i = 0; i < v->data.size(); ++i) v->data[i] = std::int16_t(p[i]);
                out.i16 = std::move(v);
            }
        });
        if (out.i16) return out;
    }
    // float32 files of whole numbers (CT in HU written by other tools; the IBSI CT phantom) are held as
    // int16 too: the same doubles come back out of it (-0.0 and non-integers excluded), at a quarter of
    // the memory, and without a whole-image double copy to fault in (about 1 ms per MB here).
    if (n.kind == PixelKind::f32 && !n.scaled) {
        const float* p = as<float>(n);
        const std::size_t count = n.geometry.voxel_count();
        bool fits = true;
        for (std::size_t i = 0; fits && i < count; ++i)
            fits = p[i] >= -32768.0f && p[i] <= 32767.0f && p[i] == float(std::int16_t(p[i])) && !(p[i] == 0.0f && std::signbit(p[i]));
        if (fits) {
            auto v = std::make_shared<Volume<std::int16_t>>();
            v->geometry = n.geometry;
            v->data.resize(count);
            for (std::size_t i = 0; i < count; ++i) v->data[i] = std::int16_t(p[i]);
            out.i16 = std::move(v);
            return out;
        }
    }
    out.f64 = std::make_shared<const Image>(native_to_image(n));
    return out;
}

Volume<std::int16_t> read_label_map16(const std::string& path) {
    Volume<std::int16_t> out;
    auto too_large = [&](double v) {
        return Error(ErrorKind::invalid_input, path + ": label value " + std::to_string(v) +
                                                   " outside -32768..32767 (radhpc run reads label maps as 16-bit labels)");
    };
    if (has_native_reader(path)) {
        const NativeImage n = read_native_image(path);
        if (!n.scaled && !is_float(n.kind)) {
            out.geometry = n.geometry;
            out.data.resize(n.geometry.voxel_count());
            dispatch(n.kind, [&](auto zero) {
                using T = decltype(zero);
                const T* p = as<T>(n);
                for (std::size_t i = 0; i < out.data.size(); ++i) {
                    const std::int32_t v = stored_label(p[i]);
                    if (v < -32768 || v > 32767) throw too_large(double(v));
                    out.data[i] = std::int16_t(v);
                }
            });
            return out;
        }
    }
    const auto wide = read_label_image(path);
    out.geometry = wide.geometry;
    out.data.resize(wide.data.size());
    for (std::size_t i = 0; i < wide.data.size(); ++i) {
        if (wide.data[i] < -32768 || wide.data[i] > 32767) throw too_large(double(wide.data[i]));
        out.data[i] = std::int16_t(wide.data[i]);
    }
    return out;
}

Mask read_label_mask(const std::string& path, int label) {
    if (has_native_reader(path)) {
        // straight from the stored labels (no int32 copy of a CT-sized label map)
        const NativeImage n = read_native_image(path);
        if (!n.scaled && !is_float(n.kind)) {
            Mask m;
            m.geometry = n.geometry;
            m.data.resize(n.geometry.voxel_count());
            std::size_t count = 0;
            dispatch(n.kind, [&](auto zero) {
                using T = decltype(zero);
                const T* p = as<T>(n);
                for (std::size_t i = 0; i < m.data.size(); ++i) {
                    const bool in = stored_label(p[i]) == label;
                    m.data[i] = in;
                    count += in;
                }
            });
            if (count == 0) throw Error(ErrorKind::empty_roi, path + ": label " + std::to_string(label) + " not present in mask");
            return m;
        }
    }
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
void write_labels(const Volume<std::uint8_t>& labels, const std::string& path, const LabelHeader& header) {
    write_as<std::uint8_t>(labels, path, &header);
}
void write_labels(const Volume<std::uint16_t>& labels, const std::string& path, const LabelHeader& header) {
    write_as<std::uint16_t>(labels, path, &header);
}

}  // namespace radhpc::io

#include <dcmtk/config/osconfig.h>
#include <itkConfigure.h>

namespace radhpc::io {
std::string library_versions() {
    return "ITK " + std::to_string(ITK_VERSION_MAJOR) + "." + std::to_string(ITK_VERSION_MINOR) + "." +
           std::to_string(ITK_VERSION_PATCH) + "; DCMTK " + PACKAGE_VERSION;
}
}  // namespace radhpc::io
