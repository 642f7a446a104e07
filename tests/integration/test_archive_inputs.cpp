// Issue 12: archive inputs that failed. (1) A DICOM CT series with a label-file mask written by another
// tool (NIfTI stores origin and spacing as float32, so the grids agree only within rounding): the
// input check accepts the pair within input.geometry_tolerance, and from then on the mask is on the
// image's grid, so no later internal check can reject it.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

namespace {
const std::string kCt = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/";

Settings config(const std::string& name) { return io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/" + name).settings; }
}  // namespace

TEST_CASE("DICOM series with a NIfTI label mask within the geometry tolerance", "[geometry][archive]") {
    for (const char* job : {"config-A.yaml", "config-C.yaml"}) {
        const Settings s = config(job);
        pipeline::LesionInput in;
        in.image = io::read_image_input(kCt + "dicom/image", s.dicom, &in.pixel_type);
        in.mask = io::read_label_mask(kCt + "nifti/mask/mask.nii.gz", 1);
        // the premise: the grids differ (float32 header rounding) but lie within the tolerance
        REQUIRE(same_grid(in.image.geometry, in.mask.geometry, s.geometry_tolerance));
        REQUIRE_FALSE(identical_grid(in.image.geometry, in.mask.geometry));
        INFO(job);
        pipeline::LesionResult as_given;
        REQUIRE_NOTHROW(as_given = pipeline::extract(in, s));
        // the same mask put on the image's grid by hand gives the same features, bit for bit
        pipeline::LesionInput snapped = in;
        snapped.mask.geometry = snapped.image.geometry;
        const auto expected = pipeline::extract(snapped, s);
        REQUIRE(as_given.features.size() == expected.features.size());
        REQUIRE(as_given.features.size() > 100);
        for (std::size_t i = 0; i < expected.features.size(); ++i) {
            CHECK(as_given.features[i].name == expected.features[i].name);
            CHECK(as_given.features[i].value == expected.features[i].value);
        }
        // and load() (the path of `radhpc extract` and the batch worker's) snaps in place
        const auto loaded = pipeline::load(kCt + "dicom/image", kCt + "nifti/mask/mask.nii.gz", s);
        CHECK(identical_grid(loaded.image_geometry(), loaded.mask.geometry));
        CHECK(loaded.source.i16 != nullptr);  // the DICOM CT is kept as int16
    }
}

TEST_CASE("a mask beyond the geometry tolerance is still refused", "[geometry][archive]") {
    const Settings s = config("config-A.yaml");
    pipeline::LesionInput in;
    in.image = io::read_image_input(kCt + "dicom/image", s.dicom, &in.pixel_type);
    in.mask = io::read_label_mask(kCt + "nifti/mask/mask.nii.gz", 1);
    in.mask.geometry.origin[0] += 0.01 * in.mask.geometry.spacing[0];
    try {
        pipeline::extract(in, s);
        FAIL("a mask shifted by 1% of a voxel was accepted");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::geometry_mismatch);
    }
}

// A multi-lesion study through the batch worker (one label pass, per-lesion masks from their boxes,
// one shared int16 image) gives each lesion the features `radhpc extract` gives it alone.
TEST_CASE("multi-lesion study in radhpc run equals one-lesion radhpc extract runs", "[archive][batch]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("radhpc_multi_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const std::string bin = RADHPC_BINARY, job = std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/config-C.yaml";
    auto sh = [](const std::string& cmd) { return std::system((cmd + " >/dev/null 2>&1").c_str()); };
    REQUIRE(sh(bin + " synth --studies 2 --seed 5 --out " + dir.string()) == 0);
    REQUIRE(sh(bin + " run " + job + " --manifest " + (dir / "manifest.csv").string() + " --store " + (dir / "store").string()) == 0);
    REQUIRE(sh(bin + " export " + (dir / "store").string() + " --out " + (dir / "all.csv").string()) == 0);
    auto read_lines = [](const fs::path& p) {
        std::ifstream in(p);
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) lines.push_back(l);
        return lines;
    };
    auto split = [](const std::string& l) {
        std::vector<std::string> out;
        std::stringstream ss(l);
        for (std::string c; std::getline(ss, c, ',');) out.push_back(c);
        return out;
    };
    const auto table = read_lines(dir / "all.csv");
    REQUIRE(table.size() >= 4);
    const auto header = split(table[0]);
    int lesions = 0;
    for (std::size_t r = 1; r < table.size(); ++r) {
        const auto row = split(table[r]);
        if (row[0] != "S0002") continue;  // the 4-lesion study
        const std::string label = row[2];
        const fs::path one = dir / ("one_" + label + ".csv");
        REQUIRE(sh(bin + " extract --image " + (dir / "images/S0002.nii.gz").string() + " --mask " +
                   (dir / "masks/S0002_labels.nii.gz").string() + " --label " + label + " --settings " + job + " --out " + one.string()) == 0);
        std::map<std::string, double> alone;
        for (const auto& l : read_lines(one)) {
            const auto c = split(l);
            if (c.size() == 2 && c[0] != "feature") alone[c[0]] = std::strtod(c[1].c_str(), nullptr);
        }
        std::size_t compared = 0;
        for (std::size_t k = 4; k < header.size() && k < row.size(); ++k) {
            if (!alone.count(header[k])) continue;
            INFO("label " << label << " " << header[k]);
            CHECK(std::strtod(row[k].c_str(), nullptr) == alone[header[k]]);
            ++compared;
        }
        CHECK(compared > 100);
        ++lesions;
    }
    CHECK(lesions == 4);
    fs::remove_all(dir);
}
