// validate.table longitudinal: the delta-radiomics table of /longitudinal as validate's input (see
// validate_internal.hpp).
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "validate_internal.hpp"

namespace radhpc::commands::validation {

CsvTable longitudinal_table(const store::Contents& c, const Config& cfg, std::vector<std::string>& features) {
    const auto& l = c.longitudinal;
    if (l.empty()) throw Error(ErrorKind::invalid_input, "validate.table longitudinal: the store has no longitudinal results (radhpc longitudinal first)");
    if (l.timepoints.size() < 2) throw Error(ErrorKind::invalid_input, "validate.table longitudinal: fewer than two timepoints");
    const std::string to = cfg.longitudinal_timepoint.empty() ? l.timepoints[1] : cfg.longitudinal_timepoint;
    if (std::find(l.timepoints.begin() + 1, l.timepoints.end(), to) == l.timepoints.end())
        throw Error(ErrorKind::settings, "validate.longitudinal_timepoint: '" + to + "' is not a later timepoint of the store's /longitudinal");
    const bool relative = cfg.longitudinal_change == "relative";
    const auto keys = store::metadata_keys(c);
    std::ostringstream csv;
    csv << std::setprecision(17) << "patient_id,lesion_id,study_id";
    for (const auto& k : keys) csv << "," << k;
    features.clear();
    for (const auto& col : l.columns) {
        features.push_back((relative ? "relative_" : "delta_") + col);
        csv << "," << features.back();
    }
    csv << "\n";
    std::map<std::string, const store::StudyRecord*> study;
    for (const auto& s : c.studies)
        if (s.perturbation == "none") study[s.study_id] = &s;
    const std::size_t nc = l.columns.size();
    std::size_t rows = 0;
    for (std::size_t r = 0; r < l.changes.size(); ++r) {
        const auto& ch = l.changes[r];
        if (ch.pair != "baseline" || ch.status != "both" || ch.to_timepoint != to) continue;
        csv << ch.patient_id << "," << ch.lesion_id << "," << ch.to_study;
        const auto it = study.find(ch.to_study);
        for (const auto& k : keys) csv << "," << store::metadata_value(it == study.end() ? nullptr : it->second, k);
        for (std::size_t j = 0; j < nc; ++j) {
            const double v = relative ? l.relative[r * nc + j] : l.absolute[r * nc + j];
            csv << ",";
            if (std::isfinite(v)) csv << v;  // empty: a relative change whose baseline is 0
        }
        csv << "\n";
        ++rows;
    }
    if (rows == 0) throw Error(ErrorKind::invalid_input, "validate.table longitudinal: no lesion present at the baseline and at " + to);
    return parse_csv_table(csv.str(), "the store's longitudinal changes (baseline -> " + to + ")");
}

}  // namespace radhpc::commands::validation
