// IBSI submission tables (dataset,family,feature,consensus,reference value,tolerance,your result,
// difference,check,tag): fill in "your result", "difference" and "check" from computed values,
// so users can show compliance for their own settings.
#pragma once
#include <string>

#include "radhpc/core/feature_values.hpp"

namespace radhpc::io {

struct IbsiTableSummary {
    int rows = 0;          // rows with a tag
    int filled = 0;        // rows for which a value was computed
    int with_reference = 0;
    int passed = 0;        // IBSI rule: round to 3 significant digits, |value - reference| <= tolerance
};

// Reads `table_csv` (UTF-8 BOM allowed), writes the same table with the three result columns filled
// to `out_csv`. Rows whose tag was not computed keep empty result columns.
IbsiTableSummary fill_ibsi_table(const std::string& table_csv, const FeatureValues& values, const std::string& out_csv);

}  // namespace radhpc::io
