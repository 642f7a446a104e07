// radhpc.store's analysis tables (python/radhpc/store.py, issue 19) against what radhpc itself writes
// of the same store, by tests/python/check_store_analyses.py (Debian's /usr/bin/python3):
//  - robustness (icc, robust, clusters, selected_table): `radhpc export --table icc|robust|clusters|selected`
//    after `radhpc robust` (a small sweep as jobs/demo-chain.yaml's: 2 rotations and a noise draw, each alone);
//  - validation[name]: the folder of `radhpc export --table validation` for a repeated-CV + bootstrap
//    validation (jobs/demo-chain.yaml's validate section, smaller) and a fixed one without bootstrap;
//  - signatures: the CSVs of `radhpc score --csv-dir` for a scored signature and one with unscored
//    lesions (log of a negative value, a category level without coefficient: NaN, -1, messages), and
//    the summary against `radhpc inspect`'s signature lines.
#include <catch2/catch.hpp>

#include "pystore_util.hpp"

namespace fs = std::filesystem;
using pystore::kBin;
using testutil::sh;
using testutil::slurp;

namespace {

// Extraction, sweep, robust stage, validation and signature of one job (the demo chain's layout).
const char* kJob = R"(version: 1
name: pyanalyses
profile: ibsi
preprocess:
  resegment: {min: -1000, max: 400}
  discretisation: {method: fixed_bin_size, bin_width: 25}
features:
  families: [morph, stat, ih]
run: {flush_interval_s: 0.05, fsync: false}
perturbations:
  seed: 7
  combine: separate
  rotation: {angles: [-10, 10]}
  noise: {repetitions: 1}
robust: {icc_type: ICC1, threshold: 0.75, redundancy_threshold: 0.8}
validate:
  name: demo
  table: selected
  outcome: outcome
  patient: patient_id
  time: time
  event: event
  alphas: [0.5, 1]
  nlambda: 20
  folds: 3
  repeats: 2
  seed: 1
  bootstrap: {replicates: 8, seed: 1}
  patient_aggregation: mean
signature:
  name: intensity
  features: [stat_mean, morph_volume]
  coefficients: [{term: stat_mean, value: -0.02}, {term: morph_volume, value: 0.0001}]
  intercept: 0.5
  standardisation: {required: false}
  threshold: 0.5
  aggregation: mean
  outcome: outcome
  time: time
  event: event
)";

// A second validation: published-style fixed (alpha, lambda), no bootstrap (export: term,estimate only).
const char* kFixed = R"(name: fixed
validate:
  table: selected
  outcome: outcome
  patient: patient_id
  fixed: {alpha: 1, lambda: 0.05}
  bootstrap: {replicates: 0}
)";

// A second signature: log of stat_skew (negative for many lesions) and a scanner term with no
// coefficient for "sharp": those lesions are not scored (NaN, class -1, a message with commas).
const char* kSignature2 = R"(version: 1
name: pyanalyses
signature:
  name: scanner/logskew
  features: [stat_skew]
  coefficients: [{term: stat_skew, value: 0.8}, {term: scanner_soft, value: 0.3}]
  intercept: -0.2
  category: {column: scanner, reference: smooth, prefix: scanner, levels: [smooth, soft]}
  standardisation: {required: false, transform: log, terms: [{term: stat_skew, mean: 0.1, sd: 2}]}
  threshold: 0.4
  positive_if: ">="
  labels: {positive: high, negative: low}
  aggregation: median
  outcome: outcome
)";

void step(const std::string& cmd, const fs::path& log) {
    const int rc = sh("HDF5_USE_FILE_LOCKING=FALSE " + cmd, log);
    INFO(cmd << "\n" << slurp(log));
    REQUIRE(rc == 0);
}

}  // namespace

TEST_CASE("radhpc.store robustness, validation and signatures equal radhpc export, score CSVs and inspect", "[python][store][analyses]") {
    const auto dir = testutil::scratch_dir("radhpc_pystore_", "analyses");
    pystore::require_python_modules(dir, "h5py, pandas, yaml");
    // 16 studies of 8 patients (40 lesions) with a planted outcome: both classes for the models
    step(kBin + " synth --signal --studies 16 --seed 3 --out " + (dir / "archive").string(), dir / "synth.log");
    std::ofstream(dir / "job.yaml") << kJob;
    std::ofstream(dir / "fixed.yaml") << kFixed;
    std::ofstream(dir / "sig2.yaml") << kSignature2;
    const std::string store = (dir / "store").string(), job = (dir / "job.yaml").string(), sig2 = (dir / "sig2.yaml").string();
    step(kBin + " robust " + job + " --manifest " + (dir / "archive" / "manifest.csv").string() + " --store " + store + " -q", dir / "robust.log");
    step(kBin + " validate " + job + " --store " + store, dir / "validate.log");
    step(kBin + " validate " + (dir / "fixed.yaml").string() + " --store " + store, dir / "fixed.log");
    step(kBin + " score " + store + " --job " + job + " --csv-dir " + (dir / "scores").string(), dir / "score.log");
    step(kBin + " score " + store + " --job " + sig2 + " --csv-dir " + (dir / "scores2").string(), dir / "score2.log");
    // the second signature really has unscored lesions (its CSV rows with messages)
    REQUIRE(slurp(dir / "scores2" / "lesions.csv").find("has no coefficient") != std::string::npos);
    pystore::check("check_store_analyses.py",
                   store + " " + job + ":" + (dir / "scores").string() + " " + sig2 + ":" + (dir / "scores2").string(), dir / "check.log");
    const std::string report = slurp(dir / "check.log");
    for (const char* line : {"robustness icc:", "robustness selected_table + metadata:", "validation demo replicates:", "validation fixed predictions:",
                             "signature scanner/logskew lesions:", "signatures summary: 2 signature(s)"})
        CHECK(report.find(line) != std::string::npos);
    fs::remove_all(dir);
}
