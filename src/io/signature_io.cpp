// The job's `signature` section. Coefficients come from the job (inline `coefficients`) or a CSV
// (`coefficients_csv`: a published table such as ../shared/data/signatures/ligero2021_table2.csv,
// or the coefficients.csv of `radhpc validate`), never from numbers built into radhpc.
// Note: io does not link the stats library; only the SignatureSpec data structure is used here.
#include "radhpc/core/file_text.hpp"
#include "radhpc/io/signature_io.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"

namespace radhpc::io {
namespace fs = std::filesystem;
namespace {

struct Csv {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::string path;
    std::ptrdiff_t column(const std::string& name) const {
        auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : it - header.begin();
    }
};

// RFC 4180 (quotes, "" escapes, CRLF) with an optional UTF-8 BOM.
Csv read_csv(const std::string& path) {
    std::string text = read_file_text(path, ErrorKind::settings, "cannot open (signature CSV)");
    radhpc::text::strip_bom(text);
    Csv csv;
    csv.path = path;
    std::size_t pos = 0;
    std::vector<std::string> row;
    while (radhpc::text::next_csv_record(text, pos, row)) {
        if (row.size() == 1 && row[0].empty()) continue;  // blank line
        if (csv.header.empty()) csv.header = row;
        else csv.rows.push_back(row);
    }
    for (std::size_t r = 0; r < csv.rows.size(); ++r)
        if (csv.rows[r].size() != csv.header.size())
            throw Error(ErrorKind::settings, path + ":" + std::to_string(r + 2) + ": expected " + std::to_string(csv.header.size()) +
                                                 " cells, got " + std::to_string(csv.rows[r].size()));
    return csv;
}

double number_cell(const Csv& csv, std::size_t row, std::ptrdiff_t col) {
    const std::string& s = csv.rows[row][std::size_t(col)];
    try {
        std::size_t used = 0;
        const double v = std::stod(s, &used);
        if (used == s.size()) return v;
    } catch (const std::exception&) {
    }
    throw Error(ErrorKind::settings, csv.path + ":" + std::to_string(row + 2) + ": column " + csv.header[std::size_t(col)] + ": '" + s +
                                         "' is not a number");
}

fs::path base_dir(const std::string& origin) {
    if (origin.empty() || origin.front() == '<') return fs::current_path();
    return fs::absolute(fs::path(origin)).parent_path();
}

std::string resolve(const std::string& path, const std::string& origin) {
    const fs::path p(path);
    return p.is_absolute() ? p.string() : (base_dir(origin) / p).lexically_normal().string();
}

stats::ClassRule rule_of(const std::string& s) {
    if (s == ">") return stats::ClassRule::greater;
    if (s == "<") return stats::ClassRule::less;
    if (s == "<=") return stats::ClassRule::less_equal;
    return stats::ClassRule::greater_equal;
}

stats::ScoreAggregation aggregation_of(const std::string& s) {
    if (s == "median") return stats::ScoreAggregation::median;
    if (s == "min") return stats::ScoreAggregation::min;
    if (s == "max") return stats::ScoreAggregation::max;
    return stats::ScoreAggregation::mean;
}

stats::FeatureTransform transform_of(const std::string& s) {
    return s == "log" ? stats::FeatureTransform::log : stats::FeatureTransform::none;
}

}  // namespace

stats::SignatureSpec parse_signature(const YAML::Node& n, const std::string& origin) {
    stats::SignatureSpec spec;
    spec.origin = origin;
    const std::string where = origin + ": signature";
    spec.name = n["name"] ? n["name"].as<std::string>() : "signature";
    if (n["source"]) spec.source = n["source"].as<std::string>();
    if (n["fit_hint"]) spec.fit_hint = n["fit_hint"].as<std::string>();
    if (n["link"]) spec.link = n["link"].as<std::string>() == "linear" ? stats::SignatureLink::linear : stats::SignatureLink::logistic;
    if (n["aggregation"]) spec.aggregation = aggregation_of(n["aggregation"].as<std::string>());
    if (n["threshold"]) spec.threshold = n["threshold"].as<double>();
    if (n["positive_if"]) spec.rule = rule_of(n["positive_if"].as<std::string>());
    if (auto l = n["labels"]) {
        if (l["positive"]) spec.positive_label = l["positive"].as<std::string>();
        if (l["negative"]) spec.negative_label = l["negative"].as<std::string>();
    }
    if (n["outcome"]) spec.outcome_column = n["outcome"].as<std::string>();
    if (n["time"]) spec.time_column = n["time"].as<std::string>();
    if (n["event"]) spec.event_column = n["event"].as<std::string>();
    if (n["level"]) spec.level = n["level"].as<double>();
    if (n["intercept"]) spec.intercept = n["intercept"].as<double>();

    // --- coefficients: (term, value) from the CSV, then inline ones (inline wins: a user override)
    std::vector<std::pair<std::string, double>> coefficients;
    std::string coefficient_source;
    if (n["coefficients_csv"]) {
        const std::string path = resolve(n["coefficients_csv"].as<std::string>(), origin);
        const Csv csv = read_csv(path);
        const auto term = csv.column("term");
        std::ptrdiff_t value = -1;
        if (n["coefficient_column"]) value = csv.column(n["coefficient_column"].as<std::string>());
        else value = csv.column("beta") >= 0 ? csv.column("beta") : csv.column("estimate");
        if (term < 0 || value < 0)
            throw Error(ErrorKind::settings, path + ": a coefficient CSV needs a 'term' column and a coefficient column ('beta', "
                                                    "'estimate' or signature.coefficient_column)");
        for (std::size_t r = 0; r < csv.rows.size(); ++r) coefficients.emplace_back(csv.rows[r][std::size_t(term)], number_cell(csv, r, value));
        coefficient_source = path + " (column " + csv.header[std::size_t(value)] + ")";
    }
    if (auto c = n["coefficients"]) {
        std::set<std::string> inline_terms;
        for (const auto& item : c) {
            const auto t = item["term"].as<std::string>();
            if (!inline_terms.insert(t).second) throw Error(ErrorKind::settings, where + ".coefficients: '" + t + "' given twice");
            std::erase_if(coefficients, [&](const auto& p) { return p.first == t; });
            coefficients.emplace_back(t, item["value"].as<double>());
        }
        coefficient_source += std::string(coefficient_source.empty() ? "" : " + ") + "inline coefficients";
    }
    {
        std::set<std::string> seen;
        for (const auto& [t, v] : coefficients)
            if (!seen.insert(t).second) throw Error(ErrorKind::settings, where + ": coefficient for '" + t + "' given twice");
    }
    // "(Intercept)" (R's name, as in radhpc validate's coefficients.csv) is the intercept unless
    // the job gives one.
    if (auto it = std::find_if(coefficients.begin(), coefficients.end(), [](const auto& p) { return p.first == "(Intercept)"; });
        it != coefficients.end()) {
        if (!spec.intercept) spec.intercept = it->second;
        coefficients.erase(it);
    }

    // --- categorical lesion term: coefficients named <prefix>_<level>
    std::string prefix;
    if (auto c = n["category"]) {
        stats::CategoricalTerm cat;
        cat.column = c["column"].as<std::string>();
        cat.reference = c["reference"].as<std::string>();
        prefix = (c["prefix"] ? c["prefix"].as<std::string>() : cat.column) + "_";
        if (auto m = c["map"])
            for (const auto& item : m) cat.map.emplace_back(item["from"].as<std::string>(), item["to"].as<std::string>());
        for (auto it = coefficients.begin(); it != coefficients.end();) {
            if (it->first.rfind(prefix, 0) == 0) {
                cat.levels.emplace_back(it->first.substr(prefix.size()), it->second);
                it = coefficients.erase(it);
            } else {
                ++it;
            }
        }
        if (auto lv = c["levels"]) {  // declared levels: each needs a coefficient unless reference
            for (const auto& item : lv) {
                const auto level = item.as<std::string>();
                if (level != cat.reference &&
                    std::none_of(cat.levels.begin(), cat.levels.end(), [&](const auto& p) { return p.first == level; }))
                    throw Error(ErrorKind::settings, where + ".category.levels: no coefficient " + prefix + level);
            }
        }
        spec.category = std::move(cat);
    }

    // --- feature terms: the job's list (in its order), else every remaining coefficient term
    if (auto f = n["features"]) {
        for (const auto& item : f) {
            stats::SignatureTerm t;
            t.feature = item.as<std::string>();
            if (std::any_of(spec.terms.begin(), spec.terms.end(), [&](const auto& x) { return x.feature == t.feature; }))
                throw Error(ErrorKind::settings, where + ".features: '" + t.feature + "' listed twice");
            spec.terms.push_back(t);
        }
        for (const auto& [term, value] : coefficients) {
            // by name, not the structured binding: clang 14 (the fuzzing build) cannot capture bindings
            const std::string& name = term;
            auto it = std::find_if(spec.terms.begin(), spec.terms.end(), [&](const auto& x) { return x.feature == name; });
            if (it == spec.terms.end())
                throw Error(ErrorKind::settings, where + ": coefficient for '" + term + "' (" + coefficient_source +
                                                     ") is not one of signature.features" +
                                                     (spec.category ? " nor a " + prefix + "<level> term" : ""));
            it->coefficient = value;
        }
    } else {
        for (const auto& [term, value] : coefficients) {
            stats::SignatureTerm t;
            t.feature = term;
            t.coefficient = value;
            spec.terms.push_back(t);
        }
    }

    // --- patient-level model on the signature score and clinical columns
    if (auto pm = n["patient_model"]) {
        stats::PatientModel model;
        model.name = pm["name"] ? pm["name"].as<std::string>() : "patient_model";
        if (pm["intercept"]) model.intercept = pm["intercept"].as<double>();
        for (const auto& item : pm["terms"]) {
            stats::PatientModelTerm t;
            t.term = item["term"].as<std::string>();
            if (item["value"]) t.coefficient = item["value"].as<double>();
            if (std::any_of(model.terms.begin(), model.terms.end(), [&](const auto& x) { return x.term == t.term; }))
                throw Error(ErrorKind::settings, where + ".patient_model.terms: '" + t.term + "' listed twice");
            model.terms.push_back(t);
        }
        if (pm["link"]) model.link = pm["link"].as<std::string>() == "linear" ? stats::SignatureLink::linear : stats::SignatureLink::logistic;
        if (pm["threshold"]) model.threshold = pm["threshold"].as<double>();
        if (pm["positive_if"]) model.rule = rule_of(pm["positive_if"].as<std::string>());
        if (auto l = pm["labels"]) {
            if (l["positive"]) model.positive_label = l["positive"].as<std::string>();
            if (l["negative"]) model.negative_label = l["negative"].as<std::string>();
        }
        spec.patient_model = std::move(model);
    }

    // --- standardisation z = (t(x) - mean) / sd
    if (auto s = n["standardisation"]) {
        spec.standardisation_required = s["required"] ? s["required"].as<bool>() : true;
        const auto transform = transform_of(s["transform"] ? s["transform"].as<std::string>() : "none");
        for (auto& t : spec.terms) t.transform = transform;
        auto set_term = [&](const std::string& term, double mean, double sd, const std::string& from) {
            auto it = std::find_if(spec.terms.begin(), spec.terms.end(), [&](const auto& x) { return x.feature == term; });
            if (it == spec.terms.end())
                throw Error(ErrorKind::settings, from + ": standardisation of '" + term + "', which is not a feature term of the signature");
            if (!(sd > 0)) throw Error(ErrorKind::settings, from + ": standardisation sd of '" + term + "' must be > 0");
            it->mean = mean;
            it->sd = sd;
            return it;
        };
        if (s["csv"]) {
            const std::string path = resolve(s["csv"].as<std::string>(), origin);
            const Csv csv = read_csv(path);
            const auto term = csv.column("term"), mean = csv.column("mean"), sd = csv.column("sd"), tr = csv.column("transform");
            if (term < 0 || mean < 0 || sd < 0) throw Error(ErrorKind::settings, path + ": a standardisation CSV needs columns term, mean, sd");
            for (std::size_t r = 0; r < csv.rows.size(); ++r) {
                auto it = set_term(csv.rows[r][std::size_t(term)], number_cell(csv, r, mean), number_cell(csv, r, sd), path);
                if (tr >= 0 && !csv.rows[r][std::size_t(tr)].empty()) {
                    const auto& v = csv.rows[r][std::size_t(tr)];
                    if (v != "log" && v != "none") throw Error(ErrorKind::settings, path + ": transform '" + v + "' is not log or none");
                    it->transform = transform_of(v);
                }
            }
        }
        if (auto terms = s["terms"])
            for (const auto& item : terms) {
                auto it = set_term(item["term"].as<std::string>(), item["mean"].as<double>(), item["sd"].as<double>(), where + ".standardisation.terms");
                if (item["transform"]) it->transform = transform_of(item["transform"].as<std::string>());
            }
    }
    return spec;
}

std::optional<stats::SignatureSpec> signature_of_job_text(const std::string& yaml_text, const std::string& origin) {
    YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap() || !root["signature"]) return std::nullopt;
    return parse_signature(root["signature"], origin);
}

}  // namespace radhpc::io
