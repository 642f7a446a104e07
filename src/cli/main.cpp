// radhpc command line. The only translation unit that includes CLI11 (slow to compile).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "radhpc/commands/combat_command.hpp"
#include "radhpc/commands/diagnostic_command.hpp"
#include "radhpc/commands/diff_command.hpp"
#include "radhpc/commands/extract_command.hpp"
#include "radhpc/commands/qc_command.hpp"
#include "radhpc/commands/redundancy_command.hpp"
#include "radhpc/commands/robust_command.hpp"
#include "radhpc/commands/score_command.hpp"
#include "radhpc/commands/stats_commands.hpp"
#include "radhpc/commands/store_commands.hpp"
#include "radhpc/commands/validate_command.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/engine/log.hpp"
#include "radhpc/engine/run.hpp"
#include "radhpc/report/report.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/synth.hpp"

using namespace radhpc;

namespace {

// The one error line and exit status of a command that failed, from the exception being handled:
// a user's mistake or an impossible input is "radhpc: error [kind]" with exit 2 (out of memory and
// absurd sizes included), anything else an internal error with exit 3.
int report_failure() {
    try {
        throw;
    } catch (const Error& e) {
        std::cerr << "radhpc: error [" << to_string(e.kind()) << "]: " << e.what() << "\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "radhpc: error [memory]: out of memory (an input or setting asks for more memory than this machine has)\n";
    } catch (const std::length_error&) {  // "cannot create std::vector larger than max_size()": an absurd size
        std::cerr << "radhpc: error [memory]: an input or setting asks for an impossibly large buffer\n";
    } catch (const std::exception& e) {
        std::cerr << "radhpc: internal error: " << e.what() << "\n";
        return 3;
    }
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    // The study process of a `radhpc run` rank (crash isolation): not a user command, and started
    // before CLI11 so that each (re)start costs only the exec.
    if (argc >= 2 && std::string(argv[1]) == "worker-child") return radhpc::engine::worker_child_main(argc, argv);
    CLI::App app{"radhpc: high-throughput CT radiomics (IBSI 1 and PyRadiomics-compatible features)"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string(RADHPC_VERSION) + " (" + RADHPC_GIT_HASH + ")");
    bool quiet = false, verbose = false;
    app.add_flag("-q,--quiet", quiet, "only warnings and errors on stderr (no progress)");
    app.add_flag("-v,--verbose", verbose, "also debug lines (one per study)");
    app.fallthrough();  // --quiet / --verbose may follow the subcommand

    static commands::ExtractCommand ex_cmd;
    auto* ex = app.add_subcommand("extract", "features of one lesion (image + mask) -> CSV feature,value");
    ex->add_option("--image", ex_cmd.image, "image file (NRRD, NIfTI) or DICOM series folder")->required();
    ex->add_option("--mask", ex_cmd.mask, "label mask file, or DICOM RTSTRUCT / SEG file")->required();
    ex->add_option("--label", ex_cmd.label, "label value of the ROI (default: the settings' label, 1)");
    ex->add_option("--roi", ex_cmd.roi, "RTSTRUCT ROI name or SEG segment label when --mask is DICOM (default: the job's dicom.roi)");
    auto* so = ex->add_option("--settings", ex_cmd.settings, "radhpc job file (YAML)");
    auto* po = ex->add_option("--pyradiomics-params", ex_cmd.pyradiomics_params, "PyRadiomics parameter file (runs with PyRadiomics semantics)");
    so->excludes(po);
    ex->add_option("--names", ex_cmd.names, "feature naming of the output")->check(CLI::IsMember({"ibsi", "pyradiomics"}));
    ex->add_option("--out", ex_cmd.out, "output CSV (default: stdout)");
    ex->add_flag("--timings", ex_cmd.timings, "print read/preprocess/feature times as JSON on stderr");
    ex->add_flag("--diagnostics", ex_cmd.diagnostics, "also write the IBSI diagnostic features");
    ex->add_option("--ibsi-table", ex_cmd.ibsi_table,
                   "IBSI submission table (CSV) whose 'your result', 'difference' and 'check' columns are filled into --out");

    int studies = 10;
    std::uint64_t seed = 1;
    std::string synth_out;
    auto* sy = app.add_subcommand("synth", "write a synthetic CT archive (NIfTI images and label masks, or NRRD, or DICOM CT + RTSTRUCT + SEG; manifest.csv)");
    sy->add_option("--studies", studies, "number of studies")->check(CLI::PositiveNumber);
    sy->add_option("--seed", seed, "random seed (the archive is a function of it)");
    sy->add_option("--out", synth_out, "output folder")->required();
    std::string synth_size = "small", synth_format = "nifti";
    sy->add_option("--size", synth_size, "small (default: ~126x99x33 studies) or clinical (512x512x100-400, 1-10 lesions + an organ)")
        ->check(CLI::IsMember({"small", "clinical"}));
    sy->add_option("--format", synth_format,
                   "nifti (default), nrrd (gzip) or dicom (per study: uncompressed CT series, RTSTRUCT with one ROI per lesion "
                   "named in the manifest's mask column as rtstruct.dcm#lesion-N, and the same labels as a SEG)")
        ->check(CLI::IsMember({"nifti", "nrrd", "dicom"}));

    std::string job_path;
    auto* vj = app.add_subcommand("validate-job", "check a job file against schemas/job.schema.json");
    vj->add_option("job", job_path, "job file")->required();

    static commands::QcCommand qc_cmd;
    auto* qc = app.add_subcommand("qc", "DICOM series discovery + quality checks (folder tree or manifest CSV) -> QC table CSV");
    qc->add_option("input", qc_cmd.input, "folder of DICOM files, or a manifest CSV (columns study_id, image, ...)")->required();
    qc->add_option("--settings", qc_cmd.settings, "job file whose dicom/qc keys configure the checks");
    qc->add_option("--out", qc_cmd.out, "QC table CSV (default: stdout)");
    qc->add_option("--metadata", qc_cmd.metadata, "also write the acquisition metadata table (CSV)");
    qc->add_flag("--headers-only", qc_cmd.headers_only, "do not decode pixel data (faster; misses truncated pixel data)");

    // (further subcommands are registered here, each in its own block)

    // stats roc | enet | icc: statistics on feature tables (logic in commands/stats_commands.cpp).
    // Each runs from its CLI11 callback; errors leave through CLI::RuntimeError with radhpc's exit codes.
    auto* st = app.add_subcommand("stats", "statistics on a feature table (CSV)");
    st->require_subcommand(1);
    auto run_stats = [](const std::function<void()>& body) {
        try {
            body();
        } catch (...) {
            throw CLI::RuntimeError(report_failure());
        }
    };
    static commands::RocCommand roc_cmd;
    auto* st_roc = st->add_subcommand("roc", "AUC with DeLong CI and Mann-Whitney p of a score -> JSON");
    st_roc->add_option("--csv", roc_cmd.csv, "table (CSV)")->required();
    st_roc->add_option("--score", roc_cmd.score, "score column")->required();
    st_roc->add_option("--outcome", roc_cmd.outcome, "0/1 outcome column")->required();
    st_roc->add_option("--direction", roc_cmd.direction, "<: cases score higher (default); >; auto: pROC's rule")
        ->check(CLI::IsMember({"<", ">", "auto"}));
    st_roc->add_option("--level", roc_cmd.level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    st_roc->add_option("--out", roc_cmd.out, "output JSON (default: stdout)");
    st_roc->callback([run_stats] { run_stats([] { commands::stats_roc(roc_cmd, std::cout); }); });
    static commands::EnetCommand enet_cmd;
    auto* st_enet = st->add_subcommand("enet", "elastic-net logistic regression at fixed (alpha, lambda) -> CSV term,estimate");
    st_enet->add_option("--csv", enet_cmd.csv, "table (CSV)")->required();
    st_enet->add_option("--outcome", enet_cmd.outcome, "0/1 outcome column")->required();
    st_enet->add_option("--alpha", enet_cmd.alpha, "elastic-net mixing (1 = lasso)")->required()->check(CLI::Range(0.0, 1.0));
    st_enet->add_option("--lambda", enet_cmd.lambda, "penalty")->required()->check(CLI::NonNegativeNumber);
    st_enet->add_option("--exclude", enet_cmd.exclude, "numeric columns that are not features (C1,C2)")->delimiter(',');
    st_enet->add_option("--thresh", enet_cmd.thresh, "glmnet convergence threshold (default 1e-12)")->check(CLI::PositiveNumber);
    st_enet->add_option("--out", enet_cmd.out, "output CSV (default: stdout)");
    st_enet->callback([run_stats] { run_stats([] { commands::stats_enet(enet_cmd, std::cout); }); });
    static commands::IccCommand icc_cmd;
    auto* st_icc = st->add_subcommand("icc", "six ICC forms (psych::ICC) per feature -> CSV feature,type,icc,ci_lower,ci_upper");
    st_icc->add_option("--csv", icc_cmd.csv, "long table: one row per subject and rater")->required();
    st_icc->add_option("--subject", icc_cmd.subject, "subject column")->required();
    st_icc->add_option("--rater", icc_cmd.rater, "rater / observer / perturbation column")->required();
    st_icc->add_option("--exclude", icc_cmd.exclude, "numeric columns that are not features (C1,C2)")->delimiter(',');
    st_icc->add_option("--level", icc_cmd.level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    st_icc->add_option("--out", icc_cmd.out, "output CSV (default: stdout)");
    st_icc->callback([run_stats] { run_stats([] { commands::stats_icc(icc_cmd, std::cout); }); });
    static commands::CombatCommand combat_cmd;
    auto* st_combat = st->add_subcommand("combat", "ComBat harmonisation (sva::ComBat) of every other numeric column -> CSV");
    st_combat->add_option("--csv", combat_cmd.csv, "table: one row per sample")->required();
    st_combat->add_option("--batch", combat_cmd.batch, "batch column (e.g. scanner, kernel)")->required();
    st_combat->add_option("--covariates", combat_cmd.covariates, "columns whose effects are preserved (C1,C2)")->delimiter(',');
    st_combat->add_option("--exclude", combat_cmd.exclude, "numeric columns that are not features (C1,C2), copied as they are")->delimiter(',');
    st_combat->add_option("--ref-batch", combat_cmd.ref_batch, "reference batch (left unchanged)");
    st_combat->add_flag("--mean-only", combat_cmd.mean_only, "adjust the location only");
    st_combat->add_flag("--nonparametric", combat_cmd.nonparametric, "non-parametric empirical Bayes priors");
    st_combat->add_option("--out", combat_cmd.out, "output CSV (default: stdout)");
    st_combat->add_option("--apply-csv", combat_cmd.apply_csv, "also harmonise this table with the estimates fitted on --csv");
    st_combat->add_option("--apply-out", combat_cmd.apply_out, "output CSV of --apply-csv (default: stdout)");
    st_combat->callback([run_stats] { run_stats([] { commands::stats_combat(combat_cmd, std::cout); }); });
    static commands::RedundancyCommand redundancy_cmd;
    auto* st_redundancy = st->add_subcommand("redundancy", "|Spearman| clusters (average linkage) with one archetype each -> CSV feature,cluster,archetype");
    st_redundancy->add_option("--csv", redundancy_cmd.csv, "table: one row per sample")->required();
    st_redundancy->add_option("--threshold", redundancy_cmd.threshold, "|rho| at which features are redundant (cut at 1 - threshold)")
        ->required()->check(CLI::Range(0.0, 1.0));
    st_redundancy->add_option("--exclude", redundancy_cmd.exclude, "numeric columns that are not features (C1,C2)")->delimiter(',');
    st_redundancy->add_option("--out", redundancy_cmd.out, "output CSV (default: stdout)");
    st_redundancy->callback([run_stats] { run_stats([] { commands::stats_redundancy(redundancy_cmd, std::cout); }); });
    static std::string validate_job_path;
    auto* va = app.add_subcommand("validate", "model building + validation of a feature table (the job's validate object) -> output folder");
    va->add_option("job", validate_job_path, "job file (YAML) with a 'validate' object")->required();
    va->callback([run_stats] { run_stats([] { commands::validate_job(validate_job_path, std::cerr); }); });
    // report STORE --out F.html: one self-contained HTML page of plots and tables (src/report)
    static report::ReportOptions report_opt;
    auto* rp = app.add_subcommand("report", "self-contained HTML report of a store (ROC, calibration, Kaplan-Meier, ICC, correlation, QC, failures, provenance)");
    rp->add_option("store", report_opt.store, "store directory")->required();
    rp->add_option("--out", report_opt.out, "output HTML file (default report.html)");
    rp->add_option("--outcome", report_opt.outcome, "binary outcome metadata column (default outcome)");
    rp->add_option("--time", report_opt.time, "survival time metadata column (default time)");
    rp->add_option("--event", report_opt.event, "survival event (0/1) metadata column (default event)");
    rp->add_option("--score", report_opt.score, "score: metadata, patient-table or feature column (default: the store's signature scores)");
    rp->add_option("--signature", report_opt.signature, "stored signature to plot (default: the first scored one)");
    rp->add_option("--direction", report_opt.direction, "<: cases score higher (default, or from the signature's rule); >; auto")
        ->check(CLI::IsMember({"<", ">", "auto"}));
    rp->add_option("--threshold", report_opt.threshold, "risk-group split of the score (default: the signature's classes, else the median)");
    rp->add_option("--bootstrap", report_opt.bootstrap, "replicates of the ROC sensitivity band (default 2000)")->check(CLI::PositiveNumber);
    rp->add_option("--seed", report_opt.seed, "seed of the band's replicates (default 20260101)");
    rp->add_option("--level", report_opt.level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    rp->add_option("--redundancy-threshold", report_opt.redundancy_threshold, "|rho| of the heatmap's clusters (default: the robust stage's, else 0.9)")
        ->check(CLI::Range(0.0, 1.0));
    rp->add_option("--heatmap-max-features", report_opt.heatmap_max_features, "heatmap: at most N feature columns (default 250)")->check(CLI::PositiveNumber);
    rp->callback([run_stats] {
        run_stats([] {
            report_opt.generator = std::string("radhpc ") + RADHPC_VERSION + " (" + RADHPC_GIT_HASH + ")";
            for (const auto& note : report::write_report(report_opt)) std::cerr << "radhpc report: " << note << "\n";
            std::cout << "wrote " << report_opt.out << "\n";
        });
    });

    // stats diagnostic (2x2 table -> metrics) and score (a job's signature on a store): commands/score_command.cpp
    static commands::DiagnosticCommand diagnostic_cmd;
    auto* st_diag = st->add_subcommand("diagnostic", "sensitivity, specificity, PPV, NPV (Clopper-Pearson) and LR+/LR- (log method) of a 2x2 table -> JSON");
    st_diag->add_option("--tp", diagnostic_cmd.tp, "true positives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--fp", diagnostic_cmd.fp, "false positives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--tn", diagnostic_cmd.tn, "true negatives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--fn", diagnostic_cmd.fn, "false negatives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--level", diagnostic_cmd.level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    st_diag->add_option("--out", diagnostic_cmd.out, "output JSON (default: stdout)");
    st_diag->callback([run_stats] { run_stats([] { commands::stats_diagnostic(diagnostic_cmd, std::cout); }); });
    static commands::ScoreOptions score_opt;
    auto* sc = app.add_subcommand("score", "score the job's signature on a store (per lesion, per patient, metrics) into its /signatures group");
    sc->add_option("store", score_opt.store, "store directory")->required();
    sc->add_option("--job", score_opt.job, "job file (YAML) with a 'signature' section")->required();
    sc->add_option("--csv-dir", score_opt.csv_dir, "also write lesions.csv, patients.csv, metrics.csv here");
    sc->callback([run_stats] {
        int status = 0;
        run_stats([&status] { status = commands::score_store(score_opt, std::cout, std::cerr); });
        if (status != 0) throw CLI::RuntimeError(status);
    });

    // run / merge / inspect / export: the batch engine (src/engine, store layout in schemas/store_layout.md)
    engine::RunOptions run_opt;
    auto* rn = app.add_subcommand("run", "process a study manifest into an HDF5 store (mpirun/srun/no launcher; resumes)");
    rn->add_option("job", run_opt.job_path, "job file (YAML)")->required();
    rn->add_option("--manifest", run_opt.manifest, "manifest CSV (overrides the job's `manifest`)");
    rn->add_option("--store", run_opt.store, "store directory (overrides the job's `store`)");
    rn->add_option("--shard", run_opt.shard, "I/N: only the studies with hash(study_id) mod N == I (0-based)");
    rn->add_option("--threads", run_opt.threads, "threads per rank (default: job run.threads, else cores / ranks per node)");
    rn->add_option("--bench-noop-features", run_opt.bench_noop_features, "benchmark: workers return N fake values")->group("");
    rn->add_flag("--bench-master-only", run_opt.bench_master_only, "benchmark: rank 0 does not compute")->group("");
    // robust: sweep (run) -> ICC -> robust non-redundant features -> optional ComBat, into the store (commands/robust_command.cpp)
    engine::RunOptions robust_opt;
    auto* rb = app.add_subcommand("robust", "robustness sweep or test-retest/observer ICC -> robust non-redundant features (+ ComBat) into the store");
    rb->add_option("job", robust_opt.job_path, "job file (YAML) with `perturbations` and/or a `robust` section")->required();
    rb->add_option("--manifest", robust_opt.manifest, "manifest CSV (overrides the job's `manifest`)");
    rb->add_option("--store", robust_opt.store, "store directory (overrides the job's `store`)");
    rb->add_option("--threads", robust_opt.threads, "threads per rank (default: job run.threads, else cores / ranks per node)");
    std::string export_table = "features";
    std::vector<std::string> merge_in;
    std::string merge_out, store_path, export_format = "csv", export_names = "ibsi", export_out;
    auto* mg = app.add_subcommand("merge", "combine stores (e.g. --shard outputs) into one store");
    mg->add_option("stores", merge_in, "input stores")->required();
    mg->add_option("--out", merge_out, "output store directory")->required();
    auto* in = app.add_subcommand("inspect", "counts, failures with reasons, settings and provenance of a store");
    in->add_option("store", store_path, "store directory")->required();
    auto* xp = app.add_subcommand("export", "feature table of a store as CSV");
    xp->add_option("store", store_path, "store directory")->required();
    xp->add_option("--format", export_format, "output format")->check(CLI::IsMember({"csv"}));
    xp->add_option("--names", export_names, "feature naming")->check(CLI::IsMember({"ibsi", "pyradiomics"}));
    xp->add_option("--out", export_out, "output file (default: stdout)");
    xp->add_option("--table", export_table, "features (default); after `radhpc robust`: icc, robust, clusters, selected (validate input)")
        ->check(CLI::IsMember({"features", "icc", "robust", "clusters", "selected"}));
    bool export_metadata = false;
    xp->add_flag("--metadata", export_metadata, "add each study's metadata columns (outcome, clinical, DICOM acquisition)");
    std::string diff_a, diff_b, diff_csv;
    commands::DiffOptions diff_opt;
    auto* df = app.add_subcommand("diff", "what changed between two stores: studies added/removed/recomputed, values beyond a tolerance"
                                          " (exit 0: none, 1: differences)");
    df->add_option("store_a", diff_a, "older store")->required();
    df->add_option("store_b", diff_b, "newer store")->required();
    df->add_option("--rtol", diff_opt.rel_tolerance, "relative tolerance (default 1e-9)");
    df->add_option("--atol", diff_opt.abs_tolerance, "absolute tolerance (default 0)");
    df->add_option("--max-values", diff_opt.max_values, "value lines printed per study (default 20)");
    df->add_option("--csv", diff_csv, "also write every change as CSV (kind,study_id,lesion,perturbation,feature,a,b,detail)");

    // Option errors are user errors: one "radhpc: error [usage]" line and exit 2, as every other
    // user mistake (CLI11's own exit codes 104/114/... would be foreign to scripts checking radhpc's).
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::RuntimeError& e) {  // a stats subcommand's body reported its own error line
        return e.get_exit_code();
    } catch (const CLI::ParseError& e) {
        std::cerr << "radhpc: error [usage]: " << e.what() << " (radhpc --help, or radhpc COMMAND --help)\n";
        return 2;
    } catch (const std::exception&) {
        return report_failure();
    }
    engine::log::configure(quiet ? engine::log::Level::warn : verbose ? engine::log::Level::debug : engine::log::Level::info);
    try {
        if (*ex) return commands::extract(ex_cmd);
        if (*sy) {
            pipeline::SynthOptions so;
            so.size = synth_size == "clinical" ? pipeline::SynthSize::clinical : pipeline::SynthSize::small;
            so.format = synth_format == "nrrd"    ? pipeline::SynthFormat::nrrd
                        : synth_format == "dicom" ? pipeline::SynthFormat::dicom
                                                  : pipeline::SynthFormat::nifti;
            pipeline::write_archive(synth_out, studies, seed, so);
            std::cout << "wrote " << studies << " synthetic studies to " << synth_out << " (manifest.csv)\n";
            return 0;
        }
        if (*vj) {
            io::read_job_file(job_path);
            std::cout << job_path << ": valid\n";
            return 0;
        }
        if (*qc) return commands::qc(qc_cmd);
        if (*rn) {
            for (int i = 0; i < argc; ++i) run_opt.command_line += (i ? " " : "") + std::string(argv[i]);
            run_opt.version = RADHPC_VERSION;
            run_opt.git_hash = RADHPC_GIT_HASH;
            return engine::run(run_opt, argc, argv);
        }
        if (*rb) {
            for (int i = 0; i < argc; ++i) robust_opt.command_line += (i ? " " : "") + std::string(argv[i]);
            robust_opt.version = RADHPC_VERSION;
            robust_opt.git_hash = RADHPC_GIT_HASH;
            return commands::robust(robust_opt, argc, argv);
        }
        if (*xp && export_table != "features") {
            std::ofstream f;
            if (!export_out.empty() && export_out != "-") {
                f.open(export_out);
                if (!f) throw Error(ErrorKind::io, export_out + ": cannot write");
            }
            commands::export_robustness(store_path, export_table, f.is_open() ? static_cast<std::ostream&>(f) : std::cout, export_metadata);
            return 0;
        }
        if (*mg) {
            commands::merge(merge_in, merge_out);
            std::cout << "merged " << merge_in.size() << " store(s) into " << merge_out << "\n";
            return 0;
        }
        if (*in) {
            commands::inspect(store_path, std::cout);
            return 0;
        }
        if (*df) {
            const auto d = commands::diff_stores(diff_a, diff_b, diff_opt);
            commands::write_diff(d, diff_opt, std::cout);
            if (!diff_csv.empty()) {
                std::ofstream f(diff_csv);
                if (!f) throw Error(ErrorKind::io, diff_csv + ": cannot write");
                commands::write_diff_csv(d, f);
            }
            return d.empty() ? 0 : 1;
        }
        if (*xp) {
            if (export_out.empty() || export_out == "-") {
                commands::export_csv(store_path, export_names == "pyradiomics", std::cout, export_metadata);
            } else {
                std::ofstream f(export_out);
                if (!f) throw Error(ErrorKind::io, export_out + ": cannot write");
                commands::export_csv(store_path, export_names == "pyradiomics", f, export_metadata);
            }
            return 0;
        }
    } catch (const std::exception&) {
        return report_failure();
    }
    return 0;
}
