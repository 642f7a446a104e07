// The robust stage: ICC per feature over raters (perturbations of a sweep, or retest scans /
// observers given by the manifest's `rater` column), robust features, redundancy clusters with
// one archetype each, optional ComBat of the selected features; written to the store.
#include "radhpc/analysis/robustness.hpp"

#include <Eigen/Dense>
#include <oneapi/tbb/parallel_for.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/stats/combat.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/redundancy.hpp"
#include "radhpc/store/hash.hpp"
#include "study_metadata.hpp"

namespace radhpc::analysis {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kIccTypes[6] = {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"};

int icc_type_index(const std::string& type) {
    for (int i = 0; i < 6; ++i)
        if (type == kIccTypes[i]) return i;
    throw Error(ErrorKind::settings, "robust.icc_type: '" + type + "' is not one of ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k");
}

using store::metadata_value;
using text::csv_cell;
using text::format17;

std::string settings_yaml(const RobustSettings& s) {
    YAML::Emitter e;
    e << YAML::BeginMap << YAML::Key << "source" << YAML::Value << s.source << YAML::Key << "icc_type" << YAML::Value << s.icc_type
      << YAML::Key << "threshold" << YAML::Value << s.threshold << YAML::Key << "criterion" << YAML::Value << s.criterion
      << YAML::Key << "confidence" << YAML::Value << s.confidence << YAML::Key << "redundancy_threshold" << YAML::Value
      << s.redundancy_threshold << YAML::Key << "archetype" << YAML::Value << s.archetype << YAML::Key << "reference"
      << YAML::Value << s.reference;
    if (s.combat) {
        e << YAML::Key << "combat" << YAML::Value << YAML::BeginMap << YAML::Key << "batch" << YAML::Value << s.combat->batch
          << YAML::Key << "covariates" << YAML::Value << YAML::Flow << s.combat->covariates << YAML::Key << "ref_batch"
          << YAML::Value << s.combat->ref_batch << YAML::Key << "mean_only" << YAML::Value << s.combat->mean_only << YAML::Key
          << "nonparametric" << YAML::Value << s.combat->nonparametric << YAML::EndMap;
    }
    e << YAML::EndMap;
    return e.c_str();
}

}  // namespace

std::string feature_table_hash(const store::FeatureTable& t) {
    store::Xxh64 h;
    for (const auto& c : t.columns) h.update(c.data(), c.size() + 1);
    for (const auto& k : t.keys) {
        const std::string key = k.study_id + '\x1f' + std::to_string(k.lesion) + '\x1f' + k.perturbation + '\n';
        h.update(key.data(), key.size());
    }
    h.update(t.values.data(), t.values.size() * sizeof(double));
    return store::to_hex(h.digest());
}

namespace {

// The ICC's data: every feature row as (subject, rater), the raters in order, and for each
// subject with every rater its row of each rater.
struct RaterGrid {
    struct Cell {
        std::string subject, rater;
        std::size_t row;
    };
    std::vector<Cell> cells;
    std::vector<std::string> raters;
    std::vector<std::vector<std::size_t>> complete;  // per complete subject: row of each rater (raters order)
};

// Rows -> (subject, rater). Subject: the manifest's `subject` column, else the study id
// (perturbations) or the patient id (raters: retest scans / observers are separate rows of one
// patient), then the lesion.
RaterGrid rater_grid(const store::Contents& c, const StudyMetadata& meta, const RobustSettings& st,
                     const std::vector<std::string>& perturbation_ids, std::vector<std::string>& notes) {
    const auto& t = c.features;
    RaterGrid g;
    std::set<std::string> wanted(perturbation_ids.begin(), perturbation_ids.end());
    for (std::size_t r = 0; r < t.rows(); ++r) {
        const auto& k = t.keys[r];
        const store::StudyRecord* s = meta.study(k.study_id);
        std::string subject = metadata_value(s, "subject"), rater;
        if (st.source == "perturbation") {
            if (!wanted.empty() && !wanted.count(k.perturbation)) continue;
            if (subject.empty()) subject = k.study_id;
            rater = k.perturbation;
        } else {
            if (k.perturbation != "none") continue;
            rater = metadata_value(s, "rater");
            if (rater.empty()) continue;
            if (subject.empty()) subject = k.patient_id;
        }
        g.cells.push_back({subject + "#" + std::to_string(k.lesion), rater, r});
    }
    std::map<std::string, std::map<std::string, std::size_t>> grid;  // subject -> rater -> row
    std::set<std::string> rater_set;
    for (const auto& cell : g.cells) {
        rater_set.insert(cell.rater);
        auto [it, fresh] = grid[cell.subject].emplace(cell.rater, cell.row);
        if (!fresh)
            throw Error(ErrorKind::invalid_input, "robust: subject/lesion '" + cell.subject + "' has two rows for rater '" + cell.rater +
                                                      "' (studies " + t.keys[it->second].study_id + " and " +
                                                      t.keys[cell.row].study_id + "); give each its own `subject` or `rater`");
    }
    g.raters.assign(rater_set.begin(), rater_set.end());
    for (const auto& id : perturbation_ids)
        if (st.source == "perturbation" && !rater_set.count(id))
            notes.push_back("perturbation " + id + " has no feature rows (every unit failed or was not run): not a rater");
    if (g.raters.size() < 2)
        throw Error(ErrorKind::invalid_input,
                    st.source == "perturbation"
                        ? "robust: the store holds " + std::to_string(g.raters.size()) + " perturbation(s); an ICC needs at least 2 (job `perturbations`)"
                        : "robust: " + std::to_string(g.raters.size()) + " rater(s) in the manifest's `rater` column; an ICC needs at least 2");
    std::size_t incomplete = 0;
    for (const auto& [subject, by_rater] : grid) {
        if (by_rater.size() != g.raters.size()) {
            ++incomplete;
            continue;
        }
        std::vector<std::size_t> rows;
        for (const auto& [rater, row] : by_rater) rows.push_back(row);  // map order = raters order
        g.complete.push_back(std::move(rows));
    }
    if (incomplete > 0)
        notes.push_back(std::to_string(incomplete) + " subject(s) lack some raters (failed or missing units) and are left out of the ICC");
    if (g.complete.size() < 2)
        throw Error(ErrorKind::invalid_input, "robust: " + std::to_string(g.complete.size()) + " subject(s) with every rater; an ICC needs at least 2");
    return g;
}

// ICC per feature (feature columns in table order; diagnostics are not features): the six forms
// into out.icc, the chosen form's ICC into chosen_icc (by column). Returns the robust columns.
std::vector<std::size_t> icc_per_feature(const store::FeatureTable& t, const RobustSettings& st, const RaterGrid& g,
                                         store::Robustness& out, std::vector<double>& chosen_icc) {
    const std::size_t nc = t.columns.size();
    const int chosen = icc_type_index(st.icc_type);
    std::vector<std::size_t> features;
    for (std::size_t j = 0; j < nc; ++j)
        if (t.columns[j].rfind("diag_", 0) != 0) features.push_back(j);
    std::vector<double> decisive(nc, kNaN);
    chosen_icc.assign(nc, kNaN);
    // Features are independent: computed in parallel into fixed slots (same result for any thread count).
    std::vector<stats::IccResult> results(features.size());
    std::vector<std::size_t> used(features.size(), 0);
    tbb::parallel_for(std::size_t(0), features.size(), [&](std::size_t q) {
        const std::size_t j = features[q];
        std::vector<const std::vector<std::size_t>*> usable;
        for (const auto& rows : g.complete)
            if (std::none_of(rows.begin(), rows.end(), [&](std::size_t r) { return std::isnan(t.values[r * nc + j]); }))
                usable.push_back(&rows);
        used[q] = usable.size();
        if (usable.size() < 2) return;
        Eigen::MatrixXd m(Eigen::Index(usable.size()), Eigen::Index(g.raters.size()));
        for (std::size_t i = 0; i < usable.size(); ++i)
            for (std::size_t k = 0; k < g.raters.size(); ++k) m(Eigen::Index(i), Eigen::Index(k)) = t.values[(*usable[i])[k] * nc + j];
        results[q] = stats::icc(m, 1.0 - st.confidence);
    });
    for (std::size_t q = 0; q < features.size(); ++q) {
        const std::size_t j = features[q];
        const bool enough = used[q] >= 2;
        for (int f = 0; f < 6; ++f) {
            const auto& e = results[q].forms[std::size_t(f)];
            out.icc.push_back({t.columns[j], kIccTypes[f], enough ? e.icc : kNaN, enough ? e.lower : kNaN, enough ? e.upper : kNaN,
                               std::int64_t(used[q]), std::int64_t(g.raters.size())});
        }
        const auto& e = results[q].forms[std::size_t(chosen)];
        if (enough) {
            chosen_icc[j] = e.icc;
            decisive[j] = st.criterion == "icc" ? e.icc : e.lower;
        }
    }
    std::vector<std::size_t> robust;
    for (std::size_t j : features)
        if (std::isfinite(decisive[j]) && decisive[j] >= st.threshold) robust.push_back(j);
        else if (!std::isfinite(decisive[j])) out.notes.push_back(t.columns[j] + ": ICC undefined (constant over the subjects) - not robust");
    return robust;
}

// Analysis rows: the reference perturbation (none when swept, else the first id) or the reference
// rater (default: the first in order), one per (study, lesion), in table order, complete over the
// robust features. Sets out.reference.
std::vector<std::size_t> analysis_rows(const store::FeatureTable& t, const RobustSettings& st, const RaterGrid& g,
                                       const std::vector<std::string>& perturbation_ids, const std::vector<std::size_t>& robust,
                                       store::Robustness& out) {
    const std::size_t nc = t.columns.size();
    const auto& raters = g.raters;
    out.reference = st.reference;
    if (out.reference.empty())
        out.reference = st.source == "rater" ? raters.front()
                        : std::find(raters.begin(), raters.end(), "none") != raters.end()
                            ? "none"
                            : (!perturbation_ids.empty() ? perturbation_ids.front() : raters.front());
    if (std::find(raters.begin(), raters.end(), out.reference) == raters.end())
        throw Error(ErrorKind::settings, "robust.reference: '" + out.reference + "' is not among the raters");
    std::vector<std::size_t> analysis;
    for (const auto& cell : g.cells)
        if (cell.rater == out.reference) analysis.push_back(cell.row);
    std::sort(analysis.begin(), analysis.end());  // table order: study id, lesion
    std::erase_if(analysis, [&](std::size_t r) {
        return std::any_of(robust.begin(), robust.end(), [&](std::size_t j) { return std::isnan(t.values[r * nc + j]); });
    });
    return analysis;
}

// |Spearman| clusters of the robust features over the analysis rows with one archetype each (the
// most robust member, or stats::redundancy's medoid) into out.clusters and out.selected. A robust
// feature constant over these rows has no Spearman correlation and is kept out of the clustering.
void cluster_robust(const store::FeatureTable& t, const RobustSettings& st, const std::vector<std::size_t>& robust,
                    const std::vector<std::size_t>& analysis, const std::vector<double>& chosen_icc, store::Robustness& out) {
    const std::size_t nc = t.columns.size();
    std::vector<std::size_t> clusterable;
    for (std::size_t j : robust) {
        bool constant = true;
        for (std::size_t r : analysis) constant = constant && t.values[r * nc + j] == t.values[analysis.front() * nc + j];
        if (constant || analysis.size() < 3) out.notes.push_back(t.columns[j] + ": constant over the analysis rows - left out of the clustering");
        else clusterable.push_back(j);
    }
    for (std::size_t j : robust) out.robust.push_back(t.columns[j]);
    if (clusterable.empty()) return;
    Eigen::MatrixXd data(Eigen::Index(analysis.size()), Eigen::Index(clusterable.size()));
    for (std::size_t i = 0; i < analysis.size(); ++i)
        for (std::size_t q = 0; q < clusterable.size(); ++q) data(Eigen::Index(i), Eigen::Index(q)) = t.values[analysis[i] * nc + clusterable[q]];
    std::vector<int> cluster(clusterable.size(), 1), archetype(1, 0);
    if (clusterable.size() >= 2) {
        const auto red = stats::redundancy(data, st.redundancy_threshold);
        cluster = red.cluster;
        archetype = red.archetype;
    }
    if (st.archetype == "most_robust") {
        // The member with the highest ICC of the chosen form; ties to the earlier column.
        for (std::size_t k = 0; k < archetype.size(); ++k) {
            int best = -1;
            for (std::size_t q = 0; q < clusterable.size(); ++q)
                if (cluster[q] == int(k) + 1 && (best < 0 || chosen_icc[clusterable[q]] > chosen_icc[clusterable[std::size_t(best)]]))
                    best = int(q);
            archetype[k] = best;
        }
    }
    for (std::size_t q = 0; q < clusterable.size(); ++q)
        out.clusters.push_back({t.columns[clusterable[q]], cluster[q], t.columns[clusterable[std::size_t(archetype[std::size_t(cluster[q] - 1)])]]});
    for (std::size_t k = 0; k < archetype.size(); ++k) out.selected.push_back(t.columns[clusterable[std::size_t(archetype[k])]]);
}

// ComBat of the selected table's values `x` over the robust.combat batch column, with its
// numeric covariates.
Eigen::MatrixXd harmonise(const Eigen::MatrixXd& x, const RobustSettings::Combat& cb, const std::vector<std::string>& study_ids,
                          const StudyMetadata& meta) {
    std::vector<std::string> labels;
    for (const auto& id : study_ids) {
        labels.push_back(metadata_value(meta.study(id), cb.batch));
        if (labels.back().empty())
            throw Error(ErrorKind::invalid_input, "robust.combat.batch: study " + id + " has no value for '" + cb.batch + "'");
    }
    std::vector<std::string> levels(labels.begin(), labels.end());
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    std::vector<int> batch;
    for (const auto& l : labels) batch.push_back(int(std::lower_bound(levels.begin(), levels.end(), l) - levels.begin()));
    Eigen::MatrixXd cov(x.rows(), Eigen::Index(cb.covariates.size()));
    for (std::size_t q = 0; q < cb.covariates.size(); ++q)
        for (std::size_t i = 0; i < study_ids.size(); ++i) {
            const std::string v = metadata_value(meta.study(study_ids[i]), cb.covariates[q]);
            char* end = nullptr;
            const double d = std::strtod(v.c_str(), &end);
            if (v.empty() || end != v.c_str() + v.size())
                throw Error(ErrorKind::invalid_input, "robust.combat.covariates: study " + study_ids[i] + " has no numeric '" +
                                                          cb.covariates[q] + "' ('" + v + "')");
            cov(Eigen::Index(i), Eigen::Index(q)) = d;
        }
    stats::CombatOptions o;
    o.parametric = !cb.nonparametric;
    o.mean_only = cb.mean_only;
    if (!cb.ref_batch.empty()) {
        auto it = std::find(levels.begin(), levels.end(), cb.ref_batch);
        if (it == levels.end()) throw Error(ErrorKind::settings, "robust.combat.ref_batch: '" + cb.ref_batch + "' is not a batch");
        o.reference_batch = int(it - levels.begin());
    }
    return stats::combat(x, batch, cov, o).data;
}

// The analysis table of the selected features into out.selected_table, ComBat-harmonised on request.
void selected_table(const store::FeatureTable& t, const RobustSettings& st, const std::vector<std::size_t>& analysis,
                    const StudyMetadata& meta, store::Robustness& out) {
    const std::size_t nc = t.columns.size();
    std::vector<std::size_t> selected_cols;
    for (const auto& name : out.selected) selected_cols.push_back(std::size_t(std::find(t.columns.begin(), t.columns.end(), name) - t.columns.begin()));
    auto& table = out.selected_table;
    table.columns = out.selected;
    Eigen::MatrixXd x(Eigen::Index(analysis.size()), Eigen::Index(selected_cols.size()));
    for (std::size_t i = 0; i < analysis.size(); ++i) {
        const auto& k = t.keys[analysis[i]];
        table.study_id.push_back(k.study_id);
        table.patient_id.push_back(k.patient_id);
        table.lesion.push_back(k.lesion);
        for (std::size_t q = 0; q < selected_cols.size(); ++q) x(Eigen::Index(i), Eigen::Index(q)) = t.values[analysis[i] * nc + selected_cols[q]];
    }
    if (st.combat && !selected_cols.empty()) {
        x = harmonise(x, *st.combat, table.study_id, meta);
        out.harmonised = true;
    }
    table.values.resize(std::size_t(x.rows() * x.cols()));
    for (Eigen::Index i = 0; i < x.rows(); ++i)
        for (Eigen::Index q = 0; q < x.cols(); ++q) table.values[std::size_t(i * x.cols() + q)] = x(i, q);
}

}  // namespace

store::Robustness compute_robustness(const store::Contents& c, const RobustSettings& st,
                                     const std::vector<std::string>& perturbation_ids) {
    store::Robustness out;
    out.settings = settings_yaml(st);
    out.source = st.source;
    out.icc_type = st.icc_type;
    out.criterion = st.criterion;
    out.threshold = st.threshold;
    out.redundancy_threshold = st.redundancy_threshold;
    out.table_hash = feature_table_hash(c.features);
    if (!c.runs.empty()) out.run_id = c.runs.back().run_id;
    const StudyMetadata meta(c);  // metadata of a study (any of its records)
    const RaterGrid grid = rater_grid(c, meta, st, perturbation_ids, out.notes);
    std::vector<double> chosen_icc;
    const std::vector<std::size_t> robust = icc_per_feature(c.features, st, grid, out, chosen_icc);
    const std::vector<std::size_t> analysis = analysis_rows(c.features, st, grid, perturbation_ids, robust, out);
    cluster_robust(c.features, st, robust, analysis, chosen_icc, out);
    selected_table(c.features, st, analysis, meta, out);
    return out;
}

void robust_stage(const std::string& store_path, const std::string& job_text, std::ostream& log) {
    const io::Job job = io::parse_job(job_text, "<job>");
    const RobustSettings& settings = job.robust;
    std::vector<std::string> ids;
    for (const auto& p : job.perturbations) ids.push_back(p.id);
    store::Contents contents = store::load_existing(store_path);
    store::Robustness r = compute_robustness(contents, settings, ids);
    r.computed_at = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const auto& icc = r.icc;
    log << "radhpc robust: " << icc.size() / 6 << " features, ICC " << r.icc_type << " over "
        << (icc.empty() ? 0 : icc.front().raters) << " " << (r.source == "perturbation" ? "perturbations" : "raters") << " and "
        << (icc.empty() ? 0 : icc.front().subjects) << " lesions: " << r.robust.size() << " robust (" << r.criterion
        << " >= " << r.threshold << "), " << r.selected.size() << " selected after redundancy (|rho| " << r.redundancy_threshold
        << ")" << (r.harmonised ? ", ComBat-harmonised" : "") << "; store " << store_path << "\n";
    for (const auto& n : r.notes) log << "radhpc robust: note: " << n << "\n";
    contents.robustness = std::move(r);
    store::consolidate(store_path, std::move(contents));
}

}  // namespace radhpc::analysis
