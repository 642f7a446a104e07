// radhpc report: one self-contained HTML page about a store (no network, no external files,
// inline SVG plots, a tiny inline self-check script): ROC with DeLong CI and a bootstrap
// sensitivity band, calibration, Kaplan-Meier by risk group with the log-rank test, ICC bars,
// |Spearman| heatmap ordered by clusters, per stored model validation its summary, out-of-fold ROC
// and calibration, coefficient forest plot and tuning curve, QC summary, failures, provenance.
// A section whose data the store lacks says so in one line.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "radhpc/store/store.hpp"

namespace radhpc::report {

struct ReportOptions {
    std::string store;  // store directory (or one .h5 file)
    std::string out = "report.html";
    // metadata columns (manifest columns kept in /metadata): binary outcome, survival time, event
    std::string outcome = "outcome", time = "time", event = "event";
    // Score column for ROC / calibration / Kaplan-Meier: a metadata column (mean over a
    // patient's studies), a patient-table column (lesion_count, total_volume, <feature>_max, ...)
    // or a feature column (mean over the patient's lesions). Empty: the store's signature scores.
    std::string score;
    std::string signature;       // which stored signature (default: the first scored one by name)
    std::string direction;       // "<": cases score higher; ">"; "auto": pROC's median rule;
                                 // empty: from the signature's rule (">"/">=" -> "<"), else "<"
    // risk-group split (high: score >= threshold, or <= with direction ">"); NaN: the signature's
    // classes at its threshold, else the median score
    double threshold = std::nan("");
    int bootstrap = 2000;             // replicates of the ROC sensitivity band
    std::uint64_t seed = 20260101;    // of the band's replicates
    double level = 0.95;
    int calibration_bins = 10;             // quantile groups of predicted probability
    double redundancy_threshold = std::nan("");  // heatmap clusters; NaN: the robust stage's, else 0.9
    int heatmap_max_features = 250;        // the first N usable columns of the table
    std::string generator = "radhpc";      // version text shown in the page footer
};

// The HTML of the report for loaded store contents (no file access; deterministic: the same
// contents and options give the same bytes). `notes` (if given) receives one line per section.
std::string render_report(const store::Contents& contents, const ReportOptions& options,
                          std::vector<std::string>* notes = nullptr);

// Loads options.store and writes options.out; returns the section notes. A federated results
// folder (federated_results_dir) gets the federated page instead.
std::vector<std::string> write_report(const ReportOptions& options);

// The page of a federated coordinator's results (issue 17; report_federated*.cpp): the sites with
// their traffic, per-site QC (moments, pooled quantiles with bounds), the ComBat effect (per-site
// distributions before and after), the elastic-net signature with its CV curve and path, per-site
// and pooled ROC from the sites' score histograms, the forest plot of the site AUCs with the
// DerSimonian-Laird meta-analysis, the site-stratified Cox model and, for a simulate folder, the
// largest federated-vs-pooled differences. Every number is the results' own except the ROC points
// (cumulated histogram counts) and the hazard ratios' CIs. Absent analyses: the block says so.
struct FederatedInputs {
    std::string folder;      // the folder named in the title
    std::string results;     // results.json (text)
    std::string exchange;    // exchange.json beside the results folder; empty: absent
    std::string comparison;  // comparison.json beside the results folder; empty: absent
};
// The results folder of a federated run: `dir` when dir/results.json names the protocol
// radhpc-federated/1, dir/results when dir/results/results.json does (a simulate folder); else "".
std::string federated_results_dir(const std::string& dir);
std::string render_federated_report(const FederatedInputs& inputs, const ReportOptions& options,
                                    std::vector<std::string>* notes = nullptr);
// Reads results_dir/results.json and results_dir/../{exchange,comparison}.json, writes options.out.
std::vector<std::string> write_federated_report(const ReportOptions& options, const std::string& results_dir);

}  // namespace radhpc::report
