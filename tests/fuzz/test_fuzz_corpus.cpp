// Replays the committed fuzz regression corpus (fuzz/corpus/<target>/*) through the same entry
// functions the libFuzzer binaries call, in the normal build: every input must be parsed or refused
// with radhpc::Error -- never another exception type (a crash would end the test executable).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <iterator>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "../../fuzz/targets.hpp"
#include "radhpc/core/error.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("fuzz regression corpus: every input is parsed or refused with radhpc::Error", "[fuzz]") {
    const fs::path corpus = fs::path(RADHPC_SOURCE_DIR) / "fuzz" / "corpus";
    std::size_t replayed = 0;
    for (const auto& t : radhpc::fuzz::targets()) {
        const fs::path dir = corpus / t.name;
        if (!fs::is_directory(dir)) continue;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.') files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            const auto data = slurp(f);
            INFO(t.name << ": " << f.filename().string());
            std::string outcome = "ok";
            try {
                t.run(data.data(), data.size());
            } catch (const radhpc::Error&) {
                outcome = "ok";
            } catch (const std::exception& e) {
                outcome = std::string(typeid(e).name()) + ": " + e.what();
            }
            CHECK(outcome == "ok");
            ++replayed;
        }
    }
    // The corpus is committed with the findings; an empty one means the path is wrong, not "all good".
    REQUIRE(replayed > 0);
}

TEST_CASE("fuzz targets: one per parser, with unique names", "[fuzz]") {
    std::set<std::string> names;
    for (const auto& t : radhpc::fuzz::targets()) names.insert(t.name);
    CHECK(names == std::set<std::string>{"nifti", "nrrd", "dicom_ct", "rtstruct", "seg", "job_yaml", "pyradiomics_params", "manifest"});
}
