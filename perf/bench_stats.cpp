// Statistics engine benchmark (not a test): prints timings of radhpc and, where R is available,
// of the same work in R (glmnet, pROC) with the ratio.
//   perf_bench_stats [--quick] [--no-r] [--replicates N] [--procedure-replicates N] [--r-replicates N]
//                    [--procedure-only] [--threads 1|2|12] [--repeats R] [--dump FILE]
// --procedure-only: only workload 2 (the tuning procedure per replicate, and R on the same data);
// --threads: thread counts timed for it (default 12 = 1 and 2); --dump: writes each timed
// replicate's model and the CV curves of replicate 0 (%.17g) to FILE, to compare versions.
// Workloads (issue 6): glmnet path n=500 p=100; the tuning procedure on n=300 p=110
// (10x5 CV over alpha = 0.1..1, 100-lambda paths, then the final fit) timed per bootstrap
// replicate on 1 and 2 threads; bootstrap of a fixed-(alpha, lambda) elastic net (1000 replicates)
// on 1 and 2 threads; DeLong AUC + CI on n = 100,000.
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "radhpc/stats/bootstrap.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/random.hpp"
#include "radhpc/stats/roc.hpp"

using namespace radhpc::stats;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double normal(Rng& rng) {
    double u1 = rng.uniform();
    while (u1 <= 0) u1 = rng.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * rng.uniform());
}

struct Data {
    Eigen::MatrixXd x;
    std::vector<double> y;
    std::vector<int> patient;
};

// Radiomics-like design: correlated feature blocks, a handful of informative features.
Data make_data(int n, int p, std::uint64_t seed) {
    Rng rng(seed);
    Data d;
    d.x.resize(n, p);
    for (int i = 0; i < n; ++i) {
        double block = 0;
        for (int j = 0; j < p; ++j) {
            if (j % 10 == 0) block = normal(rng);
            d.x(i, j) = 0.7 * block + 0.7 * normal(rng);
        }
        double eta = -0.3;
        for (int j = 0; j < 5; ++j) eta += (j % 2 ? -0.6 : 0.8) * d.x(i, j * 7);
        d.y.push_back(rng.uniform() < 1.0 / (1.0 + std::exp(-eta)) ? 1.0 : 0.0);
        d.patient.push_back(i);
    }
    return d;
}

std::filesystem::path temp_dir() {
    auto d = std::filesystem::temp_directory_path() / ("radhpc_bench_stats_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
}

void write_csv(const std::filesystem::path& path, const Data& d) {
    std::ofstream out(path);
    out << "y";
    for (Eigen::Index j = 0; j < d.x.cols(); ++j) out << ",x" << j + 1;
    out << "\n";
    char buf[40];
    for (Eigen::Index i = 0; i < d.x.rows(); ++i) {
        out << d.y[std::size_t(i)];
        for (Eigen::Index j = 0; j < d.x.cols(); ++j) {
            std::snprintf(buf, sizeof buf, "%.17g", d.x(i, j));
            out << "," << buf;
        }
        out << "\n";
    }
}

// Runs an R snippet that prints one number (seconds), optionally followed by a second one (CPU
// seconds, stored in *second); returns NaN if R is unavailable or fails.
double r_seconds(const std::string& code, double* second = nullptr) {
    const auto dir = temp_dir();
    const auto script = dir / "bench.R", out = dir / "bench.out";
    std::ofstream(script) << code;
    const std::string cmd = "Rscript --vanilla " + script.string() + " > " + out.string() + " 2>/dev/null";
    if (std::system(cmd.c_str()) != 0) return std::nan("");
    std::ifstream in(out);
    double v = std::nan("");
    in >> v;
    if (second) {
        *second = std::nan("");
        in >> *second;
    }
    return v;
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Wall seconds of f() on `threads` threads; *cpu (if given): CPU seconds of the process meanwhile,
// less sensitive than wall time to other load on a shared machine.
template <class F>
double time_with_threads(int threads, F&& f, double* cpu = nullptr) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::size_t(threads));
    const double c0 = process_cpu_seconds();
    const auto t0 = Clock::now();
    f();
    if (cpu) *cpu = process_cpu_seconds() - c0;
    return seconds_since(t0);
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false, with_r = true, procedure_only = false;
    int fixed_replicates = 1000, procedure_replicates = 4, r_replicates = 2, thread_set = 12, repeats = -1;
    std::string dump;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick") quick = true;
        else if (a == "--no-r") with_r = false;
        else if (a == "--replicates" && i + 1 < argc) fixed_replicates = std::atoi(argv[++i]);
        else if (a == "--procedure-replicates" && i + 1 < argc) procedure_replicates = std::atoi(argv[++i]);
        else if (a == "--r-replicates" && i + 1 < argc) r_replicates = std::atoi(argv[++i]);
        else if (a == "--procedure-only") procedure_only = true;
        else if (a == "--threads" && i + 1 < argc) thread_set = std::atoi(argv[++i]);
        else if (a == "--repeats" && i + 1 < argc) repeats = std::atoi(argv[++i]);
        else if (a == "--dump" && i + 1 < argc) dump = argv[++i];
    }
    if (quick) {
        fixed_replicates = 100;
        procedure_replicates = 2;
        r_replicates = 1;
    }
    std::vector<int> thread_counts;
    if (thread_set == 1 || thread_set == 12) thread_counts.push_back(1);
    if (thread_set == 2 || thread_set == 12) thread_counts.push_back(2);
    if (with_r && std::system("Rscript --version > /dev/null 2>&1") != 0) {
        std::printf("Rscript not found: R timings skipped\n");
        with_r = false;
    }
    const auto dir = temp_dir();
    {
        // Thread speed-ups are only meaningful on an idle machine: print the load for context.
        std::ifstream load("/proc/loadavg");
        std::string l1;
        load >> l1;
        std::printf("radhpc stats benchmark; hardware threads %u, 1-min load average at start %s\n\n",
                    std::thread::hardware_concurrency(), l1.c_str());
    }

    // 1. glmnet path, n = 500, p = 100, alpha = 1, 100 lambdas
    if (!procedure_only) {
        const Data d = make_data(500, 100, 1);
        GlmnetOptions o;
        const int reps = quick ? 3 : 10;
        std::size_t nl = 0;
        const auto t0 = Clock::now();
        for (int r = 0; r < reps; ++r) nl = glmnet_binomial(d.x, d.y, o).size();
        const double ours = seconds_since(t0) / reps;
        std::printf("glmnet binomial path n=500 p=100 (%zu lambdas): radhpc %.4f s", nl, ours);
        if (with_r) {
            write_csv(dir / "path.csv", d);
            const double r = r_seconds("suppressMessages(library(glmnet)); d <- read.csv('" + (dir / "path.csv").string() +
                                       "'); x <- as.matrix(d[,-1]); y <- d$y; invisible(glmnet(x, y, family='binomial'));"
                                       " t <- system.time(for (i in 1:" + std::to_string(reps) +
                                       ") glmnet(x, y, family='binomial'))['elapsed'] / " + std::to_string(reps) +
                                       "; cat(t)");
            std::printf(", R glmnet %.4f s, R/radhpc %.1fx", r, r / ours);
        }
        std::printf("\n");
    }

    // 2. Tuning procedure on n = 300, p = 110: 10x5 CV over alpha 0.1..1, 100-lambda paths + final fit
    const Data d = make_data(300, 110, 2);
    RepeatedCvOptions cv;
    cv.alphas.clear();  // RepeatedCvOptions starts with {1.0}: without this the grid had 11 alphas (1.0 twice)
    for (int a = 1; a <= 10; ++a) cv.alphas.push_back(a / 10.0);
    cv.folds = 5;
    cv.repeats = repeats > 0 ? repeats : (quick ? 2 : 10);
    cv.seed = 42;
    const auto procedure = cv_tuned_elastic_net(cv);
    {
        std::vector<double> per_rep(3, std::nan("")), cpu_per_rep(3, std::nan(""));
        std::vector<BootstrapReplicate> reps(static_cast<std::size_t>(procedure_replicates));
        for (int threads : thread_counts) {
            double cpu = 0;
            const double t = time_with_threads(
                threads,
                [&] {
                    tbb::parallel_for(0, procedure_replicates, [&](int b) {
                        reps[std::size_t(b)] = run_bootstrap_replicate(d.x, d.y, d.patient, procedure, 7, std::uint64_t(b));
                    });
                },
                &cpu);
            per_rep[std::size_t(threads)] = t / procedure_replicates;
            cpu_per_rep[std::size_t(threads)] = cpu / procedure_replicates;
            std::printf("bootstrap replicate of the %dx5-CV alpha-grid procedure (n=300, p=110): %d thread(s): "
                        "%.3f s per replicate (%d replicates), CPU %.3f s per replicate\n",
                        cv.repeats, threads, per_rep[std::size_t(threads)], procedure_replicates,
                        cpu_per_rep[std::size_t(threads)]);
        }
        if (thread_set == 12)
            std::printf("  speed-up 2 vs 1 threads: %.2fx; projected 1000 replicates: %.0f s (1 thread), %.0f s (2 threads)\n",
                        per_rep[1] / per_rep[2], 1000 * per_rep[1], 1000 * per_rep[2]);
        if (!dump.empty()) {
            std::FILE* f = std::fopen(dump.c_str(), "w");
            for (const auto& rep : reps) {
                std::fprintf(f, "replicate %llu alpha %.17g lambda %.17g auc_train %.17g auc_test %.17g auc_oob %.17g\n",
                             (unsigned long long)rep.index, rep.model.alpha, rep.model.lambda, rep.auc_train,
                             rep.auc_test, rep.auc_oob);
                std::fprintf(f, "coef %.17g", rep.model.intercept);
                for (Eigen::Index j = 0; j < rep.model.beta.size(); ++j) std::fprintf(f, " %.17g", rep.model.beta(j));
                std::fprintf(f, "\n");
            }
            // CV curves of the procedure on the bootstrap sample of replicate 0
            const auto drawn = bootstrap_patients(d.patient, 7, 0);
            Data b;
            b.x.resize(Eigen::Index(drawn.size()), d.x.cols());
            for (std::size_t i = 0; i < drawn.size(); ++i) {
                b.x.row(Eigen::Index(i)) = d.x.row(drawn[i]);
                b.y.push_back(d.y[std::size_t(drawn[i])]);
                b.patient.push_back(int(i));
            }
            const auto res = repeated_cv(b.x, b.y, b.patient, cv);
            for (const auto& c : res.curves) {
                std::fprintf(f, "alpha %.17g lambda_min %.17g lambda_1se %.17g\n", c.alpha, c.lambda_min, c.lambda_1se);
                for (std::size_t l = 0; l < c.lambda.size(); ++l)
                    std::fprintf(f, "  %.17g %.17g %.17g\n", c.lambda[l], c.cvm[l], c.cvsd[l]);
            }
            std::fclose(f);
        }
        if (with_r) {
            write_csv(dir / "proc.csv", d);
            // Same work in R: one bootstrap sample, for each alpha the full path and cv.glmnet with the
            // same 10 x 5 fold structure (stratified random folds), then the final fit.
            double r_cpu = std::nan("");
            const double r = r_seconds(
                "suppressMessages(library(glmnet)); d <- read.csv('" + (dir / "proc.csv").string() +
                "'); x <- as.matrix(d[,-1]); y <- d$y; set.seed(1);"
                " t <- system.time(for (b in 1:" + std::to_string(r_replicates) + ") { idx <- sample(nrow(x), replace = TRUE); xb <- x[idx,]; yb <- y[idx];"
                " for (a in seq(0.1, 1, 0.1)) { for (r in 1:" + std::to_string(cv.repeats) +
                ") { f <- integer(length(yb)); for (cl in 0:1) { w <- which(yb == cl);"
                " f[w] <- sample(rep(1:5, length.out = length(w))) };"
                " cvr <- cv.glmnet(xb, yb, family = 'binomial', alpha = a, foldid = f) } };"
                " fit <- glmnet(xb, yb, family = 'binomial', alpha = 1) }) / " + std::to_string(r_replicates) +
                    "; cat(t[['elapsed']], t[['user.self']] + t[['sys.self']])",
                &r_cpu);
            std::printf("  R glmnet, same procedure, %d replicate(s), 1 thread: %.2f s per replicate (CPU %.2f s); "
                        "R / radhpc(1 thread) = %.2fx wall, %.2fx CPU; R / radhpc(2 threads) = %.2fx wall\n",
                        r_replicates, r, r_cpu, r / per_rep[1], r_cpu / cpu_per_rep[1], r / per_rep[2]);
        }
    }

    if (procedure_only) {
        std::filesystem::remove_all(dir);
        return 0;
    }
    // 3. 1000 bootstrap replicates of a fixed (alpha, lambda) fit (the published-settings model)
    {
        const auto fixed = fixed_elastic_net(0.55, 0.012);
        double t1 = 0, t2 = 0;
        BootstrapResult r1, r2;
        t1 = time_with_threads(1, [&] { r1 = bootstrap_validate(d.x, d.y, d.patient, fixed, fixed_replicates, 3); });
        t2 = time_with_threads(2, [&] { r2 = bootstrap_validate(d.x, d.y, d.patient, fixed, fixed_replicates, 3); });
        std::printf("bootstrap validation, fixed (alpha=0.55, lambda=0.012), n=300 p=110, %d replicates: "
                    "1 thread %.2f s, 2 threads %.2f s, speed-up %.2fx; corrected AUC %.6f (1 thr) vs %.6f (2 thr)\n",
                    fixed_replicates, t1, t2, t1 / t2, r1.corrected_auc, r2.corrected_auc);
    }

    // 4. DeLong on n = 100,000
    {
        Rng rng(9);
        const int n = 100000;
        std::vector<double> s(n);
        std::vector<int> y(n);
        for (int i = 0; i < n; ++i) {
            y[std::size_t(i)] = int(i % 3 == 0);
            s[std::size_t(i)] = std::round((0.8 * y[std::size_t(i)] + normal(rng)) * 100.0) / 100.0;  // with ties
        }
        const int reps = 5;
        AucWithCi ci;
        const auto t0 = Clock::now();
        for (int r = 0; r < reps; ++r) ci = delong_ci(s, y);
        const double ours = seconds_since(t0) / reps;
        std::printf("DeLong AUC + 95%% CI, n=100000: radhpc %.4f s (AUC %.6f [%.6f, %.6f])", ours, ci.auc, ci.lower,
                    ci.upper);
        if (with_r) {
            std::ofstream out(dir / "delong.csv");
            out << "y,s\n";
            char buf[40];
            for (int i = 0; i < n; ++i) {
                std::snprintf(buf, sizeof buf, "%.17g", s[std::size_t(i)]);
                out << y[std::size_t(i)] << "," << buf << "\n";
            }
            out.close();
            const double r = r_seconds("suppressMessages(library(pROC)); d <- read.csv('" + (dir / "delong.csv").string() +
                                       "'); t <- system.time(for (i in 1:" + std::to_string(reps) +
                                       ") ci.auc(roc(d$y, d$s, levels = c(0, 1), direction = '<', quiet = TRUE),"
                                       " method = 'delong'))['elapsed'] / " + std::to_string(reps) + "; cat(t)");
            std::printf(", R pROC (roc + ci.auc) %.4f s, R/radhpc %.1fx", r, r / ours);
        }
        std::printf("\n");
    }
    std::filesystem::remove_all(dir);
    return 0;
}
