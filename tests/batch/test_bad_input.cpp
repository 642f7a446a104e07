// Bad-input corpus inside an otherwise good archive (issue 4): each bad study gets an error record
// with a clear reason, every good study is stored, the run finishes and reports the failures.
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>
#include <map>

#include "batch_fixture.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;

namespace {

// Minimal NIfTI-1 single file (.nii) writer for pixel types and headers ITK will not write for us.
void write_raw_nifti(const fs::path& p, std::array<std::int16_t, 3> dim, std::int16_t datatype, std::int16_t bitpix,
                     std::array<float, 3> spacing, const std::vector<char>& data) {
    char h[352] = {0};
    const std::int32_t sizeof_hdr = 348;
    std::memcpy(h, &sizeof_hdr, 4);
    const std::int16_t dims[8] = {3, dim[0], dim[1], dim[2], 1, 1, 1, 1};
    std::memcpy(h + 40, dims, sizeof dims);
    std::memcpy(h + 70, &datatype, 2);
    std::memcpy(h + 72, &bitpix, 2);
    const float pixdim[8] = {1, spacing[0], spacing[1], spacing[2], 1, 1, 1, 1};
    std::memcpy(h + 76, pixdim, sizeof pixdim);
    const float vox_offset = 352, slope = 1;
    std::memcpy(h + 108, &vox_offset, 4);
    std::memcpy(h + 112, &slope, 4);
    std::memcpy(h + 344, "n+1", 4);
    std::ofstream out(p, std::ios::binary);
    out.write(h, sizeof h);
    out.write(data.data(), std::streamsize(data.size()));
}

struct Corpus {
    fs::path dir;
    std::map<std::string, std::string> bad;  // study id -> kind of badness
    std::vector<std::string> good;
};

Corpus make_corpus() {
    Corpus c;
    c.dir = scratch("badinput");
    fs::create_directories(c.dir / "img");
    std::ofstream m(c.dir / "manifest.csv");
    m << "study_id,patient_id,image,mask,labels,outcome\n";
    auto good_study = [&](int i, const std::string& id) {
        const auto st = make_tiny_study(11, i);
        radhpc::io::write_image(st.image, (c.dir / "img" / (id + ".nii.gz")).string());
        radhpc::io::write_labels(st.labels, (c.dir / "img" / (id + "_m.nii.gz")).string());
        return st;
    };
    for (int i = 0; i < 30; ++i) {
        const std::string id = "G" + std::to_string(i);
        const auto st = good_study(i, id);
        std::string labels;
        for (int l = 1; l <= st.lesions; ++l) labels += (l > 1 ? ";" : "") + std::to_string(l);
        m << id << ",PG" << i << ",img/" << id << ".nii.gz,img/" << id << "_m.nii.gz," << labels << ",0\n";
        c.good.push_back(id);
        if (i == 5) {  // bad rows interleaved with good ones
            m << "B_missing,PB1,img/does_not_exist.nii.gz,img/G0_m.nii.gz,1,0\n";
            c.bad["B_missing"] = "missing file";
        }
    }
    // truncated .nii.gz
    good_study(100, "B_trunc");
    {
        const auto p = c.dir / "img" / "B_trunc.nii.gz";
        fs::resize_file(p, fs::file_size(p) / 2);
    }
    m << "B_trunc,PB2,img/B_trunc.nii.gz,img/B_trunc_m.nii.gz,1,0\n";
    c.bad["B_trunc"] = "truncated .nii.gz";
    // unsupported pixel type: complex64 (NIfTI datatype 32)
    {
        std::vector<char> data(24 * 24 * 12 * 8, 0);
        write_raw_nifti(c.dir / "img" / "B_complex.nii", {24, 24, 12}, 32, 64, {1, 1, 1.5}, data);
        good_study(101, "B_complex_src");
    }
    m << "B_complex,PB3,img/B_complex.nii,img/B_complex_src_m.nii.gz,1,0\n";
    c.bad["B_complex"] = "unsupported pixel type";
    // image/mask geometry mismatch: a mask of another size
    {
        good_study(102, "B_geom");
        radhpc::Geometry g;
        g.size = {20, 24, 12};
        g.spacing = {1.0, 1.0, 1.5};
        radhpc::Mask mk(g, 0);
        for (std::size_t i = 0; i < 400; ++i) mk.data[1000 + i] = 1;
        radhpc::io::write_labels(mk, (c.dir / "img" / "B_geom_m.nii.gz").string());
    }
    m << "B_geom,PB4,img/B_geom.nii.gz,img/B_geom_m.nii.gz,1,0\n";
    c.bad["B_geom"] = "geometry mismatch";
    // empty mask
    {
        auto st = good_study(103, "B_empty");
        std::fill(st.labels.data.begin(), st.labels.data.end(), 0);
        radhpc::io::write_labels(st.labels, (c.dir / "img" / "B_empty_m.nii.gz").string());
    }
    m << "B_empty,PB5,img/B_empty.nii.gz,img/B_empty_m.nii.gz,1,0\n";
    c.bad["B_empty"] = "empty mask";
    // one-voxel lesion
    {
        auto st = good_study(104, "B_onevox");
        std::fill(st.labels.data.begin(), st.labels.data.end(), 0);
        st.labels.data[st.labels.index(12, 12, 6)] = 1;
        radhpc::io::write_labels(st.labels, (c.dir / "img" / "B_onevox_m.nii.gz").string());
    }
    m << "B_onevox,PB6,img/B_onevox.nii.gz,img/B_onevox_m.nii.gz,1,0\n";
    c.bad["B_onevox"] = "one-voxel lesion";
    // NaN voxels inside the lesion (float image)
    {
        const auto st = good_study(105, "B_nan");
        radhpc::Image img(st.image.geometry, 0.0);
        for (std::size_t i = 0; i < img.data.size(); ++i) img.data[i] = st.image.data[i];
        for (std::size_t i = 0; i < img.data.size(); ++i)
            if (st.labels.data[i] == 1) {
                img.data[i] = std::numeric_limits<double>::quiet_NaN();
                break;
            }
        radhpc::io::write_image(img, (c.dir / "img" / "B_nan.nii.gz").string(), true);
    }
    m << "B_nan,PB7,img/B_nan.nii.gz,img/B_nan_m.nii.gz,1,0\n";
    c.bad["B_nan"] = "NaN voxels";
    // zero spacing (int16 image, pixdim[1] = 0)
    {
        const auto st = good_study(106, "B_zero");
        std::vector<char> data(st.image.data.size() * 2);
        std::memcpy(data.data(), st.image.data.data(), data.size());
        write_raw_nifti(c.dir / "img" / "B_zero.nii", {24, 24, 12}, 4, 16, {0, 1, 1.5}, data);
    }
    m << "B_zero,PB8,img/B_zero.nii,img/B_zero_m.nii.gz,1,0\n";
    c.bad["B_zero"] = "zero spacing";
    // a manifest row with a missing column (no outcome and no labels)
    good_study(107, "B_short");
    m << "B_short,PB9,img/B_short.nii.gz,img/B_short_m.nii.gz\n";
    c.bad["B_short"] = "missing column";
    // a duplicate study id (the first row, G3, is good and must stay good)
    m << "G3,PB10,img/B_trunc.nii.gz,img/B_trunc_m.nii.gz,1,0\n";
    // a label that is not in the mask, and a label that is not a number
    good_study(108, "B_label");
    m << "B_label,PB11,img/B_label.nii.gz,img/B_label_m.nii.gz,7,0\n";
    c.bad["B_label"] = "absent label";
    m << "B_labeltext,PB12,img/B_label.nii.gz,img/B_label_m.nii.gz,one,0\n";
    c.bad["B_labeltext"] = "label not a number";
    return c;
}

}  // namespace

TEST_CASE("bad-input corpus: every bad study has a clear error, every good study is stored", "[batch][bad-input]") {
    const Corpus c = make_corpus();
    const std::string job = tiny_job(c.dir);
    const int rc = sh(kRadhpc + " run " + job + " --manifest " + (c.dir / "manifest.csv").string() + " --store " +
                          (c.dir / "store").string(),
                      c.dir / "run.log");
    const std::string log = slurp(c.dir / "run.log");
    INFO(log);
    CHECK(rc == 1);  // some studies failed: exit status 1, the run itself completed
    // summary: 30 good + 11 bad rows (10 keyed studies + the duplicate row)
    CHECK(log.find("failed; store") != std::string::npos);
    CHECK(log.find(std::to_string(c.bad.size() + 1) + " failed") != std::string::npos);
    // manifest problems are reported by line and column before any work starts
    const auto pos_short = log.find("manifest.csv:");
    const auto pos_work = log.find("to compute");
    CHECK(pos_short != std::string::npos);
    CHECK(pos_short < pos_work);
    CHECK(log.find("missing column 'labels'") != std::string::npos);
    CHECK(log.find("duplicate study_id 'G3' (first on line 5)") != std::string::npos);

    const auto contents = radhpc::store::load((c.dir / "store").string());
    std::map<std::string, const radhpc::store::StudyRecord*> by_id;
    for (const auto& s : contents.studies) by_id[s.study_id] = &s;
    std::map<std::string, int> rows;
    for (const auto& k : contents.features.keys) ++rows[k.study_id];
    for (const auto& id : c.good) {
        INFO(id);
        REQUIRE(by_id.count(id));
        CHECK(by_id[id]->status == "ok");
        CHECK(rows[id] == make_tiny_study(11, std::stoi(id.substr(1))).lesions);
    }
    CHECK(by_id["G3"]->patient_id == "PG3");  // the duplicate row did not replace the first

    // Each bad study: status error and a reason that names the problem.
    const std::map<std::string, std::vector<std::string>> expected_words{
        {"B_missing", {"does_not_exist.nii.gz", "not found"}},
        {"B_trunc", {"B_trunc.nii.gz"}},
        {"B_complex", {"B_complex.nii"}},
        {"B_geom", {"grid"}},
        {"B_empty", {"label 1 is absent"}},
        {"B_onevox", {"lesion 1"}},
        {"B_nan", {"NaN"}},
        {"B_zero", {"B_zero.nii", "voxel spacing pixdim[1] is 0"}},
        {"B_short", {"manifest.csv:40:53", "missing column 'labels'"}},
        {"B_label", {"label 7 is absent"}},
        {"B_labeltext", {"label 'one' is not an integer"}},
    };
    for (const auto& [id, what] : c.bad) {
        INFO(id << " (" << what << ")");
        REQUIRE(by_id.count(id));
        const auto& r = *by_id[id];
        INFO("kind " << r.error_kind << ": " << r.message);
        CHECK(r.status == "error");
        CHECK(!r.error_kind.empty());
        CHECK(rows[id] == 0);
        for (const auto& w : expected_words.at(id)) CHECK(r.message.find(w) != std::string::npos);
    }
    CHECK(contents.manifest_issues.size() == 3);  // short row, label text, duplicate

    // inspect lists the failures with their reasons
    REQUIRE(sh(kRadhpc + " inspect " + (c.dir / "store").string(), c.dir / "inspect.log") == 0);
    const std::string ins = slurp(c.dir / "inspect.log");
    for (const auto& [id, what] : c.bad) CHECK(ins.find("  " + id + "  error") != std::string::npos);
    CHECK(ins.find("duplicate study_id") != std::string::npos);
    fs::remove_all(c.dir);
}

// A damaged /validation record (its tables do not fit its terms and rows, as a truncated or
// foreign writer could leave them): inspect, export and report refuse it with a message naming
// the group, instead of reading out of range.
TEST_CASE("damaged /validation record: inspect, export and report fail with its name, no crash", "[batch][bad-input][validate]") {
    const auto dir = scratch("bad-validation");
    radhpc::store::ValidationResult v;
    v.name = "damaged";
    v.status = "running";
    v.terms = {"(Intercept)", "f1", "f2"};
    v.patients = {"P1", "P2", "P3"};
    v.tuning.done = true;
    v.tuning.procedure = "fixed";
    v.tuning.coefficients = {0.5, 1.0};  // two values for three terms
    radhpc::store::ValidationReplicate r;
    r.index = 0;
    r.coefficients = {0.1, 0.2, 0.3};
    v.replicates.push_back(r);
    radhpc::store::Contents c;
    c.validations.push_back(v);
    radhpc::store::write_part((dir / "store").string(), c);
    const std::string store = (dir / "store").string();
    for (const std::string& cmd : {"inspect " + store, "export " + store + " --table validation --out " + (dir / "out").string(),
                                   "report " + store + " --out " + (dir / "r.html").string()}) {
        INFO(cmd);
        const int rc = sh(kRadhpc + " " + cmd, dir / "cmd.log");
        CHECK(rc == 2);  // radhpc's error exit, not a signal
        CHECK(slurp(dir / "cmd.log").find("/validation/damaged: tables do not match its terms and rows") != std::string::npos);
    }
}
