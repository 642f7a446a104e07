# Oracle for tests/combat: sva::ComBat on a samples x features CSV.
# args: in.csv out.csv par.prior(1/0) mean.only(1/0) ref.batch("none" or a level) covariates("none" or C1,C2)
# Columns: "batch", "age", "sex", then the features. Output long format
# name,value: "<feature>" repeated once per sample in row order (the harmonised values).
suppressPackageStartupMessages(library(sva))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], check.names = FALSE)
par.prior <- args[3] == "1"
mean.only <- args[4] == "1"
ref <- if (args[5] == "none") NULL else args[5]
covs <- if (args[6] == "none") character(0) else strsplit(args[6], ",")[[1]]
# the generated tables hold batch, age, sex, the features, and maybe a text column "site"
features <- setdiff(names(d), c("batch", "age", "sex", "site"))
mod <- if (length(covs)) model.matrix(as.formula(paste("~", paste(covs, collapse = "+"))), data = d) else NULL
x <- t(as.matrix(d[, features]))
# sva prints progress on stdout; the test sends it to a log
res <- ComBat(x, batch = d$batch, mod = mod, par.prior = par.prior, mean.only = mean.only, ref.batch = ref)
con <- file(args[2], "w")
writeLines("name,value", con)
writeLines(sprintf("%s,%s", rep(features, each = ncol(res)), sprintf("%.17g", as.vector(t(res)))), con)
close(con)
