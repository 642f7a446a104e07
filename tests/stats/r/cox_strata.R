# Oracle for the stratified Cox fit of federated Cox (issue 17): coxph with strata(site), Efron ties.
# Input: time, status, site, x1..xp.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(survival))
xn <- grep("^x", names(dat), value = TRUE)
form <- as.formula(paste("Surv(time, status) ~", paste(xn, collapse = "+"), "+ strata(site)"))
emit_cox(cox_efron(form))
finish()
