# Oracle for ROC/AUC/DeLong/thresholds/Mann-Whitney/Clopper-Pearson (pROC 1.18, stats).
# Input columns: y (0/1), s1, s2. Extra args: direction ("<", ">" or "auto"), min specificity.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(pROC))
direction <- extra[1]
min_spec <- as.numeric(extra[2])
r1 <- roc(dat$y, dat$s1, levels = c(0, 1), direction = direction, quiet = TRUE)
r2 <- roc(dat$y, dat$s2, levels = c(0, 1), direction = direction, quiet = TRUE)
emit("direction1", if (r1$direction == "<") 0 else 1)
emit("auc1", as.numeric(auc(r1)))
ci1 <- ci.auc(r1, method = "delong")
emit("ci1", c(ci1[1], ci1[3]))
emit("var1", var(r1, method = "delong"))
emit("auc2", as.numeric(auc(r2)))
ci2 <- ci.auc(r2, method = "delong")
emit("ci2", c(ci2[1], ci2[3]))
t <- roc.test(r1, r2, method = "delong", paired = TRUE)
emit("test_z", t$statistic)
emit("test_p", t$p.value)
all <- coords(r1, "all", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
emit("thresholds", all$threshold)
emit("sens", all$sensitivity)
emit("spec", all$specificity)
best <- coords(r1, "best", ret = c("threshold", "sensitivity", "specificity"), transpose = FALSE)
emit("best_threshold", best$threshold)
emit("best_sens", best$sensitivity)
emit("best_spec", best$specificity)
tl <- coords(r1, "best", best.method = "closest.topleft", ret = c("threshold", "sensitivity", "specificity"),
             transpose = FALSE)
emit("topleft_threshold", tl$threshold)
half <- seq_len(nrow(dat)) <= nrow(dat) / 2
ra <- roc(dat$y[half], dat$s1[half], levels = c(0, 1), direction = direction, quiet = TRUE)
rb <- roc(dat$y[!half], dat$s2[!half], levels = c(0, 1), direction = direction, quiet = TRUE)
tu <- roc.test(ra, rb, method = "delong", paired = FALSE)
emit("unpaired_z", tu$statistic); emit("unpaired_p", tu$p.value)
# max sensitivity subject to specificity >= s (then max specificity), on pROC's coordinates
ok <- all[all$specificity >= min_spec, ]
ok <- ok[ok$sensitivity == max(ok$sensitivity), ]
ok <- ok[ok$specificity == max(ok$specificity), ]
emit("msens_threshold", ok$threshold)
emit("msens_sens", ok$sensitivity[1])
emit("msens_spec", ok$specificity[1])
# Diagnostic metrics at the first Youden threshold (positive: s1 >= t for "<", s1 <= t for ">")
thr <- best$threshold[1]
pos <- if (r1$direction == "<") dat$s1 >= thr else dat$s1 <= thr
tp <- sum(pos & dat$y == 1); fp <- sum(pos & dat$y == 0)
tn <- sum(!pos & dat$y == 0); fn <- sum(!pos & dat$y == 1)
emit("counts", c(tp, fp, tn, fn))
for (nm in c("sens", "spec", "ppv", "npv")) {
  k <- switch(nm, sens = tp, spec = tn, ppv = tp, npv = tn)
  n <- switch(nm, sens = tp + fn, spec = tn + fp, ppv = tp + fp, npv = tn + fn)
  b <- binom.test(k, n)
  emit(paste0("cp_", nm), c(k / n, b$conf.int[1], b$conf.int[2]))
}
# Likelihood ratios, log method (Simel, Samsa & Matchar 1991), written out from the textbook.
se <- tp / (tp + fn); sp <- tn / (tn + fp); z <- qnorm(0.975)
lrp <- se / (1 - sp); vp <- 1 / tp - 1 / (tp + fn) + 1 / fp - 1 / (fp + tn)
lrn <- (1 - se) / sp; vn <- 1 / fn - 1 / (tp + fn) + 1 / tn - 1 / (fp + tn)
emit("lr_pos", c(lrp, exp(log(lrp) - z * sqrt(vp)), exp(log(lrp) + z * sqrt(vp))))
emit("lr_neg", c(lrn, exp(log(lrn) - z * sqrt(vn)), exp(log(lrn) + z * sqrt(vn))))
w <- suppressWarnings(wilcox.test(dat$s1[dat$y == 1], dat$s1[dat$y == 0]))
emit("mw_w", w$statistic)
emit("mw_p", w$p.value)
finish()
