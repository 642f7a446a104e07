// merge / inspect / export: read-side commands over stores (no MPI).
#include "radhpc/commands/store_commands.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <set>
#include <ostream>

#include "radhpc/analysis/robustness.hpp"
#include "radhpc/analysis/signature.hpp"
#include "radhpc/commands/validate_command.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::commands {
namespace fs = std::filesystem;

void merge(const std::vector<std::string>& stores, const std::string& out) {
    if (stores.empty()) throw Error(ErrorKind::settings, "merge: no input stores");
    std::vector<store::Contents> parts;
    for (const auto& s : stores) parts.push_back(store::load_existing(s));
    store::Contents all = store::reconcile(std::move(parts));
    store::consolidate(out, std::move(all));
}

void export_csv(const std::string& path, bool pyradiomics_names, std::ostream& out, bool with_metadata) {
    store::write_csv(store::load_existing(path), out, pyradiomics_names, with_metadata);
}

void inspect(const std::string& path, std::ostream& out) {
    const store::Contents c = store::load_existing(path);
    std::size_t parts = 0;
    if (fs::is_directory(fs::path(path) / "parts"))
        for (const auto& e : fs::directory_iterator(fs::path(path) / "parts"))
            if (e.path().extension() == ".h5" && e.path().filename().string().rfind("part-", 0) == 0) ++parts;
    std::map<std::string, std::size_t> by_status;
    for (const auto& s : c.studies) ++by_status[s.status];
    out << "store: " << path << " (format " << store::kFormatVersion << "; " << (fs::exists(store::main_file(path)) ? "store.h5" : "no store.h5")
        << ", " << parts << " unconsolidated part(s))\n";
    std::set<std::string> study_ids;
    for (const auto& s : c.studies) study_ids.insert(s.study_id);
    out << "studies: " << study_ids.size();
    if (study_ids.size() != c.studies.size() || !c.perturbations.empty())  // a sweep: one record per (study, perturbation)
        out << " (" << c.studies.size() << " records = (study, perturbation) units; sweep of " << c.perturbations.size()
            << " perturbations)";
    for (const auto& [k, n] : by_status) out << ", " << k << " " << n;
    out << "\nfeature rows (study x lesion x perturbation): " << c.features.rows() << ", features: " << c.features.columns.size()
        << ", patients: " << c.patients.patient_ids.size() << "\n";
    double total = 0;
    for (const auto& s : c.studies) total += s.total_s;
    out << "compute time: " << total << " s over all stored studies\n";
    std::size_t failures = 0;
    for (const auto& s : c.studies)
        if (s.status != "ok") ++failures;
    if (failures > 0) {
        out << "failures and marks (" << failures << "):\n";
        for (const auto& s : c.studies)
            if (s.status != "ok")
                out << "  " << s.study_id << (s.perturbation == "none" ? "" : " / " + s.perturbation) << "  " << s.status
                    << (s.error_kind.empty() ? "" : " [" + s.error_kind + "]") << "  " << s.message << "\n";
    }
    if (!c.robustness.empty()) {
        const auto& r = c.robustness;
        out << "robustness (" << store::iso_time(r.computed_at) << ", " << r.source << "): " << r.icc.size() / 6 << " features, " << r.robust.size()
            << " robust (" << r.icc_type << " " << r.criterion << " >= " << r.threshold << "), " << r.clusters.size() << " clustered, "
            << r.selected.size() << " selected (|rho| " << r.redundancy_threshold << ")" << (r.harmonised ? ", ComBat-harmonised" : "")
            << "; export --table icc|robust|clusters|selected"
            << (r.table_hash != analysis::feature_table_hash(c.features) ? "\n  STALE: the feature table changed since; rerun `radhpc robust`" : "")
            << "\n";
    }
    for (const auto& sig : c.signatures) {
        std::size_t lesions = 0, patients = 0;
        for (const auto& l : sig.lesions) lesions += l.cls >= 0;
        for (const auto& p : sig.patients) patients += p.cls >= 0;
        out << "signature " << sig.name << ": " << sig.status;
        if (sig.status == "scored") out << ", " << lesions << " lesions and " << patients << " patients scored";
        for (const auto& m : sig.metrics)
            if (m.metric == "auc") {
                char b[96];
                std::snprintf(b, sizeof b, ", %s AUC %.3f [%.3f, %.3f]", m.level.c_str(), m.estimate, m.lower, m.upper);
                out << b;
            }
        if (!sig.message.empty()) out << "\n  " << sig.message;
        // scored on other study records than the store now holds (inputs or settings changed since)
        if (sig.status == "scored" && sig.table_hash != analysis::signature_table_hash(c))
            out << "\n  STALE: studies were recomputed, added or removed since it was scored; rerun `radhpc score`";
        out << "\n";
    }
    for (const auto& v : c.validations) {
        char b[256];
        out << "validation " << v.name << ": " << v.status;
        if (v.status == "complete") {
            std::snprintf(b, sizeof b, ", AUC %.3f [%.3f, %.3f]", v.metric("apparent.auc"), v.metric("apparent.auc_ci_lower"),
                          v.metric("apparent.auc_ci_upper"));
            out << b;
            if (const double oof = v.metric("out_of_fold.auc"); !std::isnan(oof)) {
                std::snprintf(b, sizeof b, ", out-of-fold %.3f", oof);
                out << b;
            }
            if (const double opt = v.metric("bootstrap.optimism"); !std::isnan(opt)) {
                std::snprintf(b, sizeof b, ", optimism %.3f (corrected %.3f, .632+ %.3f; %g of %lld replicates)", opt,
                              v.metric("bootstrap.corrected_auc"), v.metric("bootstrap.auc_632plus"), v.metric("bootstrap.replicates_used"),
                              static_cast<long long>(v.replicates_planned));
                out << b;
            }
        } else {
            out << ", " << (v.tuning.done ? 1 : 0) + v.replicates.size() << " of " << 1 + v.replicates_planned
                << " units stored; rerun `radhpc validate` to finish";
        }
        out << "; " << v.terms.size() - 1 << " features from " << v.table_source << ", started " << store::iso_time(v.started_at)
            << "; export --table validation --name " << v.name;
        if (const auto why = validation_staleness(v, c, path); !why.empty()) out << "\n  STALE: " << why;
        out << "\n";
    }
    if (!c.qc.empty()) {
        std::size_t failed_checks = 0;
        for (const auto& q : c.qc) failed_checks += q.status == "fail";
        out << "image-quality checks: " << c.qc.size() << " (" << failed_checks << " failed)\n";
        for (const auto& q : c.qc)
            if (q.status == "fail")
                out << "  " << q.study_id << "  " << q.check << ": observed " << q.observed << ", expected " << q.expected << "\n";
    }
    if (!c.manifest_issues.empty()) {
        out << "manifest issues (" << c.manifest_issues.size() << "):\n";
        for (const auto& m : c.manifest_issues)
            out << "  line " << m.line << ", column " << m.column << (m.study_id.empty() ? "" : " (" + m.study_id + ")") << ": "
                << m.message << "\n";
    }
    out << "runs (" << c.runs.size() << "):\n";
    for (const auto& r : c.runs)
        out << "  " << r.run_id << "  " << r.state << "  " << store::iso_time(r.started_at) << " .. " << store::iso_time(r.finished_at)
            << "  radhpc " << r.radhpc_version << " (" << r.git_hash << ")  ranks " << r.ranks
            << (r.shard.empty() ? "" : "  shard " + r.shard) << "  ok " << r.ok << " failed " << r.failed << " skipped "
            << r.skipped << "  host " << r.host << "\n    command: " << r.command << "\n    libraries: " << r.libraries << "\n";
    if (!c.runs.empty()) out << "settings (job file of the latest run):\n" << c.runs.back().job_text << (c.runs.back().job_text.empty() || c.runs.back().job_text.back() == '\n' ? "" : "\n");
}

}  // namespace radhpc::commands
