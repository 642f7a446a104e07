// The longitudinal stage (see include/radhpc/analysis/longitudinal.hpp).
#include "radhpc/analysis/longitudinal.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/paired.hpp"
#include "radhpc/stats/screening.hpp"
#include "radhpc/stats/signature.hpp"
#include "radhpc/stats/distributions.hpp"
#include "radhpc/stats/survival.hpp"
#include "radhpc/store/hash.hpp"

namespace radhpc::analysis {
namespace {

constexpr double kNoChange = std::numeric_limits<double>::quiet_NaN();

}  // namespace

// Timepoints in order: the job's list, else by the smallest `order` value of their studies, else
// by first appearance (in study id order).
std::vector<std::string> timepoint_order(const io::LongitudinalSection& cfg, const std::map<std::string, StudyTimepoint>& studies) {
    if (!cfg.timepoints.empty()) return cfg.timepoints;
    std::vector<std::pair<double, std::string>> seen;
    for (const auto& [id, s] : studies) {
        auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.second == s.timepoint; });
        const double key = cfg.order.empty() ? double(seen.size()) : s.order;
        if (it == seen.end()) seen.emplace_back(key, s.timepoint);
        else if (!cfg.order.empty()) it->first = std::min(it->first, key);
    }
    std::stable_sort(seen.begin(), seen.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (const auto& p : seen) out.push_back(p.second);
    return out;
}

namespace {

std::vector<std::size_t> feature_columns(const io::LongitudinalSection& cfg, const store::FeatureTable& t) {
    std::vector<std::size_t> cols;
    if (!cfg.features.empty()) {
        for (const auto& f : cfg.features) {
            const auto it = std::find(t.columns.begin(), t.columns.end(), f);
            if (it == t.columns.end()) throw Error(ErrorKind::settings, "longitudinal.features: the store has no column " + f);
            cols.push_back(std::size_t(it - t.columns.begin()));
        }
        return cols;
    }
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        if (std::find(cfg.exclude.begin(), cfg.exclude.end(), t.columns[c]) == cfg.exclude.end()) cols.push_back(c);
    return cols;
}

int column_index(const store::Contents& c, const std::string& name) {
    const auto it = std::find(c.features.columns.begin(), c.features.columns.end(), name);
    return it == c.features.columns.end() ? -1 : int(it - c.features.columns.begin());
}

// The longest axial diameter column: the job's, else a PyRadiomics Maximum2DDiameterSlice column.
int diameter_column(const io::LongitudinalSection& cfg, const store::Contents& c) {
    if (!cfg.diameter_feature.empty()) {
        const int i = column_index(c, cfg.diameter_feature);
        if (i < 0) throw Error(ErrorKind::settings, "longitudinal.diameter_feature: the store has no column " + cfg.diameter_feature);
        return i;
    }
    for (const auto& r : c.registry)
        if (r.pyradiomics_name.size() >= 22 && r.pyradiomics_name.ends_with("Maximum2DDiameterSlice")) return column_index(c, r.column);
    return -1;
}

// A patient's rows: timepoint index -> (study, lesion id -> row).
struct PatientRows {
    std::map<std::size_t, std::string> study;
    std::map<std::size_t, std::map<std::string, std::size_t>> lesions;
};

class Builder {
public:
    Builder(const io::LongitudinalSection& cfg, const store::Contents& c, const std::map<std::string, StudyTimepoint>& studies)
        : cfg_(cfg), c_(c), studies_(studies) {}

    store::Longitudinal build() {
        out_.timepoints = timepoint_order(cfg_, studies_);
        if (out_.timepoints.size() < 2) throw Error(ErrorKind::invalid_input, "longitudinal: fewer than two timepoints in the manifest");
        cols_ = feature_columns(cfg_, c_.features);
        for (auto col : cols_) out_.columns.push_back(c_.features.columns[col]);
        volume_ = c_.volume_column.empty() ? -1 : column_index(c_, c_.volume_column);
        diameter_ = diameter_column(cfg_, c_);
        if (diameter_ < 0) out_.notes.push_back("no longest axial diameter column (longitudinal.diameter_feature, or PyRadiomics shape's Maximum2DDiameterSlice): sums of diameters left empty");
        group_rows();
        for (const auto& [patient, rows] : patients_) changes_of(patient, rows);
        burden();
        paired_tests();
        return std::move(out_);
    }

private:
    void group_rows() {
        const auto& t = c_.features;
        for (std::size_t r = 0; r < t.rows(); ++r) {
            const auto& key = t.keys[r];
            if (key.perturbation != "none") continue;
            const auto s = studies_.find(key.study_id);
            if (s == studies_.end()) continue;  // a study the manifest no longer lists
            const auto tp = std::find(out_.timepoints.begin(), out_.timepoints.end(), s->second.timepoint);
            if (tp == out_.timepoints.end()) {
                note("study " + key.study_id + ": timepoint '" + s->second.timepoint + "' is not in longitudinal.timepoints; left out");
                continue;
            }
            const auto ti = std::size_t(tp - out_.timepoints.begin());
            auto& p = patients_[s->second.patient_id];
            if (auto it = p.study.find(ti); it != p.study.end() && it->second != key.study_id) {
                note("patient " + s->second.patient_id + " has two studies at " + *tp + " (" + it->second + ", " + key.study_id + "); the first is used");
                continue;
            }
            p.study[ti] = key.study_id;
            const auto id = s->second.lesion_ids.find(key.lesion);
            p.lesions[ti][id == s->second.lesion_ids.end() ? std::to_string(key.lesion) : id->second] = r;
        }
    }

    void note(const std::string& n) {
        if (std::find(out_.notes.begin(), out_.notes.end(), n) == out_.notes.end()) out_.notes.push_back(n);
    }

    double value(std::size_t row, int col) const { return col < 0 ? kNoChange : c_.features.values[row * c_.features.columns.size() + std::size_t(col)]; }

    void changes_of(const std::string& patient, const PatientRows& rows) {
        const auto& study = rows.study;
        if (study.empty()) return;
        const std::size_t first = study.begin()->first;
        std::size_t previous = first;
        for (auto it = std::next(study.begin()); it != study.end(); ++it) {
            const std::size_t to = it->first;
            if (first == 0) add_pair(patient, rows, 0, to, "baseline");
            add_pair(patient, rows, previous, to, "previous");
            previous = to;
        }
    }

    void add_pair(const std::string& patient, const PatientRows& rows, std::size_t from, std::size_t to, const char* pair) {
        const auto& a = rows.lesions.at(from);
        const auto& b = rows.lesions.at(to);
        std::set<std::string> ids;
        for (const auto& [id, r] : a) ids.insert(id);
        for (const auto& [id, r] : b) ids.insert(id);
        const std::size_t nc = cols_.size();
        for (const auto& id : ids) {
            store::LongitudinalChangeRow row;
            row.patient_id = patient;
            row.lesion_id = id;
            row.from_timepoint = out_.timepoints[from];
            row.to_timepoint = out_.timepoints[to];
            row.pair = pair;
            const auto ia = a.find(id), ib = b.find(id);
            row.status = ia == a.end() ? "new" : ib == b.end() ? "resolved" : "both";
            if (ia != a.end()) row.from_study = rows.study.at(from), row.from_lesion = c_.features.keys[ia->second].lesion;
            if (ib != b.end()) row.to_study = rows.study.at(to), row.to_lesion = c_.features.keys[ib->second].lesion;
            row.volume_from = ia == a.end() ? 0.0 : value(ia->second, volume_);
            row.volume_to = ib == b.end() ? 0.0 : value(ib->second, volume_);
            for (std::size_t j = 0; j < nc; ++j) {
                double abs = kNoChange, rel = kNoChange;
                std::uint8_t undefined = 0;
                if (row.status == "both") {
                    const double x = value(ia->second, int(cols_[j])), y = value(ib->second, int(cols_[j]));
                    abs = y - x;
                    if (x == 0) undefined = 1;
                    else rel = (y - x) / x;
                }
                out_.absolute.push_back(abs);
                out_.relative.push_back(rel);
                out_.relative_undefined.push_back(undefined);
            }
            out_.changes.push_back(std::move(row));
        }
    }

    void burden() {
        for (const auto& [patient, rows] : patients_) {
            double base_volume = kNoChange, base_diameter = kNoChange;
            for (const auto& [ti, study] : rows.study) {
                store::LongitudinalBurdenRow b{patient, out_.timepoints[ti], study, 0, 0, 0, kNoChange, kNoChange};
                for (const auto& [id, r] : rows.lesions.at(ti)) {
                    ++b.lesions;
                    b.total_volume += value(r, volume_);
                    b.sum_diameters += value(r, diameter_);
                }
                if (ti == 0) base_volume = b.total_volume, base_diameter = b.sum_diameters;
                else {
                    if (base_volume != 0) b.volume_change = (b.total_volume - base_volume) / base_volume;
                    if (base_diameter != 0) b.diameter_change = (b.sum_diameters - base_diameter) / base_diameter;
                }
                out_.burden.push_back(b);
            }
        }
    }

    // Per later timepoint against the baseline, per feature: the lesions present at both.
    void paired_tests() {
        const std::size_t nc = cols_.size();
        for (std::size_t ti = 1; ti < out_.timepoints.size(); ++ti) {
            std::vector<store::LongitudinalTestRow> rows;
            for (std::size_t j = 0; j < nc; ++j) {
                std::vector<double> before, after;
                for (std::size_t r = 0; r < out_.changes.size(); ++r) {
                    const auto& ch = out_.changes[r];
                    if (ch.pair != std::string("baseline") || ch.status != "both" || ch.to_timepoint != out_.timepoints[ti]) continue;
                    const double d = out_.absolute[r * nc + j];
                    const auto& a = patients_.at(ch.patient_id).lesions.at(0).at(ch.lesion_id);
                    before.push_back(value(a, int(cols_[j])));
                    after.push_back(before.back() + d);
                }
                if (before.size() < 2) continue;
                store::LongitudinalTestRow t;
                t.feature = out_.columns[j];
                t.from_timepoint = out_.timepoints[0];
                t.to_timepoint = out_.timepoints[ti];
                t.n = std::int64_t(before.size());
                const auto w = stats::wilcoxon_signed_rank(after, before);
                const auto pt = stats::paired_t_test(after, before);
                t.mean_change = pt.estimate;
                t.wilcoxon_v = w.statistic;
                t.wilcoxon_p = w.p_value;
                t.t = pt.statistic;
                t.t_df = pt.df;
                t.t_p = pt.p_value;
                rows.push_back(t);
            }
            std::vector<double> pw, pt;
            for (const auto& r : rows) pw.push_back(r.wilcoxon_p), pt.push_back(r.t_p);
            const auto aw = stats::p_adjust_bh(pw), at = stats::p_adjust_bh(pt);
            for (std::size_t k = 0; k < rows.size(); ++k) rows[k].wilcoxon_p_bh = aw[k], rows[k].t_p_bh = at[k];
            out_.tests.insert(out_.tests.end(), rows.begin(), rows.end());
        }
    }

    const io::LongitudinalSection& cfg_;
    const store::Contents& c_;
    const std::map<std::string, StudyTimepoint>& studies_;
    store::Longitudinal out_;
    std::vector<std::size_t> cols_;
    int volume_ = -1, diameter_ = -1;
    std::map<std::string, PatientRows> patients_;
};

// The signature's class at each timepoint: the study's lesion scores aggregated as the signature
// aggregates a patient's, classified with its rule and threshold.
std::vector<store::LongitudinalClassRow> signature_classes(const io::LongitudinalSection& cfg, const store::Contents& c,
                                                          const std::map<std::string, StudyTimepoint>& studies) {
    std::vector<store::LongitudinalClassRow> out;
    if (cfg.signature.empty()) return out;
    const auto sig = std::find_if(c.signatures.begin(), c.signatures.end(), [&](const auto& s) { return s.name == cfg.signature; });
    if (sig == c.signatures.end() || sig->status != "scored")
        throw Error(ErrorKind::settings, "longitudinal.signature: no scored signature '" + cfg.signature + "' in the store (radhpc score first)");
    std::optional<stats::ScoreAggregation> aggregation;
    for (auto a : {stats::ScoreAggregation::mean, stats::ScoreAggregation::median, stats::ScoreAggregation::min, stats::ScoreAggregation::max})
        if (sig->aggregation == stats::to_string(a)) aggregation = a;
    std::optional<stats::ClassRule> rule;
    for (auto r : {stats::ClassRule::greater, stats::ClassRule::greater_equal, stats::ClassRule::less, stats::ClassRule::less_equal})
        if (sig->rule == stats::to_string(r)) rule = r;
    if (!aggregation || !rule)
        throw Error(ErrorKind::settings, "longitudinal.signature: '" + cfg.signature + "' aggregates as '" + sig->aggregation +
                                             "'; only per-lesion signatures aggregated by mean, median, min or max are followed per timepoint");
    std::map<std::string, std::vector<double>> scores;  // study -> lesion scores
    for (const auto& l : sig->lesions)
        if (std::isfinite(l.score)) scores[l.study_id].push_back(l.score);
    for (const auto& [study, v] : scores) {
        const auto s = studies.find(study);
        if (s == studies.end()) continue;
        // The signature's own aggregation (the same sums and median as its patient scores).
        const double score = stats::aggregate_scores(v).of(*aggregation);
        const int cls = stats::classify(*rule, sig->threshold, score);
        out.push_back({cfg.signature, s->second.patient_id, s->second.timepoint, study, score, cls ? sig->positive_label : sig->negative_label});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return std::tie(a.patient_id, a.study_id) < std::tie(b.patient_id, b.study_id); });
    return out;
}

// survfit's median: the first time the curve is at or below 0.5; where it stays exactly at 0.5, the
// midpoint to the next event time, the next drop (quantile.survfit); the last time when no event
// follows. NaN when it never reaches 0.5.
double km_median(const stats::KaplanMeier& km) {
    for (std::size_t i = 0; i < km.surv.size(); ++i) {
        if (km.surv[i] > 0.5 + 1e-12) continue;
        if (std::abs(km.surv[i] - 0.5) > 1e-12) return km.time[i];
        for (std::size_t j = i + 1; j < km.time.size(); ++j)
            if (km.n_event[j] > 0) return (km.time[i] + km.time[j]) / 2;
        return km.time[i];
    }
    return kNoChange;
}

// Per timepoint: the patients with a class there, their survival by class (KM median per class,
// log-rank, Cox HR of the positive class).
std::vector<store::LongitudinalSurvivalRow> class_survival(const io::LongitudinalSection& cfg, const store::Contents& c,
                                                          const std::vector<store::LongitudinalClassRow>& classes,
                                                          const std::map<std::string, StudyTimepoint>& studies,
                                                          const std::vector<std::string>& timepoints) {
    std::vector<store::LongitudinalSurvivalRow> out;
    if (cfg.time.empty() || classes.empty()) return out;
    const auto sig = std::find_if(c.signatures.begin(), c.signatures.end(), [&](const auto& s) { return s.name == cfg.signature; });
    for (const auto& tp : timepoints) {
        std::vector<double> time;
        std::vector<int> event, group;
        for (const auto& k : classes) {
            const auto& s = studies.at(k.study_id);
            if (k.timepoint != tp || k.label.empty() || !std::isfinite(s.time) || s.event < 0) continue;
            time.push_back(s.time);
            event.push_back(s.event);
            group.push_back(k.label == sig->positive_label ? 1 : 0);
        }
        if (time.empty()) continue;
        const bool two = std::count(group.begin(), group.end(), 1) > 0 && std::count(group.begin(), group.end(), 0) > 0;
        store::LongitudinalSurvivalRow base{cfg.signature, tp, "", 0, 0, kNoChange, kNoChange, kNoChange, kNoChange, kNoChange, kNoChange, kNoChange};
        if (two) {
            const auto lr = stats::log_rank(time, event, group);
            base.logrank_chisq = lr.chisq;
            base.logrank_p = lr.p_value;
            Eigen::MatrixXd x(Eigen::Index(group.size()), 1);
            for (std::size_t i = 0; i < group.size(); ++i) x(Eigen::Index(i), 0) = group[i];
            const auto cox = stats::cox_ph(x, time, event);
            base.hazard_ratio = cox.hazard_ratio[0].estimate;
            base.hr_lower = cox.hazard_ratio[0].lower;
            base.hr_upper = cox.hazard_ratio[0].upper;
            base.cox_p = 2 * stats::normal_upper(std::abs(cox.coef[0] / cox.se[0]));
        }
        for (int g : {1, 0}) {
            std::vector<double> t;
            std::vector<int> e;
            for (std::size_t i = 0; i < group.size(); ++i)
                if (group[i] == g) t.push_back(time[i]), e.push_back(event[i]);
            if (t.empty()) continue;
            auto row = base;
            row.label = g ? sig->positive_label : sig->negative_label;
            row.patients = std::int64_t(t.size());
            row.events = std::count(e.begin(), e.end(), 1);
            row.km_median = km_median(stats::kaplan_meier(t, e));
            out.push_back(row);
        }
    }
    return out;
}

}  // namespace

store::Longitudinal compute_longitudinal(const io::LongitudinalSection& cfg, const store::Contents& contents,
                                         const std::map<std::string, StudyTimepoint>& studies) {
    Builder b(cfg, contents, studies);
    store::Longitudinal out = b.build();
    out.classes = signature_classes(cfg, contents, studies);
    out.survival = class_survival(cfg, contents, out.classes, studies, out.timepoints);
    out.table_hash = longitudinal_table_hash(contents, studies);
    return out;
}

std::string longitudinal_table_hash(const store::Contents& c, const std::map<std::string, StudyTimepoint>& studies) {
    store::Xxh64 h;
    const auto text = [&](const std::string& s) { h.update(s.data(), s.size()), h.update("\x1f", 1); };
    for (const auto& [id, s] : studies) {
        text(id), text(s.patient_id), text(s.timepoint);
        h.update(&s.order, sizeof s.order);
        for (const auto& [lesion, name] : s.lesion_ids) h.update(&lesion, sizeof lesion), text(name);
    }
    for (const auto& col : c.features.columns) text(col);
    for (std::size_t r = 0; r < c.features.rows(); ++r) {
        const auto& k = c.features.keys[r];
        if (k.perturbation != "none") continue;
        text(k.study_id);
        h.update(&k.lesion, sizeof k.lesion);
        h.update(c.features.values.data() + r * c.features.columns.size(), c.features.columns.size() * sizeof(double));
    }
    return store::to_hex(h.digest());
}

}  // namespace radhpc::analysis
