# Oracle of the apparent metrics of `radhpc validate`, from the predictions.csv it wrote joined with
# the input table (same row order): pROC ci.auc (DeLong) and coords "best" on the probability,
# binom.test intervals, wilcox.test, survival::concordance and coxph of the linear predictor, and
# the patient-level AUC of per-patient maximum probabilities, Hosmer-Lemeshow (textbook, hoslem.test
# grouping), calibration slope/intercept (glm), the max-sensitivity operating point at specificity
# >= s on pROC's coordinates. Extra args: predictions CSV, time, event, s.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(pROC)); suppressMessages(library(survival))
pr <- read.csv(extra[1], stringsAsFactors = FALSE)
y <- pr$outcome; lp <- pr$linear_predictor; p <- pr$probability
r <- roc(y, lp, levels = c(0, 1), direction = "<", quiet = TRUE)
ci <- ci.auc(r, method = "delong")
emit("auc", ci[2]); emit("auc_ci", c(ci[1], ci[3]))
emit("mw_p", suppressWarnings(wilcox.test(lp[y == 1], lp[y == 0]))$p.value)
rp <- roc(y, p, levels = c(0, 1), direction = "<", quiet = TRUE)
best <- coords(rp, "best", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
thr <- best$threshold[1]
emit("threshold", thr)
tp <- sum(p >= thr & y == 1); fn <- sum(p < thr & y == 1); tn <- sum(p < thr & y == 0); fp <- sum(p >= thr & y == 0)
emit("sens", c(tp / (tp + fn), binom.test(tp, tp + fn)$conf.int))
emit("spec", c(tn / (tn + fp), binom.test(tn, tn + fp)$conf.int))
time <- dat[[extra[2]]]; event <- dat[[extra[3]]]
emit("c_index", concordance(Surv(time, event) ~ lp, reverse = TRUE)$concordance)
cx <- coxph(Surv(time, event) ~ lp, ties = "efron")
emit("cox_coef", coef(cx)); emit("cox_se", sqrt(diag(vcov(cx))))
pm <- tapply(p, pr$patient, max); py <- tapply(y, pr$patient, max)
emit("patient_auc", as.numeric(auc(py, pm, levels = c(0, 1), direction = "<", quiet = TRUE)))
g <- 10
br <- unique(quantile(p, probs = seq(0, 1, 1 / g)))
grp <- cut(p, breaks = br, include.lowest = TRUE)
obs1 <- tapply(y, grp, sum); obs0 <- tapply(1 - y, grp, sum)
ex1 <- tapply(p, grp, sum); ex0 <- tapply(1 - p, grp, sum)
hl <- sum((obs1 - ex1)^2 / ex1 + (obs0 - ex0)^2 / ex0)
emit("hl_chisq", hl); emit("hl_df", length(br) - 3); emit("hl_p", pchisq(hl, length(br) - 3, lower.tail = FALSE))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
emit("cal_slope", coef(glm(y ~ lp, family = binomial, control = ctl)))
emit("cal_intercept", coef(glm(y ~ offset(lp), family = binomial, control = ctl)))
all <- coords(rp, "all", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
ok <- all[all$specificity >= as.numeric(extra[4]), ]
ok <- ok[ok$sensitivity == max(ok$sensitivity), ]
ok <- ok[ok$specificity == max(ok$specificity), ]
emit("msens_threshold", ok$threshold[1]); emit("msens_sens", ok$sensitivity[1]); emit("msens_spec", ok$specificity[1])
finish()
