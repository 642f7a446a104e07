// /validation/<name> groups of a store file (layout: schemas/store_layout.md "Validation").
#include "validation_h5.hpp"

#include "radhpc/core/error.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace radhpc::store {
namespace {

using h5::at_or;
using h5::column_of;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();


void write_tuning(hid_t parent, const ValidationTuning& t, bool compress) {
    h5::Id g = h5::create_group(parent, "tuning");
    h5::write_strings(g, "procedure", {t.procedure});
    h5::write_strings(g, "lambda_rule", {t.lambda_rule});
    h5::write_strings(g, "measure", {t.measure});
    h5::write_f64(g, "alpha", {t.alpha});
    h5::write_f64(g, "lambda", {t.lambda});
    h5::write_f64(g, "lambda_min", {t.lambda_min});
    h5::write_f64(g, "lambda_1se", {t.lambda_1se});
    h5::write_f64(g, "cvm_at_lambda", {t.cvm_at_lambda});
    h5::write_f64(g, "coefficients", t.coefficients);
    h5::write_i64(g, "repeats", {t.repeats});
    h5::write_i64(g, "folds", t.folds);
    h5::write_f64(g, "out_of_fold", t.out_of_fold);
    h5::Id c = h5::create_group(g, "curves");
    using R = ValidationCurveRow;
    h5::write_f64(c, "alpha", column_of(t.curves, [](const R& r) { return r.alpha; }));
    h5::write_f64(c, "lambda", column_of(t.curves, [](const R& r) { return r.lambda; }));
    h5::write_f64(c, "cvm", column_of(t.curves, [](const R& r) { return r.cvm; }));
    h5::write_f64(c, "cvsd", column_of(t.curves, [](const R& r) { return r.cvsd; }));
    h5::write_i64(c, "nzero", column_of(t.curves, [](const R& r) { return r.nzero; }));
    h5::write_strings(c, "measure", column_of(t.curves, [](const R& r) { return r.measure; }));
    (void)compress;
}

ValidationTuning read_tuning(hid_t parent) {
    ValidationTuning t;
    h5::Id g = h5::open_group_if_exists(parent, "tuning");
    if (g < 0) return t;
    t.done = true;
    t.procedure = h5::read_scalar_string(g, "procedure");
    t.lambda_rule = h5::read_scalar_string(g, "lambda_rule");
    t.measure = h5::read_scalar_string(g, "measure");
    t.alpha = h5::read_scalar_f64(g, "alpha");
    t.lambda = h5::read_scalar_f64(g, "lambda");
    t.lambda_min = h5::read_scalar_f64(g, "lambda_min");
    t.lambda_1se = h5::read_scalar_f64(g, "lambda_1se");
    t.cvm_at_lambda = h5::read_scalar_f64(g, "cvm_at_lambda");
    t.coefficients = h5::read_f64(g, "coefficients");
    t.repeats = h5::read_scalar_i64(g, "repeats");
    t.folds = h5::read_i64(g, "folds");
    t.out_of_fold = h5::read_f64(g, "out_of_fold");
    if (h5::Id c = h5::open_group_if_exists(g, "curves"); c >= 0) {
        const auto a = h5::read_f64(c, "alpha"), l = h5::read_f64(c, "lambda"), m = h5::read_f64(c, "cvm"), s = h5::read_f64(c, "cvsd");
        const auto nz = h5::read_i64(c, "nzero");
        const auto me = h5::read_strings(c, "measure");
        for (std::size_t i = 0; i < a.size(); ++i)
            t.curves.push_back({a[i], at_or(l, i, kNaN), at_or(m, i, kNaN), at_or(s, i, kNaN), at_or<std::int64_t>(nz, i, 0),
                                at_or(me, i, std::string())});
    }
    return t;
}

void write_replicates(hid_t parent, const ValidationResult& v, bool compress) {
    h5::Id g = h5::create_group(parent, "replicates");
    using R = ValidationReplicate;
    const auto& reps = v.replicates;
    h5::write_i64(g, "index", column_of(reps, [](const R& r) { return r.index; }));
    h5::write_i64(g, "failed", column_of(reps, [](const R& r) { return std::int64_t(r.failed ? 1 : 0); }));
    h5::write_strings(g, "failure", column_of(reps, [](const R& r) { return r.failure; }));
    h5::write_f64(g, "auc_train", column_of(reps, [](const R& r) { return r.auc_train; }));
    h5::write_f64(g, "auc_test", column_of(reps, [](const R& r) { return r.auc_test; }));
    h5::write_f64(g, "auc_oob", column_of(reps, [](const R& r) { return r.auc_oob; }));
    h5::write_f64(g, "alpha", column_of(reps, [](const R& r) { return r.alpha; }));
    h5::write_f64(g, "lambda", column_of(reps, [](const R& r) { return r.lambda; }));
    // replicates x terms; a failed replicate's row is NaN
    const std::size_t nt = v.terms.size();
    std::vector<double> m(reps.size() * nt, kNaN);
    for (std::size_t i = 0; i < reps.size(); ++i)
        for (std::size_t j = 0; j < std::min(nt, reps[i].coefficients.size()); ++j) m[i * nt + j] = reps[i].coefficients[j];
    h5::write_matrix(g, "coefficients", m, reps.size(), nt, compress);
}

std::vector<ValidationReplicate> read_replicates(hid_t parent) {
    std::vector<ValidationReplicate> out;
    h5::Id g = h5::open_group_if_exists(parent, "replicates");
    if (g < 0) return out;
    const auto index = h5::read_i64(g, "index"), failed = h5::read_i64(g, "failed");
    const auto failure = h5::read_strings(g, "failure");
    const auto tr = h5::read_f64(g, "auc_train"), te = h5::read_f64(g, "auc_test"), oob = h5::read_f64(g, "auc_oob"),
               al = h5::read_f64(g, "alpha"), la = h5::read_f64(g, "lambda");
    std::size_t rows = 0, cols = 0;
    const auto m = h5::read_matrix(g, "coefficients", rows, cols);
    for (std::size_t i = 0; i < index.size(); ++i) {
        ValidationReplicate r;
        r.index = index[i];
        r.failed = at_or<std::int64_t>(failed, i, 0) != 0;
        r.failure = at_or(failure, i, std::string());
        r.auc_train = at_or(tr, i, kNaN);
        r.auc_test = at_or(te, i, kNaN);
        r.auc_oob = at_or(oob, i, kNaN);
        r.alpha = at_or(al, i, kNaN);
        r.lambda = at_or(la, i, kNaN);
        if (!r.failed && i < rows) r.coefficients.assign(m.begin() + std::ptrdiff_t(i * cols), m.begin() + std::ptrdiff_t((i + 1) * cols));
        out.push_back(std::move(r));
    }
    return out;
}

void write_summary(hid_t parent, const ValidationResult& v) {
    {
        h5::Id g = h5::create_group(parent, "coefficients");
        using C = ValidationCoefficient;
        const auto& c = v.coefficients;
        h5::write_strings(g, "term", column_of(c, [](const C& r) { return r.term; }));
        h5::write_f64(g, "estimate", column_of(c, [](const C& r) { return r.estimate; }));
        h5::write_f64(g, "ci_lower", column_of(c, [](const C& r) { return r.ci_lower; }));
        h5::write_f64(g, "ci_upper", column_of(c, [](const C& r) { return r.ci_upper; }));
        h5::write_f64(g, "selection_frequency", column_of(c, [](const C& r) { return r.selection_frequency; }));
    }
    {
        h5::Id g = h5::create_group(parent, "predictions");
        using P = ValidationPrediction;
        const auto& p = v.predictions;
        h5::write_i64(g, "row", column_of(p, [](const P& r) { return r.row; }));
        h5::write_strings(g, "patient", column_of(p, [](const P& r) { return r.patient; }));
        h5::write_i64(g, "outcome", column_of(p, [](const P& r) { return r.outcome; }));
        h5::write_f64(g, "linear_predictor", column_of(p, [](const P& r) { return r.linear_predictor; }));
        h5::write_f64(g, "probability", column_of(p, [](const P& r) { return r.probability; }));
        h5::write_f64(g, "oof_linear_predictor", column_of(p, [](const P& r) { return r.oof_linear_predictor; }));
    }
    {
        h5::Id g = h5::create_group(parent, "metrics");
        using M = ValidationMetric;
        const auto& m = v.metrics;
        h5::write_strings(g, "name", column_of(m, [](const M& r) { return r.name; }));
        h5::write_f64(g, "value", column_of(m, [](const M& r) { return r.is_text ? kNaN : r.value; }));
        h5::write_strings(g, "text", column_of(m, [](const M& r) { return r.text; }));
        h5::write_i64(g, "is_text", column_of(m, [](const M& r) { return std::int64_t(r.is_text ? 1 : 0); }));
    }
}

void read_summary(hid_t parent, ValidationResult& v) {
    if (h5::Id g = h5::open_group_if_exists(parent, "coefficients"); g >= 0) {
        const auto term = h5::read_strings(g, "term");
        const auto e = h5::read_f64(g, "estimate"), lo = h5::read_f64(g, "ci_lower"), hi = h5::read_f64(g, "ci_upper"),
                   sf = h5::read_f64(g, "selection_frequency");
        for (std::size_t i = 0; i < term.size(); ++i)
            v.coefficients.push_back({term[i], at_or(e, i, kNaN), at_or(lo, i, kNaN), at_or(hi, i, kNaN), at_or(sf, i, kNaN)});
    }
    if (h5::Id g = h5::open_group_if_exists(parent, "predictions"); g >= 0) {
        const auto row = h5::read_i64(g, "row"), outcome = h5::read_i64(g, "outcome");
        const auto patient = h5::read_strings(g, "patient");
        const auto lp = h5::read_f64(g, "linear_predictor"), pr = h5::read_f64(g, "probability"), oof = h5::read_f64(g, "oof_linear_predictor");
        for (std::size_t i = 0; i < row.size(); ++i)
            v.predictions.push_back({row[i], at_or(patient, i, std::string()), at_or<std::int64_t>(outcome, i, -1), at_or(lp, i, kNaN),
                                     at_or(pr, i, kNaN), at_or(oof, i, kNaN)});
    }
    if (h5::Id g = h5::open_group_if_exists(parent, "metrics"); g >= 0) {
        const auto name = h5::read_strings(g, "name"), text = h5::read_strings(g, "text");
        const auto value = h5::read_f64(g, "value");
        const auto is_text = h5::read_i64(g, "is_text");
        for (std::size_t i = 0; i < name.size(); ++i)
            v.metrics.push_back({name[i], at_or(value, i, kNaN), at_or(text, i, std::string()), at_or<std::int64_t>(is_text, i, 0) != 0});
    }
}

// The record's tables must fit its terms and rows: every reader (summary, export, report) indexes
// them by term and row. A file that disagrees (damaged, or written by something else) is an error
// naming the group, not an out-of-range read.
void check_sizes(const ValidationResult& v) {
    const std::size_t terms = v.terms.size(), rows = v.patients.size();
    const auto fits = [](std::size_t n, std::size_t want) { return n == 0 || n == want; };
    bool ok = fits(v.tuning.coefficients.size(), terms) && fits(v.tuning.out_of_fold.size(), rows) &&
              v.tuning.repeats >= 0 && v.tuning.folds.size() == std::size_t(v.tuning.repeats) * rows &&
              fits(v.coefficients.size(), terms) && fits(v.predictions.size(), rows);
    for (const auto& r : v.replicates) ok = ok && (r.failed || r.coefficients.size() == terms);
    if (!ok) throw Error(ErrorKind::invalid_input, "/validation/" + v.name + ": tables do not match its terms and rows (damaged store file)");
}

}  // namespace

void write_validation_group(hid_t file, const std::vector<ValidationResult>& validations, bool compress) {
    if (validations.empty()) return;
    h5::Id root = h5::create_group(file, "validation");
    for (const auto& v : validations) {
        h5::Id g = h5::create_group(root, v.name);
        h5::write_strings(g, "status", {v.status});
        h5::write_strings(g, "identity", {v.identity});
        h5::write_strings(g, "table_hash", {v.table_hash});
        h5::write_strings(g, "table_source", {v.table_source});
        h5::write_strings(g, "settings", {v.settings});
        h5::write_strings(g, "job", {v.job});
        h5::write_f64(g, "started_at", {v.started_at});
        h5::write_f64(g, "finished_at", {v.finished_at});
        h5::write_i64(g, "replicates_planned", {v.replicates_planned});
        h5::write_strings(g, "terms", v.terms);
        h5::write_strings(g, "patients", v.patients);
        if (v.tuning.done) write_tuning(g, v.tuning, compress);
        write_replicates(g, v, compress);
        if (v.status == "complete") write_summary(g, v);
    }
}

std::vector<ValidationResult> read_validation_group(hid_t file) {
    std::vector<ValidationResult> out;
    h5::Id root = h5::open_group_if_exists(file, "validation");
    if (root < 0) return out;
    H5G_info_t info{};
    H5Gget_info(root, &info);
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        char name[1024] = {0};
        if (H5Lget_name_by_idx(root, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT) < 0) continue;
        h5::Id g = h5::open_group_if_exists(root, name);
        if (g < 0) continue;
        ValidationResult v;
        v.name = name;
        v.status = h5::read_scalar_string(g, "status");
        v.identity = h5::read_scalar_string(g, "identity");
        v.table_hash = h5::read_scalar_string(g, "table_hash");
        v.table_source = h5::read_scalar_string(g, "table_source");
        v.settings = h5::read_scalar_string(g, "settings");
        v.job = h5::read_scalar_string(g, "job");
        v.started_at = h5::read_scalar_f64(g, "started_at");
        v.finished_at = h5::read_scalar_f64(g, "finished_at");
        v.replicates_planned = h5::read_scalar_i64(g, "replicates_planned");
        v.terms = h5::read_strings(g, "terms");
        v.patients = h5::read_strings(g, "patients");
        v.tuning = read_tuning(g);
        v.replicates = read_replicates(g);
        if (v.status == "complete") read_summary(g, v);
        check_sizes(v);
        out.push_back(std::move(v));
    }
    return out;
}

double ValidationResult::metric(const std::string& key) const {
    for (const auto& m : metrics)
        if (m.name == key && !m.is_text) return m.value;
    return kNaN;
}

void merge_validations(std::vector<ValidationResult>& into, std::vector<ValidationResult>&& from) {
    for (auto& v : from) {
        auto it = std::lower_bound(into.begin(), into.end(), v.name, [](const ValidationResult& a, const std::string& n) { return a.name < n; });
        if (it == into.end() || it->name != v.name) {
            into.insert(it, std::move(v));
            continue;
        }
        if (v.identity != it->identity || v.started_at != it->started_at) {
            // Another identity (or a restarted one): the newer start wins whole.
            if (v.started_at > it->started_at) *it = std::move(v);
            continue;
        }
        // Same validation, units from several parts: union of replicates by index, the tuning
        // and the summary from whichever part has them.
        std::map<std::int64_t, ValidationReplicate> reps;
        for (auto& r : it->replicates) reps.emplace(r.index, std::move(r));
        for (auto& r : v.replicates) reps.emplace(r.index, std::move(r));
        it->replicates.clear();
        for (auto& [k, r] : reps) it->replicates.push_back(std::move(r));
        if (!it->tuning.done && v.tuning.done) it->tuning = std::move(v.tuning);
        if (it->status != "complete" && v.status == "complete") {
            it->status = "complete";
            it->finished_at = v.finished_at;
            it->coefficients = std::move(v.coefficients);
            it->predictions = std::move(v.predictions);
            it->metrics = std::move(v.metrics);
        }
    }
}

}  // namespace radhpc::store
