// `radhpc validate` with a store: the tuning step and the bootstrap replicates as units of the
// MPI engine (engine::run_units), stored in /validation/<name> as they finish; the summary once
// all are in. Without a store: the same procedure on this node's threads into a folder.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>

#include "radhpc/commands/validate_command.hpp"
#include "radhpc/core/bytes.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/engine/units.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/store/hash.hpp"
#include "validate_internal.hpp"

namespace radhpc::commands {

using namespace validation;

namespace {

double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// Results of units on the wire (core/bytes.hpp).
std::vector<char> encode(const store::ValidationTuning& t) {
    ByteWriter w;
    w.str(t.procedure), w.str(t.lambda_rule), w.str(t.measure);
    for (double v : {t.alpha, t.lambda, t.lambda_min, t.lambda_1se, t.cvm_at_lambda}) w.f64(v);
    w.vec(t.coefficients), w.vec(t.folds), w.i64(t.repeats), w.vec(t.out_of_fold);
    w.i64(std::int64_t(t.curves.size()));
    for (const auto& c : t.curves) {
        for (double v : {c.alpha, c.lambda, c.cvm, c.cvsd}) w.f64(v);
        w.i64(c.nzero), w.str(c.measure);
    }
    return std::move(w.buf);
}
store::ValidationTuning decode_tuning(const std::vector<char>& b) {
    ByteReader r{b.data(), b.data() + b.size()};
    store::ValidationTuning t;
    t.done = true;
    t.procedure = r.str(), t.lambda_rule = r.str(), t.measure = r.str();
    for (double* v : {&t.alpha, &t.lambda, &t.lambda_min, &t.lambda_1se, &t.cvm_at_lambda}) *v = r.f64();
    t.coefficients = r.vec<double>(), t.folds = r.vec<std::int64_t>(), t.repeats = r.i64(), t.out_of_fold = r.vec<double>();
    for (auto n = r.i64(); n > 0; --n) {
        store::ValidationCurveRow c;
        for (double* v : {&c.alpha, &c.lambda, &c.cvm, &c.cvsd}) *v = r.f64();
        c.nzero = r.i64(), c.measure = r.str();
        t.curves.push_back(std::move(c));
    }
    return t;
}
std::vector<char> encode(const store::ValidationReplicate& x) {
    ByteWriter w;
    w.i64(x.index), w.i64(x.failed ? 1 : 0), w.str(x.failure);
    for (double v : {x.auc_train, x.auc_test, x.auc_oob, x.alpha, x.lambda}) w.f64(v);
    w.vec(x.coefficients);
    return std::move(w.buf);
}
store::ValidationReplicate decode_replicate(const std::vector<char>& b) {
    ByteReader r{b.data(), b.data() + b.size()};
    store::ValidationReplicate x;
    x.index = r.i64(), x.failed = r.i64() != 0, x.failure = r.str();
    for (double* v : {&x.auc_train, &x.auc_test, &x.auc_oob, &x.alpha, &x.lambda}) *v = r.f64();
    x.coefficients = r.vec<double>();
    return x;
}

// Unit ids: 0 the tuning step, 1 + b bootstrap replicate b.
constexpr std::uint64_t kTuningUnit = 0;

// A name usable as an HDF5 group (/validation/<name>): validate.name is checked by the schema; a
// name taken from the job's `name` has its other characters replaced by '_'.
std::string group_name(std::string name) {
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    return name;
}

class StoreValidation {
public:
    // Every rank has read and parsed the job already (before MPI starts).
    StoreValidation(const ValidateOptions& o, std::string job_text, const io::Job& job, std::ostream& log)
        : opt_(o), log_(log), job_text_(std::move(job_text)), cfg_(*job.validate) {
        name_ = cfg_.name.empty() ? group_name(job.name.empty() ? std::string("default") : job.name) : cfg_.name;
        store_path_ = opt_.store.empty() ? job.store : opt_.store;
    }

    engine::UnitJob job() {
        engine::UnitJob j;
        j.prepare = [this] { prepare(); };
        j.plan = [this] { return plan(); };
        j.compute = [this](std::uint64_t u) {
            if (u == kTuningUnit) return encode(compute_tuning(cfg_, data_));
            return encode(compute_replicate(cfg_, data_, u - 1));
        };
        j.collect = [this](std::uint64_t u, std::vector<char> r) { collect(u, r); };
        j.flush = [this](const std::string&) { flush(); };
        j.finish = [this] { finish(); };
        return j;
    }

private:
    void prepare() {
        std::optional<store::Contents> contents;
        if (table_from_store(cfg_)) contents = store::load_existing(store_path_);
        std::ostringstream quiet;
        data_ = read_data(cfg_, contents ? &*contents : nullptr, store_path_, quiet);
        prepared_log_ = quiet.str();
    }

    std::vector<std::uint64_t> plan() {
        log_ << prepared_log_;
        const std::string settings = settings_text(job_text_, cfg_);
        const std::string table_hash = data_hash(data_);
        store::Xxh64 h;
        for (const auto* s : {&opt_.version, &settings, &table_hash}) h.update(s->data(), s->size() + 1);
        const std::string identity = store::to_hex(h.digest());
        store::Contents existing = store::load(store_path_);
        const store::ValidationResult* stored = nullptr;
        for (const auto& v : existing.validations)
            if (v.name == name_) stored = &v;
        header_.name = name_;
        header_.status = "running";
        header_.identity = identity;
        header_.table_hash = table_hash;
        header_.table_source = data_.source;
        header_.settings = settings;
        header_.job = opt_.job_path;
        header_.replicates_planned = cfg_.replicates;
        header_.terms = data_.terms;
        header_.patients = data_.patient_label;
        std::vector<std::uint64_t> units;
        if (stored && stored->identity == identity) {
            header_.started_at = stored->started_at;
            complete_ = stored->status == "complete";
            if (!stored->tuning.done) units.push_back(kTuningUnit);
            std::vector<bool> have(std::size_t(std::max(cfg_.replicates, 0)), false);
            for (const auto& r : stored->replicates)
                if (r.index >= 0 && r.index < cfg_.replicates) have[std::size_t(r.index)] = true;
            for (int b = 0; b < cfg_.replicates; ++b)
                if (!have[std::size_t(b)]) units.push_back(1 + std::uint64_t(b));
            stored_units_ = std::size_t(1 + cfg_.replicates) - units.size();
        } else {
            if (stored) log_ << "radhpc validate: " << name_ << ": settings or table changed since it was stored; computing anew\n";
            header_.started_at = unix_now();
            units.push_back(kTuningUnit);
            for (int b = 0; b < cfg_.replicates; ++b) units.push_back(1 + std::uint64_t(b));
        }
        total_units_ = std::size_t(1 + cfg_.replicates);
        log_ << "radhpc validate: " << name_ << ": " << stored_units_ << " of " << total_units_ << " units stored, computing "
             << units.size() << " (store " << store_path_ << ")\n";
        pending_ = header_;
        return units;
    }

    void collect(std::uint64_t u, const std::vector<char>& bytes) {
        if (u == kTuningUnit) pending_.tuning = decode_tuning(bytes);
        else pending_.replicates.push_back(decode_replicate(bytes));
        ++pending_units_;
        ++done_;
        const std::size_t todo = total_units_ - stored_units_;
        if (done_ == todo || done_ % std::max<std::size_t>(1, todo / 20) == 0)
            log_ << "radhpc validate: " << done_ << "/" << todo << " units\n" << std::flush;
        // Units are seconds of work each: stored at once, at most twice a second.
        if (std::chrono::steady_clock::now() - last_flush_ > std::chrono::milliseconds(500)) flush();
    }

    void flush() {
        if (pending_units_ == 0) return;
        std::sort(pending_.replicates.begin(), pending_.replicates.end(),
                  [](const auto& a, const auto& b) { return a.index < b.index; });
        store::Contents part;
        part.validations.push_back(pending_);
        store::write_part(store_path_, part);
        pending_ = header_;
        pending_units_ = 0;
        last_flush_ = std::chrono::steady_clock::now();
    }

    void finish() {
        flush();
        std::vector<std::string> parts;
        store::Contents all = store::load(store_path_, &parts);
        store::ValidationResult* v = nullptr;
        for (auto& x : all.validations)
            if (x.name == name_) v = &x;
        if (!v || v->identity != header_.identity || !v->tuning.done || v->replicates.size() != std::size_t(cfg_.replicates))
            throw Error(ErrorKind::internal, "validation " + name_ + ": units missing from the store after the run");
        if (!complete_) {
            summarise(cfg_, data_, *v);
            v->finished_at = unix_now();
            store::consolidate(store_path_, all, true, &parts);
        } else {
            log_ << "radhpc validate: " << name_ << ": up to date (settings and table unchanged)\n";
        }
        const double auc = v->metric("apparent.auc"), corrected = v->metric("bootstrap.corrected_auc");
        log_ << "radhpc validate: " << name_ << ": apparent AUC " << auc << " [" << v->metric("apparent.auc_ci_lower") << ", "
             << v->metric("apparent.auc_ci_upper") << "]";
        if (cfg_.replicates > 0) log_ << ", optimism-corrected " << corrected << ", .632+ " << v->metric("bootstrap.auc_632plus");
        log_ << "; alpha " << v->tuning.alpha << ", lambda " << v->tuning.lambda << "\n";
        if (!cfg_.output.empty()) {
            write_folder(cfg_, *v, cfg_.output);
            log_ << "radhpc validate: wrote " << cfg_.output << "\n";
        }
    }

    const ValidateOptions& opt_;
    std::ostream& log_;
    std::string job_text_;
    Config cfg_;
    std::string name_, store_path_, prepared_log_;
    Data data_;
    store::ValidationResult header_, pending_;
    std::size_t pending_units_ = 0, done_ = 0, stored_units_ = 0, total_units_ = 0;
    bool complete_ = false;
    std::chrono::steady_clock::time_point last_flush_ = std::chrono::steady_clock::now();
};

// No store: the procedure on this node's threads, into validate.output.
std::string validate_to_folder(const Config& cfg, const std::string& job_text, std::ostream& log) {
    if (cfg.output.empty()) throw Error(ErrorKind::settings, "validate.output: required without a store (--store or the job's store:)");
    if (table_from_store(cfg)) throw Error(ErrorKind::settings, "validate.table " + cfg.table + " needs a store (--store or the job's store:)");
    std::unique_ptr<tbb::global_control> thread_limit;
    if (cfg.threads > 0)
        thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, std::size_t(cfg.threads));
    const Data data = read_data(cfg, nullptr, "", log);
    store::ValidationResult v;
    v.name = "folder";
    v.settings = settings_text(job_text, cfg);
    v.terms = data.terms;
    v.patients = data.patient_label;
    v.tuning = compute_tuning(cfg, data);
    log << "radhpc validate: alpha " << text::format17(v.tuning.alpha) << ", lambda " << text::format17(v.tuning.lambda)
        << (cfg.fixed ? " (fixed)" : " (repeated CV)") << "\n";
    v.replicates.resize(std::size_t(std::max(cfg.replicates, 0)));
    tbb::parallel_for(0, std::max(cfg.replicates, 0), [&](int b) { v.replicates[std::size_t(b)] = compute_replicate(cfg, data, std::uint64_t(b)); });
    summarise(cfg, data, v);
    if (cfg.replicates > 0)
        log << "radhpc validate: " << v.metric("bootstrap.replicates_used") << " of " << cfg.replicates << " bootstrap replicates used; corrected AUC "
            << text::format17(v.metric("bootstrap.corrected_auc")) << "\n";
    write_folder(cfg, v, cfg.output);
    log << "radhpc validate: wrote " << cfg.output << "\n";
    return cfg.output;
}

}  // namespace

int validate(const ValidateOptions& options, int& argc, char**& argv, std::ostream& log) {
    const auto file = io::read_job_file(options.job_path);
    const io::Job job = io::parse_job(file.text, options.job_path);
    if (!job.validate) throw Error(ErrorKind::settings, options.job_path + ": the job has no 'validate' object");
    if (options.store.empty() && job.store.empty()) {
        validate_to_folder(*job.validate, file.text, log);
        return 0;
    }
    StoreValidation sv(options, file.text, job, log);
    auto units = sv.job();
    engine::UnitRunStats stats;
    const int status = engine::run_units(units, job.validate->threads, argc, argv, &stats);
    if (stats.rank == 0 && stats.units > 0) {
        // The benchmark (perf/bench_validate.sh) reads this line.
        char b[256];
        std::snprintf(b, sizeof b, "radhpc validate: timing: %zu units on %d rank(s) in %.3f s (%.4f units/s); master busy %.1f us per unit\n",
                      stats.units, stats.ranks, stats.compute_wall_s, double(stats.units) / std::max(stats.compute_wall_s, 1e-9),
                      1e6 * stats.master_busy_s / double(stats.units));
        log << b;
    }
    return status;
}

namespace {
const store::ValidationResult& find_validation(const store::Contents& c, const std::string& store_path, const std::string& name) {
    std::string names;
    for (const auto& v : c.validations) {
        if (v.name == name || (name.empty() && c.validations.size() == 1)) return v;
        names += (names.empty() ? "" : ", ") + v.name;
    }
    throw Error(ErrorKind::invalid_input, store_path + ": no validation '" + name + "'" + (names.empty() ? " (none stored)" : " (stored: " + names + ")"));
}
}  // namespace

void export_validation(const std::string& store_path, const std::string& name, const std::string& out_dir) {
    const store::Contents c = store::load_existing(store_path);
    const auto& v = find_validation(c, store_path, name);
    write_folder(settings_of(v), v, out_dir);
}

std::string validation_staleness(const store::ValidationResult& v, const store::Contents& contents, const std::string& store_path) {
    try {
        const Config cfg = settings_of(v);
        std::ostringstream quiet;
        const Data d = read_data(cfg, &contents, store_path, quiet);
        if (data_hash(d) != v.table_hash) return "its table's values changed since (rerun `radhpc validate`)";
        return "";
    } catch (const std::exception& e) {
        return std::string("its table cannot be read again: ") + e.what();
    }
}

}  // namespace radhpc::commands
