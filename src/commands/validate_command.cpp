// `radhpc validate`: repeated patient-grouped cross-validation, bootstrap validation, AUC/DeLong,
// thresholds, calibration and survival on a feature table. This file: reading the table, the
// procedure (tuning step, one bootstrap replicate) and the summary; validate_store.cpp runs the
// units on the MPI engine into the store, validate_output.cpp writes the CSV/JSON folder.
#include "radhpc/commands/validate_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "radhpc/commands/robust_command.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/roc.hpp"
#include "radhpc/stats/screening.hpp"
#include "radhpc/stats/survival.hpp"
#include "radhpc/store/hash.hpp"
#include "table_util.hpp"
#include "validate_internal.hpp"

namespace radhpc::commands::validation {

using namespace table;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The store's feature table as the CSV `radhpc export --with-metadata` writes, unperturbed rows only.
CsvTable store_table(const store::Contents& c, std::vector<std::string>& feature_names) {
    store::Contents t;
    t.studies = c.studies;
    t.registry = c.registry;
    t.features.columns = c.features.columns;
    const std::size_t nc = c.features.columns.size();
    for (std::size_t r = 0; r < c.features.rows(); ++r) {
        if (c.features.keys[r].perturbation != "none") continue;
        t.features.keys.push_back(c.features.keys[r]);
        t.features.values.insert(t.features.values.end(), c.features.values.begin() + std::ptrdiff_t(r * nc),
                                 c.features.values.begin() + std::ptrdiff_t((r + 1) * nc));
    }
    if (t.features.rows() == 0) throw Error(ErrorKind::invalid_input, "validate.table store: the store has no feature rows");
    std::ostringstream csv;
    store::write_csv(t, csv, false, true);
    feature_names = c.features.columns;
    return parse_csv_table(csv.str(), "the store's feature table");
}

}  // namespace

bool table_from_store(const Config& cfg) { return cfg.table == "store" || cfg.table == "selected" || cfg.table == "longitudinal"; }

Data read_data(const Config& cfg, const store::Contents* contents, const std::string& store_path, std::ostream& log) {
    Data d;
    CsvTable table;
    std::vector<std::string> store_features;  // the default features of a store table
    std::string patient_column = cfg.patient;
    if (cfg.table == "store") {
        if (!contents) throw Error(ErrorKind::settings, "validate.table store needs a store (--store or the job's store:)");
        table = store_table(*contents, store_features);
        if (patient_column.empty()) patient_column = "patient_id";
    } else if (cfg.table == "selected") {
        if (!contents) throw Error(ErrorKind::settings, "validate.table selected needs a store (--store or the job's store:)");
        std::ostringstream csv;
        export_robustness(store_path, "selected", csv, true);
        table = parse_csv_table(csv.str(), "the robust stage's selected table");
        store_features = contents->robustness.selected_table.columns;
        if (patient_column.empty()) patient_column = "patient_id";
    } else if (cfg.table == "longitudinal") {
        if (!contents) throw Error(ErrorKind::settings, "validate.table longitudinal needs a store (--store or the job's store:)");
        table = longitudinal_table(*contents, cfg, store_features);
        if (patient_column.empty()) patient_column = "patient_id";
    } else {
        table = read_csv_table(cfg.table);
    }
    d.source = cfg.table;
    d.y01 = binary_outcome(table, cfg.outcome);
    d.y.assign(d.y01.begin(), d.y01.end());
    d.n = d.y.size();
    // Patients are labels (text or numbers), numbered in order of first appearance.
    d.patient.resize(d.n);
    d.patient_label.resize(d.n);
    {
        std::map<std::string, int> ids;
        const std::size_t pc = patient_column.empty() ? 0 : table.column(patient_column);
        for (std::size_t i = 0; i < d.n; ++i) {
            d.patient_label[i] = patient_column.empty() ? std::to_string(i + 1) : trim(table.rows[i][pc]);
            d.patient[i] = ids.emplace(d.patient_label[i], int(ids.size())).first->second;
        }
    }
    if (!cfg.time.empty()) {
        d.time = table.numeric(table.column(cfg.time));
        for (double e : table.numeric(table.column(cfg.event))) {
            if (e != 0 && e != 1) throw Error(ErrorKind::invalid_input, table.origin + ": event column '" + cfg.event + "' is not 0/1");
            d.event.push_back(int(e));
        }
    }
    std::vector<std::size_t> cols;
    if (!cfg.features.empty()) {
        for (const auto& f : cfg.features) cols.push_back(table.column(f));
    } else if (!store_features.empty()) {
        // A store table: its feature columns; those with a missing value in some row (a feature a
        // lesion could not give) are left out by name.
        std::string skipped;
        for (const auto& f : store_features) {
            if (std::find(cfg.exclude.begin(), cfg.exclude.end(), f) != cfg.exclude.end()) continue;
            const std::size_t c = table.column(f);
            if (table.is_numeric(c)) cols.push_back(c);
            else skipped += (skipped.empty() ? "" : ", ") + f;
        }
        if (!skipped.empty()) log << "radhpc validate: features with missing values, left out: " << skipped << "\n";
    } else {
        auto excluded = cfg.exclude;
        for (const auto* c : {&cfg.outcome, &cfg.patient, &cfg.time, &cfg.event})
            if (!c->empty()) excluded.push_back(*c);
        cols = feature_columns(table, excluded);
        std::string skipped;
        for (std::size_t c = 0; c < table.header.size(); ++c)
            if (std::find(cols.begin(), cols.end(), c) == cols.end() &&
                std::find(excluded.begin(), excluded.end(), table.header[c]) == excluded.end())
                skipped += (skipped.empty() ? "" : ", ") + table.header[c];
        if (!skipped.empty()) log << "radhpc validate: text columns, not features: " << skipped << "\n";
    }
    if (cols.empty()) throw Error(ErrorKind::invalid_input, table.origin + ": no feature columns");
    d.x = feature_matrix(table, cols);
    d.n_features = cols.size();
    for (auto c : cols) d.terms.push_back(table.header[c]);
    d.n_patients = std::set<int>(d.patient.begin(), d.patient.end()).size();
    log << "radhpc validate: " << d.n << " rows, " << d.n_patients << " patients, " << cols.size() << " features, "
        << std::count(d.y01.begin(), d.y01.end(), 1) << " positive rows\n";
    return d;
}

std::string data_hash(const Data& d) {
    store::Xxh64 h;
    const auto text = [&](const std::string& s) {
        h.update(s.data(), s.size());
        h.update("\x1f", 1);
    };
    const auto bytes = [&](const void* p, std::size_t n) { h.update(p, n); };
    for (const auto& t : d.terms) text(t);
    for (const auto& p : d.patient_label) text(p);
    bytes(d.y.data(), d.y.size() * sizeof(double));
    bytes(d.time.data(), d.time.size() * sizeof(double));
    bytes(d.event.data(), d.event.size() * sizeof(int));
    const std::uint64_t dims[2] = {std::uint64_t(d.x.rows()), std::uint64_t(d.x.cols())};
    bytes(dims, sizeof dims);
    bytes(d.x.data(), std::size_t(d.x.size()) * sizeof(double));
    return store::to_hex(h.digest());
}

namespace {

stats::RepeatedCvOptions cv_options(const Config& cfg) {
    stats::RepeatedCvOptions o;
    o.alphas = cfg.alphas;
    o.folds = cfg.folds;
    o.repeats = cfg.repeats;
    o.seed = cfg.seed;
    o.measure = cfg.measure;
    o.glmnet = cfg.glmnet;
    return o;
}

stats::ModelProcedure procedure_of(const Config& cfg) {
    return cfg.fixed ? stats::fixed_elastic_net(cfg.fixed_alpha, cfg.fixed_lambda, cfg.glmnet)
                     : stats::cv_tuned_elastic_net(cv_options(cfg), cfg.use_1se);
}

std::vector<double> coefficients_of(const stats::FittedModel& m) {
    std::vector<double> c{m.intercept};
    c.insert(c.end(), m.beta.data(), m.beta.data() + m.beta.size());
    return c;
}

stats::FittedModel model_of(const std::vector<double>& c, double alpha, double lambda) {
    stats::FittedModel m;
    m.intercept = c.empty() ? 0.0 : c[0];
    m.beta = Eigen::VectorXd::Zero(Eigen::Index(c.empty() ? 0 : c.size() - 1));
    for (std::size_t j = 1; j < c.size(); ++j) m.beta(Eigen::Index(j - 1)) = c[j];
    m.alpha = alpha;
    m.lambda = lambda;
    return m;
}

const char* measure_name(stats::CvMeasure m) { return m == stats::CvMeasure::auc ? "auc" : "deviance"; }

// Mean out-of-fold linear predictor at the chosen (alpha, lambda) over the CV repeats: each fold's
// own path (as the CV fitted it), predicted at lambda on the fold's held-out rows.
std::vector<double> out_of_fold(const Config& cfg, const Data& d, const stats::RepeatedCvResult& cv, double lambda) {
    stats::GlmnetOptions go = cfg.glmnet;
    go.alpha = cv.alpha;
    const double at[1] = {lambda};
    std::vector<double> sum(d.n, 0.0);
    for (const Eigen::MatrixXd& link : stats::out_of_fold_link(d.x, d.y, cv.foldids, go, at))
        for (std::size_t i = 0; i < d.n; ++i) sum[i] += link(Eigen::Index(i), 0);
    for (auto& s : sum) s /= double(cv.foldids.size());
    return sum;
}

}  // namespace

store::ValidationTuning compute_tuning(const Config& cfg, const Data& d) {
    store::ValidationTuning t;
    t.done = true;
    stats::FittedModel apparent;
    if (cfg.fixed) {
        t.procedure = "fixed";
        apparent = stats::fixed_elastic_net(cfg.fixed_alpha, cfg.fixed_lambda, cfg.glmnet)(d.x, d.y, d.patient);
    } else {
        t.procedure = "repeated_cv";
        // As cv_tuned_elastic_net does, with the CV result kept for the output.
        const auto o = cv_options(cfg);
        const auto cv = stats::repeated_cv(d.x, d.y, d.patient, o);
        stats::GlmnetOptions go = cfg.glmnet;
        go.alpha = cv.alpha;
        const auto path = stats::glmnet_binomial(d.x, d.y, go);
        const auto& curve = cv.curves[cv.best_alpha_index];
        const std::size_t k = cfg.use_1se ? curve.index_1se : curve.index_min;
        apparent.intercept = path.intercept[k];
        apparent.beta = path.beta.col(Eigen::Index(k));
        apparent.alpha = cv.alpha;
        apparent.lambda = path.lambda[k];
        for (const auto& c : cv.curves)
            for (std::size_t l = 0; l < c.lambda.size(); ++l)
                t.curves.push_back({c.alpha, c.lambda[l], c.cvm[l], c.cvsd[l], c.nzero[l], measure_name(c.measure)});
        t.repeats = std::int64_t(cv.foldids.size());
        for (const auto& f : cv.foldids) t.folds.insert(t.folds.end(), f.begin(), f.end());
        t.lambda_rule = cfg.use_1se ? "1se" : "min";
        t.lambda_min = cv.lambda_min;
        t.lambda_1se = cv.lambda_1se;
        t.measure = measure_name(curve.measure);
        t.cvm_at_lambda = curve.cvm[k];
        t.out_of_fold = out_of_fold(cfg, d, cv, apparent.lambda);
    }
    t.alpha = apparent.alpha;
    t.lambda = apparent.lambda;
    t.coefficients = coefficients_of(apparent);
    return t;
}

store::ValidationReplicate compute_replicate(const Config& cfg, const Data& d, std::uint64_t index) {
    const auto b = stats::run_bootstrap_replicate(d.x, d.y, d.patient, procedure_of(cfg), cfg.bootstrap_seed, index);
    store::ValidationReplicate r;
    r.index = std::int64_t(b.index);
    r.failed = b.failed;
    r.failure = b.failure;
    r.auc_train = b.auc_train;
    r.auc_test = b.auc_test;
    r.auc_oob = b.auc_oob;
    r.alpha = b.model.alpha;
    r.lambda = b.model.lambda;
    if (!b.failed) r.coefficients = coefficients_of(b.model);
    return r;
}

namespace {

// The metric list in metrics.json's order.
struct MetricList {
    std::vector<store::ValidationMetric>& out;
    void num(const std::string& name, double v) { out.push_back({name, v, "", false}); }
    void text(const std::string& name, const std::string& v) { out.push_back({name, 0.0, v, true}); }
    void estimate(const std::string& name, const stats::Estimate& e) {
        num(name + ".estimate", e.estimate);
        num(name + ".lower", e.lower);
        num(name + ".upper", e.upper);
    }
};

void threshold_metrics(const Config& cfg, const Data& d, const std::vector<double>& prob, MetricList& m) {
    const auto curve = stats::roc_curve(prob, d.y01, stats::Direction::controls_lower);
    stats::ThresholdRule rule = stats::ThresholdRule::youden;
    double parameter = 0;
    if (cfg.threshold_rule == "max_sensitivity") rule = stats::ThresholdRule::max_sensitivity_min_specificity, parameter = cfg.min_specificity;
    else if (cfg.threshold_rule == "closest_topleft") rule = stats::ThresholdRule::closest_topleft;
    else if (cfg.threshold_rule == "fixed") rule = stats::ThresholdRule::fixed, parameter = cfg.threshold_value;
    const auto choice = stats::choose_threshold(curve, rule, parameter, prob, d.y01);
    const double thr = cfg.threshold_rule == "fixed" ? cfg.threshold_value : choice.thresholds.front();
    const auto dm = stats::diagnostic_metrics(prob, d.y01, thr, stats::Direction::controls_lower, cfg.level);
    m.text("threshold.rule", cfg.threshold_rule);
    m.num("threshold.probability", thr);
    m.num("threshold.true_positive", double(dm.true_positive));
    m.num("threshold.false_positive", double(dm.false_positive));
    m.num("threshold.true_negative", double(dm.true_negative));
    m.num("threshold.false_negative", double(dm.false_negative));
    m.estimate("threshold.sensitivity", dm.sensitivity);
    m.estimate("threshold.specificity", dm.specificity);
    m.estimate("threshold.ppv", dm.ppv);
    m.estimate("threshold.npv", dm.npv);
    m.estimate("threshold.lr_positive", dm.lr_positive);
    m.estimate("threshold.lr_negative", dm.lr_negative);
}

void bootstrap_metrics(const Config& cfg, const stats::BootstrapResult& b, MetricList& m) {
    m.num("bootstrap.replicates", double(cfg.replicates));
    m.num("bootstrap.replicates_used", double(b.replicates_used));
    m.num("bootstrap.seed", double(cfg.bootstrap_seed));
    m.num("bootstrap.level", cfg.bootstrap_level);
    m.num("bootstrap.apparent_auc", b.apparent_auc);
    m.num("bootstrap.optimism", b.optimism);
    m.num("bootstrap.optimism_sd", b.optimism_sd);
    m.num("bootstrap.corrected_auc", b.corrected_auc);
    m.num("bootstrap.oob_auc", b.oob_auc);
    m.num("bootstrap.auc_632", b.auc_632);
    m.num("bootstrap.auc_632plus", b.auc_632plus);
    m.num("bootstrap.optimism_ci.lower", b.optimism_ci.lower);
    m.num("bootstrap.optimism_ci.upper", b.optimism_ci.upper);
    m.num("bootstrap.auc_train_ci.lower", b.auc_train_ci.lower);
    m.num("bootstrap.auc_train_ci.upper", b.auc_train_ci.upper);
    m.num("bootstrap.auc_test_ci.lower", b.auc_test_ci.lower);
    m.num("bootstrap.auc_test_ci.upper", b.auc_test_ci.upper);
}

}  // namespace

void summarise(const Config& cfg, const Data& d, store::ValidationResult& v) {
    const auto& t = v.tuning;
    const stats::FittedModel apparent = model_of(t.coefficients, t.alpha, t.lambda);
    std::optional<stats::BootstrapResult> boot;
    if (cfg.replicates > 0) {
        std::vector<stats::BootstrapReplicate> reps;
        for (const auto& r : v.replicates) {
            stats::BootstrapReplicate b;
            b.index = std::uint64_t(r.index);
            b.failed = r.failed;
            b.failure = r.failure;
            b.auc_train = r.auc_train;
            b.auc_test = r.auc_test;
            b.auc_oob = r.auc_oob;
            b.model = model_of(r.coefficients, r.alpha, r.lambda);
            if (b.failed) b.model.beta = Eigen::VectorXd::Zero(Eigen::Index(d.n_features));
            reps.push_back(std::move(b));
        }
        boot = stats::summarise_bootstrap(d.x, d.y, apparent, std::move(reps), cfg.bootstrap_level);
    }
    // Coefficients, bootstrap CIs and how often each term was selected (nonzero) by the replicates.
    v.coefficients.clear();
    for (std::size_t j = 0; j < d.terms.size(); ++j) {
        store::ValidationCoefficient c{d.terms[j], t.coefficients[j], kNaN, kNaN, kNaN};
        if (boot) {
            c.ci_lower = boot->coefficient_ci[j].lower;
            c.ci_upper = boot->coefficient_ci[j].upper;
            int used = 0, selected = 0;
            for (const auto& r : v.replicates)
                if (!r.failed) ++used, selected += r.coefficients[j] != 0.0;
            c.selection_frequency = used ? double(selected) / used : kNaN;
        }
        v.coefficients.push_back(std::move(c));
    }
    const Eigen::VectorXd lp = apparent.link(d.x);
    std::vector<double> lpv(lp.data(), lp.data() + lp.size()), prob(d.n);
    for (std::size_t i = 0; i < d.n; ++i) prob[i] = 1.0 / (1.0 + std::exp(-lpv[i]));
    v.predictions.clear();
    for (std::size_t i = 0; i < d.n; ++i)
        v.predictions.push_back({std::int64_t(i + 1), d.patient_label[i], d.y01[i], lpv[i], prob[i],
                                 t.out_of_fold.empty() ? kNaN : t.out_of_fold[i]});

    v.metrics.clear();
    MetricList m{v.metrics};
    m.num("n_rows", double(d.n));
    m.num("n_patients", double(d.n_patients));
    m.num("n_positive", double(std::count(d.y01.begin(), d.y01.end(), 1)));
    m.num("n_features", double(d.n_features));
    m.num("n_nonzero", double((apparent.beta.array() != 0.0).count()));
    m.num("level", cfg.level);
    // AUC of the linear predictor (direction "<": higher scores in positives), DeLong CI
    const auto ci = stats::delong_ci(lpv, d.y01, cfg.level, stats::Direction::controls_lower);
    std::vector<double> cases, controls;
    for (std::size_t i = 0; i < d.n; ++i) (d.y01[i] ? cases : controls).push_back(lpv[i]);
    m.num("apparent.auc", ci.auc);
    m.num("apparent.auc_ci_lower", ci.lower);
    m.num("apparent.auc_ci_upper", ci.upper);
    m.num("apparent.mann_whitney_p", stats::mann_whitney(cases, controls).p_value);
    if (!t.out_of_fold.empty()) {
        // Out-of-fold AUC of the CV (mean linear predictor over the repeats), DeLong CI.
        const auto oci = stats::delong_ci(t.out_of_fold, d.y01, cfg.level, stats::Direction::controls_lower);
        m.num("out_of_fold.auc", oci.auc);
        m.num("out_of_fold.auc_ci_lower", oci.lower);
        m.num("out_of_fold.auc_ci_upper", oci.upper);
    }
    // calibration of the apparent model on its own data (slope 1 / intercept 0 for an unpenalised fit)
    const auto cal = stats::calibration(d.y, lpv);
    const auto hl = stats::hosmer_lemeshow(d.y, prob, 10);
    m.num("calibration.slope", cal.slope);
    m.num("calibration.slope_intercept", cal.slope_intercept);
    m.num("calibration.intercept_in_the_large", cal.intercept);
    m.num("calibration.hosmer_lemeshow_chisq", hl.chisq);
    m.num("calibration.hosmer_lemeshow_df", double(hl.df));
    m.num("calibration.hosmer_lemeshow_p", hl.p_value);
    threshold_metrics(cfg, d, prob, m);
    if (!cfg.patient_aggregation.empty()) {
        static const std::map<std::string, stats::Aggregation> how{{"mean", stats::Aggregation::mean},
                                                                   {"median", stats::Aggregation::median},
                                                                   {"min", stats::Aggregation::min},
                                                                   {"max", stats::Aggregation::max}};
        const auto ps = stats::aggregate_by_patient(prob, d.y, d.patient, how.at(cfg.patient_aggregation));
        const std::vector<int> py(ps.outcome.begin(), ps.outcome.end());
        const auto pci = stats::delong_ci(ps.score, py, cfg.level, stats::Direction::controls_lower);
        m.text("patient_level.aggregation", cfg.patient_aggregation);
        m.num("patient_level.n_patients", double(ps.patient.size()));
        m.num("patient_level.auc", pci.auc);
        m.num("patient_level.auc_ci_lower", pci.lower);
        m.num("patient_level.auc_ci_upper", pci.upper);
    }
    if (!d.time.empty()) {
        // Harrell's C of the linear predictor (higher = shorter survival) and its Cox hazard ratio per unit
        const auto cox = stats::cox_ph(Eigen::Map<const Eigen::MatrixXd>(lp.data(), lp.size(), 1), d.time, d.event, cfg.level);
        m.num("survival.c_index", stats::harrell_c(d.time, d.event, lpv));
        m.num("survival.cox_coef", cox.coef(0));
        m.num("survival.cox_se", cox.se(0));
        m.num("survival.hazard_ratio", cox.hazard_ratio[0].estimate);
        m.num("survival.hazard_ratio_lower", cox.hazard_ratio[0].lower);
        m.num("survival.hazard_ratio_upper", cox.hazard_ratio[0].upper);
    }
    if (boot) bootstrap_metrics(cfg, *boot, m);
    m.num("alpha", apparent.alpha);
    m.num("lambda", apparent.lambda);
    v.status = "complete";
}

}  // namespace radhpc::commands::validation
