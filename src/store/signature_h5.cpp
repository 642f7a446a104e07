// /signatures group of a store file (layout: schemas/store_layout.md "Signatures"). Each table is
// long format with a `signature` column naming the SignatureResult it belongs to.
#include "signature_h5.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace radhpc::store {
namespace {

using h5::at_or;
using h5::column_of;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Rows of every signature, flattened, each with the name of its signature.
template <class Row, class Member>
std::vector<std::pair<std::string, const Row*>> flatten(const std::vector<SignatureResult>& sigs, Member member) {
    std::vector<std::pair<std::string, const Row*>> out;
    for (const auto& s : sigs)
        for (const auto& r : s.*member) out.emplace_back(s.name, &r);
    return out;
}

}  // namespace

void write_signature_group(hid_t file, const std::vector<SignatureResult>& sigs) {
    h5::Id g = h5::create_group(file, "signatures");
    {
        h5::Id t = h5::create_group(g, "summary");
        using S = SignatureResult;
        h5::write_strings(t, "signature", column_of(sigs, [](const S& s) { return s.name; }));
        h5::write_strings(t, "status", column_of(sigs, [](const S& s) { return s.status; }));
        h5::write_strings(t, "message", column_of(sigs, [](const S& s) { return s.message; }));
        h5::write_strings(t, "source", column_of(sigs, [](const S& s) { return s.source; }));
        h5::write_strings(t, "spec", column_of(sigs, [](const S& s) { return s.spec; }));
        h5::write_strings(t, "job", column_of(sigs, [](const S& s) { return s.job; }));
        h5::write_strings(t, "table_hash", column_of(sigs, [](const S& s) { return s.table_hash; }));
        h5::write_strings(t, "link", column_of(sigs, [](const S& s) { return s.link; }));
        h5::write_strings(t, "aggregation", column_of(sigs, [](const S& s) { return s.aggregation; }));
        h5::write_strings(t, "rule", column_of(sigs, [](const S& s) { return s.rule; }));
        h5::write_strings(t, "outcome_column", column_of(sigs, [](const S& s) { return s.outcome_column; }));
        h5::write_strings(t, "positive_label", column_of(sigs, [](const S& s) { return s.positive_label; }));
        h5::write_strings(t, "negative_label", column_of(sigs, [](const S& s) { return s.negative_label; }));
        h5::write_f64(t, "computed_at", column_of(sigs, [](const S& s) { return s.computed_at; }));
        h5::write_f64(t, "threshold", column_of(sigs, [](const S& s) { return s.threshold; }));
        h5::write_f64(t, "level", column_of(sigs, [](const S& s) { return s.level; }));
    }
    {
        const auto rows = flatten<SignatureLesionRow>(sigs, &SignatureResult::lesions);
        using R = std::pair<std::string, const SignatureLesionRow*>;
        h5::Id t = h5::create_group(g, "lesions");
        h5::write_strings(t, "signature", column_of(rows, [](const R& r) { return r.first; }));
        h5::write_strings(t, "study_id", column_of(rows, [](const R& r) { return r.second->study_id; }));
        h5::write_strings(t, "patient_id", column_of(rows, [](const R& r) { return r.second->patient_id; }));
        h5::write_i64(t, "lesion", column_of(rows, [](const R& r) { return r.second->lesion; }));
        h5::write_strings(t, "category", column_of(rows, [](const R& r) { return r.second->category; }));
        h5::write_f64(t, "linear_predictor", column_of(rows, [](const R& r) { return r.second->linear_predictor; }));
        h5::write_f64(t, "score", column_of(rows, [](const R& r) { return r.second->score; }));
        h5::write_i64(t, "class", column_of(rows, [](const R& r) { return r.second->cls; }));
        h5::write_strings(t, "label", column_of(rows, [](const R& r) { return r.second->label; }));
        h5::write_i64(t, "outcome", column_of(rows, [](const R& r) { return r.second->outcome; }));
        h5::write_strings(t, "message", column_of(rows, [](const R& r) { return r.second->message; }));
    }
    {
        const auto rows = flatten<SignaturePatientRow>(sigs, &SignatureResult::patients);
        using R = std::pair<std::string, const SignaturePatientRow*>;
        h5::Id t = h5::create_group(g, "patients");
        h5::write_strings(t, "signature", column_of(rows, [](const R& r) { return r.first; }));
        h5::write_strings(t, "patient_id", column_of(rows, [](const R& r) { return r.second->patient_id; }));
        h5::write_i64(t, "lesions", column_of(rows, [](const R& r) { return r.second->lesions; }));
        h5::write_i64(t, "lesions_failed", column_of(rows, [](const R& r) { return r.second->lesions_failed; }));
        h5::write_f64(t, "score", column_of(rows, [](const R& r) { return r.second->score; }));
        h5::write_f64(t, "mean", column_of(rows, [](const R& r) { return r.second->mean; }));
        h5::write_f64(t, "median", column_of(rows, [](const R& r) { return r.second->median; }));
        h5::write_f64(t, "min", column_of(rows, [](const R& r) { return r.second->min; }));
        h5::write_f64(t, "max", column_of(rows, [](const R& r) { return r.second->max; }));
        h5::write_i64(t, "class", column_of(rows, [](const R& r) { return r.second->cls; }));
        h5::write_strings(t, "label", column_of(rows, [](const R& r) { return r.second->label; }));
        h5::write_i64(t, "outcome", column_of(rows, [](const R& r) { return r.second->outcome; }));
        h5::write_f64(t, "time", column_of(rows, [](const R& r) { return r.second->time; }));
        h5::write_i64(t, "event", column_of(rows, [](const R& r) { return r.second->event; }));
        h5::write_strings(t, "message", column_of(rows, [](const R& r) { return r.second->message; }));
    }
    {
        const auto rows = flatten<SignatureMetricRow>(sigs, &SignatureResult::metrics);
        using R = std::pair<std::string, const SignatureMetricRow*>;
        h5::Id t = h5::create_group(g, "metrics");
        h5::write_strings(t, "signature", column_of(rows, [](const R& r) { return r.first; }));
        h5::write_strings(t, "level", column_of(rows, [](const R& r) { return r.second->level; }));
        h5::write_strings(t, "metric", column_of(rows, [](const R& r) { return r.second->metric; }));
        h5::write_f64(t, "estimate", column_of(rows, [](const R& r) { return r.second->estimate; }));
        h5::write_f64(t, "lower", column_of(rows, [](const R& r) { return r.second->lower; }));
        h5::write_f64(t, "upper", column_of(rows, [](const R& r) { return r.second->upper; }));
        h5::write_strings(t, "method", column_of(rows, [](const R& r) { return r.second->method; }));
    }
}

std::vector<SignatureResult> read_signature_group(hid_t file) {
    std::vector<SignatureResult> sigs;
    h5::Id g = h5::open_group_if_exists(file, "signatures");
    if (g < 0) return sigs;
    const std::string e;
    std::map<std::string, std::size_t> index;
    if (h5::Id t = h5::open_group_if_exists(g, "summary"); t >= 0) {
        const auto name = h5::read_strings(t, "signature"), status = h5::read_strings(t, "status"), msg = h5::read_strings(t, "message"),
                   source = h5::read_strings(t, "source"), spec = h5::read_strings(t, "spec"), job = h5::read_strings(t, "job"),
                   hash = h5::read_strings(t, "table_hash"), link = h5::read_strings(t, "link"),
                   agg = h5::read_strings(t, "aggregation"), rule = h5::read_strings(t, "rule"),
                   outcome = h5::read_strings(t, "outcome_column"), pos = h5::read_strings(t, "positive_label"),
                   neg = h5::read_strings(t, "negative_label");
        const auto at = h5::read_f64(t, "computed_at"), thr = h5::read_f64(t, "threshold"), level = h5::read_f64(t, "level");
        for (std::size_t i = 0; i < name.size(); ++i) {
            SignatureResult s;
            s.name = name[i];
            s.status = at_or(status, i, e);
            s.message = at_or(msg, i, e);
            s.source = at_or(source, i, e);
            s.spec = at_or(spec, i, e);
            s.job = at_or(job, i, e);
            s.table_hash = at_or(hash, i, e);
            s.link = at_or(link, i, e);
            s.aggregation = at_or(agg, i, e);
            s.rule = at_or(rule, i, e);
            s.outcome_column = at_or(outcome, i, e);
            s.positive_label = at_or(pos, i, e);
            s.negative_label = at_or(neg, i, e);
            s.computed_at = at_or(at, i, 0.0);
            s.threshold = at_or(thr, i, kNaN);
            s.level = at_or(level, i, 0.95);
            index[s.name] = sigs.size();
            sigs.push_back(std::move(s));
        }
    }
    auto owner = [&](const std::string& name) -> SignatureResult* {
        auto it = index.find(name);
        return it == index.end() ? nullptr : &sigs[it->second];
    };
    if (h5::Id t = h5::open_group_if_exists(g, "lesions"); t >= 0) {
        const auto sig = h5::read_strings(t, "signature"), sid = h5::read_strings(t, "study_id"), pid = h5::read_strings(t, "patient_id"),
                   cat = h5::read_strings(t, "category"), label = h5::read_strings(t, "label"), msg = h5::read_strings(t, "message");
        const auto les = h5::read_i64(t, "lesion"), cls = h5::read_i64(t, "class"), out = h5::read_i64(t, "outcome");
        const auto lp = h5::read_f64(t, "linear_predictor"), score = h5::read_f64(t, "score");
        for (std::size_t i = 0; i < sig.size(); ++i)
            if (auto* s = owner(sig[i]))
                s->lesions.push_back({at_or(sid, i, e), at_or(pid, i, e), at_or<std::int64_t>(les, i, 0), at_or(cat, i, e),
                                      at_or(lp, i, kNaN), at_or(score, i, kNaN), at_or<std::int64_t>(cls, i, -1), at_or(label, i, e),
                                      at_or<std::int64_t>(out, i, -1), at_or(msg, i, e)});
    }
    if (h5::Id t = h5::open_group_if_exists(g, "patients"); t >= 0) {
        const auto sig = h5::read_strings(t, "signature"), pid = h5::read_strings(t, "patient_id"), label = h5::read_strings(t, "label"),
                   msg = h5::read_strings(t, "message");
        const auto les = h5::read_i64(t, "lesions"), failed = h5::read_i64(t, "lesions_failed"), cls = h5::read_i64(t, "class"),
                   out = h5::read_i64(t, "outcome"), event = h5::read_i64(t, "event");
        const auto score = h5::read_f64(t, "score"), mean = h5::read_f64(t, "mean"), median = h5::read_f64(t, "median"),
                   mn = h5::read_f64(t, "min"), mx = h5::read_f64(t, "max"), time = h5::read_f64(t, "time");
        for (std::size_t i = 0; i < sig.size(); ++i)
            if (auto* s = owner(sig[i])) {
                SignaturePatientRow p;
                p.patient_id = at_or(pid, i, e);
                p.lesions = at_or<std::int64_t>(les, i, 0);
                p.lesions_failed = at_or<std::int64_t>(failed, i, 0);
                p.score = at_or(score, i, kNaN);
                p.mean = at_or(mean, i, kNaN);
                p.median = at_or(median, i, kNaN);
                p.min = at_or(mn, i, kNaN);
                p.max = at_or(mx, i, kNaN);
                p.cls = at_or<std::int64_t>(cls, i, -1);
                p.label = at_or(label, i, e);
                p.outcome = at_or<std::int64_t>(out, i, -1);
                p.time = at_or(time, i, kNaN);
                p.event = at_or<std::int64_t>(event, i, -1);
                p.message = at_or(msg, i, e);
                s->patients.push_back(std::move(p));
            }
    }
    if (h5::Id t = h5::open_group_if_exists(g, "metrics"); t >= 0) {
        const auto sig = h5::read_strings(t, "signature"), level = h5::read_strings(t, "level"), metric = h5::read_strings(t, "metric"),
                   method = h5::read_strings(t, "method");
        const auto est = h5::read_f64(t, "estimate"), lo = h5::read_f64(t, "lower"), hi = h5::read_f64(t, "upper");
        for (std::size_t i = 0; i < sig.size(); ++i)
            if (auto* s = owner(sig[i]))
                s->metrics.push_back({at_or(level, i, e), at_or(metric, i, e), at_or(est, i, kNaN), at_or(lo, i, kNaN), at_or(hi, i, kNaN),
                                      at_or(method, i, e)});
    }
    return sigs;
}

void merge_signatures(std::vector<SignatureResult>& into, std::vector<SignatureResult>&& from) {
    for (auto& s : from) {
        auto it = std::lower_bound(into.begin(), into.end(), s.name, [](const SignatureResult& a, const std::string& n) { return a.name < n; });
        if (it != into.end() && it->name == s.name) {
            if (s.computed_at > it->computed_at) *it = std::move(s);
        } else {
            into.insert(it, std::move(s));
        }
    }
}

}  // namespace radhpc::store
