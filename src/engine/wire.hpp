// Wire format of tasks and outcomes: between ranks (MPI messages) and between a rank and its
// isolated study process (src/engine/isolate.cpp, over a socket). Internal to layer `engine`.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "radhpc/core/bytes.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/engine/study.hpp"

namespace radhpc::engine {

using Writer = ByteWriter;
using Reader = ByteReader;

inline std::vector<char> encode(const StudyTask& t) {
    Writer w;
    w.u64(t.index);
    w.str(t.study_id);
    w.str(t.image);
    w.u64(t.masks.size());
    for (const auto& m : t.masks) w.str(m);
    w.u64(t.labels.size());
    for (int l : t.labels) w.u64(std::uint64_t(l));
    w.u64(std::uint64_t(std::int64_t(t.perturbation)));
    return std::move(w.buf);
}
inline StudyTask decode_task(const std::vector<char>& b) {
    Reader r{b.data(), b.data() + b.size()};
    StudyTask t;
    t.index = r.u64();
    t.study_id = r.str();
    t.image = r.str();
    for (auto n = r.u64(); n > 0; --n) t.masks.push_back(r.str());
    for (auto n = r.u64(); n > 0; --n) t.labels.push_back(int(r.u64()));
    t.perturbation = int(std::int64_t(r.u64()));
    return t;
}
// Feature names are sent only when they differ from the previous row this worker sent (every
// row of a job has the same names): the master keeps the last list per worker.
inline std::vector<char> encode(const StudyOutcome& o, std::vector<std::string>& last_names) {
    Writer w;
    w.u64(o.index);
    w.str(o.status);
    w.str(o.error_kind);
    w.str(o.message);
    w.str(o.host);
    w.u64(std::uint64_t(o.rank));
    for (double v : {o.read_s, o.preprocess_s, o.features_s, o.total_s, o.started_at, o.finished_at}) w.f64(v);
    w.u64(o.lesions.size());
    for (const auto& l : o.lesions) {
        w.u64(std::uint64_t(l.lesion));
        w.u64(l.names.size());
        const bool same = l.names == last_names;
        w.u64(same ? 0 : 1);
        if (!same) {
            for (const auto& n : l.names) w.str(n);
            last_names = l.names;
        }
        w.raw(l.values.data(), l.values.size() * sizeof(double));
    }
    w.u64(o.acquisition.size());
    for (const auto& [k, v] : o.acquisition) {
        w.str(k);
        w.str(v);
    }
    w.u64(o.qc.size());
    for (const auto& q : o.qc)
        for (const std::string* f : {&q.series_id, &q.check, &q.status, &q.observed, &q.expected}) w.str(*f);
    return std::move(w.buf);
}
inline StudyOutcome decode_outcome(const char* data, std::size_t size, std::vector<std::string>& last_names) {
    Reader r{data, data + size};
    StudyOutcome o;
    o.index = r.u64();
    o.status = r.str();
    o.error_kind = r.str();
    o.message = r.str();
    o.host = r.str();
    o.rank = int(r.u64());
    o.read_s = r.f64();
    o.preprocess_s = r.f64();
    o.features_s = r.f64();
    o.total_s = r.f64();
    o.started_at = r.f64();
    o.finished_at = r.f64();
    for (auto n = r.u64(); n > 0; --n) {
        LesionRow l;
        l.lesion = int(r.u64());
        const auto k = r.u64();
        if (r.u64() == 1) {
            last_names.clear();
            last_names.reserve(k);
            for (std::uint64_t j = 0; j < k; ++j) last_names.push_back(r.str());
        }
        if (last_names.size() != k) throw Error(ErrorKind::internal, "result message: feature names out of sequence");
        l.names = last_names;
        l.values.resize(k);
        r.raw(l.values.data(), k * sizeof(double));
        o.lesions.push_back(std::move(l));
    }
    for (auto n = r.u64(); n > 0; --n) {
        std::string k = r.str();
        o.acquisition.emplace_back(std::move(k), r.str());
    }
    for (auto n = r.u64(); n > 0; --n) {
        store::QcRow q;
        for (std::string* f : {&q.series_id, &q.check, &q.status, &q.observed, &q.expected}) *f = r.str();
        o.qc.push_back(std::move(q));
    }
    return o;
}

}  // namespace radhpc::engine
