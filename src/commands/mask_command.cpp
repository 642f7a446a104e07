#include "radhpc/commands/mask_command.hpp"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "radhpc/core/error.hpp"
#include "radhpc/core/perturbation.hpp"
#include "radhpc/core/roi.hpp"
#include "radhpc/core/volume.hpp"
#include "radhpc/engine/study.hpp"
#include "radhpc/io/dicom.hpp"
#include "radhpc/io/dicom_input.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/io/job.hpp"
#include "radhpc/io/perturbation_io.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/io/slicer_seg.hpp"
#include "radhpc/pipeline/extract.hpp"

namespace radhpc::commands {
namespace {

enum class MaskOutput { nifti, nrrd, seg };

MaskOutput mask_output_kind(const std::string& out) {
    if (out.ends_with(".nii") || out.ends_with(".nii.gz")) return MaskOutput::nifti;
    if (out.ends_with(".nrrd")) return MaskOutput::nrrd;
    if (out.ends_with(".dcm")) return MaskOutput::seg;
    throw Error(ErrorKind::settings, "--out " + out + ": the name must end in .nii, .nii.gz, .nrrd (label map) or .dcm (DICOM SEG)");
}

// The label map to write: values as they will be stored, each with its ROI name.
struct MaskLabels {
    Volume<std::uint16_t> map;
    std::vector<std::pair<int, std::string>> names;  // value -> ROI name, in writing order
    std::string grid = "image";                      // image | working
    std::string perturbation;                        // id, when the mask is perturbed
};

// Puts `m`'s voxels into `out.map` as `value`; a voxel another ROI already holds is an error (a label
// map holds one label per voxel).
void add_roi(MaskLabels& out, const Mask& m, int value, const std::string& name) {
    if (out.map.data.empty()) out.map = Volume<std::uint16_t>(m.geometry, 0);
    std::size_t overlap = 0;
    std::uint16_t other = 0;
    for (std::size_t i = 0; i < m.data.size(); ++i) {
        if (!m.data[i]) continue;
        if (out.map.data[i] != 0) {
            ++overlap;
            other = out.map.data[i];
            continue;
        }
        out.map.data[i] = std::uint16_t(value);
    }
    if (overlap > 0) {
        std::string other_name = std::to_string(other);
        for (const auto& [v, n] : out.names)
            if (v == other) other_name = n;
        throw Error(ErrorKind::invalid_input, "ROIs '" + other_name + "' and '" + name + "' overlap in " + std::to_string(overlap) +
                                                  " voxels; a label map holds one label per voxel: write them one at a time (--roi)");
    }
    out.names.emplace_back(value, name);
}

// The ROI names of a DICOM or Slicer mask file, in file order (empty: a label file).
std::vector<std::string> roi_names(io::MaskInputReader& reader, const std::string& file) {
    std::vector<std::string> names;
    if (io::is_slicer_segmentation(file)) {
        for (const auto& s : reader.slicer(file).segments()) names.push_back(s.name);
        return names;
    }
    if (!io::is_dicom_file(file)) return names;
    if (const auto* rs = reader.rtstruct(file))
        for (const auto& r : rs->info().rois) names.push_back(r.name);
    else if (const auto* sg = reader.seg(file))
        for (const auto& s : sg->info().segments) names.push_back(s.label);
    else
        throw Error(ErrorKind::invalid_input, file + ": a DICOM mask must be an RTSTRUCT or SEG object (Modality '" + reader.modality(file) + "')");
    return names;
}

// --all / --components: every ROI of the mask file on the image's grid.
MaskLabels several_rois(const MaskCommand& c, const io::Job& job) {
    const Settings& s = job.settings;
    std::string frame_of_reference;
    const Geometry grid = io::read_source_input(c.image, s.dicom, nullptr, &frame_of_reference).geometry();
    std::string file, roi;
    io::split_mask_path(c.mask, file, roi);
    io::MaskInputReader reader;
    MaskLabels out;
    const std::vector<std::string> names = c.components ? std::vector<std::string>{} : roi_names(reader, file);
    if (!names.empty()) {
        DicomSettings d = s.dicom;
        d.roi_is_pattern = false;
        for (std::size_t k = 0; k < names.size(); ++k) {
            d.roi = names[k];
            Mask m = reader.read(file, grid, s.label, d, frame_of_reference, false);
            pipeline::snap_mask_grid(m.geometry, grid, s.geometry_tolerance);
            add_roi(out, m, int(k) + 1, names[k]);
        }
        return out;
    }
    Volume<std::int16_t> labels = io::read_label_map16(file);
    pipeline::snap_mask_grid(labels.geometry, grid, s.geometry_tolerance);
    if (c.components) {
        auto comps = engine::lesion_components(labels, job.run.min_lesion_voxels, job.run.min_lesion_volume_mm3, file);
        for (std::size_t k = 0; k < comps.size(); ++k) add_roi(out, comps[k], int(k) + 1, "component " + std::to_string(k + 1));
        return out;
    }
    std::set<int> values;
    for (const auto v : labels.data)
        if (v != 0) values.insert(v);
    if (values.empty()) throw Error(ErrorKind::empty_roi, file + ": no non-zero label");
    if (*values.begin() < 0) throw Error(ErrorKind::invalid_input, file + ": negative label " + std::to_string(*values.begin()) + " cannot be written");
    out.map = Volume<std::uint16_t>(labels.geometry, 0);
    for (std::size_t i = 0; i < labels.data.size(); ++i) out.map.data[i] = std::uint16_t(labels.data[i]);
    for (const int v : values) out.names.emplace_back(v, "label " + std::to_string(v));
    return out;
}

// One ROI as pipeline::load gives it (perturbed: pipeline::working_mask).
MaskLabels one_roi(const MaskCommand& c, const io::Job& job) {
    const Settings& s = job.settings;
    pipeline::LesionInput in = pipeline::load(c.image, c.mask, s);
    in.mask_box = bounding_box(in.mask);
    if (!in.mask_box) throw Error(ErrorKind::empty_roi, c.mask + ": the mask is empty");
    std::string file, roi = s.dicom.roi;
    io::split_mask_path(c.mask, file, roi);
    const bool named = io::is_slicer_segmentation(file) || io::is_dicom_mask_input(c.mask);
    // a label file keeps its label value (extract --label N reads the written file as the original)
    const int value = named ? 1 : s.label;
    const std::string name = named ? (roi.empty() ? "the only segment" : roi) : "label " + std::to_string(s.label);
    MaskLabels out;
    if (c.perturbation.empty()) {
        add_roi(out, in.mask, value, name);
        return out;
    }
    const auto it = std::find_if(job.perturbations.begin(), job.perturbations.end(), [&](const Perturbation& p) { return p.id == c.perturbation; });
    if (it == job.perturbations.end()) {
        std::string ids;
        for (const auto& p : job.perturbations) ids += (ids.empty() ? "" : ", ") + p.id;
        throw Error(ErrorKind::settings, "--perturbation " + c.perturbation + ": not among the job's perturbations (" +
                                             (ids.empty() ? "it has none" : ids) + ")");
    }
    Perturbation p = *it;
    if (!c.study_id.empty()) p.seed = io::lesion_seed(p.seed, c.study_id, c.lesion);  // the run's draws for that lesion
    add_roi(out, pipeline::working_mask(in, s, p), value, name);
    out.grid = "working";
    out.perturbation = p.id;
    return out;
}

std::string grid_note(const MaskLabels& m) {
    if (m.perturbation.empty()) return "the image's grid";
    return "the working grid of perturbation " + m.perturbation + " (resampled/cropped around the ROI as the pipeline does), not the image's grid";
}

void write_label_map(const MaskCommand& c, const MaskLabels& m) {
    io::LabelHeader header;
    header.description = m.perturbation.empty() ? "radhpc mask: image grid" : "radhpc perturbation " + m.perturbation + ": working grid";
    header.keys.emplace_back("radhpc_grid", grid_note(m));
    if (!m.perturbation.empty()) header.keys.emplace_back("radhpc_perturbation", m.perturbation);
    for (const auto& [v, n] : m.names) header.keys.emplace_back("radhpc_label_" + std::to_string(v), n);
    int max_value = 0;
    for (const auto& vn : m.names) max_value = std::max(max_value, vn.first);
    if (max_value <= 255) {
        Volume<std::uint8_t> small(m.map.geometry, 0);
        for (std::size_t i = 0; i < small.data.size(); ++i) small.data[i] = std::uint8_t(m.map.data[i]);
        io::write_labels(small, c.out, header);
    } else {
        io::write_labels(m.map, c.out, header);
    }
}

void write_sidecar(const MaskCommand& c, const MaskLabels& m, const std::vector<std::size_t>& voxels) {
    nlohmann::json j;
    j["image"] = c.image;
    j["mask"] = c.mask;
    j["grid"] = m.grid;
    j["grid_note"] = grid_note(m);
    j["perturbation"] = m.perturbation.empty() ? nlohmann::json() : nlohmann::json(m.perturbation);
    j["labels"] = nlohmann::json::array();
    for (std::size_t k = 0; k < m.names.size(); ++k)
        j["labels"].push_back({{"value", m.names[k].first}, {"name", m.names[k].second}, {"voxels", voxels[k]}});
    const std::string path = c.out + ".labels.json";
    std::ofstream f(path);
    if (!f) throw Error(ErrorKind::io, path + ": cannot write");
    f << j.dump(2) << "\n";
}

void check_options(const MaskCommand& c, MaskOutput kind) {
    if (c.all && c.components) throw Error(ErrorKind::settings, "--all and --components exclude each other");
    if ((c.all || c.components) && (!c.roi.empty() || c.label))
        throw Error(ErrorKind::settings, "--all / --components write every ROI: give no --roi or --label");
    if (!c.perturbation.empty()) {
        if (c.settings.empty()) throw Error(ErrorKind::settings, "--perturbation needs --settings JOB.yaml (its perturbations section)");
        if (c.all || c.components) throw Error(ErrorKind::settings, "--perturbation writes one ROI: not with --all / --components");
        if (kind == MaskOutput::seg)
            throw Error(ErrorKind::settings, "--perturbation: the working grid is not the image series' grid, so it cannot be a SEG of that series; "
                                             "write .nii.gz or .nrrd");
    }
    if (!c.settings.empty() && !c.pyradiomics_params.empty()) throw Error(ErrorKind::settings, "give --settings or --pyradiomics-params, not both");
    if (kind == MaskOutput::seg && !io::is_dicom_image_input(c.image))
        throw Error(ErrorKind::invalid_input, "--out " + c.out + ": a DICOM SEG references a DICOM image series, and " + c.image +
                                                  " is not one (write .nii.gz or .nrrd instead)");
}

}  // namespace

int mask(const MaskCommand& c, std::ostream& log) {
    const MaskOutput kind = mask_output_kind(c.out);
    check_options(c, kind);
    io::Job job;
    if (!c.settings.empty()) job = io::read_job(c.settings);
    else if (!c.pyradiomics_params.empty()) static_cast<io::JobSettings&>(job) = io::read_pyradiomics_params(c.pyradiomics_params);
    io::select_roi(job.settings, c.label, c.roi);
    const MaskLabels m = c.all || c.components ? several_rois(c, job) : one_roi(c, job);
    std::vector<std::size_t> voxels;
    for (const auto& [v, n] : m.names)
        voxels.push_back(std::size_t(std::count(m.map.data.begin(), m.map.data.end(), std::uint16_t(v))));
    if (kind == MaskOutput::seg) {
        if (m.names.back().first > 255) throw Error(ErrorKind::invalid_input, "a DICOM SEG holds at most 255 segments here");
        Mask map(m.map.geometry, 0);
        for (std::size_t i = 0; i < map.data.size(); ++i) map.data[i] = std::uint8_t(m.map.data[i]);
        const io::DicomSeries series = io::find_image_series(c.image, job.settings.dicom);
        io::write_seg_segments(map, m.names, series.files.at(0), c.out);
    } else {
        write_label_map(c, m);
        write_sidecar(c, m, voxels);
    }
    for (std::size_t k = 0; k < m.names.size(); ++k)
        log << "label " << m.names[k].first << " '" << m.names[k].second << "': " << voxels[k] << " voxels\n";
    log << "wrote " << c.out << " on " << grid_note(m) << "\n";
    return 0;
}

}  // namespace radhpc::commands
