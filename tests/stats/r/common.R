# Shared helpers for the oracle scripts: read the test's CSV, write long-format "name,value".
args <- commandArgs(trailingOnly = TRUE)
input_path <- args[1]
output_path <- args[2]
extra <- args[-(1:2)]
dat <- read.csv(input_path)
out_names <- character(0)
out_values <- numeric(0)
emit <- function(name, values) {
  values <- as.numeric(values)
  out_names <<- c(out_names, rep(name, length(values)))
  out_values <<- c(out_values, values)
}
finish <- function() {
  con <- file(output_path, "w")
  writeLines("name,value", con)
  writeLines(sprintf("%s,%s", out_names, sprintf("%.17g", out_values)), con)
  close(con)
}
# coxph with Efron ties run to the optimum (eps = 1e-14), and its estimates and tests for the Cox
# tests (survival.R, cox_strata.R); needs library(survival), loaded here on first use.
cox_efron <- function(form) {
  suppressMessages(library(survival))
  coxph(form, data = dat, ties = "efron", control = coxph.control(eps = 1e-14, iter.max = 100, toler.chol = 1e-15))
}
emit_cox <- function(fit) {
  emit("coef", coef(fit))
  emit("se", sqrt(diag(vcov(fit))))
  s <- summary(fit)
  emit("hr_lower", s$conf.int[, "lower .95"])
  emit("hr_upper", s$conf.int[, "upper .95"])
  emit("loglik", fit$loglik)
  emit("wald", fit$wald.test)
  emit("score", fit$score)
  emit("lr", s$logtest["test"])
}
