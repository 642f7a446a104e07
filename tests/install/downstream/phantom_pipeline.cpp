// Downstream use of radhpc::pipeline + radhpc::io from an installed prefix: the installed job file
// share/radhpc/jobs/ibsi/digital-phantom.yaml (argv[1]) read by io::read_job_file, the digital
// phantom through pipeline::extract (every IBSI family and texture aggregation), each value compared
// with the reference of the submission table (argv[2]); the phantom's image and mask NIfTI files
// (argv[3], argv[4]) are read by the installed io layer (pipeline::load). Exit 0 only if every feature with a
// reference matches and every reference was computed.
#include <cstdio>
#include <exception>

#include "phantom.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"

int main(int argc, char** argv) try {
    if (argc != 5) {
        std::fprintf(stderr,
                     "usage: phantom_pipeline digital-phantom.yaml ibsi1_submission_table_digital_phantom.csv phantom.nii.gz mask.nii.gz\n");
        return 2;
    }
    const radhpc::io::JobSettings job = radhpc::io::read_job_file(argv[1]);
    const auto refs = phantom::read_references(argv[2]);
    const radhpc::pipeline::LesionInput input = radhpc::pipeline::load(argv[3], argv[4], job.settings);
    const auto result = radhpc::pipeline::extract(input, job.settings);

    int checked = 0, failed = 0;
    for (const auto& f : result.features) {
        const auto ref = refs.find(f.name);
        if (ref == refs.end()) continue;
        const bool ok = phantom::matches(f.value, ref->second);
        if (!ok)
            std::printf("FAIL %-26s %12.6g  reference %g +- %g\n", f.name.c_str(), f.value, ref->second.value,
                        ref->second.tolerance);
        ++checked;
        failed += !ok;
    }
    // the job computes every family, so every row of the table with a reference value is checked
    std::printf("phantom_pipeline: %zu features computed, %d of the %zu reference values checked, %d failed\n",
                result.features.size(), checked, refs.size(), failed);
    return failed == 0 && std::size_t(checked) == refs.size() ? 0 : 1;
} catch (const std::exception& e) {
    std::fprintf(stderr, "phantom_pipeline: %s\n", e.what());
    return 1;
}
