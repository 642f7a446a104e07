// radhpc.featureextractor and radhpc.extract (python/radhpc, the pybind11 module radhpc._core; issue 19),
// run with Debian's /usr/bin/python3 by tests/python/check_extractor.py: PyRadiomics parameter files on
// brain1, breast1 and the IBSI CT phantom give exactly the CLI's values (the CLI is itself tested against
// PyRadiomics 3.1's baseline); the diagnostics equal PyRadiomics' own baseline columns (image SHA-1,
// bounding box, centre of mass); NumPy input equals file input; bad input raises RadhpcError with the
// error kind; two threads give the values of one; another Python thread runs during an extraction.
#include <catch2/catch.hpp>

#include "common/test_util.hpp"

namespace fs = std::filesystem;
using testutil::sh;
using testutil::slurp;

TEST_CASE("radhpc.featureextractor equals the CLI and PyRadiomics' diagnostics, arrays equal files, errors carry the kind, the GIL is released",
          "[python][extractor]") {
    const fs::path package = fs::path(RADHPC_PYTHON_DIR) / "radhpc";
    bool built = false;
    for (const auto& e : fs::directory_iterator(package))
        if (e.path().filename().string().rfind("_core", 0) == 0 && e.path().extension() == ".so") built = true;
    INFO("the module radhpc._core is not built in " << package << " (pybind11-dev, python3-dev: scripts/setup.sh)");
    REQUIRE(built);
    const fs::path work = testutil::scratch_dir("radhpc_pyext_", "check");
    const fs::path log = work / "check.log";
    const int rc = sh("PYTHONPATH=" + std::string(RADHPC_PYTHON_DIR) + " /usr/bin/python3 " + RADHPC_SOURCE_DIR +
                          "/tests/python/check_extractor.py " + RADHPC_BINARY + " " + RADHPC_SHARED_DATA + " " + RADHPC_SOURCE_DIR + " " +
                          work.string(),
                      log);
    INFO(slurp(log));
    CHECK(rc == 0);
    CHECK(slurp(log).find("all equal") != std::string::npos);
}
