// The command line as users run it: extract's CSV contract, --timings, --ibsi-table, errors.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
    int status;
    std::string out;
};

Run run(const std::string& args) {
    const std::string cmd = std::string(RADHPC_BINARY) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p);
    std::string out;
    std::array<char, 4096> buf;
    while (auto n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    const int status = pclose(p);
    return {WEXITSTATUS(status), out};
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

const std::string kData = RADHPC_SHARED_DATA;
const std::string kSource = RADHPC_SOURCE_DIR;

}  // namespace

TEST_CASE("extract writes feature,value with 17 significant digits and --timings JSON", "[cli]") {
    const auto out = fs::temp_directory_path() / "radhpc_cli_phantom.csv";
    const auto r = run("extract --image " + kData + "/ibsi1/digital_phantom/nifti/image/phantom.nii.gz --mask " + kData +
                       "/ibsi1/digital_phantom/nifti/mask/mask.nii.gz --settings " + kSource +
                       "/jobs/ibsi/digital-phantom.yaml --timings --out " + out.string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("{\"read_s\": ") != std::string::npos);
    CHECK(r.out.find("\"total_s\": ") != std::string::npos);
    const std::string csv = slurp(out);
    CHECK(csv.rfind("feature,value\n", 0) == 0);
    // morph_vol_approx of the phantom is 74 voxels x 8 mm^3 = 592 exactly
    CHECK(csv.find("\nmorph_vol_approx,592\n") != std::string::npos);
    CHECK(csv.find("\ncm_joint_max_3D_avg,0.") != std::string::npos);
    fs::remove(out);
}

TEST_CASE("extract --names pyradiomics with a PyRadiomics parameter file", "[cli]") {
    const auto params = fs::temp_directory_path() / "radhpc_cli_params.yaml";
    std::ofstream(params) << "imageType: {Original: {}}\nfeatureClass: {firstorder: null, glcm: [JointEntropy]}\nsetting: {binWidth: 25}\n";
    const auto r = run("extract --image " + kData + "/pyradiomics/brain1_image.nrrd --mask " + kData +
                       "/pyradiomics/brain1_label.nrrd --pyradiomics-params " + params.string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("original_firstorder_Entropy,") != std::string::npos);
    CHECK(r.out.find("original_glcm_JointEntropy,") != std::string::npos);
    CHECK(r.out.find("original_glcm_Idm") == std::string::npos);  // not listed in featureClass.glcm
    fs::remove(params);
}

TEST_CASE("extract --ibsi-table fills IBSI's submission table (configuration A)", "[cli][reference]") {
    const auto out = fs::temp_directory_path() / "radhpc_cli_filled_A.csv";
    const std::string table = kData + "/ibsi1/ct_phantom/reference_values/ibsi1_submission_table_config_A.csv";
    const auto r = run("extract --image " + kData + "/ibsi1/ct_phantom/nifti/image/phantom.nii.gz --mask " + kData +
                       "/ibsi1/ct_phantom/nifti/mask/mask.nii.gz --settings " + kSource + "/jobs/ibsi/config-A.yaml --ibsi-table " +
                       table + " --out " + out.string());
    INFO(r.out);
    REQUIRE(r.status == 0);
    const std::string filled = slurp(out);
    std::istringstream lines(filled);
    std::string line;
    int pass = 0, fail = 0, rows = 0;
    std::getline(lines, line);
    CHECK(line.find("your result,difference,check,tag") != std::string::npos);
    while (std::getline(lines, line)) {
        ++rows;
        if (line.find(",pass,") != std::string::npos) ++pass;
        if (line.find(",fail,") != std::string::npos) ++fail;
    }
    CHECK(rows > 400);
    CHECK(fail == 0);
    CHECK(pass >= 400);  // every row with a reference value (A: diagnostics, morph, intensity, texture)
    fs::remove(out);
}

TEST_CASE("errors: exit status 2 and a message naming the input", "[cli][bad-input]") {
    const auto r = run("extract --image /nonexistent/img.nii.gz --mask /nonexistent/m.nii.gz --settings " + kSource + "/jobs/demo.yaml");
    CHECK(r.status == 2);
    CHECK(r.out.find("/nonexistent/img.nii.gz") != std::string::npos);
    const auto v = run("validate-job " + kData + "/pyradiomics/params/exampleCT.yaml");
    CHECK(v.status == 2);
    CHECK(v.out.find("imageType: unknown key") != std::string::npos);
}

TEST_CASE("option mistakes are usage errors: one radhpc error line, exit 2", "[cli][errors]") {
    const std::string img = std::string(RADHPC_SHARED_DATA) + "/ibsi1/digital_phantom/nifti/image/phantom.nii.gz";
    const std::string msk = std::string(RADHPC_SHARED_DATA) + "/ibsi1/digital_phantom/nifti/mask/mask.nii.gz";
    for (const std::string args :
         {"extract --image " + img + " --mask " + msk + " --label 1.5 --settings x.yaml", std::string("run"),
          std::string("synth --studies 0 --out /tmp/x"), std::string("no-such-command"), std::string("extract --bogus")}) {
        INFO(args);
        const auto r = run(args);
        CHECK(r.status == 2);
        CHECK(r.out.find("radhpc: error [usage]") != std::string::npos);
        CHECK(r.out.find("internal error") == std::string::npos);
    }
    const auto help = run("--help");
    CHECK(help.status == 0);
}

TEST_CASE("extract holds a lesion to the machine's available memory by default, or to run.memory_budget_mb", "[cli][memory]") {
    // the digital phantom (5 x 4 x 4 voxels of 2 mm) resampled to 1 um: 6.4e11 voxels, refused at once
    const std::string img = kData + "/ibsi1/digital_phantom/nifti/image/phantom.nii.gz";
    const std::string msk = kData + "/ibsi1/digital_phantom/nifti/mask/mask.nii.gz";
    const auto dir = fs::temp_directory_path() / "radhpc_cli_memory";
    fs::create_directories(dir);
    const std::string job = "version: 1\nfeatures: {families: [stat]}\npreprocess:\n"
                            "  discretisation: {method: fixed_bin_number, bin_count: 8}\n  resample: {spacing: [";
    std::ofstream(dir / "tiny.yaml") << job << "0.001, 0.001, 0.001], interpolation: linear}\n";
    const auto r = run("extract --image " + img + " --mask " + msk + " --settings " + (dir / "tiny.yaml").string());
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK(r.out.find("radhpc: error [memory]") != std::string::npos);
    CHECK(r.out.find("the machine's available memory") != std::string::npos);
    // 20 um: 8e7 voxels (~1.8 GiB of working grid), fine for this machine, over a 64 MiB job budget
    std::ofstream(dir / "budget.yaml") << job << "0.02, 0.02, 0.02], interpolation: linear}\nrun: {memory_budget_mb: 64}\n";
    const auto b = run("extract --image " + img + " --mask " + msk + " --settings " + (dir / "budget.yaml").string());
    INFO(b.out);
    CHECK(b.status == 2);
    CHECK(b.out.find("more than the memory budget of 64 MiB") != std::string::npos);
    fs::remove_all(dir);
}
