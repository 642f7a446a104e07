// Shared helpers of the DICOM tests: phantom paths, scratch folders with copies of phantom files.
#pragma once
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "radhpc/io/dicom.hpp"

namespace radhpc::io {
std::string sha256_hex_for_tests(const std::string& message);
}

namespace dicomtest {

namespace fs = std::filesystem;

inline const std::string kPhantom = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom";
inline const std::string kSource = RADHPC_SOURCE_DIR;

// A fresh folder under the system temp dir, removed when the object goes out of scope.
struct ScratchDir {
    fs::path path;
    explicit ScratchDir(const std::string& name) {
        static std::atomic<int> counter{0};
        path = fs::temp_directory_path() /
               ("radhpc_dicom_" + name + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string str() const { return path.string(); }
};

// Copies the phantom's 60 CT slices into `dest` (optionally under new names).
inline void copy_phantom_series(const fs::path& dest) {
    fs::create_directories(dest);
    for (const auto& e : fs::directory_iterator(kPhantom + "/dicom/image")) fs::copy_file(e.path(), dest / e.path().filename());
}

inline std::string slice_name(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "DCM_IMG_%05d.dcm", i);
    return buf;
}

inline std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs a shell command, returns its exit status (stdout/stderr go to `log` when given).
inline int run(const std::string& cmd, const std::string& log = "") {
    const std::string full = log.empty() ? cmd + " >/dev/null 2>&1" : cmd + " >" + log + " 2>&1";
    const int rc = std::system(full.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The IBSI CT phantom's DICOM series, read once (the reference the codec and semantics tests compare with).
inline const radhpc::io::CtSeries& phantom() {
    static const radhpc::io::CtSeries ct = radhpc::io::read_dicom_folder(kPhantom + "/dicom/image");
    return ct;
}

// Runs `command IN OUT` (a converter such as "dcmcrle" or "gdcmconv -U --j2k") over every .dcm slice
// of `from`, writing dir/<name>/<slice>; fails the test when any slice fails.
inline fs::path converted_slices(const fs::path& dir, const std::string& name, const std::string& command, const fs::path& from) {
    const fs::path out = dir / name;
    fs::create_directories(out);
    const std::string cmd = "for f in " + from.string() + "/*.dcm; do " + command + " \"$f\" " + out.string() +
                            "/$(basename \"$f\") || exit 1; done";
    REQUIRE(run(cmd) == 0);
    return out;
}

}  // namespace dicomtest
