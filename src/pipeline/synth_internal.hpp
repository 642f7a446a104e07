// Shared by the synthetic archive writers (synth_archive.cpp) and the multi-site cohort (synth_sites.cpp).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "radhpc/core/random.hpp"
#include "radhpc/pipeline/synth.hpp"

namespace radhpc::pipeline::detail {

// SplitMix64 (core/random.hpp) plus the few draws the generator needs.
struct Rng {
    SplitMix64 gen;
    double uniform() { return gen.uniform(); }
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    int integer(int a, int b) { return gen.integer(a, b); }
    // Box-Muller (one deviate per call keeps the sequence simple to reason about)
    double normal() {
        const double u1 = std::max(uniform(), 1e-300), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
    }
};

// One lesion: an ellipsoid plus lobes, with an intensity, a texture pattern and maybe a necrotic core.
struct Blob {
    Vec3 centre;     // mm
    Vec3 radii;      // mm
    double hu;       // mean HU
    double texture;  // amplitude of the lesion's own spatial pattern, HU
    double freq;     // spatial frequency of that pattern, 1/mm
    bool necrotic;
    std::vector<std::pair<Vec3, double>> lobes;  // extra spheres (centre offset mm, radius mm)
    Vec3 pattern_shift{0, 0, 0};  // the texture pattern is evaluated at p - pattern_shift (--timepoints: moves with the lesion)
};
Blob random_blob(Rng& rng, const Vec3& centre, double radius);

struct RenderExtras {
    std::vector<int> labels;         // label value of each blob
    Vec3 body_shift{0, 0, 0};        // rigid shift of the body (mm)
    std::size_t min_voxels = 64;     // fewer voxels: a fragment, dropped
};
// The small study: body, lungs, bone, the blobs (the first blob containing a voxel wins), noise.
SynthStudy render(Rng& rng, const Geometry& g, std::vector<Blob> blobs, const std::string& id, const RenderExtras* extra = nullptr);

std::string num(double v);  // %.10g
// The seed of a stream of its own, a hash of (seed, tag, i) (tags: see synth.cpp).
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t tag, std::uint64_t i);

// --timepoints: what a rendered study holds (per lesion: label, voxels, voxel centroid in scanner mm), and
// <out>/timepoints.json from the rule and what the archive's studies (in order) hold.
struct RenderedLesion {
    int label;
    std::size_t voxels;
    Vec3 centroid_mm;
};
std::vector<RenderedLesion> rendered_lesions(const SynthStudy& st);
void write_timepoints_json(const std::string& out_dir, std::uint64_t seed, int studies, const SynthOptions& options, const std::string& prefix,
                           const std::vector<std::vector<RenderedLesion>>& rendered);

// One archive into out_dir: the default one (site == nullptr) or one site of a --sites cohort.
void write_single_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options,
                          const SynthSite* site);
// <out>/site-<k>/ for every site of the plan and <out>/sites.json.
void write_sites_archive(const std::string& out_dir, int studies, std::uint64_t seed, const SynthOptions& options);

}  // namespace radhpc::pipeline::detail
