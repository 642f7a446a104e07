// Read benchmark (not a test): a 512x512x300 int16 CT written to a temporary folder as .nii.gz and as
// gzip .nrrd (ITK's writers), then read by radhpc's readers (read_native_image: stored int16;
// read_image: as double) and by ITK's (read_image_itk), against `gzip -dc FILE > /dev/null` of the
// same file as the floor. Figures: best of N runs, and ratios to gzip -dc (issue 12 target <= 1.3).
// Usage: perf_bench_read [slices=300] [runs=3]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>

#include "radhpc/io/image_io.hpp"

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

}  // namespace

int main(int argc, char** argv) {
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
