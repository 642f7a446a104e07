// What rank 0 checks and fingerprints before a run computes anything: input files (size, mtime,
// XXH64), the store directory, the shard, the run id and library versions. Internal to `engine`.
#pragma once
#include <cstdint>
#include <string>
#include <utility>

namespace radhpc::engine {

// A file, or a folder (a DICOM series): size = total bytes, mtime = the newest file's.
struct InputState {
    bool exists = false;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
};
InputState input_state(const std::string& path);

// XXH64 of a file; of a folder: XXH64 over (relative path, file checksum) of every file, sorted.
std::string input_checksum(const std::string& path);

// "hdf5 ...; Open MPI ...; oneTBB ...; zlib ...; <io libraries>" for the run record.
std::string libraries_text();

// Memory a rank may use when the job sets no budget: the node's memory (or the cgroup limit a
// batch system sets, if lower) shared by the ranks on the node. MiB; 0 when unknown.
double default_memory_budget_mb(int ranks_on_node);

// "--shard I/N" -> (I, N); Error(settings) unless 0 <= I < N.
std::pair<int, int> parse_shard(const std::string& s);

// 12 hex digits, different for every run.
std::string make_run_id();

// A store the run cannot write is refused before anything is computed (read-only mount, no
// permission, full file system), instead of failing at the first flush with the work lost.
void check_store_writable(const std::string& store);

}  // namespace radhpc::engine
