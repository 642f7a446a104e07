#include "radhpc/pipeline/synth.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>

#include "synth_internal.hpp"

namespace radhpc::pipeline {
using detail::Blob;
using detail::Rng;
using detail::random_blob;
using detail::render;
namespace {

bool inside(const Blob& b, const Vec3& p) {
    double r = 0;
    for (int a = 0; a < 3; ++a) r += std::pow((p[a] - b.centre[a]) / b.radii[a], 2);
    if (r <= 1) return true;
    for (const auto& [off, rad] : b.lobes) {
        double d = 0;
        for (int a = 0; a < 3; ++a) d += std::pow(p[a] - b.centre[a] - off[a], 2);
        if (d <= rad * rad) return true;
    }
    return false;
}

}  // namespace

// `extra` (--timepoints): the lesions' label values, a rigid shift of the body and the fragment threshold;
// without it (every other archive) labels are 1..n in blob order, no shift, fragments under 64 voxels dropped.
SynthStudy detail::render(Rng& rng, const Geometry& g, std::vector<Blob> blobs, const std::string& id, const RenderExtras* extra) {
    const Vec3 shift = extra ? extra->body_shift : Vec3{0, 0, 0};
    const auto label_of = [&](std::size_t b) { return extra ? extra->labels[b] : int(b) + 1; };
    SynthStudy st;
    st.study_id = id;
    st.image = Volume<std::int16_t>(g, -1000);
    st.labels = Mask(g, 0);
    const double noise_sd = rng.uniform(8, 25);
    const double cx = (g.size[0] - 1) * g.spacing[0] / 2, cy = (g.size[1] - 1) * g.spacing[1] / 2;
    const double body_a = cx * 0.9, body_b = cy * 0.7;
    std::vector<std::size_t> counts(blobs.size(), 0);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x) {
                const Vec3 p{x * g.spacing[0], y * g.spacing[1], z * g.spacing[2]};
                const Vec3 pb{p[0] - shift[0], p[1] - shift[1], p[2] - shift[2]};  // the body's frame (exactly p without a shift)
                const double dx = (pb[0] - cx) / body_a, dy = (pb[1] - cy) / body_b;
                const double rb = dx * dx + dy * dy;
                double hu = -1000;
                if (rb <= 1) {
                    hu = 40 + 10 * std::sin(pb[2] * 0.05);                   // soft tissue
                    if (rb > 0.8) hu = -90;                                 // subcutaneous fat
                    const double lx = std::abs(dx) - 0.42, ly = dy / 0.75;  // two lungs
                    if (lx * lx / 0.09 + ly * ly < 1) hu = -850 + 40 * std::sin(pb[0] * 0.3) * std::cos(pb[1] * 0.2);
                    const double sx = dx, sy = (dy + 0.75) / 0.12;           // spine-like bone
                    if (sx * sx / 0.01 + sy * sy < 1) hu = 700;
                }
                int label = 0;
                for (std::size_t b = 0; b < blobs.size(); ++b)
                    if (inside(blobs[b], p)) {
                        const Blob& bl = blobs[b];
                        const Vec3 q{p[0] - bl.pattern_shift[0], p[1] - bl.pattern_shift[1], p[2] - bl.pattern_shift[2]};
                        double v = bl.hu + bl.texture * std::sin(bl.freq * q[0]) * std::sin(bl.freq * q[1] + 1) *
                                               std::cos(bl.freq * q[2]);
                        if (bl.necrotic) {
                            double r = 0;
                            for (int a = 0; a < 3; ++a) r += std::pow((p[a] - bl.centre[a]) / bl.radii[a], 2);
                            if (r < 0.3) v = 10;
                        }
                        hu = v;
                        label = label_of(b);
                        ++counts[b];
                        break;
                    }
                hu += noise_sd * rng.normal();
                const std::size_t i = st.image.index(x, y, z);
                st.image.data[i] = std::int16_t(std::clamp(std::lround(hu), -1024l, 3071l));
                st.labels.data[i] = std::uint8_t(label);
            }
    // A blob mostly hidden behind an earlier one leaves a fragment of a few voxels, which is no
    // lesion anyone would delineate: drop fragments from the mask and the lesion list.
    const std::size_t min_voxels = extra ? extra->min_voxels : 64;
    for (std::size_t b = 0; b < blobs.size(); ++b) {
        if (counts[b] >= min_voxels) {
            st.lesions.push_back({label_of(b), counts[b]});
        } else if (counts[b] > 0) {
            for (auto& l : st.labels.data)
                if (l == label_of(b)) l = 0;
        }
    }
    return st;
}

Blob detail::random_blob(Rng& rng, const Vec3& centre, double radius) {
    Blob b;
    b.centre = centre;
    b.radii = {radius * rng.uniform(0.7, 1.3), radius * rng.uniform(0.7, 1.3), radius * rng.uniform(0.6, 1.2)};
    b.hu = rng.uniform(10, 70);
    b.texture = rng.uniform(5, 60);
    b.freq = rng.uniform(0.2, 1.2);
    b.necrotic = rng.uniform() < 0.3 && radius > 12;
    const int lobes = rng.integer(0, 3);
    for (int l = 0; l < lobes; ++l)
        b.lobes.push_back({{rng.uniform(-radius, radius), rng.uniform(-radius, radius), rng.uniform(-radius, radius) * 0.5},
                           radius * rng.uniform(0.3, 0.6)});
    return b;
}

// ---- --signal: the patient-level latent scores and what they drive -----------------------------

// Seeds of streams of their own (tag 1: --signal patients, 2: --signal per-study lesion jitter,
// 3: --sites archive seeds, 4: --sites per-study effect noise): a hash of (seed, tag, i), so that they
// share nothing with the image stream of make_study.
std::uint64_t detail::stream_seed(std::uint64_t seed, std::uint64_t tag, std::uint64_t i) {
    std::uint64_t s = seed ^ (0x5349474E414C0000ull + tag);  // "SIGNAL" + tag
    std::uint64_t h = splitmix64(s);
    s = h ^ ((i + 1) * 0xD1B54A32D192ED03ull);
    return splitmix64(s);
}

SignalPatient signal_patient(std::uint64_t seed, int patient) {
    Rng rng{{detail::stream_seed(seed, 1, std::uint64_t(patient))}};
    SignalPatient p;
    char pid[32];
    std::snprintf(pid, sizeof pid, "P%04d", patient + 1);
    p.patient_id = pid;
    p.linear_predictor = SignalModel::intercept;
    p.log_hazard = 0;
    for (int k = 0; k < 3; ++k) {
        p.z[k] = rng.normal();
        p.linear_predictor += SignalModel::planted[k].log_odds * p.z[k];
        p.log_hazard += SignalModel::planted[k].log_hazard * p.z[k];
    }
    p.outcome = rng.uniform() < 1.0 / (1.0 + std::exp(-p.linear_predictor)) ? 1 : 0;
    // Weibull: S(t) = exp(-lambda t^k e^lh), lambda from the baseline median; T = (-log U / (lambda e^lh))^(1/k)
    const double k = SignalModel::weibull_shape;
    const double lambda = std::log(2.0) / std::pow(SignalModel::median_months, k);
    const double u = std::max(1.0 - rng.uniform(), 1e-300);  // (0, 1]
    const double t = std::pow(-std::log(u) / (lambda * std::exp(p.log_hazard)), 1.0 / k);
    const double followup = SignalModel::analysis_month - rng.uniform() * SignalModel::accrual_months;
    p.event = t <= followup ? 1 : 0;
    p.time = std::max(0.01, std::round(std::min(t, followup) * 100.0) / 100.0);
    return p;
}

SynthStudy make_study(std::uint64_t seed, int index) { return make_study(seed, index, false); }

SynthStudy make_study(std::uint64_t seed, int index, bool signal) {
    Rng rng{{seed * 1000003ull + std::uint64_t(index) * 7919ull + 17}};
    // the signal's draws come from streams of their own: the image stream `rng` draws exactly as without it
    const SignalPatient patient = signal ? signal_patient(seed, index / 2) : SignalPatient{};
    Rng jitter{{detail::stream_seed(seed, 2, std::uint64_t(index))}};
    Geometry g;
    g.size = {std::size_t(rng.integer(96, 144)), std::size_t(rng.integer(96, 128)), std::size_t(rng.integer(24, 48))};
    const double inplane = rng.uniform(0.6, 0.95);
    g.spacing = {inplane, inplane, rng.uniform() < 0.5 ? 2.5 : 3.0};
    g.origin = {-0.5 * g.size[0] * inplane, -0.5 * g.size[1] * inplane, rng.uniform(-400, -100)};
    const int n_lesions = rng.integer(1, 5);
    std::vector<Blob> blobs;
    const Vec3 extent{g.size[0] * g.spacing[0], g.size[1] * g.spacing[1], g.size[2] * g.spacing[2]};
    for (int l = 0; l < n_lesions; ++l) {
        const double max_radius = std::min(18.0, extent[2] / 4);
        double radius = rng.uniform(4, max_radius);
        if (signal) radius = std::min(SignalModel::planted[0].value(patient.z[0], jitter.normal()), max_radius);
        const Vec3 c{rng.uniform(0.25, 0.75) * extent[0], rng.uniform(0.3, 0.7) * extent[1],
                     rng.uniform(0.3, 0.7) * extent[2]};
        blobs.push_back(random_blob(rng, c, radius));  // draws as many numbers whatever the radius
        if (signal) {
            blobs.back().hu = SignalModel::planted[1].value(patient.z[1], jitter.normal());
            blobs.back().texture = SignalModel::planted[2].value(patient.z[2], jitter.normal());
        }
    }
    char id[32];
    std::snprintf(id, sizeof id, "S%04d", index + 1);
    SynthStudy st = render(rng, g, blobs, id);
    char pid[32];
    std::snprintf(pid, sizeof pid, "P%04d", index / 2 + 1);  // two studies per patient (baseline, follow-up)
    st.patient_id = pid;
    double mean_texture = 0;
    for (const auto& b : blobs) mean_texture += b.texture / double(blobs.size());
    st.outcome = mean_texture + 10 * rng.normal() > 32 ? 1 : 0;
    st.scanner = rng.uniform() < 0.6 ? "sharp" : "smooth";
    if (signal) {
        st.outcome = patient.outcome;
        st.time = patient.time;
        st.event = patient.event;
    }
    return st;
}

SynthStudy make_lesion_phantom(std::uint64_t seed, std::size_t target_voxels) {
    Rng rng{{seed}};
    const double radius = std::cbrt(3.0 * double(target_voxels) / (4.0 * std::numbers::pi));
    const std::size_t n = std::size_t(2 * radius + 24);
    Geometry g;
    g.size = {n, n, n};
    g.spacing = {1, 1, 1};
    Blob b;
    b.centre = {n / 2.0, n / 2.0, n / 2.0};
    b.radii = {radius, radius, radius};
    b.hu = 40;
    b.texture = 40;
    b.freq = 0.4;
    b.necrotic = false;
    SynthStudy st = render(rng, g, {b}, "phantom");
    st.patient_id = "phantom";
    st.outcome = 0;
    st.scanner = "synthetic";
    return st;
}

// ---- full-size clinical studies (issue 12) ---------------------------------------------------
// Rendered in two passes so that the cost is one pass over the image plus the lesions' boxes:
// lesions and the organ are rasterised into the label map over their bounding boxes only, then every
// voxel gets its tissue (or lesion) HU and noise.
namespace {

struct BoxedBlob {
    Blob blob;
    Index3 lo, hi;  // index box holding the blob (clipped to the image)
};

BoxedBlob boxed(const Blob& b, const Geometry& g) {
    BoxedBlob out{b, {}, {}};
    double reach[3];
    for (int a = 0; a < 3; ++a) {
        reach[a] = b.radii[a];
        for (const auto& [off, rad] : b.lobes) reach[a] = std::max(reach[a], std::abs(off[a]) + rad);
    }
    for (int a = 0; a < 3; ++a) {
        out.lo[a] = std::clamp<std::int64_t>(std::int64_t(std::floor((b.centre[a] - reach[a]) / g.spacing[a])), 0, std::int64_t(g.size[a]) - 1);
        out.hi[a] = std::clamp<std::int64_t>(std::int64_t(std::ceil((b.centre[a] + reach[a]) / g.spacing[a])), 0, std::int64_t(g.size[a]) - 1);
    }
    return out;
}

}  // namespace

SynthStudy make_clinical_study(std::uint64_t seed, int index) {
    Rng rng{{seed * 2000003ull + std::uint64_t(index) * 104729ull + 29}};
    Geometry g;
    const double inplane = rng.uniform(0.6, 0.9);
    const double thickness = std::array<double, 5>{1.0, 1.25, 2.0, 3.0, 5.0}[std::size_t(rng.integer(0, 4))];
    // 100-400 slices, fewer when they are thick (a chest-abdomen scan is 200-500 mm long)
    const int max_slices = std::min(400, int(600 / thickness));
    g.size = {512, 512, std::size_t(rng.integer(100, std::max(100, max_slices)))};
    g.spacing = {inplane, inplane, thickness};
    g.origin = {-0.5 * 512 * inplane, -0.5 * 512 * inplane, rng.uniform(-600, -200)};
    const Vec3 extent{g.size[0] * g.spacing[0], g.size[1] * g.spacing[1], g.size[2] * g.spacing[2]};
    const double cx = (g.size[0] - 1) * g.spacing[0] / 2, cy = (g.size[1] - 1) * g.spacing[1] / 2;
    const double body_a = cx * 0.9, body_b = cy * 0.7;

    std::vector<BoxedBlob> blobs;
    const int n_lesions = rng.integer(1, 10);
    for (int l = 0; l < n_lesions; ++l) {
        const double volume_mm3 = 1000.0 * std::exp(rng.uniform(std::log(0.5), std::log(200.0)));  // 0.5-200 cm^3
        const double radius = std::cbrt(3.0 * volume_mm3 / (4.0 * std::numbers::pi));
        // inside one lung or the mediastinum, away from the scan's ends
        const double side = rng.uniform() < 0.5 ? -1.0 : 1.0;
        const Vec3 c{cx + side * rng.uniform(0.1, 0.55) * body_a, cy + rng.uniform(-0.4, 0.4) * body_b,
                     std::clamp(rng.uniform(0.2, 0.8) * extent[2], radius, std::max(radius, extent[2] - radius))};
        blobs.push_back(boxed(random_blob(rng, c, radius), g));
    }
    // one organ-sized ROI (liver-like, 1-2 L) in the lower part of the body
    Blob organ;
    organ.centre = {cx - 0.3 * body_a, cy + 0.1 * body_b, 0.25 * extent[2]};
    organ.radii = {rng.uniform(70, 90), rng.uniform(55, 70), std::min(rng.uniform(50, 70), 0.24 * extent[2])};
    organ.hu = 60;
    organ.texture = 8;
    organ.freq = 0.15;
    organ.necrotic = false;
    blobs.push_back(boxed(organ, g));

    SynthStudy st;
    char id[32];
    std::snprintf(id, sizeof id, "C%04d", index + 1);
    st.study_id = id;
    char pid[32];
    std::snprintf(pid, sizeof pid, "P%04d", index + 1);
    st.patient_id = pid;
    st.image = Volume<std::int16_t>(g, -1000);
    st.labels = Mask(g, 0);
    std::vector<std::size_t> counts(blobs.size(), 0);
    for (std::size_t b = 0; b < blobs.size(); ++b) {
        const auto& bb = blobs[b];
        for (std::int64_t z = bb.lo[2]; z <= bb.hi[2]; ++z)
            for (std::int64_t y = bb.lo[1]; y <= bb.hi[1]; ++y)
                for (std::int64_t x = bb.lo[0]; x <= bb.hi[0]; ++x) {
                    const Vec3 p{double(x) * g.spacing[0], double(y) * g.spacing[1], double(z) * g.spacing[2]};
                    auto& l = st.labels.at(std::size_t(x), std::size_t(y), std::size_t(z));
                    if (l == 0 && inside(bb.blob, p)) {
                        l = std::uint8_t(b + 1);
                        ++counts[b];
                    }
                }
    }
    const double noise_sd = rng.uniform(8, 25);
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x) {
                const std::size_t i = st.image.index(x, y, z);
                const Vec3 p{double(x) * g.spacing[0], double(y) * g.spacing[1], double(z) * g.spacing[2]};
                double hu = -1000;
                if (const int label = st.labels.data[i]) {
                    const Blob& bl = blobs[std::size_t(label - 1)].blob;
                    hu = bl.hu + bl.texture * std::sin(bl.freq * p[0]) * std::sin(bl.freq * p[1] + 1) * std::cos(bl.freq * p[2]);
                    if (bl.necrotic) {
                        double r = 0;
                        for (int a = 0; a < 3; ++a) r += (p[a] - bl.centre[a]) * (p[a] - bl.centre[a]) / (bl.radii[a] * bl.radii[a]);
                        if (r < 0.3) hu = 10;
                    }
                } else {
                    const double dx = (p[0] - cx) / body_a, dy = (p[1] - cy) / body_b;
                    const double rb = dx * dx + dy * dy;
                    if (rb <= 1) {
                        hu = 40 + 10 * std::sin(p[2] * 0.05);  // soft tissue
                        if (rb > 0.8) hu = -90;                 // subcutaneous fat
                        const double lx = std::abs(dx) - 0.42, ly = dy / 0.75;
                        if (lx * lx / 0.09 + ly * ly < 1) hu = -850 + 40 * std::sin(p[0] * 0.3) * std::cos(p[1] * 0.2);  // lungs
                        const double sy = (dy + 0.75) / 0.12;
                        if (dx * dx / 0.01 + sy * sy < 1) hu = 700;  // spine
                    }
                }
                hu += noise_sd * rng.normal();
                st.image.data[i] = std::int16_t(std::clamp(std::lround(hu), -1024l, 3071l));
            }
    for (std::size_t b = 0; b < blobs.size(); ++b)
        if (counts[b] >= 64) {
            st.lesions.push_back({int(b) + 1, counts[b]});
            if (b + 1 == blobs.size()) st.organ_label = int(b) + 1;  // the organ is the last blob
        } else if (counts[b] > 0)
            for (auto& l : st.labels.data)
                if (l == b + 1) l = 0;
    double mean_texture = 0;
    for (std::size_t b = 0; b + 1 < blobs.size(); ++b) mean_texture += blobs[b].blob.texture / double(blobs.size() - 1);
    st.outcome = mean_texture + 10 * rng.normal() > 32 ? 1 : 0;
    st.scanner = rng.uniform() < 0.6 ? "sharp" : "smooth";
    return st;
}

}  // namespace radhpc::pipeline
