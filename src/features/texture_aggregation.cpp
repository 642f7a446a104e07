// IBSI 1 and PyRadiomics rules for combining a family's matrices and features over slices, directions and
// angles (see texture_internal.hpp). Parallel units write only their own slot; every floating-point
// reduction runs afterwards in a fixed order, so results do not depend on the thread count.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "texture_internal.hpp"

namespace radhpc::features::detail {

// Mean over the present items, in order. nan_aware: numpy.nanmean (NaN entries ignored).
Feat mean_of(const std::vector<OptFeat>& items, std::size_t n, bool nan_aware) {
    Feat sum(n, 0.0), count(n, 0.0);
    for (const auto& it : items) {
        if (!it) continue;
        for (std::size_t k = 0; k < n; ++k) {
            if (nan_aware && std::isnan((*it)[k])) continue;
            sum[k] += (*it)[k];
            count[k] += 1;
        }
    }
    for (std::size_t k = 0; k < n; ++k) sum[k] = count[k] > 0 ? sum[k] / count[k] : nan_value;
    return sum;
}

// a + weight_b * b (a may be empty; b may have more columns than a).
DenseMatrix add_dense(DenseMatrix a, const DenseMatrix& b, double weight_b) {
    if (a.rows == 0) {
        for (auto& x : (a = b).v) x *= weight_b;
        return a;
    }
    if (b.cols > a.cols) {
        DenseMatrix grown{a.rows, b.cols, std::vector<double>(std::size_t(a.rows) * std::size_t(b.cols), 0.0)};
        for (int r = 0; r < a.rows; ++r)
            for (int c = 0; c < a.cols; ++c) grown.v[std::size_t(r) * grown.cols + c] = a.at(r, c);
        a = std::move(grown);
    }
    for (int r = 0; r < b.rows; ++r)
        for (int c = 0; c < b.cols; ++c) a.v[std::size_t(r) * a.cols + c] += weight_b * b.at(r, c);
    return a;
}

// PyRadiomics distance weights, d = |angle| * spacing: glcm uses exp(-||d||^2), glrlm uses ||d||.
double pyradiomics_weight(const Offset3& a, const Vec3& spacing, DistanceWeighting w, bool exponential) {
    double manhattan = 0, euclid2 = 0, chebyshev = 0;
    for (std::size_t k = 0; k < 3; ++k) {
        const double d = std::abs(a[k]) * spacing[k];
        manhattan += d;
        euclid2 += d * d;
        chebyshev = std::max(chebyshev, d);
    }
    double norm = 0;
    switch (w) {
        case DistanceWeighting::manhattan: norm = manhattan; break;
        case DistanceWeighting::euclidean: norm = std::sqrt(euclid2); break;
        case DistanceWeighting::chebyshev: norm = chebyshev; break;
        case DistanceWeighting::none: return 1.0;
    }
    return exponential ? std::exp(-norm * norm) : norm;
}

Plan make_plan(const TextureSettings& s) {
    Plan p;
    for (auto a : s.aggregations) switch (a) {
            case Aggregation::d2_avg: p.d2_avg = true; break;
            case Aggregation::d2_smrg: p.d2_comb = true; break;
            case Aggregation::d25_dmrg: p.d25_avg = true; break;
            case Aggregation::d25_mrg: p.d25_comb = true; break;
            case Aggregation::d3_avg: p.d3_avg = true; break;
            case Aggregation::d3_mrg: p.d3_comb = true; break;
        }
    return p;
}

Feat pyradiomics_angles(const std::vector<DenseMatrix>& mats, const std::vector<double>& weights, bool merge,
                        std::size_t nf, const std::function<Feat(const DenseMatrix&)>& features) {
    if (merge) {
        DenseMatrix merged;
        for (std::size_t k = 0; k < mats.size(); ++k) merged = add_dense(std::move(merged), mats[k], weights[k]);
        return merged.total() > 0 ? features(merged) : Feat(nf, nan_value);
    }
    // per-angle features (empty angles deleted, as PyRadiomics does), then the NaN-aware mean
    std::vector<OptFeat> per(mats.size());
    tbb::parallel_for(std::size_t(0), mats.size(), [&](std::size_t k) {
        if (mats[k].total() > 0) per[k] = features(mats[k]);
    });
    return mean_of(per, nf, true);
}

Put putter(const FamilyDecl& family, FeatureValues& out) {
    return [&family, &out](std::string_view variant, const Feat& f) { emit(family, variant, f, out); };
}

// IBSI aggregation for directional matrices (IBSI 3.6.1): 2D avg = mean over slices x directions;
// 2D comb = per slice the direction-merged matrix, mean over slices; 2.5D avg = per direction the
// slice-merged matrix, mean over directions; 2.5D comb = all merged; 3D avg = mean over the 13 directions;
// 3D comb = all merged. Slice-merged in-plane matrices equal whole-box in-plane matrices.
void ibsi_directional(const Plan& plan, const std::vector<int>& slices, const std::vector<Offset3>& dirs2d,
                      const std::vector<Offset3>& dirs3d, const std::function<DenseMatrix(const Offset3&)>& matrix,
                      const std::function<std::vector<DenseMatrix>(int slice)>& slice_matrices,
                      const std::function<Feat(const DenseMatrix&)>& features, std::size_t nf, const Put& put) {
    if (plan.any_2d()) {
        std::vector<OptFeat> per_dir(slices.size() * dirs2d.size());
        std::vector<OptFeat> per_slice(slices.size());
        tbb::parallel_for(std::size_t(0), slices.size(), [&](std::size_t s) {
            DenseMatrix merged;
            const auto mats = slice_matrices(slices[s]);  // the in-plane directions of this slice
            for (std::size_t d = 0; d < dirs2d.size(); ++d) {
                const DenseMatrix& m = mats[d];
                if (m.total() == 0) continue;
                if (plan.d2_avg) per_dir[s * dirs2d.size() + d] = features(m);
                merged = add_dense(std::move(merged), m);
            }
            if (plan.d2_comb && merged.rows > 0) per_slice[s] = features(merged);
        });
        if (plan.d2_avg) put(kDirectionalAggregations[0], mean_of(per_dir, nf, false));
        if (plan.d2_comb) put(kDirectionalAggregations[1], mean_of(per_slice, nf, false));
    }
    auto whole = [&](const std::vector<Offset3>& dirs, bool avg, bool comb, std::string_view s_avg, std::string_view s_comb) {
        if (!avg && !comb) return;
        std::vector<DenseMatrix> mats(dirs.size());
        for (std::size_t d = 0; d < dirs.size(); ++d) mats[d] = matrix(dirs[d]);
        std::vector<OptFeat> per_dir(dirs.size());
        if (avg)
            tbb::parallel_for(std::size_t(0), dirs.size(), [&](std::size_t d) {
                if (mats[d].total() > 0) per_dir[d] = features(mats[d]);
            });
        if (avg) put(s_avg, mean_of(per_dir, nf, false));
        if (comb) {
            DenseMatrix merged;
            for (const auto& m : mats) merged = add_dense(std::move(merged), m);
            put(s_comb, merged.rows > 0 && merged.total() > 0 ? features(merged) : Feat(nf, nan_value));
        }
    };
    whole(dirs2d, plan.d25_avg, plan.d25_comb, kDirectionalAggregations[2], kDirectionalAggregations[3]);
    whole(dirs3d, plan.d3_avg, plan.d3_comb, kDirectionalAggregations[4], kDirectionalAggregations[5]);
}

// IBSI aggregation for non-directional matrices: 2D = mean over slices, 2.5D = slice-merged, 3D.
void ibsi_nondirectional(const Plan& plan, const std::vector<int>& slices,
                         const std::function<OptFeat(int slice)>& slice_features,
                         const std::function<OptFeat()>& merged_25d, const std::function<OptFeat()>& volume_3d,
                         std::size_t nf, const Put& put) {
    if (plan.any_2d()) {
        std::vector<OptFeat> per_slice(slices.size());
        tbb::parallel_for(std::size_t(0), slices.size(), [&](std::size_t s) { per_slice[s] = slice_features(slices[s]); });
        put(kVolumeAggregations[0], mean_of(per_slice, nf, false));
    }
    if (plan.any_25d()) {
        auto f = merged_25d();
        put(kVolumeAggregations[1], f ? *f : Feat(nf, nan_value));
    }
    if (plan.any_3d()) {
        auto f = volume_3d();
        put(kVolumeAggregations[2], f ? *f : Feat(nf, nan_value));
    }
}

}  // namespace radhpc::features::detail
