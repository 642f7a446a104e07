// Small RAII and table helpers over the HDF5 C API (private to the store layer).
#pragma once
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only (parallel HDF5 and Open MPI headers pull in the C++ bindings otherwise)
#endif
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace radhpc::store::h5 {

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Id {
public:
    Id() = default;
    Id(hid_t id, herr_t (*close)(hid_t), const std::string& what);
    Id(const Id&) = delete;
    Id& operator=(const Id&) = delete;
    Id(Id&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
    Id& operator=(Id&& o) noexcept;
    ~Id();
    operator hid_t() const { return id_; }

private:
    hid_t id_ = -1;
    herr_t (*close_)(hid_t) = nullptr;
};

Id create_file(const std::string& path);
Id open_file(const std::string& path);
// A file built in memory (HDF5 core driver, no backing store); file_image() returns its bytes.
// Writers put those bytes on disk themselves, so a full or failing file system is a plain errno
// and never leaves HDF5 holding a half-closed file (which crashed the library's shutdown).
Id create_memory_file();
std::vector<char> file_image(hid_t file);
Id create_group(hid_t parent, const std::string& name);
// Opens a group; an invalid Id (< 0) when it does not exist.
Id open_group_if_exists(hid_t parent, const std::string& name);

void write_strings(hid_t group, const std::string& name, const std::vector<std::string>& values);
void write_f64(hid_t group, const std::string& name, const std::vector<double>& values);
void write_i64(hid_t group, const std::string& name, const std::vector<std::int64_t>& values);
// rows x cols row-major float64, chunked and compressed (shuffle + deflate).
void write_matrix(hid_t group, const std::string& name, const std::vector<double>& values, std::size_t rows,
                  std::size_t cols, bool compress = true);
void write_attr_string(hid_t object, const std::string& name, const std::string& value);
void write_attr_i64(hid_t object, const std::string& name, std::int64_t value);

// Readers return empty vectors when the dataset does not exist (older layouts).
std::vector<std::string> read_strings(hid_t group, const std::string& name);
std::vector<double> read_f64(hid_t group, const std::string& name);
std::vector<std::int64_t> read_i64(hid_t group, const std::string& name);
std::vector<double> read_matrix(hid_t group, const std::string& name, std::size_t& rows, std::size_t& cols);
std::string read_attr_string(hid_t object, const std::string& name);
std::int64_t read_attr_i64(hid_t object, const std::string& name, std::int64_t fallback);

// Tables are stored by column: get(item) of every item, as Out (by default what get returns).
template <class Out = void, class T, class F>
auto column_of(const std::vector<T>& items, F get) {
    using V = std::conditional_t<std::is_void_v<Out>, std::decay_t<std::invoke_result_t<F&, const T&>>, Out>;
    std::vector<V> out;
    out.reserve(items.size());
    for (const auto& it : items) out.push_back(static_cast<V>(get(it)));
    return out;
}

// Row i of a column read back, or `fallback` when the column is shorter or absent (older layouts).
template <class T>
T at_or(const std::vector<T>& v, std::size_t i, T fallback) {
    return i < v.size() ? v[i] : fallback;
}

// A one-element dataset's value; 0 / "" when absent (older layouts).
inline double read_scalar_f64(hid_t group, const std::string& name) { return at_or(read_f64(group, name), 0, 0.0); }
inline std::int64_t read_scalar_i64(hid_t group, const std::string& name) { return at_or<std::int64_t>(read_i64(group, name), 0, 0); }
inline std::string read_scalar_string(hid_t group, const std::string& name) { return at_or(read_strings(group, name), 0, std::string()); }

}  // namespace radhpc::store::h5
