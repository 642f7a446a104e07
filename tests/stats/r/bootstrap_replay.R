# Oracle: replays given bootstrap samples (rows drawn per replicate) with glm + pROC and computes
# Harrell's optimism correction, .632, .632+ and percentile intervals from the textbook formulas.
# Input: y, x1..xp. Extra args: path of a CSV with columns rep, row (1-based), oob (0/1 per row
# of the original data is given as rep, row with oob = 1).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(pROC))
draws <- read.csv(extra[1])
xn <- grep("^x", names(dat), value = TRUE)
form <- as.formula(paste("y ~", paste(xn, collapse = "+")))
ctl <- glm.control(epsilon = 1e-14, maxit = 100)
auc_of <- function(fit, d) {
  if (length(unique(d$y)) < 2) return(NA)
  as.numeric(auc(d$y, predict(fit, d), levels = c(0, 1), direction = "<", quiet = TRUE))
}
app_fit <- glm(form, data = dat, family = binomial, control = ctl)
app <- auc_of(app_fit, dat)
train <- c(); test <- c(); oob <- c(); coefs <- NULL
for (b in sort(unique(draws$rep))) {
  rows <- draws$row[draws$rep == b & draws$oob == 0]
  out_rows <- draws$row[draws$rep == b & draws$oob == 1]
  fit <- glm(form, data = dat[rows, ], family = binomial, control = ctl)
  train <- c(train, auc_of(fit, dat[rows, ])); test <- c(test, auc_of(fit, dat))
  oob <- c(oob, if (length(out_rows)) auc_of(fit, dat[out_rows, ]) else NA)
  coefs <- rbind(coefs, coef(fit))
}
opt <- train - test
emit("apparent", app)
emit("optimism", mean(opt))
emit("corrected", app - mean(opt))
oobm <- mean(oob, na.rm = TRUE)
emit("auc632", 0.368 * app + 0.632 * oobm)
oobf <- max(oobm, 0.5)
R <- min(max((app - oobf) / (app - 0.5), 0), 1)
w <- 0.632 / (1 - 0.368 * R)
emit("auc632plus", (1 - w) * app + w * oobf)
emit("opt_ci", quantile(opt, c(0.025, 0.975)))
for (j in seq_len(ncol(coefs))) emit("coef_ci", quantile(coefs[, j], c(0.025, 0.975)))
finish()
