// A DICOM study (series folder + RTSTRUCT ROI named in the manifest's mask column) through the
// batch engine gives exactly the features of `radhpc extract` on the same inputs.
#include <catch2/catch.hpp>

#include <map>

#include "batch_fixture.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;

namespace {

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream ss(line);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(item);
    return out;
}

}  // namespace

TEST_CASE("DICOM series + RTSTRUCT in the manifest: batch features equal radhpc extract", "[batch][dicom]") {
    const std::string data = std::string(RADHPC_SHARED_DATA) + "/ibsi1/ct_phantom/dicom";
    const std::string job = std::string(RADHPC_SOURCE_DIR) + "/jobs/ibsi/config-A.yaml";
    const auto dir = scratch("dicom");
    std::ofstream(dir / "manifest.csv") << "study_id,patient_id,image,mask\nPHANTOM,P1," << data << "/image," << data
                                        << "/mask/DCM_RS_00060.dcm#GTV-1\n";
    REQUIRE(sh(kRadhpc + " run " + job + " --manifest " + (dir / "manifest.csv").string() + " --store " + (dir / "store").string(),
               dir / "run.log") == 0);
    const std::string exported = export_csv(dir / "store", dir / "e.csv");
    std::stringstream rows(exported);
    std::string header, row;
    std::getline(rows, header);
    std::getline(rows, row);
    const auto names = split(header), values = split(row);
    REQUIRE(names.size() == values.size());
    CHECK(values[0] == "PHANTOM");
    CHECK(values[2] == "1");

    REQUIRE(sh(kRadhpc + " extract --image " + data + "/image --mask '" + data + "/mask/DCM_RS_00060.dcm' --roi GTV-1 --settings " +
                   job + " --out " + (dir / "x.csv").string(),
               dir / "x.log") == 0);
    std::map<std::string, std::string> single;
    std::stringstream x(slurp(dir / "x.csv"));
    std::string line;
    std::getline(x, line);  // feature,value
    while (std::getline(x, line)) {
        const auto kv = split(line);
        single[kv[0]] = kv[1];
    }
    REQUIRE(single.size() == names.size() - 4);
    for (std::size_t j = 4; j < names.size(); ++j) {
        INFO(names[j]);
        REQUIRE(single.count(names[j]));
        CHECK(single[names[j]] == values[j]);  // same %.17g text: bit-identical doubles
    }
    // QC rows and acquisition metadata of the DICOM study are stored with it.
    const auto c = radhpc::store::load((dir / "store").string());
    bool roi_found = false;
    for (const auto& q : c.qc) {
        CHECK(q.study_id == "PHANTOM");
        if (q.check == "roi_found") roi_found = q.status == "pass";
    }
    CHECK(roi_found);
    REQUIRE(c.studies.size() == 1);
    bool modality = false;
    for (const auto& [k, v] : c.studies[0].metadata) modality |= k == "dicom_modality" && v == "CT";
    CHECK(modality);
    // The inputs' provenance: the folder's checksum covers every file of the series.
    REQUIRE(sh(kRadhpc + " inspect " + (dir / "store").string(), dir / "inspect.log") == 0);
    CHECK(slurp(dir / "inspect.log").find("ok 1") != std::string::npos);
    fs::remove_all(dir);
}
