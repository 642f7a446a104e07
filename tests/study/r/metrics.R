# Diagnostic metrics from confusion counts, emitted as <prefix><metric> = (estimate, lower, upper).
emit_counts_metrics <- function(prefix, tp, fp, tn, fn, level = 0.95) {
  cp <- function(k, n) {
    if (n == 0) return(c(NaN, NaN, NaN))
    b <- binom.test(k, n, conf.level = level)
    c(k / n, b$conf.int[1], b$conf.int[2])
  }
  emit(paste0(prefix, "sensitivity"), cp(tp, tp + fn))
  emit(paste0(prefix, "specificity"), cp(tn, tn + fp))
  emit(paste0(prefix, "ppv"), cp(tp, tp + fp))
  emit(paste0(prefix, "npv"), cp(tn, tn + fn))
  se <- tp / (tp + fn); sp <- tn / (tn + fp); z <- qnorm(1 - (1 - level) / 2)
  lrp <- se / (1 - sp); vp <- 1 / tp - 1 / (tp + fn) + 1 / fp - 1 / (fp + tn)
  lrn <- (1 - se) / sp; vn <- 1 / fn - 1 / (tp + fn) + 1 / tn - 1 / (fp + tn)
  emit(paste0(prefix, "lr_positive"), c(lrp, exp(log(lrp) - z * sqrt(vp)), exp(log(lrp) + z * sqrt(vp))))
  emit(paste0(prefix, "lr_negative"), c(lrn, exp(log(lrn) - z * sqrt(vn)), exp(log(lrn) + z * sqrt(vn))))
  emit(paste0(prefix, "counts"), c(tp, fp, tn, fn))
}
