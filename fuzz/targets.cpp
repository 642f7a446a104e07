// The fuzz entry functions (see targets.hpp). Parsers that take a path get the input written to a
// per-process scratch folder (on /dev/shm when there is one: no disk traffic per execution).
#include "targets.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/engine/manifest.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/io/slicer_seg.hpp"

namespace radhpc::fuzz {
namespace {

namespace fs = std::filesystem;

// Scratch folder of this process, removed at exit.
const fs::path& scratch() {
    static const fs::path dir = [] {
        std::error_code ec;
        fs::path base = fs::exists("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
        fs::path d = base / ("radhpc_fuzz_" + std::to_string(::getpid()));
        fs::remove_all(d, ec);
        fs::create_directories(d / "ct");
        // A fixed detached data file for NRRD headers naming `data file: d.raw` (64 bytes).
        std::ofstream raw(d / "d.raw", std::ios::binary);
        for (int i = 0; i < 64; ++i) raw.put(char(i));
        std::atexit([] {
            std::error_code e;
            fs::remove_all(scratch(), e);
        });
        return d;
    }();
    return dir;
}

std::string put(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const fs::path p = scratch() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    if (!out) std::abort();  // the harness itself failed, not the parser
    return p.string();
}

std::string text(const std::uint8_t* data, std::size_t size) { return std::string(reinterpret_cast<const char*>(data), size); }

// The grid RTSTRUCT and SEG inputs are rasterised on: 8 x 8 x 4 voxels of 1 mm at the origin, as the seeds' CT.
Geometry small_grid() {
    Geometry g;
    g.size = {8, 8, 4};
    g.spacing = {1.0, 1.0, 1.0};
    g.origin = {0.0, 0.0, 0.0};
    return g;
}

void nifti(const std::uint8_t* d, std::size_t n) {
    const auto img = io::read_native_image(put("x.nii", d, n));
    (void)img;
}

void nrrd(const std::uint8_t* d, std::size_t n) {
    const std::string path = put("x.nrrd", d, n);
    try {
        const auto img = io::read_native_image(path);
        (void)img;
    } catch (const Error&) {
        // refused as an image; the same bytes are still a candidate segmentation below
    }
    // as a 3D Slicer segmentation: key/value pairs, the list (layers) axis, every segment's mask
    const io::SlicerSegmentation seg(path);
    for (std::size_t i = 0; i < seg.segments().size(); ++i) (void)seg.mask(i);
    (void)seg.select("", false, 1);
}

// A one-file folder: discovery, then the QC pass (no pixels) and a permissive read (pixels decoded).
void dicom_ct(const std::uint8_t* d, std::size_t n) {
    put("ct/x.dcm", d, n);
    const auto found = io::discover_dicom((scratch() / "ct").string());
    for (const auto& s : found.image_series) {
        if (!s.volume_candidate()) continue;
        io::inspect_dicom_series(s);
        io::DicomReadOptions permissive;
        permissive.allow_uneven_spacing = permissive.allow_duplicates = permissive.allow_gantry_tilt = true;
        io::read_dicom_series(s, permissive);
    }
}

void rtstruct(const std::uint8_t* d, std::size_t n) {
    const std::string path = put("rt.dcm", d, n);
    const auto info = io::read_rtstruct_info(path);
    std::size_t tried = 0;
    for (const auto& roi : info.rois) {
        if (++tried > 4) break;
        io::RtStructOptions o;
        o.roi = roi.name;
        o.allow_outside = true;
        try {
            io::read_rtstruct_mask(path, small_grid(), o);
        } catch (const Error&) {
            // one ROI rejected (e.g. a duplicate name): the others are still exercised
        }
    }
    io::read_rtstruct_masks(path, small_grid(), "", false);
}

void seg(const std::uint8_t* d, std::size_t n) {
    const std::string path = put("seg.dcm", d, n);
    const auto info = io::read_seg_info(path);
    io::SegOptions o;
    if (!info.segments.empty()) o.segment = std::to_string(info.segments.front().number);
    io::read_seg_mask(path, small_grid(), o);
}

void job_yaml(const std::uint8_t* d, std::size_t n) {
    const auto job = io::parse_job_text(text(d, n), "fuzz.yaml");
    (void)job;
}

void pyradiomics_params(const std::uint8_t* d, std::size_t n) {
    const auto job = io::read_pyradiomics_params(put("params.yaml", d, n));
    (void)job;
}

void manifest(const std::uint8_t* d, std::size_t n) {
    const auto m = engine::parse_manifest(text(d, n), "manifest.csv", scratch().string());
    (void)m;
}

}  // namespace

const std::vector<Target>& targets() {
    static const std::vector<Target> all{{"nifti", nifti},       {"nrrd", nrrd},         {"dicom_ct", dicom_ct},
                                         {"rtstruct", rtstruct}, {"seg", seg},           {"job_yaml", job_yaml},
                                         {"pyradiomics_params", pyradiomics_params},     {"manifest", manifest}};
    return all;
}

const Target* find_target(const std::string& name) {
    for (const auto& t : targets())
        if (name == t.name) return &t;
    return nullptr;
}

}  // namespace radhpc::fuzz
