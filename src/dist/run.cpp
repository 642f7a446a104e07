// The batch engine: rank 0 plans (manifest x store -> tasks), hands out studies by dynamic
// self-scheduling (largest first, a small queue per worker), computes on a thread of its own,
// and is the single writer of the store. Other ranks only compute.
#include "radhpc/dist/run.hpp"
#include "radhpc/pipeline/memory.hpp"
#include "radhpc/io/image_io.hpp"

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only (parallel HDF5 and Open MPI headers pull in the C++ bindings otherwise)
#endif
#include <mpi.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/version.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "radhpc/core/error.hpp"
#include "radhpc/dist/log.hpp"
#include "radhpc/dist/manifest.hpp"
#include "radhpc/dist/signature.hpp"
#include "radhpc/dist/study.hpp"
#include "radhpc/features/registry.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/store/hash.hpp"
#include "radhpc/store/privacy.hpp"
#include "radhpc/store/store.hpp"
#include "store_access.hpp"
#include "isolate.hpp"
#include "sweep.hpp"
#include "wire.hpp"

namespace radhpc::dist {
namespace fs = std::filesystem;
namespace {

// printf-style text for the log lines.
template <class... Args>
std::string format(const char* fmt, Args... args) {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    std::string out(std::size_t(n > 0 ? n : 0), '\0');
    std::snprintf(out.data(), out.size() + 1, fmt, args...);
    return out;
}

// A study that fails while planning (input missing or unreadable) is a warning like a failed computation.
void log_failure_before_start(const store::StudyRecord& r) {
    log::warn(unit_label(r.study_id, r.perturbation) + " failed before start: " + r.error_kind + ": " + r.message);
}


// A QC row's cells with the study's paths in the privacy.paths form.
void scrub_qc(const store::PathPrivacy& privacy, store::QcRow& q, const std::vector<std::string>& paths) {
    q.observed = privacy.scrub(q.observed, paths);
    q.expected = privacy.scrub(q.expected, paths);
}

constexpr int kTagTask = 1, kTagStop = 2, kTagResult = 3;

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- job `run` options ------------------------------------------------------------------------
struct RunConfig {
    std::string manifest, store;
    LesionMode lesion_mode = LesionMode::labels;
    std::size_t min_lesion_voxels = 1;
    double min_lesion_volume_mm3 = 0;
    double time_limit_s = 0, memory_budget_mb = 0;
    int threads = 0;
    double flush_interval_s = 2.0;
    std::size_t flush_results = 1000;
    double progress_interval_s = 10.0;
    bool fsync = true;
    bool full_checksums = false;
    bool master_computes = true;
    bool retry_errors = false;
    int queue_depth = 2;
    bool isolate = true;  // run.isolation: process (a study process per rank, crash-proof) | none (in the rank)
    store::PathMode privacy = store::PathMode::relative;  // privacy.paths (from io::JobSettings)
    std::string settings_hash;
};

RunConfig parse_run_config(const std::string& job_text, const std::string& version) {
    RunConfig c;
    YAML::Node root = YAML::Load(job_text);
    if (root["manifest"]) c.manifest = root["manifest"].as<std::string>();
    if (root["store"]) c.store = root["store"].as<std::string>();
    std::string lesion_key = "labels";
    if (auto r = root["run"]) {
        if (r["lesions"]) lesion_key = r["lesions"].as<std::string>();
        if (r["min_lesion_voxels"]) c.min_lesion_voxels = r["min_lesion_voxels"].as<std::size_t>();
        if (r["min_lesion_volume_mm3"]) c.min_lesion_volume_mm3 = r["min_lesion_volume_mm3"].as<double>();
        if (r["study_time_limit_s"]) c.time_limit_s = r["study_time_limit_s"].as<double>();
        if (r["memory_budget_mb"]) c.memory_budget_mb = r["memory_budget_mb"].as<double>();
        if (r["threads"]) c.threads = r["threads"].as<int>();
        if (r["flush_interval_s"]) c.flush_interval_s = r["flush_interval_s"].as<double>();
        if (r["flush_results"]) c.flush_results = r["flush_results"].as<std::size_t>();
        if (r["progress_interval_s"]) c.progress_interval_s = r["progress_interval_s"].as<double>();
        if (r["fsync"]) c.fsync = r["fsync"].as<bool>();
        if (r["checksums"]) c.full_checksums = r["checksums"].as<std::string>() == "always";
        if (r["master_computes"]) c.master_computes = r["master_computes"].as<bool>();
        if (r["retry_errors"]) c.retry_errors = r["retry_errors"].as<bool>();
        if (r["queue_depth"]) c.queue_depth = std::max(1, r["queue_depth"].as<int>());
        if (r["isolation"]) c.isolate = r["isolation"].as<std::string>() != "none";
    }
    c.lesion_mode = lesion_key == "components" ? LesionMode::components : LesionMode::labels;
    // Settings identity: the job without names, paths and engine options (comments and key
    // spelling of the YAML do not matter, values do), plus what changes rows and the version.
    // A sweep's perturbations enter each unit's hash one by one (Master::plan), and the robust
    // stage's options change no feature: neither is part of the identity. Nor does `privacy`
    // (how input paths are written).
    for (const char* k : {"name", "description", "manifest", "store", "run", "perturbations", "robust", "signature", "privacy"})
        root.remove(k);
    YAML::Emitter e;
    e << root;
    const std::string identity = std::string(e.c_str()) + "\nlesions=" + lesion_key +
                                 "\nmin_lesion_voxels=" + std::to_string(c.min_lesion_voxels) +
                                 "\nmin_lesion_volume_mm3=" + std::to_string(c.min_lesion_volume_mm3) + "\nradhpc=" + version;
    c.settings_hash = store::to_hex(store::xxh64(identity.data(), identity.size()));
    return c;
}

// Sleeps a little longer each idle round (a few microseconds while results stream in, at most
// 250 us when idle) so that a waiting rank does not take a core from a computing one.
struct Backoff {
    int us = 20;
    void idle() {
        std::this_thread::sleep_for(std::chrono::microseconds(us));
        us = std::min(us * 2, 250);
    }
    void busy() { us = 20; }
};

// ---- worker on another rank --------------------------------------------------------------------
using ComputeFn = std::function<StudyOutcome(const StudyTask&)>;

void remote_worker(const ComputeFn& compute) {
    std::deque<StudyTask> queue;
    std::deque<std::pair<std::vector<char>, MPI_Request>> sending;  // results in flight (deque: stable addresses)
    std::vector<std::string> last_names;
    bool stop = false;
    Backoff backoff;
    std::vector<char> buf;
    for (;;) {
        int flag = 0;
        MPI_Status st;
        while (MPI_Iprobe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st), flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            buf.resize(std::size_t(std::max(n, 1)));
            MPI_Recv(buf.data(), n, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            buf.resize(std::size_t(n));
            if (st.MPI_TAG == kTagStop) stop = true;
            else queue.push_back(decode_task(buf));
        }
        if (queue.empty()) {
            if (stop) {
                for (auto& [msg, req] : sending) MPI_Wait(&req, MPI_STATUS_IGNORE);
                return;
            }
            backoff.idle();
            continue;
        }
        backoff.busy();
        const StudyTask task = std::move(queue.front());
        queue.pop_front();
        // Non-blocking send: a result above the eager limit waits for the master's receive,
        // and the worker goes on computing meanwhile.
        sending.emplace_back(encode(compute(task), last_names), MPI_REQUEST_NULL);
        MPI_Isend(sending.back().first.data(), int(sending.back().first.size()), MPI_BYTE, 0, kTagResult, MPI_COMM_WORLD,
                  &sending.back().second);
        while (!sending.empty()) {
            int done = 0;
            MPI_Test(&sending.front().second, &done, MPI_STATUS_IGNORE);
            if (!done) break;
            sending.pop_front();
        }
    }
}

// ---- worker thread inside rank 0 (no MPI calls: the master thread owns MPI) -----------------
class LocalWorker {
public:
    explicit LocalWorker(ComputeFn compute) : compute_(std::move(compute)), thread_([this] { loop(); }) {}
    ~LocalWorker() {
        stop();
        if (thread_.joinable()) thread_.join();
    }
    void push(StudyTask t) {
        std::lock_guard lk(m_);
        tasks_.push_back(std::move(t));
        cv_.notify_one();
    }
    void stop() {
        std::lock_guard lk(m_);
        stop_ = true;
        cv_.notify_one();
    }
    bool pop_result(StudyOutcome& out) {
        std::lock_guard lk(m_);
        if (results_.empty()) return false;
        out = std::move(results_.front());
        results_.pop_front();
        return true;
    }

private:
    void loop() {
        for (;;) {
            StudyTask t;
            {
                std::unique_lock lk(m_);
                cv_.wait(lk, [&] { return stop_ || !tasks_.empty(); });
                if (tasks_.empty()) return;
                t = std::move(tasks_.front());
                tasks_.pop_front();
            }
            StudyOutcome o = compute_(t);
            std::lock_guard lk(m_);
            results_.push_back(std::move(o));
        }
    }
    ComputeFn compute_;
    std::mutex m_;
    std::condition_variable cv_;
    std::deque<StudyTask> tasks_;
    std::deque<StudyOutcome> results_;
    bool stop_ = false;
    std::thread thread_;
};

// ---- master -------------------------------------------------------------------------------------
struct PlannedStudy {
    const ManifestRow* row = nullptr;
    std::vector<store::InputFile> inputs;
    std::string content_hash;
    std::uint64_t image_size = 0;
    std::string missing;  // first input that does not exist
    std::string io_error;
};

// A file, or a folder (a DICOM series): size = total bytes, mtime = the newest file's.
struct InputState {
    bool exists = false;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
};

std::int64_t mtime_of(const struct stat& sb) { return std::int64_t(sb.st_mtim.tv_sec) * 1000000000 + sb.st_mtim.tv_nsec; }

std::vector<fs::path> files_below(const std::string& dir) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

InputState input_state(const std::string& path) {
    InputState st;
    struct stat sb;
    if (::stat(path.c_str(), &sb) != 0) return st;
    if (S_ISREG(sb.st_mode)) return {true, std::uint64_t(sb.st_size), mtime_of(sb)};
    if (!S_ISDIR(sb.st_mode)) return st;
    std::error_code ec;
    for (const auto& f : files_below(path))
        if (::stat(f.c_str(), &sb) == 0) {
            st.size += std::uint64_t(sb.st_size);
            st.mtime_ns = std::max(st.mtime_ns, mtime_of(sb));
        }
    st.exists = true;
    return st;
}

// XXH64 of a file; of a folder: XXH64 over (relative path, file checksum) of every file, sorted.
std::string input_checksum(const std::string& path) {
    if (!fs::is_directory(path)) return store::file_checksum(path);
    std::string list;
    for (const auto& f : files_below(path))
        list += fs::relative(f, path).string() + '\0' + store::file_checksum(f.string()) + '\n';
    return store::to_hex(store::xxh64(list.data(), list.size()));
}

std::string libraries_text() {
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    MPI_Get_library_version(mpi, &len);
    std::string m(mpi, std::size_t(len));
    if (auto nl = m.find_first_of(",\n"); nl != std::string::npos) m.resize(nl);
    return store::hdf5_version() + "; " + m + "; oneTBB " + TBB_VERSION_STRING + "; zlib " + zlibVersion() + "; " +
           io::library_versions();
}

// Memory a rank may use when the job sets no budget: the node's memory (or the cgroup limit a
// batch system sets, if lower) shared by the ranks on the node. MiB; 0 when unknown.
double default_memory_budget_mb(int ranks_on_node) {
    return pipeline::node_memory_mb(pipeline::NodeMemory::total) / std::max(1, ranks_on_node);
}

std::pair<int, int> parse_shard(const std::string& s) {
    const auto slash = s.find('/');
    try {
        if (slash != std::string::npos) {
            const int i = std::stoi(s.substr(0, slash)), n = std::stoi(s.substr(slash + 1));
            if (n >= 1 && i >= 0 && i < n) return {i, n};
        }
    } catch (...) {
    }
    throw Error(ErrorKind::settings, "--shard " + s + ": expected I/N with 0 <= I < N");
}

std::string make_run_id() {
    std::random_device rd;
    const auto t = std::chrono::system_clock::now().time_since_epoch();
    return store::to_hex(store::xxh64(&t, sizeof t, (std::uint64_t(rd()) << 32) ^ rd())).substr(0, 12);
}

// A store the run cannot write is refused before anything is computed (read-only mount, no
// permission, full file system), instead of failing at the first flush with the work lost.
void check_store_writable(const std::string& store) {
    std::error_code ec;
    fs::create_directories(store, ec);
    if (ec) throw Error(ErrorKind::io, "store " + store + ": cannot create the store directory: " + ec.message() + "; nothing was computed");
    const fs::path probe = fs::path(store) / (".tmp-probe-" + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const char block[4096] = {};
    const bool ok = fd >= 0 && ::write(fd, block, sizeof block) == ssize_t(sizeof block) && ::fsync(fd) == 0;
    const int err = errno;
    if (fd >= 0) ::close(fd);
    fs::remove(probe, ec);
    if (!ok)
        throw Error(ErrorKind::io, "store " + store + ": the store directory is not writable: " + std::strerror(err) +
                                       "; nothing was computed");
}

class Master {
public:
    Master(const RunOptions& o, const RunConfig& c, const WorkerOptions& w, int size, std::function<ComputeFn()> make_compute)
        : opt_(o), cfg_(c), wopt_(w), size_(size), make_compute_(std::move(make_compute)) {}

    // Errors leave with their paths in the job's privacy.paths form.
    int run(const std::string& job_text);

private:
    int run_job(const std::string& job_text);
    void plan();
    void handle(const StudyOutcome& o);
    void add_record(store::StudyRecord r);
    // Re-records a stored study (same features, rows and QC rows copied into this run's batch)
    // with `record` as its new record: marks and metadata change without recomputing.
    void carry_forward(store::StudyRecord record);
    void flush(const std::string& state);
    void progress(bool final);
    void register_columns(const std::vector<std::string>& names);
    // The study's input files as the manifest gives them (masks without "#ROI"): the known paths
    // replaced in its messages.
    std::vector<std::string> input_paths(const std::string& study_id) const;
    // Everything read back from the store in this run's privacy.paths form (a store written under
    // another mode is rewritten at consolidation; nothing is recomputed).
    void apply_privacy(store::Contents& all) const;

    const RunOptions& opt_;
    RunConfig cfg_;
    WorkerOptions wopt_;
    int size_;
    std::function<ComputeFn()> make_compute_;
    std::string manifest_path_, store_path_;
    store::PathPrivacy privacy_;  // full (identity) until the manifest is known
    Manifest manifest_;
    store::Contents existing_;
    // Stored records by unit key (study id, perturbation id) and, for checksum reuse, by study.
    std::unordered_map<std::string, const store::StudyRecord*> existing_by_id_, existing_by_study_;
    std::unordered_multimap<std::string, std::size_t> existing_rows_, existing_qc_;  // built on first use
    std::vector<PlannedStudy> planned_;
    std::unordered_map<std::string, std::size_t> planned_by_id_;  // study id -> planned_ index
    // Units of work: (study, perturbation index; -1 without a sweep). tasks_ index units_.
    struct Unit {
        std::size_t study = 0;
        int perturbation = -1;
        std::string content_hash;
    };
    std::vector<Unit> units_;
    std::vector<std::size_t> tasks_;  // indices into units_, in dispatch order
    std::vector<store::PerturbationRecord> perturbation_records_;
    std::string perturbation_id(int k) const { return k < 0 ? std::string("none") : wopt_.perturbations[std::size_t(k)].id; }
    static std::string unit_key(const std::string& study, const std::string& perturbation) { return study + '\x1f' + perturbation; }
    store::Contents batch_;
    store::RunRecord run_;
    std::set<std::string> known_columns_;
    std::vector<store::RegistryEntry> registry_;
    std::uint64_t sequence_ = 0;
    std::size_t done_ = 0, computed_failed_ = 0, failed_ = 0, skipped_ = 0, vanished_ = 0, manifest_failed_ = 0;
    bool progress_on_terminal_ = log::stderr_is_terminal();
    Clock::time_point t_start_, t_last_flush_, t_last_progress_, t_compute_start_;
    double plan_s_ = 0, loop_s_ = 0, consolidate_s_ = 0, busy_s_ = 0;  // busy: receive + record + dispatch + write
};

void Master::register_columns(const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (!known_columns_.insert(n).second) continue;
        const features::FeatureInfo* f = features::find_feature(n);
        store::RegistryEntry e{n, n, "", "", "", ""};
        if (f) {
            e = {n, std::string(f->tag), std::string(f->ibsi_code), std::string(f->pyradiomics_name), std::string(f->family),
                 std::string(f->unit)};
            if (f->tag == "morph_volume" && batch_.volume_column.empty()) batch_.volume_column = n;
            if (f->tag == "morph_area_mesh" && batch_.surface_column.empty()) batch_.surface_column = n;
        }
        registry_.push_back(std::move(e));
    }
}

std::vector<std::string> Master::input_paths(const std::string& study_id) const {
    const auto it = planned_by_id_.find(study_id);
    if (it == planned_by_id_.end()) return {};
    const ManifestRow& row = *planned_[it->second].row;
    std::vector<std::string> paths{row.image};
    for (const auto& m : row.masks) {
        std::string file, roi;
        io::split_mask_path(m, file, roi);
        paths.push_back(file);
    }
    return paths;
}

void Master::apply_privacy(store::Contents& all) const {
    for (auto& s : all.studies) {
        // A study of today's manifest with the same input files: today's forms; any other: mapped.
        const PlannedStudy* p = nullptr;
        if (auto it = planned_by_id_.find(s.study_id); it != planned_by_id_.end()) p = &planned_[it->second];
        const bool same_files = p && p->inputs.size() == s.inputs.size() &&
                                std::equal(s.inputs.begin(), s.inputs.end(), p->inputs.begin(), [](const auto& a, const auto& b) {
                                    return a.role == b.role && a.checksum == b.checksum;
                                });
        for (std::size_t i = 0; i < s.inputs.size(); ++i)
            s.inputs[i].path = same_files ? p->inputs[i].path : privacy_.redisplay(s.inputs[i].path);
        if (!s.message.empty()) s.message = privacy_.scrub(s.message, input_paths(s.study_id));
    }
    for (auto& r : all.runs) {
        r.command = privacy_.scrub(r.command);
        r.job_text = privacy_.scrub(r.job_text);
    }
    for (auto& m : all.manifest_issues) m.message = privacy_.scrub(m.message);
    std::string paths_of;  // QC rows come grouped by study: its paths once per group
    std::vector<std::string> paths;
    for (auto& q : all.qc) {
        if (q.study_id != paths_of) {
            paths_of = q.study_id;
            paths = input_paths(q.study_id);
        }
        scrub_qc(privacy_, q, paths);
    }
}

void Master::add_record(store::StudyRecord r) {
    // The one place every record of this run passes: input paths and messages in the
    // privacy.paths form before they reach a part file or a log line.
    for (auto& f : r.inputs) f.path = privacy_.redisplay(f.path);
    r.message = privacy_.scrub(r.message, input_paths(r.study_id));
    r.run_id = run_.run_id;
    r.sequence = ++sequence_;
    batch_.studies.push_back(std::move(r));
}

void Master::carry_forward(store::StudyRecord record) {
    if (existing_rows_.empty()) {
        for (std::size_t r = 0; r < existing_.features.rows(); ++r)
            existing_rows_.emplace(existing_.features.keys[r].study_id, r);
        for (std::size_t q = 0; q < existing_.qc.size(); ++q) existing_qc_.emplace(existing_.qc[q].study_id, q);
    }
    const auto& t = existing_.features;
    for (auto [it, end] = existing_rows_.equal_range(record.study_id); it != end; ++it) {
        const std::size_t r = it->second;
        if (t.keys[r].perturbation != record.perturbation) continue;
        const std::vector<double> vals(t.values.begin() + r * t.columns.size(), t.values.begin() + (r + 1) * t.columns.size());
        register_columns(t.columns);
        batch_.features.add_row(t.keys[r], t.columns, vals);
    }
    for (auto [it, end] = existing_qc_.equal_range(record.study_id); it != end; ++it) batch_.qc.push_back(existing_.qc[it->second]);
    const std::string computed_by = record.run_id;
    add_record(std::move(record));
    batch_.studies.back().run_id = computed_by;  // the run that computed the features
}

void Master::plan() {
    manifest_ = read_manifest(manifest_path_);
    for (const auto& is : manifest_.issues) log::warn("manifest: " + privacy_.scrub(is.text()));
    std::optional<std::pair<int, int>> shard;
    if (!opt_.shard.empty()) shard = parse_shard(opt_.shard);
    existing_ = store::load(store_path_);
    for (const auto& s : existing_.studies) {
        existing_by_id_[unit_key(s.study_id, s.perturbation)] = &s;
        existing_by_study_.emplace(s.study_id, &s);
    }
    perturbation_records_ = perturbation_records(wopt_.perturbations);
    // Duplicate / keyless rows: only a manifest issue (no study record can be keyed on them).
    for (const auto& is : manifest_.issues) {
        const bool row_kept = std::any_of(manifest_.rows.begin(), manifest_.rows.end(), [&](const ManifestRow& r) {
            return r.line == is.line && !r.error.empty();
        });
        if (!row_kept) ++manifest_failed_;
        batch_.manifest_issues.push_back({run_.run_id, is.line, is.column, is.study_id, privacy_.scrub(is.message)});
    }
    std::vector<const ManifestRow*> rows;
    for (const auto& r : manifest_.rows) {
        if (shard) {
            const auto h = store::xxh64(r.study_id.data(), r.study_id.size());
            if (int(h % std::uint64_t(shard->second)) != shard->first) continue;
        }
        rows.push_back(&r);
    }
    planned_.resize(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) planned_by_id_.emplace(rows[i]->study_id, i);
    // Checksums in parallel (I/O-bound); a file whose size and mtime match the stored record
    // keeps its stored checksum unless run.checksums is "always".
    tbb::parallel_for(std::size_t(0), rows.size(), [&](std::size_t i) {
        PlannedStudy& p = planned_[i];
        p.row = rows[i];
        if (!p.row->error.empty()) return;
        const store::StudyRecord* prior = nullptr;
        if (auto it = existing_by_study_.find(p.row->study_id); it != existing_by_study_.end()) prior = it->second;
        std::vector<std::pair<std::string, std::string>> files{{"image", p.row->image}};
        for (const auto& m : p.row->masks) files.emplace_back("mask", m);
        for (auto [role, path] : files) {
            if (role == "mask") {  // "rs.dcm#GTV-1": the file is rs.dcm
                std::string file, roi;
                io::split_mask_path(path, file, roi);
                path = file;
            }
            const InputState state = input_state(path);
            if (!state.exists) {
                if (p.missing.empty()) p.missing = path;
                continue;
            }
            store::InputFile f{role, privacy_.display(path), state.size, state.mtime_ns, ""};
            // The stored path may be in another privacy.paths form than today's (same file)
            if (prior && !cfg_.full_checksums)
                for (const auto& old : prior->inputs)
                    if (privacy_.same_input(old.path, path) && old.size == f.size && old.mtime_ns == f.mtime_ns) f.checksum = old.checksum;
            if (f.checksum.empty()) {
                try {
                    f.checksum = input_checksum(path);
                } catch (const Error& e) {
                    if (p.io_error.empty()) p.io_error = e.what();
                }
            }
            if (role == "image") p.image_size = f.size;
            p.inputs.push_back(std::move(f));
        }
        std::string id = cfg_.settings_hash + "|" + p.row->patient_id + "|";
        for (int l : p.row->labels) id += std::to_string(l) + ";";
        for (const auto& f : p.inputs) id += "|" + f.role + ":" + f.checksum;
        p.content_hash = store::to_hex(store::xxh64(id.data(), id.size()));
    });
    const double now = unix_now();
    // Without a sweep one unit per study (the original lesion); a sweep has one per perturbation,
    // each with its own content hash (study hash + the perturbation's steps and seed).
    const int sweep_size = int(wopt_.perturbations.size());
    for (std::size_t i = 0; i < planned_.size(); ++i)
        for (int k = sweep_size > 0 ? 0 : -1; k < std::max(sweep_size, 0); ++k) {
    PlannedStudy& p = planned_[i];
    const ManifestRow& row = *p.row;
    Unit u{i, k, p.content_hash};
    if (k >= 0) {
        const auto& pr = perturbation_records_[std::size_t(k)];
        // The seed only matters to chains that draw (noise, contour): a rotation keeps its hash when
        // perturbations are added to the job and its index (hence its seed) shifts.
        const std::string id = p.content_hash + "|perturbation:" + pr.id + "|" + pr.spec +
                               (draws_random(wopt_.perturbations[std::size_t(k)]) ? "|seed:" + std::to_string(pr.seed) : "");
        u.content_hash = store::to_hex(store::xxh64(id.data(), id.size()));
    }
    units_.push_back(u);
    const std::size_t unit_index = units_.size() - 1;
    {
        store::StudyRecord rec;
        rec.study_id = row.study_id;
        rec.patient_id = row.patient_id;
        rec.perturbation = perturbation_id(k);
        rec.manifest_line = row.line;
        rec.metadata = row.metadata;
        rec.inputs = p.inputs;
        rec.content_hash = u.content_hash;
        rec.host = host_name();
        rec.rank = 0;
        rec.started_at = rec.finished_at = now;
        const store::StudyRecord* prior = nullptr;
        if (auto it = existing_by_id_.find(unit_key(row.study_id, rec.perturbation)); it != existing_by_id_.end()) prior = it->second;
        if (!row.error.empty()) {
            ++failed_;
            // A row broken in today's manifest does not destroy what an earlier run stored: the
            // issue is reported and kept in /manifest_issues, the stored record stays.
            if (prior && (prior->status == "ok" || prior->status == "vanished")) continue;
            rec.status = "error";
            rec.error_kind = "manifest";
            rec.message = row.error;
            add_record(std::move(rec));
            continue;
        }
        if (!p.missing.empty()) {
            if (prior && (prior->status == "ok" || prior->status == "vanished")) {
                if (prior->status == "vanished") {
                    ++skipped_;
                    continue;
                }
                // Inputs gone: keep the study's rows, mark the record.
                store::StudyRecord v = *prior;
                v.status = "vanished";
                v.message = "input vanished: " + p.missing + " (rows kept from run " + prior->run_id + ")";
                v.finished_at = now;
                ++vanished_;
                carry_forward(std::move(v));
                log::warn(batch_.studies.back().study_id + ": " + batch_.studies.back().message);
                continue;
            }
            rec.status = "error";
            rec.error_kind = "io";
            rec.message = p.missing + ": file not found";
            ++failed_;
            add_record(std::move(rec));
            log_failure_before_start(batch_.studies.back());
            continue;
        }
        if (!p.io_error.empty()) {
            rec.status = "error";
            rec.error_kind = "io";
            rec.message = p.io_error;
            ++failed_;
            add_record(std::move(rec));
            log_failure_before_start(batch_.studies.back());
            continue;
        }
        if (prior && prior->content_hash == u.content_hash &&
            (prior->status == "ok" || (prior->status == "error" && !cfg_.retry_errors))) {
            ++skipped_;
            // Unchanged inputs and settings, but the manifest's other columns (outcome, clinical
            // follow-up) changed: update the record, keep the features.
            auto stored_manifest_columns = prior->metadata;
            std::erase_if(stored_manifest_columns, [](const auto& kv) { return kv.first.rfind("dicom_", 0) == 0; });
            if (stored_manifest_columns != row.metadata || prior->manifest_line != row.line) {
                store::StudyRecord u = *prior;
                std::erase_if(u.metadata, [](const auto& kv) { return kv.first.rfind("dicom_", 0) != 0; });
                u.metadata.insert(u.metadata.begin(), row.metadata.begin(), row.metadata.end());
                u.manifest_line = row.line;
                u.finished_at = now;
                carry_forward(std::move(u));
            }
            continue;
        }
        tasks_.push_back(unit_index);
    }
        }
    // Largest studies first (image file size), manifest order among equals: the long ones do not
    // end up alone at the tail of the run. A study's units stay consecutive (image reuse).
    std::stable_sort(tasks_.begin(), tasks_.end(), [&](std::size_t a, std::size_t b) {
        return planned_[units_[a].study].image_size > planned_[units_[b].study].image_size;
    });
}

void Master::handle(const StudyOutcome& o) {
    const Unit& u = units_.at(std::size_t(o.index));
    const PlannedStudy& p = planned_.at(u.study);
    store::StudyRecord rec;
    rec.study_id = p.row->study_id;
    rec.patient_id = p.row->patient_id;
    rec.perturbation = perturbation_id(u.perturbation);
    rec.manifest_line = p.row->line;
    rec.metadata = p.row->metadata;
    rec.metadata.insert(rec.metadata.end(), o.acquisition.begin(), o.acquisition.end());
    rec.inputs = p.inputs;
    rec.content_hash = u.content_hash;
    static_cast<store::UnitOutcome&>(rec) = o;  // status, error, host, rank, timings
    if (o.status == "ok" && log::enabled(log::Level::debug))
        log::debug(format("%s: ok on %s rank %d, %.3f s", unit_label(rec.study_id, rec.perturbation).c_str(), o.host.c_str(), o.rank,
                          o.total_s));
    // Stamped with rank 0's clock: reconciliation orders records by finished_at, and the nodes'
    // clocks need not agree.
    rec.finished_at = unix_now();
    rec.lesions = int(o.lesions.size());
    for (const auto& l : o.lesions) {
        if (l.names != batch_.features.columns) register_columns(l.names);
        batch_.features.add_row({rec.study_id, rec.patient_id, l.lesion, rec.perturbation}, l.names, l.values);
    }
    const auto paths = input_paths(rec.study_id);
    for (auto q : o.qc) {
        q.study_id = rec.study_id;
        scrub_qc(privacy_, q, paths);
        batch_.qc.push_back(std::move(q));
    }
    ++done_;
    if (o.status != "ok") {
        ++failed_;
        ++computed_failed_;
    }
    add_record(std::move(rec));
    const auto& stored = batch_.studies.back();
    if (o.status != "ok")  // a failure is a warning: it reaches SLURM logs, also under --quiet
        log::warn(format("%s failed on %s rank %d: %s: %s", unit_label(stored.study_id, stored.perturbation).c_str(), o.host.c_str(),
                         o.rank, o.error_kind.c_str(), stored.message.c_str()));
}

void Master::flush(const std::string& state) {
    run_.state = state;
    run_.finished_at = unix_now();
    run_.ok = std::int64_t(done_ - computed_failed_);
    run_.failed = std::int64_t(failed_ + manifest_failed_);
    run_.skipped = std::int64_t(skipped_);
    if (batch_.studies.empty() && batch_.manifest_issues.empty() && state == "running") return;
    batch_.runs = {run_};
    batch_.registry = registry_;
    batch_.perturbations = perturbation_records_;
    try {
        store::write_part(store_path_, batch_, cfg_.fsync);
    } catch (const std::exception& e) {
        // Disk full, quota, read-only remount: the part is absent (written under a temporary name),
        // everything flushed before stays readable, and a rerun resumes from it.
        throw Error(ErrorKind::io, std::string("store ") + store_path_ + ": cannot write results: " + e.what() +
                                       "; what was stored before is intact: free space (or fix the file system) and rerun the same "
                                       "command to resume");
    }
    const std::string vol = batch_.volume_column, surf = batch_.surface_column;
    batch_ = store::Contents{};
    batch_.volume_column = vol;
    batch_.surface_column = surf;
    t_last_flush_ = Clock::now();
}

void Master::progress(bool final) {
    log::ProgressState p;
    p.done = done_;
    p.failed = failed_;
    p.total = tasks_.size();
    p.elapsed_s = seconds_since(t_compute_start_);
    p.unit = wopt_.perturbations.empty() ? "studies" : "tasks";  // a sweep counts (study, perturbation) units
    p.final = final;
    log::progress(p);
    t_last_progress_ = Clock::now();
}

int Master::run(const std::string& job_text) {
    try {
        return run_job(job_text);
    } catch (const Error& e) {
        throw Error(e.kind(), privacy_.scrub(e.what()));
    } catch (const std::exception& e) {
        throw Error(ErrorKind::internal, privacy_.scrub(e.what()));
    }
}

int Master::run_job(const std::string& job_text) {
    t_start_ = Clock::now();
    manifest_path_ = !opt_.manifest.empty() ? opt_.manifest : cfg_.manifest;
    store_path_ = !opt_.store.empty() ? opt_.store : cfg_.store;
    if (manifest_path_.empty()) throw Error(ErrorKind::settings, "no manifest: give --manifest or `manifest:` in the job file");
    privacy_ = store::PathPrivacy(cfg_.privacy, manifest_path_);
    if (store_path_.empty()) throw Error(ErrorKind::settings, "no store: give --store or `store:` in the job file");
    if (fs::path(store_path_).extension() == ".h5")
        throw Error(ErrorKind::settings, store_path_ + ": the store is a directory (it holds store.h5 and parts); drop the .h5");
    check_store_writable(store_path_);
    run_.run_id = make_run_id();
    run_.command = privacy_.scrub(opt_.command_line);
    run_.job_text = privacy_.scrub(job_text);
    run_.radhpc_version = opt_.version;
    run_.git_hash = opt_.git_hash;
    run_.libraries = libraries_text();
    run_.host = host_name();
    run_.shard = opt_.shard;
    run_.ranks = size_;
    run_.started_at = unix_now();
    plan();
    plan_s_ = seconds_since(t_start_);
    log::info(format("%zu studies in %s (%zu manifest issues): %zu to compute, %zu already done, %zu failed before start, %zu vanished; %d rank(s)",
                     planned_.size(), privacy_.display(manifest_path_).c_str(), manifest_.issues.size(), tasks_.size(), skipped_, failed_, vanished_, size_));
    flush("running");

    // Dispatch: each worker keeps up to queue_depth studies so it never waits for the master.
    t_compute_start_ = t_last_progress_ = t_last_flush_ = Clock::now();
    const bool local = size_ == 1 || (cfg_.master_computes && !opt_.bench_master_only);
    std::unique_ptr<LocalWorker> local_worker;
    if (local) local_worker = std::make_unique<LocalWorker>(make_compute_());
    std::vector<int> outstanding(std::size_t(size_), 0);
    std::vector<bool> stopped(std::size_t(size_), false);
    std::size_t next = 0, received = 0;
    auto top_up = [&](int w) {
        if (w == 0 && !local) return;
        while (outstanding[std::size_t(w)] < cfg_.queue_depth && next < tasks_.size()) {
            const Unit& u = units_[tasks_[next]];
            const PlannedStudy& p = planned_[u.study];
            StudyTask t{tasks_[next], p.row->study_id, p.row->image, p.row->masks, p.row->labels, u.perturbation};
            ++next;
            ++outstanding[std::size_t(w)];
            if (w == 0) {
                local_worker->push(std::move(t));
            } else {
                const auto msg = encode(t);
                MPI_Send(msg.data(), int(msg.size()), MPI_BYTE, w, kTagTask, MPI_COMM_WORLD);
            }
        }
        if (outstanding[std::size_t(w)] == 0 && next >= tasks_.size() && !stopped[std::size_t(w)]) {
            stopped[std::size_t(w)] = true;
            if (w == 0) local_worker->stop();
            else MPI_Send(nullptr, 0, MPI_BYTE, w, kTagStop, MPI_COMM_WORLD);
        }
    };
    for (int w = 0; w < size_; ++w) top_up(w);
    Backoff backoff;
    std::vector<char> buf;
    std::vector<std::vector<std::string>> names_by_rank(static_cast<std::size_t>(size_));  // see encode()
    while (received < tasks_.size()) {
        bool progressed = false;
        int flag = 0;
        MPI_Status st;
        const auto t_busy = Clock::now();
        while (MPI_Iprobe(MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &flag, &st), flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            buf.resize(std::size_t(std::max(n, 1)));
            MPI_Recv(buf.data(), n, MPI_BYTE, st.MPI_SOURCE, kTagResult, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            handle(decode_outcome(buf.data(), std::size_t(n), names_by_rank[std::size_t(st.MPI_SOURCE)]));
            ++received;
            --outstanding[std::size_t(st.MPI_SOURCE)];
            top_up(st.MPI_SOURCE);
            progressed = true;
        }
        StudyOutcome o;
        while (local_worker && local_worker->pop_result(o)) {
            handle(o);
            ++received;
            --outstanding[0];
            top_up(0);
            progressed = true;
        }
        if (g_stop_signal) {
            flush("interrupted");
            std::fprintf(stderr, "radhpc: signal %d: stored %zu studies of this run; rerun the same command to resume\n",
                         int(g_stop_signal), done_);
            std::fflush(stderr);
            if (size_ > 1) MPI_Abort(MPI_COMM_WORLD, 99);
            std::_Exit(99);
        }
        if (batch_.studies.size() >= cfg_.flush_results ||
            (!batch_.studies.empty() && seconds_since(t_last_flush_) >= cfg_.flush_interval_s))
            flush("running");
        if (progressed) busy_s_ += seconds_since(t_busy);
        // On a terminal the line is redrawn every second; in logs a line per progress interval.
        if (seconds_since(t_last_progress_) >= (progress_on_terminal_ ? std::min(1.0, cfg_.progress_interval_s) : cfg_.progress_interval_s))
            progress(false);
        if (progressed) backoff.busy();
        else backoff.idle();
    }
    for (int w = 0; w < size_; ++w) top_up(w);  // stops every worker that has not been stopped
    local_worker.reset();
    loop_s_ = seconds_since(t_compute_start_);
    progress(true);

    const auto t_cons = Clock::now();
    flush("running");
    std::vector<std::string> parts_read;
    store::Contents all = store::load(store_path_, &parts_read);
    run_.state = "complete";
    run_.finished_at = unix_now();
    for (auto& r : all.runs)
        if (r.run_id == run_.run_id) r = run_;
    if (std::none_of(all.runs.begin(), all.runs.end(), [&](const store::RunRecord& r) { return r.run_id == run_.run_id; }))
        all.runs.push_back(run_);
    apply_privacy(all);
    signature_stage(all, job_text, opt_.job_path, !opt_.shard.empty());  // the job's `signature`, if any
    store::consolidate(store_path_, std::move(all), cfg_.fsync, &parts_read);
    consolidate_s_ = seconds_since(t_cons);

    const std::size_t failed_total = failed_ + manifest_failed_;
    log::info(format("timing: plan %.3f s, compute %.3f s, consolidate %.3f s; master busy %.1f us per result", plan_s_, loop_s_,
                     consolidate_s_, done_ > 0 ? 1e6 * busy_s_ / double(done_) : 0.0));
    // A sweep counts (study, perturbation) units.
    const std::string sweep_units = wopt_.perturbations.empty() ? std::string()
                                    : " x " + std::to_string(wopt_.perturbations.size()) + " perturbations = " +
                                          std::to_string(units_.size()) + " units";
    std::printf("radhpc run: %zu studies%s: %zu computed (%zu ok), %zu skipped (unchanged), %zu vanished, %zu failed; store %s\n",
                planned_.size() + manifest_failed_, sweep_units.c_str(), done_, done_ - computed_failed_, skipped_, vanished_,
                failed_total, store_path_.c_str());
    std::fflush(stdout);
    return failed_total > 0 ? 1 : 0;
}

}  // namespace

WorkerOptions make_worker_options(const std::string& text, const std::string& job_path, const std::string& version) {
    const io::JobSettings job = io::parse_job_text(text, job_path);
    const RunConfig cfg = parse_run_config(text, version);
    WorkerOptions w;
    w.settings = job.settings;
    w.diagnostics = job.output.diagnostics;
    w.lesion_mode = cfg.lesion_mode;
    w.min_lesion_voxels = cfg.min_lesion_voxels;
    w.min_lesion_volume_mm3 = cfg.min_lesion_volume_mm3;
    w.time_limit_s = cfg.time_limit_s;
    w.memory_budget_mb = cfg.memory_budget_mb;
    w.perturbations = job_perturbations(job);
    return w;
}

int run(const RunOptions& options, int& argc, char**& argv) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    log::configure(log::level(), rank);  // lines of ranks > 0 name their rank
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node);
    int node_size = 1;
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    // Rank 0 flushes what it has and ends the job on these (SLURM time limit, scancel, Ctrl-C);
    // other ranks ignore them and are ended with the job.
    if (rank == 0) {
        std::signal(SIGTERM, on_stop_signal);
        std::signal(SIGINT, on_stop_signal);
        std::signal(SIGUSR1, on_stop_signal);
        // A file-size limit (ulimit -f, RLIMIT_FSIZE) makes the store write fail with EFBIG, a clear
        // io error, instead of killing the writer with SIGXFSZ. (A small limit also stops Open
        // MPI's PMIx shared-memory files; the disk-full test uses a tmpfs instead.)
        std::signal(SIGXFSZ, SIG_IGN);
    } else {
        std::signal(SIGTERM, SIG_IGN);
        std::signal(SIGUSR1, SIG_IGN);
    }

    // The job text is read once and broadcast: every rank parses the same settings.
    std::string text, read_error;
    if (rank == 0) {
        try {
            text = io::read_job_file(options.job_path).text;
        } catch (const std::exception& e) {
            read_error = e.what();
        }
    }
    std::uint64_t len = text.size();
    MPI_Bcast(&len, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    text.resize(len);
    if (len > 0) MPI_Bcast(text.data(), int(len), MPI_CHAR, 0, MPI_COMM_WORLD);
    if (len == 0) {
        MPI_Finalize();
        if (rank == 0) throw Error(ErrorKind::settings, read_error.empty() ? options.job_path + ": empty job file" : read_error);
        return 0;
    }

    int status = 0;
    std::string error;
    ErrorKind error_kind = ErrorKind::internal;
    try {
        const io::JobSettings job = io::parse_job_text(text, options.job_path);
        if (rank == 0 && job.signature) signature_preflight(*job.signature);
        RunConfig cfg = parse_run_config(text, options.version);
        cfg.privacy = store::parse_path_mode(job.privacy_paths);
        WorkerOptions w = make_worker_options(text, options.job_path, options.version);
        if (w.memory_budget_mb <= 0) w.memory_budget_mb = default_memory_budget_mb(node_size);
        w.settings.memory_budget_mb = w.memory_budget_mb;  // each lesion's grids are held to it too
        w.noop_features = options.bench_noop_features;
        int threads = options.threads > 0 ? options.threads : cfg.threads;
        if (threads <= 0) threads = std::max(1, int(std::thread::hardware_concurrency()) / std::max(1, node_size));
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
        // How a worker computes a study: in a supervised study process (default), or in the rank
        // itself (run.isolation: none; a crash then takes the rank and the run down).
        auto make_compute = [&, threads, rank]() -> ComputeFn {
            if (!cfg.isolate) return [&w, rank](const StudyTask& t) { return compute_study(t, w, rank); };
            ChildSetup setup{text, options.job_path, options.version, w.memory_budget_mb, w.noop_features, threads, rank,
                             int(log::level())};
            auto sup = std::make_shared<StudySupervisor>(std::move(setup), w.time_limit_s);
            return [sup](const StudyTask& t) { return sup->run(t); };
        };
        if (rank == 0) {
            Master master(options, cfg, w, size, make_compute);
            try {
                status = master.run(text);
            } catch (...) {
                // Release the workers before reporting: they wait for tasks or a stop.
                for (int r = 1; r < size; ++r) MPI_Send(nullptr, 0, MPI_BYTE, r, kTagStop, MPI_COMM_WORLD);
                throw;
            }
            if (options.after_run) options.after_run(!options.store.empty() ? options.store : cfg.store, text);
        } else {
            remote_worker(make_compute());
        }
    } catch (const Error& e) {
        error = e.what();
        error_kind = e.kind();
    } catch (const std::exception& e) {
        error = e.what();
    }
    MPI_Finalize();
    if (!error.empty()) throw Error(error_kind, error);
    if (abandoned_threads()) {
        std::fflush(stdout);
        std::fflush(stderr);
        std::_Exit(status);  // a runaway study thread is still running: skip static destructors
    }
    return status;
}

}  // namespace radhpc::dist
