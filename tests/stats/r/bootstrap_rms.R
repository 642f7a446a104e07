# Oracle: rms::validate(lrm) optimism-corrected Dxy (its own resampling), and glm coefficients.
# Input: y, x1..xp. Extra args: B, seed.
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "common.R"))
suppressMessages(library(rms))
set.seed(as.integer(extra[2]))
xn <- grep("^x", names(dat), value = TRUE)
f <- lrm(as.formula(paste("y ~", paste(xn, collapse = "+"))), data = dat, x = TRUE, y = TRUE)
v <- validate(f, B = as.integer(extra[1]))
emit("dxy_orig", v["Dxy", "index.orig"])
emit("dxy_optimism", v["Dxy", "optimism"])
emit("dxy_corrected", v["Dxy", "index.corrected"])
emit("n_used", v["Dxy", "n"])
g <- glm(as.formula(paste("y ~", paste(xn, collapse = "+"))), data = dat, family = binomial,
         control = glm.control(epsilon = 1e-14, maxit = 100))
emit("glm_coef", coef(g))
finish()
