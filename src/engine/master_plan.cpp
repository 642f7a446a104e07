// Rank 0's plan of a run: manifest x store -> units of work (or records made without computing:
// failed rows, missing inputs, vanished studies, unchanged units). See master.hpp.
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <optional>

#include "master.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/store/hash.hpp"
#include "run_inputs.hpp"
#include "sweep.hpp"

namespace radhpc::engine {
namespace {

// A study that fails while planning (input missing or unreadable) is a warning like a failed computation.
void log_failure_before_start(const store::StudyRecord& r) {
    log::warn(store::unit_label(r.study_id, r.perturbation) + " failed before start: " + r.error_kind + ": " + r.message);
}

}  // namespace

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
        planned_[i].row = rows[i];
        if (planned_[i].row->error.empty()) plan_inputs(planned_[i]);
    });
    const double now = unix_now();
    // Without a sweep one unit per study (the original lesion); a sweep has one per perturbation,
    // each with its own content hash (study hash + the perturbation's steps and seed).
    const int sweep_size = int(wopt_.perturbations.size());
    for (std::size_t i = 0; i < planned_.size(); ++i)
        for (int k = sweep_size > 0 ? 0 : -1; k < std::max(sweep_size, 0); ++k) plan_unit(i, k, now);
    // Largest studies first (image file size), manifest order among equals: the long ones do not
    // end up alone at the tail of the run. A study's units stay consecutive (image reuse).
    std::stable_sort(tasks_.begin(), tasks_.end(), [&](std::size_t a, std::size_t b) {
        return planned_[units_[a].study].image_size > planned_[units_[b].study].image_size;
    });
}

void Master::plan_inputs(PlannedStudy& p) const {
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
        if (prior && !cfg_.run.checksums_always)
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
}

void Master::plan_unit(std::size_t i, int k, double now) {
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
        if (prior && (prior->status == "ok" || prior->status == "vanished")) return;
        rec.status = "error";
        rec.error_kind = "manifest";
        rec.message = row.error;
        add_record(std::move(rec));
        return;
    }
    if (!p.missing.empty()) {
        if (prior && (prior->status == "ok" || prior->status == "vanished")) {
            if (prior->status == "vanished") {
                ++skipped_;
                return;
            }
            // Inputs gone: keep the study's rows, mark the record.
            store::StudyRecord v = *prior;
            v.status = "vanished";
            v.message = "input vanished: " + p.missing + " (rows kept from run " + prior->run_id + ")";
            v.finished_at = now;
            ++vanished_;
            carry_forward(std::move(v));
            log::warn(batch_.studies.back().study_id + ": " + batch_.studies.back().message);
            return;
        }
        rec.status = "error";
        rec.error_kind = "io";
        rec.message = p.missing + ": file not found";
        ++failed_;
        add_record(std::move(rec));
        log_failure_before_start(batch_.studies.back());
        return;
    }
    if (!p.io_error.empty()) {
        rec.status = "error";
        rec.error_kind = "io";
        rec.message = p.io_error;
        ++failed_;
        add_record(std::move(rec));
        log_failure_before_start(batch_.studies.back());
        return;
    }
    if (prior && prior->content_hash == u.content_hash &&
        (prior->status == "ok" || (prior->status == "error" && !cfg_.run.retry_errors))) {
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
        return;
    }
    tasks_.push_back(unit_index);
}

}  // namespace radhpc::engine
