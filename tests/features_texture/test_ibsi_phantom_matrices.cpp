// IBSI digital phantom texture matrices (ibsi_manual_digital_phantom_texture_matrices.rst, parsed at run time).
// The .rst captions that name the direction and slice of each table were damaged in conversion ("slice: 4 of
// 4" everywhere, one direction label per block), so each section is compared as a multiset: every reference
// table must equal one distinct computed matrix of that section (2D: every slice x direction; 3D: every
// direction). Counts are exact; NGTDM s_i is printed with 3 decimals, so it is compared within 5e-4.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>

#include "radhpc/features/texture.hpp"
#include "radhpc/io/image_io.hpp"
#include "texture_test_util.hpp"

using namespace radhpc;
using namespace radhpc::features;
using texture_test::shared;

namespace {

using Entry = std::array<double, 3>;  // (grey level, column value, cell value)
using Table = std::vector<Entry>;

// Sections (heading -> tables) of the .rst file. A table is a grid table with 3 numeric columns.
std::map<std::string, std::vector<Table>> parse_rst(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in.good());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    std::map<std::string, std::vector<Table>> out;
    std::string section;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        const std::string& l = lines[k];
        if (k + 1 < lines.size() && !l.empty() && lines[k + 1].rfind("---", 0) == 0 && l[0] != ' ') {
            section = l;
            continue;
        }
        const auto bar = l.find('|');
        if (bar == std::string::npos || l.find_first_not_of(' ') != bar) continue;
        // header row: next line is the "+===" separator
        if (k + 1 >= lines.size() || lines[k + 1].find("+=") == std::string::npos) continue;
        Table t;
        std::size_t r = k + 2;
        for (; r < lines.size(); ++r) {
            const std::string& row = lines[r];
            const auto b = row.find_first_not_of(' ');
            if (b == std::string::npos) break;
            if (row[b] == '+') continue;
            if (row[b] != '|') break;
            Entry e{};
            std::size_t pos = b + 1;
            for (int c = 0; c < 3; ++c) {
                const auto next = row.find('|', pos);
                e[std::size_t(c)] = std::stod(row.substr(pos, next - pos));
                pos = next + 1;
            }
            t.push_back(e);
        }
        out[section].push_back(t);
        k = r;
    }
    return out;
}

Table entries(const CountMatrix& m, const std::vector<int>& levels, bool symmetrise, int column_base) {
    Table t;
    for (int r = 0; r < m.rows; ++r)
        for (int c = 0; c < m.cols; ++c) {
            const double v = double(m.at(r, c)) + (symmetrise ? double(m.at(c, r)) : 0.0);
            if (v != 0)
                t.push_back({double(levels[std::size_t(r)]),
                             symmetrise ? double(levels[std::size_t(c)]) : double(c + column_base), v});
        }
    std::sort(t.begin(), t.end());
    return t;
}

CountMatrix sum_of(const std::vector<CountMatrix>& ms) {
    CountMatrix s;
    for (const auto& m : ms) s.add(m);
    return s;
}

bool same_table(Table a, Table b, double tol_col, double tol_val) {
    if (a.size() != b.size()) return false;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k][0] != b[k][0] || std::fabs(a[k][1] - b[k][1]) > tol_col || std::fabs(a[k][2] - b[k][2]) > tol_val)
            return false;
    return true;
}

// Every reference table equals a distinct computed table.
int matched_tables(const std::vector<Table>& ref, std::vector<Table> ours, double tol_col = 0, double tol_val = 0) {
    int matched = 0;
    std::vector<bool> used(ours.size(), false);
    for (const auto& r : ref)
        for (std::size_t k = 0; k < ours.size(); ++k)
            if (!used[k] && same_table(r, ours[k], tol_col, tol_val)) {
                used[k] = true;
                ++matched;
                break;
            }
    return matched;
}

}  // namespace

TEST_CASE("IBSI digital phantom texture matrices", "[texture][ibsi][matrices]") {
    const Image image = io::read_image(shared("ibsi1/digital_phantom/nifti/image/phantom.nii.gz"));
    const Mask mask = io::read_label_mask(shared("ibsi1/digital_phantom/nifti/mask/mask.nii.gz"), 1);
    GreyLevels levels(image.geometry, 0);
    for (std::size_t i = 0; i < image.data.size(); ++i) levels.data[i] = std::int32_t(std::lround(image.data[i]));
    const TextureRoi roi(levels, mask, 1);
    const auto& lv = roi.level_values;
    std::vector<int> slices;
    for (int z = 0; z < int(roi.nz); ++z)
        if (roi.slice_begin[std::size_t(z) + 1] > roi.slice_begin[std::size_t(z)]) slices.push_back(z);
    REQUIRE(slices.size() == 4);

    const auto sections =
        parse_rst(shared("ibsi1/digital_phantom/reference_values/ibsi_manual_digital_phantom_texture_matrices.rst"));
    auto section = [&](const std::string& name) -> const std::vector<Table>& {
        INFO("section " << name);
        REQUIRE(sections.count(name) == 1);
        return sections.at(name);
    };
    const auto hood2d = chebyshev_offsets({1}, true, false), hood3d = chebyshev_offsets({1}, false, false);

    // Directional: per slice x direction (2D), per slice merged (2D merged), per direction (3D), merged (3D).
    for (const bool runs : {false, true}) {
        const std::string fam = runs ? "Grey level run length matrix" : "Grey level co-occurrence matrix";
        auto build = [&](const Offset3& o, int slice) { return runs ? glrlm_matrix(roi, o, slice) : glcm_matrix(roi, o, slice); };
        std::vector<Table> d2, d2m, d3;
        std::vector<CountMatrix> all3;
        for (int s : slices) {
            std::vector<CountMatrix> per;
            for (const auto& o : directions_2d()) {
                per.push_back(build(o, s));
                d2.push_back(entries(per.back(), lv, !runs, 1));
            }
            d2m.push_back(entries(sum_of(per), lv, !runs, 1));
        }
        for (const auto& o : directions_3d()) {
            all3.push_back(build(o, -1));
            d3.push_back(entries(all3.back(), lv, !runs, 1));
        }
        const std::vector<Table> d3m{entries(sum_of(all3), lv, !runs, 1)};
        const auto& r2 = section(fam + " (2D)");
        const auto& r2m = section(fam + " (2D, merged)");
        const auto& r3 = section(fam + " (3D)");
        const auto& r3m = section(fam + " (3D, merged)");
        CHECK(r2.size() == 16);
        CHECK(matched_tables(r2, d2) == int(r2.size()));
        CHECK(r2m.size() == 4);
        CHECK(matched_tables(r2m, d2m) == int(r2m.size()));
        CHECK(r3.size() == 13);
        CHECK(matched_tables(r3, d3) == int(r3.size()));
        CHECK(r3m.size() == 1);
        CHECK(matched_tables(r3m, d3m) == 1);
    }

    // Zones: per slice (2D, 8-connected, 2D distance map) and 3D.
    {
        const auto dist2 = zone_distance_map(roi, mask, true), dist3 = zone_distance_map(roi, mask, false);
        const auto z2 = label_zones(roi, hood2d, dist2), z3 = label_zones(roi, hood3d, dist3);
        std::vector<Table> s2, dz2;
        for (int s : slices) {
            s2.push_back(entries(glszm_matrix(roi, z2, s), lv, false, 1));
            dz2.push_back(entries(gldzm_matrix(roi, z2, s), lv, false, 1));
        }
        const auto& rs2 = section("Grey level size zone matrix (2D)");
        const auto& rs3 = section("Grey level size zone matrix (3D)");
        const auto& rd2 = section("Grey level distance zone matrix (2D)");
        const auto& rd3 = section("Grey level distance zone matrix (3D)");
        CHECK(rs2.size() == 4);
        CHECK(matched_tables(rs2, s2) == 4);
        CHECK(matched_tables(rs3, {entries(glszm_matrix(roi, z3), lv, false, 1)}) == 1);
        CHECK(rd2.size() == 4);
        CHECK(matched_tables(rd2, dz2) == 4);
        CHECK(matched_tables(rd3, {entries(gldzm_matrix(roi, z3), lv, false, 1)}) == 1);
    }

    // NGTDM: rows (i, s_i, n_i) for voxels with a neighbour in the ROI (IBSI).
    {
        auto ngt_table = [&](const NgtdmMatrix& m) {
            Table t;
            for (std::size_t k = 0; k < lv.size(); ++k)
                if (m.n_with_neighbours[k] > 0) t.push_back({double(lv[k]), m.s[k], double(m.n_with_neighbours[k])});
            return t;
        };
        std::vector<Table> t2;
        for (int s : slices) t2.push_back(ngt_table(ngtdm_matrix(roi, hood2d, s)));
        const auto& r2 = section("Neighbourhood grey tone difference matrix (2D)");
        CHECK(r2.size() == 4);
        CHECK(matched_tables(r2, t2, 5e-4, 0) == 4);
        CHECK(matched_tables(section("Neighbourhood grey tone difference matrix (3D)"),
                             {ngt_table(ngtdm_matrix(roi, hood3d))}, 5e-4, 0) == 1);
    }

    // NGLDM: (i, j = dependent neighbours + 1, s).
    {
        std::vector<Table> t2;
        for (int s : slices) t2.push_back(entries(ngldm_matrix(roi, hood2d, 0, s), lv, false, 1));
        const auto& r2 = section("Neighbouring grey level dependence matrix (2D)");
        CHECK(r2.size() == 4);
        CHECK(matched_tables(r2, t2) == 4);
        CHECK(matched_tables(section("Neighbouring grey level dependence matrix (3D)"),
                             {entries(ngldm_matrix(roi, hood3d, 0), lv, false, 1)}) == 1);
    }
}
