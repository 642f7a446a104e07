# Oracle for repeated CV: cv.glmnet(keep = TRUE) per repeat with the given fold ids, then the
# per-fold values pooled over repeats: cvm = weighted mean, cvsd = sqrt(wmean(sq dev)/(R*K - 1)).
# Input: y, fold1..foldR, x1..xp. Extra args: alphas (comma separated), type.measure, thresh.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(glmnet))
x <- as.matrix(dat[, grep("^x", names(dat))])
folds <- dat[, grep("^fold", names(dat)), drop = FALSE]
alphas <- as.numeric(strsplit(extra[1], ",")[[1]])
measure <- extra[2]
best <- NULL
for (a in alphas) {
  vals <- NULL; wts <- NULL
  for (r in seq_along(folds)) {
    cv <- suppressWarnings(cv.glmnet(x, dat$y, family = "binomial", foldid = folds[[r]], alpha = a,
                                     type.measure = measure, thresh = as.numeric(extra[3]), keep = TRUE))
    prob <- 1 / (1 + exp(-cv$fit.preval))
    for (k in sort(unique(folds[[r]]))) {
      idx <- folds[[r]] == k
      yk <- dat$y[idx]
      v <- apply(prob[idx, , drop = FALSE], 2, function(p) {
        if (measure == "auc") {
          as.numeric(pROC::auc(yk, p, levels = c(0, 1), direction = "<", quiet = TRUE))
        } else {
          p <- pmin(pmax(p, 1e-5), 1 - 1e-5)
          mean(-2 * (yk * log(p) + (1 - yk) * log(1 - p)))
        }
      })
      vals <- rbind(vals, v); wts <- c(wts, sum(idx))
    }
  }
  cvm <- apply(vals, 2, weighted.mean, w = wts)
  cvsd <- sqrt(apply(sweep(vals, 2, cvm)^2, 2, weighted.mean, w = wts) / (nrow(vals) - 1))
  s <- if (measure == "auc") -1 else 1
  lmin <- max(cv$lambda[s * cvm <= min(s * cvm)])
  imin <- match(lmin, cv$lambda)
  l1se <- max(cv$lambda[s * cvm <= s * cvm[imin] + cvsd[imin]])
  emit(paste0("cvm_", a), cvm); emit(paste0("cvsd_", a), cvsd)
  emit(paste0("lambda_min_", a), lmin); emit(paste0("lambda_1se_", a), l1se)
  if (is.null(best) || s * cvm[imin] < best$v) best <- list(v = s * cvm[imin], a = a, lmin = lmin, l1se = l1se)
}
emit("best_alpha", best$a); emit("best_lambda_min", best$lmin); emit("best_lambda_1se", best$l1se)
finish()
