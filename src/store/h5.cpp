#include "h5.hpp"

#include <algorithm>
#include <mutex>

#include "radhpc/core/error.hpp"

namespace radhpc::store::h5 {
namespace {

// HDF5's own error stack printing is replaced by our exceptions naming the object.
void silence_hdf5() {
    static std::once_flag once;
    std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

[[noreturn]] void fail(const std::string& what) { throw Error(ErrorKind::io, "HDF5: " + what); }

void check(herr_t status, const std::string& what) {
    if (status < 0) fail(what);
}

Id string_type() {
    Id t(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
    check(H5Tset_size(t, H5T_VARIABLE), "string type size");
    check(H5Tset_cset(t, H5T_CSET_UTF8), "string type charset");
    return t;
}

Id dataspace_1d(std::size_t n) {
    const hsize_t dims[1] = {n};
    return Id(H5Screate_simple(1, dims, nullptr), H5Sclose, "dataspace");
}

bool exists(hid_t group, const std::string& name) { return H5Lexists(group, name.c_str(), H5P_DEFAULT) > 0; }

template <class T>
void write_plain(hid_t group, const std::string& name, const std::vector<T>& values, hid_t file_type, hid_t mem_type) {
    Id space = dataspace_1d(values.size());
    Id ds(H5Dcreate2(group, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Dclose, name);
    if (!values.empty()) check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "write " + name);
}

template <class T>
std::vector<T> read_plain(hid_t group, const std::string& name, hid_t mem_type) {
    if (!exists(group, name)) return {};
    Id ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, name);
    Id space(H5Dget_space(ds), H5Sclose, name);
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0) fail("extent of " + name);
    std::vector<T> out(static_cast<std::size_t>(n));
    if (n > 0) check(H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read " + name);
    return out;
}

}  // namespace

Id::Id(hid_t id, herr_t (*close)(hid_t), const std::string& what) : id_(id), close_(close) {
    if (id_ < 0) fail(what);
}

Id& Id::operator=(Id&& o) noexcept {
    if (this != &o) {
        if (id_ >= 0 && close_) close_(id_);
        id_ = o.id_;
        close_ = o.close_;
        o.id_ = -1;
    }
    return *this;
}

Id::~Id() {
    if (id_ >= 0 && close_) close_(id_);
}

Id create_file(const std::string& path) {
    silence_hdf5();
    return Id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose,
              "cannot create " + path + " (on a file system without POSIX locks set HDF5_USE_FILE_LOCKING=FALSE)");
}

Id create_memory_file() {
    silence_hdf5();
    Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties");
    check(H5Pset_fapl_core(fapl, 1 << 20, /*backing_store=*/0), "core driver");
    return Id(H5Fcreate("radhpc-in-memory.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose, "cannot create an in-memory HDF5 file");
}

std::vector<char> file_image(hid_t file) {
    check(H5Fflush(file, H5F_SCOPE_GLOBAL), "flush in-memory file");
    const ssize_t n = H5Fget_file_image(file, nullptr, 0);
    if (n < 0) fail("size of the file image");
    std::vector<char> out(static_cast<std::size_t>(n));
    if (H5Fget_file_image(file, out.data(), out.size()) != n) fail("file image");
    return out;
}

Id open_file(const std::string& path) {
    silence_hdf5();
    return Id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
              "cannot open " + path + " (not an HDF5 file, or locked: see HDF5_USE_FILE_LOCKING)");
}

Id create_group(hid_t parent, const std::string& name) {
    return Id(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose, "group " + name);
}

Id open_group_if_exists(hid_t parent, const std::string& name) {
    if (!exists(parent, name)) return Id();
    return Id(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose, "group " + name);
}

void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values) {
    Id type = string_type();
    std::vector<const char*> ptrs(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) ptrs[i] = values[i].c_str();
    write_plain(group, name, ptrs, type, type);
}

void write_f64(hid_t group, const std::string& name, const std::vector<double>& values) {
    write_plain(group, name, values, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
}

void write_i64(hid_t group, const std::string& name, const std::vector<std::int64_t>& values) {
    write_plain(group, name, values, H5T_STD_I64LE, H5T_NATIVE_INT64);
}

void write_matrix(hid_t group, const std::string& name, const std::vector<double>& values, std::size_t rows,
                  std::size_t cols, bool compress) {
    const hsize_t dims[2] = {rows, cols};
    Id space(H5Screate_simple(2, dims, nullptr), H5Sclose, "dataspace " + name);
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "dcpl");
    if (compress && rows > 0 && cols > 0) {
        // Chunks of whole rows (up to 64 KiB x a few): a reader slicing rows or columns touches few chunks.
        const hsize_t chunk_cols = std::min<hsize_t>(cols, 1024);
        const hsize_t chunk_rows = std::max<hsize_t>(1, std::min<hsize_t>(rows, 65536 / chunk_cols));
        const hsize_t chunk[2] = {chunk_rows, chunk_cols};
        check(H5Pset_chunk(dcpl, 2, chunk), "chunk " + name);
        check(H5Pset_shuffle(dcpl), "shuffle " + name);
        check(H5Pset_deflate(dcpl, 4), "deflate " + name);
    }
    Id ds(H5Dcreate2(group, name.c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose, name);
    if (!values.empty()) check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "write " + name);
}

void write_attr_string(hid_t object, const std::string& name, const std::string& value) {
    Id type = string_type();
    Id space(H5Screate(H5S_SCALAR), H5Sclose, "scalar");
    Id attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, "attribute " + name);
    const char* p = value.c_str();
    check(H5Awrite(attr, type, &p), "write attribute " + name);
}

void write_attr_i64(hid_t object, const std::string& name, std::int64_t value) {
    Id space(H5Screate(H5S_SCALAR), H5Sclose, "scalar");
    Id attr(H5Acreate2(object, name.c_str(), H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
            "attribute " + name);
    check(H5Awrite(attr, H5T_NATIVE_INT64, &value), "write attribute " + name);
}

std::vector<std::string> read_strings(hid_t group, const std::string& name) {
    if (!exists(group, name)) return {};
    Id type = string_type();
    Id ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, name);
    Id space(H5Dget_space(ds), H5Sclose, name);
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0) fail("extent of " + name);
    std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
    if (n > 0) check(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "read " + name);
    std::vector<std::string> out;
    out.reserve(ptrs.size());
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    if (n > 0) H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
    return out;
}

std::vector<double> read_f64(hid_t group, const std::string& name) { return read_plain<double>(group, name, H5T_NATIVE_DOUBLE); }

std::vector<std::int64_t> read_i64(hid_t group, const std::string& name) {
    return read_plain<std::int64_t>(group, name, H5T_NATIVE_INT64);
}

std::vector<double> read_matrix(hid_t group, const std::string& name, std::size_t& rows, std::size_t& cols) {
    rows = cols = 0;
    if (!exists(group, name)) return {};
    Id ds(H5Dopen2(group, name.c_str(), H5P_DEFAULT), H5Dclose, name);
    Id space(H5Dget_space(ds), H5Sclose, name);
    hsize_t dims[2] = {0, 0};
    if (H5Sget_simple_extent_ndims(space) != 2) fail(name + " is not two-dimensional");
    H5Sget_simple_extent_dims(space, dims, nullptr);
    rows = dims[0];
    cols = dims[1];
    std::vector<double> out(rows * cols);
    if (!out.empty()) check(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), "read " + name);
    return out;
}

std::string read_attr_string(hid_t object, const std::string& name) {
    if (H5Aexists(object, name.c_str()) <= 0) return {};
    Id type = string_type();
    Id attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
    char* p = nullptr;
    check(H5Aread(attr, type, &p), "read attribute " + name);
    std::string out = p ? p : "";
    H5free_memory(p);
    return out;
}

std::int64_t read_attr_i64(hid_t object, const std::string& name, std::int64_t fallback) {
    if (H5Aexists(object, name.c_str()) <= 0) return fallback;
    Id attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
    std::int64_t v = fallback;
    check(H5Aread(attr, H5T_NATIVE_INT64, &v), "read attribute " + name);
    return v;
}

}  // namespace radhpc::store::h5
