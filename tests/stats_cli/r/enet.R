# Oracle of `radhpc stats enet`: glmnet(x, y, "binomial", alpha, lambda, thresh = 1e-12) on every
# numeric column except the outcome and the excluded ones. Extra args: outcome, alpha, lambda,
# excluded columns (comma-separated, "-" for none). Emits one value per term, named by the term.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(glmnet))
outcome <- extra[1]
excluded <- if (extra[4] == "-") character(0) else strsplit(extra[4], ",")[[1]]
numeric_cols <- names(dat)[vapply(dat, is.numeric, logical(1))]
features <- setdiff(numeric_cols, c(outcome, excluded))
fit <- glmnet(as.matrix(dat[, features]), dat[[outcome]], family = "binomial", alpha = as.numeric(extra[2]),
              lambda = as.numeric(extra[3]), thresh = 1e-12)
b <- as.matrix(coef(fit))
for (i in seq_len(nrow(b))) emit(rownames(b)[i], b[i, 1])
finish()
