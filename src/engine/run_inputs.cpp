// Input fingerprints and run preconditions; see run_inputs.hpp.
#include "run_inputs.hpp"

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only
#endif
#include <mpi.h>
#include <fcntl.h>
#include <oneapi/tbb/version.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "radhpc/core/error.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/pipeline/memory.hpp"
#include "radhpc/store/hash.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::engine {
namespace fs = std::filesystem;

namespace {

std::int64_t mtime_of(const struct stat& sb) { return std::int64_t(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec; }

std::vector<fs::path> files_below(const std::string& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

InputState input_state(const std::string& path) {
    InputState st;
    struct stat sb;
    if (::stat(path.c_str(), &sb) != 0) return st;
    if (S_ISREG(sb.st_mode)) return {true, std::uint64_t(sb.st_size), mtime_of(sb)};
    if (!S_ISDIR(sb.st_mode)) return st;
    std::error_code ec;
    for (const auto& f : files_below(path))
        if (::stat(f.c_str(), &sb) == 0) {
            st.size += std::uint64_t(sb.st_size);
            st.mtime_ns = std::max(st.mtime_ns, mtime_of(sb));
        }
    st.exists = true;
    return st;
}

std::string input_checksum(const std::string& path) {
    if (!fs::is_directory(path)) return store::file_checksum(path);
    std::string list;
    for (const auto& f : files_below(path))
        list += fs::relative(f, path).string() + '\0' + store::file_checksum(f.string()) + '\n';
    return store::to_hex(store::xxh64(list.data(), list.size()));
}

std::string libraries_text() {
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi, &len);
    std::string m(mpi, std::size_t(len));
    if (auto nl = m.find_first_of(",\n"); nl != std::string::npos) m.resize(nl);
    return store::hdf5_version() + "; " + m + "; oneTBB " + TBB_VERSION_STRING + "; zlib " + zlibVersion() + "; " +
           io::library_versions();
}

double default_memory_budget_mb(int ranks_on_node) {
    return pipeline::node_memory_mb(pipeline::NodeMemory::total) / std::max(1, ranks_on_node);
}

std::pair<int, int> parse_shard(const std::string& s) {
    const auto slash = s.find('/');
    try {
        if (slash != std::string::npos) {
            const int i = std::stoi(s.substr(0, slash)), n = std::stoi(s.substr(slash + 1));
            if (n >= 1 && i >= 0 && i < n) return {i, n};
        }
    } catch (...) {
    }
    throw Error(ErrorKind::settings, "--shard " + s + ": expected I/N with 0 <= I < N");
}

std::string make_run_id() {
    std::random_device rd;
    const auto t = std::chrono::system_clock::now().time_since_epoch();
    return store::to_hex(store::xxh64(&t, sizeof t, (std::uint64_t(rd()) << 32) ^ rd())).substr(0, 12);
}

void check_store_writable(const std::string& store) {
    std::error_code ec;
    fs::create_directories(store, ec);
    if (ec) throw Error(ErrorKind::io, "store " + store + ": cannot create the store directory: " + ec.message() + "; nothing was computed");
    const fs::path probe = fs::path(store) / (".tmp-probe-" + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const char block[4096] = {};
    const bool ok = fd >= 0 && ::write(fd, block, sizeof block) == ssize_t(sizeof block) && ::fsync(fd) == 0;
    const int err = errno;
    if (fd >= 0) ::close(fd);
    fs::remove(probe, ec);
    if (!ok)
        throw Error(ErrorKind::io, "store " + store + ": the store directory is not writable: " + std::strerror(err) +
                                       "; nothing was computed");
}

}  // namespace radhpc::engine
