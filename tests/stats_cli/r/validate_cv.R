# Oracle of `radhpc validate` (repeats: 1): cv.glmnet with the fold ids radhpc wrote (folds.csv),
# per alpha; the (alpha, lambda) choice; coef(cv, s = lambda.min | lambda.1se) of the chosen alpha.
# Extra args: outcome, features (comma-separated), folds.csv, alphas (comma-separated), measure,
# lambda rule (min | 1se). Emits <name>_<alpha index> per alpha, then best_*, coef_<term>.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(glmnet))
y <- dat[[extra[1]]]
features <- strsplit(extra[2], ",")[[1]]
x <- as.matrix(dat[, features])
folds <- read.csv(extra[3])
foldid <- folds$fold[folds$`repeat` == 1][order(folds$row[folds$`repeat` == 1])]
alphas <- as.numeric(strsplit(extra[4], ",")[[1]])
measure <- extra[5]
best <- NULL; best_value <- NA
for (a in seq_along(alphas)) {
  cv <- suppressWarnings(cv.glmnet(x, y, family = "binomial", foldid = foldid, alpha = alphas[a],
                                   type.measure = measure, thresh = 1e-12))
  emit(paste0("lambda_", a), cv$lambda); emit(paste0("cvm_", a), cv$cvm); emit(paste0("cvsd_", a), cv$cvsd)
  emit(paste0("lambda_min_", a), cv$lambda.min); emit(paste0("lambda_1se_", a), cv$lambda.1se)
  v <- cv$cvm[cv$lambda == cv$lambda.min]
  better <- if (measure == "auc") v > best_value else v < best_value
  if (is.null(best) || better) { best <- cv; best_value <- v; best_alpha <- alphas[a] }
}
emit("best_alpha", best_alpha)
s <- if (extra[6] == "1se") best$lambda.1se else best$lambda.min
emit("best_lambda", s)
b <- as.matrix(coef(best, s = s))
for (i in seq_len(nrow(b))) emit(paste0("coef_", rownames(b)[i]), b[i, 1])
finish()
