# Oracle of a linear signature applied to an exported feature table (radhpc export --names
# pyradiomics --metadata): lp = b0 + sum b_j z_j (+ category level), score = plogis(lp), classes,
# patient mean/median/min/max, and AUC (pROC DeLong) + diagnostic metrics per lesion and patient.
# Args after <table> <out>: coefficients CSV (term,beta), standardisation CSV (term,mean,sd,transform)
# or "-", intercept, threshold, rule (> >= < <=), aggregation, category column or "-", category
# prefix, reference level, outcome column or "-" (no metrics); optionally a patient model:
# intercept, threshold, rule, then "term=value" pairs (term signature_score or a manifest column).
self <- sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE))
source(file.path(dirname(self), "..", "..", "stats", "r", "common.R"))
source(file.path(dirname(self), "metrics.R"))
suppressPackageStartupMessages(library(pROC))
coef <- read.csv(extra[1], stringsAsFactors = FALSE)
std <- if (extra[2] != "-") read.csv(extra[2], stringsAsFactors = FALSE) else NULL
b0 <- as.numeric(extra[3]); thr <- as.numeric(extra[4]); rule <- extra[5]; agg <- extra[6]
catcol <- extra[7]; prefix <- extra[8]; reference <- extra[9]; ycol <- extra[10]

n <- nrow(dat)
is_level <- if (catcol != "-") startsWith(coef$term, paste0(prefix, "_")) else rep(FALSE, nrow(coef))
lp <- rep(b0, n)
for (k in which(!is_level)) {
  x <- dat[[coef$term[k]]]
  if (!is.null(std)) {
    i <- match(coef$term[k], std$term)
    if (std$transform[i] == "log") x <- log(x)
    x <- (x - std$mean[i]) / std$sd[i]
  }
  lp <- lp + coef$beta[k] * x
}
# the cell's value of each lesion: one value, or ';'-separated in ascending lesion number
cell_value <- function(column) {
  sapply(seq_len(n), function(i) {
    items <- strsplit(as.character(dat[[column]][i]), ";", fixed = TRUE)[[1]]
    if (length(items) == 1) return(items)
    lesions <- sort(dat$lesion[dat$study_id == dat$study_id[i]])
    items[match(dat$lesion[i], lesions)]
  })
}
if (catcol != "-") {
  level <- cell_value(catcol)
  add <- sapply(level, function(l) {
    if (l == reference) return(0)
    k <- match(paste0(prefix, "_", l), coef$term)
    if (is.na(k)) NA else coef$beta[k]
  })
  lp <- lp + add
}
score <- plogis(lp)
classify <- function(s) as.integer(switch(rule, ">" = s > thr, ">=" = s >= thr, "<" = s < thr, "<=" = s <= thr))
cls <- classify(score)
emit("lp", lp); emit("score", score); emit("class", ifelse(is.na(cls), -1, cls))

y <- if (ycol != "-") as.integer(cell_value(ycol)) else rep(NA, n)
ok <- !is.na(score)
pids <- sort(unique(dat$patient_id), method = "radix")
p_score <- c(); p_y <- c()
for (p in pids) {
  s <- score[dat$patient_id == p & ok]
  a <- c(mean = mean(s), median = median(s), min = min(s), max = max(s))
  emit("p_mean", a["mean"]); emit("p_median", a["median"]); emit("p_min", a["min"]); emit("p_max", a["max"])
  emit("p_score", a[agg]); emit("p_class", classify(a[agg]))
  yy <- unique(y[dat$patient_id == p & ok])
  p_score <- c(p_score, a[agg]); p_y <- c(p_y, if (length(yy) == 1) yy else NA)
}
level_metrics <- function(prefix, s, yv) {
  sel <- !is.na(s) & !is.na(yv)
  s <- s[sel]; yv <- yv[sel]; cl <- classify(s)
  direction <- if (rule %in% c(">", ">=")) "<" else ">"
  r <- roc(yv, s, levels = c(0, 1), direction = direction, quiet = TRUE)
  ci <- ci.auc(r, method = "delong")
  emit(paste0(prefix, "auc"), c(ci[2], ci[1], ci[3]))
  emit_counts_metrics(prefix, sum(cl == 1 & yv == 1), sum(cl == 1 & yv == 0), sum(cl == 0 & yv == 0), sum(cl == 0 & yv == 1))
}
if (length(extra) >= 11) {
  pm_b0 <- as.numeric(extra[11]); pm_thr <- as.numeric(extra[12]); pm_rule <- extra[13]
  pm_lp <- rep(pm_b0, length(pids))
  for (pair in extra[-(1:13)]) {
    kv <- strsplit(pair, "=", fixed = TRUE)[[1]]; b <- as.numeric(kv[2])
    x <- if (kv[1] == "signature_score") p_score else
      sapply(pids, function(p) { v <- unique(dat[[kv[1]]][dat$patient_id == p]); if (length(v) == 1) v else NA })
    pm_lp <- pm_lp + b * x
  }
  pm_score <- plogis(pm_lp)
  emit("pm_score", pm_score)
  emit("pm_class", as.integer(switch(pm_rule, ">" = pm_score > pm_thr, ">=" = pm_score >= pm_thr,
                                     "<" = pm_score < pm_thr, "<=" = pm_score <= pm_thr)))
}
if (ycol != "-") {
  level_metrics("lesion_", score, y)
  level_metrics("patient_", p_score, p_y)
}
finish()
