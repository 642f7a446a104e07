// `radhpc extract` with filtered images (job key `filters`): the phase-2 job files write the 18
// stat_* values of the one filtered image under the plain IBSI tags; with the original image as
// well, each filtered image's features are "<filter name>_<tag>" and the original's are unchanged.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

const std::string kData = RADHPC_SHARED_DATA;
const std::string kSource = RADHPC_SOURCE_DIR;
const std::string kCt = "--image " + kData + "/ibsi1/ct_phantom/nifti/image/phantom.nii.gz --mask " + kData +
                        "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz";

int run(const std::string& args) { return WEXITSTATUS(std::system((std::string(RADHPC_BINARY) + " -q " + args + " 2>&1").c_str())); }

// name -> value text, in file order
std::vector<std::pair<std::string, std::string>> read_out(const fs::path& p) {
    std::ifstream in(p);
    std::vector<std::pair<std::string, std::string>> rows;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        const auto c = line.rfind(',');
        rows.emplace_back(line.substr(0, c), line.substr(c + 1));
    }
    return rows;
}

}  // namespace

TEST_CASE("extract: a phase-2 job writes the filtered image's 18 stat features under the plain tags", "[integration][filters]") {
    const fs::path dir = fs::temp_directory_path() / ("radhpc_filters_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    REQUIRE(run("extract " + kCt + " --settings " + kSource + "/jobs/ibsi2/phase2-3.A.yaml --names ibsi --out " + (dir / "3A.csv").string()) == 0);
    const auto rows = read_out(dir / "3A.csv");
    REQUIRE(rows.size() == 18);
    CHECK(rows.front().first == "stat_mean");
    CHECK(rows.back().first == "stat_rms");

    // the same processing with the original image and two filters: names prefixed, original unchanged
    REQUIRE(run("extract " + kCt + " --settings " + kSource + "/jobs/ibsi2/phase2-1.A.yaml --names ibsi --out " + (dir / "1A.csv").string()) == 0);
    std::ifstream a(kSource + "/jobs/ibsi2/phase2-1.A.yaml");
    std::stringstream job;
    job << a.rdbuf();
    job << "filters:\n  - {name: log1.5, type: log, sigma_mm: 1.5, dim: 2D, boundary: mirror}\n"
           "  - {name: mean5, type: mean, support: 5, dim: 2D}\n";
    std::ofstream(dir / "multi.yaml") << job.str();
    REQUIRE(run("extract " + kCt + " --settings " + (dir / "multi.yaml").string() + " --names ibsi --out " + (dir / "multi.csv").string()) == 0);
    const auto multi = read_out(dir / "multi.csv");
    const auto original = read_out(dir / "1A.csv");
    REQUIRE(multi.size() == 3 * 18);
    for (std::size_t i = 0; i < 18; ++i) {
        CHECK(multi[i] == original[i]);  // same text: same bits
        CHECK(multi[18 + i].first == "log1.5_" + rows[i].first);
        CHECK(multi[18 + i].second == rows[i].second);  // the filtered image computed alone (3.A)
        CHECK(multi[36 + i].first == "mean5_" + rows[i].first);
    }
    fs::remove_all(dir);
}

TEST_CASE("extract: a pyradiomics-profile filter given an IBSI filter name is refused", "[integration][filters]") {
    const fs::path dir = fs::temp_directory_path() / ("radhpc_filters_cli2_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "p.yaml") << "version: 1\nprofile: pyradiomics\nfilters: [{name: log2, type: log, sigma_mm: 2}]\n";
    CHECK(run("extract " + kCt + " --settings " + (dir / "p.yaml").string() + " --out " + (dir / "o.csv").string()) != 0);
    fs::remove_all(dir);
}
