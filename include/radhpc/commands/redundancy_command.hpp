// `radhpc stats redundancy`: clusters of mutually correlated features (stats::redundancy) of a
// feature table (rows = samples, columns = features). Option parsing stays in src/cli/main.cpp.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace radhpc::commands {

struct RedundancyCommand {
    std::string csv;
    double threshold = 0.9;            // |Spearman rho| at which features count as redundant
    std::vector<std::string> exclude;  // numeric columns that are not features
    std::string out;                   // empty or "-": stdout
};

// CSV feature,cluster,archetype: one row per numeric column (table order) except the excluded
// ones; cluster as cutree(hclust(as.dist(1 - |rho|), "average"), h = 1 - threshold) numbers it;
// archetype = the name of the cluster's medoid (highest mean |rho| to the other members).
void stats_redundancy(const RedundancyCommand& command, std::ostream& stdout_stream);

}  // namespace radhpc::commands
