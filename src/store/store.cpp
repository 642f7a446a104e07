// Store files: one HDF5 layout (schemas/store_layout.md) for the consolidated file and the parts.
#include "radhpc/store/store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <tuple>
#include <unordered_map>

#include "h5.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "robustness_h5.hpp"
#include "longitudinal_h5.hpp"
#include "validation_h5.hpp"
#include "signature_h5.hpp"

namespace radhpc::store {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using h5::at_or;
using h5::column_of;

void fsync_path(const fs::path& p, bool directory) {
    const int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// Writes a whole file; every failure (ENOSPC, EDQUOT, EROFS, EIO, also from fsync and close,
// where NFS and quotas report them) is an Error naming the file and the reason.
void write_bytes(const fs::path& p, const std::vector<char>& bytes, bool sync) {
    auto fail = [&](const char* what) {
        const int e = errno;
        throw Error(ErrorKind::io, p.string() + ": cannot " + what + ": " + std::strerror(e));
    };
    const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) fail("create");
    const char* d = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t k = ::write(fd, d, left);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) {
            if (k == 0) errno = ENOSPC;
            const int e = errno;
            ::close(fd);
            errno = e;
            fail("write");
        }
        d += k;
        left -= std::size_t(k);
    }
    if (sync && ::fsync(fd) != 0) {
        const int e = errno;
        ::close(fd);
        errno = e;
        fail("fsync");
    }
    if (::close(fd) != 0) fail("close");
}

std::string unique_suffix() {
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    return std::to_string(::getpid()) + "-" + std::to_string(rd()) + "-" + std::to_string(counter++);
}

void write_contents(hid_t file, const Contents& c, bool compress) {
    h5::write_attr_string(file, "format", "radhpc-store");
    h5::write_attr_i64(file, "format_version", kFormatVersion);
    h5::write_attr_string(file, "volume_column", c.volume_column);
    h5::write_attr_string(file, "surface_column", c.surface_column);

    {
        h5::Id g = h5::create_group(file, "features");
        const auto& t = c.features;
        h5::write_strings(g, "columns", t.columns);
        h5::write_strings(g, "study_id", column_of<std::string>(t.keys, [](const RowKey& k) { return k.study_id; }));
        h5::write_strings(g, "patient_id", column_of<std::string>(t.keys, [](const RowKey& k) { return k.patient_id; }));
        h5::write_i64(g, "lesion", column_of<std::int64_t>(t.keys, [](const RowKey& k) { return k.lesion; }));
        h5::write_strings(g, "perturbation", column_of<std::string>(t.keys, [](const RowKey& k) { return k.perturbation; }));
        h5::write_matrix(g, "values", t.values, t.rows(), t.columns.size(), compress);
    }
    {
        h5::Id g = h5::create_group(file, "registry");
        const auto& r = c.registry;
        h5::write_strings(g, "column", column_of<std::string>(r, [](const RegistryEntry& e) { return e.column; }));
        h5::write_strings(g, "tag", column_of<std::string>(r, [](const RegistryEntry& e) { return e.tag; }));
        h5::write_strings(g, "ibsi_code", column_of<std::string>(r, [](const RegistryEntry& e) { return e.ibsi_code; }));
        h5::write_strings(g, "pyradiomics_name", column_of<std::string>(r, [](const RegistryEntry& e) { return e.pyradiomics_name; }));
        h5::write_strings(g, "family", column_of<std::string>(r, [](const RegistryEntry& e) { return e.family; }));
        h5::write_strings(g, "unit", column_of<std::string>(r, [](const RegistryEntry& e) { return e.unit; }));
    }
    {
        h5::Id g = h5::create_group(file, "studies");
        const auto& s = c.studies;
        h5::write_strings(g, "study_id", column_of<std::string>(s, [](const StudyRecord& r) { return r.study_id; }));
        h5::write_strings(g, "patient_id", column_of<std::string>(s, [](const StudyRecord& r) { return r.patient_id; }));
        h5::write_strings(g, "perturbation", column_of<std::string>(s, [](const StudyRecord& r) { return r.perturbation; }));
        h5::write_strings(g, "status", column_of<std::string>(s, [](const StudyRecord& r) { return r.status; }));
        h5::write_strings(g, "error_kind", column_of<std::string>(s, [](const StudyRecord& r) { return r.error_kind; }));
        h5::write_strings(g, "message", column_of<std::string>(s, [](const StudyRecord& r) { return r.message; }));
        h5::write_strings(g, "content_hash", column_of<std::string>(s, [](const StudyRecord& r) { return r.content_hash; }));
        h5::write_strings(g, "host", column_of<std::string>(s, [](const StudyRecord& r) { return r.host; }));
        h5::write_strings(g, "run_id", column_of<std::string>(s, [](const StudyRecord& r) { return r.run_id; }));
        h5::write_i64(g, "rank", column_of<std::int64_t>(s, [](const StudyRecord& r) { return r.rank; }));
        h5::write_i64(g, "lesions", column_of<std::int64_t>(s, [](const StudyRecord& r) { return r.lesions; }));
        h5::write_i64(g, "manifest_line", column_of<std::int64_t>(s, [](const StudyRecord& r) { return r.manifest_line; }));
        h5::write_i64(g, "sequence", column_of<std::int64_t>(s, [](const StudyRecord& r) { return r.sequence; }));
        h5::write_f64(g, "read_s", column_of<double>(s, [](const StudyRecord& r) { return r.read_s; }));
        h5::write_f64(g, "preprocess_s", column_of<double>(s, [](const StudyRecord& r) { return r.preprocess_s; }));
        h5::write_f64(g, "features_s", column_of<double>(s, [](const StudyRecord& r) { return r.features_s; }));
        h5::write_f64(g, "total_s", column_of<double>(s, [](const StudyRecord& r) { return r.total_s; }));
        h5::write_f64(g, "started_at", column_of<double>(s, [](const StudyRecord& r) { return r.started_at; }));
        h5::write_f64(g, "finished_at", column_of<double>(s, [](const StudyRecord& r) { return r.finished_at; }));
    }
    {
        std::vector<std::string> sid, role, path, sum;
        std::vector<std::int64_t> size, mtime;
        std::vector<std::string> msid, key, value;
        std::set<std::string> listed;  // a sweep has one record per (study, perturbation): inputs once per study
        for (const auto& r : c.studies) {
            if (!listed.insert(r.study_id).second) continue;
            for (const auto& f : r.inputs) {
                sid.push_back(r.study_id);
                role.push_back(f.role);
                path.push_back(f.path);
                sum.push_back(f.checksum);
                size.push_back(static_cast<std::int64_t>(f.size));
                mtime.push_back(f.mtime_ns);
            }
            for (const auto& [k, v] : r.metadata) {
                msid.push_back(r.study_id);
                key.push_back(k);
                value.push_back(v);
            }
        }
        h5::Id g = h5::create_group(file, "inputs");
        h5::write_strings(g, "study_id", sid);
        h5::write_strings(g, "role", role);
        h5::write_strings(g, "path", path);
        h5::write_strings(g, "checksum", sum);
        h5::write_i64(g, "size", size);
        h5::write_i64(g, "mtime_ns", mtime);
        h5::Id m = h5::create_group(file, "metadata");
        h5::write_strings(m, "study_id", msid);
        h5::write_strings(m, "key", key);
        h5::write_strings(m, "value", value);
    }
    {
        h5::Id g = h5::create_group(file, "provenance");
        const auto& r = c.runs;
        h5::write_strings(g, "run_id", column_of<std::string>(r, [](const RunRecord& x) { return x.run_id; }));
        h5::write_strings(g, "state", column_of<std::string>(r, [](const RunRecord& x) { return x.state; }));
        h5::write_strings(g, "command", column_of<std::string>(r, [](const RunRecord& x) { return x.command; }));
        h5::write_strings(g, "job_text", column_of<std::string>(r, [](const RunRecord& x) { return x.job_text; }));
        h5::write_strings(g, "radhpc_version", column_of<std::string>(r, [](const RunRecord& x) { return x.radhpc_version; }));
        h5::write_strings(g, "git_hash", column_of<std::string>(r, [](const RunRecord& x) { return x.git_hash; }));
        h5::write_strings(g, "libraries", column_of<std::string>(r, [](const RunRecord& x) { return x.libraries; }));
        h5::write_strings(g, "host", column_of<std::string>(r, [](const RunRecord& x) { return x.host; }));
        h5::write_strings(g, "shard", column_of<std::string>(r, [](const RunRecord& x) { return x.shard; }));
        h5::write_f64(g, "started_at", column_of<double>(r, [](const RunRecord& x) { return x.started_at; }));
        h5::write_f64(g, "finished_at", column_of<double>(r, [](const RunRecord& x) { return x.finished_at; }));
        h5::write_i64(g, "ranks", column_of<std::int64_t>(r, [](const RunRecord& x) { return x.ranks; }));
        h5::write_i64(g, "ok", column_of<std::int64_t>(r, [](const RunRecord& x) { return x.ok; }));
        h5::write_i64(g, "failed", column_of<std::int64_t>(r, [](const RunRecord& x) { return x.failed; }));
        h5::write_i64(g, "skipped", column_of<std::int64_t>(r, [](const RunRecord& x) { return x.skipped; }));
    }
    {
        h5::Id g = h5::create_group(file, "manifest_issues");
        const auto& m = c.manifest_issues;
        h5::write_strings(g, "run_id", column_of<std::string>(m, [](const ManifestIssue& x) { return x.run_id; }));
        h5::write_i64(g, "line", column_of<std::int64_t>(m, [](const ManifestIssue& x) { return x.line; }));
        h5::write_i64(g, "column", column_of<std::int64_t>(m, [](const ManifestIssue& x) { return x.column; }));
        h5::write_strings(g, "study_id", column_of<std::string>(m, [](const ManifestIssue& x) { return x.study_id; }));
        h5::write_strings(g, "message", column_of<std::string>(m, [](const ManifestIssue& x) { return x.message; }));
    }
    {
        h5::Id g = h5::create_group(file, "patients");
        h5::write_strings(g, "columns", c.patients.columns);
        h5::write_strings(g, "patient_id", c.patients.patient_ids);
        h5::write_matrix(g, "values", c.patients.values, c.patients.patient_ids.size(), c.patients.columns.size(), compress);
    }
    {
        h5::Id g = h5::create_group(file, "qc");
        const auto& q = c.qc;
        h5::write_strings(g, "study_id", column_of<std::string>(q, [](const QcRow& x) { return x.study_id; }));
        h5::write_strings(g, "series_id", column_of<std::string>(q, [](const QcRow& x) { return x.series_id; }));
        h5::write_strings(g, "check", column_of<std::string>(q, [](const QcRow& x) { return x.check; }));
        h5::write_strings(g, "status", column_of<std::string>(q, [](const QcRow& x) { return x.status; }));
        h5::write_strings(g, "observed", column_of<std::string>(q, [](const QcRow& x) { return x.observed; }));
        h5::write_strings(g, "expected", column_of<std::string>(q, [](const QcRow& x) { return x.expected; }));
    }
    write_sweep_groups(file, c.perturbations, c.robustness, compress);
    write_signature_group(file, c.signatures);
    write_validation_group(file, c.validations, compress);
    write_longitudinal_group(file, c.longitudinal, compress);
}

Contents read_contents(hid_t file, const std::string& path) {
    if (h5::read_attr_string(file, "format") != "radhpc-store")
        throw Error(ErrorKind::io, path + ": not a radhpc store (attribute format != radhpc-store)");
    const auto version = h5::read_attr_i64(file, "format_version", 0);
    if (version > kFormatVersion)
        throw Error(ErrorKind::io, path + ": store format version " + std::to_string(version) + " is newer than this radhpc (" +
                                       std::to_string(kFormatVersion) + ")");
    Contents c;
    c.volume_column = h5::read_attr_string(file, "volume_column");
    c.surface_column = h5::read_attr_string(file, "surface_column");
    const std::string empty;
    if (h5::Id g = h5::open_group_if_exists(file, "features"); g >= 0) {
        auto& t = c.features;
        t.columns = h5::read_strings(g, "columns");
        const auto sid = h5::read_strings(g, "study_id");
        const auto pid = h5::read_strings(g, "patient_id");
        const auto les = h5::read_i64(g, "lesion");
        const auto per = h5::read_strings(g, "perturbation");
        std::size_t rows = 0, cols = 0;
        t.values = h5::read_matrix(g, "values", rows, cols);
        if (rows != sid.size() || cols != t.columns.size())
            throw Error(ErrorKind::io, path + ": /features/values shape does not match its keys and columns");
        for (std::size_t i = 0; i < rows; ++i)
            t.keys.push_back({sid[i], at_or(pid, i, empty), int(at_or<std::int64_t>(les, i, 0)), at_or(per, i, std::string("none"))});
    }
    if (h5::Id g = h5::open_group_if_exists(file, "registry"); g >= 0) {
        const auto col = h5::read_strings(g, "column"), tag = h5::read_strings(g, "tag"),
                   code = h5::read_strings(g, "ibsi_code"), pyr = h5::read_strings(g, "pyradiomics_name"),
                   fam = h5::read_strings(g, "family"), unit = h5::read_strings(g, "unit");
        for (std::size_t i = 0; i < col.size(); ++i)
            c.registry.push_back({col[i], at_or(tag, i, empty), at_or(code, i, empty), at_or(pyr, i, empty),
                                  at_or(fam, i, empty), at_or(unit, i, empty)});
    }
    std::unordered_map<std::string, std::vector<std::size_t>> study_index;  // records of a study id (one per sweep unit)
    if (h5::Id g = h5::open_group_if_exists(file, "studies"); g >= 0) {
        const auto sid = h5::read_strings(g, "study_id");
        const auto per = h5::read_strings(g, "perturbation");
        const auto pid = h5::read_strings(g, "patient_id"), status = h5::read_strings(g, "status"),
                   kind = h5::read_strings(g, "error_kind"), msg = h5::read_strings(g, "message"),
                   hash = h5::read_strings(g, "content_hash"), host = h5::read_strings(g, "host"),
                   run = h5::read_strings(g, "run_id");
        const auto rank = h5::read_i64(g, "rank"), lesions = h5::read_i64(g, "lesions"),
                   line = h5::read_i64(g, "manifest_line"), seq = h5::read_i64(g, "sequence");
        const auto rd = h5::read_f64(g, "read_s"), pre = h5::read_f64(g, "preprocess_s"), fe = h5::read_f64(g, "features_s"),
                   tot = h5::read_f64(g, "total_s"), st = h5::read_f64(g, "started_at"), fin = h5::read_f64(g, "finished_at");
        for (std::size_t i = 0; i < sid.size(); ++i) {
            StudyRecord r;
            r.study_id = sid[i];
            r.patient_id = at_or(pid, i, empty);
            r.perturbation = at_or(per, i, std::string("none"));
            r.status = at_or(status, i, empty);
            r.error_kind = at_or(kind, i, empty);
            r.message = at_or(msg, i, empty);
            r.content_hash = at_or(hash, i, empty);
            r.host = at_or(host, i, empty);
            r.run_id = at_or(run, i, empty);
            r.rank = int(at_or<std::int64_t>(rank, i, -1));
            r.lesions = int(at_or<std::int64_t>(lesions, i, 0));
            r.manifest_line = int(at_or<std::int64_t>(line, i, 0));
            r.sequence = std::uint64_t(at_or<std::int64_t>(seq, i, 0));
            r.read_s = at_or(rd, i, 0.0);
            r.preprocess_s = at_or(pre, i, 0.0);
            r.features_s = at_or(fe, i, 0.0);
            r.total_s = at_or(tot, i, 0.0);
            r.started_at = at_or(st, i, 0.0);
            r.finished_at = at_or(fin, i, 0.0);
            study_index[r.study_id].push_back(c.studies.size());
            c.studies.push_back(std::move(r));
        }
    }
    if (h5::Id g = h5::open_group_if_exists(file, "inputs"); g >= 0) {
        const auto sid = h5::read_strings(g, "study_id"), role = h5::read_strings(g, "role"),
                   path_ = h5::read_strings(g, "path"), sum = h5::read_strings(g, "checksum");
        const auto size = h5::read_i64(g, "size"), mtime = h5::read_i64(g, "mtime_ns");
        for (std::size_t i = 0; i < sid.size(); ++i) {
            auto it = study_index.find(sid[i]);
            if (it == study_index.end()) continue;
            for (auto k : it->second)
                c.studies[k].inputs.push_back({at_or(role, i, empty), at_or(path_, i, empty),
                                               std::uint64_t(at_or<std::int64_t>(size, i, 0)), at_or<std::int64_t>(mtime, i, 0),
                                               at_or(sum, i, empty)});
        }
    }
    if (h5::Id g = h5::open_group_if_exists(file, "metadata"); g >= 0) {
        const auto sid = h5::read_strings(g, "study_id"), key = h5::read_strings(g, "key"), value = h5::read_strings(g, "value");
        for (std::size_t i = 0; i < sid.size(); ++i) {
            auto it = study_index.find(sid[i]);
            if (it != study_index.end())
                for (auto k : it->second) c.studies[k].metadata.emplace_back(at_or(key, i, empty), at_or(value, i, empty));
        }
    }
    if (h5::Id g = h5::open_group_if_exists(file, "provenance"); g >= 0) {
        const auto id = h5::read_strings(g, "run_id"), state = h5::read_strings(g, "state"),
                   cmd = h5::read_strings(g, "command"), job = h5::read_strings(g, "job_text"),
                   ver = h5::read_strings(g, "radhpc_version"), git = h5::read_strings(g, "git_hash"),
                   libs = h5::read_strings(g, "libraries"), host = h5::read_strings(g, "host"),
                   shard = h5::read_strings(g, "shard");
        const auto st = h5::read_f64(g, "started_at"), fin = h5::read_f64(g, "finished_at");
        const auto ranks = h5::read_i64(g, "ranks"), ok = h5::read_i64(g, "ok"), failed = h5::read_i64(g, "failed"),
                   skipped = h5::read_i64(g, "skipped");
        for (std::size_t i = 0; i < id.size(); ++i) {
            RunRecord r;
            r.run_id = id[i];
            r.state = at_or(state, i, empty);
            r.command = at_or(cmd, i, empty);
            r.job_text = at_or(job, i, empty);
            r.radhpc_version = at_or(ver, i, empty);
            r.git_hash = at_or(git, i, empty);
            r.libraries = at_or(libs, i, empty);
            r.host = at_or(host, i, empty);
            r.shard = at_or(shard, i, empty);
            r.started_at = at_or(st, i, 0.0);
            r.finished_at = at_or(fin, i, 0.0);
            r.ranks = int(at_or<std::int64_t>(ranks, i, 1));
            r.ok = at_or<std::int64_t>(ok, i, 0);
            r.failed = at_or<std::int64_t>(failed, i, 0);
            r.skipped = at_or<std::int64_t>(skipped, i, 0);
            c.runs.push_back(std::move(r));
        }
    }
    if (h5::Id g = h5::open_group_if_exists(file, "manifest_issues"); g >= 0) {
        const auto run = h5::read_strings(g, "run_id"), sid = h5::read_strings(g, "study_id"),
                   msg = h5::read_strings(g, "message");
        const auto line = h5::read_i64(g, "line"), col = h5::read_i64(g, "column");
        for (std::size_t i = 0; i < run.size(); ++i)
            c.manifest_issues.push_back({run[i], int(at_or<std::int64_t>(line, i, 0)), int(at_or<std::int64_t>(col, i, 0)),
                                         at_or(sid, i, empty), at_or(msg, i, empty)});
    }
    if (h5::Id g = h5::open_group_if_exists(file, "qc"); g >= 0) {
        const auto sid = h5::read_strings(g, "study_id"), ser = h5::read_strings(g, "series_id"),
                   chk = h5::read_strings(g, "check"), st = h5::read_strings(g, "status"),
                   obs = h5::read_strings(g, "observed"), exp = h5::read_strings(g, "expected");
        for (std::size_t i = 0; i < sid.size(); ++i)
            c.qc.push_back({sid[i], at_or(ser, i, empty), at_or(chk, i, empty), at_or(st, i, empty), at_or(obs, i, empty),
                            at_or(exp, i, empty)});
    }
    if (h5::Id g = h5::open_group_if_exists(file, "patients"); g >= 0) {
        c.patients.columns = h5::read_strings(g, "columns");
        c.patients.patient_ids = h5::read_strings(g, "patient_id");
        std::size_t rows = 0, cols = 0;
        c.patients.values = h5::read_matrix(g, "values", rows, cols);
    }
    read_sweep_groups(file, c.perturbations, c.robustness);
    c.signatures = read_signature_group(file);
    c.validations = read_validation_group(file);
    c.longitudinal = read_longitudinal_group(file);
    return c;
}

bool row_less(const RowKey& a, const RowKey& b) {
    if (a.study_id != b.study_id) return a.study_id < b.study_id;
    if (a.lesion != b.lesion) return a.lesion < b.lesion;
    return a.perturbation < b.perturbation;
}

using text::csv_cell;

}  // namespace

void FeatureTable::add_row(RowKey key, const std::vector<std::string>& names, const std::vector<double>& row_values) {
    if (names.size() != row_values.size()) throw Error(ErrorKind::internal, "feature row: names and values differ in length");
    if (names == columns) {  // the common case: every row of a job has the same keys in the same order
        values.insert(values.end(), row_values.begin(), row_values.end());
        keys.push_back(std::move(key));
        return;
    }
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t j = 0; j < columns.size(); ++j) index.emplace(columns[j], j);
    const std::size_t old_cols = columns.size();
    for (const auto& n : names)
        if (index.emplace(n, columns.size()).second) columns.push_back(n);
    if (columns.size() != old_cols) {
        std::vector<double> widened(keys.size() * columns.size(), kNaN);
        for (std::size_t i = 0; i < keys.size(); ++i)
            std::copy_n(values.begin() + i * old_cols, old_cols, widened.begin() + i * columns.size());
        values = std::move(widened);
    }
    const std::size_t base = values.size();
    values.resize(base + columns.size(), kNaN);
    for (std::size_t j = 0; j < names.size(); ++j) values[base + index.at(names[j])] = row_values[j];
    keys.push_back(std::move(key));
}

void write_file(const Contents& contents, const std::string& path, bool sync, bool compress) {
    const fs::path target(path);
    const fs::path tmp = target.parent_path() / (".tmp-" + unique_suffix() + "-" + target.filename().string());
    try {
        std::vector<char> image;
        {
            h5::Id file = h5::create_memory_file();
            write_contents(file, contents, compress);
            image = h5::file_image(file);
        }  // closed here
        write_bytes(tmp, image, sync);
        fs::rename(tmp, target);
        if (sync) fsync_path(target.parent_path().empty() ? fs::path(".") : target.parent_path(), true);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
}

Contents read_file(const std::string& path) {
    h5::Id file = h5::open_file(path);
    return read_contents(file, path);
}

std::string main_file(const std::string& store_path) {
    if (fs::path(store_path).extension() == ".h5" && !fs::is_directory(store_path)) return store_path;
    return (fs::path(store_path) / "store.h5").string();
}

Contents load(const std::string& store_path, std::vector<std::string>* parts_read) {
    std::vector<Contents> parts;
    const std::string main = main_file(store_path);
    if (fs::exists(main)) parts.push_back(read_file(main));
    const fs::path dir = fs::path(store_path) / "parts";
    if (fs::is_directory(dir)) {
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir)) {
            const auto name = e.path().filename().string();
            if (name.rfind("part-", 0) == 0 && e.path().extension() == ".h5") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            parts.push_back(read_file(f.string()));
            if (parts_read) parts_read->push_back(f.string());
        }
    }
    if (parts.empty()) return {};
    Contents c = reconcile(std::move(parts));
    c.patients = patient_table(c);
    return c;
}

std::string write_part(const std::string& store_path, const Contents& batch, bool sync) {
    const fs::path dir = fs::path(store_path) / "parts";
    fs::create_directories(dir);
    // Names sort in writing order: nanoseconds since the epoch, then a unique suffix.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%020lld", static_cast<long long>(ns));
    const fs::path p = dir / ("part-" + std::string(stamp) + "-" + unique_suffix() + ".h5");
    write_file(batch, p.string(), sync, /*compress=*/false);  // short-lived: speed over size
    return p.string();
}

void consolidate(const std::string& store_path, Contents contents, bool sync, const std::vector<std::string>* parts_included) {
    fs::create_directories(store_path);
    std::vector<Contents> one;
    one.push_back(std::move(contents));
    Contents c = reconcile(std::move(one));
    c.patients = patient_table(c);
    write_file(c, main_file(store_path), sync);
    // Parts are now redundant (their records are in store.h5); a crash before this point only
    // leaves duplicates that reconcile removes.
    const fs::path dir = fs::path(store_path) / "parts";
    std::error_code ec;
    if (parts_included) {
        for (const auto& p : *parts_included) fs::remove(p, ec);
        fs::remove(dir, ec);  // only when empty
    } else if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator(dir, ec)) fs::remove(e.path(), ec);
        fs::remove(dir, ec);
    }
    // Temporaries of interrupted writers (a live writer's temporary is younger than a minute).
    const auto now = fs::file_time_type::clock::now();
    for (const auto& d : {fs::path(store_path), dir})
        for (const auto& e : fs::directory_iterator(d, ec))
            if (e.path().filename().string().rfind(".tmp-", 0) == 0 && now - fs::last_write_time(e.path(), ec) > std::chrono::minutes(1))
                fs::remove(e.path(), ec);
}

Contents reconcile(std::vector<Contents> parts) {
    // Winner per study: latest finish, then latest sequence, then ok before error, then the
    // lexicographically smaller hash (ties only arise when merging identical records).
    struct Pick {
        std::size_t part, index;
    };
    // Unit of work: (study, perturbation); "\x1f" sorts before every printable character, so a
    // study's units stay together and in perturbation order.
    auto unit = [](const std::string& study, const std::string& perturbation) { return study + '\x1f' + perturbation; };
    std::map<std::string, Pick> winner;
    auto better = [&](const StudyRecord& a, const StudyRecord& b) {
        if (a.finished_at != b.finished_at) return a.finished_at > b.finished_at;
        if (a.sequence != b.sequence) return a.sequence > b.sequence;
        if ((a.status == "ok") != (b.status == "ok")) return a.status == "ok";
        return a.content_hash < b.content_hash;
    };
    for (std::size_t p = 0; p < parts.size(); ++p)
        for (std::size_t i = 0; i < parts[p].studies.size(); ++i) {
            const auto& s = parts[p].studies[i];
            const std::string key = unit(s.study_id, s.perturbation);
            auto it = winner.find(key);
            if (it == winner.end() || better(s, parts[it->second.part].studies[it->second.index])) winner[key] = {p, i};
        }
    // The latest winning record of each study (QC rows travel with it; see below).
    std::map<std::string, Pick> study_winner;
    for (const auto& [key, pick] : winner) {
        const auto& s = parts[pick.part].studies[pick.index];
        auto it = study_winner.find(s.study_id);
        if (it == study_winner.end() || better(s, parts[it->second.part].studies[it->second.index])) study_winner[s.study_id] = pick;
    }
    Contents out;
    for (const auto& [id, pick] : winner) out.studies.push_back(std::move(parts[pick.part].studies[pick.index]));

    // Rows travel with their study's winning record.
    std::vector<std::pair<std::size_t, std::size_t>> rows;  // (part, row)
    for (std::size_t p = 0; p < parts.size(); ++p)
        for (std::size_t r = 0; r < parts[p].features.keys.size(); ++r) {
            const auto& k = parts[p].features.keys[r];
            auto it = winner.find(unit(k.study_id, k.perturbation));
            if (it != winner.end() && it->second.part == p) rows.emplace_back(p, r);
        }
    std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
        return row_less(parts[a.first].features.keys[a.second], parts[b.first].features.keys[b.second]);
    });
    std::vector<double> buf;
    for (const auto& [p, r] : rows) {
        const auto& t = parts[p].features;
        buf.assign(t.values.begin() + r * t.columns.size(), t.values.begin() + (r + 1) * t.columns.size());
        // Skip NaN cells so that a row never gains columns it did not have.
        std::vector<std::string> names;
        std::vector<double> vals;
        if (std::none_of(buf.begin(), buf.end(), [](double v) { return std::isnan(v); })) {
            out.features.add_row(t.keys[r], t.columns, buf);
            continue;
        }
        for (std::size_t j = 0; j < buf.size(); ++j)
            if (!std::isnan(buf[j])) {
                names.push_back(t.columns[j]);
                vals.push_back(buf[j]);
            }
        out.features.add_row(t.keys[r], names, vals);
    }

    // QC rows too (in their stored order within the study), from the part of the study's latest
    // winning record (a sweep sends them with each unit: duplicates within that part are dropped).
    std::set<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>> qc_seen;
    for (std::size_t p = 0; p < parts.size(); ++p)
        for (auto& q : parts[p].qc) {
            auto it = study_winner.find(q.study_id);
            if (it == study_winner.end() || it->second.part != p) continue;
            if (!qc_seen.emplace(q.study_id, q.series_id, q.check, q.status, q.observed, q.expected).second) continue;
            out.qc.push_back(std::move(q));
        }
    std::stable_sort(out.qc.begin(), out.qc.end(), [](const QcRow& a, const QcRow& b) { return a.study_id < b.study_id; });

    std::map<std::string, RegistryEntry> registry;
    std::map<std::string, RunRecord> runs;
    std::map<std::tuple<int, int, std::string, std::string>, ManifestIssue> issues;
    for (auto& part : parts) {
        for (auto& e : part.registry) registry.emplace(e.column, e);
        for (auto& r : part.runs) {
            auto it = runs.find(r.run_id);
            if (it == runs.end() || r.finished_at > it->second.finished_at ||
                (r.finished_at == it->second.finished_at && r.state == "complete"))
                runs[r.run_id] = r;
        }
        for (auto& m : part.manifest_issues) issues.emplace(std::make_tuple(m.line, m.column, m.study_id, m.message), m);
        if (part.robustness.computed_at > out.robustness.computed_at) out.robustness = std::move(part.robustness);
        if (part.longitudinal.computed_at > out.longitudinal.computed_at) out.longitudinal = std::move(part.longitudinal);
        merge_signatures(out.signatures, std::move(part.signatures));
        merge_validations(out.validations, std::move(part.validations));
        if (out.volume_column.empty()) out.volume_column = part.volume_column;
        if (out.surface_column.empty()) out.surface_column = part.surface_column;
    }
    for (const auto& col : out.features.columns) {
        auto it = registry.find(col);
        out.registry.push_back(it != registry.end() ? it->second : RegistryEntry{col, col, "", "", "", ""});
    }
    for (auto& [id, r] : runs) out.runs.push_back(r);
    std::sort(out.runs.begin(), out.runs.end(), [](const RunRecord& a, const RunRecord& b) {
        return a.started_at != b.started_at ? a.started_at < b.started_at : a.run_id < b.run_id;
    });
    for (auto& [k, m] : issues) out.manifest_issues.push_back(m);
    // Perturbation list: by id, a later part's definition wins (parts are in writing order).
    std::map<std::string, PerturbationRecord> perturbations;
    for (auto& part : parts)
        for (auto& pr : part.perturbations) perturbations[pr.id] = pr;
    for (auto& [id, pr] : perturbations) out.perturbations.push_back(std::move(pr));
    return out;
}

PatientTable patient_table(const Contents& c) {
    PatientTable pt;
    const auto& t = c.features;
    const std::size_t nc = t.columns.size();
    auto column_index = [&](const std::string& name) -> std::ptrdiff_t {
        if (name.empty()) return -1;
        auto it = std::find(t.columns.begin(), t.columns.end(), name);
        return it == t.columns.end() ? -1 : it - t.columns.begin();
    };
    const auto vol = column_index(c.volume_column), surf = column_index(c.surface_column);
    std::map<std::string, std::vector<std::size_t>> by_patient;  // rows in table order (sorted)
    for (std::size_t r = 0; r < t.rows(); ++r)
        if (t.keys[r].perturbation == "none") by_patient[t.keys[r].patient_id].push_back(r);  // sweeps: the original lesions
    pt.columns = {"lesion_count", "total_volume", "total_surface"};
    for (const auto& col : t.columns)
        for (const char* s : {"_mean", "_median", "_min", "_max"}) pt.columns.push_back(col + s);
    std::vector<double> v;
    for (const auto& [pid, rows] : by_patient) {
        pt.patient_ids.push_back(pid);
        auto sum_of = [&](std::ptrdiff_t j) {
            if (j < 0) return kNaN;
            double s = 0;
            for (auto r : rows) s += t.values[r * nc + std::size_t(j)];
            return s;
        };
        pt.values.push_back(double(rows.size()));
        pt.values.push_back(sum_of(vol));
        pt.values.push_back(sum_of(surf));
        for (std::size_t j = 0; j < nc; ++j) {
            v.clear();
            for (auto r : rows)
                if (!std::isnan(t.values[r * nc + j])) v.push_back(t.values[r * nc + j]);
            if (v.empty()) {
                pt.values.insert(pt.values.end(), 4, kNaN);
                continue;
            }
            double sum = 0;
            for (double x : v) sum += x;  // table order: deterministic
            std::sort(v.begin(), v.end());
            const std::size_t n = v.size();
            const double median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
            pt.values.push_back(sum / double(n));
            pt.values.push_back(median);
            pt.values.push_back(v.front());
            pt.values.push_back(v.back());
        }
    }
    return pt;
}

Contents load_existing(const std::string& path) {
    if (!fs::exists(path)) throw Error(ErrorKind::io, path + ": no such store");
    if (fs::is_directory(path) && !fs::exists(main_file(path)) && !fs::is_directory(fs::path(path) / "parts"))
        throw Error(ErrorKind::io, path + ": not a radhpc store (no store.h5, no parts/)");
    return load(path);
}

std::string iso_time(double unix_seconds) {
    if (unix_seconds <= 0) return "-";
    const std::time_t t = std::time_t(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string metadata_value(const StudyRecord* s, const std::string& key) {
    if (!s) return {};
    for (const auto& [k, v] : s->metadata)
        if (k == key) return v;
    return {};
}

std::vector<std::string> metadata_keys(const Contents& c) {
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (const auto& st : c.studies)
        for (const auto& [k, v] : st.metadata)
            if (seen.insert(k).second) keys.push_back(k);
    return keys;
}

void write_csv(const Contents& c, std::ostream& out, bool pyradiomics_names, bool with_metadata) {
    std::unordered_map<std::string, std::string> pyr;
    for (const auto& e : c.registry)
        if (!e.pyradiomics_name.empty()) pyr.emplace(e.column, e.pyradiomics_name);
    // Metadata columns: keys in order of first appearance over the studies (sorted by id).
    std::vector<std::string> meta_keys;
    std::unordered_map<std::string, const StudyRecord*> study_of;
    if (with_metadata) {
        meta_keys = metadata_keys(c);
        for (const auto& st : c.studies) study_of.emplace(st.study_id, &st);
    }
    out << "study_id,patient_id,lesion,perturbation";
    for (const auto& k : meta_keys) out << ',' << csv_cell(k);
    for (const auto& col : c.features.columns) {
        auto it = pyradiomics_names ? pyr.find(col) : pyr.end();
        out << ',' << csv_cell(it != pyr.end() ? it->second : col);
    }
    out << '\n';
    const std::size_t nc = c.features.columns.size();
    char buf[40];
    for (std::size_t r = 0; r < c.features.rows(); ++r) {
        const auto& k = c.features.keys[r];
        out << csv_cell(k.study_id) << ',' << csv_cell(k.patient_id) << ',' << k.lesion << ',' << csv_cell(k.perturbation);
        if (!meta_keys.empty()) {
            auto it = study_of.find(k.study_id);
            for (const auto& key : meta_keys) {
                out << ',';
                if (it == study_of.end()) continue;
                for (const auto& [mk, mv] : it->second->metadata)
                    if (mk == key) {
                        out << csv_cell(mv);
                        break;
                    }
            }
        }
        for (std::size_t j = 0; j < nc; ++j) {
            const double v = c.features.values[r * nc + j];
            out << ',';
            if (!std::isnan(v)) {
                std::snprintf(buf, sizeof buf, "%.17g", v);
                out << buf;
            }
        }
        out << '\n';
    }
}

std::string hdf5_version() {
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    return "hdf5 " + std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
}

}  // namespace radhpc::store
