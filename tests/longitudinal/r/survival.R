# Survival by the signature's class at a timepoint, as radhpc longitudinal computes it:
# survdiff (log-rank), coxph (Efron; HR of the positive class with its Wald CI) and the KM median
# (survfit) per class. Input: CSV timepoint,positive,time,event. Output: long-format name,value.
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
out <- list()
put <- function(name, v) out[[length(out) + 1]] <<- data.frame(name = name, value = as.numeric(v))
for (tp in unique(d$timepoint)) {
  x <- d[d$timepoint == tp, ]
  if (length(unique(x$positive)) == 2) {
    sd <- survdiff(Surv(time, event) ~ positive, data = x)
    put(paste0(tp, ".chisq"), sd$chisq)
    fit <- coxph(Surv(time, event) ~ positive, data = x, ties = "efron")
    put(paste0(tp, ".hr"), exp(coef(fit)))
    put(paste0(tp, ".hr_lower"), exp(confint(fit))[1]); put(paste0(tp, ".hr_upper"), exp(confint(fit))[2])
  }
  for (g in c(0, 1)) {
    y <- x[x$positive == g, ]
    if (nrow(y) == 0) next
    m <- summary(survfit(Surv(time, event) ~ 1, data = y))$table["median"]
    put(paste0(tp, ".median", g), ifelse(is.na(m), NaN, m))
  }
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
