// `radhpc stats diagnostic --tp N --fp N --tn N --fn N`: diagnostic accuracy from a 2x2 table
// (e.g. a paper's table) through the same function a signature run uses
// (stats::diagnostic_metrics_from_counts).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

namespace radhpc::commands {

struct DiagnosticCommand {
    std::int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    double level = 0.95;
    std::string out;  // empty or "-": stdout
};
// JSON object: the counts, then for sensitivity, specificity, ppv, npv (Clopper-Pearson exact)
// and lr_positive, lr_negative (log method) the keys <metric>, <metric>_lower, <metric>_upper
// (%.17g; null when not defined), and level.
void stats_diagnostic(const DiagnosticCommand& command, std::ostream& stdout_stream);

}  // namespace radhpc::commands
