// PyRadiomics baselines (shared/data/pyradiomics/baseline): every glcm, glrlm, glszm, gldm and ngtdm value of
// the brain1 and breast1 columns whose settings need no resampling (normalisation and re-segmentation are
// applied with preprocess::normalise / preprocess::resegment), computed with each
// column's own settings (read from its diagnostics_Configuration_Settings row), and the texture matrices
// of the default settings (<case>_<class>.npy).
//
// Tolerances: features 1e-6 relative (the target; PyRadiomics itself accepts 3%); a baseline of
// exactly 0 needs |value| <= 1e-12. Matrices: max |diff| <= 1e-9 (issue; PyRadiomics accepts 1e-3).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <optional>

#include "radhpc/features/texture.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/preprocess/preprocess.hpp"
#include "texture_test_util.hpp"

using namespace radhpc;
using texture_test::dict_value;
using texture_test::shared;

namespace {

struct Case {
    Image image;
    Mask mask;
};

const Case& load_case(const std::string& name) {
    static std::map<std::string, Case> cache;
    auto it = cache.find(name);
    if (it != cache.end()) return it->second;
    Case c;
    c.image = io::read_image(shared("pyradiomics/" + name + "_image.nrrd"));
    c.mask = io::read_label_mask(shared("pyradiomics/" + name + "_label.nrrd"), 1);
    return cache.emplace(name, std::move(c)).first->second;
}

// Column settings that this suite can reproduce (everything except resampling).
struct ColumnSettings {
    bool supported = true;
    std::string why;
    DiscretisationSettings disc;
    ResegmentSettings reseg;
    NormalizeSettings normalise;
    TextureSettings texture;
    features::TextureExtras extras;
};

ColumnSettings parse_settings(const std::string& dict) {
    ColumnSettings cs;
    cs.disc.method = BinningMethod::fixed_bin_size;
    cs.disc.bin_width = 25;
    const std::string bw = dict_value(dict, "binWidth"), bc = dict_value(dict, "binCount");
    if (!bw.empty()) cs.disc.bin_width = std::stod(bw);
    if (!bc.empty()) {
        cs.disc.method = BinningMethod::fixed_bin_number;
        cs.disc.bin_count = std::stoi(bc);
    }
    const std::string spacing = dict_value(dict, "resampledPixelSpacing");
    if (!spacing.empty() && spacing != "None") {
        cs.supported = false;
        cs.why = "resampling";
    }
    if (dict_value(dict, "normalize") == "True") {
        cs.normalise.enabled = true;
        const std::string scale = dict_value(dict, "normalizeScale"), outliers = dict_value(dict, "removeOutliers");
        if (!scale.empty()) cs.normalise.scale = std::stod(scale);
        if (!outliers.empty() && outliers != "None") cs.normalise.remove_outliers = std::stod(outliers);
    }
    const std::string range = dict_value(dict, "resegmentRange"), mode = dict_value(dict, "resegmentMode");
    if (!range.empty() && range != "None") {
        // [min] or [min, max]; absolute values, or multiples of the ROI SD around the ROI mean ('sigma')
        const std::string inner = range.substr(1, range.size() - 2);
        const auto comma = inner.find(',');
        const double lo = std::stod(inner.substr(0, comma));
        const std::optional<double> hi =
            comma != std::string::npos ? std::optional<double>(std::stod(inner.substr(comma + 1))) : std::nullopt;
        if (mode.empty() || mode == "'absolute'") {
            cs.reseg.range_min = lo;
            cs.reseg.range_max = hi;
        } else if (mode == "'sigma'") {
            cs.reseg.sigma_min = lo;
            cs.reseg.sigma_max = hi;
        } else {
            cs.supported = false;
            cs.why = "re-segmentation mode " + mode;
        }
    }
    cs.extras.force2d = dict_value(dict, "force2D") == "True";
    const std::string f2d = dict_value(dict, "force2Ddimension");
    if (!f2d.empty()) cs.extras.force2d_dimension = std::stoi(f2d);
    const std::string w = dict_value(dict, "weightingNorm");
    if (w == "'no_weighting'") cs.extras.merge_angles_unweighted = true;
    else if (w == "'manhattan'") cs.texture.weighting = DistanceWeighting::manhattan;
    else if (w == "'euclidean'") cs.texture.weighting = DistanceWeighting::euclidean;
    else if (w == "'infinity'") cs.texture.weighting = DistanceWeighting::chebyshev;
    const std::string d = dict_value(dict, "distances");
    if (!d.empty()) {
        cs.texture.distances.clear();
        std::string inner = d.substr(1, d.size() - 2);
        std::size_t pos = 0;
        while (pos < inner.size()) {
            const auto next = inner.find(',', pos);
            cs.texture.distances.push_back(std::stoi(inner.substr(pos, next - pos)));
            if (next == std::string::npos) break;
            pos = next + 1;
        }
    }
    const std::string a = dict_value(dict, "gldm_a");
    if (!a.empty()) cs.texture.ngldm_alpha = std::stod(a);
    return cs;
}

struct Prepared {
    preprocess::Discretised disc;
    Mask mask;
};

Prepared prepare(const Case& c, const ColumnSettings& cs) {
    Prepared p;
    p.mask = c.mask;
    Image image = c.image;
    if (cs.normalise.enabled) preprocess::normalise(image, cs.normalise);
    if (cs.reseg.any()) preprocess::resegment(image, p.mask, cs.reseg);
    p.disc = preprocess::discretise(image, p.mask, cs.disc, Profile::pyradiomics, cs.reseg);
    return p;
}

bool close_relative(double value, double ref) {
    if (ref == 0) return std::fabs(value) <= 1e-12;
    return std::fabs(value - ref) <= 1e-6 * std::fabs(ref);
}

}  // namespace

TEST_CASE("PyRadiomics baseline features (brain1, breast1)", "[texture][pyradiomics]") {
    int total_checked = 0, total_matched = 0;
    double worst_relative = 0;
    std::string worst_name;
    for (const std::string cls : {"glcm", "glrlm", "glszm", "gldm", "ngtdm"}) {
        const auto rows = texture_test::read_csv(shared("pyradiomics/baseline/baseline_" + cls + ".csv"));
        const auto& header = rows.front();
        std::vector<std::string> settings_row;
        for (const auto& r : rows)
            if (r[0] == "diagnostics_Configuration_Settings") settings_row = r;
        REQUIRE(settings_row.size() == header.size());
        for (std::size_t col = 1; col < header.size(); ++col) {
            const std::string column = header[col];
            const std::string case_name = column.substr(0, column.find('_'));
            const ColumnSettings cs = parse_settings(settings_row[col]);
            if (!cs.supported) {
                // Left to the pipeline tests (resampling / normalisation / sigma re-segmentation).
                WARN(cls << " " << column << ": left to the pipeline (" << cs.why << ")");
                continue;
            }
            const Case& c = load_case(case_name);
            const Prepared p = prepare(c, cs);
            const auto values = features::texture_features(p.disc.levels, p.mask, p.mask, p.disc.n_levels, cs.texture,
                                                           Profile::pyradiomics, {cls}, cs.extras);
            std::map<std::string, double> by_name;
            for (const auto& v : values) by_name[v.name] = v.value;
            int checked = 0, matched = 0;
            for (const auto& r : rows) {
                const std::string prefix = "original_" + cls + "_";
                if (r[0].rfind(prefix, 0) != 0 || r[col].empty()) continue;
                const std::string name = cls + "_" + r[0].substr(prefix.size());
                const double ref = std::stod(r[col]);
                INFO(column << " " << name << " reference " << ref);
                REQUIRE(by_name.count(name) == 1);
                const double v = by_name[name];
                INFO("value " << v << " relative error " << (ref != 0 ? std::fabs(v - ref) / std::fabs(ref) : v));
                CHECK(close_relative(v, ref));
                if (ref != 0 && std::fabs(v - ref) / std::fabs(ref) > worst_relative) {
                    worst_relative = std::fabs(v - ref) / std::fabs(ref);
                    worst_name = column + " " + name;
                }
                ++checked;
                if (close_relative(v, ref)) ++matched;
            }
            CHECK(checked > 0);
            WARN(cls << " " << column << ": " << matched << " / " << checked);
            total_checked += checked;
            total_matched += matched;
        }
    }
    WARN("PyRadiomics baseline texture values matched: " << total_matched << " / " << total_checked
                                                            << "; largest relative error " << worst_relative << " ("
                                                            << worst_name << ")");
}

namespace {

// Drop columns that are zero in every row (PyRadiomics deletes empty zone sizes / dependence counts).
features::CountMatrix drop_empty_columns(const features::CountMatrix& m) {
    std::vector<int> keep;
    for (int c = 0; c < m.cols; ++c) {
        bool any = false;
        for (int r = 0; r < m.rows; ++r) any = any || m.at(r, c) != 0;
        if (any) keep.push_back(c);
    }
    features::CountMatrix out(m.rows, int(keep.size()));
    for (int r = 0; r < m.rows; ++r)
        for (std::size_t k = 0; k < keep.size(); ++k) out.at(r, int(k)) = m.at(r, keep[k]);
    return out;
}

}  // namespace

TEST_CASE("PyRadiomics baseline matrices (default settings)", "[texture][pyradiomics][matrices]") {
    for (const std::string case_name : {"brain1", "breast1"}) {
        const Case& c = load_case(case_name);
        ColumnSettings cs;  // binWidth 25, distance 1, 3D
        cs.disc.method = BinningMethod::fixed_bin_size;
        cs.disc.bin_width = 25;
        const Prepared p = prepare(c, cs);
        const features::TextureRoi roi(p.disc.levels, p.mask, 1);
        const auto angles = features::chebyshev_offsets({1}, false, true);
        const int n = roi.n_present();
        const auto path = [&](const char* cls) { return shared("pyradiomics/baseline/" + case_name + "_" + cls + ".npy"); };

        SECTION(case_name + " glcm: symmetric, normalised per angle") {
            const auto ref = texture_test::read_npy(path("glcm"));
            REQUIRE(ref.shape == std::vector<std::size_t>{std::size_t(n), std::size_t(n), angles.size()});
            double max_diff = 0;
            for (std::size_t a = 0; a < angles.size(); ++a) {
                const auto m = features::glcm_matrix(roi, angles[a]);
                double total = 0;
                for (int i = 0; i < n; ++i)
                    for (int j = 0; j < n; ++j) total += double(m.at(i, j) + m.at(j, i));
                for (int i = 0; i < n; ++i)
                    for (int j = 0; j < n; ++j) {
                        const double ours = double(m.at(i, j) + m.at(j, i)) / total;
                        max_diff = std::max(max_diff, std::fabs(ours - ref.data[(std::size_t(i) * n + j) * angles.size() + a]));
                    }
            }
            INFO("max |diff| " << max_diff);
            CHECK(max_diff <= 1e-9);
        }
        SECTION(case_name + " glrlm: counts per angle") {
            const auto ref = texture_test::read_npy(path("glrlm"));
            REQUIRE(ref.shape.size() == 3);
            REQUIRE(ref.shape[0] == std::size_t(n));
            REQUIRE(ref.shape[2] == angles.size());
            const std::size_t nr = ref.shape[1];
            // PyRadiomics deletes run lengths that are empty in every angle.
            std::vector<features::CountMatrix> mats;
            int longest = 0;
            for (const auto& a : angles) {
                mats.push_back(features::glrlm_matrix(roi, a));
                longest = std::max(longest, mats.back().cols);
            }
            std::vector<int> kept;
            for (int r = 0; r < longest; ++r) {
                bool any = false;
                for (const auto& m : mats)
                    for (int i = 0; i < n && r < m.cols; ++i) any = any || m.at(i, r) != 0;
                if (any) kept.push_back(r);
            }
            REQUIRE(kept.size() == nr);
            double max_diff = 0;
            for (std::size_t a = 0; a < angles.size(); ++a)
                for (int i = 0; i < n; ++i)
                    for (std::size_t r = 0; r < nr; ++r) {
                        const double ours = kept[r] < mats[a].cols ? double(mats[a].at(i, kept[r])) : 0.0;
                        max_diff = std::max(max_diff, std::fabs(ours - ref.data[(std::size_t(i) * nr + r) * angles.size() + a]));
                    }
            INFO("max |diff| " << max_diff);
            CHECK(max_diff <= 1e-9);
        }
        SECTION(case_name + " glszm: zone counts, empty sizes dropped") {
            const auto ref = texture_test::read_npy(path("glszm"));
            const auto zones = features::label_zones(roi, features::chebyshev_offsets({1}, false, false), {});
            const auto m = drop_empty_columns(features::glszm_matrix(roi, zones));
            REQUIRE(ref.shape == std::vector<std::size_t>{std::size_t(m.rows), std::size_t(m.cols)});
            double max_diff = 0;
            for (std::size_t k = 0; k < ref.data.size(); ++k) max_diff = std::max(max_diff, std::fabs(double(m.counts[k]) - ref.data[k]));
            INFO("max |diff| " << max_diff);
            CHECK(max_diff <= 1e-9);
        }
        SECTION(case_name + " gldm: dependence counts, empty columns dropped") {
            const auto ref = texture_test::read_npy(path("gldm"));
            const auto m = drop_empty_columns(features::ngldm_matrix(roi, features::chebyshev_offsets({1}, false, false), 0));
            REQUIRE(ref.shape == std::vector<std::size_t>{std::size_t(m.rows), std::size_t(m.cols)});
            double max_diff = 0;
            for (std::size_t k = 0; k < ref.data.size(); ++k) max_diff = std::max(max_diff, std::fabs(double(m.counts[k]) - ref.data[k]));
            INFO("max |diff| " << max_diff);
            CHECK(max_diff <= 1e-9);
        }
        SECTION(case_name + " ngtdm: n_i, s_i, i") {
            const auto ref = texture_test::read_npy(path("ngtdm"));
            const auto m = features::ngtdm_matrix(roi, features::chebyshev_offsets({1}, false, false));
            REQUIRE(ref.shape == std::vector<std::size_t>{std::size_t(n), 3});
            double max_diff = 0;
            for (int i = 0; i < n; ++i) {
                max_diff = std::max(max_diff, std::fabs(double(m.n_all[std::size_t(i)]) - ref.data[std::size_t(i) * 3]));
                max_diff = std::max(max_diff, std::fabs(m.s[std::size_t(i)] - ref.data[std::size_t(i) * 3 + 1]));
                max_diff = std::max(max_diff, std::fabs(double(roi.level_values[std::size_t(i)]) - ref.data[std::size_t(i) * 3 + 2]));
            }
            INFO("max |diff| " << max_diff);
            CHECK(max_diff <= 1e-9);
        }
    }
}
