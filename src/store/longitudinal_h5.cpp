// /longitudinal group of a store file (layout: schemas/store_layout.md "Longitudinal").
#include "longitudinal_h5.hpp"

#include "radhpc/core/error.hpp"

namespace radhpc::store {

using h5::column_of;

namespace {

template <class Row, class F>
std::vector<double> f64_of(const std::vector<Row>& rows, F get) {
    return column_of(rows, get);
}

void write_changes(hid_t g, const Longitudinal& l, bool compress) {
    h5::Id t = h5::create_group(g, "changes");
    const auto& c = l.changes;
    using R = LongitudinalChangeRow;
    h5::write_strings(t, "patient_id", column_of(c, [](const R& r) { return r.patient_id; }));
    h5::write_strings(t, "lesion_id", column_of(c, [](const R& r) { return r.lesion_id; }));
    h5::write_strings(t, "from", column_of(c, [](const R& r) { return r.from_timepoint; }));
    h5::write_strings(t, "to", column_of(c, [](const R& r) { return r.to_timepoint; }));
    h5::write_strings(t, "pair", column_of(c, [](const R& r) { return r.pair; }));
    h5::write_strings(t, "status", column_of(c, [](const R& r) { return r.status; }));
    h5::write_strings(t, "from_study", column_of(c, [](const R& r) { return r.from_study; }));
    h5::write_strings(t, "to_study", column_of(c, [](const R& r) { return r.to_study; }));
    h5::write_i64(t, "from_lesion", column_of(c, [](const R& r) { return r.from_lesion; }));
    h5::write_i64(t, "to_lesion", column_of(c, [](const R& r) { return r.to_lesion; }));
    h5::write_f64(t, "volume_from", f64_of(c, [](const R& r) { return r.volume_from; }));
    h5::write_f64(t, "volume_to", f64_of(c, [](const R& r) { return r.volume_to; }));
    h5::write_strings(t, "columns", l.columns);
    h5::write_matrix(t, "absolute", l.absolute, c.size(), l.columns.size(), compress);
    h5::write_matrix(t, "relative", l.relative, c.size(), l.columns.size(), compress);
    std::vector<double> flags(l.relative_undefined.begin(), l.relative_undefined.end());
    h5::write_matrix(t, "relative_undefined", flags, c.size(), l.columns.size(), compress);
}

void write_tables(hid_t g, const Longitudinal& l) {
    {
        h5::Id t = h5::create_group(g, "burden");
        using R = LongitudinalBurdenRow;
        const auto& b = l.burden;
        h5::write_strings(t, "patient_id", column_of(b, [](const R& r) { return r.patient_id; }));
        h5::write_strings(t, "timepoint", column_of(b, [](const R& r) { return r.timepoint; }));
        h5::write_strings(t, "study_id", column_of(b, [](const R& r) { return r.study_id; }));
        h5::write_i64(t, "lesions", column_of(b, [](const R& r) { return r.lesions; }));
        h5::write_f64(t, "total_volume", f64_of(b, [](const R& r) { return r.total_volume; }));
        h5::write_f64(t, "sum_diameters", f64_of(b, [](const R& r) { return r.sum_diameters; }));
        h5::write_f64(t, "volume_change", f64_of(b, [](const R& r) { return r.volume_change; }));
        h5::write_f64(t, "diameter_change", f64_of(b, [](const R& r) { return r.diameter_change; }));
    }
    {
        h5::Id t = h5::create_group(g, "tests");
        using R = LongitudinalTestRow;
        const auto& s = l.tests;
        h5::write_strings(t, "feature", column_of(s, [](const R& r) { return r.feature; }));
        h5::write_strings(t, "from", column_of(s, [](const R& r) { return r.from_timepoint; }));
        h5::write_strings(t, "to", column_of(s, [](const R& r) { return r.to_timepoint; }));
        h5::write_i64(t, "n", column_of(s, [](const R& r) { return r.n; }));
        h5::write_f64(t, "mean_change", f64_of(s, [](const R& r) { return r.mean_change; }));
        h5::write_f64(t, "wilcoxon_v", f64_of(s, [](const R& r) { return r.wilcoxon_v; }));
        h5::write_f64(t, "wilcoxon_p", f64_of(s, [](const R& r) { return r.wilcoxon_p; }));
        h5::write_f64(t, "wilcoxon_p_bh", f64_of(s, [](const R& r) { return r.wilcoxon_p_bh; }));
        h5::write_f64(t, "t", f64_of(s, [](const R& r) { return r.t; }));
        h5::write_f64(t, "t_df", f64_of(s, [](const R& r) { return r.t_df; }));
        h5::write_f64(t, "t_p", f64_of(s, [](const R& r) { return r.t_p; }));
        h5::write_f64(t, "t_p_bh", f64_of(s, [](const R& r) { return r.t_p_bh; }));
    }
    {
        h5::Id t = h5::create_group(g, "classes");
        using R = LongitudinalClassRow;
        const auto& s = l.classes;
        h5::write_strings(t, "signature", column_of(s, [](const R& r) { return r.signature; }));
        h5::write_strings(t, "patient_id", column_of(s, [](const R& r) { return r.patient_id; }));
        h5::write_strings(t, "timepoint", column_of(s, [](const R& r) { return r.timepoint; }));
        h5::write_strings(t, "study_id", column_of(s, [](const R& r) { return r.study_id; }));
        h5::write_f64(t, "score", f64_of(s, [](const R& r) { return r.score; }));
        h5::write_strings(t, "label", column_of(s, [](const R& r) { return r.label; }));
    }
    {
        h5::Id t = h5::create_group(g, "survival");
        using R = LongitudinalSurvivalRow;
        const auto& s = l.survival;
        h5::write_strings(t, "signature", column_of(s, [](const R& r) { return r.signature; }));
        h5::write_strings(t, "timepoint", column_of(s, [](const R& r) { return r.timepoint; }));
        h5::write_strings(t, "label", column_of(s, [](const R& r) { return r.label; }));
        h5::write_i64(t, "patients", column_of(s, [](const R& r) { return r.patients; }));
        h5::write_i64(t, "events", column_of(s, [](const R& r) { return r.events; }));
        h5::write_f64(t, "km_median", f64_of(s, [](const R& r) { return r.km_median; }));
        h5::write_f64(t, "logrank_chisq", f64_of(s, [](const R& r) { return r.logrank_chisq; }));
        h5::write_f64(t, "logrank_p", f64_of(s, [](const R& r) { return r.logrank_p; }));
        h5::write_f64(t, "hazard_ratio", f64_of(s, [](const R& r) { return r.hazard_ratio; }));
        h5::write_f64(t, "hr_lower", f64_of(s, [](const R& r) { return r.hr_lower; }));
        h5::write_f64(t, "hr_upper", f64_of(s, [](const R& r) { return r.hr_upper; }));
        h5::write_f64(t, "cox_p", f64_of(s, [](const R& r) { return r.cox_p; }));
    }
}

void fits(std::size_t got, std::size_t rows, const std::string& what) {
    if (got != rows)
        throw Error(ErrorKind::invalid_input, "/longitudinal/" + what + ": " + std::to_string(got) + " values for " + std::to_string(rows) +
                                                  " rows (a damaged store)");
}

void read_changes(hid_t g, Longitudinal& l) {
    h5::Id t = h5::open_group_if_exists(g, "changes");
    if (t < 0) return;
    const auto patient = h5::read_strings(t, "patient_id");
    const std::size_t n = patient.size();
    const auto s = [&](const char* name) {
        auto v = h5::read_strings(t, name);
        fits(v.size(), n, std::string("changes/") + name);
        return v;
    };
    const auto i = [&](const char* name) {
        auto v = h5::read_i64(t, name);
        fits(v.size(), n, std::string("changes/") + name);
        return v;
    };
    const auto d = [&](const char* name) {
        auto v = h5::read_f64(t, name);
        fits(v.size(), n, std::string("changes/") + name);
        return v;
    };
    const auto lesion = s("lesion_id"), from = s("from"), to = s("to"), pair = s("pair"), status = s("status");
    const auto from_study = s("from_study"), to_study = s("to_study");
    const auto from_lesion = i("from_lesion"), to_lesion = i("to_lesion");
    const auto vf = d("volume_from"), vt = d("volume_to");
    for (std::size_t r = 0; r < n; ++r)
        l.changes.push_back({patient[r], lesion[r], from[r], to[r], pair[r], status[r], from_study[r], to_study[r], from_lesion[r],
                             to_lesion[r], vf[r], vt[r]});
    l.columns = h5::read_strings(t, "columns");
    std::size_t rows = 0, cols = 0;
    l.absolute = h5::read_matrix(t, "absolute", rows, cols);
    fits(l.absolute.size(), n * l.columns.size(), "changes/absolute");
    l.relative = h5::read_matrix(t, "relative", rows, cols);
    fits(l.relative.size(), n * l.columns.size(), "changes/relative");
    const auto flags = h5::read_matrix(t, "relative_undefined", rows, cols);
    fits(flags.size(), n * l.columns.size(), "changes/relative_undefined");
    l.relative_undefined.assign(flags.begin(), flags.end());
}

void read_tables(hid_t g, Longitudinal& l) {
    if (h5::Id t = h5::open_group_if_exists(g, "burden"); t >= 0) {
        const auto p = h5::read_strings(t, "patient_id"), tp = h5::read_strings(t, "timepoint"), st = h5::read_strings(t, "study_id");
        const auto les = h5::read_i64(t, "lesions");
        const auto vol = h5::read_f64(t, "total_volume"), dia = h5::read_f64(t, "sum_diameters");
        const auto vc = h5::read_f64(t, "volume_change"), dc = h5::read_f64(t, "diameter_change");
        for (const auto& v : {tp.size(), st.size(), les.size(), vol.size(), dia.size(), vc.size(), dc.size()}) fits(v, p.size(), "burden");
        for (std::size_t r = 0; r < p.size(); ++r) l.burden.push_back({p[r], tp[r], st[r], les[r], vol[r], dia[r], vc[r], dc[r]});
    }
    if (h5::Id t = h5::open_group_if_exists(g, "tests"); t >= 0) {
        const auto f = h5::read_strings(t, "feature"), from = h5::read_strings(t, "from"), to = h5::read_strings(t, "to");
        const auto n = h5::read_i64(t, "n");
        const auto names = {"mean_change", "wilcoxon_v", "wilcoxon_p", "wilcoxon_p_bh", "t", "t_df", "t_p", "t_p_bh"};
        std::vector<std::vector<double>> v;
        for (const char* name : names) {
            v.push_back(h5::read_f64(t, name));
            fits(v.back().size(), f.size(), std::string("tests/") + name);
        }
        fits(from.size(), f.size(), "tests/from");
        fits(to.size(), f.size(), "tests/to");
        fits(n.size(), f.size(), "tests/n");
        for (std::size_t r = 0; r < f.size(); ++r)
            l.tests.push_back({f[r], from[r], to[r], n[r], v[0][r], v[1][r], v[2][r], v[3][r], v[4][r], v[5][r], v[6][r], v[7][r]});
    }
    if (h5::Id t = h5::open_group_if_exists(g, "classes"); t >= 0) {
        const auto sig = h5::read_strings(t, "signature"), p = h5::read_strings(t, "patient_id"), tp = h5::read_strings(t, "timepoint");
        const auto st = h5::read_strings(t, "study_id"), label = h5::read_strings(t, "label");
        const auto score = h5::read_f64(t, "score");
        for (const auto& v : {p.size(), tp.size(), st.size(), label.size(), score.size()}) fits(v, sig.size(), "classes");
        for (std::size_t r = 0; r < sig.size(); ++r) l.classes.push_back({sig[r], p[r], tp[r], st[r], score[r], label[r]});
    }
    if (h5::Id t = h5::open_group_if_exists(g, "survival"); t >= 0) {
        const auto sig = h5::read_strings(t, "signature"), tp = h5::read_strings(t, "timepoint"), label = h5::read_strings(t, "label");
        const auto pat = h5::read_i64(t, "patients"), ev = h5::read_i64(t, "events");
        std::vector<std::vector<double>> v;
        for (const char* name : {"km_median", "logrank_chisq", "logrank_p", "hazard_ratio", "hr_lower", "hr_upper", "cox_p"}) {
            v.push_back(h5::read_f64(t, name));
            fits(v.back().size(), sig.size(), std::string("survival/") + name);
        }
        for (const auto& n : {tp.size(), label.size(), pat.size(), ev.size()}) fits(n, sig.size(), "survival");
        for (std::size_t r = 0; r < sig.size(); ++r)
            l.survival.push_back({sig[r], tp[r], label[r], pat[r], ev[r], v[0][r], v[1][r], v[2][r], v[3][r], v[4][r], v[5][r], v[6][r]});
    }
}

}  // namespace

void write_longitudinal_group(hid_t file, const Longitudinal& l, bool compress) {
    if (l.empty()) return;
    h5::Id g = h5::create_group(file, "longitudinal");
    h5::write_f64(g, "computed_at", {l.computed_at});
    h5::write_strings(g, "settings", {l.settings});
    h5::write_strings(g, "table_hash", {l.table_hash});
    h5::write_strings(g, "timepoints", l.timepoints);
    h5::write_strings(g, "notes", l.notes);
    write_changes(g, l, compress);
    write_tables(g, l);
}

Longitudinal read_longitudinal_group(hid_t file) {
    Longitudinal l;
    h5::Id g = h5::open_group_if_exists(file, "longitudinal");
    if (g < 0) return l;
    l.computed_at = h5::read_scalar_f64(g, "computed_at");
    l.settings = h5::read_scalar_string(g, "settings");
    l.table_hash = h5::read_scalar_string(g, "table_hash");
    l.timepoints = h5::read_strings(g, "timepoints");
    l.notes = h5::read_strings(g, "notes");
    read_changes(g, l);
    read_tables(g, l);
    return l;
}

}  // namespace radhpc::store
