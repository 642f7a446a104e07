// `radhpc validate JOB.yaml`: repeated patient-grouped cross-validation, bootstrap validation,
// AUC/DeLong, thresholds, calibration and survival on a feature table -> CSV/JSON folder.
#include "radhpc/commands/validate_command.hpp"


#include <Eigen/Dense>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <filesystem>
#include <memory>
#include <mutex>

#include "radhpc/core/error.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/roc.hpp"
#include "radhpc/stats/screening.hpp"
#include "radhpc/stats/survival.hpp"
#include "table_util.hpp"

namespace radhpc::commands {

using namespace table;


namespace {

namespace fs = std::filesystem;

std::string json_string(const std::string& v) {
    std::string q = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') q += '\\';
        if (c == '\n') {
            q += "\\n";
            continue;
        }
        q += c;
    }
    return q + "\"";
}

// The job's `validate` section (io::Job::validate), paths resolved against the job's folder.
using ValidateConfig = io::ValidateSection;

ValidateConfig read_validate_config(const std::string& job_path) {
    io::Job job = io::read_job(job_path);
    if (!job.validate) throw Error(ErrorKind::settings, job_path + ": the job has no 'validate' object");
    return std::move(*job.validate);
}

std::ofstream open_output(const fs::path& p) {
    std::ofstream out(p);
    if (!out) throw Error(ErrorKind::io, p.string() + ": cannot write");
    return out;
}

// Rows of bootstrap replicate `index`, built as stats::run_bootstrap_replicate builds them
// (drawn patients in draw order, each patient's rows in table order), and the out-of-bag rows.
void bootstrap_rows(std::span<const int> patient, std::uint64_t seed, std::uint64_t index, std::vector<std::size_t>& rows,
                    std::vector<std::size_t>& oob) {
    const auto drawn = stats::bootstrap_patients(patient, seed, index);
    std::map<int, std::vector<std::size_t>> rows_of;
    for (std::size_t i = 0; i < patient.size(); ++i) rows_of[patient[i]].push_back(i);
    rows.clear();
    oob.clear();
    std::map<int, int> in_sample;
    for (int d : drawn) {
        in_sample[d] = 1;
        for (std::size_t r : rows_of[d]) rows.push_back(r);
    }
    for (std::size_t i = 0; i < patient.size(); ++i)
        if (!in_sample.count(patient[i])) oob.push_back(i);
}

// The validation table: outcome, patients (labels numbered in order of first appearance),
// survival columns, the feature matrix and its terms.
struct ValidationData {
    std::vector<int> y01;
    std::vector<double> y;
    std::size_t n = 0, n_patients = 0;
    std::vector<int> patient;
    std::vector<std::string> patient_label;
    std::vector<double> time;
    std::vector<int> event;
    std::vector<std::size_t> cols;
    Eigen::MatrixXd x;
    std::vector<std::string> terms{"(Intercept)"};
};

ValidationData read_validation_data(const ValidateConfig& cfg, std::ostream& log) {
    ValidationData d;
    auto& [y01, y, n, n_patients, patient, patient_label, time, event, cols, x, terms] = d;
    const auto table = read_csv_table(cfg.table);
    y01 = binary_outcome(table, cfg.outcome);
    y.assign(y01.begin(), y01.end());
    n = y.size();
    // Patients are labels (text or numbers), numbered in order of first appearance.
    patient.resize(n);
    patient_label.resize(n);
    {
        std::map<std::string, int> ids;
        const std::size_t pc = cfg.patient.empty() ? 0 : table.column(cfg.patient);
        for (std::size_t i = 0; i < n; ++i) {
            patient_label[i] = cfg.patient.empty() ? std::to_string(i + 1) : trim(table.rows[i][pc]);
            patient[i] = ids.emplace(patient_label[i], int(ids.size())).first->second;
        }
    }
    if (!cfg.time.empty()) {
        time = table.numeric(table.column(cfg.time));
        for (double e : table.numeric(table.column(cfg.event))) {
            if (e != 0 && e != 1) throw Error(ErrorKind::invalid_input, cfg.table + ": event column '" + cfg.event + "' is not 0/1");
            event.push_back(int(e));
        }
    }
    if (!cfg.features.empty()) {
        for (const auto& f : cfg.features) cols.push_back(table.column(f));
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
    if (cols.empty()) throw Error(ErrorKind::invalid_input, cfg.table + ": no feature columns");
    x = feature_matrix(table, cols);
    for (auto c : cols) terms.push_back(table.header[c]);
    n_patients = std::set<int>(patient.begin(), patient.end()).size();
    log << "radhpc validate: " << n << " rows, " << n_patients << " patients, " << cols.size() << " features, "
        << std::count(y01.begin(), y01.end(), 1) << " positive rows\n";
    fs::create_directories(cfg.output);

    return d;
}

// The procedure on the full data (the apparent model), and the same procedure for the bootstrap;
// a CV-tuned procedure also writes its curves and folds.
stats::FittedModel fit_apparent(const ValidateConfig& cfg, const ValidationData& d, stats::ModelProcedure& procedure,
                                std::ostream& log) {
    const auto& [y01, y, n, n_patients, patient, patient_label, time, event, cols, x, terms] = d;
    (void)y01, (void)n_patients, (void)time, (void)event, (void)cols, (void)terms;
    stats::FittedModel apparent;
    stats::RepeatedCvResult cv;
    if (cfg.fixed) {
        procedure = stats::fixed_elastic_net(cfg.fixed_alpha, cfg.fixed_lambda, cfg.glmnet);
        apparent = procedure(x, y, patient);
    } else {
        stats::RepeatedCvOptions o;
        o.alphas = cfg.alphas;
        o.folds = cfg.folds;
        o.repeats = cfg.repeats;
        o.seed = cfg.seed;
        o.measure = cfg.measure;
        o.glmnet = cfg.glmnet;
        procedure = stats::cv_tuned_elastic_net(o, cfg.use_1se);
        // As cv_tuned_elastic_net does, with the CV result kept for the output.
        cv = stats::repeated_cv(x, y, patient, o);
        stats::GlmnetOptions go = cfg.glmnet;
        go.alpha = cv.alpha;
        const auto path = stats::glmnet_binomial(x, y, go);
        const auto& curve = cv.curves[cv.best_alpha_index];
        const std::size_t k = cfg.use_1se ? curve.index_1se : curve.index_min;
        apparent.intercept = path.intercept[k];
        apparent.beta = path.beta.col(Eigen::Index(k));
        apparent.alpha = cv.alpha;
        apparent.lambda = path.lambda[k];
        auto cc = open_output(fs::path(cfg.output) / "cv_curves.csv");
        cc << "alpha,lambda,cvm,cvsd,nzero,measure\n";
        for (const auto& c : cv.curves)
            for (std::size_t l = 0; l < c.lambda.size(); ++l)
                cc << format17(c.alpha) << "," << format17(c.lambda[l]) << "," << format17(c.cvm[l]) << "," << format17(c.cvsd[l]) << ","
                   << c.nzero[l] << "," << (c.measure == stats::CvMeasure::auc ? "auc" : "deviance") << "\n";
        auto fo = open_output(fs::path(cfg.output) / "folds.csv");
        fo << "row,patient,repeat,fold\n";
        for (std::size_t r = 0; r < cv.foldids.size(); ++r)
            for (std::size_t i = 0; i < n; ++i) fo << i + 1 << "," << csv_cell(patient_label[i]) << "," << r + 1 << "," << cv.foldids[r][i] << "\n";
    }
    log << "radhpc validate: alpha " << format17(apparent.alpha) << ", lambda " << format17(apparent.lambda)
        << (cfg.fixed ? " (fixed)" : " (repeated CV)") << "\n";
    {
        auto t = open_output(fs::path(cfg.output) / "tuning.json");
        t << "{\n  \"procedure\": " << json_string(cfg.fixed ? "fixed" : "repeated_cv") << ",\n"
          << "  \"alpha\": " << json_number(apparent.alpha) << ",\n  \"lambda\": " << json_number(apparent.lambda);
        if (!cfg.fixed) {
            const auto& curve = cv.curves[cv.best_alpha_index];
            t << ",\n  \"lambda_rule\": " << json_string(cfg.use_1se ? "1se" : "min") << ",\n  \"lambda_min\": " << json_number(cv.lambda_min)
              << ",\n  \"lambda_1se\": " << json_number(cv.lambda_1se) << ",\n  \"measure\": "
              << json_string(curve.measure == stats::CvMeasure::auc ? "auc" : "deviance") << ",\n  \"cvm_at_lambda\": "
              << json_number(curve.cvm[cfg.use_1se ? curve.index_1se : curve.index_min]) << ",\n  \"folds\": " << cfg.folds
              << ",\n  \"repeats\": " << cfg.repeats << ",\n  \"seed\": " << cfg.seed << ",\n  \"alphas\": [";
            for (std::size_t a = 0; a < cfg.alphas.size(); ++a) t << (a ? ", " : "") << json_number(cfg.alphas[a]);
            t << "]";
        }
        t << "\n}\n";
    }

    return apparent;
}

// Bootstrap validation: replicates in parallel, each a pure function of (seed, index).
std::optional<stats::BootstrapResult> bootstrap_validation(const ValidateConfig& cfg, const ValidationData& d,
                                                           const stats::FittedModel& apparent, const stats::ModelProcedure& procedure,
                                                           std::ostream& log) {
    const auto& x = d.x;
    const auto& y = d.y;
    const auto& patient = d.patient;
    std::optional<stats::BootstrapResult> boot;
    if (cfg.replicates > 0) {
        std::vector<stats::BootstrapReplicate> reps(static_cast<std::size_t>(cfg.replicates));
        // Progress on the log about every 5% (a CV-tuned replicate takes seconds; B = 1000 takes a while).
        std::atomic<int> done{0};
        std::mutex log_mutex;
        const int step = std::max(1, cfg.replicates / 20);
        tbb::parallel_for(0, cfg.replicates, [&](int b) {
            reps[std::size_t(b)] = stats::run_bootstrap_replicate(x, y, patient, procedure, cfg.bootstrap_seed, std::uint64_t(b));
            const int k = ++done;
            if (k % step == 0 || k == cfg.replicates) {
                std::lock_guard lock(log_mutex);
                log << "radhpc validate: bootstrap " << k << "/" << cfg.replicates << "\n" << std::flush;
            }
        });
        boot = stats::summarise_bootstrap(x, y, apparent, std::move(reps), cfg.bootstrap_level);
        auto br = open_output(fs::path(cfg.output) / "bootstrap_replicates.csv");
        br << "replicate,failed,auc_train,auc_test,auc_oob,optimism,alpha,lambda,failure\n";
        for (const auto& b : boot->replicates)
            br << b.index << "," << (b.failed ? 1 : 0) << "," << format17(b.auc_train) << "," << format17(b.auc_test) << ","
               << format17(b.auc_oob) << "," << format17(b.auc_train - b.auc_test) << "," << format17(b.model.alpha) << ","
               << format17(b.model.lambda) << "," << csv_cell(b.failure) << "\n";
        if (cfg.export_samples) {
            auto bs = open_output(fs::path(cfg.output) / "bootstrap_samples.csv");
            bs << "replicate,row,oob\n";
            std::vector<std::size_t> rows, oob;
            for (int b = 0; b < cfg.replicates; ++b) {
                bootstrap_rows(patient, cfg.bootstrap_seed, std::uint64_t(b), rows, oob);
                for (auto r : rows) bs << b << "," << r + 1 << ",0\n";
                for (auto r : oob) bs << b << "," << r + 1 << ",1\n";
            }
        }
        log << "radhpc validate: " << boot->replicates_used << " of " << cfg.replicates << " bootstrap replicates used; corrected AUC "
            << format17(boot->corrected_auc) << "\n";
    }
    return boot;
}

void write_coefficients(const ValidateConfig& cfg, const ValidationData& d, const stats::FittedModel& apparent,
                        const std::optional<stats::BootstrapResult>& boot) {
    const auto& terms = d.terms;
    {
        auto co = open_output(fs::path(cfg.output) / "coefficients.csv");
        co << "term,estimate" << (boot ? ",ci_lower,ci_upper" : "") << "\n";
        for (std::size_t j = 0; j < terms.size(); ++j) {
            co << csv_cell(terms[j]) << "," << format17(j == 0 ? apparent.intercept : apparent.beta(Eigen::Index(j - 1)));
            if (boot) co << "," << format17(boot->coefficient_ci[j].lower) << "," << format17(boot->coefficient_ci[j].upper);
            co << "\n";
        }
    }

}

// metrics.json (and predictions.csv): apparent AUC with DeLong CI, calibration, the operating
// point, patient-level AUC, survival, and the bootstrap summary.
void write_metrics(const ValidateConfig& cfg, const ValidationData& d, const stats::FittedModel& apparent,
                   const std::optional<stats::BootstrapResult>& boot) {
    const auto& [y01, y, n, n_patients, patient, patient_label, time, event, cols, x, terms] = d;
    (void)terms;
    const Eigen::VectorXd lp = apparent.link(x);
    std::vector<double> lpv(lp.data(), lp.data() + lp.size()), prob(n);
    for (std::size_t i = 0; i < n; ++i) prob[i] = 1.0 / (1.0 + std::exp(-lpv[i]));
    {
        auto pr = open_output(fs::path(cfg.output) / "predictions.csv");
        pr << "row,patient,outcome,linear_predictor,probability\n";
        for (std::size_t i = 0; i < n; ++i)
            pr << i + 1 << "," << csv_cell(patient_label[i]) << "," << y01[i] << "," << format17(lpv[i]) << "," << format17(prob[i]) << "\n";
    }
    auto m = open_output(fs::path(cfg.output) / "metrics.json");
    m << "{\n  \"n_rows\": " << n << ",\n  \"n_patients\": " << n_patients << ",\n  \"n_positive\": "
      << std::count(y01.begin(), y01.end(), 1) << ",\n  \"n_features\": " << cols.size() << ",\n  \"n_nonzero\": "
      << (apparent.beta.array() != 0.0).count() << ",\n  \"level\": " << json_number(cfg.level) << ",\n";
    // AUC of the linear predictor (direction "<": higher scores in positives), DeLong CI
    const auto ci = stats::delong_ci(lpv, y01, cfg.level, stats::Direction::controls_lower);
    std::vector<double> cases, controls;
    for (std::size_t i = 0; i < n; ++i) (y01[i] ? cases : controls).push_back(lpv[i]);
    const auto mw = stats::mann_whitney(cases, controls);
    m << "  \"apparent\": {\"auc\": " << json_number(ci.auc) << ", \"auc_ci_lower\": " << json_number(ci.lower)
      << ", \"auc_ci_upper\": " << json_number(ci.upper) << ", \"mann_whitney_p\": " << json_number(mw.p_value) << "},\n";
    // calibration of the apparent model on its own data (slope 1 / intercept 0 for an unpenalised fit)
    const auto cal = stats::calibration(y, lpv);
    const auto hl = stats::hosmer_lemeshow(y, prob, 10);
    m << "  \"calibration\": {\"slope\": " << json_number(cal.slope) << ", \"slope_intercept\": " << json_number(cal.slope_intercept)
      << ", \"intercept_in_the_large\": " << json_number(cal.intercept) << ", \"hosmer_lemeshow_chisq\": " << json_number(hl.chisq)
      << ", \"hosmer_lemeshow_df\": " << hl.df << ", \"hosmer_lemeshow_p\": " << json_number(hl.p_value) << "},\n";
    // operating point on the predicted probability
    {
        const auto curve = stats::roc_curve(prob, y01, stats::Direction::controls_lower);
        stats::ThresholdRule rule = stats::ThresholdRule::youden;
        double parameter = 0;
        if (cfg.threshold_rule == "max_sensitivity") rule = stats::ThresholdRule::max_sensitivity_min_specificity, parameter = cfg.min_specificity;
        else if (cfg.threshold_rule == "closest_topleft") rule = stats::ThresholdRule::closest_topleft;
        else if (cfg.threshold_rule == "fixed") rule = stats::ThresholdRule::fixed, parameter = cfg.threshold_value;
        const auto choice = stats::choose_threshold(curve, rule, parameter, prob, y01);
        const double thr = cfg.threshold_rule == "fixed" ? cfg.threshold_value : choice.thresholds.front();
        const auto d = stats::diagnostic_metrics(prob, y01, thr, stats::Direction::controls_lower, cfg.level);
        const auto est = [](const stats::Estimate& e) {
            return "{\"estimate\": " + json_number(e.estimate) + ", \"lower\": " + json_number(e.lower) + ", \"upper\": " + json_number(e.upper) + "}";
        };
        m << "  \"threshold\": {\"rule\": " << json_string(cfg.threshold_rule) << ", \"probability\": " << json_number(thr)
          << ", \"true_positive\": " << d.true_positive << ", \"false_positive\": " << d.false_positive << ", \"true_negative\": " << d.true_negative
          << ", \"false_negative\": " << d.false_negative << ",\n    \"sensitivity\": " << est(d.sensitivity) << ",\n    \"specificity\": "
          << est(d.specificity) << ",\n    \"ppv\": " << est(d.ppv) << ",\n    \"npv\": " << est(d.npv) << ",\n    \"lr_positive\": "
          << est(d.lr_positive) << ",\n    \"lr_negative\": " << est(d.lr_negative) << "},\n";
    }
    if (!cfg.patient_aggregation.empty()) {
        static const std::map<std::string, stats::Aggregation> how{{"mean", stats::Aggregation::mean},
                                                                   {"median", stats::Aggregation::median},
                                                                   {"min", stats::Aggregation::min},
                                                                   {"max", stats::Aggregation::max}};
        const auto ps = stats::aggregate_by_patient(prob, y, patient, how.at(cfg.patient_aggregation));
        const std::vector<int> py(ps.outcome.begin(), ps.outcome.end());
        const auto pci = stats::delong_ci(ps.score, py, cfg.level, stats::Direction::controls_lower);
        m << "  \"patient_level\": {\"aggregation\": " << json_string(cfg.patient_aggregation) << ", \"n_patients\": " << ps.patient.size()
          << ", \"auc\": " << json_number(pci.auc) << ", \"auc_ci_lower\": " << json_number(pci.lower) << ", \"auc_ci_upper\": "
          << json_number(pci.upper) << "},\n";
    }
    if (!time.empty()) {
        // Harrell's C of the linear predictor (higher = shorter survival) and its Cox hazard ratio per unit
        const double c_index = stats::harrell_c(time, event, lpv);
        const auto cox = stats::cox_ph(Eigen::Map<const Eigen::MatrixXd>(lp.data(), lp.size(), 1), time, event, cfg.level);
        m << "  \"survival\": {\"c_index\": " << json_number(c_index) << ", \"cox_coef\": " << json_number(cox.coef(0))
          << ", \"cox_se\": " << json_number(cox.se(0)) << ", \"hazard_ratio\": " << json_number(cox.hazard_ratio[0].estimate)
          << ", \"hazard_ratio_lower\": " << json_number(cox.hazard_ratio[0].lower) << ", \"hazard_ratio_upper\": "
          << json_number(cox.hazard_ratio[0].upper) << "},\n";
    }
    if (boot) {
        const auto& b = *boot;
        m << "  \"bootstrap\": {\"replicates\": " << cfg.replicates << ", \"replicates_used\": " << b.replicates_used << ", \"seed\": "
          << cfg.bootstrap_seed << ", \"level\": " << json_number(cfg.bootstrap_level) << ",\n    \"apparent_auc\": "
          << json_number(b.apparent_auc) << ", \"optimism\": " << json_number(b.optimism) << ", \"optimism_sd\": " << json_number(b.optimism_sd)
          << ", \"corrected_auc\": " << json_number(b.corrected_auc) << ",\n    \"oob_auc\": " << json_number(b.oob_auc)
          << ", \"auc_632\": " << json_number(b.auc_632) << ", \"auc_632plus\": " << json_number(b.auc_632plus) << ",\n    \"optimism_ci\": ["
          << json_number(b.optimism_ci.lower) << ", " << json_number(b.optimism_ci.upper) << "], \"auc_train_ci\": ["
          << json_number(b.auc_train_ci.lower) << ", " << json_number(b.auc_train_ci.upper) << "], \"auc_test_ci\": ["
          << json_number(b.auc_test_ci.lower) << ", " << json_number(b.auc_test_ci.upper) << "]},\n";
    }
    m << "  \"alpha\": " << json_number(apparent.alpha) << ",\n  \"lambda\": " << json_number(apparent.lambda) << "\n}\n";
    if (!m) throw Error(ErrorKind::io, (fs::path(cfg.output) / "metrics.json").string() + ": write failed");
}

}  // namespace

std::string validate_job(const std::string& job_path, std::ostream& log) {
    const ValidateConfig cfg = read_validate_config(job_path);
    std::unique_ptr<tbb::global_control> thread_limit;
    if (cfg.threads > 0)
        thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, std::size_t(cfg.threads));

    const ValidationData data = read_validation_data(cfg, log);
    stats::ModelProcedure procedure;
    const stats::FittedModel apparent = fit_apparent(cfg, data, procedure, log);
    const auto boot = bootstrap_validation(cfg, data, apparent, procedure, log);
    write_coefficients(cfg, data, apparent, boot);
    write_metrics(cfg, data, apparent, boot);
    log << "radhpc validate: wrote " << cfg.output << "\n";
    return cfg.output;
}

}  // namespace radhpc::commands
