// radhpc command line: one registration function per subcommand (its options, and a callback that
// runs the body in src/commands through run_command, the one error and exit-status path). The
// only translation unit that includes CLI11 (slow to compile).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>

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
#include "radhpc/commands/synth_command.hpp"
#include "radhpc/commands/federated_command.hpp"
#include "radhpc/commands/longitudinal_command.hpp"
#include "radhpc/commands/mask_command.hpp"
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

// Runs a command body from its CLI11 callback. A failure is reported here (report_failure); a
// non-zero exit status leaves app.parse() as CLI::RuntimeError, which main returns.
void run_command(const std::function<int()>& body) {
    int status = 0;
    try {
        status = body();
    } catch (...) {
        status = report_failure();
    }
    if (status != 0) throw CLI::RuntimeError(status);
}

// A subcommand whose options live in `opt` (owned by its callback) and whose callback runs `body(opt)`.
template <class Options, class Body>
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description, std::shared_ptr<Options> opt, Body body) {
    auto* sub = parent.add_subcommand(name, description);
    sub->callback([opt, body] { run_command([&] { return body(*opt); }); });
    return sub;
}

// An output file, or stdout for "" and "-".
std::ostream& output(const std::string& path, std::ofstream& file) {
    if (path.empty() || path == "-") return std::cout;
    file.open(path);
    if (!file) throw Error(ErrorKind::io, path + ": cannot write");
    return file;
}

void add_extract(CLI::App& app) {
    auto opt = std::make_shared<commands::ExtractCommand>();
    auto* ex = add_command(app, "extract", "features of one lesion (image + mask) -> CSV feature,value", opt,
                           [](const commands::ExtractCommand& o) { return commands::extract(o); });
    ex->add_option("--image", opt->image, "image file (NRRD, NIfTI) or DICOM series folder")->required();
    ex->add_option("--mask", opt->mask, "label mask file, or DICOM RTSTRUCT / SEG file")->required();
    ex->add_option("--label", opt->label, "label value of the ROI (default: the settings' label, 1)");
    ex->add_option("--roi", opt->roi, "RTSTRUCT ROI name or SEG segment label when --mask is DICOM (default: the job's dicom.roi)");
    auto* so = ex->add_option("--settings", opt->settings, "radhpc job file (YAML)");
    auto* po = ex->add_option("--pyradiomics-params", opt->pyradiomics_params, "PyRadiomics parameter file (runs with PyRadiomics semantics)");
    so->excludes(po);
    ex->add_option("--names", opt->names, "feature naming of the output")->check(CLI::IsMember({"ibsi", "pyradiomics"}));
    ex->add_option("--out", opt->out, "output CSV (default: stdout)");
    ex->add_flag("--timings", opt->timings, "print read/preprocess/feature times as JSON on stderr");
    ex->add_flag("--diagnostics", opt->diagnostics, "also write the IBSI diagnostic features");
    ex->add_option("--ibsi-table", opt->ibsi_table,
                   "IBSI submission table (CSV) whose 'your result', 'difference' and 'check' columns are filled into --out");
}

// mask --image IMG --mask MASK --out OUT: the ROI(s) as radhpc rasterised them (commands/mask_command.cpp)
void add_mask(CLI::App& app) {
    auto opt = std::make_shared<commands::MaskCommand>();
    auto* mk = add_command(app, "mask", "write the ROI(s) as radhpc rasterised them: label map on the image grid (.nii, .nii.gz, .nrrd) or DICOM SEG (.dcm)",
                           opt, [](const commands::MaskCommand& o) { return commands::mask(o, std::cout); });
    mk->add_option("--image", opt->image, "image file (NRRD, NIfTI) or DICOM series folder")->required();
    mk->add_option("--mask", opt->mask, "label file, DICOM RTSTRUCT / SEG, or 3D Slicer segmentation")->required();
    mk->add_option("--out", opt->out, "output: .nii / .nii.gz / .nrrd label map (+ OUT.labels.json), or .dcm DICOM SEG of the image series")->required();
    mk->add_option("--label", opt->label, "label value of the ROI in a label file (default: the settings' label, 1)");
    mk->add_option("--roi", opt->roi, "RTSTRUCT ROI name or segment name (default: the job's dicom.roi)");
    mk->add_flag("--all", opt->all, "every ROI / segment (labels 1..n) or every label of a label file (its own value)");
    mk->add_flag("--components", opt->components, "the label file's connected components as labels 1..n (run.lesions: components)");
    auto* so = mk->add_option("--settings", opt->settings, "radhpc job file (YAML)");
    so->excludes(mk->add_option("--pyradiomics-params", opt->pyradiomics_params, "PyRadiomics parameter file"));
    mk->add_option("--perturbation", opt->perturbation, "id of the job's perturbations: the perturbed mask on its working grid (header says so)");
    mk->add_option("--study-id", opt->study_id, "with --perturbation: draw noise/contours as radhpc run does for this study ...");
    mk->add_option("--lesion", opt->lesion, "... and this lesion number (default 1)");
}

void add_synth(CLI::App& app) {
    auto opt = std::make_shared<commands::SynthCommand>();
    auto* sy = add_command(app, "synth", "write a synthetic CT archive (NIfTI images and label masks, or NRRD, or DICOM CT + RTSTRUCT + SEG; manifest.csv)",
                           opt, commands::synth);
    sy->add_option("--studies", opt->studies, "number of studies")->check(CLI::PositiveNumber);
    sy->add_option("--seed", opt->seed, "random seed (the archive is a function of it)");
    sy->add_option("--out", opt->out, "output folder")->required();
    sy->add_option("--size", opt->size, "small (default: ~126x99x33 studies) or clinical (512x512x100-400, 1-10 lesions + an organ)")
        ->check(CLI::IsMember({"small", "clinical"}));
    sy->add_option("--format", opt->format,
                   "nifti (default), nrrd (gzip) or dicom (per study: uncompressed CT series, RTSTRUCT with one ROI per lesion "
                   "named in the manifest's mask column as rtstruct.dcm#lesion-N, and the same labels as a SEG)")
        ->check(CLI::IsMember({"nifti", "nrrd", "dicom"}));
    sy->add_flag("--signal", opt->signal,
                 "plant an outcome per patient and survival columns time,event (months) driven by lesion volume (morph_volume), "
                 "mean intensity (stat_mean) and texture amplitude (stat_var) plus noise; the model and its true coefficients "
                 "go to signal.json (small size only; without it the archive is unchanged)");
    sy->add_option("--sites", opt->sites,
                   "write a multi-site cohort of K sites (2-20): <out>/site-<k>/ archives (IDs prefixed s<k>-, a site column) of "
                   "unequal sizes (site k ~ studies/(k+1), normalised; >= 5 patients per site when studies >= 40) whose images "
                   "carry a site intensity offset (-30..+30 HU) and extra noise (5-25 HU); sites.json documents them "
                   "(composes with --signal, --size and --format)")
        ->check(CLI::Range(2, pipeline::kMaxSynthSites));
    sy->add_option("--timepoints", opt->timepoints,
                   "longitudinal: T (2-6) studies per patient (timepoint, day, lesion_ids columns; lesions keep their label and "
                   "ROI name lesion-L<k> and grow, shrink, vanish or appear; timepoints.json documents the truth)")
        ->check(CLI::Range(2, pipeline::kMaxSynthTimepoints));
}

void add_validate_job(CLI::App& app) {
    auto job = std::make_shared<std::string>();
    auto* vj = add_command(app, "validate-job", "check a job file against schemas/job.schema.json", job, [](const std::string& path) {
        io::read_job_file(path);
        std::cout << path << ": valid\n";
        return 0;
    });
    vj->add_option("job", *job, "job file")->required();
}

void add_qc(CLI::App& app) {
    auto opt = std::make_shared<commands::QcCommand>();
    auto* qc = add_command(app, "qc", "DICOM series discovery + quality checks (folder tree or manifest CSV) -> QC table CSV", opt,
                           [](const commands::QcCommand& o) { return commands::qc(o); });
    qc->add_option("input", opt->input, "folder of DICOM files, or a manifest CSV (columns study_id, image, ...)")->required();
    qc->add_option("--settings", opt->settings, "job file whose dicom/qc keys configure the checks");
    qc->add_option("--out", opt->out, "QC table CSV (default: stdout)");
    qc->add_option("--metadata", opt->metadata, "also write the acquisition metadata table (CSV)");
    qc->add_flag("--headers-only", opt->headers_only, "do not decode pixel data (faster; misses truncated pixel data)");
}

// A stats subcommand: its body writes to stdout (or its --out) and returns normally.
template <class Command>
CLI::App* add_stats_command(CLI::App& stats, const std::string& name, const std::string& description, std::shared_ptr<Command> opt,
                            void (*body)(const Command&, std::ostream&)) {
    return add_command(stats, name, description, opt, [body](const Command& o) {
        body(o, std::cout);
        return 0;
    });
}

// stats roc | enet | icc | combat | redundancy | diagnostic: statistics on feature tables
// (commands/stats_commands.cpp, combat_command.cpp, redundancy_command.cpp, diagnostic_command.cpp).
void add_stats(CLI::App& app) {
    auto* st = app.add_subcommand("stats", "statistics on a feature table (CSV)");
    st->require_subcommand(1);
    auto roc = std::make_shared<commands::RocCommand>();
    auto* st_roc = add_stats_command(*st, "roc", "AUC with DeLong CI and Mann-Whitney p of a score -> JSON", roc, commands::stats_roc);
    st_roc->add_option("--csv", roc->csv, "table (CSV)")->required();
    st_roc->add_option("--score", roc->score, "score column")->required();
    st_roc->add_option("--outcome", roc->outcome, "0/1 outcome column")->required();
    st_roc->add_option("--direction", roc->direction, "<: cases score higher (default); >; auto: pROC's rule")
        ->check(CLI::IsMember({"<", ">", "auto"}));
    st_roc->add_option("--level", roc->level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    st_roc->add_option("--out", roc->out, "output JSON (default: stdout)");
    auto enet = std::make_shared<commands::EnetCommand>();
    auto* st_enet = add_stats_command(*st, "enet", "elastic-net logistic regression at fixed (alpha, lambda) -> CSV term,estimate", enet,
                                      commands::stats_enet);
    st_enet->add_option("--csv", enet->csv, "table (CSV)")->required();
    st_enet->add_option("--outcome", enet->outcome, "0/1 outcome column")->required();
    st_enet->add_option("--alpha", enet->alpha, "elastic-net mixing (1 = lasso)")->required()->check(CLI::Range(0.0, 1.0));
    st_enet->add_option("--lambda", enet->lambda, "penalty")->required()->check(CLI::NonNegativeNumber);
    st_enet->add_option("--exclude", enet->exclude, "numeric columns that are not features (C1,C2)")->delimiter(',');
    st_enet->add_option("--thresh", enet->thresh, "glmnet convergence threshold (default 1e-12)")->check(CLI::PositiveNumber);
    st_enet->add_option("--out", enet->out, "output CSV (default: stdout)");
    auto icc = std::make_shared<commands::IccCommand>();
    auto* st_icc = add_stats_command(*st, "icc", "six ICC forms (psych::ICC) per feature -> CSV feature,type,icc,ci_lower,ci_upper", icc,
                                     commands::stats_icc);
    st_icc->add_option("--csv", icc->csv, "long table: one row per subject and rater")->required();
    st_icc->add_option("--subject", icc->subject, "subject column")->required();
    st_icc->add_option("--rater", icc->rater, "rater / observer / perturbation column")->required();
    st_icc->add_option("--exclude", icc->exclude, "numeric columns that are not features (C1,C2)")->delimiter(',');
    st_icc->add_option("--level", icc->level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    st_icc->add_option("--out", icc->out, "output CSV (default: stdout)");
    auto combat = std::make_shared<commands::CombatCommand>();
    auto* st_combat = add_stats_command(*st, "combat", "ComBat harmonisation (sva::ComBat) of every other numeric column -> CSV", combat,
                                        commands::stats_combat);
    st_combat->add_option("--csv", combat->csv, "table: one row per sample")->required();
    st_combat->add_option("--batch", combat->batch, "batch column (e.g. scanner, kernel)")->required();
    st_combat->add_option("--covariates", combat->covariates, "columns whose effects are preserved (C1,C2)")->delimiter(',');
    st_combat->add_option("--exclude", combat->exclude, "numeric columns that are not features (C1,C2), copied as they are")->delimiter(',');
    st_combat->add_option("--ref-batch", combat->ref_batch, "reference batch (left unchanged)");
    st_combat->add_flag("--mean-only", combat->mean_only, "adjust the location only");
    st_combat->add_flag("--nonparametric", combat->nonparametric, "non-parametric empirical Bayes priors");
    st_combat->add_option("--out", combat->out, "output CSV (default: stdout)");
    st_combat->add_option("--apply-csv", combat->apply_csv, "also harmonise this table with the estimates fitted on --csv");
    st_combat->add_option("--apply-out", combat->apply_out, "output CSV of --apply-csv (default: stdout)");
    auto redundancy = std::make_shared<commands::RedundancyCommand>();
    auto* st_redundancy = add_stats_command(*st, "redundancy", "|Spearman| clusters (average linkage) with one archetype each -> CSV feature,cluster,archetype",
                                            redundancy, commands::stats_redundancy);
    st_redundancy->add_option("--csv", redundancy->csv, "table: one row per sample")->required();
    st_redundancy->add_option("--threshold", redundancy->threshold, "|rho| at which features are redundant (cut at 1 - threshold)")
        ->required()->check(CLI::Range(0.0, 1.0));
    st_redundancy->add_option("--exclude", redundancy->exclude, "numeric columns that are not features (C1,C2)")->delimiter(',');
    st_redundancy->add_option("--out", redundancy->out, "output CSV (default: stdout)");
    auto diagnostic = std::make_shared<commands::DiagnosticCommand>();
    auto* st_diag = add_stats_command(*st, "diagnostic", "sensitivity, specificity, PPV, NPV (Clopper-Pearson) and LR+/LR- (log method) of a 2x2 table -> JSON",
                                      diagnostic, commands::stats_diagnostic);
    st_diag->add_option("--tp", diagnostic->tp, "true positives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--fp", diagnostic->fp, "false positives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--tn", diagnostic->tn, "true negatives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--fn", diagnostic->fn, "false negatives")->required()->check(CLI::NonNegativeNumber);
    st_diag->add_option("--level", diagnostic->level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    st_diag->add_option("--out", diagnostic->out, "output JSON (default: stdout)");
}

void add_validate(CLI::App& app, int& argc, char**& argv) {
    auto opt = std::make_shared<commands::ValidateOptions>();
    auto* va = add_command(app, "validate",
                           "model building + bootstrap validation of a feature table (the job's validate object): into the store on MPI "
                           "ranks (--store or the job's store:; mpirun/srun or no launcher), else into the output folder",
                           opt, [&argc, &argv](commands::ValidateOptions& o) {
                               o.version = RADHPC_VERSION;
                               return commands::validate(o, argc, argv, std::cerr);
                           });
    va->add_option("job", opt->job_path, "job file (YAML) with a 'validate' object")->required();
    va->add_option("--store", opt->store, "store directory (overrides the job's store:)");
}

// longitudinal JOB.yaml (issue 18): the job's longitudinal section over a store and its manifest
void add_longitudinal(CLI::App& app) {
    auto opt = std::make_shared<commands::LongitudinalOptions>();
    auto* lo = add_command(app, "longitudinal", "changes of every lesion between a patient's timepoints, burden, paired tests -> the store's /longitudinal",
                           opt, [](const commands::LongitudinalOptions& o) { return commands::longitudinal(o, std::cerr); });
    lo->add_option("job", opt->job_path, "job file (YAML) with a 'longitudinal' object")->required();
    lo->add_option("--manifest", opt->manifest, "manifest with the timepoint column (overrides the job's manifest:)");
    lo->add_option("--store", opt->store, "store directory (overrides the job's store:)");
}

// federated site|coordinate|simulate JOB.yaml (issue 17): the job's federated section.
void add_federated(CLI::App& app) {
    auto* fed = app.add_subcommand("federated", "multi-centre analysis without moving rows: sites answer aggregate-only requests, a coordinator combines them")->require_subcommand(1);
    auto site = std::make_shared<commands::FederatedSiteOptions>();
    auto* si = add_command(*fed, "site", "answer one request from this site's own store or table (or list what left it: --audit)", site,
                           [](const commands::FederatedSiteOptions& o) { return commands::federated_site(o, std::cout); });
    si->add_option("job", site->job_path, "job file (YAML) with a 'federated' object")->required();
    si->add_option("--store", site->store, "this site's store (feature table joined with the manifest)");
    si->add_option("--table", site->table, "this site's CSV table (instead of a store)");
    si->add_option("--request", site->request, "request file from the coordinator"), si->add_option("--response", site->response, "response file to write");
    si->add_option("--log", site->log, "audit log (default <store>/federated-audit.jsonl or <table>.audit.jsonl)");
    si->add_option("--local-out", site->local_out, "folder of site-local outputs such as harmonised.csv (default: the log's folder)");
    si->add_flag("--audit", site->audit, "list every response this site wrote");
    auto co = std::make_shared<commands::FederatedCoordinateOptions>();
    auto* c = add_command(*fed, "coordinate", "run the protocol over an exchange folder; exits 75 while sites' responses are missing (run it again)", co,
                          [](const commands::FederatedCoordinateOptions& o) { return commands::federated_coordinate(o, std::cout); });
    c->add_option("job", co->job_path, "job file (YAML) with a 'federated' object")->required();
    c->add_option("--exchange", co->exchange, "message folder (<site>/request-N.json, <site>/response-N.json)")->required();
    c->add_option("--results", co->results, "results folder (default <exchange>/results)"), c->add_option("--wait", co->wait_seconds, "seconds to wait for missing responses before exiting 75 (default 0)");
    auto sim = std::make_shared<commands::FederatedSimulateOptions>();
    auto* sm = add_command(*fed, "simulate", "a whole federation in one process (sites as folders) plus the pooled analyses for comparison", sim,
                           [](const commands::FederatedSimulateOptions& o) { return commands::federated_simulate(o, std::cout); });
    sm->add_option("job", sim->job_path, "job file (YAML) whose federated.sites give table: or store:")->required();
    sm->add_option("--out", sim->out, "output folder")->required();
}

// report STORE|FEDERATED_DIR --out F.html: one self-contained HTML page of plots and tables (src/report)
void add_report(CLI::App& app) {
    auto opt = std::make_shared<report::ReportOptions>();
    auto* rp = add_command(app, "report", "self-contained HTML report of a store (ROC, calibration, Kaplan-Meier, ICC, correlation, QC, failures, provenance) or of a federated results folder",
                           opt, [](report::ReportOptions& o) {
                               o.generator = std::string("radhpc ") + RADHPC_VERSION + " (" + RADHPC_GIT_HASH + ")";
                               for (const auto& note : report::write_report(o)) std::cerr << "radhpc report: " << note << "\n";
                               std::cout << "wrote " << o.out << "\n";
                               return 0;
                           });
    rp->add_option("store", opt->store, "store directory, or a federated results folder (results.json) or simulate folder")->required();
    rp->add_option("--out", opt->out, "output HTML file (default report.html)");
    rp->add_option("--outcome", opt->outcome, "binary outcome metadata column (default outcome)");
    rp->add_option("--time", opt->time, "survival time metadata column (default time)");
    rp->add_option("--event", opt->event, "survival event (0/1) metadata column (default event)");
    rp->add_option("--score", opt->score, "score: metadata, patient-table or feature column (default: the store's signature scores)");
    rp->add_option("--signature", opt->signature, "stored signature to plot (default: the first scored one)");
    rp->add_option("--direction", opt->direction, "<: cases score higher (default, or from the signature's rule); >; auto")
        ->check(CLI::IsMember({"<", ">", "auto"}));
    rp->add_option("--threshold", opt->threshold, "risk-group split of the score (default: the signature's classes, else the median)");
    rp->add_option("--bootstrap", opt->bootstrap, "replicates of the ROC sensitivity band (default 2000)")->check(CLI::PositiveNumber);
    rp->add_option("--seed", opt->seed, "seed of the band's replicates (default 20260101)");
    rp->add_option("--level", opt->level, "confidence level (default 0.95)")->check(CLI::Range(0.0, 1.0));
    rp->add_option("--redundancy-threshold", opt->redundancy_threshold, "|rho| of the heatmap's clusters (default: the robust stage's, else 0.9)")
        ->check(CLI::Range(0.0, 1.0));
    rp->add_option("--heatmap-max-features", opt->heatmap_max_features, "heatmap: at most N feature columns (default 250)")->check(CLI::PositiveNumber);
}

// score STORE --job J: a job's signature on a store (commands/score_command.cpp)
void add_score(CLI::App& app) {
    auto opt = std::make_shared<commands::ScoreOptions>();
    auto* sc = add_command(app, "score", "score the job's signature on a store (per lesion, per patient, metrics) into its /signatures group", opt,
                           [](const commands::ScoreOptions& o) { return commands::score_store(o, std::cout, std::cerr); });
    sc->add_option("store", opt->store, "store directory")->required();
    sc->add_option("--job", opt->job, "job file (YAML) with a 'signature' section")->required();
    sc->add_option("--csv-dir", opt->csv_dir, "also write lesions.csv, patients.csv, metrics.csv here");
}

// Provenance of a run in its store: the command line and this executable's version.
void stamp(engine::RunOptions& o, int argc, char** argv) {
    for (int i = 0; i < argc; ++i) o.command_line += (i ? " " : "") + std::string(argv[i]);
    o.version = RADHPC_VERSION;
    o.git_hash = RADHPC_GIT_HASH;
}

// run / merge / inspect / export / diff: the batch engine and its stores (src/engine, store layout
// in schemas/store_layout.md). argc/argv are main's: MPI_Init may take its own arguments out.
void add_run(CLI::App& app, int& argc, char**& argv) {
    auto opt = std::make_shared<engine::RunOptions>();
    auto* rn = add_command(app, "run", "process a study manifest into an HDF5 store (mpirun/srun/no launcher; resumes)", opt,
                           [&argc, &argv](engine::RunOptions& o) {
                               stamp(o, argc, argv);
                               return engine::run(o, argc, argv);
                           });
    rn->add_option("job", opt->job_path, "job file (YAML)")->required();
    rn->add_option("--manifest", opt->manifest, "manifest CSV (overrides the job's `manifest`)");
    rn->add_option("--store", opt->store, "store directory (overrides the job's `store`)");
    rn->add_option("--shard", opt->shard, "I/N: only the studies with hash(study_id) mod N == I (0-based)");
    rn->add_option("--threads", opt->threads, "threads per rank (default: job run.threads, else cores / ranks per node)");
    rn->add_option("--bench-noop-features", opt->bench_noop_features, "benchmark: workers return N fake values")->group("");
    rn->add_flag("--bench-master-only", opt->bench_master_only, "benchmark: rank 0 does not compute")->group("");
}

// robust: sweep (run) -> ICC -> robust non-redundant features -> optional ComBat, into the store (commands/robust_command.cpp)
void add_robust(CLI::App& app, int& argc, char**& argv) {
    auto opt = std::make_shared<engine::RunOptions>();
    auto* rb = add_command(app, "robust", "robustness sweep or test-retest/observer ICC -> robust non-redundant features (+ ComBat) into the store", opt,
                           [&argc, &argv](engine::RunOptions& o) {
                               stamp(o, argc, argv);
                               return commands::robust(o, argc, argv);
                           });
    rb->add_option("job", opt->job_path, "job file (YAML) with `perturbations` and/or a `robust` section")->required();
    rb->add_option("--manifest", opt->manifest, "manifest CSV (overrides the job's `manifest`)");
    rb->add_option("--store", opt->store, "store directory (overrides the job's `store`)");
    rb->add_option("--threads", opt->threads, "threads per rank (default: job run.threads, else cores / ranks per node)");
}

struct MergeCommand {
    std::vector<std::string> stores;
    std::string out;
};
void add_merge(CLI::App& app) {
    auto opt = std::make_shared<MergeCommand>();
    auto* mg = add_command(app, "merge", "combine stores (e.g. --shard outputs) into one store", opt, [](const MergeCommand& o) {
        commands::merge(o.stores, o.out);
        std::cout << "merged " << o.stores.size() << " store(s) into " << o.out << "\n";
        return 0;
    });
    mg->add_option("stores", opt->stores, "input stores")->required();
    mg->add_option("--out", opt->out, "output store directory")->required();
}

void add_inspect(CLI::App& app) {
    auto store = std::make_shared<std::string>();
    auto* in = add_command(app, "inspect", "counts, failures with reasons, settings and provenance of a store", store, [](const std::string& path) {
        commands::inspect(path, std::cout);
        return 0;
    });
    in->add_option("store", *store, "store directory")->required();
}

void add_export(CLI::App& app) {
    auto opt = std::make_shared<commands::ExportOptions>();
    auto* xp = add_command(app, "export", "feature table of a store as CSV", opt, [](const commands::ExportOptions& o) { return commands::export_table(o, std::cout); });
    xp->add_option("store", opt->store, "store directory")->required();
    xp->add_option("--format", opt->format, "output format")->check(CLI::IsMember({"csv"}));
    xp->add_option("--names", opt->names, "feature naming")->check(CLI::IsMember({"ibsi", "pyradiomics"}));
    xp->add_option("--out", opt->out, "output file (default: stdout)");
    xp->add_option("--table", opt->table,
                   "features (default); after `radhpc robust`: icc, robust, clusters, selected (validate input); after `radhpc validate` "
                   "with a store: validation (the CSV/JSON folder into --out DIR); after `radhpc longitudinal`: longitudinal, longitudinal-burden, "
                   "longitudinal-tests, longitudinal-classes, longitudinal-survival")
        ->check(CLI::IsMember({"features", "icc", "robust", "clusters", "selected", "validation", "longitudinal", "longitudinal-burden",
                               "longitudinal-tests", "longitudinal-classes", "longitudinal-survival"}));
    xp->add_option("--name", opt->name, "--table validation: the validation's name (default: the only one stored)");
    xp->add_flag("--metadata", opt->metadata, "add each study's metadata columns (outcome, clinical, DICOM acquisition)");
}

struct DiffCommand {
    std::string a, b, csv;
    commands::DiffOptions options;
};
int diff(const DiffCommand& o) {
    const auto d = commands::diff_stores(o.a, o.b, o.options);
    commands::write_diff(d, o.options, std::cout);
    if (!o.csv.empty()) {
        std::ofstream f(o.csv);
        if (!f) throw Error(ErrorKind::io, o.csv + ": cannot write");
        commands::write_diff_csv(d, f);
    }
    return d.empty() ? 0 : 1;
}
void add_diff(CLI::App& app) {
    auto opt = std::make_shared<DiffCommand>();
    auto* df = add_command(app, "diff", "what changed between two stores: studies added/removed/recomputed, values beyond a tolerance"
                                        " (exit 0: none, 1: differences)", opt, diff);
    df->add_option("store_a", opt->a, "older store")->required();
    df->add_option("store_b", opt->b, "newer store")->required();
    df->add_option("--rtol", opt->options.rel_tolerance, "relative tolerance (default 1e-9)");
    df->add_option("--atol", opt->options.abs_tolerance, "absolute tolerance (default 0)");
    df->add_option("--max-values", opt->options.max_values, "value lines printed per study (default 20)");
    df->add_option("--csv", opt->csv, "also write every change as CSV (kind,study_id,lesion,perturbation,feature,a,b,detail)");
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
    // Runs once every option is parsed, before the subcommand's callback (CLI11's order).
    app.parse_complete_callback([&] {
        engine::log::configure(quiet ? engine::log::Level::warn : verbose ? engine::log::Level::debug : engine::log::Level::info);
    });
    add_extract(app);
    add_synth(app);
    add_mask(app);
    add_validate_job(app);
    add_qc(app);
    add_stats(app);
    add_validate(app, argc, argv);
    add_report(app);
    add_score(app);
    add_run(app, argc, argv);
    add_robust(app, argc, argv);
    add_merge(app);
    add_inspect(app);
    add_export(app);
    add_diff(app);
    add_federated(app);
    add_longitudinal(app);

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
    } catch (const CLI::RuntimeError& e) {  // a command's non-zero exit status (its error line is written)
        return e.get_exit_code();
    } catch (const CLI::ParseError& e) {
        std::cerr << "radhpc: error [usage]: " << e.what() << " (radhpc --help, or radhpc COMMAND --help)\n";
        return 2;
    } catch (const std::exception&) {
        return report_failure();
    }
    return 0;
}
