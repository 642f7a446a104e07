// radhpc diff: studies added / removed / recomputed between two stores, and feature values that
// moved beyond a tolerance. Both stores are read whole (store::load reconciles their parts), so a
// store in the middle of a run compares as what it holds so far.
#include "radhpc/commands/diff_command.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <ostream>
#include <set>
#include <tuple>
#include <vector>

#include "radhpc/core/text.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::commands {
namespace {

using RowId = std::tuple<std::string, int, std::string>;  // study, lesion, perturbation

using text::csv_cell;

std::string fmt(double v) { return std::isnan(v) ? "NA" : text::format17(v); }

// Why a study present in both stores was computed again (or changed status). Inputs are matched
// by role and path, then by role in their order (a path written in another privacy.paths form,
// schemas/store_layout.md): a changed checksum, an added or a dropped input is a reason.
std::string recompute_reason(const store::StudyRecord& a, const store::StudyRecord& b) {
    std::vector<const store::InputFile*> left;  // a's inputs not matched yet, in order
    for (const auto& f : a.inputs) left.push_back(&f);
    auto take = [&](auto matches) -> const store::InputFile* {
        const auto it = std::find_if(left.begin(), left.end(), matches);
        if (it == left.end()) return nullptr;
        const store::InputFile* f = *it;
        left.erase(it);
        return f;
    };
    std::string changed;
    auto note = [&](const std::string& s) { changed += (changed.empty() ? "" : "; ") + s; };
    auto compare = [&](const store::InputFile& old, const store::InputFile& f) {
        if (old.checksum != f.checksum)
            note(f.role + " " + f.path + " changed (checksum " + old.checksum + " -> " + f.checksum + ")");
    };
    std::vector<const store::InputFile*> unmatched;
    for (const auto& f : b.inputs) {
        if (const auto* old = take([&](const store::InputFile* x) { return x->role == f.role && x->path == f.path; })) compare(*old, f);
        else unmatched.push_back(&f);
    }
    for (const auto* f : unmatched) {
        if (const auto* old = take([&](const store::InputFile* x) { return x->role == f->role; })) compare(*old, *f);
        else note(f->role + " " + f->path + " is new");
    }
    for (const auto* f : left) note(f->role + " " + f->path + " no longer used");
    if (!changed.empty()) return changed;
    if (a.content_hash != b.content_hash) return "same input files, different settings or lesion selection (content hash " + a.content_hash +
                                                 " -> " + b.content_hash + ")";
    return "recomputed with the same inputs and settings";
}

bool values_differ(double a, double b, const DiffOptions& o) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) != std::isnan(b);
    if (a == b) return false;
    return std::fabs(a - b) > o.abs_tolerance + o.rel_tolerance * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

StoreDiff diff_stores(const std::string& store_a, const std::string& store_b, const DiffOptions& options) {
    const store::Contents A = store::load_existing(store_a), B = store::load_existing(store_b);
    StoreDiff d;

    // A record is a study, or in a sweep a (study, perturbation) unit: "T0003" or "T0003 rot5".
    const auto unit = store::unit_label;
    std::map<std::string, const store::StudyRecord*> sa, sb;
    for (const auto& s : A.studies) sa[unit(s.study_id, s.perturbation)] = &s;
    for (const auto& s : B.studies) sb[unit(s.study_id, s.perturbation)] = &s;
    std::set<std::string> common;
    for (const auto& [id, a] : sa) {
        const auto it = sb.find(id);
        if (it == sb.end()) {
            d.studies.push_back({id, "removed", "status " + a->status});
            continue;
        }
        const auto* b = it->second;
        common.insert(id);
        ++d.studies_compared;
        const bool recomputed = a->content_hash != b->content_hash || a->finished_at != b->finished_at || a->run_id != b->run_id;
        if (recomputed) {
            std::string detail = recompute_reason(*a, *b);
            if (a->status != b->status) detail += "; status " + a->status + " -> " + b->status;
            if (b->status == "error") detail += " (" + b->error_kind + ": " + b->message + ")";
            d.studies.push_back({id, "recomputed", detail});
        } else if (a->status != b->status) {
            d.studies.push_back({id, "status", a->status + " -> " + b->status});
        }
    }
    for (const auto& [id, b] : sb)
        if (!sa.count(id)) d.studies.push_back({id, "added", "status " + b->status});
    std::sort(d.studies.begin(), d.studies.end(), [](const StudyChange& x, const StudyChange& y) { return x.study_id < y.study_id; });

    // Feature values of the studies both stores hold, matched by (study, lesion, perturbation) and name.
    std::set<std::string> cols_a(A.features.columns.begin(), A.features.columns.end());
    std::set<std::string> cols_b(B.features.columns.begin(), B.features.columns.end());
    for (const auto& c : cols_b)
        if (!cols_a.count(c)) d.columns_added.push_back(c);
    for (const auto& c : cols_a)
        if (!cols_b.count(c)) d.columns_removed.push_back(c);
    std::set<std::string> all_cols = cols_a;
    all_cols.insert(cols_b.begin(), cols_b.end());
    auto column_index = [](const store::FeatureTable& t) {
        std::map<std::string, std::size_t> m;
        for (std::size_t j = 0; j < t.columns.size(); ++j) m[t.columns[j]] = j;
        return m;
    };
    const auto ca = column_index(A.features), cb = column_index(B.features);
    auto row_index = [&](const store::FeatureTable& t) {
        std::map<RowId, std::size_t> m;
        for (std::size_t i = 0; i < t.rows(); ++i)
            if (common.count(unit(t.keys[i].study_id, t.keys[i].perturbation))) m[{t.keys[i].study_id, t.keys[i].lesion, t.keys[i].perturbation}] = i;
        return m;
    };
    const auto ra = row_index(A.features), rb = row_index(B.features);
    std::set<RowId> rows;
    for (const auto& [k, i] : ra) rows.insert(k);
    for (const auto& [k, i] : rb) rows.insert(k);
    const double nan = std::nan("");
    auto value = [&](const store::FeatureTable& t, const std::map<RowId, std::size_t>& r, const std::map<std::string, std::size_t>& c,
                     const RowId& row, const std::string& col) {
        const auto ri = r.find(row);
        const auto ci = c.find(col);
        if (ri == r.end() || ci == c.end()) return nan;
        return t.values[ri->second * t.columns.size() + ci->second];
    };
    for (const auto& row : rows)
        for (const auto& col : all_cols) {
            const double a = value(A.features, ra, ca, row, col), b = value(B.features, rb, cb, row, col);
            ++d.values_compared;
            if (values_differ(a, b, options))
                d.values.push_back({std::get<0>(row), std::get<2>(row), col, std::get<1>(row), a, b});
        }
    return d;
}

void write_diff(const StoreDiff& d, const DiffOptions& o, std::ostream& out) {
    std::map<std::string, std::size_t> by_kind;
    for (const auto& s : d.studies) ++by_kind[s.kind];
    out << "studies compared: " << d.studies_compared << "; added " << by_kind["added"] << ", removed " << by_kind["removed"]
        << ", recomputed " << by_kind["recomputed"] << ", status changed " << by_kind["status"] << "\n";
    for (const auto& s : d.studies) out << s.kind << " " << s.study_id << ": " << s.detail << "\n";
    for (const auto& c : d.columns_added) out << "column added: " << c << "\n";
    for (const auto& c : d.columns_removed) out << "column removed: " << c << "\n";

    char tol[96];
    std::snprintf(tol, sizeof tol, "%g + %g", o.abs_tolerance, o.rel_tolerance);
    out << "values beyond tolerance (|a-b| > " << tol
        << " * max(|a|,|b|)): " << d.values.size() << " of " << d.values_compared << "\n";
    std::map<std::string, std::size_t> shown;
    std::map<std::string, std::pair<std::size_t, double>> per_feature;  // count, largest relative change
    for (const auto& v : d.values) {
        if (shown[v.study_id]++ < o.max_values)
            out << "  " << v.study_id << " lesion " << v.lesion << " " << v.perturbation << " " << v.feature << ": " << fmt(v.a) << " -> "
                << fmt(v.b) << "\n";
        else if (shown[v.study_id] == o.max_values + 1)
            out << "  " << v.study_id << ": ... (more values changed; see --csv)\n";
        auto& f = per_feature[v.feature];
        ++f.first;
        const double scale = std::max(std::fabs(v.a), std::fabs(v.b));
        const double rel = std::isnan(v.a) || std::isnan(v.b) ? std::numeric_limits<double>::infinity()
                                                              : (scale > 0 ? std::fabs(v.a - v.b) / scale : 0.0);
        f.second = std::max(f.second, rel);
    }
    if (!per_feature.empty()) {
        out << "features that changed (rows, largest relative change):\n";
        for (const auto& [name, f] : per_feature) out << "  " << name << ": " << f.first << ", " << fmt(f.second) << "\n";
    }
    if (d.empty()) out << "no differences\n";
}

void write_diff_csv(const StoreDiff& d, std::ostream& out) {
    out << "kind,study_id,lesion,perturbation,feature,a,b,detail\n";
    for (const auto& s : d.studies) out << s.kind << "," << csv_cell(s.study_id) << ",,,,,," << csv_cell(s.detail) << "\n";
    for (const auto& c : d.columns_added) out << "column_added,,,," << csv_cell(c) << ",,,\n";
    for (const auto& c : d.columns_removed) out << "column_removed,,,," << csv_cell(c) << ",,,\n";
    for (const auto& v : d.values)
        out << "value," << csv_cell(v.study_id) << "," << v.lesion << "," << csv_cell(v.perturbation) << "," << csv_cell(v.feature) << ","
            << fmt(v.a) << "," << fmt(v.b) << ",\n";
}

}  // namespace radhpc::commands
