// `radhpc federated site|coordinate|simulate JOB.yaml` (issue 17): the job's `federated` section.
// Layer `commands`; the protocol itself is analysis/federated.
//
// Exchange folder layout (any transport a consortium trusts can carry these files):
//   <exchange>/<site>/request-<round>.json    written by the coordinator
//   <exchange>/<site>/response-<round>.json   written by the site (`federated site`)
// A response names its request's XXH64; the coordinator refuses a response to another request.
#pragma once
#include <iosfwd>
#include <string>

namespace radhpc::commands {

struct FederatedSiteOptions {
    std::string job_path;
    std::string store, table;        // the site's rows: a store (feature table + manifest columns) or a CSV
    std::string request, response;   // one request file in, one response file out
    std::string log;                 // audit log (default: <store>/federated-audit.jsonl or <table>.audit.jsonl)
    std::string local_out;           // where site-local outputs go (the harmonised table; default beside the log)
    bool audit = false;              // list the audit log instead of answering
};
int federated_site(const FederatedSiteOptions& o, std::ostream& out);

struct FederatedCoordinateOptions {
    std::string job_path;
    std::string exchange;            // the message folder
    std::string results;             // default <exchange>/results
    double wait_seconds = 0;         // poll this long for missing responses, then exit 75 (resume later)
};
int federated_coordinate(const FederatedCoordinateOptions& o, std::ostream& out);

struct FederatedSimulateOptions {
    std::string job_path;
    std::string out;                 // messages/, sites/<name>/, results/, pooled/, comparison.json, exchange.json
};
int federated_simulate(const FederatedSimulateOptions& o, std::ostream& out);

}  // namespace radhpc::commands
