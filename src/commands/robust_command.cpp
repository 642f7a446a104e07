// `radhpc robust` and `radhpc export --table`; see include/radhpc/commands/robust_command.hpp.
#include "radhpc/commands/robust_command.hpp"

#include <iostream>
#include <map>
#include <set>

#include "radhpc/analysis/robustness.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::commands {
using text::csv_cell;
using text::format17;

int robust(engine::RunOptions options, int& argc, char**& argv) {
    options.after_run = [](const std::string& store_path, const std::string& job_text) { analysis::robust_stage(store_path, job_text, std::cerr); };
    return engine::run(options, argc, argv);
}

void export_robustness(const std::string& store_path, const std::string& table, std::ostream& out, bool with_metadata) {
    const store::Contents c = store::load_existing(store_path);
    const auto& r = c.robustness;
    if (r.empty()) throw Error(ErrorKind::invalid_input, store_path + ": no robustness results (run `radhpc robust JOB.yaml` first)");
    if (table == "icc") {
        out << "feature,type,icc,ci_lower,ci_upper,subjects,raters\n";
        for (const auto& e : r.icc)
            out << csv_cell(e.feature) << "," << e.type << "," << format17(e.icc) << "," << format17(e.ci_lower) << "," << format17(e.ci_upper)
                << "," << e.subjects << "," << e.raters << "\n";
    } else if (table == "robust") {
        out << "feature,icc_type,icc,ci_lower,ci_upper,robust\n";
        const std::set<std::string> robust(r.robust.begin(), r.robust.end());
        for (const auto& e : r.icc)
            if (e.type == r.icc_type)
                out << csv_cell(e.feature) << "," << e.type << "," << format17(e.icc) << "," << format17(e.ci_lower) << ","
                    << format17(e.ci_upper) << "," << (robust.count(e.feature) ? 1 : 0) << "\n";
    } else if (table == "clusters") {
        out << "feature,cluster,archetype,selected\n";
        for (const auto& e : r.clusters)
            out << csv_cell(e.feature) << "," << e.cluster << "," << csv_cell(e.archetype) << "," << (e.feature == e.archetype ? 1 : 0) << "\n";
    } else if (table == "selected") {
        const auto& t = r.selected_table;
        std::vector<std::string> meta_keys;
        std::map<std::string, const store::StudyRecord*> study_of;
        if (with_metadata) {
            meta_keys = store::metadata_keys(c);
            for (const auto& s : c.studies) study_of.emplace(s.study_id, &s);
        }
        out << "study_id,patient_id,lesion";
        for (const auto& k : meta_keys) out << "," << csv_cell(k);
        for (const auto& col : t.columns) out << "," << csv_cell(col);
        out << "\n";
        for (std::size_t i = 0; i < t.study_id.size(); ++i) {
            out << csv_cell(t.study_id[i]) << "," << csv_cell(t.patient_id[i]) << "," << t.lesion[i];
            for (const auto& k : meta_keys) {
                auto it = study_of.find(t.study_id[i]);
                out << "," << csv_cell(it == study_of.end() ? std::string() : store::metadata_value(it->second, k));
            }
            for (std::size_t q = 0; q < t.columns.size(); ++q) out << "," << format17(t.values[i * t.columns.size() + q]);
            out << "\n";
        }
    } else {
        throw Error(ErrorKind::settings, "export --table: '" + table + "' is not features, icc, robust, clusters or selected");
    }
}

}  // namespace radhpc::commands
