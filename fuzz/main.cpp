// libFuzzer driver of one target (RADHPC_FUZZ_TARGET, set per binary by fuzz/CMakeLists.txt).
// radhpc::Error is the parser refusing the input (fine); any other exception escaping is a finding,
// reported with its type and turned into an abort so libFuzzer saves the input.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <typeinfo>

#include "radhpc/core/error.hpp"
#include "targets.hpp"

namespace {
const radhpc::fuzz::Target* target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    // `fuzz_<t> --write-seeds DIR`: seeds for every target, then exit (libFuzzer never starts).
    for (int i = 1; i + 1 < *argc; ++i)
        if (std::strcmp((*argv)[i], "--write-seeds") == 0) {
            const int n = radhpc::fuzz::write_seeds((*argv)[i + 1]);
            std::printf("radhpc fuzz: %d seed files written to %s\n", n, (*argv)[i + 1]);
            std::exit(n > 0 ? 0 : 1);
        }
    target = radhpc::fuzz::find_target(RADHPC_FUZZ_TARGET);
    if (!target) {
        std::fprintf(stderr, "radhpc fuzz: unknown target %s\n", RADHPC_FUZZ_TARGET);
        std::exit(2);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        target->run(data, size);
    } catch (const radhpc::Error& e) {
        // a clean refusal; RADHPC_FUZZ_VERBOSE=1 shows why (to check that seeds get past the parsers)
        static const bool verbose = std::getenv("RADHPC_FUZZ_VERBOSE") != nullptr;
        if (verbose) std::fprintf(stderr, "radhpc fuzz: refused (%s): %.300s\n", radhpc::to_string(e.kind()), e.what());
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "radhpc fuzz: FINDING: %s escaped the %s parser: %s\n", typeid(e).name(), target->name, e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "radhpc fuzz: FINDING: a non-std exception escaped the %s parser\n", target->name);
        std::abort();
    }
    if (std::getenv("RADHPC_FUZZ_VERBOSE")) std::fprintf(stderr, "radhpc fuzz: parsed\n");
    return 0;
}
