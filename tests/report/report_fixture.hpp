// Helpers of the report suite: one small synthetic store (radhpc synth + radhpc run) with outcome,
// survival and probability columns in its manifest and one failing study, cached on disk across
// the suite's processes; running radhpc, R and headless Chromium; reading the page's numbers.
#pragma once
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_util.hpp"
#include "radhpc/core/random.hpp"

namespace report_test {
namespace fs = std::filesystem;

inline const std::string kRadhpc = RADHPC_BINARY;

using testutil::sh;
using testutil::slurp;

inline fs::path scratch(const std::string& name) { return testutil::scratch_dir("radhpc-report-", name); }

// Key of the radhpc build: a store made by an older binary is rebuilt.
inline std::string binary_key() {
    struct stat st{};
    if (::stat(kRadhpc.c_str(), &st) != 0) return "nobinary";
    return std::to_string(st.st_size) + "-" + std::to_string(st.st_mtim.tv_sec);
}

inline std::string fmt(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

// Splits a CSV line without quotes (synth's manifest has none).
inline std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, ',')) out.push_back(cell);
    if (!line.empty() && line.back() == ',') out.push_back("");
    return out;
}

// The suite's store: radhpc synth (40 studies, 20 patients, outcome per study) whose manifest
// gets per-patient `time`/`event` (exponential times, hazard higher for outcome 1, ~30% censored,
// times rounded to 0.5 so there are ties) and a per-study probability `risk` (logistic in the
// outcome plus noise), plus a study whose image is missing (an `io` failure with metadata);
// processed by `radhpc robust` with a one-rotation sweep, so the store has a robust stage too, and
// scored with a one-feature logistic signature (radhpc score). Synth draws the outcome per study;
// the fixture gives every study of a patient the patient's first one (a patient-level endpoint).
// Built once per binary (atomic rename of a finished folder).
// The fixture's signature: patient score = mean over lesions of plogis(a + b stat_mean), positive if > t.
inline constexpr const char* kSignatureIntercept = "-3.04";
inline constexpr const char* kSignatureSlope = "0.08";
inline constexpr const char* kSignatureThreshold = "0.5";

struct Fixture {
    fs::path dir, manifest, store;
};
inline Fixture report_fixture() {
    const fs::path base = fs::temp_directory_path() / ("radhpc-report-store-v3-" + binary_key());
    Fixture f{base, base / "archive" / "manifest_report.csv", base / "store"};
    if (fs::exists(base / "done")) return f;
    // one builder at a time (ctest -j runs the suite's cases as parallel processes); the lock is
    // released when this process exits or the guard goes out of scope
    struct Lock {
        int fd;
        explicit Lock(const std::string& path) : fd(::open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
            if (fd >= 0) ::flock(fd, LOCK_EX);
        }
        ~Lock() {
            if (fd >= 0) ::close(fd);
        }
    } lock(base.string() + ".lock");
    if (fs::exists(base / "done")) return f;
    // stores of earlier builds (about 25 MB each)
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("radhpc-report-store-", 0) == 0 && name.find(".tmp") == std::string::npos && e.path() != base &&
            e.path().string() != base.string() + ".lock")
            fs::remove_all(e.path(), ec);
    }
    const fs::path tmp = base.string() + ".tmp" + std::to_string(::getpid());
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    REQUIRE(sh(kRadhpc + " synth --studies 40 --seed 11 --out '" + (tmp / "archive").string() + "'", tmp / "synth.log") == 0);
    std::ifstream in(tmp / "archive" / "manifest.csv");
    std::ofstream out(tmp / "archive" / "manifest_report.csv");
    std::string line;
    std::getline(in, line);
    const auto header = cells(line);
    std::size_t col_patient = 0, col_outcome = 0;
    for (std::size_t j = 0; j < header.size(); ++j) {
        if (header[j] == "patient_id") col_patient = j;
        if (header[j] == "outcome") col_outcome = j;
    }
    REQUIRE(header[col_outcome] == "outcome");
    out << line << ",time,event,risk\n";
    std::map<std::string, std::pair<double, int>> survival;  // patient -> (time, event)
    std::map<std::string, std::string> patient_outcome;      // synth draws per study: the first study's for all
    std::uint64_t s = 2026;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto c = cells(line);
        c[col_outcome] = patient_outcome.emplace(c[col_patient], c[col_outcome]).first->second;
        line.clear();
        for (std::size_t j = 0; j < c.size(); ++j) line += (j ? "," : "") + c[j];
        const int y = std::stoi(c[col_outcome]);
        auto it = survival.find(c[col_patient]);
        if (it == survival.end()) {
            const double u = (double(radhpc::splitmix64(s) >> 11) + 0.5) * 0x1.0p-53;
            const double t = std::ceil(-std::log(u) / (y ? 0.08 : 0.03) * 2) / 2;  // exponential, ties at 0.5
            const int event = (double(radhpc::splitmix64(s) >> 11) * 0x1.0p-53) < 0.7 ? 1 : 0;
            it = survival.emplace(c[col_patient], std::make_pair(t, event)).first;
        }
        const double noise = double(radhpc::splitmix64(s) >> 11) * 0x1.0p-53 - 0.5;
        const double risk = 1 / (1 + std::exp(-(-0.4 + 1.3 * y + 2.5 * noise)));
        out << line << "," << fmt(it->second.first) << "," << it->second.second << "," << fmt(risk) << "\n";
    }
    out << "S9999,P9999,images/missing.nii.gz,masks/missing.nii.gz,1,1,smooth,7.5,1,0.8\n";
    out.close();
    std::ofstream job(tmp / "job.yaml");
    job << "version: 1\nname: report-test\nprofile: ibsi\n"
           "preprocess:\n  resegment: {min: -1000, max: 400}\n  discretisation: {method: fixed_bin_size, bin_width: 25}\n"
           "features:\n  families: [morph, stat, ih, szm]\n  aggregation: [3D_avg]\n"
           "run: {progress_interval_s: 5, flush_interval_s: 0.5, fsync: false}\n"
           "perturbations:\n  seed: 11\n  rotation: {angles: [5]}\n"
           "robust: {icc_type: ICC1, threshold: 0.75, redundancy_threshold: 0.9}\n"
           "signature:\n  name: report-test\n  source: synthetic test signature (logistic in stat_mean)\n  features: [stat_mean]\n"
           "  intercept: "
        << kSignatureIntercept << "\n  coefficients:\n    - {term: stat_mean, value: " << kSignatureSlope
        << "}\n  link: logistic\n  threshold: " << kSignatureThreshold
        << "\n  positive_if: \">\"\n  aggregation: mean\n  outcome: outcome\n  time: time\n  event: event\n";
    job.close();
    // radhpc robust: the sweep (none + one rotation) through the batch engine, then the robust
    // stage (ICC table, clusters, selected set); exit 1: the missing-image study failed (expected)
    const int rc = sh(kRadhpc + " robust '" + (tmp / "job.yaml").string() + "' --manifest '" + (tmp / "archive" / "manifest_report.csv").string() +
                          "' --store '" + (tmp / "store").string() + "'",
                      tmp / "run.log");
    INFO(slurp(tmp / "run.log"));
    REQUIRE(rc == 1);
    // the signature's scores (radhpc score; the run's signature stage may have written them already)
    REQUIRE(sh(kRadhpc + " score '" + (tmp / "store").string() + "' --job '" + (tmp / "job.yaml").string() + "'", tmp / "score.log") == 0);
    std::ofstream(tmp / "done") << "ok\n";
    ec.clear();
    fs::rename(tmp, base, ec);
    if (ec) fs::remove_all(tmp);  // another process finished first
    return f;
}

// radhpc report STORE --out DIR/report.html OPTIONS, which must succeed (log: DIR/report.log);
// returns the page.
inline std::string report_page(const fs::path& store, const fs::path& dir, const std::string& options = "") {
    const fs::path page = dir / "report.html";
    REQUIRE(sh(kRadhpc + " report '" + store.string() + "' --out '" + page.string() + "'" + options, dir / "report.log") == 0);
    return slurp(page);
}

// Value of data-NAME on the element with id="ID" (the report's figure blocks).
inline std::string data_attr(const std::string& html, const std::string& id, const std::string& name) {
    const auto at = html.find("id=\"" + id + "\"");
    if (at == std::string::npos) FAIL("page lacks id=" << id);
    const auto end = html.find('>', at);
    const std::string tag = html.substr(at, end - at);
    const auto k = tag.find(" data-" + name + "=\"");
    if (k == std::string::npos) FAIL("block " << id << " lacks data-" << name << ": " << tag.substr(0, 300));
    const auto v = k + name.size() + 8;
    return tag.substr(v, tag.find('"', v) - v);
}
inline double data_number(const std::string& html, const std::string& id, const std::string& name) {
    return std::stod(data_attr(html, id, name));
}

// Runs an R script of tests/report/r/ with arguments; returns its "name,value" rows.
inline std::map<std::string, std::vector<double>> run_r(const std::string& script, const std::vector<std::string>& args, const fs::path& dir) {
    if (std::system("Rscript --version > /dev/null 2>&1") != 0)
        FAIL("Rscript not found: the report tests check numbers against R (Debian: r-base-core r-cran-proc r-cran-survival)");
    const fs::path out = dir / (script + ".out.csv"), log = dir / (script + ".log");
    std::string cmd = "Rscript --vanilla '" + std::string(RADHPC_SOURCE_DIR) + "/tests/report/r/" + script + "' '" + out.string() + "'";
    for (const auto& a : args) cmd += " '" + a + "'";
    if (sh(cmd, log) != 0) FAIL("R failed: " << cmd << "\n" << slurp(log));
    std::map<std::string, std::vector<double>> r;
    std::istringstream in(slurp(out));
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto comma = line.rfind(',');
        const std::string v = line.substr(comma + 1);
        r[line.substr(0, comma)].push_back(v == "NA" ? std::nan("") : std::stod(v));
    }
    return r;
}
inline double r_get(const std::map<std::string, std::vector<double>>& r, const std::string& name, std::size_t i = 0) {
    const auto it = r.find(name);
    if (it == r.end() || it->second.size() <= i) FAIL("R output lacks " << name << "[" << i << "]");
    return it->second[i];
}

// |a - b| <= tol * max(1, |b|)
inline bool close(double a, double b, double tol) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    return std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b));
}

// Path of the chromium executable; a missing browser fails the test (scripts/setup.sh installs it).
inline std::string chromium() {
    for (const char* name : {"chromium", "chromium-browser"}) {
        const std::string probe = std::string("command -v ") + name + " > /dev/null 2>&1";
        if (std::system(probe.c_str()) == 0) return name;
    }
    FAIL("chromium not found on PATH: the report test renders the page in headless Chromium "
         "(Debian package `chromium`; bash scripts/setup.sh installs it)");
    return {};
}

// The page rendered by headless Chromium: the DOM after its scripts ran (--dump-dom), the browser's
// log (console messages appear as INFO:CONSOLE lines) and a screenshot of the window size.
struct Rendered {
    std::string dom, log;
    std::string png;
};
inline Rendered render(const fs::path& page, const fs::path& dir, int width, int height) {
    const std::string browser = chromium();
    const fs::path png = dir / "page.png", dom = dir / "dom.html", log = dir / "chromium.log";
    const std::string cmd = "timeout 120 " + browser + " --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir='" +
                            (dir / "profile").string() + "' --enable-logging=stderr --v=0 --screenshot='" + png.string() +
                            "' --window-size=" + std::to_string(width) + "," + std::to_string(height) + " --dump-dom 'file://" +
                            page.string() + "' > '" + dom.string() + "' 2> '" + log.string() + "'";
    const int rc = std::system(cmd.c_str());
    INFO(cmd << "\n" << slurp(log));
    REQUIRE(WIFEXITED(rc));
    REQUIRE(WEXITSTATUS(rc) == 0);
    return {slurp(dom), slurp(log), slurp(png)};
}

}  // namespace report_test
