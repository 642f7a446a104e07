// The study jobs end to end through the binary: jobs/ct-time2025.yaml and jobs/ligero2021.yaml over
// a small synthetic archive (radhpc synth). Expected values are never typed in: the scores,
// classes, patient aggregates and metrics in the store are checked against R (tests/study/r/
// signature.R: plogis, mean/median/min/max, pROC DeLong, binom.test) computed from the features
// radhpc export writes. Coefficients are inputs the test chooses (the papers do not print them).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "radhpc/io/image_io.hpp"
#include "radhpc/store/store.hpp"
#include "study_util.hpp"

namespace fs = std::filesystem;
using studytest::close;

namespace {

const radhpc::store::SignatureResult* find_signature(const radhpc::store::Contents& c, const std::string& name) {
    for (const auto& s : c.signatures)
        if (s.name == name) return &s;
    return nullptr;
}

// Synthetic archive with the manifest columns the study jobs read: `column` (0/1) is the patient
// number mod 2 (P0001 -> 1, P0002 -> 0: both classes at lesion and patient level), and
// `location`: lesions cycle through `levels`.
fs::path make_archive(const fs::path& dir, int studies, std::uint64_t seed, const std::string& outcome_column,
                      const std::vector<std::string>& levels) {
    const auto r = clitest::run_radhpc("synth --studies " + std::to_string(studies) + " --seed " + std::to_string(seed) + " --out " +
                                           (dir / "archive").string(),
                                       "synth");
    REQUIRE(r.exit_code == 0);
    const auto manifest = dir / "archive" / "manifest.csv";
    studytest::add_manifest_column(manifest, outcome_column, [](const auto& row, const studytest::Csv& c) {
        return std::to_string(std::stoi(row[c.col("patient_id")].substr(1)) % 2);
    });
    if (!levels.empty()) {
        std::size_t next = 0;
        studytest::add_manifest_column(manifest, "location", [&](const auto& row, const studytest::Csv& c) {
            const auto& labels = row[c.col("labels")];
            const auto n = std::size_t(std::count(labels.begin(), labels.end(), ';') + 1);
            std::string cell;
            for (std::size_t i = 0; i < n; ++i) cell += (i ? ";" : "") + levels[next++ % levels.size()];
            return cell;
        });
    }
    return manifest;
}

// Mean and SD (n - 1) of a column of the exported table, optionally of its log.
std::pair<double, double> mean_sd(const studytest::Csv& t, const std::string& column, bool log) {
    const auto j = t.col(column);
    std::vector<double> v;
    for (const auto& r : t.rows) v.push_back(log ? std::log(std::stod(r[j])) : std::stod(r[j]));
    double m = 0;
    for (double x : v) m += x / double(v.size());
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    return {m, std::sqrt(ss / double(v.size() - 1))};
}

void check_against_r(const radhpc::store::SignatureResult& sig, const rtest::Results& r, bool metrics) {
    const auto lp = studytest::values(r, "lp"), score = studytest::values(r, "score"), cls = studytest::values(r, "class");
    REQUIRE(sig.lesions.size() == score.size());
    for (std::size_t i = 0; i < score.size(); ++i) {
        const auto& l = sig.lesions[i];
        INFO("lesion row " << i << ": " << l.study_id << " lesion " << l.lesion << " " << l.message);
        CHECK(close(l.linear_predictor, lp[i]));
        CHECK(close(l.score, score[i]));
        CHECK(double(l.cls) == cls[i]);
        CHECK((l.cls >= 0) == l.message.empty());
    }
    const std::pair<const char*, double radhpc::store::SignaturePatientRow::*> cols[] = {
        {"p_mean", &radhpc::store::SignaturePatientRow::mean},
        {"p_median", &radhpc::store::SignaturePatientRow::median},
        {"p_min", &radhpc::store::SignaturePatientRow::min},
        {"p_max", &radhpc::store::SignaturePatientRow::max},
        {"p_score", &radhpc::store::SignaturePatientRow::score}};
    for (const auto& [name, member] : cols) {
        const auto ref = studytest::values(r, name);
        REQUIRE(sig.patients.size() == ref.size());
        for (std::size_t i = 0; i < ref.size(); ++i) {
            INFO(name << " of " << sig.patients[i].patient_id);
            CHECK(close(sig.patients[i].*member, ref[i]));
        }
    }
    const auto pcls = studytest::values(r, "p_class");
    for (std::size_t i = 0; i < pcls.size(); ++i) CHECK(double(sig.patients[i].cls) == pcls[i]);
    if (!metrics) return;
    for (const std::string level : {"lesion", "patient"}) {
        auto stored = [&](const std::string& metric) -> const radhpc::store::SignatureMetricRow& {
            for (const auto& m : sig.metrics)
                if (m.level == level && m.metric == metric) return m;
            FAIL("store lacks metric " << level << " " << metric);
            return sig.metrics.front();
        };
        for (const std::string metric : {"auc", "sensitivity", "specificity", "ppv", "npv", "lr_positive", "lr_negative"}) {
            INFO(level << " " << metric);
            const auto ref = studytest::values(r, level + "_" + metric);
            const auto& m = stored(metric);
            CHECK(close(m.estimate, ref[0]));
            CHECK(close(m.lower, ref[1]));
            CHECK(close(m.upper, ref[2]));
        }
        const auto counts = studytest::values(r, level + "_counts");
        CHECK(stored("true_positive").estimate == counts[0]);
        CHECK(stored("false_positive").estimate == counts[1]);
        CHECK(stored("true_negative").estimate == counts[2]);
        CHECK(stored("false_negative").estimate == counts[3]);
    }
}

}  // namespace

TEST_CASE("jobs/ct-time2025.yaml: refused without coefficients, then per-lesion and per-patient scores equal R's plogis on the export",
          "[study][ct-time]") {
    const auto dir = studytest::scratch("ct_time");
    const auto manifest = make_archive(dir, 8, 11, "inflamed", {});
    const auto store = dir / "store";
    const std::string job = studytest::repo_path("jobs/ct-time2025.yaml");

    // 1. the job as shipped: features are extracted, scoring is refused naming what is missing
    auto run = clitest::run_radhpc("run " + job + " --manifest " + manifest.string() + " --store " + store.string(), "ct_run1");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("signature 'ct-time2025': not scored") != std::string::npos);
    CHECK(run.err.find("signature.coefficients") != std::string::npos);
    CHECK(run.err.find("signature.intercept") != std::string::npos);
    {
        const auto c = radhpc::store::load(store.string());
        const auto* sig = find_signature(c, "ct-time2025");
        REQUIRE(sig != nullptr);
        CHECK(sig->status == "refused");
        CHECK(sig->lesions.empty());
    }

    // 2. coefficients supplied by the user (chosen here on the standardised scale so that the
    //    scores spread over both classes) in a job variant
    REQUIRE(clitest::run_radhpc("export " + store.string() + " --names pyradiomics --metadata --out " + (dir / "features.csv").string(),
                                "ct_export")
                .exit_code == 0);
    const auto table = studytest::read_csv(dir / "features.csv");
    const std::vector<std::pair<std::string, double>> standardised_effect = {{"original_shape_Elongation", 0.8},
                                                                             {"original_firstorder_90Percentile", -0.6},
                                                                             {"original_glcm_MaximumProbability", 0.5},
                                                                             {"original_glszm_SizeZoneNonUniformity", 0.7}};
    YAML::Node variant = YAML::LoadFile(job);
    double intercept = 0.2;
    YAML::Node coefficients(YAML::NodeType::Sequence);
    std::ofstream coef_csv(dir / "coefficients.csv");
    coef_csv << "term,beta\n";
    for (const auto& [feature, effect] : standardised_effect) {
        const auto [m, sd] = mean_sd(table, feature, false);
        const double b = effect / sd;
        intercept -= b * m;
        YAML::Node item;
        item["term"] = feature;
        item["value"] = studytest::fmt17(b);
        coefficients.push_back(item);
        coef_csv << feature << "," << studytest::fmt17(b) << "\n";
    }
    coef_csv.close();
    variant["signature"]["coefficients"] = coefficients;
    variant["signature"]["intercept"] = studytest::fmt17(intercept);
    const auto variant_path = dir / "ct-time-variant.yaml";
    std::ofstream(variant_path) << YAML::Dump(variant) << "\n";

    // 3. rerun: the signature is not part of the settings identity, so nothing is recomputed
    run = clitest::run_radhpc("run " + variant_path.string() + " --manifest " + manifest.string() + " --store " + store.string(), "ct_run2");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find(" 0 computed") != std::string::npos);
    CHECK(run.out.find("8 skipped") != std::string::npos);
    const auto c = radhpc::store::load(store.string());
    const auto* sig = find_signature(c, "ct-time2025");
    REQUIRE(sig != nullptr);
    REQUIRE(sig->status == "scored");
    CHECK(sig->lesions.size() == table.rows.size());
    CHECK(sig->patients.size() == 4);
    CHECK(sig->rule == ">");
    CHECK(sig->aggregation == "mean");
    std::set<std::int64_t> classes;
    for (const auto& l : sig->lesions) classes.insert(l.cls);
    CHECK(classes == std::set<std::int64_t>{0, 1});  // the chosen coefficients give both classes
    for (const auto& l : sig->lesions) CHECK(l.label == (l.cls ? "inflamed" : "non-inflamed"));

    const auto r = studytest::run_oracle("signature.R", dir / "features.csv", "ct_time",
                                         {(dir / "coefficients.csv").string(), "-", studytest::fmt17(intercept), "0.5", ">", "mean", "-", "-",
                                          "-", "inflamed"});
    check_against_r(*sig, r, true);

    // 4. radhpc score gives the same result and the CSV tables
    run = clitest::run_radhpc("score " + store.string() + " --job " + variant_path.string() + " --csv-dir " + (dir / "scores").string(),
                              "ct_score");
    REQUIRE(run.exit_code == 0);
    const auto patients = studytest::read_csv(dir / "scores" / "patients.csv");
    REQUIRE(patients.rows.size() == sig->patients.size());
    for (std::size_t i = 0; i < patients.rows.size(); ++i)
        CHECK(std::stod(patients.rows[i][patients.col("score")]) == sig->patients[i].score);

    // radhpc inspect summarises the stored signature (counts and the AUC the store holds)
    run = clitest::run_radhpc("inspect " + store.string(), "ct_inspect");
    REQUIRE(run.exit_code == 0);
    INFO(run.out);
    CHECK(run.out.find("signature ct-time2025: scored, " + std::to_string(sig->lesions.size()) + " lesions and 4 patients scored") !=
          std::string::npos);
    for (const auto& m : sig->metrics)
        if (m.metric == "auc") {
            char b[96];
            std::snprintf(b, sizeof b, "%s AUC %.3f [%.3f, %.3f]", m.level.c_str(), m.estimate, m.lower, m.upper);
            CHECK(run.out.find(b) != std::string::npos);
        }
    CHECK(run.out.find("STALE") == std::string::npos);

    // 5. under mpirun (2 ranks) the stage runs once, on rank 0, with the same result
    const auto mpi_store = dir / "store-mpi";
    const std::string mpirun = "mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 " + std::string(RADHPC_BINARY) + " run " +
                               variant_path.string() + " --manifest " + manifest.string() + " --store " + mpi_store.string() + " > " +
                               (dir / "mpi.log").string() + " 2>&1";
    REQUIRE(std::system(mpirun.c_str()) == 0);
    const auto mpi_log = clitest::slurp(dir / "mpi.log");
    INFO(mpi_log);
    std::size_t stage_lines = 0;
    for (std::size_t at = mpi_log.find("signature 'ct-time2025'"); at != std::string::npos; at = mpi_log.find("signature 'ct-time2025'", at + 1))
        ++stage_lines;
    CHECK(stage_lines == 1);
    const auto mc = radhpc::store::load(mpi_store.string());
    const auto* msig = find_signature(mc, "ct-time2025");
    REQUIRE(msig != nullptr);
    REQUIRE(msig->lesions.size() == sig->lesions.size());
    for (std::size_t i = 0; i < sig->lesions.size(); ++i) {
        CHECK(msig->lesions[i].score == sig->lesions[i].score);
        CHECK(msig->lesions[i].cls == sig->lesions[i].cls);
    }
    REQUIRE(msig->metrics.size() == sig->metrics.size());
    for (std::size_t i = 0; i < sig->metrics.size(); ++i) CHECK(studytest::close(msig->metrics[i].estimate, sig->metrics[i].estimate, 0));

    // 6. tonight one image is re-exported (another pixel type, so other bytes) and a run without the
    //    signature section recomputes that study: inspect flags the stored scores as stale
    {
        YAML::Node plain = YAML::LoadFile(variant_path.string());
        plain.remove("signature");
        std::ofstream(dir / "no-signature.yaml") << YAML::Dump(plain) << "\n";
        const auto image = dir / "archive" / "images" / "S0001.nii.gz";
        radhpc::io::write_image(radhpc::io::read_image(image.string()), image.string(), /*as_float32=*/true);
    }
    run = clitest::run_radhpc("run " + (dir / "no-signature.yaml").string() + " --manifest " + manifest.string() + " --store " +
                                  store.string(),
                              "ct_run3");
    REQUIRE(run.exit_code == 0);
    CHECK(run.out.find(" 1 computed") != std::string::npos);
    run = clitest::run_radhpc("inspect " + store.string(), "ct_inspect2");
    INFO(run.out);
    CHECK(run.out.find("STALE: studies were recomputed") != std::string::npos);
}

TEST_CASE("jobs/ligero2021.yaml: refused while intercept and standardisation are missing - with user values it scores as R computes from Table 2",
          "[study][ligero]") {
    const auto dir = studytest::scratch("ligero");
    // the fourth level, lung, has no coefficient in Table 2: those lesions get no score
    const auto manifest = make_archive(dir, 4, 21, "clinical_benefit", {"node", "liver", "other", "lung"});
    // clinical values of the radiomics-clinical model (test inputs, one per patient)
    studytest::add_manifest_column(manifest, "lymphocytes", [](const auto& row, const studytest::Csv& c) {
        return studytest::fmt17(0.6 + 0.35 * std::stoi(row[c.col("patient_id")].substr(1)));
    });
    studytest::add_manifest_column(manifest, "albumin", [](const auto& row, const studytest::Csv& c) {
        return studytest::fmt17(4.1 - 0.3 * std::stoi(row[c.col("patient_id")].substr(1)));
    });
    const auto store = dir / "store";
    const std::string job = studytest::repo_path("jobs/ligero2021.yaml");
    const std::string table2 = std::string(RADHPC_SHARED_DATA) + "/signatures/ligero2021_table2.csv";

    auto run = clitest::run_radhpc("run " + job + " --manifest " + manifest.string() + " --store " + store.string(), "lig_run");
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.find("signature.intercept") != std::string::npos);
    CHECK(run.err.find("signature.standardisation") != std::string::npos);
    run = clitest::run_radhpc("score " + store.string() + " --job " + job, "lig_score_refused");
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("cannot score") != std::string::npos);
    CHECK(run.err.find("signature.intercept") != std::string::npos);
    CHECK(run.err.find("signature.standardisation") != std::string::npos);
    {
        const auto c = radhpc::store::load(store.string());
        const auto* sig = find_signature(c, "ligero2021");
        REQUIRE(sig != nullptr);
        CHECK(sig->status == "refused");
        // the spec as used holds Table 2's coefficients, read from the shared CSV
        CHECK(sig->spec.find("original_firstorder_Entropy") != std::string::npos);
        CHECK(sig->spec.find("liver") != std::string::npos);
        const auto* clinical = find_signature(c, "ligero2021/radiomics-clinical");
        REQUIRE(clinical != nullptr);
        CHECK(clinical->status == "refused");
        CHECK(clinical->message.find("needs the signature 'ligero2021' scored first") != std::string::npos);
        CHECK(clinical->message.find("signature.patient_model.intercept") != std::string::npos);
    }

    // user-supplied standardisation (mean and SD of log(feature) over this cohort) and intercept
    REQUIRE(clitest::run_radhpc("export " + store.string() + " --names pyradiomics --metadata --out " + (dir / "features.csv").string(),
                                "lig_export")
                .exit_code == 0);
    const auto table = studytest::read_csv(dir / "features.csv");
    const auto coefficients = studytest::read_csv(table2);
    {
        std::ofstream std_csv(dir / "standardisation.csv");
        std_csv << "term,mean,sd,transform\n";
        for (const auto& row : coefficients.rows) {
            const auto& term = row[coefficients.col("term")];
            if (term.rfind("location_", 0) == 0) continue;
            const auto [m, sd] = mean_sd(table, term, true);
            std_csv << term << "," << studytest::fmt17(m) << "," << studytest::fmt17(sd) << ",log\n";
        }
    }
    const double intercept = -0.3;
    YAML::Node variant = YAML::LoadFile(job);
    variant["signature"]["coefficients_csv"] = table2;  // absolute: the variant lives elsewhere
    variant["signature"]["intercept"] = studytest::fmt17(intercept);
    variant["signature"]["standardisation"]["csv"] = (dir / "standardisation.csv").string();
    const auto variant_path = dir / "ligero-variant.yaml";
    std::ofstream(variant_path) << YAML::Dump(variant) << "\n";

    run = clitest::run_radhpc("score " + store.string() + " --job " + variant_path.string(), "lig_score");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);  // the signature scores; its patient model still lacks an intercept
    CHECK(run.err.find("signature.patient_model.intercept") != std::string::npos);
    CHECK(find_signature(radhpc::store::load(store.string()), "ligero2021/radiomics-clinical")->status == "refused");

    // and with the radiomics-clinical intercept supplied too
    const double clinical_intercept = -2.5;
    variant["signature"]["patient_model"]["intercept"] = studytest::fmt17(clinical_intercept);
    std::ofstream(variant_path) << YAML::Dump(variant) << "\n";
    run = clitest::run_radhpc("score " + store.string() + " --job " + variant_path.string(), "lig_score2");
    REQUIRE(run.exit_code == 0);
    const auto c = radhpc::store::load(store.string());
    const auto* sig = find_signature(c, "ligero2021");
    REQUIRE(sig != nullptr);
    REQUIRE(sig->status == "scored");
    CHECK(sig->threshold == 0.29);
    std::size_t lung = 0;
    for (const auto& l : sig->lesions)
        if (l.category == "lung") {
            ++lung;
            CHECK(l.cls == -1);
            CHECK(l.message.find("location 'lung' has no coefficient") != std::string::npos);
        }
    CHECK(lung > 0);
    // the patient model's coefficients as the job gives them (read back, not typed here)
    const auto pm = variant["signature"]["patient_model"];
    std::vector<std::string> args{table2, (dir / "standardisation.csv").string(), studytest::fmt17(intercept), "0.29", ">=", "mean",
                                  "location", "location", "node", "-", studytest::fmt17(clinical_intercept),
                                  pm["threshold"].as<std::string>(), pm["positive_if"].as<std::string>()};
    for (const auto& t : pm["terms"]) args.push_back(t["term"].as<std::string>() + "=" + t["value"].as<std::string>());
    const auto r = studytest::run_oracle("signature.R", dir / "features.csv", "ligero", args);
    check_against_r(*sig, r, false);

    const auto* clinical = find_signature(c, "ligero2021/radiomics-clinical");
    REQUIRE(clinical != nullptr);
    REQUIRE(clinical->status == "scored");
    CHECK(clinical->threshold == pm["threshold"].as<double>());
    const auto pm_score = studytest::values(r, "pm_score"), pm_class = studytest::values(r, "pm_class");
    REQUIRE(clinical->patients.size() == pm_score.size());
    for (std::size_t i = 0; i < pm_score.size(); ++i) {
        INFO(clinical->patients[i].patient_id);
        CHECK(close(clinical->patients[i].score, pm_score[i]));
        CHECK(double(clinical->patients[i].cls) == pm_class[i]);
    }
}

TEST_CASE("jobs/ct-time2025.yaml fit hint: coefficients fitted by radhpc validate score through coefficients_csv", "[study][ct-time]") {
    const auto dir = studytest::scratch("ct_time_fit");
    const auto manifest = make_archive(dir, 8, 31, "inflamed", {});
    const auto store = dir / "store";
    const std::string job = studytest::repo_path("jobs/ct-time2025.yaml");
    REQUIRE(clitest::run_radhpc("run " + job + " --manifest " + manifest.string() + " --store " + store.string(), "fit_run").exit_code == 0);
    REQUIRE(clitest::run_radhpc("export " + store.string() + " --names pyradiomics --metadata --out " + (dir / "features.csv").string(),
                                "fit_export")
                .exit_code == 0);
    // the validate job the comments of jobs/ct-time2025.yaml describe: the four features, unpenalised
    YAML::Node variant = YAML::LoadFile(job);
    {
        YAML::Node v;
        v["table"] = (dir / "features.csv").string();
        v["outcome"] = "inflamed";
        v["patient"] = "patient_id";
        v["features"] = variant["signature"]["features"];
        v["fixed"]["alpha"] = 1;
        v["fixed"]["lambda"] = 0;
        v["bootstrap"]["replicates"] = 0;
        v["output"] = (dir / "fit").string();
        YAML::Node root;
        root["validate"] = v;
        std::ofstream(dir / "fit.yaml") << YAML::Dump(root) << "\n";
    }
    const auto fit = clitest::run_radhpc("validate " + (dir / "fit.yaml").string(), "fit_validate");
    INFO(fit.err);
    REQUIRE(fit.exit_code == 0);
    variant["signature"]["coefficients_csv"] = (dir / "fit" / "coefficients.csv").string();
    const auto variant_path = dir / "ct-time-fitted.yaml";
    std::ofstream(variant_path) << YAML::Dump(variant) << "\n";
    const auto run = clitest::run_radhpc("score " + store.string() + " --job " + variant_path.string(), "fit_score");
    INFO(run.out << run.err);
    REQUIRE(run.exit_code == 0);
    const auto c = radhpc::store::load(store.string());
    const auto* sig = find_signature(c, "ct-time2025");
    REQUIRE(sig != nullptr);
    REQUIRE(sig->status == "scored");
    // validate's predictions.csv holds its linear predictor per table row (the export's row order)
    const auto predictions = studytest::read_csv(dir / "fit" / "predictions.csv");
    REQUIRE(predictions.rows.size() == sig->lesions.size());
    for (std::size_t i = 0; i < predictions.rows.size(); ++i) {
        INFO("row " << i);
        CHECK(close(sig->lesions[i].linear_predictor, std::stod(predictions.rows[i][predictions.col("linear_predictor")])));
        CHECK(close(sig->lesions[i].score, std::stod(predictions.rows[i][predictions.col("probability")])));
    }
}
