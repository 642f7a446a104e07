// Shared helpers of the batch-engine tests: tiny synthetic archives (fast to extract), a job
// file, running the radhpc executable (with or without mpirun) and reading its outputs.
#pragma once
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/test_util.hpp"
#include "radhpc/core/volume.hpp"
#include "radhpc/io/image_io.hpp"

#include "radhpc/core/random.hpp"

namespace batch_test {
namespace fs = std::filesystem;

inline const std::string kRadhpc = RADHPC_BINARY;

inline std::uint64_t splitmix(std::uint64_t& s) { return radhpc::splitmix64(s); }
inline double uniform(std::uint64_t& s) { return double(splitmix(s) >> 11) * 0x1.0p-53; }

// A small CT-like study: 24 x 24 x 12 voxels (1 x 1 x 1.5 mm), 1-3 noisy blob lesions with
// labels 1..k. Sizes vary (2.6-3.8 mm radii) so that "largest first" has something to order.
struct TinyStudy {
    radhpc::Volume<std::int16_t> image;
    radhpc::Mask labels;
    int lesions;
};

inline TinyStudy make_tiny_study(std::uint64_t seed, int index) {
    std::uint64_t s = seed * 7919 + std::uint64_t(index) * 104729 + 1;
    radhpc::Geometry g;
    g.size = {24, 24, 12};
    g.spacing = {1.0, 1.0, 1.5};
    g.origin = {-10, -10, double(index % 7) * 2.0};
    TinyStudy st{radhpc::Volume<std::int16_t>(g, 0), radhpc::Mask(g, 0), 1 + int(splitmix(s) % 3)};
    struct Blob {
        double cx, cy, cz, r, hu, amp;
    };
    std::vector<Blob> blobs;
    for (int l = 0; l < st.lesions; ++l)
        blobs.push_back({4.5 + 7.5 * l + uniform(s), 9 + uniform(s) * 6, 5 + uniform(s) * 2, 2.6 + uniform(s) * 1.2,
                         20 + uniform(s) * 60, 60 + uniform(s) * 60});
    for (std::size_t z = 0; z < g.size[2]; ++z)
        for (std::size_t y = 0; y < g.size[1]; ++y)
            for (std::size_t x = 0; x < g.size[0]; ++x) {
                double hu = -50 + 100 * uniform(s);
                int label = 0;
                for (int l = 0; l < st.lesions; ++l) {
                    const auto& b = blobs[std::size_t(l)];
                    const double dx = double(x) - b.cx, dy = double(y) - b.cy, dz = (double(z) - b.cz) * 1.5;
                    if (dx * dx + dy * dy + dz * dz <= b.r * b.r) {
                        label = l + 1;
                        hu = b.hu + b.amp * (uniform(s) - 0.5) * 2;
                    }
                }
                const std::size_t i = st.image.index(x, y, z);
                st.image.data[i] = std::int16_t(std::lround(hu));
                st.labels.data[i] = std::uint8_t(label);
            }
    return st;
}

inline std::string study_id(int i) {
    char b[16];
    std::snprintf(b, sizeof b, "T%04d", i);
    return b;
}

// Writes <dir>/images, <dir>/masks and <dir>/manifest.csv; built once per (n, seed) and reused
// (atomic rename of a finished folder, so concurrent test processes never see half an archive).
inline std::string tiny_archive(int n, std::uint64_t seed = 7) {
    const fs::path base = fs::temp_directory_path() / ("radhpc-batch-archive-v2-" + std::to_string(n) + "-" + std::to_string(seed));
    if (fs::exists(base / "manifest.csv")) return base.string();
    const fs::path tmp = base.string() + ".tmp" + std::to_string(::getpid());
    fs::remove_all(tmp);
    fs::create_directories(tmp / "images");
    fs::create_directories(tmp / "masks");
    std::ofstream m(tmp / "manifest.csv");
    m << "study_id,patient_id,image,mask,labels,outcome,scanner\n";
    for (int i = 0; i < n; ++i) {
        const auto st = make_tiny_study(seed, i);
        const std::string id = study_id(i);
        radhpc::io::write_image(st.image, (tmp / "images" / (id + ".nii.gz")).string());
        radhpc::io::write_labels(st.labels, (tmp / "masks" / (id + ".nii.gz")).string());
        std::string labels;
        for (int l = 1; l <= st.lesions; ++l) labels += (l > 1 ? ";" : "") + std::to_string(l);
        m << id << ",P" << i / 2 << ",images/" << id << ".nii.gz,masks/" << id << ".nii.gz," << labels << "," << i % 2 << ","
          << (i % 3 ? "sharp" : "smooth") << "\n";
    }
    m.close();
    std::error_code ec;
    fs::rename(tmp, base, ec);
    if (ec) fs::remove_all(tmp);
    return base.string();
}

// A job with the families that are quick on tiny lesions.
inline std::string tiny_job(const fs::path& dir, const std::string& run_extra = "") {
    const fs::path p = dir / "job.yaml";
    std::ofstream j(p);
    j << "version: 1\nname: tiny\nprofile: ibsi\n"
         "preprocess:\n  resegment: {min: -1000, max: 400}\n  discretisation: {method: fixed_bin_size, bin_width: 25}\n"
         "features:\n  families: [morph, stat, ih, szm]\n  aggregation: [3D_avg]\n"
         "run: {progress_interval_s: 5, flush_interval_s: 0.2, fsync: false"
      << run_extra << "}\n";
    return p.string();
}

inline fs::path scratch(const std::string& name) { return testutil::scratch_dir("radhpc-batch-", name); }

using testutil::sh;
using testutil::slurp;

inline std::string mpirun(int ranks) {
    return "mpirun --allow-run-as-root --oversubscribe --bind-to none -np " + std::to_string(ranks) + " ";
}

// A private copy of `n` tiny studies (so the test may change and delete inputs).
inline fs::path private_archive(const std::string& name, int n) {
    const auto dir = scratch(name);
    fs::create_directories(dir / "img");
    std::ofstream m(dir / "manifest.csv");
    m << "study_id,patient_id,image,mask,labels,outcome\n";
    for (int i = 0; i < n; ++i) {
        const auto st = make_tiny_study(3, i);
        const std::string id = study_id(i);
        radhpc::io::write_image(st.image, (dir / "img" / (id + ".nii.gz")).string());
        radhpc::io::write_labels(st.labels, (dir / "img" / (id + "_m.nii.gz")).string());
        std::string labels;
        for (int l = 1; l <= st.lesions; ++l) labels += (l > 1 ? ";" : "") + std::to_string(l);
        m << id << ",P" << i / 2 << ",img/" << id << ".nii.gz,img/" << id << "_m.nii.gz," << labels << "," << i % 2 << "\n";
    }
    return dir;
}

inline std::string export_csv(const fs::path& store, const fs::path& out, const std::string& names = "ibsi") {
    const int rc = sh(kRadhpc + " export '" + store.string() + "' --format csv --names " + names + " --out '" + out.string() + "'",
                      out.string() + ".log");
    if (rc != 0) return "export failed: " + slurp(out.string() + ".log");
    return slurp(out);
}

// Starts `cmd` under /bin/sh in its own session (so the whole process group can be signalled),
// stdout and stderr to `log`; returns at once with the shell's pid.
inline pid_t spawn(const std::string& cmd, const fs::path& log) {
    const pid_t pid = fork();
    if (pid == 0) {
        setsid();
        const std::string full = cmd + " > '" + log.string() + "' 2>&1";
        execl("/bin/sh", "sh", "-c", full.c_str(), (char*)nullptr);
        _exit(127);
    }
    return pid;
}

// Every descendant of `root` (from /proc), so that mpirun's ranks are killed too.
inline std::vector<pid_t> descendants(pid_t root) {
    std::multimap<pid_t, pid_t> children;
    if (DIR* d = opendir("/proc")) {
        while (dirent* e = readdir(d)) {
            const pid_t pid = pid_t(std::atoi(e->d_name));
            if (pid <= 0) continue;
            std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
            std::string line;
            std::getline(st, line);
            const auto close = line.rfind(')');
            if (close == std::string::npos) continue;
            std::istringstream rest(line.substr(close + 2));
            char state;
            pid_t ppid;
            rest >> state >> ppid;
            children.emplace(ppid, pid);
        }
        closedir(d);
    }
    std::vector<pid_t> out, todo{root};
    while (!todo.empty()) {
        const pid_t p = todo.back();
        todo.pop_back();
        for (auto [it, end] = children.equal_range(p); it != end; ++it) {
            out.push_back(it->second);
            todo.push_back(it->second);
        }
    }
    return out;
}

// SIGKILL to `pid`, its process group and every descendant; then reaps it.
inline void kill_all(pid_t pid) {
    for (int round = 0; round < 3; ++round) {  // ranks may still be starting: repeat
        for (pid_t p : descendants(pid)) kill(p, SIGKILL);
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    int status = 0;
    waitpid(pid, &status, 0);
}


}  // namespace batch_test
