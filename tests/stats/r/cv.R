# Oracle for cv.glmnet (binomial) with given fold ids.
# Input: y, fold, x1..xp. Extra args: alpha, type.measure, thresh.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(glmnet))
x <- as.matrix(dat[, grep("^x", names(dat))])
cv <- suppressWarnings(cv.glmnet(x, dat$y, family = "binomial", foldid = dat$fold, alpha = as.numeric(extra[1]),
                                 type.measure = extra[2], thresh = as.numeric(extra[3])))
emit("lambda", cv$lambda)
emit("cvm", cv$cvm)
emit("cvsd", cv$cvsd)
emit("nzero", cv$nzero)
emit("lambda_min", cv$lambda.min)
emit("lambda_1se", cv$lambda.1se)
emit("auc_used", as.numeric(names(cv$name) == "auc"))
finish()
