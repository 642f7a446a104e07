// Private to the report layer: the sections of radhpc report (report.cpp assembles the page,
// report_endpoints.cpp collects the patients' data, report_plots.cpp and report_heatmap.cpp draw
// the statistical plots, report_validation.cpp the stored validations, report_tables.cpp the
// descriptive sections).
#pragma once
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "radhpc/report/report.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::report::report_detail {

// One block of the page: <figure id=ID class="block" data-state=STATE ATTRS>.
struct Section {
    std::string id, title;
    std::string state;  // plot (has an <svg>) | table (has a <table>) | missing (one-line message)
    std::string body;   // inner HTML
    std::string attrs;  // extra data-* attributes (machine-readable numbers, %.17g)
    std::string note;   // one line for the command's stderr
    // Blocks of one group (a stored validation) share an <h2> with this text; the block's own
    // title is then an <h3>. Empty: the title is the <h2>.
    std::string group;
};

Section missing_section(const std::string& id, const std::string& title, const std::string& message);
// An empty block of a group (its body, attrs and note still to fill).
Section block_section(const std::string& id, const std::string& group, const std::string& title, const std::string& state);

// Per patient (ascending patient id): score and endpoints. A patient's endpoint is the first
// non-empty value over its studies in study-id order (disagreements are listed in `issues`).
struct PatientEndpoints {
    std::vector<std::string> patient_id;
    std::vector<double> score;    // NaN: none
    std::vector<int> outcome;     // 0/1, -1: none
    std::vector<double> time;     // NaN: none
    std::vector<int> event;       // 0/1, -1: none
    std::vector<int> group;       // risk group: 1 high, 0 low, -1 unknown
    std::string score_name;       // column or signature name; empty: no score
    std::string no_score_reason;  // why there is no score (shown by the model plots)
    std::string score_source;     // where the score comes from, one phrase
    bool score_is_probability = false;  // every score in (0, 1)
    std::string direction = "<";  // resolved: <, > or auto
    double threshold = 0;         // risk-group split
    std::string group_rule;       // how the groups were formed (HTML-escaped text)
    const store::SignatureResult* signature = nullptr;  // the signature used, if any
    std::vector<std::string> issues;
    std::string units = "patients";  // what a row is, in the captions of the ROC and calibration plots
};
PatientEndpoints collect_endpoints(const store::Contents& contents, const ReportOptions& options);

// `id` names the block (its plot "<id>-plot"); the validation blocks draw with the same code.
Section roc_section(const PatientEndpoints& data, const ReportOptions& options, const std::string& id = "roc",
                    const std::string& title = "ROC curve");
Section calibration_section(const PatientEndpoints& data, const ReportOptions& options, const std::string& id = "calibration",
                            const std::string& title = "Calibration");
Section km_section(const PatientEndpoints& data, const ReportOptions& options);

// ICC bars (one per feature) of the form that decides robustness.
struct IccBar {
    std::string feature;
    double icc = 0, lower = 0, upper = 0;
    bool robust = false;
};
struct IccChart {
    std::vector<IccBar> bars;
    std::string form;       // e.g. ICC3
    std::string criterion;  // icc | ci_lower
    double threshold = 0;
};
Section icc_section(const IccChart& chart, const std::string& missing_reason);
// |Spearman| heatmap: the robust stage's clustered features over its reference rows when the store
// has a robust stage, else every complete, non-constant feature over the unperturbed lesions.
Section heatmap_section(const store::Contents& contents, const ReportOptions& options, double threshold);

// Per stored validation (report_validation.cpp): a summary table, the out-of-fold ROC and
// calibration, the coefficient forest plot and the tuning curve; a running validation gets one
// line. No validations: no blocks.
std::vector<Section> validation_sections(const store::Contents& contents, const ReportOptions& options);

// When the store has /longitudinal (report_longitudinal.cpp and report_longitudinal_plots.cpp), the
// group "Longitudinal changes": a summary, the signature's class transitions (Sankey), per-patient
// trajectories, the waterfall of the best burden change and the paired tests; none otherwise.
std::vector<Section> longitudinal_sections(const store::Contents& contents);
Section transitions_section(const store::Contents& contents);
Section trajectories_section(const store::Contents& contents);
Section waterfall_section(const store::Longitudinal& longitudinal);
Section paired_tests_section(const store::Longitudinal& longitudinal);
// Shared by those two files: a block of the group, its one-line message, timepoint -> position,
// a class label as shown ("(no class)" when empty) and the classes in node order.
Section longitudinal_block(const std::string& id, const std::string& title, const std::string& state);
Section longitudinal_missing(const std::string& id, const std::string& title, const std::string& message);
std::map<std::string, std::size_t> timepoint_index(const store::Longitudinal& longitudinal);
std::string class_name(const std::string& label);
std::vector<std::string> class_order(const store::Contents& contents);

// The descriptive sections (report_tables.cpp).
Section qc_section(const store::Contents& contents);
Section failures_section(const store::Contents& contents);
Section provenance_section(const store::Contents& contents);

// The page frame (report.cpp), shared by the store page and the federated page
// (report_federated.cpp): <!DOCTYPE> to <body> with the page's style (plus `extra_style`); the
// self-check script over the blocks `ids`; the blocks with their headings (notes: one line each);
// the file written under a temporary name and renamed.
std::string page_head(const std::string& title, const std::string& extra_style = "");
std::string self_check_script(const std::vector<std::string>& ids);
void append_sections(std::ostringstream& html, const std::vector<Section>& sections, std::vector<std::string>* notes);
void write_page(const std::string& out, const std::string& html);

// Line colours of curves that are told apart by colour (alphas, sites), as presentation attributes.
inline constexpr const char* kPalette[] = {"#1f5fa8", "#c0392b", "#2e8b57", "#8e44ad", "#e67e22", "#16a085", "#7f8c8d", "#d35400"};

// Shared by the plot files: a data-NAME attribute (numbers %.17g) and a figure caption.
std::string attr(const std::string& name, double v);
std::string attr(const std::string& name, const std::string& v);
std::string caption(const std::string& text);

}  // namespace radhpc::report::report_detail
