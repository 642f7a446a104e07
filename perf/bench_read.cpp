// Read benchmark (not a test): a 512x512x300 int16 CT written to a temporary folder as .nii.gz and as
// gzip .nrrd (ITK's writers), then read by radhpc's readers (read_native_image: stored int16;
// read_image: as double) and by ITK's (read_image_itk), against `gzip -dc FILE > /dev/null` of the
// same file as the floor. Figures: best of N runs, and ratios to gzip -dc (issue 12 target <= 1.3).
// Usage: perf_bench_read [slices=300] [runs=3]
//
// DICOM mode (issue 12: "DICOM series read time vs `cat` of its files to /dev/null"):
//   perf_bench_read --dicom FOLDER [runs=3] [threads=1,2]
// FOLDER: one CT series (e.g. `radhpc synth --size clinical --format dicom` -> dicom/<study>/ct), or
// "synthetic[:SLICES]" to write the CT above as an uncompressed series (io::write_ct_series). Times,
// per TBB thread limit: what `radhpc run` does for a DICOM study (io::find_image_series, then
// io::qc_series headers-only, io::enforce_qc and the study image read from that series) and the plain
// io::read_dicom_folder, against `cat FILES > /dev/null` (warm page cache) as the floor.
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/qc.hpp"

using namespace radhpc;
namespace fs = std::filesystem;

namespace {

double seconds(const std::function<void()>& f, int runs) {
    double best = 1e300;
    for (int r = 0; r < runs; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
}

// A CT-like volume: air outside an elliptic body, two lungs, a spine, soft tissue; noise of a few HU
// (a deterministic LCG) so the stream compresses like a real scan rather than like a constant.
Volume<std::int16_t> synthetic_ct(std::size_t nz) {
    Geometry g;
    g.size = {512, 512, nz};
    g.spacing = {0.78125, 0.78125, 1.25};
    g.origin = {-200, -200, -400};
    Volume<std::int16_t> v(g);
    std::uint64_t s = 12345;
    for (std::size_t z = 0; z < nz; ++z)
        for (std::size_t y = 0; y < 512; ++y)
            for (std::size_t x = 0; x < 512; ++x) {
                s = s * 6364136223846793005ull + 1442695040888963407ull;
                const int noise = int((s >> 33) % 41) - 20;
                const double X = (double(x) - 256) / 230, Y = (double(y) - 256) / 170;
                const double L = (double(x) - 170) / 70, R = (double(x) - 342) / 70, Yl = (double(y) - 240) / 110;
                const double S = (double(x) - 256) / 25, Ys = (double(y) - 380) / 25;
                int hu = -1000;
                if (X * X + Y * Y <= 1) hu = 40;
                if (L * L + Yl * Yl <= 1 || R * R + Yl * Yl <= 1) hu = -850;
                if (S * S + Ys * Ys <= 1) hu = 700;
                v.at(x, y, z) = std::int16_t(hu + (hu > -1000 ? noise : noise / 4));
            }
    return v;
}

int bench_dicom(int argc, char** argv) {
    std::string folder = argc > 2 ? argv[2] : "synthetic";
    const int runs = argc > 3 ? std::atoi(argv[3]) : 3;
    std::vector<int> threads;
    for (std::string list = argc > 4 ? argv[4] : "1,2"; !list.empty();) {
        const auto comma = list.find(',');
        threads.push_back(std::atoi(list.substr(0, comma).c_str()));
        list = comma == std::string::npos ? "" : list.substr(comma + 1);
    }
    fs::path tmp;
    if (folder.rfind("synthetic", 0) == 0) {
        const std::size_t nz = folder.size() > 10 ? std::size_t(std::atoi(folder.c_str() + 10)) : 300;
        tmp = fs::temp_directory_path() / ("radhpc_bench_read_dicom_" + std::to_string(::getpid()));
        folder = (tmp / "ct").string();
        io::SyntheticStudyIds ids;
        ids.patient_id = "P0001";
        ids.study_id = "S1";
        ids.uid_key = "bench_read";
        io::write_ct_series(synthetic_ct(nz), folder, ids);
    }
    std::vector<std::string> files;
    std::uintmax_t bytes = 0;
    for (const auto& e : fs::directory_iterator(folder))
        if (e.is_regular_file()) {
            files.push_back(e.path().string());
            bytes += e.file_size();
        }
    std::sort(files.begin(), files.end());
    const std::string cat = "cat '" + folder + "'/* > /dev/null";
    (void)!std::system(cat.c_str());  // warm the page cache: every figure is a warm read
    const double tcat = seconds([&] { (void)!std::system(cat.c_str()); }, runs);
    Settings settings;
    std::size_t slices = 0;
    std::printf("DICOM series %s: %zu files, %.1f MB; best of %d runs; cat > /dev/null %.3fs\n", folder.c_str(), files.size(),
                double(bytes) / 1e6, runs, tcat);
    std::printf("%-8s %12s %8s %12s %8s\n", "threads", "run (QC+read)", "/cat", "read_folder", "/cat");
    for (int t : threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(std::max(1, t)));
        // as dist/study.cpp: one discovery, QC rows (headers), the exclusion rule, the pixel read
        const double trun = seconds(
            [&] {
                const io::DicomSeries series = io::find_image_series(folder, settings.dicom);
                const io::StudyQc q = io::qc_series(series, settings, "bench", /*decode_pixels=*/false);
                io::enforce_qc(q, folder, settings);
                PixelType pixel;
                std::string frame_of_reference;
                const SourceImage image = io::read_source_input(series, settings.dicom, &pixel, &frame_of_reference);
                slices = image.geometry().size[2];
            },
            runs);
        const double tread = seconds([&] { (void)io::read_dicom_folder(folder); }, runs);
        std::printf("%-8d %11.3fs %8.2f %11.3fs %8.2f\n", t, trun, trun / tcat, tread, tread / tcat);
    }
    std::printf("(%zu slices read)\n", slices);
    if (!tmp.empty()) fs::remove_all(tmp);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string(argv[1]) == "--dicom") return bench_dicom(argc, argv);
    const std::size_t nz = argc > 1 ? std::size_t(std::atoi(argv[1])) : 300;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    const fs::path dir = fs::temp_directory_path() / ("radhpc_bench_read_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::printf("synthetic CT 512x512x%zu int16 (%.0f MB native); best of %d runs\n", nz, 512.0 * 512 * double(nz) * 2 / 1e6, runs);
    const auto ct = synthetic_ct(nz);
    std::printf("%-8s %10s %10s %10s %10s %10s %8s %8s %8s\n", "file", "MB", "gzip -dc", "native", "read_image", "ITK",
                "nat/gz", "img/gz", "ITK/gz");
    for (const char* name : {"ct.nii.gz", "ct.nrrd"}) {
        const std::string path = (dir / name).string();
        io::write_image(ct, path);
        const std::string cmd = "gzip -dc '" + path + "' > /dev/null";
        double tgz;
        if (std::string(name) == "ct.nrrd") {
            // gzip -dc of the NRRD's data stream: the header is cut off into a .gz of the stream alone.
            std::FILE* f = std::fopen(path.c_str(), "rb");
            std::string all;
            char buf[1 << 16];
            for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) all.append(buf, n);
            std::fclose(f);
            const auto at = all.find("\n\n");
            const std::string gz = (dir / "ct.nrrd.data.gz").string();
            std::FILE* o = std::fopen(gz.c_str(), "wb");
            std::fwrite(all.data() + at + 2, 1, all.size() - at - 2, o);
            std::fclose(o);
            const std::string c2 = "gzip -dc '" + gz + "' > /dev/null";
            tgz = seconds([&] { (void)!std::system(c2.c_str()); }, runs);
        } else {
            tgz = seconds([&] { (void)!std::system(cmd.c_str()); }, runs);
        }
        const double tn = seconds([&] { (void)io::read_native_image(path); }, runs);
        const double ti = seconds([&] { (void)io::read_image(path); }, runs);
        const double tk = seconds([&] { (void)io::read_image_itk(path); }, runs);
        std::printf("%-8s %10.1f %9.3fs %9.3fs %9.3fs %9.3fs %8.2f %8.2f %8.2f\n", name, double(fs::file_size(path)) / 1e6, tgz, tn, ti, tk,
                    tn / tgz, ti / tgz, tk / tgz);
    }
    fs::remove_all(dir);
    return 0;
}
