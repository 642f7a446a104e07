// Private paths (issue 13, `privacy.paths`): an archive in a folder named after a patient. With
// `hashed` the name appears nowhere in the store, the run's log, inspect, export, report, diff or
// the QC table; `relative` writes paths relative to the manifest's folder; switching the mode
// recomputes nothing and the stores still resume and diff.
#include <catch2/catch.hpp>

#include <map>

#include "batch_fixture.hpp"
#include "radhpc/store/privacy.hpp"
#include "radhpc/store/store.hpp"

using namespace batch_test;
namespace store = radhpc::store;

namespace {

// `radhpc synth` (small, 4 studies) into <dir>/Doe_John_1957, then: study 1's image moved into a
// patient-named subfolder, study 2's image path pointing at a file that does not exist, study 3's
// image overwritten with bytes no reader accepts, and a manifest row with a column missing.
fs::path patient_archive(const fs::path& dir) {
    const fs::path root = dir / "Doe_John_1957";
    REQUIRE(sh(kRadhpc + " synth --studies 4 --seed 5 --out '" + root.string() + "'", dir / "synth.log") == 0);
    std::vector<std::vector<std::string>> rows = testutil::csv_rows(slurp(root / "manifest.csv"));
    REQUIRE(rows.size() == 5);
    fs::create_directories(root / "Doe_John_scans");
    const fs::path moved = root / "Doe_John_scans" / fs::path(rows[2][2]).filename();
    fs::rename(root / rows[2][2], moved);
    rows[2][2] = "Doe_John_scans/" + moved.filename().string();
    rows[3][2] = "Doe_John_scans/missing_ct.nii.gz";
    std::ofstream(root / rows[4][2], std::ios::binary) << "this is not an image at all";
    std::ofstream m(root / "manifest.csv");
    for (const auto& r : rows) {
        for (std::size_t j = 0; j < r.size(); ++j) m << (j ? "," : "") << r[j];
        m << "\n";
    }
    m << "S_BROKEN,P9,Doe_John_scans/x.nii.gz\n";  // missing columns: a manifest issue naming the file
    return root;
}

std::string job_with(const fs::path& dir, const std::string& name, const std::string& paths, const fs::path& manifest) {
    const fs::path p = dir / (name + ".yaml");
    std::string text = slurp(tiny_job(dir));
    text += "manifest: " + manifest.string() + "\n";
    if (!paths.empty()) text += "privacy: {paths: " + paths + "}\n";
    std::ofstream(p) << text;
    return p.string();
}

// Runs `radhpc -v run` (debug lines too) into `store`; returns the exit status, log in `log`.
int run_job(const std::string& job, const fs::path& manifest, const fs::path& store, const fs::path& log) {
    return sh(kRadhpc + " -v run " + job + " --manifest '" + manifest.string() + "' --store '" + store.string() + "'", log);
}

std::map<std::string, store::StudyRecord> studies_of(const fs::path& s) {
    std::map<std::string, store::StudyRecord> out;
    for (auto& r : store::load(s.string()).studies) out[r.study_id] = r;
    return out;
}

bool contains(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("privacy.paths hashed: a patient-named folder appears nowhere in what radhpc writes", "[batch][privacy]") {
    const auto dir = scratch("privacy-hashed");
    const fs::path root = patient_archive(dir);
    const fs::path manifest = root / "manifest.csv";
    const std::string job = job_with(dir, "hashed", "hashed", manifest);
    const fs::path st = dir / "store";
    REQUIRE(run_job(job, manifest, st, dir / "run.log") == 1);  // failed studies: exit 1
    const std::string log = slurp(dir / "run.log");
    INFO(log);
    CHECK(contains(log, "failed"));  // the failures are logged, without their paths

    // What each reader shows of the store.
    REQUIRE(sh("h5dump '" + (st / "store.h5").string() + "'", dir / "h5dump.txt") == 0);
    REQUIRE(sh(kRadhpc + " inspect '" + st.string() + "'", dir / "inspect.txt") == 0);
    REQUIRE(sh(kRadhpc + " export '" + st.string() + "' --format csv --metadata --out '" + (dir / "export.csv").string() + "'",
               dir / "export.log") == 0);
    REQUIRE(sh(kRadhpc + " report '" + st.string() + "' --out '" + (dir / "report.html").string() + "'", dir / "report.log") == 0);
    REQUIRE(sh(kRadhpc + " qc '" + manifest.string() + "' --settings " + job + " --out '" + (dir / "qc.csv").string() + "'",
               dir / "qc.log") == 0);
    fs::copy(st, dir / "store_copy", fs::copy_options::recursive);
    REQUIRE(sh(kRadhpc + " diff '" + st.string() + "' '" + (dir / "store_copy").string() + "'", dir / "diff.txt") == 0);

    const std::string inspect = slurp(dir / "inspect.txt");
    INFO(inspect);
    // The failures are there, with what went wrong but not where.
    const auto s = studies_of(st);
    REQUIRE(s.size() == 5);
    int errors = 0;
    for (const auto& [id, r] : s) {
        errors += r.status == "error";
        for (const auto& f : r.inputs) CHECK(f.path.rfind("h:", 0) == 0);
    }
    CHECK(errors == 3);  // missing file, unreadable image, broken manifest row
    CHECK(contains(inspect, "file not found"));
    CHECK(contains(inspect, "missing column"));
    CHECK(contains(inspect, "h:"));

    for (const char* name : {"h5dump.txt", "inspect.txt", "export.csv", "report.html", "qc.csv", "diff.txt", "run.log", "export.log",
                             "report.log", "qc.log"}) {
        const std::string text = slurp(dir / name);
        INFO(name);
        if (fs::path(name).extension() != ".log") CHECK(!text.empty());
        CHECK_FALSE(contains(text, "Doe_John"));
        CHECK_FALSE(contains(text, "Doe"));
    }
    // The raw bytes of every file of the store (strings are stored uncompressed).
    for (const auto& e : fs::recursive_directory_iterator(st))
        if (e.is_regular_file()) {
            INFO(e.path());
            CHECK_FALSE(contains(slurp(e.path()), "Doe"));
        }
    fs::remove_all(dir);
}

TEST_CASE("privacy.paths relative (default) and full, and switching the mode recomputes nothing", "[batch][privacy]") {
    const auto dir = scratch("privacy-modes");
    const fs::path root = patient_archive(dir);
    const fs::path manifest = root / "manifest.csv";
    const fs::path st = dir / "store";

    // Default: relative to the manifest's folder.
    REQUIRE(run_job(job_with(dir, "default", "", manifest), manifest, st, dir / "r1.log") == 1);
    const auto first = studies_of(st);
    const std::string before = export_csv(st, dir / "before.csv");
    std::size_t relative_inputs = 0;
    for (const auto& [id, r] : first)
        for (const auto& f : r.inputs) {
            CHECK(fs::path(f.path).is_relative());
            CHECK(f.path.rfind("h:", 0) != 0);
            CHECK_FALSE(contains(f.path, root.string()));
            relative_inputs += f.path.rfind("images/", 0) == 0 || f.path.rfind("masks/", 0) == 0 || f.path.rfind("Doe_John_scans/", 0) == 0;
        }
    CHECK(relative_inputs > 0);
    CHECK(contains(first.at("S_BROKEN").message, "manifest.csv:"));
    CHECK_FALSE(contains(first.at("S_BROKEN").message, root.string()));
    bool missing_named = false;
    for (const auto& [id, r] : first)
        missing_named |= r.message == "Doe_John_scans/missing_ct.nii.gz: file not found";
    CHECK(missing_named);
    CHECK_FALSE(contains(slurp(dir / "r1.log"), root.string()));

    // hashed on the same store: nothing recomputed, features identical, paths rewritten.
    fs::copy(st, dir / "store_relative", fs::copy_options::recursive);
    REQUIRE(run_job(job_with(dir, "hashed", "hashed", manifest), manifest, st, dir / "r2.log") == 1);
    INFO(slurp(dir / "r2.log"));
    CHECK(contains(slurp(dir / "r2.log"), "0 computed (0 ok)"));
    CHECK(export_csv(st, dir / "after.csv") == before);
    const auto second = studies_of(st);
    for (const auto& [id, r] : second) {
        CHECK(r.content_hash == first.at(id).content_hash);
        if (r.status == "ok") CHECK(r.run_id == first.at(id).run_id);  // computed by the first run
        for (const auto& f : r.inputs) CHECK(f.path.rfind("h:", 0) == 0);
    }
    for (const auto& e : fs::recursive_directory_iterator(st))
        if (e.is_regular_file()) CHECK_FALSE(contains(slurp(e.path()), "Doe"));
    // diff of the relative store and the rewritten one: no stored study listed, no value changed.
    // (The studies failing before start, a missing file and a broken manifest row, get a new error
    // record in every run whatever the mode: diff lists those two.)
    sh(kRadhpc + " diff '" + (dir / "store_relative").string() + "' '" + st.string() + "'", dir / "diff.txt");
    const std::string diff = slurp(dir / "diff.txt");
    INFO(diff);
    for (const auto& [id, r] : first)
        if (id != "S_BROKEN" && !contains(r.message, "file not found")) CHECK_FALSE(contains(diff, " " + id + ":"));
    CHECK(contains(diff, "): 0 of"));
    CHECK_FALSE(contains(diff, " is new"));
    CHECK_FALSE(contains(diff, "no longer used"));

    // full: the resolved absolute paths; still nothing recomputed.
    REQUIRE(run_job(job_with(dir, "full", "full", manifest), manifest, st, dir / "r3.log") == 1);
    CHECK(contains(slurp(dir / "r3.log"), "0 computed (0 ok)"));
    CHECK(export_csv(st, dir / "full.csv") == before);
    for (const auto& [id, r] : studies_of(st))
        if (r.status == "ok")
            for (const auto& f : r.inputs) CHECK(f.path.rfind(root.string() + "/", 0) == 0);
    fs::remove_all(dir);
}

TEST_CASE("PathPrivacy: display forms and messages", "[batch][privacy]") {
    const std::string base = "/data/Doe_John_1957";
    const store::PathPrivacy rel(store::PathMode::relative, base + "/manifest.csv");
    CHECK(rel.display(base + "/images/ct.nii.gz") == "images/ct.nii.gz");
    CHECK(rel.display("/elsewhere/ct.nii.gz") == "../../elsewhere/ct.nii.gz");
    CHECK(rel.scrub("cannot open " + base + "/images/ct.nii.gz: gzip CRC mismatch") == "cannot open images/ct.nii.gz: gzip CRC mismatch");
    CHECK(rel.scrub(base + "/manifest.csv:3:7: missing column 'mask'") == "manifest.csv:3:7: missing column 'mask'");
    // a DICOM file inside a series folder, and a known input outside the manifest's folder
    CHECK(rel.scrub("'" + base + "/dicom/S1/ct/0003.dcm': bad tag") == "'dicom/S1/ct/0003.dcm': bad tag");
    CHECK(rel.scrub("/x/Doe_Jane/a b.nii (read)", {"/x/Doe_Jane/a b.nii"}) == "../../x/Doe_Jane/a b.nii (read)");
    // not part of a longer name
    CHECK(rel.scrub(base + "_old/x.nii") == base + "_old/x.nii");

    const store::PathPrivacy hashed(store::PathMode::hashed, base + "/manifest.csv");
    const std::string h = hashed.display(base + "/images/ct.nii.gz");
    CHECK(h.size() == 18);
    CHECK(h.rfind("h:", 0) == 0);
    CHECK(h == hashed.display(base + "/./images//ct.nii.gz"));  // the same file, the same form
    CHECK(h != hashed.display(base + "/images/ct2.nii.gz"));
    CHECK(hashed.scrub("cannot open " + base + "/images/ct.nii.gz.") == "cannot open " + h + ".");
    CHECK(hashed.redisplay("images/ct.nii.gz") == h);  // a relative form stored by an earlier run
    CHECK(hashed.redisplay(base + "/images/ct.nii.gz") == h);
    CHECK(hashed.redisplay(h) == h);
    CHECK(hashed.scrub("images/ct.nii.gz: not found", {base + "/images/ct.nii.gz"}) == h + ": not found");
    CHECK(hashed.same_input("images/ct.nii.gz", base + "/images/ct.nii.gz"));
    CHECK(hashed.same_input(h, base + "/images/ct.nii.gz"));
    CHECK(hashed.same_input(base + "/images/ct.nii.gz", base + "/images/ct.nii.gz"));
    CHECK_FALSE(hashed.same_input("images/other.nii.gz", base + "/images/ct.nii.gz"));

    const store::PathPrivacy full(store::PathMode::full, base + "/manifest.csv");
    CHECK(full.display(base + "/images/ct.nii.gz") == base + "/images/ct.nii.gz");
    CHECK(full.scrub("x " + base + "/a") == "x " + base + "/a");
    CHECK_THROWS(store::parse_path_mode("anonymous"));
}

TEST_CASE("privacy.paths hashed: DICOM series folders and RTSTRUCT paths in messages", "[batch][privacy][dicom]") {
    const auto dir = scratch("privacy-dicom");
    const fs::path root = dir / "Doe_Jane_1960";
    REQUIRE(sh(kRadhpc + " synth --studies 2 --seed 5 --format dicom --out '" + root.string() + "'", dir / "synth.log") == 0);
    std::string m = slurp(root / "manifest.csv");
    const auto at = m.find("S0002/rtstruct.dcm#lesion-1");
    REQUIRE(at != std::string::npos);
    m.replace(at, 27, "S0002/rtstruct.dcm#nosuch");  // an ROI the RTSTRUCT lacks: the reader names the file
    std::ofstream(root / "manifest.csv") << m;
    const fs::path manifest = root / "manifest.csv";

    REQUIRE(run_job(job_with(dir, "hashed", "hashed", manifest), manifest, dir / "hashed", dir / "h.log") == 1);
    REQUIRE(sh(kRadhpc + " inspect '" + (dir / "hashed").string() + "'", dir / "inspect.txt") == 0);
    const auto s = studies_of(dir / "hashed");
    REQUIRE(s.at("S0002").status == "error");
    CHECK(contains(s.at("S0002").message, "no ROI named 'nosuch'"));
    CHECK(s.at("S0002").message.rfind("h:", 0) == 0);
    for (const auto& e : fs::recursive_directory_iterator(dir / "hashed"))
        if (e.is_regular_file()) CHECK_FALSE(contains(slurp(e.path()), "Doe"));
    for (const char* name : {"h.log", "inspect.txt"}) {
        INFO(name);
        CHECK_FALSE(contains(slurp(dir / name), "Doe"));
    }

    REQUIRE(run_job(job_with(dir, "relative", "relative", manifest), manifest, dir / "relative", dir / "r.log") == 1);
    const auto r = studies_of(dir / "relative");
    CHECK(r.at("S0002").message.rfind("dicom/S0002/rtstruct.dcm: no ROI named 'nosuch'", 0) == 0);
    CHECK(r.at("S0001").inputs.at(0).path == "dicom/S0001/ct");
    fs::remove_all(dir);
}
