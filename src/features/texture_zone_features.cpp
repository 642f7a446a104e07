// Statistics shared by run-length, size-zone, distance-zone and dependence matrices:
// IBSI 1 sections 3.7-3.9 and 3.11 (rlm, szm, dzm, ngl); PyRadiomics glrlm.py, glszm.py, gldm.py.
// Computed from the non-zero cells only, so zone-size matrices with thousands of columns stay cheap.
#include <algorithm>
#include <cmath>

#include "radhpc/features/texture_detail.hpp"

namespace radhpc::features::detail {

std::array<double, zone_stat_count> zone_statistics(const DenseMatrix& counts, const std::vector<int>& lv,
                                                    double percentage_denominator, bool pyradiomics_entropy) {
    std::vector<Cell> cells;
    for (int r = 0; r < counts.rows; ++r)
        for (int c = 0; c < counts.cols; ++c)
            if (counts.at(r, c) != 0) cells.push_back({r, c + 1, counts.at(r, c)});
    return zone_statistics_cells(std::move(cells), lv, percentage_denominator, pyradiomics_entropy);
}

std::vector<Cell> zone_cells(const std::vector<Zone>& zones, const std::vector<int>* subset, bool distance) {
    // Most zones are small: count j <= dense_limit in a dense (level x j) table, sort only the rest.
    constexpr int dense_limit = 256;
    int levels = 0;
    auto each = [&](auto&& f) {
        if (subset) for (int k : *subset) f(zones[std::size_t(k)]);
        else for (const auto& z : zones) f(z);
    };
    each([&](const Zone& z) { levels = std::max(levels, z.level + 1); });
    std::vector<std::uint32_t> dense(std::size_t(levels) * dense_limit, 0);
    std::vector<std::pair<int, int>> large;
    each([&](const Zone& z) {
        const int j = distance ? z.distance : z.size;
        if (j >= 1 && j <= dense_limit) ++dense[std::size_t(z.level) * dense_limit + std::size_t(j - 1)];
        else large.emplace_back(z.level, j);
    });
    std::sort(large.begin(), large.end());
    std::vector<Cell> cells;
    std::size_t next_large = 0;
    for (int r = 0; r < levels; ++r) {
        // j < 1 (distance outside the morphological mask) sorts first within its row
        while (next_large < large.size() && large[next_large].first == r && large[next_large].second < 1) {
            if (!cells.empty() && cells.back().row == r && cells.back().j == large[next_large].second) cells.back().value += 1;
            else cells.push_back({r, large[next_large].second, 1.0});
            ++next_large;
        }
        for (int j = 1; j <= dense_limit; ++j)
            if (const auto c = dense[std::size_t(r) * dense_limit + std::size_t(j - 1)]) cells.push_back({r, j, double(c)});
        for (; next_large < large.size() && large[next_large].first == r; ++next_large) {
            if (!cells.empty() && cells.back().row == r && cells.back().j == large[next_large].second) cells.back().value += 1;
            else cells.push_back({r, large[next_large].second, 1.0});
        }
    }
    return cells;
}

std::array<double, zone_stat_count> zone_statistics_cells(std::vector<Cell> cells, const std::vector<int>& lv,
                                                          double percentage_denominator, bool pyradiomics_entropy) {
    std::array<double, zone_stat_count> f{};
    // Row-major order (row, then j), as a dense scan would visit the cells.
    std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
        return a.row < b.row || (a.row == b.row && a.j < b.j);
    });
    double total = 0;  // N: number of runs / zones / neighbourhoods
    for (const auto& c : cells) total += c.value;
    std::vector<double> row(lv.size(), 0.0);
    double covered = 0;  // sum_ij j P(i,j): voxels covered by the matrix
    for (const auto& cell : cells) {
        const double v = cell.value, i = lv[std::size_t(cell.row)], j = cell.j;
        row[std::size_t(cell.row)] += v;
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
    // Column sums in ascending j.
    std::vector<std::pair<int, double>> col;
    {
        std::vector<Cell> by_j = cells;
        std::stable_sort(by_j.begin(), by_j.end(), [](const Cell& a, const Cell& b) { return a.j < b.j; });
        for (const auto& c : by_j) {
            if (!col.empty() && col.back().first == c.j) col.back().second += c.value;
            else col.emplace_back(c.j, c.value);
        }
    }
    double glnu = 0, jnu = 0, mu_i = 0, mu_j = 0;
    for (std::size_t r = 0; r < row.size(); ++r) {
        glnu += row[r] * row[r];
        mu_i += lv[r] * row[r] / total;
    }
    for (const auto& [j, s] : col) {
        jnu += s * s;
        mu_j += j * s / total;
    }
    f[zs_grey_nonuniformity] = glnu / total;               // sum_i (sum_j P)^2 / N
    f[zs_grey_nonuniformity_norm] = glnu / (total * total);
    f[zs_j_nonuniformity] = jnu / total;                   // sum_j (sum_i P)^2 / N
    f[zs_j_nonuniformity_norm] = jnu / (total * total);
    f[zs_percentage] = total / (percentage_denominator > 0 ? percentage_denominator : covered);
    double gl_var = 0, j_var = 0, ent = 0, energy = 0;
    for (std::size_t r = 0; r < row.size(); ++r) {
        const double d = lv[r] - mu_i;
        gl_var += d * d * row[r] / total;                  // sum p (i - mu_i)^2
    }
    for (const auto& [j, s] : col) {
        const double d = j - mu_j;
        j_var += d * d * s / total;                        // sum p (j - mu_j)^2
    }
    for (const auto& c : cells) {
        const double p = c.value / total;
        energy += p * p;
        ent -= pyradiomics_entropy ? p * std::log2(p + pyradiomics_eps) : p * std::log2(p);
    }
    f[zs_grey_variance] = gl_var;
    f[zs_j_variance] = j_var;
    f[zs_entropy] = ent;
    f[zs_energy] = energy;
    return f;
}

}  // namespace radhpc::features::detail
