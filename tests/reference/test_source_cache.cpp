// A study's whole-image max |x| (PyRadiomics' intensity maps without resampling) is computed once
// and shared by its lesions through the SourceImage cache: every lesion's features equal those of a
// lesion extracted with a fresh SourceImage (no cache), bit for bit.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "radhpc/core/source_image.hpp"
#include "radhpc/filters/pyradiomics.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

using namespace radhpc;

TEST_CASE("SourceImage cache: max |x| computed once per study, the same features", "[reference][filters]") {
    namespace fs = std::filesystem;
    const fs::path params = fs::temp_directory_path() / ("radhpc_source_cache_" + std::to_string(::getpid()) + ".yaml");
    std::ofstream(params) << "imageType: {Original: {}, Square: {}, Exponential: {}}\n"
                             "featureClass: {firstorder: null}\nsetting: {binWidth: 25}\n";
    const Settings s = io::read_pyradiomics_params(params.string()).settings;
    fs::remove(params);

    Geometry g;
    g.size = {24, 20, 12};
    g.spacing = {1, 1, 2};
    Image image(g, 0.0);
    for (std::size_t i = 0; i < image.data.size(); ++i) image.data[i] = double(int((i * 7919) % 601) - 300);
    image.data[5] = -1200;  // max |x| far from both lesions
    PixelType pixel;
    pixel.integer = true;
    const SourceImage source = make_source_image(Image(image), pixel);
    REQUIRE(source.i16);

    auto lesion = [&](std::size_t x0, std::size_t y0, const SourceImage& src) {
        pipeline::LesionInput in;
        in.source = src;
        in.pixel_type = pixel;
        in.mask = Mask(g, std::uint8_t(0));
        for (std::size_t z = 3; z < 8; ++z)
            for (std::size_t y = y0; y < y0 + 5; ++y)
                for (std::size_t x = x0; x < x0 + 5; ++x) in.mask.at(x, y, z) = 1;
        return in;
    };
    const auto first = pipeline::extract(lesion(2, 2, source), s);
    CHECK(source.cache->max_abs_of == static_cast<const void*>(source.i16.get()));
    CHECK(source.cache->max_abs == 1200.0);
    CHECK(source.cache->max_abs == filters::pyradiomics::max_abs(image));
    const auto second = pipeline::extract(lesion(14, 12, source), s);  // reads the cached value
    SourceImage fresh;
    fresh.i16 = source.i16;  // a new cache: computed again
    const auto again = pipeline::extract(lesion(14, 12, fresh), s);
    REQUIRE(second.features.size() == again.features.size());
    for (std::size_t k = 0; k < again.features.size(); ++k) {
        INFO(again.features[k].name);
        CHECK(second.features[k].name == again.features[k].name);
        CHECK(second.features[k].value == again.features[k].value);  // bit for bit
    }
    CHECK(std::any_of(first.features.begin(), first.features.end(),
                      [](const FeatureValue& f) { return f.name.rfind("square_", 0) == 0; }));
}
