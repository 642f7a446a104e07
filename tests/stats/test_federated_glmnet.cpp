// Federated logistic elastic net (issue 17) on a synthetic 4-site cohort (80, 60, 40 and 15 rows,
// p = 10, site-shifted features). The federated side uses only the per-site functions
// (logistic_site_moments, logistic_site_gram, logistic_heldout_deviance) on each site's rows and the
// combine functions; it is compared with glmnet_binomial / cv_glmnet on the pooled rows and with R
// glmnet / cv.glmnet (glmnet 4.1).
// Tolerances:
//  - vs pooled glmnet_binomial, same options (thresh 1e-7 included): both run the same algorithm
//    (detail::Lognet) through the same iterates; only the rounding of the inner products differs
//    (Gram sums vs row sums, ~1e-15 relative, amplified by the standardisation's cancellation and
//    by the IRLS steps): 1e-9 absolute on coefficients and dev.ratio, lambda 1e-12 relative.
//  - vs R: test_glmnet's criterion, 1e-5 absolute on coefficients with thresh 1e-12 in both.
//  - CV vs R: test_cv's criterion, 1e-8 relative on cvm / cvsd (thresh 1e-12); vs pooled
//    cv_glmnet 1e-9 relative (the fold fits agree to ~1e-12, see above).
#include <catch2/catch.hpp>

#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/federated_glmnet.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "stats_data.hpp"

using namespace radhpc::stats;
namespace fed = radhpc::stats::federated;

namespace {

struct Site {
    Eigen::MatrixXd x;
    std::vector<double> y;
    std::vector<int> fold;  // CV fold of each row (1..K)
};

// Four sites of different sizes; each site shifts and rescales the measured features (scanner
// effects); the outcome depends on the unshifted features. Fold ids 1..5 dealt within each site.
std::vector<Site> make_cohort(std::uint64_t seed, int p = 10) {
    rtest::Gen g(seed);
    std::vector<Site> sites;
    const int sizes[] = {80, 60, 40, 15};
    for (int s = 0; s < 4; ++s) {
        Site site;
        const int n = sizes[s];
        site.x.resize(n, p);
        for (int i = 0; i < n; ++i) {
            double eta = -0.3, z0 = 0.0;
            for (int j = 0; j < p; ++j) {
                const double z = g.normal() + (j == 3 ? 0.6 * z0 : 0.0);  // feature 3 correlated with 0
                if (j == 0) z0 = z;
                site.x(i, j) = 5.0 + j + (1.0 + 0.1 * s) * (1.0 + j % 3) * z + 0.4 * s * ((j % 3) - 1.0);
                if (j < 4) eta += (j % 2 ? -0.8 : 0.9) * z;
            }
            site.y.push_back(g.bernoulli(1.0 / (1.0 + std::exp(-eta))));
        }
        std::vector<int> order(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) order[std::size_t(i)] = i;
        for (int i = n - 1; i > 0; --i) std::swap(order[std::size_t(i)], order[g.below(std::uint64_t(i + 1))]);
        site.fold.assign(std::size_t(n), 0);
        for (int i = 0; i < n; ++i) site.fold[std::size_t(order[std::size_t(i)])] = 1 + (i + s) % 5;
        sites.push_back(std::move(site));
    }
    return sites;
}

// The site's rows whose fold is (in_fold) or is not (!in_fold) `fold`; fold 0: all rows.
struct Rows {
    Eigen::MatrixXd x;
    std::vector<double> y;
};
Rows select(const Site& s, const std::vector<int>& fold, int f, bool in_fold) {
    std::vector<Eigen::Index> rows;
    for (std::size_t i = 0; i < s.y.size(); ++i)
        if (f == 0 || (fold[i] == f) == in_fold) rows.push_back(Eigen::Index(i));
    Rows r;
    r.x.resize(Eigen::Index(rows.size()), s.x.cols());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        r.x.row(Eigen::Index(i)) = s.x.row(rows[i]);
        r.y.push_back(s.y[std::size_t(rows[i])]);
    }
    return r;
}

rtest::BinaryData pool(const std::vector<Site>& sites) {
    rtest::BinaryData d;
    Eigen::Index n = 0;
    for (const auto& s : sites) n += s.x.rows();
    d.x.resize(n, sites[0].x.cols());
    Eigen::Index at = 0;
    for (const auto& s : sites) {
        d.x.middleRows(at, s.x.rows()) = s.x;
        at += s.x.rows();
        d.y.insert(d.y.end(), s.y.begin(), s.y.end());
    }
    return d;
}

// Federated fit on the rows not in fold `exclude` (0: all rows) of every site; folds[s] per row.
GlmnetPath federated_fit(const std::vector<Site>& sites, const std::vector<std::vector<int>>& folds, int exclude,
                         const GlmnetOptions& o, fed::FederatedFitInfo* info = nullptr) {
    std::vector<Rows> train;
    for (std::size_t s = 0; s < sites.size(); ++s) train.push_back(select(sites[s], folds[s], exclude, false));
    fed::LogisticMoments pooled;
    for (const auto& t : train) pooled += fed::logistic_site_moments(t.x, t.y);
    const auto gram = [&](double a0, const Eigen::VectorXd& beta) {
        fed::LogisticGram g;
        for (const auto& t : train) g += fed::logistic_site_gram(t.x, t.y, a0, beta, o.pmin);
        return g;
    };
    return fed::glmnet_binomial_federated(pooled, gram, o, info);
}

// Federated cv.glmnet: per fold a federated path; the sites get its coefficients at the full-data
// lambdas and return their held-out deviance.
CvCurve federated_cv(const std::vector<Site>& sites, const std::vector<std::vector<int>>& folds, int nfolds,
                     const GlmnetOptions& o) {
    const GlmnetPath full = federated_fit(sites, folds, 0, o);
    std::vector<fed::HeldOutDeviance> per_fold;
    for (int f = 1; f <= nfolds; ++f) {
        const auto message = fed::path_coefficients_at(federated_fit(sites, folds, f, o), full.lambda);
        fed::HeldOutDeviance h;
        for (std::size_t s = 0; s < sites.size(); ++s) {
            const Rows test = select(sites[s], folds[s], f, true);
            h += fed::logistic_heldout_deviance(message, test.x, test.y);
        }
        per_fold.push_back(std::move(h));
    }
    return fed::cv_curve_from_fold_deviance(full, per_fold, o);
}

std::vector<std::vector<int>> within_site_folds(const std::vector<Site>& sites) {
    std::vector<std::vector<int>> f;
    for (const auto& s : sites) f.push_back(s.fold);
    return f;
}

std::vector<std::vector<int>> site_folds(const std::vector<Site>& sites) {
    std::vector<std::vector<int>> f;
    for (std::size_t s = 0; s < sites.size(); ++s) f.emplace_back(sites[s].y.size(), int(s) + 1);
    return f;
}

std::vector<int> concat(const std::vector<std::vector<int>>& folds) {
    std::vector<int> all;
    for (const auto& f : folds) all.insert(all.end(), f.begin(), f.end());
    return all;
}

// max |a - b| over intercepts, coefficients and dev.ratio; paths must have the same lambdas.
double path_difference(const GlmnetPath& a, const GlmnetPath& b) {
    REQUIRE(a.size() == b.size());
    double worst = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        CHECK(a.lambda[k] == Approx(b.lambda[k]).epsilon(1e-12));
        CHECK(a.df[k] == b.df[k]);
        worst = std::max(worst, std::fabs(a.intercept[k] - b.intercept[k]));
        worst = std::max(worst, std::fabs(a.dev_ratio[k] - b.dev_ratio[k]));
        worst = std::max(worst, (a.beta.col(Eigen::Index(k)) - b.beta.col(Eigen::Index(k))).cwiseAbs().maxCoeff());
    }
    CHECK(a.null_deviance == Approx(b.null_deviance).epsilon(1e-12));
    return worst;
}

}  // namespace

TEST_CASE("federated glmnet path equals pooled glmnet_binomial over 4 sites", "[stats][federated]") {
    const auto sites = make_cohort(171);
    const auto d = pool(sites);
    const auto folds = within_site_folds(sites);
    struct Case {
        double alpha, lambda;
        bool standardize, intercept;
    };
    const Case cases[] = {{1.0, 0, true, true},  {0.5, 0, true, true},  {0.1, 0, true, true}, {0.55, 0.012, true, true},
                          {0.7, 0, false, true}, {0.7, 0, true, false}, {0.0, 0, true, true}};
    for (const auto& c : cases) {
        INFO("alpha " << c.alpha << " lambda " << c.lambda << " standardize " << c.standardize << " intercept "
                      << c.intercept);
        GlmnetOptions o;
        o.alpha = c.alpha;
        if (c.lambda > 0) o.lambda = {c.lambda};
        o.standardize = c.standardize;
        o.intercept = c.intercept;
        fed::FederatedFitInfo info;
        const auto f = federated_fit(sites, folds, 0, o, &info);
        const auto pooled = glmnet_binomial(d.x, d.y, o);
        const double diff = path_difference(f, pooled);
        CHECK(diff <= 1e-9);
        CHECK(f.npasses == pooled.npasses);
        WARN("federated vs pooled, alpha " << c.alpha << (c.lambda > 0 ? " fixed lambda" : " path") << ": max |diff| = "
                                           << diff << ", " << f.size() << " lambdas, " << info.gram_rounds
                                           << " gram rounds");
    }
}

TEST_CASE("federated glmnet equals R glmnet on the pooled rows", "[stats][federated]") {
    const auto sites = make_cohort(171);
    const auto d = pool(sites);
    const auto folds = within_site_folds(sites);
    struct Spec {
        double alpha, thresh, lambda;
    };
    const std::vector<Spec> specs = {{1.0, 1e-12, 0}, {0.5, 1e-12, 0}, {0.55, 1e-12, 0.012}, {0.5, 1e-7, 0}};
    std::vector<std::string> args;
    for (const auto& s : specs)
        args.push_back(rtest::num(s.alpha) + ":" + rtest::num(s.thresh) + ":" +
                       (s.lambda > 0 ? rtest::num(s.lambda) : std::string("path")) + ":1:1");
    const auto r = rtest::run_r("glmnet.R", "federated_glmnet", rtest::binary_table(d), args);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const auto& s = specs[i];
        INFO("alpha " << s.alpha << " thresh " << s.thresh << " lambda " << s.lambda);
        GlmnetOptions o;
        o.alpha = s.alpha;
        o.thresh = s.thresh;
        if (s.lambda > 0) o.lambda = {s.lambda};
        const auto f = federated_fit(sites, folds, 0, o);
        const std::string pre = "f" + std::to_string(i + 1) + "_";
        REQUIRE(f.size() == r.at(pre + "lambda").size());
        CHECK(f.null_deviance == Approx(rtest::get(r, pre + "nulldev")).epsilon(1e-12));
        const Eigen::Index p = d.x.cols();
        double worst = 0;
        for (std::size_t k = 0; k < f.size(); ++k) {
            CHECK(f.lambda[k] == Approx(rtest::get(r, pre + "lambda", k)).epsilon(1e-12));
            CHECK(double(f.df[k]) == rtest::get(r, pre + "df", k));
            worst = std::max(worst, std::fabs(f.intercept[k] - rtest::get(r, pre + "a0", k)));
            worst = std::max(worst, std::fabs(f.dev_ratio[k] - rtest::get(r, pre + "dev_ratio", k)));
            for (Eigen::Index j = 0; j < p; ++j)
                worst = std::max(worst, std::fabs(f.beta(j, Eigen::Index(k)) -
                                                  rtest::get(r, pre + "beta", k * std::size_t(p) + std::size_t(j))));
        }
        CHECK(worst <= 1e-5);
        WARN("federated vs R glmnet, alpha " << s.alpha << " thresh " << s.thresh << ": max |diff| = " << worst);
    }
}

namespace {

void compare_cv(const std::vector<Site>& sites, const std::vector<std::vector<int>>& folds, int nfolds, double alpha,
                const std::string& tag) {
    INFO(tag);
    const auto d = pool(sites);
    const auto foldid = concat(folds);
    auto t = rtest::binary_table(d);
    t.add_int("fold", foldid);
    const auto r = rtest::run_r("cv.R", tag, t, {rtest::num(alpha), "deviance", "1e-12"});
    GlmnetOptions o;
    o.alpha = alpha;
    o.thresh = 1e-12;
    const CvCurve cv = federated_cv(sites, folds, nfolds, o);
    const CvCurve pooled = cv_glmnet(d.x, d.y, foldid, o, CvMeasure::deviance);
    REQUIRE(cv.lambda.size() == r.at("lambda").size());
    REQUIRE(cv.lambda.size() == pooled.lambda.size());
    double worst_r = 0, worst_pooled = 0;
    for (std::size_t l = 0; l < cv.lambda.size(); ++l) {
        CHECK(cv.lambda[l] == Approx(rtest::get(r, "lambda", l)).epsilon(1e-12));
        CHECK(cv.cvm[l] == Approx(rtest::get(r, "cvm", l)).epsilon(1e-8));
        CHECK(cv.cvsd[l] == Approx(rtest::get(r, "cvsd", l)).epsilon(1e-8).margin(1e-12));
        CHECK(double(cv.nzero[l]) == rtest::get(r, "nzero", l));
        CHECK(cv.cvm[l] == Approx(pooled.cvm[l]).epsilon(1e-9));
        CHECK(cv.cvsd[l] == Approx(pooled.cvsd[l]).epsilon(1e-9).margin(1e-13));
        worst_r = std::max({worst_r, std::fabs(cv.cvm[l] - rtest::get(r, "cvm", l)),
                            std::fabs(cv.cvsd[l] - rtest::get(r, "cvsd", l))});
        worst_pooled = std::max({worst_pooled, std::fabs(cv.cvm[l] - pooled.cvm[l]), std::fabs(cv.cvsd[l] - pooled.cvsd[l])});
    }
    CHECK(cv.lambda_min == Approx(rtest::get(r, "lambda_min")).epsilon(1e-12));
    CHECK(cv.lambda_1se == Approx(rtest::get(r, "lambda_1se")).epsilon(1e-12));
    CHECK(cv.index_min == pooled.index_min);
    CHECK(cv.index_1se == pooled.index_1se);
    WARN("federated cv " << tag << ": max |cvm, cvsd - R| = " << worst_r << ", - pooled cv_glmnet = " << worst_pooled);
}

}  // namespace

TEST_CASE("federated cv.glmnet with 5 folds within sites equals R cv.glmnet on the pooled rows", "[stats][federated]") {
    const auto sites = make_cohort(171);
    compare_cv(sites, within_site_folds(sites), 5, 0.5, "federated_cv_kfold");
}

TEST_CASE("federated leave-one-site-out cv.glmnet equals R cv.glmnet with foldid = site", "[stats][federated]") {
    const auto sites = make_cohort(171);
    compare_cv(sites, site_folds(sites), 4, 1.0, "federated_cv_loso");
}

TEST_CASE("federated messages do not depend on the number of rows and combine by summation", "[stats][federated]") {
    const auto sites = make_cohort(172);
    const Eigen::Index p = sites[0].x.cols();
    Eigen::VectorXd beta = Eigen::VectorXd::Constant(p, 0.05);
    for (const auto& s : sites) {
        const auto m = fed::logistic_site_moments(s.x, s.y);
        const auto g = fed::logistic_site_gram(s.x, s.y, -0.2, beta);
        CHECK(m.sum_xxt.rows() == p);
        CHECK(g.sum_wxx.rows() == p);
        CHECK(g.sum_wzx.size() == p);
    }
    // the pooled gram is the gram of the pooled rows
    const auto d = pool(sites);
    fed::LogisticGram sum;
    for (const auto& s : sites) sum += fed::logistic_site_gram(s.x, s.y, -0.2, beta);
    const auto all = fed::logistic_site_gram(d.x, d.y, -0.2, beta);
    CHECK(sum.n == all.n);
    CHECK(sum.deviance == Approx(all.deviance).epsilon(1e-13));
    CHECK(sum.sum_wz == Approx(all.sum_wz).epsilon(1e-12));
    CHECK((sum.sum_wxx - all.sum_wxx).cwiseAbs().maxCoeff() <= 1e-12 * all.sum_wxx.cwiseAbs().maxCoeff());
    CHECK_THROWS(fed::logistic_site_gram(d.x, d.y, 0.0, Eigen::VectorXd::Zero(p + 1)));
}
