// The job file's `perturbations` section -> a list of Perturbation chains (see perturbation_io.hpp).
#include "radhpc/io/perturbation_io.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "radhpc/core/error.hpp"
#include "radhpc/preprocess/perturb.hpp"

namespace radhpc::io {
namespace {

// Shortest fixed-point decimal that reads back as the same double (ids must be unique and
// readable: 10 -> "10", 0.25 -> "0.25", never "1e+01").
std::string number(double v) {
    if (v == 0) v = 0;  // no "-0"
    char buf[64];
    for (int decimals = 0; decimals <= 20; ++decimals) {
        std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
        if (std::strtod(buf, nullptr) == v) return buf;
    }
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}
std::string fixed2(double v) {  // translations: 0.25, 0.50 (at least two decimals)
    if (v == 0) v = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    if (std::strtod(buf, nullptr) == v) return buf;
    return number(v);
}
std::string signed_number(double v) { return (v > 0 ? "+" : "") + number(v); }

using Kind = PerturbationStep::Kind;

struct Option {
    std::string id;
    std::vector<PerturbationStep> steps;
};

std::vector<Option> rotation_options(const PerturbationPlan& p) {
    std::vector<Option> out;
    for (double a : p.rotation_angles) out.push_back({"rot" + number(a), {PerturbationStep{.kind = Kind::rotation, .angle_deg = a}}});
    return out;
}

std::vector<Option> translation_options(const PerturbationPlan& p) {
    std::vector<int> axes;
    for (char c : p.translation_axes) axes.push_back(c - 'x');
    std::vector<Option> out;
    if (p.translation_fractions.empty()) return out;
    // every combination of the fractions over the listed axes, first axis slowest (tx0_ty0, tx0_ty0.25, ...)
    std::vector<std::size_t> digit(axes.size(), 0);
    const std::size_t nf = p.translation_fractions.size();
    while (true) {
        PerturbationStep s{.kind = Kind::translation};
        std::string id;
        for (std::size_t k = 0; k < axes.size(); ++k) {
            const double f = p.translation_fractions[digit[k]];
            s.shift[std::size_t(axes[k])] = f;
            id += std::string(id.empty() ? "" : "_") + "t" + char('x' + axes[k]) + fixed2(f);
        }
        out.push_back({id, {s}});
        std::size_t k = axes.size();
        while (k > 0 && ++digit[k - 1] == nf) digit[--k] = 0;
        if (k == 0) break;
    }
    return out;
}

std::vector<Option> noise_options(const PerturbationPlan& p) {
    std::vector<Option> out;
    for (int r = 0; r < p.noise_repetitions; ++r)
        out.push_back({"noise" + number(p.noise_scale) + "x_r" + std::to_string(r),
                       {PerturbationStep{.kind = Kind::noise, .noise_scale = p.noise_scale}}});
    return out;
}

std::vector<Option> volume_options(const PerturbationPlan& p) {
    std::vector<Option> out;
    for (double g : p.volume_grow_mm) out.push_back({"vol" + number(g) + "mm", {PerturbationStep{.kind = Kind::volume, .grow_mm = g}}});
    for (double f : p.volume_fractions)
        out.push_back({"volfrac" + signed_number(f), {PerturbationStep{.kind = Kind::volume, .volume_fraction = f}}});
    return out;
}

std::vector<Option> contour_options(const PerturbationPlan& p) {
    std::vector<Option> out;
    for (int r = 0; r < p.contour_repetitions; ++r) out.push_back({"contour_r" + std::to_string(r), {PerturbationStep{.kind = Kind::contour}}});
    return out;
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t index) { return preprocess::derive_seed(seed, index); }
std::uint64_t derive_seed(std::uint64_t seed, std::string_view key) { return preprocess::derive_seed(seed, key); }

std::uint64_t lesion_seed(std::uint64_t perturbation_seed, const std::string& study_id, int lesion) {
    return derive_seed(perturbation_seed, study_id + "/" + std::to_string(lesion));
}

PerturbationPlan ibsi_tolerance_plan() {
    PerturbationPlan p;
    p.include_original = false;
    p.product = true;
    p.rotation_angles = {-15, -10, -5, 0, 5, 10, 15};
    p.translation_fractions = {0, 0.25, 0.5, 0.75};
    p.translation_axes = "xy";
    p.volume_grow_mm = {-2, 0, 2};
    return p;
}

std::vector<Perturbation> expand_perturbations(const PerturbationPlan& plan, const std::string& path) {
    const std::vector<std::vector<Option>> kinds_all{rotation_options(plan), translation_options(plan), noise_options(plan),
                                                     volume_options(plan), contour_options(plan)};
    std::vector<std::vector<Option>> kinds;
    for (const auto& k : kinds_all)
        if (!k.empty()) kinds.push_back(k);

    std::vector<Option> chains;
    if (plan.include_original) chains.push_back({"none", {}});
    if (plan.product && !kinds.empty()) {
        std::vector<std::size_t> digit(kinds.size(), 0);
        while (true) {
            Option o;
            for (std::size_t k = 0; k < kinds.size(); ++k) {
                const Option& part = kinds[k][digit[k]];
                o.id += (o.id.empty() ? "" : "_") + part.id;
                o.steps.insert(o.steps.end(), part.steps.begin(), part.steps.end());
            }
            chains.push_back(std::move(o));
            std::size_t k = kinds.size();
            while (k > 0 && ++digit[k - 1] == kinds[k - 1].size()) digit[--k] = 0;
            if (k == 0) break;
        }
    } else {
        for (const auto& k : kinds)
            for (const auto& o : k) chains.push_back(o);
    }

    std::vector<Perturbation> out;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < chains.size(); ++i) {
        if (!seen.insert(chains[i].id).second)
            throw Error(ErrorKind::settings, path + ": perturbation id '" + chains[i].id +
                                                 "' occurs twice (a value is listed twice)");
        Perturbation p;
        p.id = chains[i].id;
        p.steps = std::move(chains[i].steps);
        p.seed = derive_seed(plan.seed, std::uint64_t(i));
        out.push_back(std::move(p));
    }
    return out;
}

PerturbationPlan parse_perturbation_plan(const YAML::Node& n, const std::string& path) {
    PerturbationPlan p;
    if (!n || !n.IsMap()) throw Error(ErrorKind::settings, path + ": expected a mapping");
    auto numbers = [&](const YAML::Node& list, const std::string& where) {
        std::vector<double> v;
        std::set<double> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const double x = list[i].as<double>();
            if (!std::isfinite(x)) throw Error(ErrorKind::settings, where + "[" + std::to_string(i) + "]: not a finite number");
            if (!seen.insert(x).second)
                throw Error(ErrorKind::settings, where + "[" + std::to_string(i) + "]: " + number(x) + " is listed twice");
            v.push_back(x);
        }
        return v;
    };
    if (n["seed"]) p.seed = n["seed"].as<std::uint64_t>();
    if (n["include_original"]) p.include_original = n["include_original"].as<bool>();
    if (n["combine"]) p.product = n["combine"].as<std::string>() != "separate";
    if (auto r = n["rotation"]) p.rotation_angles = numbers(r["angles"], path + ".rotation.angles");
    if (auto t = n["translation"]) {
        p.translation_fractions = numbers(t["fractions"], path + ".translation.fractions");
        if (t["axes"]) p.translation_axes = t["axes"].as<std::string>();
    }
    if (auto z = n["noise"]) {
        p.noise_repetitions = z["repetitions"].as<int>();
        if (z["scale"]) p.noise_scale = z["scale"].as<double>();
    }
    if (auto v = n["volume"]) {
        if (v["grow_mm"] && v["fractions"])
            throw Error(ErrorKind::settings, path + ".volume: give either grow_mm or fractions, not both");
        if (!v["grow_mm"] && !v["fractions"])
            throw Error(ErrorKind::settings, path + ".volume: give grow_mm or fractions");
        if (v["grow_mm"]) p.volume_grow_mm = numbers(v["grow_mm"], path + ".volume.grow_mm");
        if (v["fractions"]) p.volume_fractions = numbers(v["fractions"], path + ".volume.fractions");
    }
    if (auto c = n["contour"]) p.contour_repetitions = c["repetitions"].as<int>();
    return p;
}

std::vector<Perturbation> parse_perturbations(const YAML::Node& node, const std::string& path) {
    return expand_perturbations(parse_perturbation_plan(node, path), path);
}

}  // namespace radhpc::io
