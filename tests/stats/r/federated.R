# Oracle for stats::federated (metafor 3.8, stats). Extra arg: mode.
#   meta:      input yi, vi; extra[2] = level. metafor::rma(yi, vi, method = "DL") and weights(rma).
#   quantile:  input x (NA allowed); extra[-1] = probabilities. quantile(x, p, type = 7), mean(x), var(x).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
mode <- extra[1]
if (mode == "meta") {
  suppressMessages(library(metafor))
  fit <- rma(dat$yi, dat$vi, method = "DL", level = 100 * as.numeric(extra[2]))
  emit("estimate", fit$beta[1]); emit("se", fit$se); emit("lower", fit$ci.lb); emit("upper", fit$ci.ub)
  emit("z", fit$zval); emit("p_value", fit$pval); emit("tau2", fit$tau2); emit("q", fit$QE); emit("q_p_value", fit$QEp)
  emit("i2", fit$I2); emit("h2", fit$H2); emit("k", fit$k); emit("weights", weights(fit))
} else if (mode == "quantile") {
  x <- dat$x[!is.na(dat$x)]
  p <- as.numeric(extra[-1])
  emit("quantile", quantile(x, p, type = 7, names = FALSE))
  emit("mean", mean(x)); emit("var", var(x))
} else stop("unknown mode ", mode)
finish()
