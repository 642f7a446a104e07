// Private paths (job key `privacy.paths`): what may be written of an input path to the store, the
// logs, QC tables, reports and error messages. One mapping for every writer; the store layer holds
// it because everything a run writes passes through the store's records.
//
//   full      the path as the manifest resolves it (absolute), unchanged
//   relative  relative to the manifest's folder ("images/ct.nii.gz"; "../other/ct.nii.gz" outside it)
//   hashed    "h:" + 16 hex digits of XXH64 of the relative form: inputs stay distinct (and the
//             same across runs and moves of the archive), no folder or file name is written
//
// Not part of the settings identity: features depend on checksums, never on how a path is shown.
#pragma once
#include <string>
#include <vector>

namespace radhpc::store {

enum class PathMode { full, relative, hashed };

// "full" | "relative" | "hashed"; anything else throws Error(settings).
PathMode parse_path_mode(const std::string& text);

class PathPrivacy {
public:
    PathPrivacy() = default;  // full: nothing changed
    // `base_file`: the manifest (or the file / folder the paths are relative to); its folder is the
    // base of the relative and hashed forms. A folder given as `base_file` is itself the base.
    PathPrivacy(PathMode mode, const std::string& base_file);

    PathMode mode() const { return mode_; }

    // An input path (absolute, or relative to the current directory) as it may be written.
    std::string display(const std::string& path) const;

    // A path read back from a store written under any mode, shown in this mode: a hashed form stays
    // as it is, an absolute path is mapped, a relative form is taken relative to the base.
    std::string redisplay(const std::string& stored) const;

    // True when `stored` (an /inputs path written under any mode) names `path`: resume reuses the
    // stored checksum whatever mode wrote it.
    bool same_input(const std::string& stored, const std::string& path) const;

    // `text` (an error message, a log line, a command line, a job file) with every occurrence of a
    // known path, and of any path below one, replaced by its display form. Known paths: the base
    // folder and file (absolute, canonical and as given), and `inputs` (in hashed mode also their
    // relative forms). Identity in full mode.
    std::string scrub(const std::string& text, const std::vector<std::string>& inputs = {}) const;

private:
    std::string absolute_of(const std::string& path) const;  // lexically normal absolute path
    std::string relative_of(const std::string& absolute) const;
    struct Root {
        std::string text;      // as it may appear in a message
        std::string absolute;  // the path it stands for
    };
    PathMode mode_ = PathMode::full;
    std::string base_;                       // absolute, lexically normal folder
    std::vector<Root> roots_;                // base roots (inputs are added per call)
};

}  // namespace radhpc::store
