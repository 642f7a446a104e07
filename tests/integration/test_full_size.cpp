// Issue 12: a full-size clinical study (512 x 512 x >= 200 slices, several lesions; radhpc synth
// --size clinical) through the archive path. The study image is kept as int16 and every lesion reads
// only what it needs of it; the reference is the previous whole-image computation (the image as a
// double volume, the mask's box found by scanning the whole mask), which must give the same bits for
// configs A-C and the CT-TIME settings. Without resampling, the lesion's crop saved as its own image
// must give the same bits too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/pipeline/synth.hpp"

using namespace radhpc;

namespace {

Settings job_settings(const std::string& config) {
    if (config == "ct_time")  // jobs/ct-time2025.yaml's preprocessing (its signature needs user coefficients)
        return io::parse_job_text("profile: pyradiomics\n"
                                  "preprocess:\n  resample: {spacing: [1, 1, 1], interpolation: bspline, mask_interpolation: nearest}\n"
                                  "  resegment: {min: -100, max: 300}\n  discretisation: {method: fixed_bin_size, bin_width: 25}\n"
                                  "features: {families: [firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm]}\n")
            .settings;
    return io::read_job_file(std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/config-" + config + ".yaml").settings;
}

const pipeline::SynthStudy& study() {
    static const pipeline::SynthStudy st = [] {
        for (int i = 0;; ++i) {  // the first clinical study of seed 3 with >= 200 slices and >= 3 lesions
            auto s = pipeline::make_clinical_study(3, i);
            if (s.image.nz() >= 200 && s.lesions.size() >= 4) return s;
        }
    }();
    return st;
}

void require_same(const FeatureValues& a, const FeatureValues& b, const std::string& what) {
    INFO(what);
    REQUIRE(a.size() == b.size());
    REQUIRE(a.size() > 50);
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].name == b[i].name);
        differ += a[i].value != b[i].value;  // bit for bit
    }
    CHECK(differ == 0);
}

}  // namespace

TEST_CASE("full-size study: int16 source and per-lesion reads equal the whole-image computation", "[fullsize][archive]") {
    const auto& st = study();
    std::printf("[full-size] %s: %zux%zux%zu, %zu ROIs\n", st.study_id.c_str(), st.image.nx(), st.image.ny(), st.image.nz(),
                st.lesions.size());
    SourceImage source;
    source.i16 = std::make_shared<const Volume<std::int16_t>>(st.image);
    SourceImage whole;  // the previous representation: the whole image as doubles
    whole.f64 = std::make_shared<const Image>(to_double(st.image));
    const PixelType int16{true, -32768, 32767};
    int compared = 0;
    for (const char* config : {"A", "B", "C", "ct_time"}) {
        const Settings s = job_settings(config);
        // the lesions (not the organ-sized last ROI, whose texture takes seconds): at most three, smallest first
        std::vector<pipeline::SynthLesion> lesions(st.lesions.begin(), st.lesions.end() - 1);
        std::sort(lesions.begin(), lesions.end(), [](const auto& a, const auto& b) { return a.voxels < b.voxels; });
        if (lesions.size() > 3) lesions.resize(3);
        for (const auto& lesion : lesions) {
            Mask mask(st.labels.geometry, 0);
            for (std::size_t i = 0; i < mask.data.size(); ++i) mask.data[i] = st.labels.data[i] == lesion.label;
            const auto box = bounding_box(mask);
            REQUIRE(box);

            pipeline::LesionInput reference;  // the whole image as doubles, no box hint
            reference.source = whole;
            reference.mask = mask;
            reference.pixel_type = int16;
            pipeline::LesionInput archive;  // what load() and the batch worker give
            archive.source = source;
            archive.mask = std::move(mask);
            archive.mask_box = box;
            archive.pixel_type = int16;
            // a lesion whose features are undefined (e.g. a 2D correlation on a flat slice) must fail the
            // same way on both paths
            auto run = [&](const pipeline::LesionInput& in, std::string& error) {
                try {
                    return pipeline::extract(in, s).features;
                } catch (const Error& e) {
                    error = e.what();
                    return FeatureValues{};
                }
            };
            std::string want_error, got_error;
            const auto want = run(reference, want_error);
            const auto got = run(archive, got_error);
            CHECK(got_error == want_error);
            if (!want_error.empty()) {
                std::printf("[full-size] config %s lesion %d: both paths refuse it: %s\n", config, lesion.label, want_error.c_str());
                continue;
            }
            require_same(got, want, std::string(config) + " lesion " + std::to_string(lesion.label));
            ++compared;
            if (std::string(config) == "A") {
                // no resampling: the lesion's crop saved as its own image (plus the local-intensity sphere's margin)
                pipeline::LesionInput crop_in;
                crop_in.image = to_double(crop(st.image, *box, 12, true));
                crop_in.mask = crop(archive.mask, *box, 12, true);
                crop_in.pixel_type = int16;
                require_same(pipeline::extract(crop_in, s).features, want, "A, cropped lesion " + std::to_string(lesion.label));
            }
        }
    }
    CHECK(compared >= 9);
}
