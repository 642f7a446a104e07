// pipeline::extract with perturbations: zero steps reproduce the unperturbed features bit for bit
// (both profiles, with and without resampling); same seed -> identical, other seed -> different;
// 1 vs 2 TBB threads identical.
#include <catch2/catch.hpp>
#include <tbb/global_control.h>

#include <string>

#include "radhpc/core/error.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/preprocess/perturb.hpp"

using namespace radhpc;

namespace {

const std::string kData = RADHPC_SHARED_DATA;
const std::string kSource = RADHPC_SOURCE_DIR;

struct Case {
    std::string name;
    std::string image, mask;
    Settings settings;
};

// A reduced family list keeps the suite fast; every preprocessing path is still exercised.
Settings ibsi_config(const std::string& file, bool all_families) {
    Settings s = io::read_job_file(kSource + "/jobs/ibsi/" + file).settings;
    if (!all_families) s.features.families = {"morph", "stat", "ih", "cm", "szm"};
    return s;
}

Settings pyradiomics_settings(bool resample) {
    std::string text = "version: 1\nprofile: pyradiomics\npreprocess:\n  discretisation: {method: fixed_bin_size, bin_width: 25}\n";
    if (resample) text += "  resample: {spacing: [2, 2, 2], interpolation: bspline}\n";
    text += "features:\n  families: [firstorder, shape, glcm, glszm]\n";
    return io::parse_job_text(text, "pyradiomics-test").settings;
}

const pipeline::LesionInput& ct_phantom() {
    static const pipeline::LesionInput in = pipeline::load(kData + "/ibsi1/ct_phantom/nifti/image/phantom.nii.gz",
                                                           kData + "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz", Settings{});
    return in;
}
const pipeline::LesionInput& brain1() {
    static const pipeline::LesionInput in =
        pipeline::load(kData + "/pyradiomics/brain1_image.nrrd", kData + "/pyradiomics/brain1_label.nrrd", Settings{});
    return in;
}

PerturbationStep step(PerturbationStep::Kind k) {
    PerturbationStep s;
    s.kind = k;
    return s;
}

// Every kind with its zero setting, and a chain of all of them.
std::vector<Perturbation> zero_perturbations() {
    using K = PerturbationStep::Kind;
    std::vector<Perturbation> out;
    auto add = [&](const std::string& id, std::vector<PerturbationStep> steps) {
        Perturbation p;
        p.id = id;
        p.steps = std::move(steps);
        p.seed = 12345;
        out.push_back(p);
    };
    add("rot0", {step(K::rotation)});
    add("t0", {step(K::translation)});
    add("noise0", {step(K::noise)});
    add("vol0mm", {step(K::volume)});
    auto frac = step(K::volume);
    frac.volume_fraction = 0;
    add("volfrac0", {frac});
    add("chain0", {step(K::rotation), step(K::translation), step(K::noise), step(K::volume)});
    return out;
}

void require_identical(const FeatureValues& a, const FeatureValues& b, const std::string& what) {
    INFO(what);
    REQUIRE(a.size() == b.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].name == b[i].name);
        // bit-identical: == on doubles (no NaN: extract never returns one)
        if (a[i].value != b[i].value) {
            ++differ;
            UNSCOPED_INFO(a[i].name << ": " << a[i].value << " vs " << b[i].value);
        }
    }
    CHECK(differ == 0);
}

std::size_t count_different(const FeatureValues& a, const FeatureValues& b) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) n += a[i].value != b[i].value;
    return n + (a.size() > b.size() ? a.size() - b.size() : b.size() - a.size());
}

}  // namespace

TEST_CASE("zero perturbations reproduce the unperturbed features exactly (ibsi, CT phantom)", "[perturb][pipeline]") {
    for (const auto& [file, label] : {std::pair{"config-C.yaml", "ibsi config C (resampled 2 mm)"},
                                      std::pair{"config-A.yaml", "ibsi config A (no resampling)"}}) {
        const Settings s = ibsi_config(file, std::string(file) == "config-C.yaml");
        const auto base = pipeline::extract(ct_phantom(), s, true);
        for (const auto& p : zero_perturbations()) {
            const auto r = pipeline::extract(ct_phantom(), s, true, p);
            require_identical(base.features, r.features, std::string(label) + " / " + p.id);
            require_identical(base.diagnostics, r.diagnostics, std::string(label) + " / " + p.id + " diagnostics");
        }
    }
}

TEST_CASE("zero perturbations reproduce the unperturbed features exactly (pyradiomics, brain1)", "[perturb][pipeline]") {
    for (bool resample : {true, false}) {
        const Settings s = pyradiomics_settings(resample);
        const auto base = pipeline::extract(brain1(), s);
        for (const auto& p : zero_perturbations()) {
            const auto r = pipeline::extract(brain1(), s, false, p);
            require_identical(base.features, r.features, std::string(resample ? "resampled" : "not resampled") + " / " + p.id);
        }
    }
}

TEST_CASE("perturbations are deterministic: same seed identical, other seed different, threads irrelevant",
          "[perturb][pipeline]") {
    using K = PerturbationStep::Kind;
    const Settings s = ibsi_config("config-C.yaml", false);
    auto make = [](std::vector<PerturbationStep> steps, std::uint64_t seed) {
        Perturbation p;
        p.id = "x";
        p.steps = std::move(steps);
        p.seed = seed;
        return p;
    };
    const PerturbationStep noise{.kind = K::noise, .noise_scale = 1.0};
    const PerturbationStep rot{.kind = K::rotation, .angle_deg = 10};
    const PerturbationStep shift{.kind = K::translation, .shift = {0.25, 0.5, 0}};
    const PerturbationStep grow{.kind = K::volume, .grow_mm = 2};
    const PerturbationStep frac{.kind = K::volume, .volume_fraction = -0.1};
    const auto contour = step(K::contour);

    const std::vector<std::pair<std::string, Perturbation>> random_ones{
        {"noise", make({noise}, 7)}, {"contour", make({contour}, 7)}, {"volfrac", make({frac}, 7)},
        {"chain", make({rot, shift, noise, grow, contour}, 7)}};
    for (const auto& [name, p] : random_ones) {
        INFO(name);
        FeatureValues one, two;
        {
            tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
            one = pipeline::extract(ct_phantom(), s, false, p).features;
        }
        {
            tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
            two = pipeline::extract(ct_phantom(), s, false, p).features;
        }
        require_identical(one, two, name + ": 1 vs 2 threads");
        const auto again = pipeline::extract(ct_phantom(), s, false, p).features;
        require_identical(one, again, name + ": same seed");
        const auto base = pipeline::extract(ct_phantom(), s).features;
        CHECK(count_different(base, one) > 0);
        if (name != "volfrac") {  // a volume fraction draws only among equidistant voxels
            Perturbation q = p;
            q.seed = 8;
            CHECK(count_different(one, pipeline::extract(ct_phantom(), s, false, q).features) > 0);
        }
    }
    // geometric steps have no randomness but do change the features
    const auto base = pipeline::extract(ct_phantom(), s).features;
    CHECK(count_different(base, pipeline::extract(ct_phantom(), s, false, make({rot}, 1)).features) > 0);
    CHECK(count_different(base, pipeline::extract(ct_phantom(), s, false, make({shift}, 1)).features) > 0);
    CHECK(count_different(base, pipeline::extract(ct_phantom(), s, false, make({grow}, 1)).features) > 0);
}

TEST_CASE("perturbations run in the pyradiomics profile and without resampling", "[perturb][pipeline]") {
    using K = PerturbationStep::Kind;
    const PerturbationStep rot{.kind = K::rotation, .angle_deg = -15};
    const PerturbationStep shift{.kind = K::translation, .shift = {0.5, 0.25, 0}};
    const PerturbationStep noise{.kind = K::noise, .noise_scale = 1};
    const PerturbationStep shrink{.kind = K::volume, .grow_mm = -1};
    Perturbation p;
    p.id = "chain";
    p.steps = {rot, shift, noise, shrink};
    p.seed = 3;
    for (bool resample : {true, false}) {
        INFO((resample ? "resampled" : "not resampled"));
        const Settings s = pyradiomics_settings(resample);
        const auto base = pipeline::extract(brain1(), s).features;
        const auto r = pipeline::extract(brain1(), s, false, p).features;
        REQUIRE(r.size() == base.size());
        CHECK(count_different(base, r) > 0);
        // the same lesion: volume within 30% (rotation, 1 mm erosion of a 2-3 mm-thick ROI border)
        for (std::size_t i = 0; i < r.size(); ++i)
            if (r[i].name == "shape_VoxelVolume") CHECK(r[i].value == Approx(base[i].value).epsilon(0.3));
    }
    const Settings a = ibsi_config("config-A.yaml", false);
    const auto base = pipeline::extract(ct_phantom(), a).features;
    const auto r = pipeline::extract(ct_phantom(), a, false, p).features;
    CHECK(count_different(base, r) > 0);
}

TEST_CASE("a noise step adds noise at the image's own noise level", "[perturb][pipeline][noise]") {
    // Flat image with N(0, 10^2) noise: a noise step of scale 1 adds an independent N(0, sigma_hat^2)
    // with sigma_hat ~ 10, so the ROI variance doubles. Standard errors: sigma_hat 1.1664 sigma /
    // sqrt(n_HH) = 1.4% (n_HH = 29 x 29 x 8), each ROI variance sqrt(2 / 4096) = 2.2%; the ratio is
    // checked to 10% (about 3 combined standard errors).
    Geometry g;
    g.size = {64, 64, 8};
    pipeline::LesionInput in;
    in.image = Image(g, 100.0);
    preprocess::add_gaussian_noise(in.image, 10.0, 2024, {0, 0, 0}, g.size);
    in.mask = Mask(g);
    for (std::size_t z = 2; z < 6; ++z)
        for (std::size_t y = 16; y < 48; ++y)
            for (std::size_t x = 16; x < 48; ++x) in.mask.at(x, y, z) = 1;
    Settings s;
    s.features.families = {"stat"};
    auto noise = step(PerturbationStep::Kind::noise);
    noise.noise_scale = 1.0;
    Perturbation p;
    p.steps = {noise};
    p.seed = 5;
    auto var_of = [](const FeatureValues& f) {
        for (const auto& v : f)
            if (v.name == "stat_var") return v.value;
        return double(NAN);
    };
    const double base = var_of(pipeline::extract(in, s).features);
    const double noisy = var_of(pipeline::extract(in, s, false, p).features);
    CHECK(base == Approx(100).epsilon(0.1));
    CHECK(noisy / base == Approx(2.0).epsilon(0.1));
}

TEST_CASE("a perturbation that erodes the whole ROI is an error naming it", "[perturb][pipeline]") {
    auto erode = step(PerturbationStep::Kind::volume);
    erode.grow_mm = -50;
    Perturbation p;
    p.id = "vol-50mm";
    p.steps = {erode};
    const Settings s = ibsi_config("config-C.yaml", false);
    try {
        pipeline::extract(ct_phantom(), s, false, p);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::empty_roi);
        CHECK_THAT(std::string(e.what()), Catch::Contains("vol-50mm"));
    }
}
