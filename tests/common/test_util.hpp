// Shared by the suites that run the radhpc executable and read what it writes (batch, robust,
// report, stats_cli and the suites built on them): files, shell commands, scratch folders, CSV rows.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace testutil {
namespace fs = std::filesystem;

// The whole file ("" when it cannot be read).
inline std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs a shell command; stdout+stderr go to `log`. Returns the exit status.
inline int sh(const std::string& cmd, const fs::path& log) {
    const int rc = std::system(("( " + cmd + " ) > '" + log.string() + "' 2>&1").c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

// An empty folder <tmp>/<prefix><name>-<pid> (the pid keeps ctest's parallel processes apart).
inline fs::path scratch_dir(const std::string& prefix, const std::string& name) {
    const fs::path p = fs::temp_directory_path() / (prefix + name + "-" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// CSV rows as cells, for tables without quoted commas; blank lines are skipped. A line ending in
// ',' has an empty last cell only with keep_trailing_empty (std::getline drops it otherwise).
inline std::vector<std::vector<std::string>> csv_rows(const std::string& text, bool keep_trailing_empty = true) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream ls(line);
        while (std::getline(ls, cell, ',')) cells.push_back(cell);
        if (keep_trailing_empty && line.back() == ',') cells.emplace_back();
        rows.push_back(cells);
    }
    return rows;
}

}  // namespace testutil
