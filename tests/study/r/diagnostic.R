# Oracle of the diagnostic metrics from a 2x2 table (CSV tp,fp,tn,fn): Clopper-Pearson exact
# intervals by binom.test, likelihood ratios with the log-method interval (Simel et al. 1991).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))
source(file.path(dirname(self), "metrics.R"))
emit_counts_metrics("", dat$tp[1], dat$fp[1], dat$tn[1], dat$fn[1])
finish()
