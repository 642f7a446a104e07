// `radhpc federated site|coordinate|simulate` (see include/radhpc/commands/federated_command.hpp):
// reading a site's rows, the folder transport of the protocol, the site's audit log.
#include "radhpc/core/file_text.hpp"
#include "radhpc/commands/federated_command.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "radhpc/analysis/federated.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/store/hash.hpp"
#include "validate_internal.hpp"

namespace radhpc::commands {
namespace fs = std::filesystem;
namespace af = analysis::federated;
using json = nlohmann::json;
namespace {

json parse_message(const std::string& text, const std::string& path) {
    try {
        return json::parse(text);
    } catch (const json::exception& e) {
        throw Error(ErrorKind::invalid_input, path + ": not a federated message (" + e.what() + ")");
    }
}

io::FederatedSection federated_of(const std::string& job_path) {
    const io::Job job = io::read_job(job_path);
    if (!job.federated) throw Error(ErrorKind::settings, job_path + ": no federated section");
    return *job.federated;
}

// A site's rows: the validate reader (store feature table joined with the manifest, or a CSV)
// with the federated section's columns.
af::SiteRows read_site_rows(const io::FederatedSection& cfg, const std::string& store_path, const std::string& table) {
    validation::Config vc;
    vc.table = store_path.empty() ? table : "store";
    vc.outcome = cfg.outcome;
    vc.patient = cfg.patient;
    vc.time = cfg.time;
    vc.event = cfg.event;
    vc.features = cfg.features;
    vc.exclude = cfg.exclude;
    // Covariates are preserved by ComBat, not features (cox.features may be either).
    for (const auto& c : cfg.covariates)
        if (std::find(cfg.features.begin(), cfg.features.end(), c) == cfg.features.end()) vc.exclude.push_back(c);
    std::optional<store::Contents> contents;
    if (!store_path.empty()) contents = store::load_existing(store_path);
    std::ostringstream quiet;
    const auto d = validation::read_data(vc, contents ? &*contents : nullptr, store_path, quiet);
    af::SiteRows rows;
    rows.features.assign(d.terms.begin() + 1, d.terms.end());
    rows.x = d.x;
    rows.y = d.y;
    rows.patient = d.patient;
    rows.n_patients = d.n_patients;
    rows.time = d.time;
    rows.event = d.event;
    const auto columns = [&](const std::vector<std::string>& names) {
        if (names.empty()) return Eigen::MatrixXd(Eigen::Index(d.n), 0);
        auto c = vc;
        c.features = names;
        return validation::read_data(c, contents ? &*contents : nullptr, store_path, quiet).x;
    };
    rows.covariate_names = cfg.covariates;
    rows.covariates = columns(cfg.covariates);
    rows.cox_x = columns(cfg.cox_features);
    return rows;
}

struct SitePaths {
    std::string log, local_out;
};

void write_matrix_csv(const std::string& path, const std::vector<std::string>& names, const Eigen::MatrixXd& m) {
    std::ostringstream out;
    out << std::setprecision(17);
    for (std::size_t j = 0; j < names.size(); ++j) out << (j ? "," : "") << names[j];
    out << "\n";
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        for (Eigen::Index j = 0; j < m.cols(); ++j) out << (j ? "," : "") << m(i, j);
        out << "\n";
    }
    af::write_text(path, out.str());
}

// The site's answer to one request file, written as one response file and logged.
void answer_file(const io::FederatedSection& cfg, const af::SiteRows& rows, const std::string& request_path,
                 const std::string& response_path, const SitePaths& paths) {
    const std::string text = read_file_text(request_path);
    const json request = parse_message(text, request_path);
    if (request.value("protocol", std::string()) != af::kProtocol)
        throw Error(ErrorKind::invalid_input, request_path + ": not a " + std::string(af::kProtocol) + " request");
    af::SiteLocalOutput local;
    json response = af::answer(cfg, rows, request, local);
    response["protocol"] = af::kProtocol;
    for (const char* key : {"round", "site", "analysis", "step"}) response[key] = request.at(key);
    response["request_xxh64"] = store::xxh64(text.data(), text.size());
    // Site-local outputs first: a response on disk means they are complete.
    if (local.has_harmonised) write_matrix_csv(paths.local_out + "/harmonised.csv", rows.features, local.harmonised);
    const std::string out = response.dump() + "\n";
    af::write_text(response_path, out);
    json entry{{"round", request.at("round")}, {"analysis", request.at("analysis")}, {"step", request.at("step")},
               {"status", response.at("status")}, {"bytes", out.size()}, {"response", fs::absolute(response_path).string()},
               {"response_xxh64", store::xxh64(out.data(), out.size())}};
    if (response.contains("reason")) entry["reason"] = response["reason"];
    fs::create_directories(fs::path(paths.log).parent_path());
    std::ofstream log(paths.log, std::ios::app);
    log << entry.dump() << "\n";
}

struct Pending {
    int round;
    std::vector<std::string> sites;
};

// The protocol over a folder: requests written once (a restarted coordinator finds them, equal,
// and reuses the responses already there), responses awaited or answered in-process.
class FolderExchange : public af::Exchange {
public:
    using AnswerNow = std::function<void(std::size_t site, const std::string& request, const std::string& response)>;
    FolderExchange(const io::FederatedSection& cfg, std::string dir, AnswerNow answer_now, double wait_seconds)
        : cfg_(cfg), dir_(std::move(dir)), answer_now_(std::move(answer_now)), wait_(wait_seconds), bytes_(cfg.sites.size()) {}

    std::vector<json> round(const json& payload) override {
        ++round_;
        char name[32];
        std::snprintf(name, sizeof name, "%06d.json", round_);
        const std::string analysis = payload.value("phase", payload.at("analysis").get<std::string>());
        std::vector<std::string> texts, requests, responses;
        for (std::size_t s = 0; s < cfg_.sites.size(); ++s) {
            json req = payload;
            req["protocol"] = af::kProtocol;
            req["round"] = round_;
            req["site"] = cfg_.sites[s].name;
            req["site_index"] = s;
            req["n_sites"] = cfg_.sites.size();
            texts.push_back(req.dump() + "\n");
            requests.push_back(dir_ + "/" + cfg_.sites[s].name + "/request-" + name);
            responses.push_back(dir_ + "/" + cfg_.sites[s].name + "/response-" + name);
            if (fs::exists(requests[s])) {
                if (read_file_text(requests[s]) != texts[s])
                    throw Error(ErrorKind::invalid_input, requests[s] + ": the exchange folder holds another protocol's request here (the job "
                                                                       "or a site's data changed); use a new exchange folder");
            } else {
                af::write_text(requests[s], texts[s]);
            }
            add(s, analysis, "rounds", 1);
            add(s, analysis, "request_bytes", texts[s].size());
        }
        for (std::size_t s = 0; s < responses.size(); ++s)
            if (!fs::exists(responses[s]) && answer_now_) answer_now_(s, requests[s], responses[s]);
        await(responses);
        std::vector<json> payloads;
        for (std::size_t s = 0; s < responses.size(); ++s) {
            const std::string text = read_file_text(responses[s]);
            const json r = parse_message(text, responses[s]);
            if (r.value("request_xxh64", std::uint64_t(0)) != store::xxh64(texts[s].data(), texts[s].size()))
                throw Error(ErrorKind::invalid_input, responses[s] + ": answers another request than " + requests[s]);
            if (r.value("status", std::string()) != "ok")
                throw Error(ErrorKind::invalid_input, "site " + cfg_.sites[s].name + " refused round " + std::to_string(round_) + " (" + analysis +
                                                          "." + payload.at("step").get<std::string>() + "): " + r.value("reason", std::string("no reason given")));
            add(s, analysis, "response_bytes", text.size());
            payloads.push_back(r.at("payload"));
        }
        return payloads;
    }

    json traffic() const {
        json out = json::object();
        for (std::size_t s = 0; s < bytes_.size(); ++s) out[cfg_.sites[s].name] = bytes_[s];
        return out;
    }

private:
    void add(std::size_t site, const std::string& analysis, const char* key, std::size_t amount) {
        json& counter = bytes_[site][analysis][key];
        counter = (counter.is_null() ? std::size_t(0) : counter.get<std::size_t>()) + amount;
    }

    void await(const std::vector<std::string>& responses) const {
        const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_);
        for (;;) {
            std::vector<std::string> missing;
            for (std::size_t s = 0; s < responses.size(); ++s)
                if (!fs::exists(responses[s])) missing.push_back(cfg_.sites[s].name);
            if (missing.empty()) return;
            if (std::chrono::steady_clock::now() >= until) throw Pending{round_, missing};
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }

    const io::FederatedSection& cfg_;
    std::string dir_;
    AnswerNow answer_now_;
    double wait_;
    int round_ = 0;
    std::vector<json> bytes_;
};

SitePaths site_paths(const FederatedSiteOptions& o) {
    SitePaths p;
    p.log = !o.log.empty() ? o.log : !o.store.empty() ? o.store + "/federated-audit.jsonl" : o.table + ".audit.jsonl";
    p.local_out = !o.local_out.empty() ? o.local_out : fs::path(p.log).parent_path().string();
    if (p.local_out.empty()) p.local_out = ".";
    return p;
}

int print_audit(const std::string& log_path, std::ostream& out) {
    std::ifstream in(log_path);
    if (!in) throw Error(ErrorKind::io, log_path + ": no audit log (no request answered yet)");
    out << "round\tanalysis\tstep\tstatus\tbytes\tresponse\n";
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const json e = parse_message(line, log_path);
        out << e.at("round") << "\t" << e.at("analysis").get<std::string>() << "\t" << e.at("step").get<std::string>() << "\t"
            << e.at("status").get<std::string>() << "\t" << e.at("bytes") << "\t" << e.at("response").get<std::string>() << "\n";
    }
    return 0;
}

int pending_status(const Pending& p, const std::string& exchange, std::ostream& out) {
    out << "radhpc federated: round " << p.round << " waits for";
    for (const auto& s : p.sites) out << " " << s;
    out << " (requests are in " << exchange << "/<site>/); run coordinate again when their responses are there\n";
    return 75;  // EX_TEMPFAIL: nothing failed, come back later
}

}  // namespace

int federated_site(const FederatedSiteOptions& o, std::ostream& out) {
    if (o.store.empty() == o.table.empty()) throw Error(ErrorKind::settings, "federated site: give exactly one of --store and --table");
    const SitePaths paths = site_paths(o);
    if (o.audit) return print_audit(paths.log, out);
    if (o.request.empty() || o.response.empty()) throw Error(ErrorKind::settings, "federated site: --request and --response are required");
    const auto cfg = federated_of(o.job_path);
    const auto rows = read_site_rows(cfg, o.store, o.table);
    answer_file(cfg, rows, o.request, o.response, paths);
    out << "wrote " << o.response << "\n";
    return 0;
}

int federated_coordinate(const FederatedCoordinateOptions& o, std::ostream& out) {
    const auto cfg = federated_of(o.job_path);
    FolderExchange exchange(cfg, o.exchange, nullptr, o.wait_seconds);
    const std::string results = o.results.empty() ? o.exchange + "/results" : o.results;
    try {
        af::coordinate(cfg, exchange, results);
    } catch (const Pending& p) {
        return pending_status(p, o.exchange, out);
    } catch (const Error& e) {
        af::write_text(results + "/status.json", json{{"status", "failed"}, {"error", e.what()}}.dump(1) + "\n");
        throw;
    }
    af::write_text(results + "/traffic.json", exchange.traffic().dump(1) + "\n");
    out << "radhpc federated: results in " << results << "\n";
    return 0;
}

int federated_simulate(const FederatedSimulateOptions& o, std::ostream& out) {
    const auto cfg = federated_of(o.job_path);
    std::vector<af::SiteRows> rows;
    std::vector<SitePaths> paths;
    for (const auto& s : cfg.sites) {
        if (s.store.empty() == s.table.empty())
            throw Error(ErrorKind::settings, "federated simulate: site " + s.name + " needs exactly one of table and store");
        rows.push_back(read_site_rows(cfg, s.store, s.table));
        const std::string dir = o.out + "/sites/" + s.name;
        paths.push_back({dir + "/audit.jsonl", dir});
    }
    double site_seconds = 0;
    FolderExchange exchange(
        cfg, o.out + "/messages",
        [&](std::size_t s, const std::string& request, const std::string& response) {
            const auto t0 = std::chrono::steady_clock::now();
            answer_file(cfg, rows[s], request, response, paths[s]);
            site_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        },
        0);
    const auto t0 = std::chrono::steady_clock::now();
    const json fed = af::coordinate(cfg, exchange, o.out + "/results");
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const json pool = af::pooled(cfg, rows, o.out + "/pooled");
    json comparison = af::compare(fed, pool);
    if (pool.contains("combat")) {
        // The harmonised values stay at the sites: compare each site's own table with the pooled rows.
        const Eigen::MatrixXd pooled_h = af::matrix_from_json(pool["combat"]["harmonised"]);
        double worst = 0;
        Eigen::Index r = 0;
        for (std::size_t s = 0; s < rows.size(); ++s) {
            const auto text = read_file_text(paths[s].local_out + "/harmonised.csv");
            std::istringstream in(text);
            std::string line;
            std::getline(in, line);
            for (Eigen::Index i = 0; std::getline(in, line); ++i, ++r) {
                std::istringstream cells(line);
                std::string cell;
                for (Eigen::Index j = 0; std::getline(cells, cell, ','); ++j) worst = std::max(worst, std::abs(std::stod(cell) - pooled_h(r, j)));
            }
        }
        comparison["combat.harmonised"] = worst;
    }
    af::write_text(o.out + "/comparison.json", comparison.dump(1) + "\n");
    const int rounds = fed.at("rounds").at("total");
    json traffic{{"sites", exchange.traffic()}, {"rounds", fed.at("rounds")}, {"coordinator_seconds", total - site_seconds},
                 {"site_seconds", site_seconds}, {"coordinator_seconds_per_round", (total - site_seconds) / std::max(1, rounds)}};
    af::write_text(o.out + "/exchange.json", traffic.dump(1) + "\n");
    out << "radhpc federated simulate: " << cfg.sites.size() << " sites, " << rounds << " rounds; results in " << o.out
        << "/results, pooled in " << o.out << "/pooled, differences in " << o.out << "/comparison.json\n";
    return 0;
}

}  // namespace radhpc::commands
