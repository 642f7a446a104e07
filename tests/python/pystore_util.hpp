// Helpers of the radhpc.store tests (test_python_store.cpp, test_python_store_analyses.cpp): the
// radhpc binary, Debian's python3 with h5py and pandas, and running a check_store*.py script.
#pragma once
#include <catch2/catch.hpp>

#include <string>

#include "common/test_util.hpp"

namespace pystore {
namespace fs = std::filesystem;

inline const std::string kBin = RADHPC_BINARY;
inline const std::string kPy = "/usr/bin/python3";

inline std::string script(const std::string& name) { return std::string(RADHPC_SOURCE_DIR) + "/tests/python/" + name; }

// modules: Python's import list, e.g. "h5py, pandas" (Debian's python3-h5py, python3-pandas)
inline void require_python_modules(const fs::path& dir, const std::string& modules = "h5py, pandas") {
    const int rc = testutil::sh(kPy + " -c 'import " + modules + "'", dir / "modules.log");
    INFO("Debian's python3 packages of " << modules << " are needed (scripts/setup.sh): " << testutil::slurp(dir / "modules.log"));
    REQUIRE(rc == 0);
}

// A check script's verdict: exit status 0 and "all equal"; its report is shown on failure.
inline void check(const std::string& name, const std::string& args, const fs::path& log) {
    const int rc = testutil::sh(kPy + " " + script(name) + " " + kBin + " " + args, log);
    INFO(testutil::slurp(log));
    CHECK(rc == 0);
    CHECK(testutil::slurp(log).find("all equal") != std::string::npos);
}

}  // namespace pystore
