// Signature scoring, per lesion: the spec's terms found among the feature columns, each unperturbed
// lesion's category and outcome read from its study's manifest cells, its score and class.
#include <algorithm>
#include <map>

#include "signature_internal.hpp"

namespace radhpc::analysis::signature_detail {
namespace {

// A manifest cell that may hold one value for the whole study, one value per lesion separated by
// ';' (in ascending lesion number), or explicit "lesion:value" pairs. Returns the value of
// `lesion`; `problem` is set when the cell cannot be read for it.
std::string lesion_value(const std::string& cell, int lesion, const std::vector<int>& study_lesions, std::string& problem) {
    problem.clear();
    if (cell.find(';') == std::string::npos && cell.find(':') == std::string::npos) return cell;
    std::vector<std::string> items;
    std::size_t start = 0;
    while (true) {
        const auto end = cell.find(';', start);
        std::string item = cell.substr(start, end == std::string::npos ? std::string::npos : end - start);
        while (!item.empty() && item.front() == ' ') item.erase(item.begin());
        while (!item.empty() && item.back() == ' ') item.pop_back();
        items.push_back(item);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    if (cell.find(':') != std::string::npos) {
        for (const auto& item : items) {
            const auto colon = item.find(':');
            if (colon == std::string::npos) {
                problem = "'" + cell + "': mixes 'lesion:value' pairs with plain values";
                return {};
            }
            if (item.substr(0, colon) == std::to_string(lesion)) return item.substr(colon + 1);
        }
        problem = "'" + cell + "' has no entry for lesion " + std::to_string(lesion);
        return {};
    }
    if (items.size() != study_lesions.size()) {
        problem = "'" + cell + "' has " + std::to_string(items.size()) + " values for " + std::to_string(study_lesions.size()) +
                  " lesions (use 'lesion:value' pairs)";
        return {};
    }
    const auto pos = std::find(study_lesions.begin(), study_lesions.end(), lesion) - study_lesions.begin();
    return items[std::size_t(pos)];
}

}  // namespace

int binary_of(const std::string& v) {
    if (v == "1" || v == "1.0") return 1;
    if (v == "0" || v == "0.0") return 0;
    return -1;
}

std::vector<std::size_t> term_columns(const store::Contents& c, const stats::SignatureSpec& spec, std::vector<std::string>& absent) {
    const auto& t = c.features;
    std::unordered_map<std::string, std::size_t> column_of;
    for (std::size_t j = 0; j < t.columns.size(); ++j) {
        column_of.emplace(t.columns[j], j);
        column_of.emplace("original_" + t.columns[j], j);
    }
    for (const auto& e : c.registry) {
        auto it = column_of.find(e.column);
        if (it == column_of.end()) continue;
        if (!e.pyradiomics_name.empty()) column_of.emplace(e.pyradiomics_name, it->second);
        if (!e.tag.empty()) column_of.emplace(e.tag, it->second);
    }
    std::vector<std::size_t> term_column;
    for (const auto& term : spec.terms) {
        auto it = column_of.find(term.feature);
        if (it == column_of.end()) absent.push_back(term.feature);
        else term_column.push_back(it->second);
    }
    return term_column;
}

bool score_lesions(const store::Contents& c, const stats::SignatureSpec& spec, const std::vector<std::size_t>& term_column,
                   const std::vector<std::size_t>& rows, const StudyMetadata& meta, store::SignatureResult& r, std::set<std::string>& notes) {
    const auto& t = c.features;
    std::map<std::string, std::vector<int>> lesions_of_study;  // ascending lesion numbers: the order of per-lesion cells
    for (const std::size_t i : rows) lesions_of_study[t.keys[i].study_id].push_back(t.keys[i].lesion);
    for (auto& [s, v] : lesions_of_study) std::sort(v.begin(), v.end());
    bool outcome_seen = false;
    std::vector<double> x(spec.terms.size());
    for (const std::size_t i : rows) {
        const auto& key = t.keys[i];
        store::SignatureLesionRow l;
        l.study_id = key.study_id;
        l.patient_id = key.patient_id;
        l.lesion = key.lesion;
        const auto& study_lesions = lesions_of_study[key.study_id];
        std::string problem;
        if (spec.category) {
            const auto cell = meta.value(key.study_id, spec.category->column);
            if (!cell) problem = "no '" + spec.category->column + "' value in the manifest";
            else l.category = lesion_value(*cell, key.lesion, study_lesions, problem);
            if (problem.empty() && l.category.empty()) problem = "empty '" + spec.category->column + "' value";
            if (!problem.empty()) problem = spec.category->column + ": " + problem;
        }
        if (const auto cell = meta.value(key.study_id, spec.outcome_column)) {
            outcome_seen = true;
            std::string outcome_problem;
            l.outcome = binary_of(lesion_value(*cell, key.lesion, study_lesions, outcome_problem));
            if (!outcome_problem.empty()) notes.insert(spec.outcome_column + " " + outcome_problem);
        }
        for (std::size_t j = 0; j < term_column.size(); ++j) x[j] = t.values[i * t.columns.size() + term_column[j]];
        if (problem.empty()) {
            const auto s = stats::score_lesion(spec, x, l.category);
            l.linear_predictor = s.linear_predictor;
            l.score = s.score;
            if (s.ok) {
                l.cls = stats::classify(spec, s.score);
                l.label = l.cls ? spec.positive_label : spec.negative_label;
            } else {
                l.message = s.message;
            }
        } else {
            l.linear_predictor = l.score = kNaN;
            l.message = problem;
        }
        r.lesions.push_back(std::move(l));
    }
    return outcome_seen;
}

}  // namespace radhpc::analysis::signature_detail
