// Statistics shared by run-length, size-zone, distance-zone and dependence matrices:
// IBSI 1 sections 3.7-3.9 and 3.11 (rlm, szm, dzm, ngl); PyRadiomics glrlm.py, glszm.py, gldm.py.
#include <cmath>

#include "radhpc/features/texture_detail.hpp"

namespace radhpc::features::detail {

std::array<double, zone_stat_count> zone_statistics(const DenseMatrix& counts, const std::vector<int>& lv,
                                                    double percentage_denominator, bool pyradiomics_entropy) {
    std::array<double, zone_stat_count> f{};
    const double total = counts.total();  // N: number of runs / zones / neighbourhoods
    std::vector<double> row(std::size_t(counts.rows), 0.0), col(std::size_t(counts.cols), 0.0);
    double covered = 0;  // sum_ij j P(i,j): voxels covered by the matrix
    for (int r = 0; r < counts.rows; ++r)
        for (int c = 0; c < counts.cols; ++c) {
            const double v = counts.at(r, c);
            if (v == 0) continue;
            const double i = lv[std::size_t(r)], j = c + 1;
            row[std::size_t(r)] += v;
            col[std::size_t(c)] += v;
            covered += j * v;
            f[zs_small_emphasis] += v / (j * j);            // sum P / j^2
            f[zs_large_emphasis] += v * j * j;              // sum P j^2
            f[zs_low_grey_emphasis] += v / (i * i);         // sum P / i^2
            f[zs_high_grey_emphasis] += v * i * i;          // sum P i^2
            f[zs_small_low_emphasis] += v / (i * i * j * j);
            f[zs_small_high_emphasis] += v * i * i / (j * j);
            f[zs_large_low_emphasis] += v * j * j / (i * i);
            f[zs_large_high_emphasis] += v * i * i * j * j;
        }
    for (int k = zs_small_emphasis; k <= zs_large_high_emphasis; ++k) f[std::size_t(k)] /= total;
    double glnu = 0, jnu = 0, mu_i = 0, mu_j = 0;
    for (int r = 0; r < counts.rows; ++r) {
        glnu += row[std::size_t(r)] * row[std::size_t(r)];
        mu_i += lv[std::size_t(r)] * row[std::size_t(r)] / total;
    }
    for (int c = 0; c < counts.cols; ++c) {
        jnu += col[std::size_t(c)] * col[std::size_t(c)];
        mu_j += (c + 1) * col[std::size_t(c)] / total;
    }
    f[zs_grey_nonuniformity] = glnu / total;               // sum_i (sum_j P)^2 / N
    f[zs_grey_nonuniformity_norm] = glnu / (total * total);
    f[zs_j_nonuniformity] = jnu / total;                   // sum_j (sum_i P)^2 / N
    f[zs_j_nonuniformity_norm] = jnu / (total * total);
    f[zs_percentage] = total / (percentage_denominator > 0 ? percentage_denominator : covered);
    double gl_var = 0, j_var = 0, ent = 0, energy = 0;
    for (int r = 0; r < counts.rows; ++r) {
        const double d = lv[std::size_t(r)] - mu_i;
        gl_var += d * d * row[std::size_t(r)] / total;  // sum p (i - mu_i)^2
    }
    for (int c = 0; c < counts.cols; ++c) {
        const double d = (c + 1) - mu_j;
        j_var += d * d * col[std::size_t(c)] / total;   // sum p (j - mu_j)^2
    }
    for (double v : counts.v) {
        const double p = v / total;
        energy += p * p;
        if (pyradiomics_entropy) ent -= p * std::log2(p + pyradiomics_eps);
        else if (p > 0) ent -= p * std::log2(p);
    }
    f[zs_grey_variance] = gl_var;
    f[zs_j_variance] = j_var;
    f[zs_entropy] = ent;
    f[zs_energy] = energy;
    return f;
}

}  // namespace radhpc::features::detail
