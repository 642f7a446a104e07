// The CSV/JSON folder of a validation (what `radhpc validate` wrote before the store, and what
// `radhpc export STORE --table validation --name N --out DIR` writes), and the stored settings.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/bootstrap.hpp"
#include "table_util.hpp"
#include "validate_internal.hpp"

namespace radhpc::commands::validation {

using namespace table;
namespace fs = std::filesystem;

namespace {

std::string json_string(const std::string& v) {
    std::string q = "\"";
    for (char c : v) {
        if (c == '"' || c == '\\') q += '\\';
        if (c == '\n') {
            q += "\\n";
            continue;
        }
        q += c;
    }
    return q + "\"";
}

std::ofstream open_output(const fs::path& p) {
    std::ofstream out(p);
    if (!out) throw Error(ErrorKind::io, p.string() + ": cannot write");
    return out;
}

// Rows of bootstrap replicate `index`, built as stats::run_bootstrap_replicate builds them
// (drawn patients in draw order, each patient's rows in table order), and the out-of-bag rows.
void bootstrap_rows(std::span<const int> patient, std::uint64_t seed, std::uint64_t index, std::vector<std::size_t>& rows,
                    std::vector<std::size_t>& oob) {
    const auto drawn = stats::bootstrap_patients(patient, seed, index);
    std::map<int, std::vector<std::size_t>> rows_of;
    for (std::size_t i = 0; i < patient.size(); ++i) rows_of[patient[i]].push_back(i);
    rows.clear();
    oob.clear();
    std::map<int, int> in_sample;
    for (int d : drawn) {
        in_sample[d] = 1;
        for (std::size_t r : rows_of[d]) rows.push_back(r);
    }
    for (std::size_t i = 0; i < patient.size(); ++i)
        if (!in_sample.count(patient[i])) oob.push_back(i);
}

void write_tuning(const Config& cfg, const store::ValidationResult& v, const fs::path& dir) {
    const auto& t = v.tuning;
    const std::size_t n = v.patients.size();
    if (t.procedure == "repeated_cv") {
        auto cc = open_output(dir / "cv_curves.csv");
        cc << "alpha,lambda,cvm,cvsd,nzero,measure\n";
        for (const auto& c : t.curves)
            cc << format17(c.alpha) << "," << format17(c.lambda) << "," << format17(c.cvm) << "," << format17(c.cvsd) << "," << c.nzero
               << "," << c.measure << "\n";
        auto fo = open_output(dir / "folds.csv");
        fo << "row,patient,repeat,fold\n";
        for (std::size_t r = 0; r < std::size_t(t.repeats); ++r)
            for (std::size_t i = 0; i < n; ++i)
                fo << i + 1 << "," << csv_cell(v.patients[i]) << "," << r + 1 << "," << t.folds[r * n + i] << "\n";
    }
    auto o = open_output(dir / "tuning.json");
    o << "{\n  \"procedure\": " << json_string(t.procedure) << ",\n"
      << "  \"alpha\": " << json_number(t.alpha) << ",\n  \"lambda\": " << json_number(t.lambda);
    if (t.procedure == "repeated_cv") {
        o << ",\n  \"lambda_rule\": " << json_string(t.lambda_rule) << ",\n  \"lambda_min\": " << json_number(t.lambda_min)
          << ",\n  \"lambda_1se\": " << json_number(t.lambda_1se) << ",\n  \"measure\": " << json_string(t.measure)
          << ",\n  \"cvm_at_lambda\": " << json_number(t.cvm_at_lambda) << ",\n  \"folds\": " << cfg.folds << ",\n  \"repeats\": " << cfg.repeats
          << ",\n  \"seed\": " << cfg.seed << ",\n  \"alphas\": [";
        for (std::size_t a = 0; a < cfg.alphas.size(); ++a) o << (a ? ", " : "") << json_number(cfg.alphas[a]);
        o << "]";
    }
    o << "\n}\n";
}

void write_bootstrap(const Config& cfg, const store::ValidationResult& v, const fs::path& dir) {
    auto br = open_output(dir / "bootstrap_replicates.csv");
    br << "replicate,failed,auc_train,auc_test,auc_oob,optimism,alpha,lambda,failure\n";
    for (const auto& b : v.replicates)
        br << b.index << "," << (b.failed ? 1 : 0) << "," << format17(b.auc_train) << "," << format17(b.auc_test) << ","
           << format17(b.auc_oob) << "," << format17(b.auc_train - b.auc_test) << "," << format17(b.alpha) << "," << format17(b.lambda)
           << "," << csv_cell(b.failure) << "\n";
    if (!cfg.export_samples) return;
    // Patients numbered in order of first appearance, as the procedure numbers them.
    std::vector<int> patient;
    std::map<std::string, int> ids;
    for (const auto& p : v.patients) patient.push_back(ids.emplace(p, int(ids.size())).first->second);
    auto bs = open_output(dir / "bootstrap_samples.csv");
    bs << "replicate,row,oob\n";
    std::vector<std::size_t> rows, oob;
    for (int b = 0; b < cfg.replicates; ++b) {
        bootstrap_rows(patient, cfg.bootstrap_seed, std::uint64_t(b), rows, oob);
        for (auto r : rows) bs << b << "," << r + 1 << ",0\n";
        for (auto r : oob) bs << b << "," << r + 1 << ",1\n";
    }
}

}  // namespace

std::string metrics_json(const std::vector<store::ValidationMetric>& metrics) {
    std::string out = "{";
    std::vector<std::string> open;  // the path of objects open at this point
    std::vector<bool> first{true};  // per depth: no member written yet
    const auto indent = [](std::size_t depth) { return std::string(2 * depth, ' '); };
    for (const auto& m : metrics) {
        std::vector<std::string> parts;
        std::stringstream ss(m.name);
        for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
        const std::vector<std::string> path(parts.begin(), parts.end() - 1);
        std::size_t common = 0;
        while (common < open.size() && common < path.size() && open[common] == path[common]) ++common;
        while (open.size() > common) {
            open.pop_back();
            first.pop_back();
            out += "\n" + indent(open.size() + 1) + "}";
        }
        while (open.size() < path.size()) {
            out += (first.back() ? "\n" : ",\n") + indent(open.size() + 1) + json_string(path[open.size()]) + ": {";
            first.back() = false;
            open.push_back(path[open.size()]);
            first.push_back(true);
        }
        out += (first.back() ? "\n" : ",\n") + indent(open.size() + 1) + json_string(parts.back()) + ": " +
               (m.is_text ? json_string(m.text) : json_number(m.value));
        first.back() = false;
    }
    while (!open.empty()) {
        open.pop_back();
        first.pop_back();
        out += "\n" + indent(open.size() + 1) + "}";
    }
    return out + "\n}\n";
}

void write_folder(const Config& cfg, const store::ValidationResult& v, const std::string& out_dir) {
    if (v.status != "complete") throw Error(ErrorKind::invalid_input, "validation " + v.name + " is not complete (rerun `radhpc validate` to finish it)");
    const fs::path dir(out_dir);
    fs::create_directories(dir);
    write_tuning(cfg, v, dir);
    if (cfg.replicates > 0) write_bootstrap(cfg, v, dir);
    {
        const bool boot = cfg.replicates > 0;
        auto co = open_output(dir / "coefficients.csv");
        co << "term,estimate" << (boot ? ",ci_lower,ci_upper,selection_frequency" : "") << "\n";
        for (const auto& c : v.coefficients) {
            co << csv_cell(c.term) << "," << format17(c.estimate);
            if (boot) co << "," << format17(c.ci_lower) << "," << format17(c.ci_upper) << "," << format17(c.selection_frequency);
            co << "\n";
        }
    }
    {
        auto pr = open_output(dir / "predictions.csv");
        pr << "row,patient,outcome,linear_predictor,probability,oof_linear_predictor\n";
        for (const auto& p : v.predictions)
            pr << p.row << "," << csv_cell(p.patient) << "," << p.outcome << "," << format17(p.linear_predictor) << ","
               << format17(p.probability) << "," << format17(p.oof_linear_predictor) << "\n";
    }
    auto m = open_output(dir / "metrics.json");
    m << metrics_json(v.metrics);
    if (!m) throw Error(ErrorKind::io, (dir / "metrics.json").string() + ": write failed");
}

std::string settings_text(const std::string& job_text, const Config& cfg) {
    YAML::Node node = YAML::Clone(YAML::Load(job_text)["validate"]);
    // Paths as absolute: the settings are read again (inspect, export) from any folder.
    if (!table_from_store(cfg)) node["table"] = fs::absolute(cfg.table).string();
    if (node["output"]) node["output"] = fs::absolute(cfg.output).string();
    YAML::Emitter e;
    e << node;
    return e.c_str();
}

Config settings_of(const store::ValidationResult& v) {
    std::string text = "validate:\n";
    std::stringstream lines(v.settings);
    for (std::string line; std::getline(lines, line);) text += "  " + line + "\n";
    const io::Job job = io::parse_job(text, "validation " + v.name + " (stored settings)");
    if (!job.validate) throw Error(ErrorKind::internal, "validation " + v.name + ": no stored settings");
    return *job.validate;
}

}  // namespace radhpc::commands::validation
