// Errors: one exception type carrying a machine-readable kind and a human-readable reason.
#pragma once
#include <stdexcept>
#include <string>

namespace radhpc {

enum class ErrorKind {
    io,                // unreadable, truncated or unsupported file
    invalid_input,     // NaN intensities, vector/complex pixels, wrong label, ...
    geometry_mismatch, // image and mask grids differ
    empty_roi,         // ROI empty (possibly after re-segmentation)
    roi_too_small,     // ROI too small for a requested computation
    settings,          // invalid or unsupported settings key
    memory,            // the input or settings ask for more memory than the budget (or the machine) has
    internal,
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const { return kind_; }

private:
    ErrorKind kind_;
};

}  // namespace radhpc
