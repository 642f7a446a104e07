// radhpc synth --timepoints T (issue 18): a longitudinal archive whose lesions keep their identity and
// change in known ways (the rule is documented at kMaxSynthTimepoints in synth.hpp and in timepoints.json).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "radhpc/core/error.hpp"
#include "radhpc/pipeline/synth.hpp"
#include "synth_internal.hpp"

namespace radhpc::pipeline {
using detail::Blob;
using detail::Rng;

std::string timepoint_label(int t) { return t == 0 ? "baseline" : "fu" + std::to_string(t); }

namespace {

constexpr double kMinFactor = 0.7, kMaxFactor = 1.6;  // radius factors
constexpr double kDrift = 1.5, kShift = 2.0;           // mm: per-axis lesion drift, per-study patient shift (x, y)
constexpr double kMinRadius = 7, kMaxRadius = 12;      // baseline lesions (new lesions: 6-8 mm when first seen)

struct PatientPlan {
    Geometry g;
    std::string scanner;
    int outcome = 0;
    std::vector<Blob> blobs;          // per lesion, at the size it has when first seen, at its base position
    std::vector<std::vector<Vec3>> drift;  // per lesion and timepoint (mm)
    PatientCourse course;
};

double factor(const LesionCourse& c, int t) {
    if (t < c.appears || t >= c.vanishes) return 0;
    return std::clamp(std::pow(c.rate, t - c.appears), kMinFactor, kMaxFactor);
}

// How far the blob reaches from its centre along each axis (mm) at factor 1.
Vec3 reach(const Blob& b) {
    Vec3 r = b.radii;
    for (const auto& [off, rad] : b.lobes)
        for (int a = 0; a < 3; ++a) r[a] = std::max(r[a], std::abs(off[a]) + rad);
    return r;
}

// The lesion's course (not its size or position): grow, shrink, stable or vanish for baseline lesions
// (the first never vanishes, so every study has a lesion), new for the others.
LesionCourse draw_course(Rng& rng, bool is_new, bool first, int timepoints) {
    LesionCourse c;
    c.vanishes = timepoints;
    if (is_new) {
        c.course = "new";
        c.appears = rng.integer(1, timepoints - 1);
        c.rate = rng.uniform(1.06, 1.15);
        return c;
    }
    const double u = rng.uniform();
    c.course = first ? (u < 0.5 ? "grow" : "shrink") : u < 0.3 ? "grow" : u < 0.6 ? "shrink" : u < 0.8 ? "stable" : "vanish";
    c.rate = c.course == "grow" ? rng.uniform(1.06, 1.15) : c.course == "stable" ? rng.uniform(0.98, 1.02) : rng.uniform(0.85, 0.94);
    if (c.course == "vanish") c.vanishes = rng.integer(1, timepoints - 1);
    return c;
}

// A centre for a blob reaching `margin` (mm, per axis, at its largest) that keeps it inside the image and
// apart from the blobs already placed (separated along at least one axis by both margins and a voxel).
bool place(Rng& rng, const Vec3& extent, const Vec3& margin, const Geometry& g, const std::vector<std::pair<Vec3, Vec3>>& placed, Vec3& centre) {
    for (int a = 0; a < 3; ++a)
        if (2 * margin[a] >= extent[a]) return false;
    for (int attempt = 0; attempt < 60; ++attempt) {
        for (int a = 0; a < 3; ++a) centre[a] = rng.uniform(margin[a], extent[a] - margin[a]);
        bool apart = true;
        for (const auto& [c, m] : placed) {
            bool separated = false;
            for (int a = 0; a < 3; ++a) separated |= std::abs(c[a] - centre[a]) > m[a] + margin[a] + g.spacing[a];
            apart &= separated;
        }
        if (apart) return true;
    }
    return false;
}

PatientPlan plan_patient(std::uint64_t seed, int patient, int timepoints, bool signal) {
    Rng rng{{detail::stream_seed(seed, 5, std::uint64_t(patient))}};
    const SignalPatient sp = signal ? signal_patient(seed, patient) : SignalPatient{};
    PatientPlan pl;
    Geometry& g = pl.g;
    g.size = {std::size_t(rng.integer(128, 160)), std::size_t(rng.integer(112, 136)), std::size_t(rng.integer(32, 40))};
    const double inplane = rng.uniform(0.75, 0.95);
    g.spacing = {inplane, inplane, rng.uniform() < 0.5 ? 2.5 : 3.0};
    g.origin = {-0.5 * g.size[0] * inplane, -0.5 * g.size[1] * inplane, rng.uniform(-400, -100)};
    const Vec3 extent{g.size[0] * g.spacing[0], g.size[1] * g.spacing[1], g.size[2] * g.spacing[2]};
    pl.scanner = rng.uniform() < 0.6 ? "sharp" : "smooth";
    auto& course = pl.course;
    for (int t = 0; t < timepoints; ++t) {
        course.day.push_back(t == 0 ? 0 : course.day.back() + 60 + rng.integer(-7, 7));
        course.shift_mm.push_back(t == 0 ? Vec3{0, 0, 0} : Vec3{rng.uniform(-kShift, kShift), rng.uniform(-kShift, kShift), 0});
    }
    const int n_base = rng.integer(1, 4), n_new = rng.integer(0, 2);
    std::vector<std::pair<Vec3, Vec3>> placed;  // centre, margin
    double texture_sum = 0;
    int baseline_placed = 0;
    for (int l = 0; l < n_base + n_new; ++l) {
        LesionCourse c = draw_course(rng, l >= n_base, l == 0, timepoints);
        double radius = l >= n_base ? rng.uniform(6, 8) : rng.uniform(kMinRadius, kMaxRadius);
        if (signal && l < n_base) radius = std::clamp(SignalModel::planted[0].value(sp.z[0], rng.normal()), kMinRadius, kMaxRadius);
        Blob b = detail::random_blob(rng, {0, 0, 0}, radius);
        if (signal) {
            b.hu = SignalModel::planted[1].value(sp.z[1], rng.normal());
            b.texture = SignalModel::planted[2].value(sp.z[2], rng.normal());
        }
        double fmax = 0;
        for (int t = 0; t < timepoints; ++t) fmax = std::max(fmax, factor(c, t));
        Vec3 margin = reach(b);
        for (int a = 0; a < 3; ++a) margin[a] = fmax * margin[a] + kDrift + (a < 2 ? kShift : 0) + g.spacing[a];
        Vec3 centre;
        if (!place(rng, extent, margin, g, placed, centre)) continue;  // no room: the lesion is not drawn (never the first)
        placed.push_back({centre, margin});
        b.centre = centre;
        c.label = int(course.lesions.size()) + 1;
        c.lesion_id = "L" + std::to_string(c.label);
        c.base_radius_mm = radius;
        std::vector<Vec3> drift(std::size_t(timepoints), Vec3{0, 0, 0});
        for (int t = 1; t < timepoints; ++t)
            for (int a = 0; a < 3; ++a) drift[std::size_t(t)][a] = rng.uniform(-kDrift, kDrift);
        for (int t = 0; t < timepoints; ++t) {
            const double f = factor(c, t);
            Vec3 at{};
            for (int a = 0; a < 3; ++a) at[a] = g.origin[a] + centre[a] + drift[std::size_t(t)][a] + course.shift_mm[std::size_t(t)][a];
            c.at.push_back({f > 0, f, at});
        }
        if (l < n_base) texture_sum += b.texture, ++baseline_placed;
        course.lesions.push_back(c);
        pl.blobs.push_back(b);
        pl.drift.push_back(drift);
    }
    if (course.lesions.empty() || course.lesions.front().course == "new")
        throw Error(ErrorKind::internal, "synth --timepoints: the first lesion could not be placed");
    pl.outcome = texture_sum / baseline_placed + 10 * rng.normal() > 32 ? 1 : 0;
    return pl;
}

}  // namespace

PatientCourse timepoint_course(std::uint64_t seed, int patient, int timepoints, bool signal) {
    return plan_patient(seed, patient, timepoints, signal).course;
}

SynthStudy make_timepoint_study(std::uint64_t seed, int index, int timepoints, bool signal) {
    const int patient = index / timepoints, t = index % timepoints;
    const PatientPlan pl = plan_patient(seed, patient, timepoints, signal);
    std::vector<Blob> blobs;
    detail::RenderExtras extra;
    extra.body_shift = pl.course.shift_mm[std::size_t(t)];
    extra.min_voxels = 1;  // lesions never touch: nothing is a fragment
    for (std::size_t l = 0; l < pl.blobs.size(); ++l) {
        const double f = factor(pl.course.lesions[l], t);
        if (f == 0) continue;
        Blob b = pl.blobs[l];
        Vec3 move{};
        for (int a = 0; a < 3; ++a) move[a] = pl.drift[l][std::size_t(t)][a] + extra.body_shift[a];
        for (int a = 0; a < 3; ++a) b.centre[a] += move[a], b.radii[a] *= f;
        for (auto& [off, rad] : b.lobes) {
            for (int a = 0; a < 3; ++a) off[a] *= f;
            rad *= f;
        }
        b.pattern_shift = move;
        blobs.push_back(b);
        extra.labels.push_back(pl.course.lesions[l].label);
    }
    char id[32];
    std::snprintf(id, sizeof id, "S%04d", index + 1);
    Rng rng{{detail::stream_seed(seed, 6, std::uint64_t(index))}};
    SynthStudy st = detail::render(rng, pl.g, blobs, id, &extra);
    char pid[32];
    std::snprintf(pid, sizeof pid, "P%04d", patient + 1);
    st.patient_id = pid;
    st.scanner = pl.scanner;
    st.outcome = pl.outcome;
    if (signal) {
        const SignalPatient sp = signal_patient(seed, patient);
        st.outcome = sp.outcome;
        st.time = sp.time;
        st.event = sp.event;
    }
    st.timepoint = timepoint_label(t);
    st.day = pl.course.day[std::size_t(t)];
    for (const auto& l : st.lesions) st.lesion_ids.push_back("L" + std::to_string(l.label));
    return st;
}

namespace detail {

std::vector<RenderedLesion> rendered_lesions(const SynthStudy& st) {
    std::vector<RenderedLesion> out;
    const Geometry& g = st.labels.geometry;
    for (const auto& l : st.lesions) {
        RenderedLesion r{l.label, 0, {0, 0, 0}};
        for (std::size_t z = 0; z < g.size[2]; ++z)
            for (std::size_t y = 0; y < g.size[1]; ++y)
                for (std::size_t x = 0; x < g.size[0]; ++x)
                    if (st.labels.at(x, y, z) == l.label) {
                        ++r.voxels;
                        r.centroid_mm[0] += double(x), r.centroid_mm[1] += double(y), r.centroid_mm[2] += double(z);
                    }
        for (int a = 0; a < 3; ++a) r.centroid_mm[a] = g.origin[a] + g.spacing[a] * r.centroid_mm[a] / double(r.voxels);
        out.push_back(r);
    }
    return out;
}

namespace {
std::string vec(const Vec3& v) { return "[" + num(std::round(v[0] * 1000) / 1000) + ", " + num(std::round(v[1] * 1000) / 1000) + ", " + num(std::round(v[2] * 1000) / 1000) + "]"; }
}  // namespace

void write_timepoints_json(const std::string& out_dir, std::uint64_t seed, int studies, const SynthOptions& options, const std::string& prefix,
                           const std::vector<std::vector<RenderedLesion>>& rendered) {
    namespace fs = std::filesystem;
    const int T = options.timepoints, patients = studies / T;
    std::ofstream js(fs::path(out_dir) / "timepoints.json");
    if (!js) throw Error(ErrorKind::io, out_dir + "/timepoints.json: cannot write");
    js << "{\n  \"generator\": \"radhpc synth --timepoints\",\n  \"seed\": " << seed << ",\n  \"timepoints\": " << T << ",\n  \"labels\": [";
    for (int t = 0; t < T; ++t) js << (t ? ", " : "") << "\"" << timepoint_label(t) << "\"";
    js << "],\n  \"patients\": " << patients << ",\n  \"studies\": " << studies << ",\n"
       << "  \"layout\": \"study S<i> (i = p T + t + 1) is patient P<p+1> at timepoint t; manifest columns timepoint, day, lesion_ids "
          "(L<k>;... in the order of labels, or of the mask's ROIs with --format dicom)\",\n"
       << "  \"identity\": \"lesion L<k> has label value k at every timepoint of its patient, DICOM RTSTRUCT ROI and SEG segment "
          "lesion-L<k>; baseline lesions L1..Ln, later lesions the next values (never reused)\",\n"
       << "  \"day\": \"0 at baseline, then previous + 60 + U{-7..7}\",\n"
       << "  \"courses\": \"radius factor at timepoint t = clamp(rate^(t - appears), " << num(kMinFactor) << ", " << num(kMaxFactor)
       << "), volume factor = radius factor^3 (every radius, lobe offset and lobe radius scaled); grow rate U(1.06, 1.15), shrink "
          "U(0.85, 0.94), stable U(0.98, 1.02), vanish shrinks then is absent from timepoint `vanishes` on (U{1..T-1}); new lesions "
          "(0-2 per patient) absent before `appears` (U{1..T-1}), then grow; L1 never vanishes\",\n"
       << "  \"position\": \"centre_mm (main ellipsoid centre, scanner mm) = base + drift + shift: drift U(-" << num(kDrift) << ", "
       << num(kDrift) << ") mm per axis at each follow-up (not cumulative), shift U(-" << num(kShift) << ", " << num(kShift)
       << ") mm in x and y of the whole patient (body and lesions) per follow-up study; centroid_mm is the rendered mask's voxel "
          "centroid (it also moves with the factor when the lesion has lobes); lesions never touch each other or the border\",\n"
       << "  \"unchanged\": \"per lesion: shape (axis ratios, lobes), intensity, texture (the pattern moves with the lesion), necrosis; "
          "per patient: geometry, scanner, outcome" << (options.signal ? ", time, event (signal.json)" : "") << "; per study: image noise\",\n"
       << "  \"truth\": [\n";
    for (int p = 0; p < patients; ++p) {
        const PatientCourse c = timepoint_course(seed, p, T, options.signal);
        char pid[32];
        std::snprintf(pid, sizeof pid, "P%04d", p + 1);
        js << "    {\"patient_id\": \"" << prefix << pid << "\", \"studies\": [";
        for (int t = 0; t < T; ++t) {
            char sid[32];
            std::snprintf(sid, sizeof sid, "S%04d", p * T + t + 1);
            js << (t ? ", " : "") << "{\"timepoint\": \"" << timepoint_label(t) << "\", \"study_id\": \"" << prefix << sid << "\", \"day\": "
               << c.day[std::size_t(t)] << ", \"shift_mm\": " << vec(c.shift_mm[std::size_t(t)]) << "}";
        }
        js << "],\n     \"lesions\": [\n";
        for (std::size_t l = 0; l < c.lesions.size(); ++l) {
            const auto& les = c.lesions[l];
            js << "      {\"lesion_id\": \"" << les.lesion_id << "\", \"label\": " << les.label << ", \"course\": \"" << les.course
               << "\", \"rate\": " << num(les.rate) << ", \"base_radius_mm\": " << num(les.base_radius_mm) << ", \"appears\": \""
               << timepoint_label(les.appears) << "\", \"vanishes\": "
               << (les.vanishes < T ? "\"" + timepoint_label(les.vanishes) + "\"" : std::string("null")) << ", \"timepoints\": [\n";
            for (int t = 0; t < T; ++t) {
                const auto& at = les.at[std::size_t(t)];
                const RenderedLesion* r = nullptr;
                for (const auto& x : rendered[std::size_t(p * T + t)])
                    if (x.label == les.label) r = &x;
                js << "        {\"timepoint\": \"" << timepoint_label(t) << "\", \"present\": " << (r ? "true" : "false");
                if (r)
                    js << ", \"radius_factor\": " << num(at.radius_factor) << ", \"volume_factor\": " << num(std::pow(at.radius_factor, 3))
                       << ", \"centre_mm\": " << vec(at.centre_mm) << ", \"centroid_mm\": " << vec(r->centroid_mm) << ", \"voxels\": " << r->voxels;
                js << "}" << (t + 1 < T ? ",\n" : "\n");
            }
            js << "      ]}" << (l + 1 < c.lesions.size() ? ",\n" : "\n");
        }
        js << "     ]}" << (p + 1 < patients ? ",\n" : "\n");
    }
    js << "  ]\n}\n";
}

}  // namespace detail
}  // namespace radhpc::pipeline
