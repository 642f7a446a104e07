#include "radhpc/commands/diagnostic_command.hpp"

#include <fstream>
#include <ostream>

#include "radhpc/core/error.hpp"
#include "radhpc/commands/stats_commands.hpp"
#include "radhpc/stats/diagnostic.hpp"

namespace radhpc::commands {

void stats_diagnostic(const DiagnosticCommand& c, std::ostream& stdout_stream) {
    const auto m = stats::diagnostic_metrics_from_counts(c.tp, c.fp, c.tn, c.fn, c.level);
    std::ofstream file;
    std::ostream* out = &stdout_stream;
    if (!c.out.empty() && c.out != "-") {
        file.open(c.out);
        if (!file) throw Error(ErrorKind::io, c.out + ": cannot write");
        out = &file;
    }
    auto& o = *out;
    o << "{\n  \"true_positive\": " << m.true_positive << ",\n  \"false_positive\": " << m.false_positive
      << ",\n  \"true_negative\": " << m.true_negative << ",\n  \"false_negative\": " << m.false_negative;
    const std::pair<const char*, stats::Estimate> rows[] = {{"sensitivity", m.sensitivity}, {"specificity", m.specificity},
                                                             {"ppv", m.ppv},                 {"npv", m.npv},
                                                             {"lr_positive", m.lr_positive}, {"lr_negative", m.lr_negative}};
    for (const auto& [name, e] : rows)
        o << ",\n  \"" << name << "\": " << json_number(e.estimate) << ",\n  \"" << name << "_lower\": " << json_number(e.lower)
          << ",\n  \"" << name << "_upper\": " << json_number(e.upper);
    o << ",\n  \"level\": " << json_number(c.level)
      << ",\n  \"methods\": {\"proportions\": \"Clopper-Pearson exact (binom.test)\", \"likelihood_ratios\": \"log method (Simel et al. 1991)\"}\n}\n";
    if (!o) throw Error(ErrorKind::io, c.out + ": write failed");
}

}  // namespace radhpc::commands
