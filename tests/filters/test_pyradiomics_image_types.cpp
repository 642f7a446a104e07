// PyRadiomics 3.1 image types (include/radhpc/filters/pyradiomics.hpp):
//  - wavelet sub-bands against pywt.swtn and LBP2D against skimage.feature.local_binary_pattern,
//    computed at test time by tests/filters/pyradiomics_reference.py (Debian python3-pywt 1.1.1,
//    python3-skimage 0.19.3) on the same arrays;
//  - every image type against PyRadiomics 3.1's own outputs in ../shared/data/pyradiomics/filters/
//    (brain1, breast1, the parameter files without resampling), through the bin-independent
//    firstorder features of the filtered image inside the ROI, within relative 1e-6 (absolute 1e-9
//    below 1e-9);
//  - bit-identical outputs for 1 and 2 TBB threads.
#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "radhpc/features/intensity.hpp"
#include "radhpc/filters/filters.hpp"
#include "radhpc/filters/pyradiomics.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"

using namespace radhpc;
namespace P = radhpc::filters::pyradiomics;

namespace {

const std::string kPy = "/usr/bin/python3 " + std::string(RADHPC_SOURCE_DIR) + "/tests/filters/pyradiomics_reference.py";
const std::string kRef = std::string(RADHPC_SHARED_DATA) + "/pyradiomics";

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char tmpl[] = "/tmp/radhpc_pyrad_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

void write_f64(const std::filesystem::path& p, const std::vector<double>& v) {
    std::ofstream f(p, std::ios::binary);
    f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
}
std::vector<double> read_f64(const std::filesystem::path& p, std::size_t n) {
    std::vector<double> v(n);
    std::ifstream f(p, std::ios::binary);
    f.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(double)));
    REQUIRE(static_cast<std::size_t>(f.gcount()) == n * sizeof(double));
    return v;
}
void run(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
}

// Deterministic test image: smooth structure plus noise; `levels` > 0 rounds to that many integers
// (ties for the LBP comparisons).
Image test_image(std::size_t nx, std::size_t ny, std::size_t nz, std::uint64_t seed, int levels = 0) {
    Geometry g;
    g.size = {nx, ny, nz};
    g.spacing = {0.7, 0.8, 2.5};
    Image im(g);
    std::uint64_t s = seed;
    for (std::size_t z = 0; z < nz; ++z)
        for (std::size_t y = 0; y < ny; ++y)
            for (std::size_t x = 0; x < nx; ++x) {
                s = s * 6364136223846793005ULL + 1442695040888963407ULL;
                const double u = static_cast<double>(s >> 11) / 9007199254740992.0;
                double v = 100 * std::sin(0.7 * x) * std::cos(0.4 * y + 0.3 * z) + 60 * u - 20;
                if (levels > 0) v = std::floor(u * levels);
                im.at(x, y, z) = v;
            }
    return im;
}

double range_of(const std::vector<double>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return *hi - *lo;
}

}  // namespace

// Tolerance: PyRadiomics' _swt3 is a chain of pywt's double-precision 1D passes; ours sums the same
// products in pywt's order, so the results should agree to the last bit. The bound allowed is
// 1e-12 x the input's range (a few ulps of accumulated rounding if a compiler contracted or
// reordered anything), far below the 1e-6 the feature values need.
TEST_CASE("pyradiomics wavelet sub-bands equal pywt.swtn with PyRadiomics' padding, levels and names", "[filters][pyradiomics]") {
    struct Case {
        const char* wavelet;
        int start_level, level;
        std::size_t nx, ny, nz;
        int force2d = -1;  // force2Ddimension, -1: 3D
    };
    const std::vector<Case> cases{
        {"haar", 0, 1, 9, 7, 5},  {"haar", 0, 2, 10, 7, 6}, {"db2", 1, 2, 11, 9, 5},
        {"coif1", 0, 1, 7, 8, 9}, {"coif1", 0, 2, 5, 5, 3}, {"sym3", 0, 2, 13, 6, 7},
        {"bior1.3", 0, 2, 9, 10, 5}, {"db4", 0, 1, 3, 5, 4},  // db4: filter (8 taps) longer than the axis
        {"coif1", 0, 1, 9, 7, 5, 0}, {"db2", 0, 2, 7, 6, 5, 1}, {"haar", 1, 1, 5, 8, 7, 2},  // force2D
    };
    double worst = 0;
    TempDir dir;
    std::vector<Image> images;
    {
        std::ofstream jobs(dir.path / "jobs.txt");
        for (std::size_t k = 0; k < cases.size(); ++k) {
            const auto& c = cases[k];
            images.push_back(test_image(c.nx, c.ny, c.nz, 17 + c.nx * 31 + c.level));
            const auto sub = dir.path / std::to_string(k);
            std::filesystem::create_directory(sub);
            write_f64(sub / "in.f64", images.back().data);
            jobs << "wavelet " << sub.string() << ' ' << c.nz << ' ' << c.ny << ' ' << c.nx << ' ' << c.wavelet << ' '
                 << c.start_level << ' ' << c.level;
            if (c.force2d >= 0) jobs << ' ' << c.force2d;
            jobs << '\n';
        }
    }
    run(kPy + " batch " + (dir.path / "jobs.txt").string());
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
        const auto& c = cases[ci];
        const Image& im = images[ci];
        const auto sub = dir.path / std::to_string(ci);
        P::WaveletSettings s;
        s.wavelet = c.wavelet;
        s.start_level = c.start_level;
        s.level = c.level;
        s.force2D = c.force2d >= 0;
        s.force2Ddimension = std::max(c.force2d, 0);
        const auto ours = P::getWaveletImage(im, s);
        std::vector<std::string> names;
        {
            std::ifstream f(sub / "names.txt");
            for (std::string line; std::getline(f, line);)
                if (!line.empty()) names.push_back(line);
        }
        REQUIRE(ours.size() == names.size());
        const double tol = 1e-12 * range_of(im.data);
        for (std::size_t k = 0; k < ours.size(); ++k) {
            INFO(c.wavelet << " level " << c.level << " start " << c.start_level << " " << names[k]);
            REQUIRE(ours[k].name == names[k]);
            const auto ref = read_f64(sub / (names[k] + ".f64"), im.data.size());
            for (std::size_t i = 0; i < ref.size(); ++i) {
                const double d = std::fabs(ours[k].image.data[i] - ref[i]);
                worst = std::max(worst, d / range_of(im.data));
                REQUIRE(d <= tol);
            }
        }
    }
    WARN("wavelet vs pywt.swtn: worst |difference| / image range = " << worst);
}

TEST_CASE("pyradiomics wavelet sub-band letters are x, y, z", "[filters][pyradiomics]") {
    // An image varying along z only: every band high-pass along x or y is zero; LLH is not.
    const Image im = [] {
        Geometry g;
        g.size = {6, 6, 8};
        Image v(g);
        for (std::size_t z = 0; z < 8; ++z)
            for (std::size_t i = 0; i < 36; ++i) v.data[z * 36 + i] = (z % 3) * 10.0;
        return v;
    }();
    P::WaveletSettings s;
    s.wavelet = "haar";
    for (const auto& d : P::getWaveletImage(im, s)) {
        const double m = std::fabs(*std::max_element(d.image.data.begin(), d.image.data.end(),
                                                     [](double a, double b) { return std::fabs(a) < std::fabs(b); }));
        INFO(d.name);
        if (d.name == "wavelet-LLH" || d.name == "wavelet-LLL") CHECK(m > 1);
        else CHECK(m < 1e-12);
    }
}

TEST_CASE("pyradiomics LBP2D equals skimage local_binary_pattern slice by slice", "[filters][pyradiomics]") {
    struct Case {
        const char* method;
        int samples;
        double radius;
        int dim;
        bool int16;
        int levels;
    };
    const std::vector<Case> cases{
        {"uniform", 8, 1, 0, false, 0}, {"uniform", 8, 1, 0, true, 4},  {"default", 8, 1, 0, false, 3},
        {"ror", 8, 1, 0, false, 3},     {"var", 8, 1, 0, false, 0},     {"var", 8, 1, 0, true, 0},
        {"uniform", 9, 1.5, 1, false, 5}, {"ror", 12, 2, 2, false, 0},  {"nri_uniform", 8, 2, 0, false, 3},
        {"default", 6, 0.7, 0, true, 6},
    };
    const std::size_t nx = 12, ny = 9, nz = 5;
    TempDir dir;
    std::vector<Image> images;
    {
        std::ofstream jobs(dir.path / "jobs.txt");
        for (std::size_t k = 0; k < cases.size(); ++k) {
            const auto& c = cases[k];
            Image im = test_image(nx, ny, nz, 99 + c.samples + c.dim, c.levels);
            if (c.int16)
                for (double& v : im.data) v = std::trunc(v);
            images.push_back(im);
            const auto sub = dir.path / std::to_string(k);
            std::filesystem::create_directory(sub);
            write_f64(sub / "in.f64", im.data);
            std::ostringstream line;
            line.precision(17);
            line << "lbp " << sub.string() << ' ' << nz << ' ' << ny << ' ' << nx << ' ' << (c.int16 ? "int16" : "float64")
                 << ' ' << c.samples << ' ' << c.radius << ' ' << c.method << ' ' << c.dim << '\n';
            jobs << line.str();
        }
    }
    run(kPy + " batch " + (dir.path / "jobs.txt").string());
    for (std::size_t k = 0; k < cases.size(); ++k) {
        const auto& c = cases[k];
        const Image& im = images[k];
        P::LBP2DSettings s;
        s.method = c.method;
        s.samples = c.samples;
        s.radius = c.radius;
        s.force2Ddimension = c.dim;
        PixelType pt;
        if (c.int16) pt = PixelType{true, -32768, 32767, false};
        const auto ours = P::getLBP2DImage(im, s, pt);
        CHECK(ours.name == "lbp-2D");
        const auto ref = read_f64(dir.path / std::to_string(k) / "lbp.f64", im.data.size());
        for (std::size_t i = 0; i < ref.size(); ++i) {
            INFO(c.method << " P " << c.samples << " R " << c.radius << " dim " << c.dim << " int16 " << c.int16
                          << " voxel " << i << " ours " << ours.image.data[i] << " skimage " << ref[i]);
            if (std::isnan(ref[i])) REQUIRE(std::isnan(ours.image.data[i]));
            else REQUIRE(ours.image.data[i] == ref[i]);  // exact: same arithmetic, integer codes
        }
    }
}

namespace {

// The CSV of one PyRadiomics run: feature -> value.
std::map<std::string, double> read_csv(const std::string& path) {
    std::ifstream f(path);
    REQUIRE(f.good());
    std::map<std::string, double> m;
    std::string line;
    std::getline(f, line);  // header
    while (std::getline(f, line)) {
        const auto comma = line.find(',');
        m[line.substr(0, comma)] = std::strtod(line.c_str() + comma + 1, nullptr);
    }
    return m;
}

// Bin-independent firstorder features (Entropy and Uniformity need PyRadiomics' binning: left out).
const std::vector<std::string> kStats{"Mean", "Minimum", "Maximum", "Median", "Variance", "Skewness", "Kurtosis",
                                      "RootMeanSquared", "Energy", "TotalEnergy", "10Percentile", "90Percentile",
                                      "InterquartileRange", "Range", "MeanAbsoluteDeviation",
                                      "RobustMeanAbsoluteDeviation"};

struct Compared {
    int count = 0;
    double worst = 0;
    std::string worst_name;
};

void compare_firstorder(const P::DerivedImage& d, const Mask& mask, const std::map<std::string, double>& ref,
                        const std::string& where, Compared& acc) {
    std::vector<double> values;
    for (std::size_t i = 0; i < mask.data.size(); ++i)
        if (mask.data[i]) values.push_back(d.image.data[i]);
    const std::vector<std::int32_t> levels(values.size(), 1);
    const auto fo = features::pyradiomics_firstorder(values, levels, d.image.geometry.voxel_volume(), 0.0);
    std::map<std::string, double> ours;
    for (const auto& f : fo) ours[f.name] = f.value;
    for (const auto& s : kStats) {
        const std::string name = d.name + "_firstorder_" + s;
        INFO(where << ": " << name);
        const auto r = ref.find(name);
        REQUIRE(r != ref.end());
        const auto o = ours.find("firstorder_" + s);
        REQUIRE(o != ours.end());
        const double dev = std::fabs(o->second - r->second);
        const double rel = std::fabs(r->second) < 1e-9 ? dev : dev / std::fabs(r->second);
        if (rel > acc.worst) {
            acc.worst = rel;
            acc.worst_name = where + " " + name;
        }
        ++acc.count;
        CHECK(o->second == Approx(r->second).epsilon(1e-6).margin(1e-9));
    }
}

}  // namespace


TEST_CASE("pyradiomics image types reproduce PyRadiomics 3.1 firstorder values on brain1 and breast1", "[filters][pyradiomics][reference]") {
    std::map<std::string, Compared> by_type;
    for (const std::string case_name : {"brain1", "breast1"}) {
        const Image image = io::read_image(kRef + "/" + case_name + "_image.nrrd");
        const Mask mask = io::read_label_mask(kRef + "/" + case_name + "_label.nrrd", 1);
        auto ref = [&](const std::string& params) { return read_csv(kRef + "/filters/" + case_name + "-" + params + ".csv"); };
        {
            const auto r = ref("log");
            const auto log = P::getLoGImage(image, {1.0, 2.0, 3.0});
            REQUIRE(log.images.size() == 3);
            for (const auto& d : log.images) compare_firstorder(d, mask, r, case_name + " log", by_type["LoG"]);
        }
        {
            const auto r = ref("wavelet");
            for (const auto& d : P::getWaveletImage(image, {})) compare_firstorder(d, mask, r, case_name + " wavelet", by_type["Wavelet coif1"]);
        }
        {
            const auto r = ref("wavelet-haar-level2");
            P::WaveletSettings s;
            s.wavelet = "haar";
            s.level = 2;
            const auto w = P::getWaveletImage(image, s);
            REQUIRE(w.size() == 15);
            for (const auto& d : w) compare_firstorder(d, mask, r, case_name + " wavelet-haar-level2", by_type["Wavelet haar level 2"]);
        }
        {
            const auto r = ref("wavelet-db2-start1");
            P::WaveletSettings s;
            s.wavelet = "db2";
            s.start_level = 1;
            s.level = 2;
            for (const auto& d : P::getWaveletImage(image, s)) compare_firstorder(d, mask, r, case_name + " wavelet-db2-start1", by_type["Wavelet db2 start 1"]);
        }
        {
            const auto r = ref("square");
            compare_firstorder(P::getSquareImage(image), mask, r, case_name, by_type["Square"]);
            compare_firstorder(P::getSquareRootImage(image), mask, r, case_name, by_type["SquareRoot"]);
            compare_firstorder(P::getLogarithmImage(image), mask, r, case_name, by_type["Logarithm"]);
            compare_firstorder(P::getExponentialImage(image), mask, r, case_name, by_type["Exponential"]);
        }
        compare_firstorder(P::getGradientImage(image, true), mask, ref("gradient"), case_name + " gradient", by_type["Gradient"]);
        compare_firstorder(P::getGradientImage(image, false), mask, ref("gradient-nospacing"), case_name + " gradient-nospacing",
                           by_type["Gradient (no spacing)"]);
    }
    for (const auto& [type, c] : by_type)
        WARN(type << ": " << c.count << " values, worst relative deviation " << c.worst << " (" << c.worst_name << ")");
}

TEST_CASE("pyradiomics LoG size checks and names follow getLoGImage", "[filters][pyradiomics]") {
    CHECK(P::python_str(2.0) == "2.0");
    CHECK(P::python_str(1.5) == "1.5");
    CHECK(P::python_str(0.25) == "0.25");
    CHECK(P::python_str(1e-5) == "1e-05");
    CHECK(P::python_str(1e16) == "1e+16");
    CHECK(P::python_str(123456.0) == "123456.0");
    CHECK(P::python_str(2.0, true) == "2");
    {
        // against Python's own str()
        const std::vector<double> v{2.0, 1.5, 0.1, 0.25, 3.0000000000000004, 1e-4, 1.2e-5, 123456789012345.0, 1e16, 2.5e17, 0.3};
        std::ostringstream cmd;
        cmd.precision(17);
        cmd << kPy << " pystr";
        for (double x : v) cmd << ' ' << x;
        FILE* p = popen(cmd.str().c_str(), "r");
        REQUIRE(p);
        char buf[128];
        for (double x : v) {
            REQUIRE(std::fgets(buf, sizeof buf, p));
            std::string line(buf);
            line.erase(line.find_last_not_of("\n") + 1);
            CHECK(P::python_str(x) == line);
        }
        pclose(p);
    }
    Geometry g;
    g.size = {20, 20, 5};
    g.spacing = {1, 1, 2};
    const Image im = test_image(20, 20, 5, 3);
    Image small = im;
    small.geometry = g;
    small.geometry.spacing = {1, 1, 2};
    // size 5 along z at 2 mm: sigma 8 mm needs ceil(8/2) + 1 = 5 <= 5 -> allowed; 9 mm -> 6 > 5 skipped.
    const auto r = P::getLoGImage(small, {8.0, 9.0, 0.0, 2.5});
    REQUIRE(r.images.size() == 2);
    CHECK(r.images[0].name == "log-sigma-8-0-mm-3D");
    CHECK(r.images[1].name == "log-sigma-2-5-mm-3D");
    REQUIRE(r.skipped.size() == 2);
    CHECK(r.skipped[0].sigma == 9.0);
    CHECK(r.skipped[1].sigma == 0.0);
    const auto ints = P::getLoGImage(small, {2.0}, true);
    CHECK(ints.images.at(0).name == "log-sigma-2-mm-3D");
    Image tiny = test_image(20, 20, 3, 4);
    CHECK(P::getLoGImage(tiny, {1.0}).images.empty());
}

TEST_CASE("pyradiomics image types are bit-identical for 1 and 2 threads", "[filters][pyradiomics]") {
    const Image im = test_image(37, 29, 11, 5);
    auto all = [&] {
        std::vector<P::DerivedImage> out;
        P::WaveletSettings s;
        s.wavelet = "sym3";
        s.level = 2;
        for (auto& d : P::getWaveletImage(im, s)) out.push_back(std::move(d));
        out.push_back(P::getLBP2DImage(im, {}));
        out.push_back(P::getLogarithmImage(im));
        for (auto& d : P::getLoGImage(im, {1.5}).images) out.push_back(std::move(d));
        out.push_back(P::getGradientImage(im));
        return out;
    };
    std::vector<P::DerivedImage> one, two;
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
        one = all();
    }
    {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
        two = all();
    }
    REQUIRE(one.size() == two.size());
    for (std::size_t k = 0; k < one.size(); ++k) {
        INFO(one[k].name);
        REQUIRE(one[k].name == two[k].name);
        REQUIRE(std::memcmp(one[k].image.data.data(), two[k].image.data.data(), one[k].image.data.size() * sizeof(double)) == 0);
    }
}

namespace {

struct Box {
    std::size_t lo[3], hi[3];  // inclusive
};
Box roi_box(const Mask& m) {
    Box b{{SIZE_MAX, SIZE_MAX, SIZE_MAX}, {0, 0, 0}};
    for (std::size_t z = 0; z < m.nz(); ++z)
        for (std::size_t y = 0; y < m.ny(); ++y)
            for (std::size_t x = 0; x < m.nx(); ++x)
                if (m.at(x, y, z)) {
                    const std::size_t p[3] = {x, y, z};
                    for (int a = 0; a < 3; ++a) {
                        b.lo[a] = std::min(b.lo[a], p[a]);
                        b.hi[a] = std::max(b.hi[a], p[a]);
                    }
                }
    return b;
}
// The box grown by margin[a] per side, clipped to the image.
Box grown(const Box& b, const Index3& margin, const Geometry& g) {
    Box r = b;
    for (int a = 0; a < 3; ++a) {
        r.lo[a] = b.lo[a] >= static_cast<std::size_t>(margin[a]) ? b.lo[a] - margin[a] : 0;
        r.hi[a] = std::min(b.hi[a] + margin[a], g.size[a] - 1);
    }
    return r;
}
template <class T>
Volume<T> crop_to(const Volume<T>& v, const Box& b) {
    Geometry g = v.geometry;
    for (int a = 0; a < 3; ++a) g.size[a] = b.hi[a] - b.lo[a] + 1;
    g.origin = v.geometry.index_to_point({double(b.lo[0]), double(b.lo[1]), double(b.lo[2])});
    Volume<T> out(g);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x) out.at(x, y, z) = v.at(x + b.lo[0], y + b.lo[1], z + b.lo[2]);
    return out;
}

}  // namespace

TEST_CASE("pyradiomics wavelet on the ROI box + wavelet_margin equals the whole-image wavelet inside the box", "[filters][pyradiomics]") {
    const Image im = test_image(46, 41, 33, 77);
    Geometry g = im.geometry;
    Mask roi(g);
    for (std::size_t z = 14; z < 19; ++z)
        for (std::size_t y = 17; y < 23; ++y)
            for (std::size_t x = 20; x < 27; ++x) roi.at(x, y, z) = 1;
    const Box box = roi_box(roi);
    for (const auto& [name, start, level] : std::vector<std::tuple<std::string, int, int>>{{"coif1", 0, 1}, {"db2", 1, 2}, {"haar", 0, 2}}) {
        P::WaveletSettings s;
        s.wavelet = name;
        s.start_level = start;
        s.level = level;
        const std::int64_t m = P::wavelet_margin(s, filters::wavelet_filters(name).dec_lo.size());
        const Box crop = grown(box, {m, m, m}, g);
        for (int a = 0; a < 3; ++a) REQUIRE((crop.lo[a] > 0 && crop.hi[a] + 1 < g.size[a]));  // stays inside
        const auto whole = P::getWaveletImage(im, s);
        const auto part = P::getWaveletImage(crop_to(im, crop), s);
        REQUIRE(whole.size() == part.size());
        for (std::size_t k = 0; k < whole.size(); ++k) {
            INFO(name << " " << whole[k].name << " margin " << m);
            for (std::size_t z = box.lo[2]; z <= box.hi[2]; ++z)
                for (std::size_t y = box.lo[1]; y <= box.hi[1]; ++y)
                    for (std::size_t x = box.lo[0]; x <= box.hi[0]; ++x)
                        REQUIRE(part[k].image.at(x - crop.lo[0], y - crop.lo[1], z - crop.lo[2]) == whole[k].image.at(x, y, z));
        }
    }
}

TEST_CASE("pyradiomics LoG on the ROI box + log_margin agrees with the whole-image LoG on brain1 and breast1", "[filters][pyradiomics][reference]") {
    for (const std::string case_name : {"brain1", "breast1"}) {
        const Image image = io::read_image(kRef + "/" + case_name + "_image.nrrd");
        const Mask mask = io::read_label_mask(kRef + "/" + case_name + "_label.nrrd", 1);
        const Box box = roi_box(mask);
        for (double sigma : {1.0, 3.0}) {
            const auto whole = P::getLoGImage(image, {sigma}).images.at(0);
            std::vector<double> ref_values;
            for (std::size_t i = 0; i < mask.data.size(); ++i)
                if (mask.data[i]) ref_values.push_back(whole.image.data[i]);
            const std::vector<std::int32_t> lv(ref_values.size(), 1);
            const auto ref_fo = features::pyradiomics_firstorder(ref_values, lv, image.geometry.voxel_volume(), 0);
            for (double k : {4.0, 6.0, 8.0, P::LOG_MARGIN_SIGMAS}) {
                Index3 m;
                for (int a = 0; a < 3; ++a) m[a] = static_cast<std::int64_t>(std::ceil(k * sigma / image.geometry.spacing[a]));
                const Box crop = grown(box, m, image.geometry);
                const Mask cm = crop_to(mask, crop);
                const auto part = P::getLoGImage(crop_to(image, crop), {sigma}).images.at(0);
                std::vector<double> values;
                double worst_voxel = 0, scale = 0;
                std::size_t j = 0;
                for (std::size_t i = 0; i < cm.data.size(); ++i)
                    if (cm.data[i]) {
                        values.push_back(part.image.data[i]);
                        worst_voxel = std::max(worst_voxel, std::fabs(part.image.data[i] - ref_values[j]));
                        scale = std::max(scale, std::fabs(ref_values[j]));
                        ++j;
                    }
                REQUIRE(j == ref_values.size());
                const auto fo = features::pyradiomics_firstorder(values, lv, image.geometry.voxel_volume(), 0);
                double worst_feature = 0;
                for (std::size_t f = 0; f < fo.size(); ++f) {
                    if (fo[f].name == "firstorder_Entropy" || fo[f].name == "firstorder_Uniformity") continue;
                    const double r = ref_fo[f].value;
                    worst_feature = std::max(worst_feature, std::fabs(fo[f].value - r) / std::max(std::fabs(r), 1e-9));
                }
                WARN(case_name << " LoG sigma " << sigma << " mm, margin " << k << " sigma (" << m[0] << "," << m[1] << ","
                               << m[2] << " voxels): worst ROI voxel |diff| / max|LoG| " << worst_voxel / scale
                               << ", worst firstorder relative " << worst_feature);
                if (k == P::LOG_MARGIN_SIGMAS) {
                    CHECK(m == P::log_margin(image.geometry, sigma));
                    CHECK(worst_feature < 1e-6);  // measured: <= 3e-7 (float32 rounding of ITK's internal images)
                }
            }
        }
    }
}

// The parameter files with resampling: PyRadiomics resamples the ROI box + padDistance 5 (B-spline
// image, nearest mask; SimpleITK semantics, preprocess::resample_image) - after normalising the whole
// image for combined-ct - and filters that grid. The resampling is the existing preprocess code; the
// filtered images are this file's.
TEST_CASE("pyradiomics image types on PyRadiomics' resampled grid reproduce its firstorder values", "[filters][pyradiomics][reference]") {
    std::map<std::string, Compared> by_type;
    for (const std::string case_name : {"brain1", "breast1"}) {
        PixelType pixel;
        const Image image = io::read_image(kRef + "/" + case_name + "_image.nrrd", &pixel);
        const Mask mask = io::read_label_mask(kRef + "/" + case_name + "_label.nrrd", 1);
        const Box b = roi_box(mask);
        const Index3 lo{std::int64_t(b.lo[0]), std::int64_t(b.lo[1]), std::int64_t(b.lo[2])};
        const Index3 hi{std::int64_t(b.hi[0]), std::int64_t(b.hi[1]), std::int64_t(b.hi[2])};
        auto resampled = [&](const Image& im, const PixelType& pt, double spacing, Mask& m) {
            const Geometry target = preprocess::pyradiomics_resampled_geometry(im.geometry, {spacing, spacing, spacing}, lo, hi, 5);
            m = preprocess::resample_mask(mask, target, Interpolation::nearest, 0.5, Profile::pyradiomics);
            return preprocess::resample_image(im, target, Interpolation::bspline, Profile::pyradiomics, pt);
        };
        auto ref = [&](const std::string& params) { return read_csv(kRef + "/filters/" + case_name + "-" + params + ".csv"); };
        {
            Mask m;
            const Image r2 = resampled(image, pixel, 2.0, m);
            const auto r = ref("log-resampled");
            for (const auto& d : P::getLoGImage(r2, {2.0, 4.0}).images) compare_firstorder(d, m, r, case_name + " log-resampled", by_type["LoG (2 mm grid)"]);
            P::WaveletSettings s;
            s.wavelet = "sym3";
            const auto rw = ref("wavelet-resampled");
            for (const auto& d : P::getWaveletImage(r2, s)) compare_firstorder(d, m, rw, case_name + " wavelet-resampled", by_type["Wavelet sym3 (2 mm grid)"]);
        }
        {
            Image normalised = image;
            NormalizeSettings ns;
            ns.enabled = true;
            ns.scale = 100;
            preprocess::normalise(normalised, ns);
            Mask m;
            const Image r1 = resampled(normalised, PixelType{}, 1.0, m);
            const auto r = ref("combined-ct");
            for (const auto& d : P::getLoGImage(r1, {2.0, 3.0}).images) compare_firstorder(d, m, r, case_name + " combined-ct", by_type["combined-ct LoG"]);
            for (const auto& d : P::getWaveletImage(r1, {})) compare_firstorder(d, m, r, case_name + " combined-ct", by_type["combined-ct Wavelet"]);
            compare_firstorder(P::getSquareImage(r1), m, r, case_name + " combined-ct", by_type["combined-ct Square"]);
        }
    }
    for (const auto& [type, c] : by_type)
        WARN(type << ": " << c.count << " values, worst relative deviation " << c.worst << " (" << c.worst_name << ")");
}

TEST_CASE("pyradiomics LoG is bit-identical to ITK's LaplacianRecursiveGaussianImageFilter", "[filters][pyradiomics]") {
    struct Case {
        std::size_t nx, ny, nz;
        Vec3 spacing;
        double sigma;
    };
    const std::vector<Case> cases{{17, 13, 9, {0.7, 0.8, 2.5}, 1.0},  {4, 5, 4, {1, 1, 1}, 0.5},
                                  {33, 6, 21, {0.5, 1.3, 0.9}, 3.0}, {40, 37, 8, {0.78125, 0.78125, 6.5}, 2.0},
                                  {9, 9, 9, {2, 2, 2}, 5.0}};
    for (const auto& c : cases) {
        Image im = test_image(c.nx, c.ny, c.nz, 41 + c.nx);
        im.geometry.spacing = c.spacing;
        const Image itk = P::itk_reference::laplacian_recursive_gaussian(im, c.sigma);
        for (bool avx2 : {true, false}) {  // the AVX2 lane kernel (where the CPU has it) and the baseline one
            P::detail::log_allow_avx2(avx2);
            const Image ours = P::getLoGImage(im, {c.sigma}).images.at(0).image;
            INFO(c.nx << "x" << c.ny << "x" << c.nz << " sigma " << c.sigma << " avx2 allowed " << avx2);
            REQUIRE(std::memcmp(ours.data.data(), itk.data.data(), ours.data.size() * sizeof(double)) == 0);
        }
        P::detail::log_allow_avx2(true);
    }
    // brain1, the whole image
    const Image brain = io::read_image(kRef + "/brain1_image.nrrd");
    for (double sigma : {1.0, 3.0}) {
        const Image ours = P::getLoGImage(brain, {sigma}).images.at(0).image;
        const Image itk = P::itk_reference::laplacian_recursive_gaussian(brain, sigma);
        INFO("brain1 sigma " << sigma);
        REQUIRE(std::memcmp(ours.data.data(), itk.data.data(), ours.data.size() * sizeof(double)) == 0);
    }
}

TEST_CASE("pyradiomics Gradient is bit-identical to ITK's GradientMagnitudeImageFilter", "[filters][pyradiomics]") {
    for (const auto& [n, spacing] : std::vector<std::pair<Size3, Vec3>>{{{17, 13, 9}, {0.7, 0.8, 2.5}}, {{1, 5, 4}, {1, 1, 1}},
                                                                        {{6, 1, 7}, {0.5, 1.3, 0.9}}}) {
        Image im = test_image(n[0], n[1], n[2], 7 + n[0]);
        im.geometry.spacing = spacing;
        for (bool use_spacing : {true, false}) {
            const Image ours = P::getGradientImage(im, use_spacing).image;
            const Image itk = P::itk_reference::gradient_magnitude(im, use_spacing);
            INFO(n[0] << "x" << n[1] << "x" << n[2] << " spacing " << use_spacing);
            REQUIRE(std::memcmp(ours.data.data(), itk.data.data(), ours.data.size() * sizeof(double)) == 0);
        }
    }
    const Image brain = io::read_image(kRef + "/brain1_image.nrrd");
    const Image ours = P::getGradientImage(brain, true).image;
    const Image itk = P::itk_reference::gradient_magnitude(brain, true);
    REQUIRE(std::memcmp(ours.data.data(), itk.data.data(), ours.data.size() * sizeof(double)) == 0);
}
