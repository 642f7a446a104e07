// `radhpc stats combat`: ComBat harmonisation of a feature table (rows = samples, columns =
// features) with stats::combat. Option parsing stays in src/cli/main.cpp.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace radhpc::commands {

struct CombatCommand {
    std::string csv;
    std::string batch;                    // batch column (text or numbers; each distinct value is a batch)
    std::vector<std::string> covariates;  // columns to preserve: numeric as is, text as a factor (dummy columns)
    std::vector<std::string> exclude;     // numeric columns that are not features (ids, ...), passed through
    std::string ref_batch;                // empty: none; else a batch value, left unchanged
    bool mean_only = false;
    bool nonparametric = false;
    std::string out;                      // empty or "-": stdout
    // Fit on `csv`, then also harmonise this table with the fitted estimates (stats::combat_apply):
    // same feature and covariate columns by name, batches among the fitted ones.
    std::string apply_csv;
    std::string apply_out;                // empty or "-": stdout
};

// Writes the input table with every numeric column other than the batch, the covariates and the
// excluded ones replaced by its harmonised values (sva::ComBat(t(features), batch, mod =
// model.matrix(~covariates), par.prior = !nonparametric, mean.only, ref.batch)); other columns are
// copied as they are. Factor covariate levels and batches are ordered as R orders them (numbers
// numerically, text by byte order); the result does not depend on that order. With apply_csv,
// that table is written too (to apply_out), harmonised with the estimates fitted on `csv`.
void stats_combat(const CombatCommand& command, std::ostream& stdout_stream);

}  // namespace radhpc::commands
