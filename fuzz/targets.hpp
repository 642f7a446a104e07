// Fuzz targets: one entry function per parser radhpc owns or calls. Each takes the raw input bytes
// and either returns (parsed) or throws radhpc::Error (rejected); anything else -- another exception
// type, a crash, a sanitizer report, a leak, a hang -- is a finding. The same functions run under
// libFuzzer (fuzz/main.cpp, RADHPC_FUZZ=ON) and over the committed corpus in the normal build
// (tests/fuzz), so a regression input replays identically in both.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc::fuzz {

using Entry = void (*)(const std::uint8_t* data, std::size_t size);

struct Target {
    const char* name;  // folder name under fuzz/corpus/ and suffix of the fuzz_<name> binary
    Entry run;
};

// Every target, in a fixed order.
const std::vector<Target>& targets();
const Target* find_target(const std::string& name);

// Writes valid seed inputs for every target into dir/<target>/ (made with radhpc's own writers,
// ITK and DCMTK; nothing derived from ../shared/data). Returns the number of files written.
int write_seeds(const std::string& dir);

}  // namespace radhpc::fuzz
