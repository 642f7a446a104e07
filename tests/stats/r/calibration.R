# Oracle: Hosmer-Lemeshow (textbook, hoslem.test grouping), AIC (glm), calibration slope and
# intercept (glm), lesion -> patient aggregation, univariate screening (wilcox.test, p.adjust,
# pROC auc, Spearman). Input: y, prob, lp, patient, volume, f1..fm (features).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(pROC))
g <- 10
br <- unique(quantile(dat$prob, probs = seq(0, 1, 1 / g)))
grp <- cut(dat$prob, breaks = br, include.lowest = TRUE)
obs1 <- tapply(dat$y, grp, sum); obs0 <- tapply(1 - dat$y, grp, sum)
ex1 <- tapply(dat$prob, grp, sum); ex0 <- tapply(1 - dat$prob, grp, sum)
hl <- sum((obs1 - ex1)^2 / ex1 + (obs0 - ex0)^2 / ex0)
emit("hl_chisq", hl); emit("hl_df", length(br) - 3); emit("hl_p", pchisq(hl, length(br) - 3, lower.tail = FALSE))
fit <- glm(y ~ f1 + f2, data = dat, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
emit("aic", AIC(fit))
cs <- glm(y ~ lp, data = dat, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
emit("cal_slope", coef(cs)); 
ci <- glm(y ~ offset(lp), data = dat, family = binomial, control = glm.control(epsilon = 1e-14, maxit = 100))
emit("cal_intercept", coef(ci))
for (fn in c("mean", "median", "min", "max")) {
  a <- aggregate(lp ~ patient, data = dat, FUN = get(fn))
  emit(paste0("agg_", fn), a$lp[order(a$patient)])
}
emit("agg_outcome", aggregate(y ~ patient, data = dat, FUN = max)$y)
fn <- grep("^f", names(dat), value = TRUE)
p <- sapply(fn, function(f) suppressWarnings(wilcox.test(dat[[f]][dat$y == 1], dat[[f]][dat$y == 0]))$p.value)
emit("mw_p", p); emit("p_bonf", p.adjust(p, "bonferroni")); emit("p_bh", p.adjust(p, "BH"))
emit("auc", sapply(fn, function(f) as.numeric(auc(dat$y, dat[[f]], levels = c(0, 1), direction = "<", quiet = TRUE))))
emit("spearman", sapply(fn, function(f) cor(dat[[f]], dat$volume, method = "spearman")))
finish()
