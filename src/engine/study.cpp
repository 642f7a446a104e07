#include "radhpc/engine/study.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "radhpc/core/error.hpp"
#include "radhpc/io/perturbation_io.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/pipeline/memory.hpp"
#include "sweep.hpp"

namespace radhpc::engine {
namespace {

std::atomic<bool> g_abandoned{false};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

std::vector<Mask> connected_components(const Volume<std::int16_t>& labels, std::size_t min_voxels) {
    const auto& g = labels.geometry;
    const std::int64_t nx = g.size[0], ny = g.size[1], nz = g.size[2];
    std::vector<std::int32_t> comp(labels.data.size(), 0);
    std::vector<std::size_t> queue;
    std::vector<std::vector<std::size_t>> members;
    for (std::size_t start = 0; start < labels.data.size(); ++start) {
        if (labels.data[start] == 0 || comp[start] != 0) continue;
        const std::int32_t id = std::int32_t(members.size()) + 1;
        members.emplace_back();
        queue.assign(1, start);
        comp[start] = id;
        for (std::size_t q = 0; q < queue.size(); ++q) {
            const std::size_t v = queue[q];
            members.back().push_back(v);
            const std::int64_t x = std::int64_t(v % nx), y = std::int64_t((v / nx) % ny), z = std::int64_t(v / (nx * ny));
            for (std::int64_t dz = -1; dz <= 1; ++dz)
                for (std::int64_t dy = -1; dy <= 1; ++dy)
                    for (std::int64_t dx = -1; dx <= 1; ++dx) {
                        const std::int64_t X = x + dx, Y = y + dy, Z = z + dz;
                        if (X < 0 || Y < 0 || Z < 0 || X >= nx || Y >= ny || Z >= nz) continue;
                        const std::size_t w = std::size_t(X + nx * (Y + ny * Z));
                        if (labels.data[w] != 0 && comp[w] == 0) {
                            comp[w] = id;
                            queue.push_back(w);
                        }
                    }
        }
    }
    std::vector<Mask> out;
    for (const auto& m : members) {
        if (m.size() < min_voxels) continue;
        Mask mask(g, 0);
        for (auto v : m) mask.data[v] = 1;
        out.push_back(std::move(mask));
    }
    return out;
}

std::vector<Mask> lesion_components(const Volume<std::int16_t>& labels, std::size_t min_lesion_voxels, double min_lesion_volume_mm3,
                                    const std::string& mask_path) {
    const double voxel_mm3 = labels.geometry.voxel_volume();
    const auto by_volume = std::size_t(std::ceil(min_lesion_volume_mm3 / voxel_mm3 - 1e-9));
    const std::size_t min_voxels = std::max({std::size_t(1), min_lesion_voxels, by_volume});
    auto comps = connected_components(labels, min_voxels);
    if (comps.empty())
        throw Error(ErrorKind::empty_roi, mask_path + ": no connected component of at least " + std::to_string(min_voxels) +
                                              " voxels (run.min_lesion_voxels / run.min_lesion_volume_mm3)");
    return comps;
}

namespace {

void add_timings(StudyOutcome& out, const pipeline::Timings& t) {
    out.preprocess_s += t.preprocess_s;
    out.features_s += t.features_s;
}

void extract_into(StudyOutcome& out, int lesion, const pipeline::LesionInput& input, const WorkerOptions& opt,
                  const StudyTask& task) {
    pipeline::LesionResult r;
    try {
        if (task.perturbation < 0) {
            r = pipeline::extract(input, opt.settings, opt.diagnostics);
        } else {
            Perturbation p = opt.perturbations.at(std::size_t(task.perturbation));
            p.seed = io::lesion_seed(p.seed, task.study_id, lesion);
            r = pipeline::extract(input, opt.settings, opt.diagnostics, p);
        }
    } catch (const Error& e) {
        throw Error(e.kind(), "lesion " + std::to_string(lesion) + ": " + e.what());
    }
    add_timings(out, r.timings);
    LesionRow row;
    row.lesion = lesion;
    if (opt.diagnostics)
        for (const auto& f : r.diagnostics) {
            row.names.push_back(f.name);
            row.values.push_back(f.value);
        }
    for (const auto& f : r.features) {
        row.names.push_back(f.name);
        row.values.push_back(f.value);
    }
    out.lesions.push_back(std::move(row));
}

// Quality checks of a DICOM study (series + RTSTRUCT/SEG masks) as rows for the store's /qc table,
// and the acquisition metadata (no PHI: io::qc never copies patient or institution values; the
// acquisition date is left out too). Headers only; a series that cannot be found yields no rows
// (reading the study then reports the reason).
// `series` is the study's series when discovery found it (then also read by the caller), `series_qc`
// receives its checks before the mask rows (what enforce_qc needs), `masks` keeps the parsed
// RTSTRUCT/SEG files for reading: one folder scan and one parse per mask file for the whole study.
void collect_qc(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out, const io::DicomSeries& series,
                std::optional<io::StudyQc>& series_qc, io::MaskInputReader& masks) {
    try {
        io::StudyQc q = io::qc_series(series, opt.settings, task.study_id, /*decode_pixels=*/false);
        series_qc = q;
        for (const auto& m : task.masks) {
            std::string file, roi = opt.settings.dicom.roi;
            io::split_mask_path(m, file, roi);
            try {
                if (const auto kind = masks.modality(file); kind != "RTSTRUCT" && kind != "SEG") continue;
            } catch (const Error&) {
                continue;  // as is_dicom_mask_input: not a DICOM mask (reading reports the reason)
            }
            io::qc_mask(q, series, file, roi, opt.settings, masks);
        }
        const std::vector<io::StudyQc> one{q};
        for (const auto& r : io::qc_rows(one)) out.qc.push_back({"", r.series_id, r.check, r.status, r.observed, r.expected});
        for (const auto& m : io::metadata_rows(one)) {
            const std::pair<const char*, const std::string*> fields[] = {
                {"modality", &m.modality}, {"manufacturer", &m.manufacturer}, {"model", &m.model},
                {"convolution_kernel", &m.convolution_kernel}, {"contrast_agent", &m.contrast_agent},
                {"kvp", &m.kvp}, {"tube_current_ma", &m.tube_current_ma}, {"exposure_mas", &m.exposure_mas},
                {"slice_thickness_mm", &m.slice_thickness_mm}, {"pixel_spacing_mm", &m.pixel_spacing_mm},
                {"slice_spacing_mm", &m.slice_spacing_mm}, {"slices", &m.slices}};
            for (const auto& [k, v] : fields) out.acquisition.emplace_back(std::string("dicom_") + k, *v);
        }
    } catch (const std::exception&) {
        out.qc.clear();
        out.acquisition.clear();
    }
}

// A benchmark unit (run --bench-noop-features): fake values, no input read.
void noop_lesion(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out) {
    LesionRow row;
    row.lesion = 1;
    for (std::size_t j = 0; j < opt.noop_features; ++j) {
        row.names.push_back("noop_" + std::to_string(j));
        row.values.push_back(double(task.index) + double(j) * 1e-3);
    }
    out.lesions.push_back(std::move(row));
}

void check_memory_budget(const StudyTask& task, const WorkerOptions& opt) {
    if (opt.memory_budget_mb <= 0) return;
    const double need = pipeline::estimate_study_bytes(task.image, opt.settings);
    if (need > opt.memory_budget_mb * 1048576.0) {
        std::ostringstream s;
        s << task.image << ": estimated memory " << std::lround(need / 1048576.0) << " MiB exceeds the worker budget of "
          << opt.memory_budget_mb << " MiB (run.memory_budget_mb); study refused";
        throw Error(ErrorKind::memory, s.str());
    }
}

// A sweep reuses the image and label map of the previous unit when it is the same study (same
// path in this run).
struct SweepCache {
    std::string path;
    SourceImage image;
    PixelType pixel_type{};
    std::string frame_of_reference;
    std::string label_path;
    Volume<std::int16_t> labels;
};
thread_local SweepCache g_cache;

// The study's image into base.source and base.pixel_type: NIfTI/NRRD through ITK, a DICOM series
// folder (or one of its files) through DCMTK. Returns its frame of reference.
std::string read_image(const StudyTask& task, const WorkerOptions& opt, const std::optional<io::DicomSeries>& series,
                       pipeline::LesionInput& base) {
    auto& cache = g_cache;
    const bool sweep = task.perturbation >= 0;
    std::string frame_of_reference;
    if (sweep && cache.path == task.image) {
        base.source = cache.image;
        base.pixel_type = cache.pixel_type;
        return cache.frame_of_reference;
    }
    cache.path.clear();
    cache.label_path.clear();
    if (series) {
        base.source = io::read_source_input(*series, opt.settings.dicom, &base.pixel_type, &frame_of_reference);
    } else {
        base.source = io::read_source_input(task.image, opt.settings.dicom, &base.pixel_type, &frame_of_reference);
    }
    if (sweep) {
        cache.image = base.source;
        cache.pixel_type = base.pixel_type;
        cache.frame_of_reference = frame_of_reference;
        cache.path = task.image;
    }
    return frame_of_reference;
}

// One mask per lesion (files, or RTSTRUCT ROIs / SEG segments "rs.dcm#GTV-1"): lesion = ordinal.
void extract_mask_files(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out, io::MaskInputReader& masks,
                        const pipeline::LesionInput& base, const std::string& frame_of_reference, Clock::time_point t_read) {
    for (std::size_t i = 0; i < task.masks.size(); ++i) {
        const auto t_mask = Clock::now();
        pipeline::LesionInput in;
        in.source = base.source;
        in.mask = masks.read(task.masks[i], base.source.geometry(), opt.settings.label, opt.settings.dicom, frame_of_reference,
                             opt.settings.label_given);
        pipeline::snap_mask_grid(in.mask.geometry, base.source.geometry(), opt.settings.geometry_tolerance);
        in.pixel_type = base.pixel_type;
        in.image_path = task.image;
        in.mask_path = task.masks[i];
        out.read_s += seconds_since(i == 0 ? t_read : t_mask);
        extract_into(out, int(i) + 1, in, opt, task);
    }
}

pipeline::LesionInput lesion_input(const pipeline::LesionInput& base, const std::string& image, const std::string& mask_path, Mask mask) {
    pipeline::LesionInput in;
    in.source = base.source;
    in.mask = std::move(mask);
    in.pixel_type = base.pixel_type;
    in.image_path = image;
    in.mask_path = mask_path;
    return in;
}

// lesion mode "components": each large enough connected component of the label map is a lesion.
void extract_components(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out, const pipeline::LesionInput& base,
                        const Volume<std::int16_t>& labels, const std::string& mask_path) {
    auto comps = lesion_components(labels, opt.min_lesion_voxels, opt.min_lesion_volume_mm3, mask_path);
    for (std::size_t i = 0; i < comps.size(); ++i)
        extract_into(out, int(i) + 1, lesion_input(base, task.image, mask_path, std::move(comps[i])), opt, task);
}

// Each wanted label value of the label map is a lesion (lesion number = label).
void extract_labels(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out, const pipeline::LesionInput& base,
                    const Volume<std::int16_t>& labels, const std::string& mask_path) {
    const std::vector<int> wanted = task.labels.empty() ? std::vector<int>{opt.settings.label} : task.labels;
    // One pass over the label map finds every wanted label's box, so each lesion's mask is filled
    // from its own box instead of a scan of the whole study per lesion.
    const auto boxes = label_boxes(labels, wanted);
    for (int label : wanted) {
        const auto found = boxes.at(label);
        if (!found) throw Error(ErrorKind::empty_roi, mask_path + ": label " + std::to_string(label) + " is absent (empty mask)");
        const BoundingBox box = *found;
        Mask mask(labels.geometry, 0);
        for (std::int64_t z = box.lo[2]; z <= box.hi[2]; ++z)
            for (std::int64_t y = box.lo[1]; y <= box.hi[1]; ++y)
                for (std::int64_t x = box.lo[0]; x <= box.hi[0]; ++x) {
                    const std::size_t i = labels.index(std::size_t(x), std::size_t(y), std::size_t(z));
                    mask.data[i] = labels.data[i] == label;
                }
        pipeline::LesionInput in = lesion_input(base, task.image, mask_path, std::move(mask));
        in.mask_box = box;
        extract_into(out, label, in, opt, task);
    }
}

// One label map for the study's lesions (read once per study of a sweep).
void extract_label_map(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out, const pipeline::LesionInput& base,
                       Clock::time_point t_read) {
    auto& cache = g_cache;
    const bool sweep = task.perturbation >= 0;
    const std::string& mask_path = task.masks.at(0);
    if (!sweep || cache.label_path != mask_path) {
        cache.labels = io::read_label_map16(mask_path);
        pipeline::snap_mask_grid(cache.labels.geometry, base.source.geometry(), opt.settings.geometry_tolerance);
        if (sweep) cache.label_path = mask_path;
    }
    const Volume<std::int16_t> labels = sweep ? cache.labels : std::move(cache.labels);
    out.read_s = seconds_since(t_read);
    if (opt.lesion_mode == LesionMode::components && task.labels.empty())
        extract_components(task, opt, out, base, labels, mask_path);
    else
        extract_labels(task, opt, out, base, labels, mask_path);
}

void compute(const StudyTask& task, const WorkerOptions& opt, StudyOutcome& out) {
    if (opt.noop_features > 0) return noop_lesion(task, opt, out);
    check_memory_budget(task, opt);
    const auto t_read = Clock::now();
    // A DICOM study's series is found once and used by QC, the exclusion rule and reading; its
    // RTSTRUCT/SEG files are parsed once for the QC rows and every ROI the study lists.
    std::optional<io::DicomSeries> series;
    std::optional<io::StudyQc> series_qc;
    io::MaskInputReader masks;
    if (io::is_dicom_image_input(task.image)) {
        try {
            series = io::find_image_series(task.image, opt.settings.dicom);
        } catch (const std::exception&) {
            // no QC rows; reading below reports the reason
        }
        if (series) collect_qc(task, opt, out, *series, series_qc, masks);
    }
    // DICOM inputs with `qc: exclude`: a failed check refuses the study
    if (series_qc) io::enforce_qc(*series_qc, task.image, opt.settings);
    else io::enforce_qc(task.image, opt.settings);
    pipeline::LesionInput base;
    base.image_path = task.image;
    const std::string frame_of_reference = read_image(task, opt, series, base);
    // masks read one by one: DICOM objects, and Slicer segmentations unless the manifest's labels
    // pick their label values from an unnamed one (then read as a label map, as a 3-D one is)
    auto named_mask = [&](const std::string& m) {
        std::string file, roi = opt.settings.dicom.roi;
        io::split_mask_path(m, file, roi);
        if (io::is_slicer_segmentation(file)) return !roi.empty() || task.labels.empty();
        const auto kind = masks.modality(file);  // an unreadable header fails the study, as before
        return kind == "RTSTRUCT" || kind == "SEG";
    };
    if (task.masks.size() > 1 || named_mask(task.masks.at(0)))
        extract_mask_files(task, opt, out, masks, base, frame_of_reference, t_read);
    else
        extract_label_map(task, opt, out, base, t_read);
}

StudyOutcome run_guarded(const StudyTask& task, const WorkerOptions& opt, int rank) {
    StudyOutcome out;
    out.index = task.index;
    out.host = host_name();
    out.rank = rank;
    out.started_at = unix_now();
    const auto t0 = Clock::now();
    try {
        compute(task, opt, out);
    } catch (const Error& e) {
        out.status = "error";
        out.error_kind = to_string(e.kind());
        out.message = e.what();
    } catch (const std::bad_alloc&) {
        out.status = "error";
        out.error_kind = "memory";
        out.message = "out of memory while processing the study";
    } catch (const std::exception& e) {
        out.status = "error";
        out.error_kind = "internal";
        out.message = e.what();
    }
    if (out.status != "ok") out.lesions.clear();
    out.total_s = seconds_since(t0);
    out.finished_at = unix_now();
    return out;
}

}  // namespace

bool abandoned_threads() { return g_abandoned.load(); }

std::string host_name() {
    char buf[256] = {0};
    if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

StudyOutcome process_study(const StudyTask& task, const WorkerOptions& opt, int rank) {
    if (opt.time_limit_s <= 0) return run_guarded(task, opt, rank);
    // The study runs on its own thread; past the limit the worker records an error and moves on.
    // The pipeline has no cancellation points, so the abandoned thread finishes (or not) alone.
    struct Shared {
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        StudyOutcome result;
    };
    auto shared = std::make_shared<Shared>();
    const double started = unix_now();
    std::thread th([shared, task, opt, rank] {
        StudyOutcome r = run_guarded(task, opt, rank);
        std::lock_guard lk(shared->m);
        shared->result = std::move(r);
        shared->done = true;
        shared->cv.notify_all();
    });
    std::unique_lock lk(shared->m);
    if (shared->cv.wait_for(lk, std::chrono::duration<double>(opt.time_limit_s), [&] { return shared->done; })) {
        lk.unlock();
        th.join();
        return std::move(shared->result);
    }
    lk.unlock();
    th.detach();
    g_abandoned = true;
    StudyOutcome out;
    out.index = task.index;
    out.status = "error";
    out.error_kind = "time_limit";
    std::ostringstream s;
    s << "study exceeded the time limit of " << opt.time_limit_s << " s (run.study_time_limit_s)";
    out.message = s.str();
    out.host = host_name();
    out.rank = rank;
    out.started_at = started;
    out.finished_at = unix_now();
    out.total_s = out.finished_at - started;
    return out;
}

namespace {

// Reads the first `n` bytes of a possibly gzip-compressed file.
}  // namespace


}  // namespace radhpc::engine
