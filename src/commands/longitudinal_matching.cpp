// longitudinal.matching: proposals of lesion identities by centroid where the manifest has none
// (see longitudinal_internal.hpp).
#include <Eigen/Dense>

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "longitudinal_internal.hpp"
#include "radhpc/analysis/federated.hpp"
#include "radhpc/core/error.hpp"
#include "radhpc/io/image_io.hpp"
#include "radhpc/stats/lesion_matching.hpp"

namespace radhpc::commands {
namespace {

// Physical centroid (mm) of every non-zero label of a label file.
std::map<std::int64_t, Eigen::Vector3d> label_centroids(const std::string& path) {
    const auto labels = io::read_label_image(path);
    std::map<std::int64_t, std::pair<Eigen::Vector3d, double>> sums;
    for (std::size_t z = 0; z < labels.nz(); ++z)
        for (std::size_t y = 0; y < labels.ny(); ++y)
            for (std::size_t x = 0; x < labels.nx(); ++x) {
                const auto v = labels.at(x, y, z);
                if (v == 0) continue;
                auto& s = sums.try_emplace(v, Eigen::Vector3d::Zero(), 0.0).first->second;  // Eigen does not zero-initialise
                s.first += Eigen::Vector3d(double(x), double(y), double(z));
                s.second += 1;
            }
    std::map<std::int64_t, Eigen::Vector3d> out;
    for (const auto& [label, s] : sums) {
        const Eigen::Vector3d index = s.first / s.second;
        const auto p = labels.geometry.index_to_point({index[0], index[1], index[2]});
        out[label] = Eigen::Vector3d(p[0], p[1], p[2]);
    }
    return out;
}

}  // namespace

void propose_matches(const io::LongitudinalSection& cfg, const engine::Manifest& manifest,
                     std::map<std::string, analysis::StudyTimepoint>& studies, const std::string& output, std::ostream& log) {
    const auto order = analysis::timepoint_order(cfg, studies);
    const auto rank = [&](const std::string& tp) { return std::find(order.begin(), order.end(), tp) - order.begin(); };
    // Per patient: studies in timepoint order, with their lesions' centroids.
    std::map<std::string, std::vector<std::pair<std::ptrdiff_t, std::string>>> by_patient;
    std::map<std::string, std::map<std::int64_t, Eigen::Vector3d>> centroids;
    for (const auto& row : manifest.rows) {
        const auto s = studies.find(row.study_id);
        if (s == studies.end()) continue;
        if (row.masks.size() != 1 || row.masks[0].find('#') != std::string::npos) {
            log << "radhpc longitudinal: note: matching reads label-file masks; " << row.study_id << " is left to its identities\n";
            continue;
        }
        auto c = label_centroids(row.masks[0]);
        if (!row.labels.empty())
            std::erase_if(c, [&](const auto& kv) { return std::find(row.labels.begin(), row.labels.end(), kv.first) == row.labels.end(); });
        centroids[row.study_id] = c;
        by_patient[s->second.patient_id].emplace_back(rank(s->second.timepoint), row.study_id);
    }
    std::ostringstream csv;
    csv << std::setprecision(17) << "patient_id,from_timepoint,to_timepoint,from_study,to_study,from_lesion,to_lesion,distance_mm,from_id,to_id\n";
    std::size_t proposals = 0;
    for (auto& [patient, list] : by_patient) {
        std::sort(list.begin(), list.end());
        // Identities along the follow-up: the first study's lesions by label; a later lesion takes
        // the identity of the earlier lesion it is matched to, else a new one (<timepoint>-<label>).
        std::map<std::int64_t, std::string> previous_ids;
        for (const auto& [label, c] : centroids[list.front().second]) previous_ids[label] = std::to_string(label);
        if (cfg.match_use) studies[list.front().second].lesion_ids = previous_ids;
        for (std::size_t k = 1; k < list.size(); ++k) {
            const auto& a = centroids[list[k - 1].second];
            const auto& b = centroids[list[k].second];
            std::vector<std::int64_t> la, lb;
            Eigen::MatrixXd ma(Eigen::Index(a.size()), 3), mb(Eigen::Index(b.size()), 3);
            for (const auto& [label, c] : a) ma.row(Eigen::Index(la.size())) = c.transpose(), la.push_back(label);
            for (const auto& [label, c] : b) mb.row(Eigen::Index(lb.size())) = c.transpose(), lb.push_back(label);
            const auto m = stats::match_lesions(ma, mb, cfg.match_threshold_mm);
            const auto& tp_from = studies.at(list[k - 1].second).timepoint;
            const auto& tp_to = studies.at(list[k].second).timepoint;
            std::map<std::int64_t, std::string> ids;
            for (const auto& pair : m.matches) {
                const auto from = la[std::size_t(pair.a)], to = lb[std::size_t(pair.b)];
                ids[to] = previous_ids.at(from);
                csv << patient << "," << tp_from << "," << tp_to << "," << list[k - 1].second << "," << list[k].second << "," << from << "," << to
                    << "," << pair.distance_mm << "," << previous_ids.at(from) << "," << ids[to] << "\n";
                ++proposals;
            }
            for (auto label : lb)
                if (!ids.count(label)) ids[label] = tp_to + "-" + std::to_string(label);
            if (cfg.match_use) studies[list[k].second].lesion_ids = ids;
            previous_ids = ids;
        }
    }
    analysis::federated::write_text(output, csv.str());
    log << "radhpc longitudinal: " << proposals << " lesion matches proposed (centroids within " << cfg.match_threshold_mm << " mm after rigid alignment) -> "
        << output << (cfg.match_use ? "; used as the identities\n" : "; for review (longitudinal.matching.use: true uses them)\n");
}

}  // namespace radhpc::commands
