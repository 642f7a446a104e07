# Oracle of `radhpc validate` with repeats > 1: cv.glmnet(keep = TRUE) for each repeat's fold ids from
# radhpc's folds.csv; per-fold deviance (probabilities clipped to [1e-5, 1 - 1e-5], as cv.glmnet) or
# AUC pooled over repeats: cvm = weighted mean, cvsd = sqrt(weighted mean sq. deviation / (R*K - 1)),
# lambda.min / lambda.1se by cv.glmnet's rules; the coefficients of the chosen alpha's full-data
# path at the chosen lambda. Extra args: outcome, features (comma-separated), folds.csv, alphas
# (comma-separated), measure, lambda rule (min | 1se).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(glmnet))
y <- dat[[extra[1]]]
x <- as.matrix(dat[, strsplit(extra[2], ",")[[1]]])
f <- read.csv(extra[3])
repeats <- sort(unique(f$`repeat`))
foldid <- lapply(repeats, function(r) { s <- f[f$`repeat` == r, ]; s$fold[order(s$row)] })
alphas <- as.numeric(strsplit(extra[4], ",")[[1]])
measure <- extra[5]
sgn <- if (measure == "auc") -1 else 1
best <- NULL
for (a in seq_along(alphas)) {
  vals <- NULL; wts <- NULL
  for (r in seq_along(foldid)) {
    cv <- suppressWarnings(cv.glmnet(x, y, family = "binomial", foldid = foldid[[r]], alpha = alphas[a],
                                     type.measure = measure, thresh = 1e-12, keep = TRUE))
    prob <- 1 / (1 + exp(-cv$fit.preval))
    for (k in sort(unique(foldid[[r]]))) {
      idx <- foldid[[r]] == k
      yk <- y[idx]
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
  lmin <- max(cv$lambda[sgn * cvm <= min(sgn * cvm)])
  imin <- match(lmin, cv$lambda)
  l1se <- max(cv$lambda[sgn * cvm <= sgn * cvm[imin] + cvsd[imin]])
  emit(paste0("lambda_", a), cv$lambda); emit(paste0("cvm_", a), cvm); emit(paste0("cvsd_", a), cvsd)
  if (is.null(best) || sgn * cvm[imin] < best$v) best <- list(v = sgn * cvm[imin], a = alphas[a], lmin = lmin, l1se = l1se)
}
emit("best_alpha", best$a)
s <- if (extra[6] == "1se") best$l1se else best$lmin
emit("best_lambda", s)
fit <- glmnet(x, y, family = "binomial", alpha = best$a, thresh = 1e-12)
b <- as.matrix(coef(fit, s = s))
for (i in seq_len(nrow(b))) emit(paste0("coef_", rownames(b)[i]), b[i, 1])
finish()
