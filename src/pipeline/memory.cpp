#include "radhpc/pipeline/memory.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "radhpc/core/error.hpp"

namespace radhpc::pipeline {

double node_memory_mb(NodeMemory which) {
    const std::string wanted = which == NodeMemory::total ? "MemTotal:" : "MemAvailable:";
    double bytes = 0;
    std::ifstream meminfo("/proc/meminfo");
    std::string key;
    double kib = 0;
    while (meminfo >> key >> kib) {
        if (key == wanted) {
            bytes = kib * 1024;
            break;
        }
        meminfo.ignore(256, '\n');
    }
    for (const char* limit_file : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
        std::ifstream in(limit_file);
        double limit = 0;
        if (in >> limit && limit > 0 && (bytes == 0 || limit < bytes)) bytes = limit;  // "max" does not parse
    }
    return bytes / 1048576.0;
}

namespace {
// The first bytes of a file, gunzipped when it is gzip; nothing for anything but a regular file
// (a FIFO or a device would block or never end).
std::string head_bytes(const std::string& path, std::size_t n) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return {};
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return {};
    std::string buf(n, '\0');
    const int got = gzread(f, buf.data(), unsigned(n));
    gzclose(f);
    buf.resize(got > 0 ? std::size_t(got) : 0);
    return buf;
}
}  // namespace

double estimate_study_bytes(const std::string& path, const Settings& settings) {
    double voxels = 0;
    bool floating = false;  // stored as floating point: kept as double unless every value is an int16
    const std::string head = head_bytes(path, 4096);
    if (head.size() >= 348 && (head.compare(344, 3, "n+1") == 0 || head.compare(344, 3, "ni1") == 0)) {
        std::int16_t dim[8], datatype = 0;
        std::memcpy(dim, head.data() + 40, sizeof dim);
        std::memcpy(&datatype, head.data() + 70, sizeof datatype);
        voxels = 1;
        for (int a = 1; a <= std::min<int>(dim[0], 7); ++a) voxels *= std::max<int>(dim[a], 1);
        floating = datatype == 16 || datatype == 64 || datatype == 1536;  // FLOAT32, FLOAT64, FLOAT128
    } else if (head.rfind("NRRD", 0) == 0) {
        std::istringstream in(head);
        std::string line;
        while (std::getline(in, line) && !line.empty()) {
            if (line.rfind("sizes:", 0) == 0) {
                std::istringstream s(line.substr(6));
                double v;
                voxels = 1;
                while (s >> v) voxels *= v;
            } else if (line.rfind("type:", 0) == 0) {
                floating = line.find("float") != std::string::npos || line.find("double") != std::string::npos;
            }
        }
    }
    if (voxels <= 0) return 0;
    // What a study holds for all its lesions: the image (int16 for integer CT data, double when
    // stored as floating point), the label map as int16, one lesion's whole-grid mask, plus a byte a
    // voxel for the reader's transient buffers; and a whole-image double copy where a setting asks
    // for one (normalisation; ITK's linear/nearest resampling in the pyradiomics profile). Each
    // lesion's own grids (its crop or resampled box) are held to the budget by the pipeline before
    // they are allocated (pipeline::check_memory_budget).
    const bool whole_double = settings.normalize.enabled ||
                              (settings.profile == Profile::pyradiomics && settings.resample.enabled &&
                               settings.resample.image_interpolation != Interpolation::bspline);
    return voxels * ((floating ? 8.0 : 2.0) + 2.0 + 1.0 + 1.0 + (whole_double ? 8.0 : 0.0));
}

bool over_memory_budget(const Settings& settings, double bytes) {
    return settings.memory_budget_mb > 0 && bytes > settings.memory_budget_mb * 1048576.0;
}

void check_memory_budget(const Settings& settings, double bytes, const std::string& who, const std::string& what) {
    if (!over_memory_budget(settings, bytes)) return;
    std::ostringstream s;
    s << who << ": " << what << " needs an estimated " << std::llround(bytes / 1048576.0) << " MiB, more than the memory budget of "
      << std::llround(settings.memory_budget_mb) << " MiB (run.memory_budget_mb; radhpc extract: the machine's available memory)";
    throw Error(ErrorKind::memory, s.str());
}

void budget_for_one_lesion(Settings& settings) {
    if (!(settings.memory_budget_mb > 0)) settings.memory_budget_mb = node_memory_mb(NodeMemory::available);
}

}  // namespace radhpc::pipeline
