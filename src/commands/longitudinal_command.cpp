// `radhpc longitudinal` and the export of /longitudinal (see longitudinal_command.hpp).
#include "radhpc/commands/longitudinal_command.hpp"

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "longitudinal_internal.hpp"
#include "radhpc/analysis/longitudinal.hpp"
#include "radhpc/commands/robust_command.hpp"
#include "radhpc/commands/store_commands.hpp"
#include "radhpc/commands/validate_command.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/engine/manifest.hpp"

namespace radhpc::commands {
namespace {

std::string metadata(const engine::ManifestRow& row, const std::string& key) {
    for (const auto& [k, v] : row.metadata)
        if (k == key) return v;
    return "";
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ';')) out.push_back(trim(item));
    return out;
}

// Which identity the job asks for, `auto` resolved against the manifest.
std::string identity_mode(const io::LongitudinalSection& cfg, const engine::Manifest& m) {
    if (cfg.identity != "auto") return cfg.identity;
    if (std::find(m.header.begin(), m.header.end(), cfg.lesion_ids) != m.header.end()) return "lesion_ids";
    for (const auto& r : m.rows)
        for (const auto& mask : r.masks)
            if (mask.find('#') != std::string::npos) return "roi";
    return "label";
}

// The rows' lesion keys of a study -> identities: the label value (label), the k-th id of the
// lesion_ids column for the k-th label or mask (lesion_ids), the k-th mask's ROI / segment name (roi).
std::map<std::int64_t, std::string> lesion_identities(const std::string& mode, const io::LongitudinalSection& cfg,
                                                      const engine::ManifestRow& row) {
    std::map<std::int64_t, std::string> ids;
    if (mode == "lesion_ids") {
        const auto names = split(metadata(row, cfg.lesion_ids));
        const std::size_t n = row.labels.empty() ? row.masks.size() : row.labels.size();
        if (names.size() != n)
            throw Error(ErrorKind::invalid_input, "manifest line " + std::to_string(row.line) + " (" + row.study_id + "): " + cfg.lesion_ids +
                                                      " has " + std::to_string(names.size()) + " ids for " + std::to_string(n) +
                                                      (row.labels.empty() ? " masks" : " labels"));
        for (std::size_t k = 0; k < n; ++k) ids[row.labels.empty() ? std::int64_t(k + 1) : row.labels[k]] = names[k];
    } else if (mode == "roi") {
        for (std::size_t k = 0; k < row.masks.size(); ++k) {
            const auto hash = row.masks[k].rfind('#');
            if (hash != std::string::npos) ids[std::int64_t(k + 1)] = row.masks[k].substr(hash + 1);
        }
    }
    return ids;  // label: the lesion key itself (the builder's default)
}

std::map<std::string, analysis::StudyTimepoint> manifest_timepoints(const io::LongitudinalSection& cfg, const engine::Manifest& m) {
    if (std::find(m.header.begin(), m.header.end(), cfg.timepoint) == m.header.end())
        throw Error(ErrorKind::settings, m.path + ": no '" + cfg.timepoint + "' column (longitudinal.timepoint)");
    if (!cfg.order.empty() && std::find(m.header.begin(), m.header.end(), cfg.order) == m.header.end())
        throw Error(ErrorKind::settings, m.path + ": no '" + cfg.order + "' column (longitudinal.order)");
    const std::string mode = identity_mode(cfg, m);
    std::map<std::string, analysis::StudyTimepoint> out;
    for (const auto& row : m.rows) {
        if (!row.error.empty()) continue;
        analysis::StudyTimepoint s;
        s.patient_id = row.patient_id;
        s.timepoint = trim(metadata(row, cfg.timepoint));
        if (s.timepoint.empty()) continue;  // a study outside the follow-up
        s.order = std::nan("");
        if (!cfg.order.empty()) {
            const std::string v = trim(metadata(row, cfg.order));
            char* end = nullptr;
            s.order = std::strtod(v.c_str(), &end);
            if (v.empty() || *end) throw Error(ErrorKind::invalid_input, m.path + " line " + std::to_string(row.line) + ": " + cfg.order + " '" + v + "' is not a number");
        }
        s.lesion_ids = lesion_identities(mode, cfg, row);
        s.time = std::nan("");
        if (!cfg.time.empty()) {
            const std::string t = trim(metadata(row, cfg.time)), e = trim(metadata(row, cfg.event));
            char* end = nullptr;
            const double tv = std::strtod(t.c_str(), &end);
            if (!t.empty() && !*end && (e == "0" || e == "1")) s.time = tv, s.event = e == "1";
        }
        out[row.study_id] = s;
    }
    return out;
}

std::string section_yaml(const std::string& job_text) {
    const YAML::Node root = YAML::Load(job_text);
    YAML::Emitter e;
    e << root["longitudinal"];
    return e.c_str();
}

// %.17g, empty for NaN (an absent value).
std::string num(double v) { return std::isnan(v) ? std::string() : text::format17(v); }

}  // namespace

int longitudinal(const LongitudinalOptions& o, std::ostream& log) {
    const io::Job job = io::read_job(o.job_path);
    if (!job.longitudinal) throw Error(ErrorKind::settings, o.job_path + ": no longitudinal section");
    const std::string manifest = o.manifest.empty() ? job.manifest : o.manifest;
    const std::string store_path = o.store.empty() ? job.store : o.store;
    if (manifest.empty() || store_path.empty()) throw Error(ErrorKind::settings, "longitudinal: --manifest and --store (or the job's manifest: and store:)");
    const engine::Manifest m = engine::read_manifest(manifest);
    auto studies = manifest_timepoints(*job.longitudinal, m);
    if (job.longitudinal->match_threshold_mm > 0)
        propose_matches(*job.longitudinal, m, studies,
                        job.longitudinal->match_output.empty() ? store_path + "/longitudinal-matches.csv" : job.longitudinal->match_output, log);
    std::vector<std::string> parts;
    store::Contents contents = store::load(store_path, &parts);
    if (contents.features.rows() == 0) throw Error(ErrorKind::invalid_input, store_path + ": no feature rows (radhpc run first)");
    store::Longitudinal result = analysis::compute_longitudinal(*job.longitudinal, contents, studies);
    result.computed_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    result.settings = section_yaml(job.text);
    std::size_t both = 0, resolved = 0, appeared = 0;
    for (const auto& c : result.changes) (c.status == "both" ? both : c.status == "resolved" ? resolved : appeared) += 1;
    log << "radhpc longitudinal: " << result.timepoints.size() << " timepoints, " << result.changes.size() << " lesion changes (" << both
        << " present at both, " << resolved << " resolved, " << appeared << " new), " << result.tests.size() << " paired tests, "
        << result.classes.size() << " signature classes -> " << store_path << "/longitudinal\n";
    for (const auto& n : result.notes) log << "radhpc longitudinal: note: " << n << "\n";
    contents.longitudinal = std::move(result);
    store::consolidate(store_path, std::move(contents), true, &parts);
    return 0;
}

void export_longitudinal(const std::string& store_path, const std::string& table, std::ostream& out) {
    const store::Contents c = store::load_existing(store_path);
    const auto& l = c.longitudinal;
    if (l.empty()) throw Error(ErrorKind::invalid_input, store_path + ": no longitudinal results (radhpc longitudinal first)");
    if (table == "longitudinal") {
        out << "patient_id,lesion_id,from,to,pair,status,from_study,to_study,volume_from,volume_to";
        for (const auto& col : l.columns) out << ",delta_" << col;
        for (const auto& col : l.columns) out << ",relative_" << col;
        out << "\n";
        const std::size_t nc = l.columns.size();
        for (std::size_t r = 0; r < l.changes.size(); ++r) {
            const auto& x = l.changes[r];
            out << x.patient_id << "," << x.lesion_id << "," << x.from_timepoint << "," << x.to_timepoint << "," << x.pair << "," << x.status << ","
                << x.from_study << "," << x.to_study << "," << num(x.volume_from) << "," << num(x.volume_to);
            for (std::size_t j = 0; j < nc; ++j) out << "," << num(l.absolute[r * nc + j]);
            for (std::size_t j = 0; j < nc; ++j) out << "," << (l.relative_undefined[r * nc + j] ? "undefined" : num(l.relative[r * nc + j]));
            out << "\n";
        }
    } else if (table == "longitudinal-burden") {
        out << "patient_id,timepoint,study_id,lesions,total_volume,sum_diameters,volume_change,diameter_change\n";
        for (const auto& b : l.burden)
            out << b.patient_id << "," << b.timepoint << "," << b.study_id << "," << b.lesions << "," << num(b.total_volume) << ","
                << num(b.sum_diameters) << "," << num(b.volume_change) << "," << num(b.diameter_change) << "\n";
    } else if (table == "longitudinal-tests") {
        out << "feature,from,to,n,mean_change,wilcoxon_v,wilcoxon_p,wilcoxon_p_bh,t,t_df,t_p,t_p_bh\n";
        for (const auto& t : l.tests)
            out << t.feature << "," << t.from_timepoint << "," << t.to_timepoint << "," << t.n << "," << num(t.mean_change) << "," << num(t.wilcoxon_v)
                << "," << num(t.wilcoxon_p) << "," << num(t.wilcoxon_p_bh) << "," << num(t.t) << "," << num(t.t_df) << "," << num(t.t_p) << ","
                << num(t.t_p_bh) << "\n";
    } else if (table == "longitudinal-survival") {
        out << "signature,timepoint,label,patients,events,km_median,logrank_chisq,logrank_p,hazard_ratio,hr_lower,hr_upper,cox_p\n";
        for (const auto& v : l.survival)
            out << v.signature << "," << v.timepoint << "," << v.label << "," << v.patients << "," << v.events << "," << num(v.km_median) << ","
                << num(v.logrank_chisq) << "," << num(v.logrank_p) << "," << num(v.hazard_ratio) << "," << num(v.hr_lower) << "," << num(v.hr_upper)
                << "," << num(v.cox_p) << "\n";
    } else {
        out << "signature,patient_id,timepoint,study_id,score,label\n";
        for (const auto& k : l.classes)
            out << k.signature << "," << k.patient_id << "," << k.timepoint << "," << k.study_id << "," << num(k.score) << "," << k.label << "\n";
    }
}

int export_table(const ExportOptions& o, std::ostream& log) {
    if (o.table == "validation") {
        if (o.out.empty() || o.out == "-") throw Error(ErrorKind::settings, "export --table validation: --out DIR (a folder) is required");
        export_validation(o.store, o.name, o.out);
        log << "wrote " << o.out << "\n";
        return 0;
    }
    std::ofstream file;
    if (!o.out.empty() && o.out != "-") {
        file.open(o.out);
        if (!file) throw Error(ErrorKind::io, o.out + ": cannot write");
    }
    std::ostream& out = file.is_open() ? file : std::cout;
    if (o.table.starts_with("longitudinal")) export_longitudinal(o.store, o.table, out);
    else if (o.table != "features") export_robustness(o.store, o.table, out, o.metadata);
    else export_csv(o.store, o.names == "pyradiomics", out, o.metadata);
    return 0;
}

}  // namespace radhpc::commands
