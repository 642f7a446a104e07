# Oracle of `radhpc validate` with a fixed (alpha, lambda) procedure: replays the bootstrap samples
# radhpc wrote (bootstrap_samples.csv: replicate, row, oob) with glmnet (thresh 1e-12) and pROC, and
# computes Harrell's optimism correction, .632, .632+ and percentile CIs by the textbook formulas.
# Extra args: outcome, features (comma-separated), samples CSV, alpha, lambda, level.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))  # the stats suite's helpers
suppressMessages(library(glmnet)); suppressMessages(library(pROC))
y <- dat[[extra[1]]]
x <- as.matrix(dat[, strsplit(extra[2], ",")[[1]]])
draws <- read.csv(extra[3])
alpha <- as.numeric(extra[4]); lambda <- as.numeric(extra[5]); level <- as.numeric(extra[6])
fit_of <- function(rows) glmnet(x[rows, , drop = FALSE], y[rows], family = "binomial", alpha = alpha, lambda = lambda,
                                thresh = 1e-12)
auc_of <- function(fit, rows) {
  if (length(unique(y[rows])) < 2) return(NA)
  as.numeric(auc(y[rows], as.numeric(predict(fit, x[rows, , drop = FALSE])), levels = c(0, 1), direction = "<", quiet = TRUE))
}
all_rows <- seq_len(nrow(x))
app <- auc_of(fit_of(all_rows), all_rows)
train <- c(); test <- c(); oob <- c(); coefs <- NULL
for (b in sort(unique(draws$replicate))) {
  rows <- draws$row[draws$replicate == b & draws$oob == 0]
  out_rows <- draws$row[draws$replicate == b & draws$oob == 1]
  fit <- fit_of(rows)
  train <- c(train, auc_of(fit, rows)); test <- c(test, auc_of(fit, all_rows))
  oob <- c(oob, if (length(out_rows)) auc_of(fit, out_rows) else NA)
  coefs <- rbind(coefs, as.numeric(as.matrix(coef(fit))))
}
opt <- train - test
emit("apparent", app); emit("optimism", mean(opt)); emit("corrected", app - mean(opt))
oobm <- mean(oob, na.rm = TRUE)
emit("oob", oobm); emit("auc632", 0.368 * app + 0.632 * oobm)
oobf <- max(oobm, 0.5)
R <- min(max((app - oobf) / (app - 0.5), 0), 1)
w <- 0.632 / (1 - 0.368 * R)
emit("auc632plus", (1 - w) * app + w * oobf)
p <- c((1 - level) / 2, 1 - (1 - level) / 2)
emit("opt_ci", quantile(opt, p, type = 7))
for (j in seq_len(ncol(coefs))) emit("coef_ci", quantile(coefs[, j], p, type = 7))
finish()
