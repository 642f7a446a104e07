#include "radhpc/commands/qc_command.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

#include "radhpc/core/error.hpp"
#include "radhpc/io/qc.hpp"
#include "radhpc/io/settings_io.hpp"
#include "radhpc/store/privacy.hpp"

namespace radhpc::commands {

// qc INPUT: DICOM discovery + quality checks over a folder tree or a manifest -> QC CSV (+ metadata CSV).
int qc(const QcCommand& c) {
    const io::JobSettings job = c.settings.empty() ? io::JobSettings{} : io::read_job_file(c.settings);
    const Settings& settings = job.settings;
    const bool manifest = std::filesystem::is_regular_file(c.input) && c.input.size() > 4 && c.input.substr(c.input.size() - 4) == ".csv";
    auto studies = manifest ? io::qc_manifest(c.input, settings, !c.headers_only) : io::qc_folder(c.input, settings, !c.headers_only);
    // Paths in the table (reasons, observed values) in the job's privacy.paths form, relative to
    // the manifest's folder or to the folder searched.
    const store::PathPrivacy privacy(store::parse_path_mode(job.privacy_paths), c.input);
    for (auto& q : studies) {
        q.error = privacy.scrub(q.error, {q.source});
        for (auto& check : q.checks) {
            check.observed = privacy.scrub(check.observed, {q.source});
            check.expected = privacy.scrub(check.expected, {q.source});
        }
        q.source = privacy.display(q.source);
    }
    if (c.out.empty() || c.out == "-") {
        io::write_qc_csv(std::cout, studies);
    } else {
        std::ofstream out(c.out);
        if (!out) throw Error(ErrorKind::io, c.out + ": cannot write");
        io::write_qc_csv(out, studies);
    }
    if (!c.metadata.empty()) {
        std::ofstream meta(c.metadata);
        if (!meta) throw Error(ErrorKind::io, c.metadata + ": cannot write");
        io::write_metadata_csv(meta, studies);
    }
    std::size_t passed = 0, excluded = 0;
    for (const auto& s : studies) {
        passed += s.passed();
        excluded += s.excluded;
    }
    std::cerr << "radhpc qc: " << studies.size() << " entries (series or unreadable files), " << passed << " passed every check, " << excluded << " excluded\n";
    return 0;
}

}  // namespace radhpc::commands
