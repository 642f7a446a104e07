// The longitudinal stage (issue 18): from the store's feature rows and each study's timepoint and
// lesion identities (read from the manifest by the command), the changes of every lesion between
// timepoints (delta radiomics), the tumour burden per timepoint, paired tests per feature and a
// signature's class per timepoint -> store::Longitudinal.
#pragma once
#include <map>
#include <string>

#include "radhpc/io/job.hpp"
#include "radhpc/store/store.hpp"

namespace radhpc::analysis {

// What the manifest says of one study.
struct StudyTimepoint {
    std::string patient_id, timepoint;
    double order = 0;                          // the `order` column's value (NaN without one)
    std::map<std::int64_t, std::string> lesion_ids;  // the rows' lesion key -> stable identity
    double time = 0;                           // longitudinal.time (NaN without it)
    int event = -1;                            // longitudinal.event (-1 without it)
};

// The timepoints in order: longitudinal.timepoints, else by the smallest `order` value of their
// studies, else by first appearance.
std::vector<std::string> timepoint_order(const io::LongitudinalSection& cfg, const std::map<std::string, StudyTimepoint>& studies);

// Relative change (to - from) / from; NaN and flagged where from is 0. Resolved and new lesions
// have NaN changes and their status. Deterministic: rows sorted by (patient, lesion id, pair, from, to).
store::Longitudinal compute_longitudinal(const io::LongitudinalSection& cfg, const store::Contents& contents,
                                         const std::map<std::string, StudyTimepoint>& studies);

// XXH64 over what the stage reads (study ids, timepoints, identities, the rows' values): a stored
// result is stale when this differs.
std::string longitudinal_table_hash(const store::Contents& contents, const std::map<std::string, StudyTimepoint>& studies);

}  // namespace radhpc::analysis
