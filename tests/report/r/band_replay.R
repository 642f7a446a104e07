# Oracle of stats::sensitivity_band: pROC 1.18's ci.se.roc / stratified.ci.se body replayed on the
# bootstrap replicates the test wrote (radhpc draws them with its own seeded generator instead of
# R's sample()); per replicate roc.utils.thresholds + fun.sesp + coords(input = "specificity"),
# then quantile(probs = c(0 + (1 - conf)/2, .5, 1 - (1 - conf)/2)) per specificity. Also coords
# on the original curve.
# Args: OUT ORIGINAL.csv (score,outcome) REPLICATES.csv (replicate,score,outcome) SPECIFICITIES.csv (sp) DIRECTION LEVEL
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(pROC))
orig <- read.csv(args[2]); reps <- read.csv(args[3]); sp <- read.csv(args[4])$sp
direction <- args[5]; conf.level <- as.numeric(args[6])
roc0 <- roc(orig$outcome, orig$score, levels = c(0, 1), direction = direction, quiet = TRUE)
out_names <- character(0); out_values <- numeric(0)
emit <- function(name, v) { out_names <<- c(out_names, rep(name, length(v))); out_values <<- c(out_values, as.numeric(v)) }
emit("point", pROC:::coords.roc(roc0, sp, input = "specificity", ret = "sensitivity", transpose = FALSE, as.matrix = TRUE)[, 1])
perfs <- t(sapply(sort(unique(reps$replicate)), function(b) {
  x <- reps[reps$replicate == b, ]
  controls <- x$score[x$outcome == 0]; cases <- x$score[x$outcome == 1]
  thresholds <- pROC:::roc.utils.thresholds(c(cases, controls), roc0$direction)
  p <- roc0$fun.sesp(thresholds = thresholds, controls = controls, cases = cases, direction = roc0$direction)
  r <- roc0
  r$sensitivities <- p$se; r$specificities <- p$sp; r$thresholds <- thresholds
  pROC:::coords.roc(r, sp, input = "specificity", ret = "sensitivity", transpose = FALSE, as.matrix = TRUE)[, 1]
}))
ci <- t(apply(perfs, 2, quantile, probs = c(0 + (1 - conf.level) / 2, .5, 1 - (1 - conf.level) / 2)))
emit("lower", ci[, 1]); emit("median", ci[, 2]); emit("upper", ci[, 3])
con <- file(args[1], "w")
writeLines("name,value", con)
writeLines(sprintf("%s,%s", out_names, sprintf("%.17g", out_values)), con)
close(con)
