# The pooled analyses in R, on the row-level table `radhpc federated simulate` writes under
# pooled/pooled.csv: sva::ComBat (site as batch, age preserved), glmnet at the fixed (alpha,
# lambda), cv.glmnet with the sites' folds, coxph with strata(site) (Efron), and metafor's
# DerSimonian-Laird random-effects model of the per-site pROC AUCs (DeLong variances) of the
# signature whose coefficients are given. Output: long-format name,value.
# Args: pooled.csv signature.csv out.csv alpha lambda nlambda
suppressPackageStartupMessages({
  library(sva); library(glmnet); library(survival); library(pROC); library(metafor)
})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], check.names = FALSE)
sig <- read.csv(args[2])
alpha <- as.numeric(args[4]); lambda <- as.numeric(args[5]); nlambda <- as.integer(args[6])
features <- grep("^f[0-9]+$", names(d), value = TRUE)
x <- as.matrix(d[, features])
out <- list()
put <- function(name, v) out[[length(out) + 1]] <<- data.frame(name = name, value = as.numeric(v))

h <- ComBat(t(x), batch = d$site, mod = model.matrix(~age, data = d), par.prior = TRUE)
put("combat", as.vector(t(h)))  # column-major rows x features

fit <- glmnet(x, d$outcome, family = "binomial", alpha = alpha, lambda = lambda)
put("fixed_a0", fit$a0)
put("fixed_beta", as.vector(fit$beta))

cv <- cv.glmnet(x, d$outcome, family = "binomial", alpha = alpha, nlambda = nlambda, foldid = d$fold)
put("cv_lambda", cv$lambda)
put("cv_cvm", cv$cvm)
put("cv_cvsd", cv$cvsd)
put("cv_lambda_min", cv$lambda.min)

cx <- coxph(Surv(time, event) ~ cox_f1 + cox_f3 + strata(site), data = d, ties = "efron")
put("cox_coef", coef(cx))
put("cox_se", sqrt(diag(vcov(cx))))
put("cox_loglik", cx$loglik[2])

lp <- sig$a0[1] + x %*% sig$beta
yi <- c(); vi <- c()
for (s in unique(d$site)) {
  i <- d$site == s
  r <- roc(d$outcome[i], as.vector(lp[i]), levels = c(0, 1), direction = "<", quiet = TRUE)
  yi <- c(yi, as.numeric(auc(r))); vi <- c(vi, var(r, method = "delong"))
}
m <- rma(yi = yi, vi = vi, method = "DL")
put("meta_estimate", m$beta[1]); put("meta_se", m$se); put("meta_tau2", m$tau2)
put("meta_lower", m$ci.lb); put("meta_upper", m$ci.ub); put("meta_q", m$QE)
put("pooled_auc", as.numeric(auc(roc(d$outcome, as.vector(lp), levels = c(0, 1), direction = "<", quiet = TRUE))))
write.csv(do.call(rbind, out), args[3], row.names = FALSE)
