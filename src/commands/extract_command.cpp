#include "radhpc/commands/extract_command.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"
#include "radhpc/features/registry.hpp"
#include "radhpc/io/ibsi_table.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/pipeline/extract.hpp"
#include "radhpc/pipeline/memory.hpp"

namespace radhpc::commands {
namespace {

using text::format17;

void write_features(std::ostream& out, const FeatureValues& values, features::Naming naming) {
    out << "feature,value\n";
    for (const auto& f : values) out << features::output_name(f.name, naming) << "," << format17(f.value) << "\n";
}

}  // namespace

int extract(const ExtractCommand& c) {
    if (c.settings.empty() && c.pyradiomics_params.empty()) throw Error(ErrorKind::settings, "extract needs --settings or --pyradiomics-params");
    io::JobSettings job = !c.pyradiomics_params.empty() ? io::read_pyradiomics_params(c.pyradiomics_params) : io::read_job_file(c.settings);
    io::select_roi(job.settings, c.label, c.roi);
    pipeline::budget_for_one_lesion(job.settings);
    pipeline::check_memory_budget(job.settings, pipeline::estimate_study_bytes(c.image, job.settings), c.image, "reading the image");
    const bool diag = c.diagnostics || job.output.diagnostics || !c.ibsi_table.empty();
    const auto r = pipeline::extract_files(c.image, c.mask, job.settings, diag);
    if (!c.ibsi_table.empty()) {
        // --ibsi-table: fill the submission table's result columns instead of writing feature,value
        if (c.out.empty() || c.out == "-") throw Error(ErrorKind::settings, "--ibsi-table needs --out FILLED.csv");
        FeatureValues all = r.diagnostics;
        all.insert(all.end(), r.features.begin(), r.features.end());
        const auto sum = io::fill_ibsi_table(c.ibsi_table, all, c.out);
        std::fprintf(stderr, "radhpc: %d of %d table rows computed; %d of %d rows with a reference pass IBSI's rule\n", sum.filled, sum.rows,
                     sum.passed, sum.with_reference);
        return 0;
    }
    const features::Naming naming =
        features::naming_from(c.names, job.output.pyradiomics_names ? features::Naming::pyradiomics : features::Naming::ibsi);
    FeatureValues all = r.features;
    if (diag) all.insert(all.begin(), r.diagnostics.begin(), r.diagnostics.end());
    if (c.out.empty() || c.out == "-") {
        write_features(std::cout, all, naming);
    } else {
        std::ofstream out(c.out);
        if (!out) throw Error(ErrorKind::io, c.out + ": cannot write");
        write_features(out, all, naming);
    }
    if (c.timings)
        std::fprintf(stderr, "{\"read_s\": %.6f, \"preprocess_s\": %.6f, \"features_s\": %.6f, \"total_s\": %.6f}\n",
                     r.timings.read_s, r.timings.preprocess_s, r.timings.features_s, r.timings.total_s);
    return 0;
}

}  // namespace radhpc::commands
