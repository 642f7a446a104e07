// Logging through spdlog: one stderr logger, pattern chosen by whether stderr is a terminal.
#include "radhpc/engine/log.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace radhpc::engine::log {
namespace {

std::mutex g_mutex;
Level g_level = Level::info;
int g_rank = 0;
bool g_line_open = false;  // a progress line is on the terminal without its newline

void apply_pattern(spdlog::logger& l) {
    // On a terminal the lines stay short; in files they get a timestamp for the log reader.
    const std::string who = g_rank > 0 ? "radhpc[" + std::to_string(g_rank) + "]" : "radhpc";
    l.set_pattern(stderr_is_terminal() ? who + ": %v" : "%Y-%m-%dT%H:%M:%SZ " + who + ": %v", spdlog::pattern_time_type::utc);
}

std::shared_ptr<spdlog::logger> make_logger() {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("radhpc", sink);
    l->set_level(spdlog::level::trace);  // filtering happens here, by g_level
    apply_pattern(*l);
    return l;
}

spdlog::logger& logger() {
    static const std::shared_ptr<spdlog::logger> l = make_logger();
    return *l;
}

void emit(Level l, const char* tag, const std::string& message) {
    if (!enabled(l)) return;
    std::lock_guard lock(g_mutex);
    if (g_line_open) {  // do not write over a progress line
        std::fputs("\n", stderr);
        g_line_open = false;
    }
    logger().info("{}{}", tag, message);
    logger().flush();
}

std::string duration(double s) {
    if (!(s >= 0) || !std::isfinite(s)) return "?";
    const long t = std::lround(s);
    char b[48];
    if (t < 60)
        std::snprintf(b, sizeof b, "%lds", t);
    else if (t < 3600)
        std::snprintf(b, sizeof b, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(b, sizeof b, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
    return b;
}

}  // namespace

void configure(Level level, int rank) {
    std::lock_guard lock(g_mutex);
    g_level = level;
    g_rank = rank;
    apply_pattern(logger());
}

Level level() { return g_level; }
bool enabled(Level l) { return int(l) >= int(g_level); }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

void debug(const std::string& m) { emit(Level::debug, "debug: ", m); }
void info(const std::string& m) { emit(Level::info, "", m); }
void warn(const std::string& m) { emit(Level::warn, "warning: ", m); }
void error(const std::string& m) { emit(Level::error, "error: ", m); }

std::string progress_text(const ProgressState& s) {
    const double rate = s.elapsed_s > 0 ? double(s.done) / s.elapsed_s : 0;
    char b[256];
    const double pct = s.total ? 100.0 * double(s.done) / double(s.total) : 100.0;
    int n = std::snprintf(b, sizeof b, "%s%zu/%zu %s (%.1f%%), %zu failed, %.2f %s/s", s.final ? "done: " : "", s.done, s.total,
                          s.unit.c_str(), pct, s.failed, rate, s.unit.c_str());
    std::string out(b, std::size_t(n));
    if (s.final)
        out += " in " + duration(s.elapsed_s);
    else
        out += ", ETA " + (rate > 0 ? duration(double(s.total - std::min(s.done, s.total)) / rate) : std::string("?"));
    return out;
}

void progress(const ProgressState& s) {
    if (!enabled(Level::info)) return;
    if (!stderr_is_terminal()) {
        info(progress_text(s));
        return;
    }
    std::lock_guard lock(g_mutex);
    // \r and "erase to end of line" redraw the line in place.
    std::fprintf(stderr, "\r\033[Kradhpc: %s%s", progress_text(s).c_str(), s.final ? "\n" : "");
    std::fflush(stderr);
    g_line_open = !s.final;
}

}  // namespace radhpc::engine::log
