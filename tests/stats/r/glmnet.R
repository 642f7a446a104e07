# Oracle for glmnet binomial paths and fixed-(alpha, lambda) fits (glmnet 4.1).
# Input columns: y, x1..xp. Extra args: one or more fit specifications
# "alpha:thresh:lambda:standardize:intercept[:pf1,pf2,...]" (lambda "path" or a number; flags 1/0;
# optional penalty factors);
# the results of fit i are emitted with the prefix "f<i>_" (1-based).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(glmnet))
x <- as.matrix(dat[, grep("^x", names(dat))])
y <- dat$y
for (i in seq_along(extra)) {
  s <- strsplit(extra[i], ":")[[1]]
  args <- list(x = x, y = y, family = "binomial", alpha = as.numeric(s[1]), thresh = as.numeric(s[2]),
               standardize = s[4] == "1", intercept = s[5] == "1")
  if (s[3] != "path") args$lambda <- as.numeric(s[3])
  if (length(s) >= 6) args$penalty.factor <- as.numeric(strsplit(s[6], ",")[[1]])
  fit <- do.call(glmnet, args)
  pre <- paste0("f", i, "_")
  emit(paste0(pre, "lambda"), fit$lambda)
  emit(paste0(pre, "a0"), fit$a0)
  emit(paste0(pre, "beta"), as.matrix(fit$beta))  # column-major: p values per lambda
  emit(paste0(pre, "dev_ratio"), fit$dev.ratio)
  emit(paste0(pre, "nulldev"), fit$nulldev)
  emit(paste0(pre, "df"), fit$df)
}
finish()
