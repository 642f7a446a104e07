// Proposed lesion correspondences between two scans of a patient (issue 18: longitudinal studies
// where the reader's lesion identities are missing), by centroid distance after a rigid alignment
// of the two lesion sets. Proposals are for review; nothing above the threshold is proposed.
#pragma once
#include <Eigen/Dense>
#include <vector>

namespace radhpc::stats {

struct LesionMatch {
    int a = -1, b = -1;       // rows of a and b
    double distance_mm = 0;   // |a_i - (R b_j + t)| under the final alignment, <= threshold_mm
};

struct LesionMatching {
    std::vector<LesionMatch> matches;  // ascending a
    // b aligned onto a: a ~ rotation * b + translation (identity rotation when fewer than 3 pairs).
    Eigen::Matrix3d rotation = Eigen::Matrix3d::Identity();
    Eigen::Vector3d translation = Eigen::Vector3d::Zero();
    int iterations = 0;        // ICP iterations of the chosen start plus those of the final refinement
    int starts = 0;            // alignments tried (the means' translation and every candidate pair)
    double rms_mm = 0;         // root mean square distance of the matches (0 without matches)
};

// a: n x 3, b: m x 3 centroids (mm, patient coordinates). Rigid alignment of b onto a, iterated like
// ICP (assignment of the pairs within threshold_mm, then Kabsch on them) from the translation that
// aligns the sets' means and from the translation of every candidate pair (a_i, b_j); the start
// with the most pairs (then the smallest total distance, then the earliest) is refined with the
// optimal one-to-one assignment (Hungarian: most pairs, then least total distance) among the pairs
// whose aligned distance is <= threshold_mm. With fewer than 3 pairs, or pairs whose b centroids
// are (nearly) collinear, or a fitted rotation above 30 degrees, the alignment is a translation.
// A lone pair is self-fulfilling (a translation fits any one pair exactly), so with more than one
// lesion in either scan and at most one aligned pair, the lesions are matched without alignment, in
// the scans' own patient coordinates (pairs within threshold_mm); with one lesion in each, the
// aligned pair is proposed. Deterministic. Throws invalid_input unless both have 3 columns, every value is
// finite and threshold_mm > 0.
LesionMatching match_lesions(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double threshold_mm);

}  // namespace radhpc::stats
