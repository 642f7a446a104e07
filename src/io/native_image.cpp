// radhpc's own NIfTI-1/NIfTI-2 and NRRD readers: strict header checks before any allocation, gzip through
// libdeflate straight into the final buffer, and the geometry ITK 5.2.1 gives for the same file
// (NiftiImageIO + nifti1_io, NrrdImageIO + NrrdIO, ImageFileReader), so results do not change
// when the reader does. Every rule taken from ITK is commented with where it comes from.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libdeflate.h>

#include "radhpc/core/error.hpp"
#include "radhpc/io/image_io.hpp"
#include "huge_pages.hpp"

namespace radhpc::io {
namespace fs = std::filesystem;

std::size_t pixel_bytes(PixelKind kind) {
    switch (kind) {
        case PixelKind::u8: case PixelKind::i8: return 1;
        case PixelKind::u16: case PixelKind::i16: return 2;
        case PixelKind::u32: case PixelKind::i32: case PixelKind::f32: return 4;
        case PixelKind::u64: case PixelKind::i64: case PixelKind::f64: return 8;
    }
    return 0;
}

const char* to_string(PixelKind kind) {
    switch (kind) {
        case PixelKind::u8: return "uint8";
        case PixelKind::i8: return "int8";
        case PixelKind::u16: return "uint16";
        case PixelKind::i16: return "int16";
        case PixelKind::u32: return "uint32";
        case PixelKind::i32: return "int32";
        case PixelKind::u64: return "uint64";
        case PixelKind::i64: return "int64";
        case PixelKind::f32: return "float32";
        case PixelKind::f64: return "float64";
    }
    return "?";
}

namespace {

// Limits that keep a hostile header from allocating or looping without bound.
constexpr std::uint64_t kMaxVoxels = std::uint64_t(1) << 31;   // 2^31 voxels (512x512x8192)
constexpr double kMaxCoordinate = 1e9;                          // mm: origin and transform entries
constexpr double kMaxSpacing = 1e6;                             // mm
constexpr std::size_t kMaxNrrdHeader = 1 << 20;                 // bytes
constexpr std::size_t kMaxDataFileName = 1024;                  // characters
// DEFLATE cannot expand by more than 1032:1; a header promising more data than that is a lie
// (truncated or hostile file) and is refused before the output is allocated.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = char(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && lower(s.substr(s.size() - suffix.size())) == suffix;
}

// A header value quoted in a message: printable ASCII only, bounded (never a file's content).
std::string shown_value(std::string_view v) {
    std::string r = "'";
    for (std::size_t i = 0; i < v.size() && i < 60; ++i) {
        const unsigned char c = static_cast<unsigned char>(v[i]);
        r += (c >= 32 && c < 127) ? char(c) : '?';
    }
    if (v.size() > 60) r += "...";
    return r + "'";
}

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

[[noreturn]] void fail(ErrorKind kind, const std::string& path, const std::string& what) {
    throw Error(kind, path + ": " + what);
}

// ---- files ----------------------------------------------------------------------------------

// An open regular file. FIFOs, devices and directories are refused before open() (which would
// block on a FIFO) and again on the descriptor (the name may have changed in between).
class File {
public:
    File(const std::string& path, const std::string& shown) : shown_(shown) {
        struct stat st{};
        if (::stat(path.c_str(), &st) != 0) fail(ErrorKind::io, shown_, errno == ENOENT ? "file not found" : "cannot access file");
        if (!S_ISREG(st.st_mode)) fail(ErrorKind::invalid_input, shown_, "not a regular file (FIFO, device or directory)");
        fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd_ < 0) fail(ErrorKind::io, shown_, "cannot open file");
        if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd_);
            fail(ErrorKind::invalid_input, shown_, "not a regular file");
        }
        size_ = std::uint64_t(st.st_size);
    }
    ~File() { ::close(fd_); }
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    std::uint64_t size() const { return size_; }

    // Reads exactly n bytes at offset (the caller has checked the size).
    void read(void* out, std::size_t n, std::uint64_t offset) const {
        auto* p = static_cast<char*>(out);
        while (n > 0) {
            const std::size_t chunk = std::min<std::size_t>(n, std::size_t(1) << 30);
            const ssize_t got = ::pread(fd_, p, chunk, off_t(offset));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) fail(ErrorKind::io, shown_, "read error or file shrank while reading");
            p += got;
            offset += std::uint64_t(got);
            n -= std::size_t(got);
        }
    }
    std::vector<unsigned char> read_all_from(std::uint64_t offset) const {
        std::vector<unsigned char> buf(offset < size_ ? std::size_t(size_ - offset) : 0);
        read(buf.data(), buf.size(), offset);
        return buf;
    }

private:
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::string shown_;
};

bool is_gzip(const unsigned char* p, std::size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

// Inflates every gzip member of `in` into exactly `out_size` bytes at `out`. libdeflate checks each
// member's CRC32 and ISIZE; a corrupt or truncated stream, trailing garbage, or a size other than
// out_size is an io error.
void gunzip_exact(const std::string& path, const char* what, const unsigned char* in, std::size_t in_size,
                  std::byte* out, std::size_t out_size) {
    std::unique_ptr<libdeflate_decompressor, void (*)(libdeflate_decompressor*)> d(libdeflate_alloc_decompressor(),
                                                                                  libdeflate_free_decompressor);
    if (!d) throw std::bad_alloc();
    std::size_t in_pos = 0, out_pos = 0;
    while (in_pos < in_size) {
        std::size_t used = 0, made = 0;
        const auto r = libdeflate_gzip_decompress_ex(d.get(), in + in_pos, in_size - in_pos, out + out_pos,
                                                     out_size - out_pos, &used, &made);
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
            fail(ErrorKind::io, path, std::string(what) + ": the gzip stream holds more data than the header describes (" +
                                          std::to_string(out_size) + " bytes)");
        if (r != LIBDEFLATE_SUCCESS)
            fail(ErrorKind::io, path, std::string(what) + ": corrupt or truncated gzip stream (bad data, CRC or length)");
        in_pos += used;
        out_pos += made;
        if (used == 0) break;
    }
    if (out_pos != out_size)
        fail(ErrorKind::io, path, std::string(what) + ": truncated file (" + std::to_string(out_pos) + " bytes of " +
                                      std::to_string(out_size) + " after decompression)");
}

// The first n decompressed bytes of a gzip stream (NIfTI header), with zlib's streaming inflate.
std::vector<unsigned char> gunzip_prefix(const std::string& path, const unsigned char* in, std::size_t in_size,
                                         std::size_t n) {
    std::vector<unsigned char> out(n);
    z_stream z{};
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
    z.next_in = const_cast<unsigned char*>(in);
    z.avail_in = uInt(std::min<std::size_t>(in_size, std::numeric_limits<uInt>::max()));
    z.next_out = out.data();
    z.avail_out = uInt(n);
    int r = Z_OK;
    while (z.avail_out > 0 && r == Z_OK) {
        r = inflate(&z, Z_SYNC_FLUSH);
        // A multi-member stream (concatenated gzip files) continues in the next member.
        if (r == Z_STREAM_END && z.avail_out > 0 && z.avail_in > 0) r = inflateReset(&z);
    }
    const bool ok = z.avail_out == 0 || r == Z_STREAM_END;
    out.resize(n - z.avail_out);
    inflateEnd(&z);
    if (!ok) fail(ErrorKind::io, path, "truncated or corrupt gzip stream (header)");
    return out;
}

void byteswap_all(std::vector<std::byte>& data, std::size_t width) {
    if (width == 1) return;
    for (std::size_t i = 0; i + width <= data.size(); i += width) std::reverse(data.begin() + i, data.begin() + i + width);
}

void check_voxels(const std::string& path, const std::string& field, const std::uint64_t* sizes, int n, std::uint64_t& voxels) {
    voxels = 1;
    for (int i = 0; i < n; ++i) {
        if (sizes[i] < 1) fail(ErrorKind::invalid_input, path, field + ": size " + std::to_string(sizes[i]) + " of axis " + std::to_string(i) + " (must be >= 1)");
        if (voxels > kMaxVoxels / sizes[i])
            fail(ErrorKind::invalid_input, path, field + ": image of more than " + std::to_string(kMaxVoxels) + " voxels refused");
        voxels *= sizes[i];
    }
}

// ITK's ImageFileReader sets spacing, origin and direction on a new image whose defaults are 1, 0
// and identity; ImageBase assigns a direction element, or the whole origin/spacing, only when it
// differs by operator== from what is there, so a -0.0 where the default is 0 stays +0.0.
void as_itk_image_sets_it(Geometry& g) {
    const Geometry fresh;
    for (int k = 0; k < 9; ++k)
        if (g.direction[std::size_t(k)] == fresh.direction[std::size_t(k)]) g.direction[std::size_t(k)] = fresh.direction[std::size_t(k)];
    if (g.origin == fresh.origin) g.origin = fresh.origin;  // element-wise ==: (-0, 0, 0) equals (0, 0, 0)
    if (g.spacing == fresh.spacing) g.spacing = fresh.spacing;
}

void check_geometry(const std::string& path, const char* what, Geometry& g) {
    as_itk_image_sets_it(g);
    for (int a = 0; a < 3; ++a) {
        if (!(std::isfinite(g.spacing[a]) && g.spacing[a] > 0 && g.spacing[a] <= kMaxSpacing))
            fail(ErrorKind::invalid_input, path, std::string(what) + ": voxel spacing of axis " + std::to_string(a) + " is " +
                                                     num(g.spacing[a]) + " (must be finite, > 0 and <= 1e6 mm)");
        if (!(std::isfinite(g.origin[a]) && std::abs(g.origin[a]) <= kMaxCoordinate))
            fail(ErrorKind::invalid_input, path, std::string(what) + ": origin coordinate " + std::to_string(a) + " is " +
                                                     num(g.origin[a]) + " (must be finite, |x| <= 1e9 mm)");
    }
    for (double v : g.direction)
        if (!std::isfinite(v)) fail(ErrorKind::invalid_input, path, std::string(what) + ": direction cosines are not finite");
    const auto& m = g.direction;
    const double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    // ITK's Image::SetDirection throws for a singular direction matrix.
    if (!(std::abs(det) > 1e-12)) fail(ErrorKind::invalid_input, path, std::string(what) + ": direction matrix is singular");
}

// ---- NIfTI-1 --------------------------------------------------------------------------------

// T = T for NIfTI-1 (nifti1_io's mat44), double for NIfTI-2 (nifti2_io's nifti_dmat44).
template <class T>
struct Mat44 {
    T m[4][4]{};
};

// nifti1_io's nifti_quatern_to_mat44, with its mix of float, double and long double arithmetic
// (the 1.0l / 2.0l literals) kept so the floats come out identical.
template <class T>
Mat44<T> quatern_to_mat44(T qb, T qc, T qd, T qx, T qy, T qz, T dx, T dy, T dz, T qfac) {
    Mat44<T> R;
    double a, b = qb, c = qc, d = qd, xd, yd, zd;
    R.m[3][0] = R.m[3][1] = R.m[3][2] = T(0);
    R.m[3][3] = T(1);
    a = 1.0l - (b * b + c * c + d * d);
    if (a < 1.e-7l) {
        a = 1.0l / std::sqrt(b * b + c * c + d * d);
        b *= a;
        c *= a;
        d *= a;
        a = 0.0l;
    } else {
        a = std::sqrt(a);
    }
    xd = (dx > 0.0) ? dx : 1.0l;
    yd = (dy > 0.0) ? dy : 1.0l;
    zd = (dz > 0.0) ? dz : 1.0l;
    if (qfac < 0.0) zd = -zd;
    R.m[0][0] = T((a * a + b * b - c * c - d * d) * xd);
    R.m[0][1] = T(2.0l * (b * c - a * d) * yd);
    R.m[0][2] = T(2.0l * (b * d + a * c) * zd);
    R.m[1][0] = T(2.0l * (b * c + a * d) * xd);
    R.m[1][1] = T((a * a + c * c - b * b - d * d) * yd);
    R.m[1][2] = T(2.0l * (c * d - a * b) * zd);
    R.m[2][0] = T(2.0l * (b * d - a * c) * xd);
    R.m[2][1] = T(2.0l * (c * d + a * b) * yd);
    R.m[2][2] = T((a * a + d * d - c * c - b * b) * zd);
    R.m[0][3] = qx;
    R.m[1][3] = qy;
    R.m[2][3] = qz;
    return R;
}

template <class T>
T det3(const T m[3][3]) {
    return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
           m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

// ITK's IsAffine (itkNiftiImageIO.cxx) for a matrix whose bottom row is checked here: with the bottom
// row (0,0,0,1) the 4x4 inverse's blocks equal the 3x3 inverse's exactly, so ITK's SVD-inverse
// comparison (tolerance 1e-2) passes whenever the matrix is invertible; the determinant test remains.
template <class T>
bool is_affine(const Mat44<T>& s) {
    T bottom = std::abs(s.m[3][3] - T(1));
    for (int i = 0; i < 3; ++i) bottom += std::abs(s.m[3][i]);
    if (bottom > std::numeric_limits<T>::epsilon()) return false;
    T top[3][3];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) top[i][j] = s.m[i][j];
    return std::abs(det3(top)) > 1e-5;  // det of the 4x4 with bottom row (0,0,0,1)
}

// NiftiImageIO::SetImageIOOrientationFromNIfTI's choice between sform and qform (ITK 5.2.1).
template <class T>
const Mat44<T>* choose_transform(const Mat44<T>& sto, const Mat44<T>& qto, int qform_code, int sform_code, T dx, T dy, T dz) {
    bool similar = true;
    for (int i = 0; i < 3 && similar; ++i)
        for (int j = 0; j < 3; ++j)
            if (std::abs(sto.m[i][j] - qto.m[i][j]) > 1e-5) similar = false;
    if (similar) {
        T t = 0, b = 0;
        for (int i = 0; i < 4; ++i) t += std::abs(sto.m[i][3] - qto.m[i][3]);
        for (int j = 0; j < 4; ++j) b += std::abs(sto.m[3][j] - qto.m[3][j]);
        if (t > 1e-7 || b > 1e-7) similar = false;
    }
    bool prefer_sform = similar;
    if (!prefer_sform || sform_code != 0) {
        bool decomposable = is_affine(sto);
        if (decomposable) {
            T r[3][3];
            const T d[3] = {dx, dy, dz};
            for (int j = 0; j < 3 && decomposable; ++j) {
                const T mag = std::sqrt(sto.m[0][j] * sto.m[0][j] + sto.m[1][j] * sto.m[1][j] + sto.m[2][j] * sto.m[2][j]);
                if (std::abs(d[j] - mag) > T(1e-3)) decomposable = false;
                for (int i = 0; i < 3; ++i) r[i][j] = sto.m[i][j] / mag;
            }
            for (int i = 0; i < 3 && decomposable; ++i)
                for (int k = 0; k < 3; ++k) {
                    T v = 0;
                    for (int j = 0; j < 3; ++j) v += r[i][j] * r[k][j];
                    if (std::abs(v - (i == k ? T(1) : T(0))) > 1e-4) decomposable = false;
                }
        }
        if (decomposable) {
            if (qform_code == 0 && sform_code != 0) {
                prefer_sform = true;
            } else if (sform_code == 1) {  // NIFTI_XFORM_SCANNER_ANAT
                prefer_sform = true;
            } else if (qform_code != 0 && sform_code != 0) {
                // ITK tests sform * transpose(qform) (4x4, translations included) for identity.
                bool ident = true;
                for (int i = 0; i < 4 && ident; ++i)
                    for (int k = 0; k < 4; ++k) {
                        T v = 0;
                        for (int j = 0; j < 4; ++j) v += sto.m[i][j] * qto.m[k][j];
                        if (std::abs(v - (i == k ? T(1) : T(0))) > 1e-4) {
                            ident = false;
                            break;
                        }
                    }
                prefer_sform = ident;
            }
        }
    }
    if (prefer_sform) return &sto;
    if (qform_code != 0) return &qto;
    return nullptr;
}

template <class T>
T get(const unsigned char* h, std::size_t off, bool swap) {
    T v;
    std::memcpy(&v, h + off, sizeof v);
    if (swap) {
        unsigned char b[sizeof v];
        std::memcpy(b, &v, sizeof v);
        std::reverse(b, b + sizeof v);
        std::memcpy(&v, b, sizeof v);
    }
    return v;
}

struct NiftiLayout {
    Geometry geometry;
    PixelKind kind;
    std::uint64_t vox_offset = 0, data_bytes = 0;
    bool swap = false, scaled = false;
    double slope = 1, intercept = 0;
};

// The header fields radhpc uses, as stored: T = float (NIfTI-1) or double (NIfTI-2).
template <class T>
struct NiftiRaw {
    bool swap = false;
    int version = 1;
    std::int64_t dim[8]{};
    int intent_code = 0, datatype = 0, bitpix = 0, xyzt_units = 0, qform_code = 0, sform_code = 0;
    T pixdim[8]{}, scl_slope = 0, scl_inter = 0, quat[6]{}, srow[3][4]{};
    double vox_offset = 0;
};

NiftiRaw<float> read_nifti1_fields(const unsigned char* h, bool swap) {
    NiftiRaw<float> r;
    r.swap = swap;
    for (int i = 0; i < 8; ++i) r.dim[i] = get<std::int16_t>(h, 40 + 2 * i, swap);
    r.intent_code = get<std::int16_t>(h, 68, swap);
    r.datatype = get<std::int16_t>(h, 70, swap);
    r.bitpix = get<std::int16_t>(h, 72, swap);
    for (int i = 0; i < 8; ++i) r.pixdim[i] = get<float>(h, 76 + 4 * i, swap);
    r.vox_offset = get<float>(h, 108, swap);
    r.scl_slope = get<float>(h, 112, swap);
    r.scl_inter = get<float>(h, 116, swap);
    r.xyzt_units = get<std::uint8_t>(h, 123, false);
    r.qform_code = get<std::int16_t>(h, 252, swap);
    r.sform_code = get<std::int16_t>(h, 254, swap);
    for (int i = 0; i < 6; ++i) r.quat[i] = get<float>(h, 256 + 4 * i, swap);
    for (int q = 0; q < 3; ++q)
        for (int c = 0; c < 4; ++c) r.srow[q][c] = get<float>(h, 280 + 16 * q + 4 * c, swap);
    return r;
}

NiftiRaw<double> read_nifti2_fields(const unsigned char* h, bool swap) {
    NiftiRaw<double> r;
    r.swap = swap;
    r.version = 2;
    r.datatype = get<std::int16_t>(h, 12, swap);
    r.bitpix = get<std::int16_t>(h, 14, swap);
    for (int i = 0; i < 8; ++i) r.dim[i] = get<std::int64_t>(h, 16 + 8 * i, swap);
    for (int i = 0; i < 8; ++i) r.pixdim[i] = get<double>(h, 104 + 8 * i, swap);
    const auto off = get<std::int64_t>(h, 168, swap);
    r.vox_offset = off < 0 || off > (std::int64_t(1) << 50) ? -1.0 : double(off);
    r.scl_slope = get<double>(h, 176, swap);
    r.scl_inter = get<double>(h, 184, swap);
    r.qform_code = get<std::int32_t>(h, 344, swap);
    r.sform_code = get<std::int32_t>(h, 348, swap);
    for (int i = 0; i < 6; ++i) r.quat[i] = get<double>(h, 352 + 8 * i, swap);
    for (int q = 0; q < 3; ++q)
        for (int c = 0; c < 4; ++c) r.srow[q][c] = get<double>(h, 400 + 32 * q + 8 * c, swap);
    r.xyzt_units = get<std::int32_t>(h, 500, swap);
    r.intent_code = get<std::int32_t>(h, 504, swap);
    return r;
}

template <class T>
NiftiLayout nifti_layout(const std::string& path, const NiftiRaw<T>& r);

// The header's version and byte order from sizeof_hdr (348: NIfTI-1, 540: NIfTI-2), then its fields.
// `n` bytes of header are available (a small NIfTI-1 file can hold fewer than 540).
NiftiLayout parse_nifti(const std::string& path, const unsigned char* h, std::size_t n) {
    if (n < 348) fail(ErrorKind::io, path, "truncated NIfTI header (" + std::to_string(n) + " bytes)");
    std::int32_t sizeof_hdr;
    std::memcpy(&sizeof_hdr, h, 4);
    const std::int32_t swapped = std::int32_t(__builtin_bswap32(std::uint32_t(sizeof_hdr)));
    if (sizeof_hdr == 348 || swapped == 348) {
        if (std::memcmp(h + 344, "n+1\0", 4) != 0)
            fail(ErrorKind::io, path, "magic: not a single-file NIfTI-1 image ('n+1'); Analyze and .hdr/.img pairs are not read");
        return nifti_layout(path, read_nifti1_fields(h, swapped == 348));
    }
    if (sizeof_hdr == 540 || swapped == 540) {
        if (n < 540) fail(ErrorKind::io, path, "truncated NIfTI-2 header (" + std::to_string(n) + " bytes)");
        if (std::memcmp(h + 4, "n+2\0\r\n\032\n", 8) != 0)
            fail(ErrorKind::io, path, "magic: not a single-file NIfTI-2 image ('n+2'); .hdr/.img pairs are not read");
        return nifti_layout(path, read_nifti2_fields(h, swapped == 540));
    }
    fail(ErrorKind::io, path, "not a NIfTI file (sizeof_hdr is neither 348 nor 540)");
}

template <class T>
NiftiLayout nifti_layout(const std::string& path, const NiftiRaw<T>& r) {
    NiftiLayout L;
    L.swap = r.swap;
    const auto& dim = r.dim;
    const auto intent_code = r.intent_code;
    const auto datatype = r.datatype;
    const auto bitpix = r.bitpix;
    const auto& pixdim = r.pixdim;
    const double vox_offset = r.vox_offset;
    T scl_slope = r.scl_slope, scl_inter = r.scl_inter;
    const int xyzt_units = r.xyzt_units, qform_code = r.qform_code, sform_code = r.sform_code;
    const auto& quat = r.quat;
    const auto& srow = r.srow;

    if (dim[0] < 1 || dim[0] > 7) fail(ErrorKind::invalid_input, path, "dim[0] is " + std::to_string(dim[0]) + " (must be 1..7)");
    for (int i = 1; i <= dim[0]; ++i)
        if (dim[i] < 1) fail(ErrorKind::invalid_input, path, "dim[" + std::to_string(i) + "] is " + std::to_string(dim[i]) + " (must be >= 1)");
    // ITK: trailing axes of size 1 above the third are dropped (a 4-D file with t = 1 is 3-D).
    int dims = dim[0];
    while (dims > 3 && dim[dims] == 1) --dims;
    if (dims > 3) fail(ErrorKind::invalid_input, path, "dim: " + std::to_string(dims) + "-D images are not supported");
    if (dims < 2) fail(ErrorKind::invalid_input, path, "dim: 1-D images are not supported");

    switch (intent_code) {
        case 1004: case 1005: case 1007:  // GENMATRIX, SYMMATRIX, VECTOR
            fail(ErrorKind::invalid_input, path, "intent_code " + std::to_string(intent_code) +
                                                     " (vector/matrix voxels) is not supported; radhpc reads scalar (grey-level) images only");
        default: break;
    }
    int want_bitpix = 0;
    switch (datatype) {
        case 2: L.kind = PixelKind::u8; want_bitpix = 8; break;
        case 4: L.kind = PixelKind::i16; want_bitpix = 16; break;
        case 8: L.kind = PixelKind::i32; want_bitpix = 32; break;
        case 16: L.kind = PixelKind::f32; want_bitpix = 32; break;
        case 64: L.kind = PixelKind::f64; want_bitpix = 64; break;
        case 256: L.kind = PixelKind::i8; want_bitpix = 8; break;
        case 512: L.kind = PixelKind::u16; want_bitpix = 16; break;
        case 768: L.kind = PixelKind::u32; want_bitpix = 32; break;
        case 1024: L.kind = PixelKind::i64; want_bitpix = 64; break;
        case 1280: L.kind = PixelKind::u64; want_bitpix = 64; break;
        case 32: case 1792: case 2048:
            fail(ErrorKind::invalid_input, path, "datatype " + std::to_string(datatype) + " (complex) is not supported; radhpc reads scalar (grey-level) images only");
        case 128: case 2304:
            fail(ErrorKind::invalid_input, path, "datatype " + std::to_string(datatype) + " (RGB/RGBA) is not supported; radhpc reads scalar (grey-level) images only");
        case 1536: fail(ErrorKind::invalid_input, path, "datatype 1536 (float128) is not supported");
        default: fail(ErrorKind::invalid_input, path, "datatype " + std::to_string(datatype) + " is not a NIfTI-1 data type");
    }
    if (bitpix != want_bitpix)
        fail(ErrorKind::invalid_input, path, "bitpix " + std::to_string(bitpix) + " does not match datatype " + std::to_string(datatype) +
                                                 " (" + to_string(L.kind) + ", " + std::to_string(want_bitpix) + " bits)");

    for (int i = 0; i <= 3; ++i)
        if (!std::isfinite(pixdim[i])) fail(ErrorKind::invalid_input, path, "pixdim[" + std::to_string(i) + "] is not finite");
    // nifti1_io would silently make a zero pixdim 1 mm; ITK would turn a negative one into a flip.
    for (int a = 1; a <= dims; ++a)
        if (!(pixdim[a] > T(0)))
            fail(ErrorKind::invalid_input, path, "voxel spacing pixdim[" + std::to_string(a) + "] is " + num(pixdim[a]) +
                                                     " (zero, negative or not finite) in the NIfTI header");
    if (qform_code > 0)
        for (int i = 0; i < 6; ++i)
            if (!std::isfinite(quat[i]) || std::abs(quat[i]) > kMaxCoordinate)
                fail(ErrorKind::invalid_input, path, std::string(i < 3 ? "quatern_" : "qoffset_") + "bcdxyz"[i] + " is " + num(quat[i]) +
                                                         " (qform must be finite and |x| <= 1e9)");
    if (sform_code > 0)
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 4; ++c)
                if (!std::isfinite(srow[r][c]) || std::abs(srow[r][c]) > kMaxCoordinate)
                    fail(ErrorKind::invalid_input, path, std::string("srow_") + "xyz"[r] + "[" + std::to_string(c) + "] is " + num(srow[r][c]) +
                                                             " (sform must be finite and |x| <= 1e9)");

    std::uint64_t sizes[3] = {std::uint64_t(dim[1]), std::uint64_t(dim[2]), dims == 3 ? std::uint64_t(dim[3]) : 1};
    std::uint64_t voxels = 1;
    check_voxels(path, "dim", sizes, 3, voxels);
    L.data_bytes = voxels * pixel_bytes(L.kind);
    const double min_offset = r.version == 1 ? 348 : 540;
    if (!std::isfinite(vox_offset) || vox_offset < min_offset || vox_offset != std::floor(vox_offset) || vox_offset > 1e12)
        fail(ErrorKind::invalid_input, path, "vox_offset " + num(vox_offset) + " is not a whole number of bytes >= " + num(min_offset));
    L.vox_offset = std::uint64_t(vox_offset);

    // Scaling as nifti1_io + NiftiImageIO: non-finite fields count as 0, slope 0 means 1.
    if (!std::isfinite(scl_slope)) scl_slope = 0;
    if (!std::isfinite(scl_inter)) scl_inter = 0;
    L.slope = scl_slope;
    if (std::abs(L.slope) < std::numeric_limits<double>::epsilon()) L.slope = 1;
    L.intercept = scl_inter;
    constexpr double eps = std::numeric_limits<double>::epsilon();
    L.scaled = std::abs(L.slope) > eps && (std::abs(L.slope - 1.0) > eps || std::abs(L.intercept) > eps);

    // Geometry (NiftiImageIO::ReadImageInformation + SetImageIOOrientationFromNIfTI + ImageFileReader).
    double unit = 1.0;
    switch (xyzt_units & 0x07) {
        case 1: unit = 1e3; break;   // metre
        case 3: unit = 1e-3; break;  // micron
        default: break;
    }
    const T dx = pixdim[1], dy = pixdim[2], dz = pixdim[3];
    Geometry& g = L.geometry;
    g.size = {std::size_t(sizes[0]), std::size_t(sizes[1]), std::size_t(sizes[2])};
    g.spacing = {double(dx) * unit, double(dy) * unit, dims == 3 ? double(dz) * unit : 1.0};
    g.origin = {0, 0, 0};
    g.direction = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const int qc = qform_code > 0 ? qform_code : 0, sc = sform_code > 0 ? sform_code : 0;
    if (qc != 0 || sc != 0) {
        Mat44<T> qto, sto;  // sto stays all-zero without an sform, as nifti1_io leaves it
        if (qc != 0) {
            qto = quatern_to_mat44(quat[0], quat[1], quat[2], quat[3], quat[4], quat[5], dx, dy, dz, pixdim[0] < T(0) ? T(-1) : T(1));
        } else {
            qto.m[0][0] = dx;
            qto.m[1][1] = dy;
            qto.m[2][2] = dz;
            qto.m[3][3] = T(1);
        }
        if (sc != 0) {
            for (int r = 0; r < 3; ++r)
                for (int c = 0; c < 4; ++c) sto.m[r][c] = srow[r][c];
            sto.m[3][3] = T(1);
        }
        const Mat44<T>* m = choose_transform(sto, qto, qc, sc, dx, dy, dz);
        if (!m) fail(ErrorKind::invalid_input, path, "sform/qform: no orthonormal orientation (ITK would refuse the file)");
        g.origin[0] = -double(m->m[0][3]);
        g.origin[1] = -double(m->m[1][3]);
        if (dims > 2) g.origin[2] = double(m->m[2][3]);
        for (int j = 0; j < dims; ++j) {
            double v[3] = {0, 0, 0}, sum = 0;
            for (int i = 0; i < dims; ++i) {
                v[i] = double(m->m[i][j]) * (i < 2 ? -1.0 : 1.0);
                sum += v[i] * v[i];
            }
            if (sum != 0.0) {
                sum = std::sqrt(sum);
                for (double& x : v) x = x / sum;
            }
            for (int i = 0; i < 3; ++i) g.direction[3 * i + j] = i < dims ? v[i] : 0.0;
        }
    }
    check_geometry(path, "NIfTI header", g);
    return L;
}

NativeImage read_nifti(const std::string& path) {
    File f(path, path);
    unsigned char head[540];
    const bool small = f.size() < 2;
    unsigned char magic[2] = {0, 0};
    if (!small) f.read(magic, 2, 0);
    NativeImage img;
    if (is_gzip(magic, 2)) {
        const auto packed = f.read_all_from(0);
        const auto h = gunzip_prefix(path, packed.data(), packed.size(), 540);
        const NiftiLayout L = parse_nifti(path, h.data(), h.size());
        const std::uint64_t total = L.vox_offset + L.data_bytes;
        if (total > kMaxDeflateRatio * packed.size() + 1024)
            fail(ErrorKind::io, path, "truncated file: the header needs " + std::to_string(total) + " bytes, more than " +
                                          std::to_string(packed.size()) + " compressed bytes can hold");
        detail::reserve_huge(img.data, std::size_t(total));
        img.data.resize(std::size_t(total));
        gunzip_exact(path, "NIfTI data", packed.data(), packed.size(), img.data.data(), img.data.size());
        // Move the voxels to the front (the header and extensions were decompressed before them).
        std::memmove(img.data.data(), img.data.data() + L.vox_offset, std::size_t(L.data_bytes));
        img.data.resize(std::size_t(L.data_bytes));
        img.geometry = L.geometry;
        img.kind = L.kind;
        img.scaled = L.scaled;
        img.slope = L.slope;
        img.intercept = L.intercept;
        if (L.swap) byteswap_all(img.data, pixel_bytes(img.kind));
        return img;
    }
    const std::size_t head_n = std::size_t(std::min<std::uint64_t>(f.size(), 540));
    f.read(head, head_n, 0);
    const NiftiLayout L = parse_nifti(path, head, head_n);
    const std::uint64_t need = L.vox_offset + L.data_bytes;
    if (f.size() < need)
        fail(ErrorKind::io, path, "truncated file (" + std::to_string(f.size()) + " bytes of image data and header, the header needs " +
                                      std::to_string(need) + ")");
    if (f.size() > need)
        fail(ErrorKind::io, path, "file has " + std::to_string(f.size() - need) + " bytes after the image data the header describes");
    detail::reserve_huge(img.data, std::size_t(L.data_bytes));
    img.data.resize(std::size_t(L.data_bytes));
    f.read(img.data.data(), img.data.size(), L.vox_offset);
    img.geometry = L.geometry;
    img.kind = L.kind;
    img.scaled = L.scaled;
    img.slope = L.slope;
    img.intercept = L.intercept;
    if (L.swap) byteswap_all(img.data, pixel_bytes(img.kind));
    return img;
}

// ---- NRRD -----------------------------------------------------------------------------------

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

template <class T>
std::optional<T> parse_int(std::string_view s) {
    T v{};
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// A double in full (strtod rounding, as NrrdIO's sscanf); "nan" accepted only where asked.
std::optional<double> parse_double(std::string_view s, bool allow_nan = false) {
    if (s.empty() || s.size() > 64) return std::nullopt;
    const std::string t = lower(s);
    if (t == "nan") return allow_nan ? std::optional<double>(std::nan("")) : std::nullopt;
    char* end = nullptr;
    const std::string z(s);
    errno = 0;
    const double v = std::strtod(z.c_str(), &end);
    if (end != z.c_str() + z.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// "(a,b,c)" with exactly n finite components.
std::optional<std::vector<double>> parse_vector(std::string_view s, std::size_t n) {
    s = trim(s);
    if (s.size() < 2 || s.front() != '(' || s.back() != ')') return std::nullopt;
    s = s.substr(1, s.size() - 2);
    std::vector<double> v;
    while (true) {
        const auto comma = s.find(',');
        const auto item = trim(s.substr(0, comma));
        auto d = parse_double(item);
        if (!d) return std::nullopt;
        v.push_back(*d);
        if (v.size() > n) return std::nullopt;
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    if (v.size() != n) return std::nullopt;
    return v;
}

// Splits "(a,b,c) (d,e,f) none" into per-axis items (vectors may contain spaces).
std::vector<std::string_view> vector_items(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        if (i >= s.size()) break;
        std::size_t j = i;
        if (s[i] == '(') {
            j = s.find(')', i);
            j = j == std::string_view::npos ? s.size() : j + 1;
        } else {
            while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
        }
        out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

std::optional<PixelKind> nrrd_type(std::string_view t) {
    static const std::pair<const char*, PixelKind> table[] = {
        {"signed char", PixelKind::i8}, {"int8", PixelKind::i8}, {"int8_t", PixelKind::i8},
        {"uchar", PixelKind::u8}, {"unsigned char", PixelKind::u8}, {"uint8", PixelKind::u8}, {"uint8_t", PixelKind::u8},
        {"short", PixelKind::i16}, {"short int", PixelKind::i16}, {"signed short", PixelKind::i16}, {"signed short int", PixelKind::i16},
        {"int16", PixelKind::i16}, {"int16_t", PixelKind::i16},
        {"ushort", PixelKind::u16}, {"unsigned short", PixelKind::u16}, {"unsigned short int", PixelKind::u16},
        {"uint16", PixelKind::u16}, {"uint16_t", PixelKind::u16},
        {"int", PixelKind::i32}, {"signed int", PixelKind::i32}, {"int32", PixelKind::i32}, {"int32_t", PixelKind::i32},
        {"uint", PixelKind::u32}, {"unsigned int", PixelKind::u32}, {"uint32", PixelKind::u32}, {"uint32_t", PixelKind::u32},
        {"longlong", PixelKind::i64}, {"long long", PixelKind::i64}, {"long long int", PixelKind::i64},
        {"signed long long", PixelKind::i64}, {"signed long long int", PixelKind::i64}, {"int64", PixelKind::i64}, {"int64_t", PixelKind::i64},
        {"ulonglong", PixelKind::u64}, {"unsigned long long", PixelKind::u64}, {"unsigned long long int", PixelKind::u64},
        {"uint64", PixelKind::u64}, {"uint64_t", PixelKind::u64},
        {"float", PixelKind::f32}, {"double", PixelKind::f64},
    };
    const std::string l = lower(t);
    for (const auto& [name, kind] : table)
        if (l == name) return kind;
    return std::nullopt;
}

struct NrrdHeader {
    std::optional<PixelKind> type;
    int dimension = 0;
    std::vector<std::uint64_t> sizes;
    std::string encoding, endian, space, data_file;
    int space_dim = 0;
    std::vector<std::optional<std::vector<double>>> directions;  // per axis; nullopt = "none"
    std::optional<std::vector<double>> origin;
    std::vector<double> spacings;
    std::vector<std::string> kinds;
    bool has_axis_mins = false;
    std::int64_t line_skip = 0, byte_skip = 0;
    std::size_t header_end = 0;  // offset of the data in the header file (attached data)
    std::vector<std::pair<std::string, std::string>> keys;  // "key:=value" pairs, unescaped, in file order
};

// A key/value pair's key or value with NRRD's escapes undone (backslash-n a newline, two backslashes one).
std::string unescape_key_value(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
            out += s[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else {
            out += s[i];
        }
    }
    return out;
}

void parse_ascii(const std::string& path, const std::string& shown, std::string_view text, PixelKind kind, std::uint64_t n,
                 std::vector<std::byte>& out) {
    const std::size_t w = pixel_bytes(kind);
    out.assign(std::size_t(n * w), std::byte{0});
    std::size_t i = 0, pos = 0;
    auto next = [&](std::string_view& tok) {
        while (pos < text.size() && (std::isspace(static_cast<unsigned char>(text[pos])) || text[pos] == ',')) ++pos;
        if (pos >= text.size()) return false;
        std::size_t e = pos;
        while (e < text.size() && !std::isspace(static_cast<unsigned char>(text[e])) && text[e] != ',') ++e;
        tok = text.substr(pos, e - pos);
        pos = e;
        return true;
    };
    std::string_view tok;
    for (; i < n; ++i) {
        if (!next(tok)) fail(ErrorKind::io, shown, "truncated ascii data (" + std::to_string(i) + " of " + std::to_string(n) + " values)");
        bool ok = false;
        std::byte* dst = out.data() + i * w;
        auto put_int = [&](auto zero) {
            auto v = parse_int<decltype(zero)>(tok);
            if (v) {
                std::memcpy(dst, &*v, sizeof *v);
                ok = true;
            }
        };
        switch (kind) {
            case PixelKind::u8: put_int(std::uint8_t{}); break;
            case PixelKind::i8: put_int(std::int8_t{}); break;
            case PixelKind::u16: put_int(std::uint16_t{}); break;
            case PixelKind::i16: put_int(std::int16_t{}); break;
            case PixelKind::u32: put_int(std::uint32_t{}); break;
            case PixelKind::i32: put_int(std::int32_t{}); break;
            case PixelKind::u64: put_int(std::uint64_t{}); break;
            case PixelKind::i64: put_int(std::int64_t{}); break;
            case PixelKind::f32: case PixelKind::f64: {
                const std::string z(tok.substr(0, std::min<std::size_t>(tok.size(), 64)));
                char* end = nullptr;
                if (kind == PixelKind::f32) {
                    const float v = std::strtof(z.c_str(), &end);
                    if (tok.size() <= 64 && end == z.c_str() + z.size()) {
                        std::memcpy(dst, &v, 4);
                        ok = true;
                    }
                } else {
                    const double v = std::strtod(z.c_str(), &end);
                    if (tok.size() <= 64 && end == z.c_str() + z.size()) {
                        std::memcpy(dst, &v, 8);
                        ok = true;
                    }
                }
                break;
            }
        }
        if (!ok) fail(ErrorKind::invalid_input, shown, "ascii data: value " + std::to_string(i) + " is not a " + to_string(kind));
    }
    if (next(tok)) fail(ErrorKind::io, shown, "ascii data: more values than the header's sizes describe");
    (void)path;
}

// The detached data file: a plain regular file in the header's folder or below it.
std::string resolve_data_file(const std::string& path, const std::string& name) {
    const auto field_error = [&](const std::string& why) { fail(ErrorKind::invalid_input, path, "data file " + shown_value(name) + ": " + why); };
    if (name.empty()) field_error("empty name");
    if (name.size() > kMaxDataFileName) field_error("name longer than " + std::to_string(kMaxDataFileName) + " characters");
    for (char c : name)
        if (static_cast<unsigned char>(c) < 32) field_error("control character in the name");
    if (name.rfind("LIST", 0) == 0 || name.find('%') != std::string::npos)
        field_error("LIST and %d-format forms (several data files) are not supported");
    if (name.find(' ') != std::string::npos && words(name).size() > 1) field_error("several data files are not supported");
    const fs::path rel(name);
    if (rel.is_absolute()) field_error("absolute paths are refused (the data file must be in the header's folder or below)");
    for (const auto& part : rel)
        if (part == "..") field_error("'..' is refused (the data file must be in the header's folder or below)");
    std::error_code ec;
    const fs::path dir = fs::canonical(fs::absolute(fs::path(path)).parent_path(), ec);
    if (ec) fail(ErrorKind::io, path, "cannot resolve the header's folder");
    const fs::path target = dir / rel;
    struct stat st{};
    if (::stat(target.c_str(), &st) != 0) fail(ErrorKind::io, path, "data file " + shown_value(name) + " not found");
    const fs::path real = fs::canonical(target, ec);
    if (ec) fail(ErrorKind::io, path, "data file " + shown_value(name) + " cannot be resolved");
    auto d = dir.begin();
    auto r = real.begin();
    for (; d != dir.end(); ++d, ++r)
        if (r == real.end() || *d != *r) field_error("resolves (through a link) outside the header's folder");
    if (!S_ISREG(st.st_mode)) field_error("not a regular file (FIFO, device or directory)");
    return real.string();
}

NrrdHeader parse_nrrd_header(const std::string& path, std::string_view text, bool& complete) {
    NrrdHeader H;
    if (text.size() < 8 || text.substr(0, 7) != "NRRD000" || text[7] < '1' || text[7] > '5')
        fail(ErrorKind::io, path, "not a NRRD file (magic 'NRRD0001'..'NRRD0005' missing)");
    std::size_t pos = text.find('\n');
    if (pos == std::string_view::npos) fail(ErrorKind::io, path, "truncated NRRD header");
    ++pos;
    std::vector<std::string> seen;
    complete = false;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        std::string_view line = text.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        if (line.empty()) {
            H.header_end = pos;
            complete = true;
            break;
        }
        if (line[0] == '#') continue;
        // key/value pairs ("key:=value") carry no geometry: kept as text (Slicer's segment names).
        // A key may itself contain ':'; it is a key/value line when ":=" comes before any ": ".
        const std::size_t kv = line.find(":="), fd = line.find(": ");
        if (kv != std::string_view::npos && (fd == std::string_view::npos || kv < fd)) {
            H.keys.emplace_back(unescape_key_value(line.substr(0, kv)), unescape_key_value(line.substr(kv + 2)));
            continue;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) fail(ErrorKind::io, path, "NRRD header line without a field (\"field: value\")");
        const std::string field = lower(trim(line.substr(0, colon)));
        const std::string_view value = trim(line.substr(colon + 1));
        if (std::find(seen.begin(), seen.end(), field) != seen.end())
            fail(ErrorKind::io, path, "field '" + field + "' given twice");
        seen.push_back(field);
        const auto bad = [&](const std::string& why) { fail(ErrorKind::invalid_input, path, "field '" + field + "': " + why); };
        const auto need_dim = [&] {
            if (H.dimension == 0) bad("appears before 'dimension'");
        };
        const auto per_axis = [&](std::size_t n) {
            if (n != std::size_t(H.dimension)) bad(std::to_string(n) + " entries for " + std::to_string(H.dimension) + " axes");
        };
        if (field == "type") {
            H.type = nrrd_type(value);
            if (!H.type) {
                if (lower(value) == "block") bad("type 'block' is not supported");
                bad("unknown type " + shown_value(value));
            }
        } else if (field == "dimension") {
            auto d = parse_int<int>(value);
            if (!d || *d < 1 || *d > 16) bad("must be an integer 1..16");
            H.dimension = *d;
        } else if (field == "sizes") {
            need_dim();
            const auto w = words(value);
            per_axis(w.size());
            for (auto s : w) {
                auto v = parse_int<std::uint64_t>(s);
                if (!v || *v < 1) bad("size " + shown_value(s) + " is not an integer >= 1");
                H.sizes.push_back(*v);
            }
        } else if (field == "encoding") {
            H.encoding = lower(value);
            if (H.encoding == "gz") H.encoding = "gzip";
            if (H.encoding == "txt" || H.encoding == "text") H.encoding = "ascii";
            if (H.encoding != "raw" && H.encoding != "gzip" && H.encoding != "ascii")
                fail(ErrorKind::io, path, "encoding " + shown_value(value) + " is not supported (raw, gzip, ascii)");
        } else if (field == "endian") {
            H.endian = lower(value);
            if (H.endian != "little" && H.endian != "big") bad("must be 'little' or 'big'");
        } else if (field == "space") {
            if (H.space_dim) bad("given together with 'space dimension'");
            const std::string s = lower(value);
            static const std::pair<const char*, const char*> names[] = {
                {"right-anterior-superior", "ras"}, {"ras", "ras"}, {"left-anterior-superior", "las"}, {"las", "las"},
                {"left-posterior-superior", "lps"}, {"lps", "lps"}, {"scanner-xyz", "xyz"}, {"3d-right-handed", "xyz"},
                {"3d-left-handed", "xyz"}};
            for (const auto& [n, v] : names)
                if (s == n) H.space = v;
            if (H.space.empty()) bad("space " + shown_value(value) + " is not supported (3-D spaces only)");
            H.space_dim = 3;
        } else if (field == "space dimension") {
            if (H.space_dim) bad("given together with 'space'");
            auto d = parse_int<int>(value);
            if (!d || *d < 1 || *d > 3) bad("must be 1..3");
            H.space_dim = *d;
            H.space = "none";
        } else if (field == "space directions") {
            need_dim();
            if (H.space_dim == 0) bad("appears before 'space' or 'space dimension'");
            const auto items = vector_items(value);
            per_axis(items.size());
            for (auto it : items) {
                if (lower(it) == "none") {
                    H.directions.emplace_back(std::nullopt);
                    continue;
                }
                auto v = parse_vector(it, std::size_t(H.space_dim));
                if (!v) bad("entry " + shown_value(it) + " is not a vector of " + std::to_string(H.space_dim) + " finite numbers");
                for (double x : *v)
                    if (std::abs(x) > kMaxCoordinate) bad("entry " + shown_value(it) + " has a component beyond 1e9");
                H.directions.emplace_back(std::move(*v));
            }
        } else if (field == "space origin") {
            if (H.space_dim == 0) bad("appears before 'space' or 'space dimension'");
            auto v = parse_vector(value, std::size_t(H.space_dim));
            if (!v) bad("is not a vector of " + std::to_string(H.space_dim) + " finite numbers");
            H.origin = std::move(*v);
        } else if (field == "spacings") {
            need_dim();
            const auto w = words(value);
            per_axis(w.size());
            for (auto s : w) {
                auto v = parse_double(s, true);
                if (!v) bad("entry " + shown_value(s) + " is not a number");
                H.spacings.push_back(*v);
            }
        } else if (field == "kinds") {
            need_dim();
            // Kinds are single words except the spelled-out ones NRRD defines with spaces: none have spaces.
            const auto w = words(value);
            per_axis(w.size());
            for (auto s : w) H.kinds.push_back(lower(s));
        } else if (field == "data file" || field == "datafile") {
            H.data_file = std::string(value);
        } else if (field == "line skip" || field == "lineskip") {
            auto v = parse_int<std::int64_t>(value);
            if (!v || *v < 0 || *v > 1000000) bad("must be an integer 0..1000000");
            H.line_skip = *v;
        } else if (field == "byte skip" || field == "byteskip") {
            auto v = parse_int<std::int64_t>(value);
            if (!v || *v < -1 || *v > (std::int64_t(1) << 40)) bad("must be -1 or an integer >= 0");
            H.byte_skip = *v;
        } else if (field == "axis mins" || field == "axismins") {
            H.has_axis_mins = true;
        } else if (field == "content" || field == "thicknesses" || field == "axis maxs" || field == "axismaxs" || field == "centers" ||
                   field == "centerings" || field == "labels" || field == "units" || field == "space units" || field == "sample units" ||
                   field == "sampleunits" || field == "min" || field == "max" || field == "old min" || field == "oldmin" ||
                   field == "old max" || field == "oldmax" || field == "measurement frame" || field == "number" ||
                   field == "block size" || field == "blocksize") {
            // Descriptive fields with no effect on voxels or geometry.
        } else {
            fail(ErrorKind::io, path, "unknown NRRD field " + shown_value(field));
        }
    }
    if (!complete) H.header_end = text.size();  // no blank line: valid only for a whole detached header
    return H;
}

// `layers`: null for read_native_image; else a first axis of kind "list" (Slicer's segmentation
// layers) is accepted and its size stored there (1 without one), the values of a voxel's layers
// consecutive in the data.
NativeImage read_nrrd(const std::string& path, std::uint64_t* layers = nullptr, NrrdHeader* header = nullptr) {
    File f(path, path);
    const std::size_t head_n = std::size_t(std::min<std::uint64_t>(f.size(), kMaxNrrdHeader));
    std::string head(head_n, '\0');
    f.read(head.data(), head_n, 0);
    bool complete = false;
    NrrdHeader H = parse_nrrd_header(path, head, complete);
    const bool detached = !H.data_file.empty();
    if (!complete && !(detached && head_n == f.size()))
        fail(ErrorKind::io, path, head_n == kMaxNrrdHeader ? "NRRD header longer than 1 MiB" : "truncated NRRD header (no blank line before the data)");
    if (!H.type) fail(ErrorKind::io, path, "field 'type' missing");
    if (H.dimension == 0) fail(ErrorKind::io, path, "field 'dimension' missing");
    if (H.sizes.empty()) fail(ErrorKind::io, path, "field 'sizes' missing");
    if (H.encoding.empty()) fail(ErrorKind::io, path, "field 'encoding' missing");
    const PixelKind kind = *H.type;
    const std::size_t w = pixel_bytes(kind);
    if (w > 1 && H.encoding != "ascii" && H.endian.empty()) fail(ErrorKind::io, path, "field 'endian' missing (needed for " + std::string(to_string(kind)) + ")");

    // Domain axes (kinds domain/space/time or unknown) and at most one range axis, which must be a
    // single scalar (NrrdImageIO would read anything else as a vector/colour/tensor pixel).
    std::vector<int> domain;
    std::uint64_t list_size = 1;
    for (int a = 0; a < H.dimension; ++a) {
        const std::string k = H.kinds.empty() ? "domain" : H.kinds[std::size_t(a)];
        if (k == "domain" || k == "space" || k == "time" || k == "???" || k == "none") {
            domain.push_back(a);
        } else if ((k == "scalar" || k == "stub") && H.sizes[std::size_t(a)] == 1) {
            // a size-1 scalar axis changes nothing
        } else if (layers && a == 0 && k == "list") {
            list_size = H.sizes[0];
        } else {
            const bool slicer = std::any_of(H.keys.begin(), H.keys.end(), [](const auto& kv) { return kv.first == "Segment0_ID"; });
            fail(ErrorKind::invalid_input, path, "kinds: axis " + std::to_string(a) + " of kind " + shown_value(k) +
                                                     (slicer ? " (a 3D Slicer segmentation in layers) is read as a mask by segment name only (FILE.seg.nrrd#NAME)"
                                                             : " (vector, colour or tensor pixels) is not supported; radhpc reads scalar (grey-level) images only"));
        }
    }
    if (H.dimension - int(domain.size()) > 1) fail(ErrorKind::invalid_input, path, "kinds: more than one non-domain axis");
    if (domain.size() < 2 || domain.size() > 3)
        fail(ErrorKind::invalid_input, path, "dimension: " + std::to_string(domain.size()) + "-D images are not supported");
    if (H.space_dim && H.space_dim != int(domain.size()))
        fail(ErrorKind::invalid_input, path, "space dimension " + std::to_string(H.space_dim) + " differs from the " +
                                                 std::to_string(domain.size()) + " domain axes");
    if (H.has_axis_mins && !H.space_dim) fail(ErrorKind::io, path, "field 'axis mins' without a space is not supported");

    Geometry g;
    std::uint64_t sz[3] = {1, 1, 1};
    for (std::size_t i = 0; i < domain.size(); ++i) sz[i] = H.sizes[std::size_t(domain[i])];
    std::uint64_t voxels = 1;
    check_voxels(path, "sizes", sz, 3, voxels);
    g.size = {std::size_t(sz[0]), std::size_t(sz[1]), std::size_t(sz[2])};
    if (list_size > 1) {  // all the layers' values within the same voxel limit
        const std::uint64_t all[4] = {list_size, sz[0], sz[1], sz[2]};
        std::uint64_t values = 1;
        check_voxels(path, "sizes", all, 4, values);
    }
    if (layers) *layers = list_size;
    const std::uint64_t values = voxels * list_size;
    // Geometry as NrrdImageIO: spacing = |direction|, direction = (1/spacing) * vector, RAS/LAS
    // converted to LPS; without a space, per-axis spacings and identity directions.
    const bool flip0 = H.space == "ras" || H.space == "las", flip1 = H.space == "ras";
    for (std::size_t i = 0; i < domain.size(); ++i) {
        const auto a = std::size_t(domain[i]);
        const bool has_spacing = !H.spacings.empty() && !std::isnan(H.spacings[a]);
        if (H.space_dim) {
            if (has_spacing) fail(ErrorKind::invalid_input, path, "spacings: axis " + std::to_string(a) + " has a spacing although a space is defined (use space directions)");
            if (H.directions.empty() || !H.directions[a])
                fail(ErrorKind::invalid_input, path, "space directions: domain axis " + std::to_string(a) + " has no direction");
            const auto& v = *H.directions[a];
            double nn = 0;
            for (int d = 0; d < H.space_dim; ++d) nn += v[std::size_t(d)] * v[std::size_t(d)];
            const double spacing = std::sqrt(nn);
            g.spacing[i] = spacing;
            for (int d = 0; d < H.space_dim; ++d) {
                double c = (1.0 / spacing) * v[std::size_t(d)];
                if ((d == 0 && flip0) || (d == 1 && flip1)) c *= -1;
                g.direction[3 * std::size_t(d) + i] = c;
            }
            for (int d = H.space_dim; d < 3; ++d) g.direction[3 * std::size_t(d) + i] = 0.0;
        } else {
            if (!H.directions.empty()) fail(ErrorKind::invalid_input, path, "space directions without a space");
            if (has_spacing) g.spacing[i] = H.spacings[a];
        }
    }
    if (H.space_dim && H.origin) {
        for (int d = 0; d < H.space_dim; ++d) {
            double c = (*H.origin)[std::size_t(d)];
            if ((d == 0 && flip0) || (d == 1 && flip1)) c *= -1;
            g.origin[std::size_t(d)] = c;
        }
    }
    check_geometry(path, "NRRD header", g);

    const std::uint64_t data_bytes = values * w;
    const std::string data_path = detached ? resolve_data_file(path, H.data_file) : path;
    std::optional<File> other;
    if (detached) other.emplace(data_path, path + " (data file)");
    const File& df = detached ? *other : f;
    std::uint64_t offset = detached ? 0 : H.header_end;
    // line skip: whole lines of the data file before the data (bounded count, read in chunks).
    for (std::int64_t l = 0; l < H.line_skip; ++l) {
        char c = 0;
        do {
            if (offset >= df.size()) fail(ErrorKind::io, path, "line skip: beyond the end of the data file");
            df.read(&c, 1, offset++);
        } while (c != '\n');
    }
    NativeImage img;
    img.geometry = g;
    img.kind = kind;
    if (H.encoding == "raw") {
        if (H.byte_skip == -1) {
            if (df.size() < offset + data_bytes) fail(ErrorKind::io, path, "truncated file (data needs " + std::to_string(data_bytes) + " bytes)");
            offset = df.size() - data_bytes;
        } else {
            offset += std::uint64_t(H.byte_skip);
        }
        if (df.size() < offset + data_bytes)
            fail(ErrorKind::io, path, "truncated file (" + std::to_string(df.size() > offset ? df.size() - offset : 0) + " bytes of data, the header needs " +
                                          std::to_string(data_bytes) + ")");
        if (df.size() > offset + data_bytes)
            fail(ErrorKind::io, path, "data is followed by " + std::to_string(df.size() - offset - data_bytes) + " bytes the header does not describe");
        detail::reserve_huge(img.data, std::size_t(data_bytes));
        img.data.resize(std::size_t(data_bytes));
        df.read(img.data.data(), img.data.size(), offset);
    } else if (H.encoding == "gzip") {
        if (H.byte_skip < 0) fail(ErrorKind::invalid_input, path, "byte skip -1 is only valid with raw encoding");
        const auto packed = df.read_all_from(offset);
        const std::uint64_t total = data_bytes + std::uint64_t(H.byte_skip);
        if (total > kMaxDeflateRatio * packed.size() + 1024)
            fail(ErrorKind::io, path, "truncated file: the header needs " + std::to_string(total) + " bytes, more than " +
                                          std::to_string(packed.size()) + " compressed bytes can hold");
        detail::reserve_huge(img.data, std::size_t(total));
        img.data.resize(std::size_t(total));
        gunzip_exact(path, "NRRD data", packed.data(), packed.size(), img.data.data(), img.data.size());
        if (H.byte_skip > 0) {
            std::memmove(img.data.data(), img.data.data() + H.byte_skip, std::size_t(data_bytes));
            img.data.resize(std::size_t(data_bytes));
        }
    } else {  // ascii
        if (H.byte_skip != 0) fail(ErrorKind::invalid_input, path, "byte skip is not valid with ascii encoding");
        if (df.size() - offset > 64 * data_bytes + 4096) fail(ErrorKind::io, path, "ascii data much longer than the header's sizes describe");
        const auto text = df.read_all_from(offset);
        parse_ascii(data_path, path, std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), kind, values, img.data);
        if (header) *header = std::move(H);
        return img;
    }
    const bool big = H.endian == "big";
    if (w > 1 && big != (std::endian::native == std::endian::big)) byteswap_all(img.data, w);
    if (header) *header = std::move(H);
    return img;
}

}  // namespace

NrrdLayers read_nrrd_layers(const std::string& path) {
    if (!(ends_with(path, ".nrrd") || ends_with(path, ".nhdr"))) throw Error(ErrorKind::io, path + ": not a NRRD (.nrrd, .nhdr) file");
    NrrdLayers out;
    std::uint64_t layers = 1;
    NrrdHeader H;
    out.image = read_nrrd(path, &layers, &H);
    out.layers = std::size_t(layers);
    out.keys = std::move(H.keys);
    return out;
}

bool has_native_reader(const std::string& path) {
    return ends_with(path, ".nii") || ends_with(path, ".nii.gz") || ends_with(path, ".nrrd") || ends_with(path, ".nhdr");
}

NativeImage read_native_image(const std::string& path) {
    if (ends_with(path, ".nii") || ends_with(path, ".nii.gz")) return read_nifti(path);
    if (ends_with(path, ".nrrd") || ends_with(path, ".nhdr")) return read_nrrd(path);
    throw Error(ErrorKind::io, path + ": not a NIfTI (.nii, .nii.gz) or NRRD (.nrrd, .nhdr) file");
}

}  // namespace radhpc::io
