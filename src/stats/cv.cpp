#include "radhpc/stats/cv.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/random.hpp"
#include "radhpc/stats/roc.hpp"
#include "cv_detail.hpp"
#include "glmnet_prepared.hpp"

namespace radhpc::stats {

namespace {

// R's approx(x, y = 1..n, v) for increasing x: linear interpolation of the (1-based) index.
double approx_index(const std::vector<double>& xs, double v) {
    std::size_t i = 0, j = xs.size() - 1;
    while (i < j - 1) {
        const std::size_t ij = (i + j) / 2;
        if (v < xs[ij]) j = ij;
        else i = ij;
    }
    if (v == xs[j]) return double(j + 1);
    if (v == xs[i]) return double(i + 1);
    return double(i + 1) + (double(j + 1) - double(i + 1)) * ((v - xs[i]) / (xs[j] - xs[i]));
}

struct Interp {
    std::size_t left, right;  // 0-based
    double frac;              // weight of left
};

// glmnet's lambda.interp.
Interp lambda_interp(const std::vector<double>& lambda, double s) {
    const std::size_t k = lambda.size();
    if (k == 1) return {0, 0, 1.0};
    const double l1 = lambda[0], lk = lambda[k - 1];
    double sfrac = (l1 - s) / (l1 - lk);
    std::vector<double> norm(k);
    for (std::size_t i = 0; i < k; ++i) norm[i] = (l1 - lambda[i]) / (l1 - lk);
    const double lo = *std::min_element(norm.begin(), norm.end()), hi = *std::max_element(norm.begin(), norm.end());
    sfrac = std::clamp(sfrac, lo, hi);
    const double coord = approx_index(norm, sfrac);
    const std::size_t left = std::size_t(std::floor(coord)) - 1, right = std::size_t(std::ceil(coord)) - 1;
    double frac = (sfrac - norm[right]) / (norm[left] - norm[right]);
    if (left == right || std::fabs(norm[left] - norm[right]) < std::numeric_limits<double>::epsilon()) frac = 1.0;
    return {left, right, frac};
}

struct FoldValues {
    std::vector<std::vector<double>> values;  // [fold][lambda]
    std::vector<double> weights;
    CvMeasure measure;
};

// The training sets of one set of folds, prepared once (merging, standardisation, layout) and
// fitted for every alpha.
struct FoldSet {
    int nfolds = 0;
    std::vector<std::vector<Eigen::Index>> test;                   // [fold] rows
    std::vector<std::shared_ptr<const detail::GlmnetData>> train;  // [fold]
    std::vector<Eigen::MatrixXd> xh;                               // [fold] test rows of x
};

FoldSet prepare_folds(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> foldid,
                      const GlmnetOptions& options) {
    const Eigen::Index n = x.rows();
    FoldSet fs;
    fs.nfolds = *std::max_element(foldid.begin(), foldid.end());
    if (fs.nfolds < 3) throw Error(ErrorKind::invalid_input, "cv: need at least 3 folds");
    const std::size_t nf = std::size_t(fs.nfolds);
    fs.test.resize(nf);
    fs.train.resize(nf);
    fs.xh.resize(nf);
    tbb::parallel_for(1, fs.nfolds + 1, [&](int f) {
        std::vector<Eigen::Index> train, test;
        for (Eigen::Index i = 0; i < n; ++i) (foldid[std::size_t(i)] == f ? test : train).push_back(i);
        if (test.empty()) throw Error(ErrorKind::invalid_input, "cv: empty fold");
        Eigen::MatrixXd xt(Eigen::Index(train.size()), x.cols()), xh(Eigen::Index(test.size()), x.cols());
        std::vector<double> yt(train.size());
        for (std::size_t i = 0; i < train.size(); ++i) {
            xt.row(Eigen::Index(i)) = x.row(train[i]);
            yt[i] = y[std::size_t(train[i])];
        }
        for (std::size_t i = 0; i < test.size(); ++i) xh.row(Eigen::Index(i)) = x.row(test[i]);
        fs.train[std::size_t(f - 1)] = detail::glmnet_prepare(xt, yt, options);
        fs.xh[std::size_t(f - 1)] = std::move(xh);
        fs.test[std::size_t(f - 1)] = std::move(test);
    });
    return fs;
}

// Out-of-fold link predictions (n x lambdas): each fold's own path (its own lambda sequence, as
// cv.glmnet.raw fits it) predicted at `lambda` on its held-out rows.
Eigen::MatrixXd fold_predictions(const FoldSet& fs, Eigen::Index n, std::span<const double> lambda, const GlmnetOptions& options) {
    Eigen::MatrixXd predmat(n, Eigen::Index(lambda.size()));
    GlmnetOptions fold_options = options;
    fold_options.lambda.clear();  // each fold computes its own lambda sequence (cv.glmnet.raw)
    // Fold fits are independent and write disjoint rows of predmat: parallel and deterministic.
    tbb::parallel_for(1, fs.nfolds + 1, [&](int f) {
        const auto& test = fs.test[std::size_t(f - 1)];
        const auto fit = detail::glmnet_fit_prepared(*fs.train[std::size_t(f - 1)], fold_options);
        const Eigen::MatrixXd link = predict_link_at(fit, fs.xh[std::size_t(f - 1)], lambda);
        for (std::size_t i = 0; i < test.size(); ++i) predmat.row(test[i]) = link.row(Eigen::Index(i));
    });
    return predmat;
}

FoldValues fold_values(const FoldSet& fs, std::span<const double> y, std::span<const int> foldid,
                       const std::vector<double>& lambda, const GlmnetOptions& options, CvMeasure measure) {
    const Eigen::Index n = Eigen::Index(y.size());
    const int nfolds = fs.nfolds;
    // cv.lognet: AUC needs at least 10 observations per fold on average, else deviance.
    if (measure == CvMeasure::auc && double(n) / nfolds < 10) measure = CvMeasure::deviance;
    const std::size_t nl = lambda.size();
    const Eigen::MatrixXd predmat = fold_predictions(fs, n, lambda, options);
    FoldValues out;
    out.measure = measure;
    out.values.assign(std::size_t(nfolds), std::vector<double>(nl, 0.0));
    out.weights.assign(std::size_t(nfolds), 0.0);
    for (Eigen::Index i = 0; i < n; ++i) out.weights[std::size_t(foldid[std::size_t(i)] - 1)] += 1.0;
    const double prob_min = 1e-5, prob_max = 1.0 - prob_min;
    for (int f = 1; f <= nfolds; ++f) {
        std::vector<Eigen::Index> rows;
        for (Eigen::Index i = 0; i < n; ++i)
            if (foldid[std::size_t(i)] == f) rows.push_back(i);
        std::vector<double> prob(rows.size());
        std::vector<int> outcome(rows.size());
        bool both_classes = false;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            outcome[i] = int(y[std::size_t(rows[i])]);
            if (outcome[i] != outcome[0]) both_classes = true;
        }
        for (std::size_t l = 0; l < nl; ++l) {
            for (std::size_t i = 0; i < rows.size(); ++i)
                prob[i] = 1.0 / (1.0 + std::exp(-predmat(rows[i], Eigen::Index(l))));
            double value;
            if (measure == CvMeasure::auc) {
                value = both_classes ? auc(prob, outcome) : std::numeric_limits<double>::quiet_NaN();
            } else {
                // binomial deviance, probabilities clipped to [1e-5, 1 - 1e-5]; fold mean
                double sum = 0.0;
                for (std::size_t i = 0; i < rows.size(); ++i) {
                    const double p = std::min(std::max(prob[i], prob_min), prob_max);
                    sum += -2.0 * (outcome[i] ? std::log(p) : std::log(1.0 - p));
                }
                value = sum / double(rows.size());
            }
            out.values[std::size_t(f - 1)][l] = value;
        }
    }
    return out;
}

// cvm = weighted mean over folds; cvsd = sqrt(weighted mean of squared deviations / (N - 1)).
void summarise(CvCurve& c) {
    const std::size_t nl = c.lambda.size();
    const double nfold = double(c.fold_values.size());
    c.cvm.assign(nl, 0.0);
    c.cvsd.assign(nl, 0.0);
    for (std::size_t l = 0; l < nl; ++l) {
        double sw = 0, s = 0;
        for (std::size_t f = 0; f < c.fold_values.size(); ++f) {
            const double v = c.fold_values[f][l];
            if (std::isnan(v)) continue;
            sw += c.fold_weights[f];
            s += c.fold_weights[f] * v;
        }
        const double m = s / sw;
        double ss = 0;
        for (std::size_t f = 0; f < c.fold_values.size(); ++f) {
            const double v = c.fold_values[f][l];
            if (std::isnan(v)) continue;
            ss += c.fold_weights[f] * (v - m) * (v - m);
        }
        c.cvm[l] = m;
        c.cvsd[l] = std::sqrt(ss / sw / (nfold - 1.0));
    }
    // getOptcv.glmnet: lambda.min = largest lambda attaining the minimum of cvm (AUC negated);
    // lambda.1se = largest lambda with cvm <= cvm[min] + cvsd[min].
    const double sign = c.measure == CvMeasure::auc ? -1.0 : 1.0;
    double best = std::numeric_limits<double>::infinity();
    for (std::size_t l = 0; l < nl; ++l) best = std::min(best, sign * c.cvm[l]);
    double lmin = -1;
    for (std::size_t l = 0; l < nl; ++l)
        if (sign * c.cvm[l] <= best && c.lambda[l] > lmin) {
            lmin = c.lambda[l];
            c.index_min = l;
        }
    c.lambda_min = lmin;
    const double semin = sign * c.cvm[c.index_min] + c.cvsd[c.index_min];
    double l1se = -1;
    for (std::size_t l = 0; l < nl; ++l)
        if (sign * c.cvm[l] <= semin && c.lambda[l] > l1se) {
            l1se = c.lambda[l];
            c.index_1se = l;
        }
    c.lambda_1se = l1se;
}

}  // namespace

namespace detail {

void coefficients_at(const GlmnetPath& path, std::span<const double> lambdas, Eigen::MatrixXd& beta,
                     std::vector<double>& a0) {
    beta.resize(path.beta.rows(), Eigen::Index(lambdas.size()));
    a0.resize(lambdas.size());
    for (std::size_t l = 0; l < lambdas.size(); ++l) {
        const Interp ip = lambda_interp(path.lambda, lambdas[l]);
        beta.col(Eigen::Index(l)) = path.beta.col(Eigen::Index(ip.left)) * ip.frac +
                                    path.beta.col(Eigen::Index(ip.right)) * (1.0 - ip.frac);
        a0[l] = path.intercept[ip.left] * ip.frac + path.intercept[ip.right] * (1.0 - ip.frac);
    }
}

void summarise_curve(CvCurve& c) { summarise(c); }

}  // namespace detail

Eigen::MatrixXd predict_link_at(const GlmnetPath& path, const Eigen::MatrixXd& newx, std::span<const double> lambdas) {
    Eigen::MatrixXd beta, out(newx.rows(), Eigen::Index(lambdas.size()));
    std::vector<double> a0;
    detail::coefficients_at(path, lambdas, beta, a0);
    for (std::size_t l = 0; l < lambdas.size(); ++l) out.col(Eigen::Index(l)) = (newx * beta.col(Eigen::Index(l))).array() + a0[l];
    return out;
}

CvCurve cv_glmnet(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> foldid,
                  const GlmnetOptions& options, CvMeasure measure) {
    if (Eigen::Index(foldid.size()) != x.rows()) throw Error(ErrorKind::invalid_input, "cv: foldid length");
    const auto full = glmnet_binomial(x, y, options);
    auto fv = fold_values(prepare_folds(x, y, foldid, options), y, foldid, full.lambda, options, measure);
    CvCurve c;
    c.alpha = options.alpha;
    c.measure = fv.measure;
    c.lambda = full.lambda;
    c.nzero = full.df;
    c.fold_values = std::move(fv.values);
    c.fold_weights = std::move(fv.weights);
    summarise(c);
    return c;
}

std::vector<int> stratified_group_folds(std::span<const double> y, std::span<const int> patient, int k,
                                        std::uint64_t seed, std::uint64_t repeat_index) {
    if (y.size() != patient.size()) throw Error(ErrorKind::invalid_input, "folds: y and patient lengths differ");
    if (k < 2) throw Error(ErrorKind::invalid_input, "folds: k < 2");
    std::map<int, int> stratum;  // patient -> any positive row (ordered: independent of row order)
    for (std::size_t i = 0; i < y.size(); ++i) {
        auto [it, inserted] = stratum.try_emplace(patient[i], 0);
        if (y[i] == 1.0) it->second = 1;
    }
    Rng rng(derive_seed(seed, repeat_index));
    std::map<int, int> fold_of;
    int next_fold = 0;
    for (int s = 0; s <= 1; ++s) {
        std::vector<int> members;
        for (const auto& [pid, st] : stratum)
            if (st == s) members.push_back(pid);
        rng.shuffle(members);
        for (int pid : members) {
            fold_of[pid] = next_fold + 1;
            next_fold = (next_fold + 1) % k;
        }
    }
    std::vector<int> folds(y.size());
    for (std::size_t i = 0; i < y.size(); ++i) folds[i] = fold_of[patient[i]];
    return folds;
}

namespace detail {

RepeatedCvResult repeated_cv_with_paths(const Eigen::MatrixXd& x, std::span<const double> y,
                                        std::span<const int> patient, const RepeatedCvOptions& o,
                                        std::vector<GlmnetPath>* full_paths) {
    if (o.alphas.empty() || o.repeats < 1) throw Error(ErrorKind::invalid_input, "repeated_cv: empty grid");
    RepeatedCvResult res;
    for (int r = 0; r < o.repeats; ++r)
        res.foldids.push_back(stratified_group_folds(y, patient, o.folds, o.seed, std::uint64_t(r)));
    // The full data and every fold's training set are prepared once and fitted for each alpha.
    GlmnetOptions prep = o.glmnet;
    prep.alpha = o.alphas[0];
    const auto full_data = glmnet_prepare(x, y, prep);
    std::vector<FoldSet> fold_sets(res.foldids.size());
    tbb::parallel_for(std::size_t(0), res.foldids.size(),
                      [&](std::size_t r) { fold_sets[r] = prepare_folds(x, y, res.foldids[r], prep); });
    res.curves.resize(o.alphas.size());
    if (full_paths) full_paths->assign(o.alphas.size(), GlmnetPath{});
    tbb::parallel_for(std::size_t(0), o.alphas.size(), [&](std::size_t a) {
        GlmnetOptions go = o.glmnet;
        go.alpha = o.alphas[a];
        auto full = glmnet_fit_prepared(*full_data, go);
        CvCurve c;
        c.alpha = go.alpha;
        c.lambda = full.lambda;
        c.nzero = full.df;
        c.measure = o.measure;
        for (std::size_t r = 0; r < res.foldids.size(); ++r) {
            auto fv = fold_values(fold_sets[r], y, res.foldids[r], full.lambda, go, o.measure);
            c.measure = fv.measure;
            for (std::size_t f = 0; f < fv.values.size(); ++f) {
                c.fold_values.push_back(std::move(fv.values[f]));
                c.fold_weights.push_back(fv.weights[f]);
            }
        }
        summarise(c);
        res.curves[a] = std::move(c);
        if (full_paths) (*full_paths)[a] = std::move(full);
    });
    // Best alpha: smallest cvm at its lambda_min (largest AUC); first alpha wins ties.
    for (std::size_t a = 0; a < res.curves.size(); ++a) {
        const auto& c = res.curves[a];
        const auto& b = res.curves[res.best_alpha_index];
        const double sign = c.measure == CvMeasure::auc ? -1.0 : 1.0;
        if (sign * c.cvm[c.index_min] < sign * b.cvm[b.index_min]) res.best_alpha_index = a;
    }
    const auto& best = res.curves[res.best_alpha_index];
    res.alpha = best.alpha;
    res.lambda_min = best.lambda_min;
    res.lambda_1se = best.lambda_1se;
    return res;
}

}  // namespace detail

std::vector<Eigen::MatrixXd> out_of_fold_link(const Eigen::MatrixXd& x, std::span<const double> y,
                                              const std::vector<std::vector<int>>& foldids, const GlmnetOptions& options,
                                              std::span<const double> lambdas) {
    std::vector<Eigen::MatrixXd> out;
    for (const auto& foldid : foldids)
        out.push_back(fold_predictions(prepare_folds(x, y, foldid, options), x.rows(), lambdas, options));
    return out;
}

RepeatedCvResult repeated_cv(const Eigen::MatrixXd& x, std::span<const double> y, std::span<const int> patient,
                             const RepeatedCvOptions& o) {
    return detail::repeated_cv_with_paths(x, y, patient, o, nullptr);
}

}  // namespace radhpc::stats
