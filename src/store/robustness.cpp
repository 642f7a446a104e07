// /perturbations and /robustness groups of a store file (layout: schemas/store_layout.md).
#include "robustness_h5.hpp"

namespace radhpc::store {

using h5::at_or;
using h5::column_of;

void write_sweep_groups(hid_t file, const std::vector<PerturbationRecord>& perturbations, const Robustness& r, bool compress) {
    {
        h5::Id g = h5::create_group(file, "perturbations");
        h5::write_strings(g, "id", column_of(perturbations, [](const PerturbationRecord& p) { return p.id; }));
        h5::write_strings(g, "spec", column_of(perturbations, [](const PerturbationRecord& p) { return p.spec; }));
        // Seeds are 64-bit unsigned; stored as their two's-complement int64 (bit pattern kept).
        h5::write_i64(g, "seed", column_of(perturbations, [](const PerturbationRecord& p) { return std::int64_t(p.seed); }));
    }
    if (r.empty()) return;
    h5::Id g = h5::create_group(file, "robustness");
    h5::write_f64(g, "computed_at", {r.computed_at});
    h5::write_f64(g, "threshold", {r.threshold});
    h5::write_f64(g, "redundancy_threshold", {r.redundancy_threshold});
    h5::write_strings(g, "run_id", {r.run_id});
    h5::write_strings(g, "table_hash", {r.table_hash});
    h5::write_strings(g, "settings", {r.settings});
    h5::write_strings(g, "source", {r.source});
    h5::write_strings(g, "icc_type", {r.icc_type});
    h5::write_strings(g, "criterion", {r.criterion});
    h5::write_strings(g, "notes", r.notes);
    {
        h5::Id t = h5::create_group(g, "icc");
        h5::write_strings(t, "feature", column_of(r.icc, [](const IccRow& x) { return x.feature; }));
        h5::write_strings(t, "type", column_of(r.icc, [](const IccRow& x) { return x.type; }));
        h5::write_f64(t, "icc", column_of(r.icc, [](const IccRow& x) { return x.icc; }));
        h5::write_f64(t, "ci_lower", column_of(r.icc, [](const IccRow& x) { return x.ci_lower; }));
        h5::write_f64(t, "ci_upper", column_of(r.icc, [](const IccRow& x) { return x.ci_upper; }));
        h5::write_i64(t, "subjects", column_of(r.icc, [](const IccRow& x) { return x.subjects; }));
        h5::write_i64(t, "raters", column_of(r.icc, [](const IccRow& x) { return x.raters; }));
    }
    h5::write_strings(g, "robust", r.robust);
    {
        h5::Id t = h5::create_group(g, "clusters");
        h5::write_strings(t, "feature", column_of(r.clusters, [](const ClusterRow& x) { return x.feature; }));
        h5::write_i64(t, "cluster", column_of(r.clusters, [](const ClusterRow& x) { return std::int64_t(x.cluster); }));
        h5::write_strings(t, "archetype", column_of(r.clusters, [](const ClusterRow& x) { return x.archetype; }));
    }
    h5::write_strings(g, "selected", r.selected);
    {
        h5::write_strings(g, "reference", {r.reference});
        h5::write_i64(g, "harmonised", {r.harmonised ? 1 : 0});
        h5::Id t = h5::create_group(g, "selected_table");
        const auto& h = r.selected_table;
        h5::write_strings(t, "columns", h.columns);
        h5::write_strings(t, "study_id", h.study_id);
        h5::write_strings(t, "patient_id", h.patient_id);
        h5::write_i64(t, "lesion", h.lesion);
        h5::write_matrix(t, "values", h.values, h.study_id.size(), h.columns.size(), compress);
    }
}

void read_sweep_groups(hid_t file, std::vector<PerturbationRecord>& perturbations, Robustness& r) {
    if (h5::Id g = h5::open_group_if_exists(file, "perturbations"); g >= 0) {
        const auto id = h5::read_strings(g, "id"), spec = h5::read_strings(g, "spec");
        const auto seed = h5::read_i64(g, "seed");
        for (std::size_t i = 0; i < id.size(); ++i)
            perturbations.push_back({id[i], at_or(spec, i, std::string()), std::uint64_t(at_or<std::int64_t>(seed, i, 0))});
    }
    h5::Id g = h5::open_group_if_exists(file, "robustness");
    if (g < 0) return;
    r.computed_at = h5::read_scalar_f64(g, "computed_at");
    r.threshold = h5::read_scalar_f64(g, "threshold");
    r.redundancy_threshold = h5::read_scalar_f64(g, "redundancy_threshold");
    r.run_id = h5::read_scalar_string(g, "run_id");
    r.table_hash = h5::read_scalar_string(g, "table_hash");
    r.settings = h5::read_scalar_string(g, "settings");
    r.source = h5::read_scalar_string(g, "source");
    r.icc_type = h5::read_scalar_string(g, "icc_type");
    r.criterion = h5::read_scalar_string(g, "criterion");
    r.notes = h5::read_strings(g, "notes");
    if (h5::Id t = h5::open_group_if_exists(g, "icc"); t >= 0) {
        const auto f = h5::read_strings(t, "feature"), ty = h5::read_strings(t, "type");
        const auto v = h5::read_f64(t, "icc"), lo = h5::read_f64(t, "ci_lower"), hi = h5::read_f64(t, "ci_upper");
        const auto n = h5::read_i64(t, "subjects"), k = h5::read_i64(t, "raters");
        for (std::size_t i = 0; i < f.size(); ++i)
            r.icc.push_back({f[i], at_or(ty, i, std::string()), at_or(v, i, 0.0), at_or(lo, i, 0.0), at_or(hi, i, 0.0),
                             at_or<std::int64_t>(n, i, 0), at_or<std::int64_t>(k, i, 0)});
    }
    r.robust = h5::read_strings(g, "robust");
    if (h5::Id t = h5::open_group_if_exists(g, "clusters"); t >= 0) {
        const auto f = h5::read_strings(t, "feature"), a = h5::read_strings(t, "archetype");
        const auto c = h5::read_i64(t, "cluster");
        for (std::size_t i = 0; i < f.size(); ++i)
            r.clusters.push_back({f[i], int(at_or<std::int64_t>(c, i, 0)), at_or(a, i, std::string())});
    }
    r.selected = h5::read_strings(g, "selected");
    r.reference = h5::read_scalar_string(g, "reference");
    r.harmonised = h5::read_scalar_i64(g, "harmonised") != 0;
    if (h5::Id t = h5::open_group_if_exists(g, "selected_table"); t >= 0) {
        auto& h = r.selected_table;
        h.columns = h5::read_strings(t, "columns");
        h.study_id = h5::read_strings(t, "study_id");
        h.patient_id = h5::read_strings(t, "patient_id");
        h.lesion = h5::read_i64(t, "lesion");
        std::size_t rows = 0, cols = 0;
        h.values = h5::read_matrix(t, "values", rows, cols);
    }
}

}  // namespace radhpc::store
