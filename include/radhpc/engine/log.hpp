// Log lines and the progress line of the batch commands (spdlog underneath). Layer `engine`.
//
// Levels: error < warn < info (default) < debug. `--quiet` keeps warnings and errors, `--verbose`
// adds debug lines (one per study). Every line starts with "radhpc" (and the rank on ranks > 0);
// when stderr is not a terminal (SLURM logs, files) each line also carries a UTC timestamp, and
// the progress line is printed as periodic plain lines instead of being redrawn in place.
#pragma once
#include <cstddef>
#include <string>

namespace radhpc::engine::log {

enum class Level { debug, info, warn, error };

// Sets the level and the rank shown in the lines; safe to call again (e.g. after MPI_Init).
void configure(Level level, int rank = 0);
Level level();
bool enabled(Level l);
bool stderr_is_terminal();

void debug(const std::string& message);
void info(const std::string& message);
void warn(const std::string& message);
void error(const std::string& message);

struct ProgressState {
    std::size_t done = 0, failed = 0, total = 0;
    double elapsed_s = 0;
    std::string unit = "studies";  // studies | tasks
    bool final = false;
};

// "120/1000 studies (12.0%), 2 failed, 3.10 studies/s, ETA 4m44s" (final: "done: ... in 5m10s").
std::string progress_text(const ProgressState& s);

// Shows the progress: on a terminal one line redrawn in place (ended by the final call); elsewhere
// an info line per call. Silent below info level.
void progress(const ProgressState& s);

}  // namespace radhpc::engine::log
