#include "sweep.hpp"

#include "radhpc/core/text.hpp"
#include "radhpc/io/perturbation_io.hpp"

namespace radhpc::engine {

std::string perturbation_spec(const Perturbation& p) {
    if (p.steps.empty()) return "none";
    std::string s;
    for (const auto& st : p.steps) {
        if (!s.empty()) s += ";";
        switch (st.kind) {
            case PerturbationStep::Kind::rotation: s += "rotation(angle_deg=" + text::format17(st.angle_deg) + ")"; break;
            case PerturbationStep::Kind::translation:
                s += "translation(shift=" + text::format17(st.shift[0]) + "," + text::format17(st.shift[1]) + "," + text::format17(st.shift[2]) + ")";
                break;
            case PerturbationStep::Kind::noise: s += "noise(scale=" + text::format17(st.noise_scale) + ")"; break;
            case PerturbationStep::Kind::volume:
                s += "volume(grow_mm=" + text::format17(st.grow_mm) + ",fraction=" + text::format17(st.volume_fraction) + ")";
                break;
            case PerturbationStep::Kind::contour: s += "contour()"; break;
        }
    }
    return s;
}

bool draws_random(const Perturbation& p) {
    for (const auto& st : p.steps)
        if (st.kind == PerturbationStep::Kind::noise || st.kind == PerturbationStep::Kind::contour) return true;
    return false;
}

std::vector<store::PerturbationRecord> perturbation_records(const std::vector<Perturbation>& list) {
    std::vector<store::PerturbationRecord> out;
    for (const auto& p : list) out.push_back({p.id, perturbation_spec(p), p.seed});
    return out;
}

}  // namespace radhpc::engine
