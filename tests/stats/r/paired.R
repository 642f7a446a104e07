# Oracle for the paired tests of change (issue 18): wilcox.test(x, y, paired = TRUE) and
# t.test(x, y, paired = TRUE) with R's defaults, per set, then p.adjust("BH") over the sets.
# Input columns: x1, y1, x2, y2, ... (NA allowed). Output per set k in order: w_v, w_p, ...
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
k <- ncol(dat) / 2
wp <- numeric(k); tp <- numeric(k)
for (j in seq_len(k)) {
  x <- dat[[paste0("x", j)]]; y <- dat[[paste0("y", j)]]
  w <- suppressWarnings(wilcox.test(x, y, paired = TRUE))
  emit("w_v", w$statistic); emit("w_p", w$p.value)
  emit("w_exact", as.numeric(grepl("exact", w$method)))
  t <- t.test(x, y, paired = TRUE)
  emit("t_t", t$statistic); emit("t_p", t$p.value); emit("t_df", t$parameter)
  emit("t_estimate", t$estimate); emit("t_ci", t$conf.int)
  emit("t_ci90", t.test(x, y, paired = TRUE, conf.level = 0.9)$conf.int)
  wp[j] <- w$p.value; tp[j] <- t$p.value
}
emit("w_bh", p.adjust(wp, "BH"))
emit("t_bh", p.adjust(tp, "BH"))
finish()
