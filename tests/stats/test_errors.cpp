// Invalid inputs are reported as radhpc::Error(invalid_input), never as crashes or silent NaNs.
#include <catch2/catch.hpp>

#include "radhpc/core/error.hpp"
#include "radhpc/stats/calibration.hpp"
#include "radhpc/stats/cv.hpp"
#include "radhpc/stats/diagnostic.hpp"
#include "radhpc/stats/glmnet.hpp"
#include "radhpc/stats/icc.hpp"
#include "radhpc/stats/roc.hpp"
#include "radhpc/stats/survival.hpp"

using namespace radhpc;
using namespace radhpc::stats;

namespace {
template <class F>
void require_invalid(F&& f) {
    try {
        f();
        FAIL("no error raised");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::invalid_input);
    }
}
}  // namespace

TEST_CASE("Statistics functions reject invalid input with invalid_input errors", "[stats][errors]") {
    const std::vector<double> s{0.1, 0.4, 0.35, 0.8};
    const std::vector<int> one_class{1, 1, 1, 1}, bad_label{0, 1, 2, 1}, ok{0, 0, 1, 1};
    require_invalid([&] { delong_ci(s, one_class); });
    require_invalid([&] { roc_curve(s, bad_label); });
    require_invalid([&] { auc(std::vector<double>{0.1, std::nan("")}, std::vector<int>{0, 1}); });
    require_invalid([&] { auc(s, std::vector<int>{0, 1}); });
    require_invalid([&] { clopper_pearson(5, 4); });
    require_invalid([&] { mann_whitney(std::vector<double>{}, s); });

    Eigen::MatrixXd x = Eigen::MatrixXd::Random(10, 3);
    const std::vector<double> y_one(10, 1.0), y_bad{0, 1, 0, 1, 0, 1, 0, 1, 0, 3};
    require_invalid([&] { glmnet_binomial(x, y_one, {}); });
    require_invalid([&] { glmnet_binomial(x, y_bad, {}); });
    GlmnetOptions bad_alpha;
    bad_alpha.alpha = 1.5;
    const std::vector<double> y{0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
    require_invalid([&] { glmnet_binomial(x, y, bad_alpha); });
    require_invalid([&] { glmnet_binomial(Eigen::MatrixXd::Ones(10, 2), y, {}); });  // all constant
    require_invalid([&] { cv_glmnet(x, y, std::vector<int>{1, 1, 2, 2, 1, 1, 2, 2, 1, 2}, {}, CvMeasure::deviance); });

    require_invalid([&] { kaplan_meier(std::vector<double>{1, 2}, std::vector<int>{1, 2}); });
    require_invalid([&] { log_rank(std::vector<double>{1, 2}, std::vector<int>{1, 0}, std::vector<int>{1, 1}); });
    require_invalid([&] { hosmer_lemeshow(std::vector<double>{1, 0}, std::vector<double>{0.5}); });
    require_invalid([&] { icc(Eigen::MatrixXd::Ones(1, 3)); });
}
