// DICOM input through DCMTK: series discovery, CT series -> Image, RTSTRUCT / SEG -> Mask.
// No DCMTK type appears here (DCMTK is an implementation detail of src/io/dicom*.cpp).
//
// PHI rule: nothing in these structs holds a patient-identifying value (name, birth date,
// address, patient ID, accession number, institution, physician, series/study descriptions).
// Study/series UIDs are kept for grouping and matching only; what leaves the program is
// `pseudonym()` of them (a salted SHA-256), never the UID itself.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "radhpc/core/source_image.hpp"
#include "radhpc/core/volume.hpp"

namespace radhpc::io {

// ---------------------------------------------------------------------------------------------
// Discovery

// One DICOM object found in a folder (header fields needed to group, select and order it).
struct DicomObject {
    std::string path;
    std::string sop_class_uid, sop_instance_uid;
    std::string modality;  // (0008,0060)
    std::string study_uid, series_uid, frame_of_reference_uid;
    bool is_image = false;  // carries PixelData and is a CT/MR/PT/... image storage class
    // Without a SeriesInstanceUID (blanked by anonymisers): study + frame of reference + modality +
    // orientation + pixel spacing + rows/columns, the identity such slices are grouped by. Else empty.
    std::string grouping_key;
};

// What discovery's one parse of an image file found (frame headers, findings, metadata, where the
// pixel data lies); opaque, private to src/io/dicom_series.cpp.
struct DicomFileScan;

// One series: objects sharing StudyInstanceUID + SeriesInstanceUID (objects with an empty or missing
// SeriesInstanceUID: sharing DicomObject::grouping_key; such a series has an empty series_uid).
struct DicomSeries {
    std::string study_uid, series_uid, frame_of_reference_uid;
    std::string modality;
    std::string description;  // SeriesDescription: for selection rules only, never written out
    bool localizer = false;   // ImageType holds LOCALIZER (scout / topogram): never a volume
    bool no_geometry = false; // no ImagePositionPatient (secondary captures such as dose screens): never a volume
    bool volume_candidate() const { return !localizer && !no_geometry; }
    std::vector<std::string> files;  // image objects, in path order (ordering by position happens on reading)
    // discover_dicom's parse of each file (same order as `files`): QC, the exclusion rule and reading
    // of this series take it instead of parsing the files again. A series built by hand (files only,
    // or files changed since) is parsed when inspected or read.
    std::vector<std::shared_ptr<const DicomFileScan>> scans;
};

struct DiscoveryResult {
    std::vector<DicomSeries> image_series;  // series of image objects, sorted by (study, series) UID
    std::vector<DicomObject> non_image;     // RTSTRUCT, SEG, SR, presentation states, ... (not grouped)
    std::vector<std::string> unreadable;    // files that are not DICOM or cannot be parsed, each "path: reason"
};

// Scans `folder` recursively (a single file is accepted too). Files that are not DICOM are listed
// in `unreadable`, never fatal: a batch goes on with what can be read.
DiscoveryResult discover_dicom(const std::string& folder);

// Rules choosing a series (job file key `dicom`).
struct SeriesSelection {
    std::vector<std::string> modalities{"CT"};  // accepted Modality values (empty: any)
    std::string description_pattern;            // ECMAScript regex searched in SeriesDescription (empty: any)
    std::string series_uid;                     // exact SeriesInstanceUID (empty: any)
    bool include_localizers = false;            // scouts (ImageType LOCALIZER) are skipped unless asked for
};

// The series that satisfy `rules`. Throws Error(invalid_input) when none or more than one does,
// listing the candidates by modality, slice count and a pseudonymised UID.
DicomSeries select_series(const DiscoveryResult& found, const SeriesSelection& rules, const std::string& folder);

// True when `path` is a file with the DICOM preamble ("DICM" at byte 128) or that DCMTK parses as a
// dataset without meta header. Cheap: reads the header only.
bool is_dicom_file(const std::string& path);

// Modality (0008,0060) and SOP class UID of one file (header only).
struct DicomFileKind {
    std::string modality, sop_class_uid;
};
DicomFileKind dicom_file_kind(const std::string& path);

// ---------------------------------------------------------------------------------------------
// CT series -> Image

// Slice-geometry findings (also the input of the quality checks).
struct SliceReport {
    std::size_t slices = 0;                // image objects read
    std::size_t duplicate_positions = 0;   // slices at a position another slice already has
    std::size_t missing_slices = 0;        // gaps of about k * spacing counted as k-1 missing slices
    std::size_t overlapping_slices = 0;    // neighbours closer than the slice thickness (spacing < thickness) -- informative
    double spacing_min = 0, spacing_max = 0, spacing_median = 0;  // distance between neighbouring positions, mm
    bool uneven_spacing = false;           // max - min > tolerance
    bool mixed_orientation = false;        // ImageOrientationPatient differs between slices
    double gantry_tilt_deg = 0;            // angle between the slice normal and the direction of slice positions
    bool missing_rescale = false;          // RescaleSlope or RescaleIntercept absent on some slice
    bool mixed_rescale = false;            // slope/intercept differ between slices (handled per slice)
    std::vector<std::string> warnings;     // human-readable findings, no PHI
};

// Acquisition metadata (harvested for QC and later harmonisation). Absent tags are nullopt/empty.
struct DicomMetadata {
    std::string modality, manufacturer, model, convolution_kernel, acquisition_date;
    std::string transfer_syntax;  // name of the series' transfer syntax (e.g. "JPEG Lossless")
    std::optional<double> kvp, tube_current_ma, exposure_mas, slice_thickness_mm;
    std::optional<double> pixel_spacing_row_mm, pixel_spacing_col_mm;
    std::optional<std::string> contrast_agent;  // ContrastBolusAgent (0018,0010) when the tag is present
    double rescale_slope = 1, rescale_intercept = 0;
    int bits_stored = 0;
};

struct DicomReadOptions {
    // Relative tolerance on neighbour distances (fraction of the median spacing) before the series
    // counts as unevenly spaced / with missing or duplicated slices.
    double spacing_tolerance = 0.01;
    // Refuse series with findings instead of reading them anyway (reading resamples nothing: an
    // uneven series is stacked with its median spacing, which is wrong geometry, hence the default).
    bool allow_uneven_spacing = false;   // includes missing slices
    bool allow_duplicates = false;       // duplicates are dropped (first in file order kept) when allowed
    bool allow_gantry_tilt = false;
    double gantry_tilt_tolerance_deg = 0.01;
    // CT slices without numeric RescaleSlope/RescaleIntercept are refused (their stored values are not
    // HU); allowed: slope 1, intercept 0 (other modalities always read this way).
    bool allow_missing_rescale = false;
};

struct CtSeries {
    Image image;                 // rescaled values (slope * stored + intercept), geometry in LPS mm
    PixelType pixel_type;        // the integer type ITK/GDCM would give the rescaled series
    std::vector<std::string> slice_sop_instance_uids;  // z index -> SOPInstanceUID (RTSTRUCT matching)
    std::string study_uid, series_uid, frame_of_reference_uid;
    SliceReport report;
    DicomMetadata metadata;
};

// Reads the image objects of one series (monochrome; single-frame slices and/or multi-frame Enhanced
// objects, whose frames are placed by their functional groups). Slices are ordered by
// ImagePositionPatient projected on the slice normal (cross product of the ImageOrientationPatient
// row and column cosines); direction = [row, column, normal]; origin = first slice position; z
// spacing = median neighbour distance. Throws Error(io) for undecodable pixel data (naming the
// transfer syntax), Error(invalid_input) for inconsistent geometry that the options do not allow.
CtSeries read_dicom_series(const DicomSeries& series, const DicomReadOptions& options = {});

// read_dicom_series keeping the voxels as core/source_image.hpp's SourceImage: decoded straight into
// int16 when the series' pixel type is integer and every rescaled value fits int16, else as doubles
// -- the image make_source_image(read_dicom_series(...).image, pixel_type) gives, without the whole
// volume in double on the way. `info` receives the rest of the CtSeries (its image empty but for the
// geometry).
SourceImage read_dicom_source(const DicomSeries& series, const DicomReadOptions& options = {}, CtSeries* info = nullptr);

// Slices are decoded in parallel (oneTBB, in the task arena in effect: a caller's thread limit holds),
// each into its own plane of the volume: the result is bit-identical whatever the number of threads;
// a failure is reported for the lowest slice, as a sequential read would. Native little-endian pixel
// data is read from the offset discovery's parse found, without parsing the file again.

// Only the slice report and metadata (no pixel data decoded): for QC over many studies.
CtSeries inspect_dicom_series(const DicomSeries& series, const DicomReadOptions& options = {});

// DICOM files parsed by DCMTK and native pixel data read without a parse, since the program started
// (all threads): lets tests and benchmarks check that a study's files are parsed once.
struct DicomIoCounters {
    std::uint64_t parses = 0, pixel_reads = 0;
};
DicomIoCounters dicom_io_counters();

// discover + select + read: a folder holding one CT series (or with `rules` choosing one).
CtSeries read_dicom_folder(const std::string& folder, const SeriesSelection& rules = {},
                           const DicomReadOptions& options = {});

// ---------------------------------------------------------------------------------------------
// RTSTRUCT -> Mask

struct RtRoi {
    int number = 0;
    std::string name;
    std::size_t closed_contours = 0, other_contours = 0;
};

struct RtStructInfo {
    std::string referenced_frame_of_reference_uid;
    std::vector<std::string> referenced_series_uids;
    std::vector<RtRoi> rois;
};

RtStructInfo read_rtstruct_info(const std::string& path);

struct RasterReport {
    std::size_t contours = 0;            // CLOSED_PLANAR contours rasterised
    std::size_t skipped_contours = 0;    // POINT / OPEN_PLANAR contours (no area)
    std::size_t points_outside = 0;      // contour points outside the grid (beyond half a voxel)
    std::size_t off_slice_contours = 0;  // contours whose plane is not on a slice centre (> 1% of the slice spacing)
    std::size_t voxels = 0;              // voxels in the mask
};

struct RtStructOptions {
    // exact ROI name, or (when `roi_is_pattern`) an ECMAScript regex that must match the whole name.
    std::string roi;
    bool roi_is_pattern = false;
    // Contour points outside the grid: an error by default (a GTV outside the scan is a broken
    // study); when allowed, the polygon is clipped to the grid and counted in the report.
    bool allow_outside = false;
};

// Rasterises one ROI on `grid` (normally the referenced CT series' geometry).
//
// Rule (documented boundary behaviour): contours are grouped by the slice their plane falls on; on
// each slice all CLOSED_PLANAR polygons of the ROI are combined with the even-odd rule (a voxel
// inside two nested contours is outside: holes). A voxel belongs to the mask when its CENTRE is
// inside, decided by a ray cast towards +x with edges taken half-open in y (lower end included,
// upper excluded): a centre exactly on a left or bottom edge is inside, exactly on a right or top
// edge outside. No partial-volume fraction is computed. Contour planes must lie within 1% of a slice
// spacing of a slice centre, otherwise the contour goes to the nearest slice and is counted.
Mask read_rtstruct_mask(const std::string& path, const Geometry& grid, const RtStructOptions& options,
                        RasterReport* report = nullptr);

// One mask per ROI whose name matches `pattern` (whole-name ECMAScript regex; empty: every ROI), in
// the file's ROI order, same rule as read_rtstruct_mask.
std::vector<std::pair<std::string, Mask>> read_rtstruct_masks(const std::string& path, const Geometry& grid,
                                                              const std::string& pattern = "", bool allow_outside = false);

// An RTSTRUCT parsed once (every ROI's contours in memory): each requested ROI is rasterised from it,
// so a study listing several ROIs of one file reads and parses that file once. read_rtstruct_mask and
// read_rtstruct_masks are this class on a fresh parse (same rule, same masks).
class ParsedRtStruct {
public:
    explicit ParsedRtStruct(const std::string& path);
    const RtStructInfo& info() const;
    Mask mask(const Geometry& grid, const RtStructOptions& options, RasterReport* report = nullptr) const;
    std::vector<std::pair<std::string, Mask>> masks(const Geometry& grid, const std::string& pattern = "", bool allow_outside = false) const;
    struct Impl;

private:
    std::shared_ptr<const Impl> impl_;
};

// ---------------------------------------------------------------------------------------------
// DICOM SEG -> Mask

struct SegSegment {
    int number = 0;
    std::string label;
};

struct SegInfo {
    std::string type;  // BINARY or FRACTIONAL
    std::vector<SegSegment> segments;
    std::string frame_of_reference_uid;
};
SegInfo read_seg_info(const std::string& path);

// One segment of a DICOM SEG, resampled onto `grid` by frame position (every frame must lie on a
// slice of `grid` with the same in-plane geometry). Chosen by exact label (or pattern) or, when
// `segment` is a number, by SegmentNumber. Fractional segments are thresholded at
// `fraction_threshold` of MaximumFractionalValue (inside when >=).
struct SegOptions {
    std::string segment;  // label, pattern or number; empty: the only segment
    bool segment_is_pattern = false;
    double fraction_threshold = 0.5;
};
Mask read_seg_mask(const std::string& path, const Geometry& grid, const SegOptions& options);

// A SEG read and decoded once (native, RLE Lossless including 1-bit BINARY frames, JPEG 2000): each
// requested segment is placed on the grid from it. Consistency is checked on parsing: NumberOfFrames
// against the per-frame functional groups and the frames stored, a ReferencedSegmentNumber on every
// frame, finite frame positions (Error(invalid_input) naming the file and tag). read_seg_mask is this
// class on a fresh parse.
class ParsedSeg {
public:
    explicit ParsedSeg(const std::string& path);
    const SegInfo& info() const;
    Mask mask(const Geometry& grid, const SegOptions& options) const;
    struct Impl;

private:
    std::shared_ptr<const Impl> impl_;
};

// Writes `mask` as a binary DICOM SEG with one segment (DCMTK's dcmseg), in the study and frame of
// reference of `reference_file` (an image of the series the mask lies on; patient/study attributes
// are copied from it, as a SEG that goes back to the archive needs). One frame per slice that holds
// mask voxels; frame positions come from the mask's geometry. `fractional`: a FRACTIONAL (occupancy)
// SEG whose voxel values 0..255 are written as they are (MaximumFractionalValue 255); otherwise BINARY
// (any non-zero value is inside).
void write_seg(const Mask& mask, const std::string& segment_label, const std::string& reference_file, const std::string& path,
               bool fractional = false);

// Several segments of one label map in one BINARY SEG: segment k is `labels == segments[k].first`,
// labelled segments[k].second (SegmentNumber k+1, in this order), one frame per segment and slice that
// holds its voxels. `uid_key` non-empty: the SEG's SOP instance, series and dimension organisation UIDs
// are derived from it and its dates left empty, so the same inputs give the same file byte for byte.
void write_seg_segments(const Mask& labels, const std::vector<std::pair<int, std::string>>& segments,
                        const std::string& reference_file, const std::string& path, const std::string& uid_key = "");

// ---------------------------------------------------------------------------------------------
// Writing synthetic studies (radhpc synth --format dicom; src/io/dicom_write.cpp)

// Identity of a synthetic study. Only synthetic values: the patient ID is the one patient attribute
// with a value (PatientName, BirthDate, Sex are present and empty); no dates or times are written.
struct SyntheticStudyIds {
    std::string patient_id;  // e.g. "P0001"
    std::string study_id;    // StudyID (at most 16 characters)
    // Every UID is "2.25." + the decimal value of the first 128 bits of SHA-256(uid_key + "|" + role):
    // no clock, no random source, so an archive rewritten from the same seed is identical.
    std::string uid_key;
    std::string kernel;  // ConvolutionKernel (the synthetic scanner batch); empty: not written
};

// The UID of `role` under `uid_key` (rule above).
std::string derived_uid(const std::string& uid_key, const std::string& role);

// Writes `hu` (HU, every value in [-1024, 3071]) as one uncompressed CT Image Storage file per slice,
// explicit VR little endian, `folder`/CT<z+1, 5 digits>.dcm. Stored values are unsigned 12-bit
// (BitsAllocated 16, BitsStored 12, PixelRepresentation 0) = HU + 1024, RescaleSlope 1,
// RescaleIntercept -1024: what most CT scanners write, and the reader's rescale is exercised.
// ImagePositionPatient = the slice's first voxel centre (geometry.index_to_point), ImageOrientationPatient =
// the direction's first two columns (LPS), PixelSpacing = row\column spacing, SliceThickness = z spacing.
// Returns the files in slice order.
std::vector<std::string> write_ct_series(const Volume<std::int16_t>& hu, const std::string& folder, const SyntheticStudyIds& ids);

// One ROI to write: the voxels of `labels` equal to `label`.
struct RoiToWrite {
    int label = 0;
    std::string name;
    std::string interpreted_type = "GTV";  // RTROIInterpretedType (GTV, ORGAN, ...)
};

// Writes an RT Structure Set referencing the CT series `ct_files` (as write_ct_series wrote it; patient,
// study and frame of reference are copied from them and every contour names its slice's SOP instance).
// Each ROI gets, per slice, one CLOSED_PLANAR contour per 4-connected region and one per hole (the
// reader's even-odd rule makes holes holes): the iso-line at half the way between inside and outside
// voxel centres (marching squares on the slice, collinear points dropped), so every inside voxel centre
// is inside its polygon and every outside one outside: read_rtstruct_mask on the CT grid gives the
// label's voxels back. `labels` must lie on the CT grid. The RTSTRUCT's UIDs derive from the CT study's.
void write_rtstruct(const Mask& labels, const std::vector<RoiToWrite>& rois, const std::vector<std::string>& ct_files,
                    const std::string& path);

// ---------------------------------------------------------------------------------------------

// Salted SHA-256 of `value`, hex, first 16 characters: the identifier written in place of UIDs.
// The salt comes from RADHPC_PSEUDONYM_SALT when set, else a fixed project salt.
std::string pseudonym(const std::string& value);

}  // namespace radhpc::io
