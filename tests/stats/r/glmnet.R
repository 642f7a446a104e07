# Oracle for glmnet binomial paths and fixed-(alpha, lambda) fits (glmnet 4.1).
# Input columns: y, x1..xp. Extra args: alpha, thresh, lambda ("path" or a number),
# standardize (1/0), intercept (1/0).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(glmnet))
alpha <- as.numeric(extra[1])
thresh <- as.numeric(extra[2])
x <- as.matrix(dat[, grep("^x", names(dat))])
y <- dat$y
args <- list(x = x, y = y, family = "binomial", alpha = alpha, thresh = thresh,
             standardize = extra[4] == "1", intercept = extra[5] == "1")
if (extra[3] != "path") args$lambda <- as.numeric(extra[3])
fit <- do.call(glmnet, args)
emit("lambda", fit$lambda)
emit("a0", fit$a0)
emit("beta", as.matrix(fit$beta))  # column-major: p values per lambda
emit("dev_ratio", fit$dev.ratio)
emit("nulldev", fit$nulldev)
emit("df", fit$df)
finish()
