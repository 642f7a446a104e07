# Oracle for Clopper-Pearson intervals (binom.test) and the distribution functions.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
for (i in seq_len(nrow(dat))) {
  ci <- binom.test(dat$k[i], dat$n[i])$conf.int
  emit("lower", ci[1]); emit("upper", ci[2])
}
emit("qnorm", qnorm(c(1e-12, 1e-5, 0.025, 0.3, 0.5, 0.975, 1 - 1e-9)))
emit("pchisq", pchisq(7.3, 3, lower.tail = FALSE))
emit("qf", qf(0.975, 4, 37))
emit("qt", qt(0.975, 9))
emit("pf", pf(2.7, 5, 60, lower.tail = FALSE))
finish()
