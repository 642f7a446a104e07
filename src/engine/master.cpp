// Rank 0 of `radhpc run`; see master.hpp.
#include "master.hpp"

#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1  // C API only
#endif
#include <mpi.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "radhpc/core/error.hpp"
#include "radhpc/engine/signature_stage.hpp"
#include "radhpc/features/registry.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/store/hash.hpp"
#include "run_inputs.hpp"
#include "sweep.hpp"
#include "wire.hpp"

namespace radhpc::engine {
namespace fs = std::filesystem;

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }

namespace {

// printf-style text for the log lines.
template <class... Args>
std::string format(const char* fmt, Args... args) {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    std::string out(std::size_t(n > 0 ? n : 0), '\0');
    std::snprintf(out.data(), out.size() + 1, fmt, args...);
    return out;
}



// A QC row's cells with the study's paths in the privacy.paths form.
void scrub_qc(const store::PathPrivacy& privacy, store::QcRow& q, const std::vector<std::string>& paths) {
    q.observed = privacy.scrub(q.observed, paths);
    q.expected = privacy.scrub(q.expected, paths);
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

void Master::register_columns(const std::vector<std::string>& names) {
    for (const auto& n : names) {
        if (!known_columns_.insert(n).second) continue;
        const features::FeatureInfo* f = features::find_feature(n);
        store::RegistryEntry e{n, n, "", "", "", ""};
        if (!f) {
            // a filtered image's feature: the row of its key, the names prefixed with the image's
            if (const auto p = features::split_image_prefix(n)) {
                const features::FeatureInfo& k = *p->info;
                e = {n,
                     p->prefix + "_" + std::string(k.tag),
                     std::string(k.ibsi_code),
                     k.pyradiomics_name.empty() ? std::string() : p->prefix + "_" + std::string(features::pyradiomics_class_name(k)),
                     std::string(k.family),
                     std::string(k.unit)};
            }
        } else {
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
        log::debug(format("%s: ok on %s rank %d, %.3f s", store::unit_label(rec.study_id, rec.perturbation).c_str(), o.host.c_str(), o.rank,
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
        log::warn(format("%s failed on %s rank %d: %s: %s", store::unit_label(stored.study_id, stored.perturbation).c_str(), o.host.c_str(),
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
        store::write_part(store_path_, batch_, cfg_.run.fsync);
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

    compute_all();
    return finish(job_text);

}

void Master::compute_all() {
    // Dispatch: each worker keeps up to queue_depth studies so it never waits for the master.
    t_compute_start_ = t_last_progress_ = t_last_flush_ = Clock::now();
    const bool local = size_ == 1 || (cfg_.run.master_computes && !opt_.bench_master_only);
    std::unique_ptr<LocalWorker> local_worker;
    if (local) local_worker = std::make_unique<LocalWorker>(make_compute_());
    std::vector<int> outstanding(std::size_t(size_), 0);
    std::vector<bool> stopped(std::size_t(size_), false);
    std::size_t next = 0, received = 0;
    auto top_up = [&](int w) {
        if (w == 0 && !local) return;
        while (outstanding[std::size_t(w)] < cfg_.run.queue_depth && next < tasks_.size()) {
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
        if (batch_.studies.size() >= cfg_.run.flush_results ||
            (!batch_.studies.empty() && seconds_since(t_last_flush_) >= cfg_.run.flush_interval_s))
            flush("running");
        if (progressed) busy_s_ += seconds_since(t_busy);
        // On a terminal the line is redrawn every second; in logs a line per progress interval.
        if (seconds_since(t_last_progress_) >= (progress_on_terminal_ ? std::min(1.0, cfg_.run.progress_interval_s) : cfg_.run.progress_interval_s))
            progress(false);
        if (progressed) backoff.busy();
        else backoff.idle();
    }
    for (int w = 0; w < size_; ++w) top_up(w);  // stops every worker that has not been stopped
    local_worker.reset();
    loop_s_ = seconds_since(t_compute_start_);
    progress(true);
}

int Master::finish(const std::string& job_text) {
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
    store::consolidate(store_path_, std::move(all), cfg_.run.fsync, &parts_read);
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

}  // namespace radhpc::engine
