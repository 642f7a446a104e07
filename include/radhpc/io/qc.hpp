// Quality checks on DICOM studies and acquisition-metadata harvest (plain rows; the HDF5 store and
// the CSV writer both take them). No DCMTK type here.
//
// PHI: a study is identified by the manifest's study id or, for folder scans, by
// io::pseudonym(StudyInstanceUID); series by io::pseudonym(SeriesInstanceUID). No patient-module,
// institution or description value is ever copied into these rows.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "radhpc/core/settings.hpp"
#include "radhpc/io/dicom.hpp"

namespace radhpc::io {

class MaskInputReader;  // dicom_input.hpp

// One check of one study. status: "pass", "fail", or "info" (recorded only: no limit configured).
struct QcCheck {
    std::string check, status, observed, expected;
};

struct StudyQc {
    std::string study_id, series_id;  // manifest id or pseudonym; pseudonym of the series UID
    std::string source;               // the input path as given (folder or manifest row's image)
    bool readable = false;            // false: the series could not be read at all (see error)
    std::string error;                // reason, without PHI
    bool excluded = false;            // a check failed and qc.action is "exclude" (or unreadable)
    std::vector<QcCheck> checks;
    DicomMetadata metadata;
    SliceReport report;
    Geometry grid;                    // the series' voxel grid (for checking its masks)
    bool passed() const;              // readable and no check failed
};

// Runs every configured check on one series. `decode_pixels` also decodes all pixel data (finds
// truncated or undecodable files); never throws for a bad series: the reason goes into the result.
StudyQc qc_series(const DicomSeries& series, const Settings& settings, const std::string& study_id = "",
                  bool decode_pixels = true);

// Checks a DICOM mask (RTSTRUCT ROI or SEG segment `roi`) of a checked series and appends the rows
// roi_found (fail: the reason, e.g. the ROI names present), frame_of_reference, contour_outside
// (points beyond the grid) and roi_voxels (fail when empty). Non-DICOM masks get one info row.
void qc_mask(StudyQc& study, const DicomSeries& series, const std::string& mask_path, const std::string& roi, const Settings& settings);
// The same with `reader` holding the parsed mask files (one parse per file for a study's QC and reading).
void qc_mask(StudyQc& study, const DicomSeries& series, const std::string& mask_path, const std::string& roi, const Settings& settings,
             MaskInputReader& reader);

// Every image series under `folder` (one StudyQc per series); unreadable files become StudyQc
// entries with readable = false so that the table shows them. RTSTRUCT/SEG objects in the tree are
// checked (qc_mask, ROI settings.dicom.roi) against the series they refer to.
std::vector<StudyQc> qc_folder(const std::string& folder, const Settings& settings, bool decode_pixels = true);

// A manifest CSV with a header holding `image` (and `study_id` or `id`; optional `mask` and `roi`;
// paths relative to the manifest's folder). Rows whose image is a DICOM folder are checked (series
// chosen by settings.dicom), with their RTSTRUCT/SEG mask when given (ROI from the row's `roi`, else
// settings.dicom.roi); NIfTI/NRRD rows get one "format" info row. A bad row never stops the others.
std::vector<StudyQc> qc_manifest(const std::string& manifest_csv, const Settings& settings, bool decode_pixels = true);

// When the job excludes studies that fail a check (qc.action: exclude) and `image_path` is a DICOM
// input, runs the checks (headers only) and throws Error(invalid_input) "QC excluded the study:
// <check> failed (observed ..., expected ...)". No-op for NIfTI/NRRD inputs and for flag-only jobs.
void enforce_qc(const std::string& image_path, const Settings& settings);
// The same on the series checks already run (qc_series of the study's series, before any qc_mask rows).
void enforce_qc(const StudyQc& series_checks, const std::string& image_path, const Settings& settings);

// Flat rows, one per check (the store's QC table).
struct QcRow {
    std::string study_id, series_id, check, status, observed, expected;
};
std::vector<QcRow> qc_rows(const std::vector<StudyQc>& studies);

// One row per study (the store's metadata table; later the batch variables for ComBat).
struct MetadataRow {
    std::string study_id, series_id, modality, manufacturer, model, convolution_kernel, acquisition_date, transfer_syntax,
        contrast_agent;
    std::string kvp, tube_current_ma, exposure_mas, slice_thickness_mm, pixel_spacing_mm, slice_spacing_mm, slices;
    // numbers are written with up to 6 significant digits; absent values are empty strings
};
std::vector<MetadataRow> metadata_rows(const std::vector<StudyQc>& studies);

// CSV: header study_id,series_id,check,status,observed,expected (study rows "excluded" /
// "readable" included), and the metadata table.
void write_qc_csv(std::ostream& out, const std::vector<StudyQc>& studies);
void write_metadata_csv(std::ostream& out, const std::vector<StudyQc>& studies);

}  // namespace radhpc::io
